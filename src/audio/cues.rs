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

use super::tones::ToneKind;
use super::{AudioSettings, Priority, Utterance, UtteranceKind};
use crate::coach::exercise::RuleKind;
use crate::coach::geometry::Unseen;
use crate::coach::{Event, Exercise, Feedback, Phase, Severity, Side};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

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

const PRAISE: [&str; 4] = ["That's it.", "Better.", "Nice, keep that.", "Good."];
const NOBODY: &str = "I can't see anyone. Step into the picture.";
const FACE: &str = "Face the camera.";
const SIDE_ON: &str = "Turn side-on to the camera.";
const START: &str = "Ready. Let's start.";
const RESUME: &str = "Got you. Carry on.";
const ALL_DONE: &str = "All done. Well done.";
const RELAX: &str = "And relax.";

/// When breathing pace tones play for an exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreathingMode {
    /// Not paired with breathing.
    Off,
    /// The whole exercise moves with the breath (after setup).
    Always,
    /// Its holds are breathed through.
    DuringHolds,
}

/// How an exercise pairs with breathing, read from its text: one whose rest
/// phase tells the person to breathe moves with the breath (breathing-360,
/// laying-arm-extensions); one with holds of 5 s or more whose hold text says to
/// breathe is breathed through during the holds.
#[must_use]
pub fn breathing_mode(exercise: &Exercise) -> BreathingMode {
    let breathe = |s: &str| s.to_lowercase().contains("breath");
    let long_hold = exercise.dose.hold_s >= 5.0
        || exercise
            .rules
            .iter()
            .any(|r| r.kind.progress().is_some_and(|p| p.hold_s >= 5.0));
    if breathe(&exercise.phases.rest) {
        BreathingMode::Always
    } else if long_hold && breathe(&exercise.phases.position) {
        BreathingMode::DuringHolds
    } else {
        BreathingMode::Off
    }
}

/// Estimates how long a phrase takes to say at `rate_wpm` (about 7 characters
/// a word with spaces and punctuation, as espeak-ng measures, plus a little for
/// pauses); used when no engine measures it.
#[must_use]
pub fn estimate_speech_s(text: &str, rate_wpm: u32) -> f64 {
    let chars_per_s = f64::from(rate_wpm.max(60)) * 7.0 / 60.0;
    let pauses = text
        .chars()
        .filter(|c| matches!(c, '.' | ',' | ':' | ';'))
        .count();
    0.15 + text.chars().count() as f64 / chars_per_s + 0.1 * pauses as f64
}

/// Seconds a phrase takes to say.
pub type SpeechTimer = Box<dyn FnMut(&str) -> f64 + Send>;

#[derive(Debug, Clone)]
struct Pending {
    text: String,
    priority: Priority,
    /// Rule priority among warnings (lower first).
    rank: u32,
    queued: f64,
    expires: f64,
    rule: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct WarnState {
    said: Option<f64>,
}

#[derive(Debug, Clone)]
struct HoldState {
    key: (String, Option<Side>, u64),
    marks: Vec<u32>,
    chimed: bool,
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

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Left => "Left",
        Side::Right => "Right",
    }
}

fn other(side: Side) -> Side {
    match side {
        Side::Left => Side::Right,
        Side::Right => Side::Left,
    }
}

/// A number in words ("three", "twenty-one"); digits past 99.
#[must_use]
pub fn number_word(n: u32) -> String {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    match n {
        0..=19 => ONES[n as usize].to_owned(),
        20..=99 if n.is_multiple_of(10) => TENS[(n / 10) as usize].to_owned(),
        20..=99 => format!("{}-{}", TENS[(n / 10) as usize], ONES[(n % 10) as usize]),
        _ => n.to_string(),
    }
}

/// `s` with its first letter in capitals (words built for the middle of a
/// sentence, said or shown on their own).
pub(crate) fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn hold_marks(target_s: f64) -> Vec<u32> {
    [30u32, 10, 5]
        .into_iter()
        .filter(|m| target_s >= f64::from(*m) * 1.5)
        .collect()
}

