//! Local days and times of day: which calendar days had a session, and what
//! time it is on the person's own clock.
//!
//! The articles behind the catalogue ask for frequency over intensity, so the
//! history counts *days* with a session, on the local calendar (a session at
//! 23:59 and one at 00:01 are two days, even where UTC would put them on one).
//! The desk-reset reminder's quiet hours are local times of day too.
//! Everything here but [`local_offset_s`] and [`now_unix_s`] (and what reads
//! them) is a pure function, tested without a clock or a time zone.

/// A calendar day, counted from 1970-01-01 (day 0); earlier days are negative.
pub type Day = i64;

const SECONDS_PER_DAY: i64 = 86_400;

/// Seconds since 1970 on the system clock (0 if the clock is before 1970).
#[must_use]
pub fn now_unix_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The local time zone's offset from UTC at that moment, in seconds east of
/// Greenwich (daylight saving included). 0 when the moment is out of range.
#[must_use]
pub fn local_offset_s(unix_s: f64) -> i32 {
    use chrono::{Offset as _, TimeZone as _};
    if !unix_s.is_finite() {
        return 0;
    }
    #[allow(clippy::cast_possible_truncation)] // Finite; out-of-range saturates.
    let secs = unix_s.floor() as i64;
    chrono::DateTime::from_timestamp(secs, 0).map_or(0, |utc| {
        chrono::Local
            .offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// The local calendar day a moment falls on, given the zone's offset then.
#[must_use]
pub fn day_of(unix_s: f64, offset_s: i32) -> Day {
    #[allow(clippy::cast_possible_truncation)] // Whole seconds; saturates.
    let secs = if unix_s.is_finite() {
        unix_s.floor() as i64
    } else {
        0
    };
    secs.saturating_add(i64::from(offset_s))
        .div_euclid(SECONDS_PER_DAY)
}

/// The day a moment falls on in this computer's time zone.
#[must_use]
pub fn local_day(unix_s: f64) -> Day {
    day_of(unix_s, local_offset_s(unix_s))
}

/// Minutes after local midnight at that moment (0..1440).
#[must_use]
pub fn minute_of_day(unix_s: f64, offset_s: i32) -> u32 {
    #[allow(clippy::cast_possible_truncation)]
    let secs = if unix_s.is_finite() {
        unix_s.floor() as i64
    } else {
        0
    };
    let in_day = secs
        .saturating_add(i64::from(offset_s))
        .rem_euclid(SECONDS_PER_DAY);
    // 0..86_400 / 60 fits.
    u32::try_from(in_day / 60).unwrap_or(0)
}

/// A moment as `2025-01-31 14:05` on the clock of a zone `offset_s` seconds
/// east of UTC: the same days the history's day strips count, so a late
/// evening session sits on the day it was done, not on tomorrow's UTC date.
#[must_use]
pub fn clock_text(unix_s: f64, offset_s: i32) -> String {
    let minute = minute_of_day(unix_s, offset_s);
    let (year, month, day) = civil(day_of(unix_s, offset_s));
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        minute / 60,
        minute % 60
    )
}

/// [`clock_text`] on this computer's clock.
#[must_use]
pub fn local_text(unix_s: f64) -> String {
    clock_text(unix_s, local_offset_s(unix_s))
}

/// Day of the week, 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday).
#[must_use]
pub fn weekday(day: Day) -> u32 {
    u32::try_from((day + 3).rem_euclid(7)).unwrap_or(0)
}

/// The (year, month 1..=12, day 1..=31) of a day on the proleptic Gregorian
/// calendar.
#[must_use]
pub fn civil(day: Day) -> (i64, u32, u32) {
    // Counting in 400-year eras that start on 1 March, so leap days fall at
    // the end of each year.
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

/// The day number of a date (the inverse of [`civil`]).
#[must_use]
pub fn day_from_civil(year: i64, month: u32, day: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// How many days the month has.
#[must_use]
pub fn days_in_month(year: i64, month: u32) -> u32 {
    let (ny, nm) = if month >= 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    u32::try_from(day_from_civil(ny, nm, 1) - day_from_civil(year, month, 1)).unwrap_or(30)
}

/// English name of a month (1..=12).
#[must_use]
pub fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// Which days of this week and this month had at least one session. Only
/// counts, never a streak: a day off is not a failure, and the screen that
/// shows this never says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frequency {
    /// Today.
    pub today: Day,
    /// Monday..Sunday of today's week: a session that day?
    pub week: [bool; 7],
    /// The first day of today's month.
    pub month_start: Day,
    /// Each day of today's month, from the 1st: a session that day?
    pub month: Vec<bool>,
}

impl Frequency {
    /// Counts from the days sessions started on (any order, repeats fine).
    #[must_use]
    pub fn from_days(session_days: impl IntoIterator<Item = Day>, today: Day) -> Frequency {
        let monday = today - i64::from(weekday(today));
        let (y, m, _) = civil(today);
        let month_start = day_from_civil(y, m, 1);
        let len = days_in_month(y, m) as usize;
        let mut week = [false; 7];
        let mut month = vec![false; len];
        for d in session_days {
            if let Some(slot) = usize::try_from(d - monday)
                .ok()
                .and_then(|i| week.get_mut(i))
            {
                *slot = true;
            }
            if let Some(slot) = usize::try_from(d - month_start)
                .ok()
                .and_then(|i| month.get_mut(i))
            {
                *slot = true;
            }
        }
        Frequency {
            today,
            week,
            month_start,
            month,
        }
    }

    /// Counts the sessions started at these moments, on this computer's
    /// calendar, as of now.
    #[must_use]
    pub fn local_now(started_unix_s: impl IntoIterator<Item = f64>) -> Frequency {
        Frequency::from_days(
            started_unix_s.into_iter().map(local_day),
            local_day(now_unix_s()),
        )
    }

    /// Days with a session this week (Monday to Sunday).
    #[must_use]
    pub fn days_this_week(&self) -> usize {
        self.week.iter().filter(|d| **d).count()
    }

    /// Days with a session this month.
    #[must_use]
    pub fn days_this_month(&self) -> usize {
        self.month.iter().filter(|d| **d).count()
    }

    /// The counts in plain words: "4 days this week, 11 this month".
    #[must_use]
    pub fn sentence(&self) -> String {
        let week = self.days_this_week();
        let unit = if week == 1 { "day" } else { "days" };
        format!(
            "{week} {unit} this week, {} this month",
            self.days_this_month()
        )
    }
}

/// Minutes in a day.
pub const MINUTES_PER_DAY: u32 = 24 * 60;

/// Hours of the local day when the desk-reset reminder keeps quiet (the
/// evening and the night by default). The stretch runs from `start_min` up
/// to, not including, `end_min`, in minutes after midnight; an end earlier
/// than the start wraps past midnight, and equal ends mean no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct QuietHours {
    /// Whether quiet hours apply at all.
    pub on: bool,
    /// First quiet minute after midnight.
    pub start_min: u32,
    /// First minute after midnight that is no longer quiet.
    pub end_min: u32,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            on: true,
            start_min: 21 * 60,
            end_min: 8 * 60,
        }
    }
}

