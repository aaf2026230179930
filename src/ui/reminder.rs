//! The desk-reset reminder: after a stretch of use (an hour by default, as
//! the catalogue suggests for people who sit), a banner offers the standing
//! reach-and-W move. It never interrupts a session: it waits until coaching
//! stops. Doing the desk reset, or dismissing the banner, starts the count
//! again; "later" asks again in ten minutes. During quiet hours (the evening
//! and night by default) it does not come up: the reminder times that fall
//! in them are skipped, and the first one after they end comes up.

use egui::RichText;

use super::palette;

/// The exercise the reminder offers: the first whose file says
/// `reminder = true`. `None` when no exercise does.
#[must_use]
pub fn exercise_id(exercises: &[crate::coach::Exercise]) -> Option<&str> {
    exercises.iter().find(|e| e.reminder).map(|e| e.id.as_str())
}

/// How long "later" waits, seconds.
pub const SNOOZE_S: f64 = 600.0;

/// When the next reminder is due. Times are seconds on any steady clock
/// (the window uses egui's input time, tests pass their own).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reminder {
    next_s: Option<f64>,
    due: bool,
}

/// What the person chose on the banner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderCommand {
    /// Start the desk reset now.
    Start,
    /// Ask again in [`SNOOZE_S`].
    Later,
    /// Not now; the next one comes after a full interval.
    Dismiss,
}

impl Default for Reminder {
    fn default() -> Self {
        Reminder::new()
    }
}

impl Reminder {
    /// Counting starts at the first [`Reminder::tick`].
    #[must_use]
    pub fn new() -> Reminder {
        Reminder {
            next_s: None,
            due: false,
        }
    }

    /// Moves the clock on. Returns `true` exactly once when the reminder
    /// becomes due (the moment to ask for the person's attention). While
    /// `coaching`, a due reminder waits; while disabled nothing is counted.
    pub fn tick(&mut self, now_s: f64, every_s: f64, enabled: bool, coaching: bool) -> bool {
        if !enabled {
            self.next_s = None;
            self.due = false;
            return false;
        }
        let next = *self.next_s.get_or_insert(now_s + every_s);
        if !self.due && !coaching && now_s >= next {
            self.due = true;
            return true;
        }
        false
    }

    /// Call before [`Reminder::tick`] with whether it is quiet hours now: a
    /// reminder time that has passed during them is skipped to the next one
    /// (every `every_s` from it), so nothing comes up until the first
    /// reminder time after they end. A banner already up stays.
    pub fn quiet(&mut self, now_s: f64, every_s: f64, quiet: bool) {
        if !quiet || self.due || every_s <= 0.0 {
            return;
        }
        if let Some(next) = self.next_s
            && now_s >= next
        {
            let skipped = ((now_s - next) / every_s).floor() + 1.0;
            self.next_s = Some(next + skipped * every_s);
        }
    }

    /// Whether the banner should show.
    #[must_use]
    pub fn due(&self) -> bool {
        self.due
    }

    /// Seconds until the reminder is due (for scheduling a repaint), if it is
    /// counting.
    #[must_use]
    pub fn remaining_s(&self, now_s: f64) -> Option<f64> {
        if self.due {
            return None;
        }
        self.next_s.map(|n| (n - now_s).max(0.0))
    }

    /// Starts the count again (the desk reset was done or the banner dismissed).
    pub fn restart(&mut self, now_s: f64, every_s: f64) {
        self.next_s = Some(now_s + every_s);
        self.due = false;
    }

    /// Asks again after [`SNOOZE_S`].
    pub fn snooze(&mut self, now_s: f64) {
        self.next_s = Some(now_s + SNOOZE_S);
        self.due = false;
    }