fn mark_phrase(mark: u32) -> String {
    match mark {
        5 => "Five.".to_owned(),
        10 => "Ten seconds.".to_owned(),
        m => format!("{} seconds to go.", capitalized(&number_word(m))),
    }
}

/// "Two of three."
fn hold_of_phrase(k: u32, of: u32) -> String {
    format!("{} of {}.", capitalized(&number_word(k)), number_word(of))
}

/// A count phrase without its leading number ("Set one done. ...").
fn strip_count(p: &str) -> String {
    p.split_once(". ")
        .map_or_else(|| p.to_owned(), |(_, rest)| rest.to_owned())
}

fn hold_start_phrase(side: Option<Side>, target_s: f64) -> String {
    let secs = number_word(target_s.round() as u32);
    match side {
        Some(s) => format!("{} side. Hold for {secs} seconds.", side_name(s)),
        None => format!("Hold for {secs} seconds."),
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

    /// Every phrase this announcer may say for its exercise, to render ahead.
    #[must_use]
    pub fn phrases(&self) -> Vec<String> {
        let ex = &self.exercise;
        let mut out: Vec<String> = vec![
            NOBODY.into(),
            FACE.into(),
            SIDE_ON.into(),
            START.into(),
            RESUME.into(),
            ALL_DONE.into(),
            ex.phases.setup.clone(),
        ];
        out.extend(PRAISE.iter().map(|s| (*s).to_owned()));
        for r in &ex.rules {
            if !r.cue.is_empty() {
                out.push(r.cue.clone());
            }
            out.extend(r.kind.points().into_iter().map(|p| Unseen(p).message()));
        }
        out.extend(ex.required.iter().map(|p| Unseen(*p).message()));
        let mut holds = Vec::new();
        for r in &ex.rules {
            if let Some(p) = r.kind.progress().filter(|p| p.hold_s > 0.0) {
                holds.push(p.hold_s);
            }
        }
        for target in holds {
            for m in hold_marks(target) {
                out.push(mark_phrase(m));
            }
            if target >= SPOKEN_HOLD_MIN_S {
                out.push(hold_start_phrase(None, target));
                out.push(hold_start_phrase(Some(Side::Left), target));
                out.push(hold_start_phrase(Some(Side::Right), target));
            }
        }
        let mut tmp = Announcer::new(ex, self.settings.clone());
        for done in [[false, false], [true, false], [false, true]] {
            for side in [Some(Side::Left), Some(Side::Right), None] {
                for n in 1..=(ex.dose.reps.max(ex.dose.holds) * ex.dose.sets.max(1)) {
                    tmp.side_done = done;
                    out.extend(tmp.count_phrase(side, n, ex.dose.reps));
                    tmp.side_done = done;
                    if ex.dose.holds > 0 {
                        out.extend(
                            tmp.count_phrase(side, n, ex.dose.holds)
                                .map(|p| strip_count(&p)),
                        );
                    }
                }
            }
        }
        for k in 1..ex.dose.holds {
            out.push(hold_of_phrase(k, ex.dose.holds));
        }
        out.push(RELAX.to_owned());
        out.sort();
        out.dedup();
        out
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

    fn say(&mut self, t: f64, text: String, priority: Priority, wait_s: f64, rule: Option<&str>) {
        if !self.settings.voice_on || text.is_empty() {
            return;
        }
        if self.queue.iter().any(|p| p.text == text) {
            return;
        }
        let rank = rule
            .and_then(|r| self.rule_rank.get(r))
            .copied()
            .unwrap_or(u32::MAX);
        self.queue.push(Pending {
            text,
            priority,
            rank,
            queued: t,
            expires: t + wait_s,
            rule: rule.map(str::to_owned),
        });
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

    /// A finished hold: "two of three", or the side or the whole dose done.
    fn hold_done(&mut self, t: f64, side: Option<Side>) {
        let side = if self.exercise.dose.per_side {
            side
        } else {
            None
        };
        let i = side_index(side);
        self.holds_done[i] += 1;
        let k = self.holds_done[i];
        let h = self.exercise.dose.holds;
        if h == 0 {
            return;
        }
        let all = h * self.exercise.dose.sets.max(1);
        let text = if k.is_multiple_of(h) || k >= all {
            // Drop the leading number: the hold tone already marked the end.
            self.count_phrase(side, k, h).map(|p| strip_count(&p))
        } else {
            Some(hold_of_phrase((k - 1) % h + 1, h))
        };
        if let Some(text) = text {
            self.say(t, text, Priority::Count, 2.0, None);
        }
    }

    /// The count for the `n`th rep (or hold) of a dose of `per_set` per set.
    fn count_phrase(&mut self, side: Option<Side>, n: u32, per_set: u32) -> Option<String> {
        if n == 0 {
            return None;
        }
        let sets = self.exercise.dose.sets.max(1);
        if per_set == 0 || n > per_set * sets {
            return Some(format!("{}.", capitalized(&number_word(n))));
        }
        let in_set = (n - 1) % per_set + 1;
        let set_no = (n - 1) / per_set + 1;
        let mut text = match side {
            // Sides often alternate: say which one was counted.
            Some(s) if in_set < per_set => format!("{}, {}.", side_name(s), number_word(in_set)),
            _ => format!("{}.", capitalized(&number_word(in_set))),
        };
        if in_set == per_set {
            if set_no < sets {
                let _ = write!(
                    text,
                    " Set {} done. Rest, then go again.",
                    number_word(set_no)
                );
            } else if let Some(s) = side {
                self.side_done[side_index(Some(s))] = true;
                let _ = write!(text, " {} side done.", side_name(s));
                if self.side_done[side_index(Some(other(s)))] {
                    text.push(' ');
                    text.push_str(ALL_DONE);
                } else {
                    let _ = write!(
                        text,
                        " Now the {} side.",
                        side_name(other(s)).to_lowercase()
                    );
                }
            } else {
                text.push(' ');
                text.push_str(ALL_DONE);
            }
        }
        Some(text)
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

    fn holds(&mut self, fb: &Feedback, out: &mut Vec<Utterance>) {
        let t = fb.t_s;
        let Some(h) = &fb.hold else {
            self.hold = None;
            return;
        };
        let key = (h.rule.clone(), h.side, h.start_s.to_bits());
        if self.hold.as_ref().is_none_or(|s| s.key != key) {
            self.hold = Some(HoldState {
                key,
                marks: hold_marks(h.target_s),
                chimed: false,
            });
            if h.target_s >= SPOKEN_HOLD_MIN_S {
                let side = if self.exercise.sided() { h.side } else { None };
                self.say(
                    t,
                    hold_start_phrase(side, h.target_s),
                    Priority::Count,
                    1.5,
                    None,
                );
            }
        }
        let remaining = h.target_s - h.held_s;
        let mut said = Vec::new();
        let mut chime = false;
        if let Some(state) = self.hold.as_mut() {
            while let Some(&m) = state.marks.first() {
                if remaining > f64::from(m) {
                    break;
                }
                state.marks.remove(0);
                if remaining > f64::from(m) - 1.0 {
                    said.push(mark_phrase(m));
                }
            }
            if remaining <= 0.0 && !state.chimed {
                state.chimed = true;
                chime = h.target_s >= CHIME_MIN_HOLD_S;
            }
        }
        for text in said {
            self.say(t, text, Priority::Count, 1.0, None);
        }
        if chime {
            if self.settings.tones_on {
                out.push(Utterance {
                    t_s: t,
                    kind: UtteranceKind::Tone(ToneKind::HoldDone),
                    priority: Priority::Count,
                });
            } else {
                self.say(t, RELAX.to_owned(), Priority::Count, 1.0, None);
            }
            if self.open_holds.contains(&h.rule) {
                self.hold_done(t, h.side);
            }
        }
    }

    fn breathe(&mut self, fb: &Feedback, out: &mut Vec<Utterance>) {
        let t = fb.t_s;
        let active = match self.breathing {
            BreathingMode::Off => false,
            BreathingMode::Always => fb.phase != Phase::Setup,
            BreathingMode::DuringHolds => fb.hold.as_ref().is_some_and(|h| h.target_s >= 5.0),
        };
        let pace = self
            .settings
            .breathing_pace
            .filter(|_| active && self.settings.tones_on);
        let Some((inhale, exhale)) = pace else {
            self.breath = None;
            return;
        };
        let (mut next, mut breathe_in) = self.breath.unwrap_or((t, true));
        while next <= t + 1e-9 {
            let secs = if breathe_in { inhale } else { exhale };
            out.push(Utterance {
                t_s: next,
                kind: UtteranceKind::Tone(if breathe_in {
                    ToneKind::Inhale { secs }
                } else {
                    ToneKind::Exhale { secs }
                }),
                priority: Priority::Pace,
            });
            next += f64::from(secs);
            breathe_in = !breathe_in;
        }
        self.breath = Some((next, breathe_in));
    }

    /// Picks the one phrase to start now, if the lane is free (or may be cut).
    fn next_speech(&mut self, t: f64) -> Option<Utterance> {
        let warnings = &self.warnings;
        self.queue.retain(|p| {
            p.expires >= t
                && p.rule
                    .as_ref()
                    .is_none_or(|r| r == "placement" || warnings.contains_key(r))
        });
        self.queue.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.rank.cmp(&b.rank))
                .then(a.queued.total_cmp(&b.queued))
        });
        let best = self.queue.first()?;
        let free = match self.speaking {
            None => true,
            Some((_, cur)) => best.priority > cur && best.priority >= Priority::Placement,
        };
        if !free {
            return None;
        }
        let p = self.queue.remove(0);
        let secs = (self.timer)(&p.text);
        self.speaking = Some((t + secs, p.priority));
        if let Some(rule) = &p.rule {
            self.last_said_rule.insert(rule.clone(), t);
            if let Some(w) = self.warnings.get_mut(rule) {
                w.said = Some(t);
            }
        }
        Some(Utterance {
            t_s: t,
            kind: UtteranceKind::Speech(p.text),
            priority: p.priority,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;
    use crate::coach::{Catalogue, Cue, HoldProgress, RepCounts};

    fn ex(id: &str) -> Exercise {
        Catalogue::builtin_exercise(id)
    }

    fn fb(t: f64) -> Feedback {
        Feedback {
            t_s: t,
            dt_s: 0.1,
            phase: Phase::Rest,
            side: None,
            prompt: String::new(),
            cue: None,
            rules: Vec::new(),
            reps: RepCounts::default(),
            hold: None,
            placement: None,
            observable: true,
            in_position: true,
            position_confidence: 1.0,
            near_side: None,
            setup_progress: 1.0,
            warning_active: false,
            events: Vec::new(),
        }
    }

    fn warn_cue(rule: &str, message: &str) -> Cue {
        Cue {
            rule: rule.into(),
            message: message.into(),
            side: None,
            severity: Severity::Warning,
        }
    }

    fn start(t: f64, rule: &str, message: &str) -> Event {
        Event::WarningStart {
            t_s: t,
            rule: rule.into(),
            message: message.into(),
            side: None,
            reopened: false,
        }
    }

    /// Runs frames at 10 fps from `from` to `to`, with `f` editing each frame.
    fn run(
        announcer: &mut Announcer,
        from: f64,
        to: f64,
        mut edit: impl FnMut(&mut Feedback),
    ) -> Vec<Utterance> {
        let mut out = Vec::new();
        let mut frame = 0;
        loop {
            let t = from + f64::from(frame) * 0.1;
            if t > to + 1e-9 {
                break;
            }
            let mut x = fb(t);
            edit(&mut x);
            out.extend(announcer.step(&x));
            frame += 1;
        }
        out
    }

    fn speech(u: &[Utterance]) -> Vec<(f64, String)> {
        u.iter()
            .filter_map(|u| {
                u.text()
                    .map(|s| ((u.t_s * 10.0).round() / 10.0, s.to_owned()))
            })
            .collect()
    }

    #[test]
    fn numbers_read_as_words() {
        assert_eq!(number_word(3), "three");
        assert_eq!(number_word(21), "twenty-one");
        assert_eq!(number_word(60), "sixty");
        assert_eq!(number_word(130), "130");
    }

    #[test]
    fn warning_said_once_then_praise_when_it_clears_and_cooldown_holds() {
        let e = ex("thread-the-needle");
        let mut a = Announcer::new(&e, AudioSettings::default());
        let msg = "Leave your knees planted.";
        let mut out = run(&mut a, 0.0, 3.0, |x| {
            if (x.t_s - 1.0).abs() < 1e-6 {
                x.events.push(start(1.0, "knees-still", msg));
            }
            if x.t_s >= 1.0 {
                x.cue = Some(warn_cue("knees-still", msg));
            }
        });
        let mut f = fb(3.1);
        f.events.push(Event::WarningEnd {
            t_s: 3.0,
            rule: "knees-still".into(),
        });
        out.extend(a.step(&f));
        out.extend(run(&mut a, 3.2, 4.9, |_| {}));
        // The fault comes back soon after it was said: not said again, nor
        // reminded of before REMIND_S.
        out.extend(run(&mut a, 5.0, 5.0, |x| {
            x.events.push(start(5.0, "knees-still", msg));
        }));
        out.extend(run(&mut a, 5.1, 12.0, |x| {
            x.cue = Some(warn_cue("knees-still", msg));
        }));
        let s = speech(&out);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0], (1.0, msg.to_owned()));
        assert!(PRAISE.contains(&s[1].1.as_str()));
        assert!((s[1].0 - 3.7).abs() < 0.15, "{s:?}");
    }

    #[test]
    fn persisting_fault_is_reminded_only_after_a_while() {
        let e = ex("thread-the-needle");
        let mut a = Announcer::new(&e, AudioSettings::default());
        let msg = "Leave your knees planted.";
        let out = run(&mut a, 0.0, 40.0, |x| {
            if x.t_s.abs() < 1e-6 {
                x.events.push(start(0.0, "knees-still", msg));
            }
            x.cue = Some(warn_cue("knees-still", msg));
        });
        let times: Vec<f64> = speech(&out).into_iter().map(|(t, _)| t).collect();
        assert_eq!(times, vec![0.0, 15.0, 30.0]);
    }

    #[test]
    fn most_important_first_and_warnings_cut_counts() {
        let e = ex("thread-the-needle");
        let mut a = Announcer::new(&e, AudioSettings::default());
        let mut f = fb(1.0);
        f.reps.left = 1;
        f.events.push(Event::Rep {
            t_s: 1.0,
            rule: "thread".into(),
            side: Some(Side::Left),
            peak: None,
        });
        let mut out = a.step(&f);
        // Two faults at once: hips (priority 1) before knees (priority 2).
        let mut f = fb(1.1);
        f.events
            .push(start(1.1, "knees-still", "Leave your knees planted."));
        f.events.push(start(1.1, "hips-still", "Keep your hips"));
        out.extend(a.step(&f));
        out.extend(run(&mut a, 1.2, 6.0, |_| {}));
        let s = speech(&out);
        assert_eq!(s[0], (1.0, "Left, one.".to_owned()));
        assert_eq!(
            s[1],
            (1.1, "Keep your hips".to_owned()),
            "cuts the count: {s:?}"
        );
        assert_eq!(s[2].1, "Leave your knees planted.");
        assert!(s[2].0 >= 1.1 + estimate_speech_s("Keep your hips", 165) - 0.1);
    }

    #[test]
    fn counts_sides_and_done() {
        let e = ex("thread-the-needle");
        let mut a = Announcer::new(&e, AudioSettings::default());
        let mut said = Vec::new();
        let mut reps = RepCounts::default();
        for i in 0..16u32 {
            let side = if i < 8 { Side::Left } else { Side::Right };
            match side {
                Side::Left => reps.left += 1,
                Side::Right => reps.right += 1,
            }
            let mut f = fb(f64::from(i) * 5.0);
            f.reps = reps;
            f.events.push(Event::Rep {
                t_s: f.t_s,
                rule: "thread".into(),
                side: Some(side),
                peak: None,
            });
            said.extend(speech(&a.step(&f)));
        }
        assert_eq!(said[2].1, "Left, three.");
        assert_eq!(said[8].1, "Right, one.");
        assert_eq!(said[7].1, "Eight. Left side done. Now the right side.");
        assert_eq!(said[15].1, "Eight. Right side done. All done. Well done.");
        // Every phrase said is one the announcer lists for pre-rendering.
        let all = Announcer::new(&e, AudioSettings::default()).phrases();
        for (_, s) in &said {
            assert!(all.contains(s), "{s}");
        }
    }

    #[test]
    fn hold_countdown_and_tone_and_breathing() {
        let e = ex("backward-shoulder-rolls");
        assert_eq!(breathing_mode(&e), BreathingMode::DuringHolds);
        assert_eq!(breathing_mode(&ex("breathing-360")), BreathingMode::Always);
        assert_eq!(
            breathing_mode(&ex("laying-arm-extensions")),
            BreathingMode::Always
        );
        assert_eq!(breathing_mode(&ex("thread-the-needle")), BreathingMode::Off);
        let mut a = Announcer::new(&e, AudioSettings::default());
        let out = run(&mut a, 0.0, 32.0, |x| {
            if x.t_s >= 1.0 {
                x.phase = Phase::Position;
                x.hold = Some(HoldProgress {
                    rule: "hold".into(),
                    side: None,
                    start_s: 1.0,
                    held_s: x.t_s - 1.0,
                    target_s: 30.0,
                    in_form_s: x.t_s - 1.0,
                });
            }
        });
        let s = speech(&out);
        assert_eq!(s[0], (1.0, "Hold for thirty seconds.".to_owned()));
        assert_eq!(s[1], (21.0, "Ten seconds.".to_owned()));
        assert_eq!(s[2], (26.0, "Five.".to_owned()));
        let tones: Vec<(f64, ToneKind)> = out
            .iter()
            .filter_map(|u| match u.kind {
                UtteranceKind::Tone(k) => Some(((u.t_s * 10.0).round() / 10.0, k)),
                UtteranceKind::Speech(_) => None,
            })
            .collect();
        assert!(tones.contains(&(31.0, ToneKind::HoldDone)), "{tones:?}");
        let pace: Vec<f64> = tones
            .iter()
            .filter(|(_, k)| !matches!(k, ToneKind::HoldDone))
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(&pace[..4], &[1.0, 5.0, 11.0, 15.0]);
        assert!(matches!(tones[0].1, ToneKind::Inhale { .. }));
        // Voice off: tones only. Pace off: no swells.
        let quiet = AudioSettings {
            voice_on: false,
            breathing_pace: None,
            ..AudioSettings::default()
        };
        let mut a = Announcer::new(&e, quiet);
        let out = run(&mut a, 0.0, 32.0, |x| {
            x.hold = Some(HoldProgress {
                rule: "hold".into(),
                side: None,
                start_s: 0.0,
                held_s: x.t_s,
                target_s: 30.0,
                in_form_s: x.t_s,
            });
        });
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].kind, UtteranceKind::Tone(ToneKind::HoldDone));
    }

    #[test]
    fn placement_said_after_it_persists_not_on_flicker() {
        let e = ex("chin-tuck");
        let mut a = Announcer::new(&e, AudioSettings::default());
        let out = run(&mut a, 0.0, 20.0, |x| {
            x.phase = Phase::Setup;
            let msg = if x.t_s < 0.5 {
                FACE
            } else {
                "I can't see your hips"
            };
            x.cue = Some(Cue {
                rule: "placement".into(),
                message: msg.into(),
                side: None,
                severity: Severity::Info,
            });
        });
        let s = speech(&out);
        assert_eq!(
            s,
            vec![
                (1.5, "I can't see your hips".to_owned()),
                (13.5, "I can't see your hips".to_owned())
            ]
        );
    }
}
