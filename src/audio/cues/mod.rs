//! The announcer: turns the coach's feedback, frame by frame, into timed
//! utterances with the same dosing rules as the written cue.
//!
//! - One phrase at a time. Speech is a single lane; a phrase waits for the one
//!   before it, except that a form warning (or placement help) cuts short a
//!   count or a praise.
//! - The most important first: waiting phrases go by priority, warnings by their
//!   rule's priority.
//! - A persisting fault is not nagged about: it is said once, reminded at most
//!   every [`REMIND_S`], and a fault that comes back within
//!   [`REPEAT_COOLDOWN_S`] of being said is not said again.
//! - When a fault that was said clears (and stays clear), a short positive phrase.
//! - Counts, set and side changes, hold countdowns with a tone at the end,
//!   placement help, and breathing pace tones for exercises paired with breathing.

mod breathing;
mod holds;
mod phrases;
mod queue;

pub use breathing::{BreathingMode, breathing_mode};
// Only the window uses it from outside (the settings page).
#[cfg(feature = "gui")]
pub(crate) use phrases::capitalized;
pub use phrases::number_word;
pub use queue::{SpeechTimer, estimate_speech_s};

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::audio::{AudioSettings, Priority, Utterance};
use crate::coach::exercise::RuleKind;
use crate::coach::{Event, Exercise, Feedback, Phase, Severity, Side};

use holds::HoldState;
use phrases::{PRAISE, RESUME, START};
use queue::Pending;

/// A fault returning this soon after it was said is not said again.
pub const REPEAT_COOLDOWN_S: f64 = 6.0;
/// A fault still up this long after it was said is said once more.
pub const REMIND_S: f64 = 15.0;
/// Praise waits this long after a fault clears, so a fault that reopens at once
/// (the coach's own cooldown) gets none.
pub const PRAISE_DELAY_S: f64 = 0.6;
/// At most one praise this often.
pub const PRAISE_GAP_S: f64 = 8.0;
/// Placement help is said once it has been up this long.
pub const PLACEMENT_DWELL_S: f64 = 1.0;
/// The same placement help is repeated at most this often.
pub const PLACEMENT_REPEAT_S: f64 = 12.0;
/// Holds at least this long get the end tone.
pub const CHIME_MIN_HOLD_S: f64 = 4.0;
/// Holds at least this long get a spoken start and countdown.
pub const SPOKEN_HOLD_MIN_S: f64 = 8.0;

#[derive(Debug, Clone, Copy)]
struct WarnState {
    said: Option<f64>,
}

/// Turns feedback into utterances. One per session, fed every frame in order.
pub struct Announcer {
    settings: AudioSettings,
    exercise: Exercise,
    breathing: BreathingMode,
    rule_rank: HashMap<String, u32>,
    open_holds: HashSet<String>,
    timer: SpeechTimer,
    speaking: Option<(f64, Priority)>,
    queue: Vec<Pending>,
    warnings: BTreeMap<String, WarnState>,
    last_said_rule: HashMap<String, f64>,
    praise_due: Option<f64>,
    last_praise: f64,
    praise_next: usize,
    placement: Option<(String, f64)>,
    placement_said: HashMap<String, f64>,
    hold: Option<HoldState>,
    holds_done: [u32; 3],
    side_done: [bool; 2],
    breath: Option<(f64, bool)>,
    started: bool,
}

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Announcer")
            .field("exercise", &self.exercise.id)
            .field("settings", &self.settings)
            .field("speaking", &self.speaking)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

fn side_index(side: Option<Side>) -> usize {
    match side {
        Some(Side::Left) => 0,
        Some(Side::Right) => 1,
        None => 2,
    }
}

fn other(side: Side) -> Side {
    match side {
        Side::Left => Side::Right,
        Side::Right => Side::Left,
    }
}

impl Announcer {
    /// An announcer for `exercise`. Speech lengths are estimated from the text;
    /// use [`Announcer::with_timer`] to measure them with the engine.
    #[must_use]
    pub fn new(exercise: &Exercise, settings: AudioSettings) -> Announcer {
        let mut settings = settings;
        settings.sanitize();
        let rate = settings.rate_wpm;
        Announcer {
            breathing: breathing_mode(exercise),
            rule_rank: exercise
                .rules
                .iter()
                .map(|r| (r.id.clone(), r.priority))
                .collect(),
            open_holds: exercise
                .rules
                .iter()
                .filter(|r| matches!(&r.kind, RuleKind::Hold(p) if p.signal.is_none()))
                .map(|r| r.id.clone())
                .collect(),
            exercise: exercise.clone(),
            settings,
            timer: Box::new(move |t| estimate_speech_s(t, rate)),
            speaking: None,
            queue: Vec::new(),
            warnings: BTreeMap::new(),
            last_said_rule: HashMap::new(),
            praise_due: None,
            last_praise: f64::NEG_INFINITY,
            praise_next: 0,
            placement: None,
            placement_said: HashMap::new(),
            hold: None,
            holds_done: [0; 3],
            side_done: [false; 2],
            breath: None,
            started: false,
        }
    }

    /// Measures speech with `timer` (for example the rendered phrase length).
    #[must_use]
    pub fn with_timer(mut self, timer: SpeechTimer) -> Announcer {
        self.timer = timer;
        self
    }