    /// The banner (a top panel); returns the person's choice.
    pub fn ui(ui: &mut egui::Ui, minutes: u32) -> Option<ReminderCommand> {
        let mut command = None;
        egui::Panel::top("desk_reset_reminder")
            .frame(egui::Frame::new().fill(palette::PENDING).inner_margin(10.0))
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(
                        RichText::new(format!(
                            "{minutes} minutes at the computer: time to stand up for the desk \
                             reset (about a minute)."
                        ))
                        .size(18.0)
                        .color(palette::ON_BANNER),
                    );
                    if ui
                        .button(RichText::new("Start the desk reset").size(16.0))
                        .clicked()
                    {
                        command = Some(ReminderCommand::Start);
                    }
                    if ui.button("In 10 minutes").clicked() {
                        command = Some(ReminderCommand::Later);
                    }
                    if ui.button("Not now").clicked() {
                        command = Some(ReminderCommand::Dismiss);
                    }
                });
            });
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: f64 = 3600.0;

    #[test]
    fn comes_due_once_after_an_hour_and_waits_for_coaching_to_end() {
        let mut r = Reminder::new();
        assert!(!r.tick(0.0, HOUR, true, false));
        assert_eq!(r.remaining_s(0.0), Some(HOUR));
        assert!(!r.tick(HOUR - 1.0, HOUR, true, false));
        // In the middle of a set: not now.
        assert!(!r.tick(HOUR + 5.0, HOUR, true, true));
        assert!(!r.due());
        assert!(r.tick(HOUR + 60.0, HOUR, true, false));
        assert!(r.due());
        // Only once.
        assert!(!r.tick(HOUR + 61.0, HOUR, true, false));
        assert!(r.due());
    }

    #[test]
    fn later_asks_again_in_ten_minutes_and_dismiss_waits_a_full_interval() {
        let mut r = Reminder::new();
        r.tick(0.0, HOUR, true, false);
        assert!(r.tick(HOUR, HOUR, true, false));
        r.snooze(HOUR);
        assert!(!r.tick(HOUR + SNOOZE_S - 1.0, HOUR, true, false));
        assert!(r.tick(HOUR + SNOOZE_S, HOUR, true, false));
        r.restart(HOUR + SNOOZE_S, HOUR);
        assert!(!r.tick(2.0 * HOUR, HOUR, true, false));
        assert!(r.tick(2.0 * HOUR + SNOOZE_S, HOUR, true, false));
    }

    #[test]
    fn quiet_hours_skip_to_the_first_reminder_time_after_they_end() {
        // Counting from 20:30, hourly; quiet 21:00-08:00 (clock in seconds
        // after midnight of the first day).
        let q = crate::calendar::QuietHours::default();
        let is_quiet = |t: f64| q.contains(((t / 60.0) as u32) % 1440);
        let mut r = Reminder::new();
        let start = 20.5 * HOUR;
        let mut shown = Vec::new();
        let mut t = start;
        while t < start + 14.0 * HOUR {
            r.quiet(t, HOUR, is_quiet(t));
            if r.tick(t, HOUR, true, false) {
                shown.push(t);
                r.restart(t, HOUR);
            }
            t += 60.0;
        }
        // Nothing from 21:30 to 07:30; 08:30 (next day) is the first.
        assert_eq!(shown.first().copied(), Some(32.5 * HOUR));
        // Without quiet hours it would have come up at 21:30.
        let mut loud = Reminder::new();
        loud.tick(start, HOUR, true, false);
        assert!(loud.tick(21.5 * HOUR, HOUR, true, false));
    }

    proptest::proptest! {
        #[test]
        fn never_comes_up_in_quiet_hours_and_always_at_a_reminder_time(
            start_min in 0_u32..1440,
            end_min in 0_u32..1440,
            begin_min in 0_u32..1440,
            every_min in 15_u32..=240,
        ) {
            let q = crate::calendar::QuietHours { on: true, start_min, end_min };
            let every = f64::from(every_min) * 60.0;
            let begin = f64::from(begin_min) * 60.0;
            let mut r = Reminder::new();
            let mut last = begin;
            for step in 0..(3 * 1440) {
                let t = begin + f64::from(step) * 60.0;
                let minute = (begin_min + step) % 1440;
                r.quiet(t, every, q.contains(minute));
                if r.tick(t, every, true, false) {
                    proptest::prop_assert!(!q.contains(minute), "came up at minute {}", minute);
                    // On the reminder schedule, never between.
                    let k = (t - last) / every;
                    proptest::prop_assert!((k - k.round()).abs() < 1e-9 && k >= 1.0);
                    r.restart(t, every);
                    last = t;
                }
            }
            // When the day has at least one interval without quiet hours,
            // a reminder time falls in it: it came up in three days.
            let loud = (0..1440).filter(|m| !q.contains(*m)).count();
            if loud >= every_min as usize {
                proptest::prop_assert!(last > begin);
            }
        }
    }

    #[test]
    fn turned_off_it_never_shows_and_turned_on_it_counts_from_then() {
        let mut r = Reminder::new();
        assert!(!r.tick(0.0, HOUR, false, false));
        assert!(!r.tick(5.0 * HOUR, HOUR, false, false));
        assert!(!r.due());
        assert!(!r.tick(5.0 * HOUR, HOUR, true, false));
        assert!(!r.tick(6.0 * HOUR - 1.0, HOUR, true, false));
        assert!(r.tick(6.0 * HOUR, HOUR, true, false));
    }
}