impl QuietHours {
    /// Whether that minute of the day (0..1440) is quiet.
    #[must_use]
    pub fn contains(&self, minute: u32) -> bool {
        let (s, e, m) = (self.start_min, self.end_min, minute % MINUTES_PER_DAY);
        if !self.on || s == e {
            false
        } else if s < e {
            s <= m && m < e
        } else {
            m >= s || m < e
        }
    }

    /// Whether it is quiet now on this computer's clock.
    #[must_use]
    pub fn contains_now(&self) -> bool {
        let now = now_unix_s();
        self.contains(minute_of_day(now, local_offset_s(now)))
    }

    /// Brings hand-edited values back into the day.
    pub fn sanitize(&mut self) {
        self.start_min %= MINUTES_PER_DAY;
        self.end_min %= MINUTES_PER_DAY;
    }

    /// "21:00–08:00".
    #[must_use]
    pub fn text(&self) -> String {
        let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        format!("{}–{}", hm(self.start_min), hm(self.end_min))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn quiet(start_min: u32, end_min: u32) -> QuietHours {
        QuietHours {
            on: true,
            start_min,
            end_min,
        }
    }

    #[test]
    fn clock_text_is_the_local_day_and_time() {
        assert_eq!(clock_text(0.0, 0), "1970-01-01 00:00");
        assert_eq!(clock_text(1_700_000_000.0, 0), "2023-11-14 22:13");
        // 22:13 UTC is already the next morning two hours east: the same day
        // the history's strips put the session on.
        let east = clock_text(1_700_000_000.0, 2 * 3600);
        assert_eq!(east, "2023-11-15 00:13");
        assert_eq!(
            day_of(1_700_000_000.0, 2 * 3600),
            day_from_civil(2023, 11, 15)
        );
        assert_eq!(clock_text(1_700_000_000.0, -5 * 3600), "2023-11-14 17:13");
    }

    #[test]
    fn quiet_hours_wrap_past_midnight() {
        let q = QuietHours::default();
        assert_eq!(q.text(), "21:00–08:00");
        assert!(!q.contains(20 * 60 + 59));
        assert!(q.contains(21 * 60));
        assert!(q.contains(23 * 60 + 59));
        assert!(q.contains(0));
        assert!(q.contains(7 * 60 + 59));
        assert!(!q.contains(8 * 60));
        assert!(!q.contains(12 * 60));
        // A daytime stretch does not wrap.
        let lunch = quiet(12 * 60, 13 * 60);
        assert!(lunch.contains(12 * 60 + 30) && !lunch.contains(0) && !lunch.contains(13 * 60));
        // Equal ends, or turned off: never quiet.
        assert!(!(0..MINUTES_PER_DAY).any(|m| quiet(600, 600).contains(m)));
        let off = QuietHours { on: false, ..q };
        assert!(!(0..MINUTES_PER_DAY).any(|m| off.contains(m)));
        let mut odd = quiet(5000, 1440);
        odd.sanitize();
        assert_eq!((odd.start_min, odd.end_min), (5000 % 1440, 0));
    }

    /// Seconds since 1970 of a UTC date and time.
    fn at(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let s = (day_from_civil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60) as f64;
        s
    }

    #[test]
    fn dates_weekdays_and_month_lengths_match_the_calendar() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        // 2026-12-03 is a Thursday; 2024 had a 29 February, 2100 will not.
        let d = day_from_civil(2026, 12, 3);
        assert_eq!(civil(d), (2026, 12, 3));
        assert_eq!(weekday(d), 3);
        assert_eq!(weekday(day_from_civil(2026, 11, 30)), 0);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2026, 12), 31);
        assert_eq!(days_in_month(2026, 4), 30);
        assert_eq!(month_name(12), "December");
    }

    #[test]
    fn just_before_and_just_after_midnight_are_two_days() {
        // Local time two hours east of UTC: 23:59 and 00:01 local.
        let off = 2 * 3600;
        let late = at(2026, 12, 1, 21, 59);
        let early = at(2026, 12, 1, 22, 1);
        assert_eq!(day_of(early, off) - day_of(late, off), 1);
        // In UTC they are the same day: the offset is what splits them.
        assert_eq!(day_of(late, 0), day_of(early, 0));
        let today = day_from_civil(2026, 12, 3);
        let f = Frequency::from_days([day_of(late, off), day_of(early, off)], today);
        assert_eq!((f.days_this_week(), f.days_this_month()), (2, 2));
        // West of UTC, a late-evening session is still the local day.
        assert_eq!(
            civil(day_of(at(2026, 12, 2, 3, 30), -5 * 3600)),
            (2026, 12, 1)
        );
        assert_eq!(
            minute_of_day(at(2026, 12, 2, 3, 30), -5 * 3600),
            22 * 60 + 30
        );
    }

    #[test]
    fn counts_days_not_sessions_within_the_week_and_the_month() {
        // Thursday 3 December 2026; the week began on Monday 30 November.
        let today = day_from_civil(2026, 12, 3);
        let days = [
            day_from_civil(2026, 11, 29), // Sunday before: neither
            day_from_civil(2026, 11, 30), // Monday: this week, last month
            today,
            today, // twice the same day counts once
            day_from_civil(2026, 12, 1),
            day_from_civil(2026, 12, 20), // later this month (a clock set back)
            day_from_civil(2027, 1, 1),
        ];
        let f = Frequency::from_days(days, today);
        assert_eq!(f.week, [true, true, false, true, false, false, false]);
        assert_eq!(f.days_this_week(), 3);
        assert_eq!(f.days_this_month(), 3);
        assert_eq!(f.month.len(), 31);
        assert_eq!(f.month_start, day_from_civil(2026, 12, 1));
        assert_eq!(f.sentence(), "3 days this week, 3 this month");
        let one = Frequency::from_days([today], today);
        assert_eq!(one.sentence(), "1 day this week, 1 this month");
        let none = Frequency::from_days([], today);
        assert_eq!(none.sentence(), "0 days this week, 0 this month");
    }

    #[test]
    fn the_local_clock_agrees_with_itself() {
        let now = now_unix_s();
        assert!(now > at(2020, 1, 1, 0, 0));
        let off = local_offset_s(now);
        assert!(off.abs() <= 14 * 3600, "{off}");
        assert_eq!(local_day(now), day_of(now, off));
        assert_eq!(local_offset_s(f64::NAN), 0);
    }

    proptest! {
        #[test]
        fn quiet_hours_are_the_minutes_walked_from_start_to_end(
            start in 0_u32..MINUTES_PER_DAY,
            end in 0_u32..MINUTES_PER_DAY,
            minute in 0_u32..MINUTES_PER_DAY,
        ) {
            let q = quiet(start, end);
            // Walk the clock from the start until the end: those are quiet.
            let walked = (minute + MINUTES_PER_DAY - start) % MINUTES_PER_DAY;
            let length = (end + MINUTES_PER_DAY - start) % MINUTES_PER_DAY;
            prop_assert_eq!(q.contains(minute), walked < length);
            // The other way round is exactly the rest of the day.
            if start != end {
                prop_assert_eq!(quiet(end, start).contains(minute), !q.contains(minute));
                prop_assert!(q.contains(start));
                prop_assert!(!q.contains(end));
            }
        }

        #[test]
        fn civil_dates_round_trip(day in -1_000_000_i64..1_000_000) {
            let (y, m, d) = civil(day);
            prop_assert!((1..=12).contains(&m));
            prop_assert!(d >= 1 && d <= days_in_month(y, m));
            prop_assert_eq!(day_from_civil(y, m, d), day);
            prop_assert_eq!(weekday(day + 1), (weekday(day) + 1) % 7);
        }

        #[test]
        fn counted_days_never_exceed_the_period_and_include_today(
            today in 0_i64..200_000,
            spread in proptest::collection::vec(-60_i64..60, 0..200),
            sessions_today in 0_usize..3,
        ) {
            let mut days: Vec<Day> = spread.iter().map(|d| today + d).collect();
            days.extend(std::iter::repeat_n(today, sessions_today));
            let f = Frequency::from_days(days.iter().copied(), today);
            let (y, m, _) = civil(today);
            prop_assert!(f.days_this_week() <= 7);
            prop_assert!(f.days_this_month() <= days_in_month(y, m) as usize);
            prop_assert_eq!(f.month.len(), days_in_month(y, m) as usize);
            // Never more days than distinct session days.
            let mut distinct = days.clone();
            distinct.sort_unstable();
            distinct.dedup();
            prop_assert!(f.days_this_week() <= distinct.len());
            prop_assert!(f.days_this_month() <= distinct.len());
            let today_counted = f.week[weekday(today) as usize];
            prop_assert_eq!(today_counted, days.contains(&today));
            // The same days in another order count the same.
            days.reverse();
            prop_assert_eq!(Frequency::from_days(days, today), f);
        }

        #[test]
        fn moments_a_minute_apart_across_local_midnight_are_two_days(
            day in -10_000_i64..40_000,
            offset_min in -720_i32..=840,
        ) {
            let off = offset_min * 60;
            #[allow(clippy::cast_precision_loss)]
            let midnight_utc = (day * SECONDS_PER_DAY - i64::from(off)) as f64;
            let before = midnight_utc - 60.0;
            let after = midnight_utc + 60.0;
            prop_assert_eq!(day_of(before, off), day - 1);
            prop_assert_eq!(day_of(after, off), day);
            prop_assert_eq!(minute_of_day(before, off), 1439);
            prop_assert_eq!(minute_of_day(after, off), 1);
        }
    }
}