    /// The settings in use.
    #[must_use]
    pub fn settings(&self) -> &AudioSettings {
        &self.settings
    }

    /// Changes settings mid-session (voice, tones, pace).
    pub fn set_settings(&mut self, settings: AudioSettings) {
        self.settings = settings;
        self.settings.sanitize();
        if !self.settings.voice_on {
            self.queue.clear();
        }
    }

    /// How this exercise pairs with breathing.
    #[must_use]
    pub fn breathing(&self) -> BreathingMode {
        self.breathing
    }

    /// Takes one frame's feedback; returns what to play, in time order.
    pub fn step(&mut self, fb: &Feedback) -> Vec<Utterance> {
        let t = fb.t_s;
        let mut out = Vec::new();
        if self.speaking.is_some_and(|(end, _)| end <= t) {
            self.speaking = None;
        }
        for e in &fb.events {
            self.on_event(e, fb);
        }
        self.reminders(fb);
        self.praise(t);
        self.placement(fb);
        self.holds(fb, &mut out);
        self.breathe(fb, &mut out);
        if let Some(u) = self.next_speech(t) {
            out.push(u);
        }
        out.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        out
    }

    fn on_event(&mut self, e: &Event, fb: &Feedback) {
        let t = fb.t_s;
        match e {
            Event::Baseline { .. } => {
                let text = if self.started { RESUME } else { START };
                self.started = true;
                self.say(t, text.to_owned(), Priority::Count, 2.0, None);
            }
            Event::WarningStart { rule, message, .. } => {
                self.praise_due = None;
                let recent = self
                    .last_said_rule
                    .get(rule)
                    .copied()
                    .filter(|s| t - s < REPEAT_COOLDOWN_S);
                self.warnings
                    .insert(rule.clone(), WarnState { said: recent });
                if recent.is_none() {
                    self.say(t, message.clone(), Priority::Warning, 2.0, Some(rule));
                }
            }
            Event::WarningEnd { rule, .. } => {
                self.queue.retain(|p| p.rule.as_ref() != Some(rule));
                let said = self.warnings.remove(rule).and_then(|w| w.said);
                if said.is_some() && self.warnings.is_empty() {
                    self.praise_due = Some(t + PRAISE_DELAY_S);
                }
            }
            Event::Rep { side, .. } => {
                let per_side = self.exercise.dose.per_side && side.is_some();
                let n = if per_side {
                    match side {
                        Some(Side::Left) => fb.reps.left,
                        Some(Side::Right) => fb.reps.right,
                        None => fb.reps.both,
                    }
                } else {
                    fb.reps.total()
                };
                let side = if per_side { *side } else { None };
                if let Some(text) = self.count_phrase(side, n, self.exercise.dose.reps) {
                    self.say(t, text, Priority::Count, 1.5, None);
                }
            }
            Event::Hold {
                rule,
                side,
                held_s,
                target_s,
                ..
            } => {
                let is_hold = self
                    .exercise
                    .rule(rule)
                    .is_some_and(|r| matches!(r.kind, RuleKind::Hold(_)));
                if is_hold && !self.open_holds.contains(rule) && *held_s >= 0.8 * target_s {
                    self.hold_done(t, *side);
                }
            }
            Event::Phase { .. } => {}
        }
    }

    fn reminders(&mut self, fb: &Feedback) {
        let t = fb.t_s;
        let Some(cue) = fb.cue.as_ref().filter(|c| c.severity == Severity::Warning) else {
            return;
        };
        let due = self
            .warnings
            .get(&cue.rule)
            .and_then(|w| w.said)
            .is_some_and(|s| t - s >= REMIND_S);
        if due
            && !self
                .queue
                .iter()
                .any(|p| p.rule.as_ref() == Some(&cue.rule))
        {
            self.say(
                t,
                cue.message.clone(),
                Priority::Warning,
                2.0,
                Some(&cue.rule),
            );
        }
    }

    fn praise(&mut self, t: f64) {
        let Some(due) = self.praise_due else { return };
        if due > t {
            return;
        }
        self.praise_due = None;
        if self.warnings.is_empty() && t - self.last_praise >= PRAISE_GAP_S {
            self.last_praise = t;
            let text = PRAISE[self.praise_next % PRAISE.len()].to_owned();
            self.praise_next += 1;
            self.say(t, text, Priority::Praise, 1.0, None);
        }
    }

    fn placement(&mut self, fb: &Feedback) {
        let t = fb.t_s;
        let msg = fb
            .cue
            .as_ref()
            .filter(|c| c.severity == Severity::Info)
            .map(|c| c.message.clone())
            .or_else(|| fb.placement.clone().filter(|_| fb.phase == Phase::Setup));
        let Some(msg) = msg else {
            self.placement = None;
            return;
        };
        let since = match &self.placement {
            Some((m, s)) if *m == msg => *s,
            _ => {
                self.placement = Some((msg.clone(), t));
                t
            }
        };
        let repeat = PLACEMENT_REPEAT_S.max(3.0 * estimate_speech_s(&msg, self.settings.rate_wpm));
        let fresh = self
            .placement_said
            .get(&msg)
            .is_none_or(|s| t - s >= repeat);
        if t - since >= PLACEMENT_DWELL_S && fresh {
            self.placement_said.insert(msg.clone(), t);
            self.say(t, msg, Priority::Placement, 3.0, Some("placement"));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests;
