//! What the coach says about one frame: phase, counts, holds, rule states, the cue
//! and the events the session builds its timeline from.

use crate::pose::Joint;
use serde::{Deserialize, Serialize};

/// Which part of the exercise the person is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Getting into the start position; nothing is counted or warned yet.
    Setup,
    /// Settled, between reps or holds.
    Rest,
    /// In position: mid-rep or holding.
    Position,
}

/// Body side of a rep, hold or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub(super) fn from_index(i: usize) -> Side {
        if i == 0 { Side::Left } else { Side::Right }
    }
}

/// How a cue should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Placement or visibility help.
    Info,
    /// A form fault.
    Warning,
}

/// The one message on screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    /// Rule id, or `placement`.
    pub rule: String,
    /// What to say.
    pub message: String,
    /// Side it concerns, if any.
    pub side: Option<Side>,
    /// Warning or help.
    pub severity: Severity,
}

/// A rule's state this frame, so the UI can colour the joints it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleState {
    /// Not checked now (setup, or outside its `during` window).
    Inactive,
    /// Fine.
    Ok,
    /// Faulty, waiting out the dwell.
    Pending,
    /// Warning shown (or clearing).
    Warning,
    /// Its joints are not seen.
    Unseen,
}

/// One rule's status for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleStatus {
    /// Rule id.
    pub id: String,
    /// State now.
    pub state: RuleState,
    /// The compared value (after baseline), in the rule's unit.
    pub value: Option<f32>,
    /// Joints it reads.
    pub joints: Vec<Joint>,
}

/// Reps per side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepCounts {
    /// Left side reps.
    pub left: u32,
    /// Right side reps.
    pub right: u32,
    /// Reps of exercises without sides.
    pub both: u32,
}

impl RepCounts {
    /// All reps.
    #[must_use]
    pub fn total(&self) -> u32 {
        self.left + self.right + self.both
    }
    pub(super) fn add(&mut self, side: Option<Side>) {
        match side {
            Some(Side::Left) => self.left += 1,
            Some(Side::Right) => self.right += 1,
            None => self.both += 1,
        }
    }
}

/// The hold in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldProgress {
    /// Progress rule id.
    pub rule: String,
    /// Side held.
    pub side: Option<Side>,
    /// When it started.
    pub start_s: f64,
    /// Seconds held so far.
    pub held_s: f64,
    /// Seconds to aim for.
    pub target_s: f64,
    /// Seconds held without any warning.
    pub in_form_s: f64,
}

/// Things that happened this frame; the session builds its timeline from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Phase changed.
    Phase { t_s: f64, phase: Phase },
    /// Baseline captured at the end of setup.
    Baseline { t_s: f64, torso_len: f32 },
    /// A rep was completed.
    Rep {
        t_s: f64,
        rule: String,
        side: Option<Side>,
        peak: Option<f32>,
    },
    /// A hold (or a rep's pause) ended.
    Hold {
        rule: String,
        side: Option<Side>,
        start_s: f64,
        end_s: f64,
        target_s: f64,
        held_s: f64,
        in_form_s: f64,
        peak: Option<f32>,
    },
    /// A warning started (or came back within the cooldown: `reopened`).
    WarningStart {
        t_s: f64,
        rule: String,
        message: String,
        side: Option<Side>,
        reopened: bool,
    },
    /// A warning ended at `t_s` (when the fault stopped).
    WarningEnd { t_s: f64, rule: String },
}

/// Everything the UI and the session need from one frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// Frame time.
    pub t_s: f64,
    /// Seconds since the previous frame (capped), for time accounting.
    pub dt_s: f64,
    /// Phase now.
    pub phase: Phase,
    /// Side currently being worked, if sided.
    pub side: Option<Side>,
    /// What the person should be doing now.
    pub prompt: String,
    /// The single cue to show.
    pub cue: Option<Cue>,
    /// Per-rule states.
    pub rules: Vec<RuleStatus>,
    /// Reps so far.
    pub reps: RepCounts,
    /// Hold in progress.
    pub hold: Option<HoldProgress>,
    /// Camera placement help ("I can't see your hips", "Turn side-on ...").
    pub placement: Option<String>,
    /// Whether all required joints are seen.
    pub observable: bool,
    /// Whether the person is in the exercise's start position, so form is
    /// being judged (outside it the coach only guides placement).
    pub in_position: bool,
    /// How well the body matches the start position, 0..1 (smoothed).
    pub position_confidence: f32,
    /// In a side view, the side the rules are judged on (the one nearer the
    /// camera), so the overlay can say so.
    pub near_side: Option<Side>,
    /// Setup progress 0..1 (1 once settled).
    pub setup_progress: f32,
    /// Whether any warning is up.
    pub warning_active: bool,
    /// Events this frame.
    pub events: Vec<Event>,
}
