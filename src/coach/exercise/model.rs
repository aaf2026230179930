//! What an exercise is once loaded: the types the coach reads.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::coach::engine::Side;
use crate::coach::geometry::{Measure, PointRef};

/// Which way the camera should see the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Side-on: one flank toward the camera.
    Side,
    /// Facing the camera.
    Front,
    /// Either works.
    Either,
}

/// The body position the exercise starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    AllFours,
    Kneeling,
    Sitting,
    Standing,
    StandingOrSitting,
    SideLying,
    Supine,
    Prone,
    Any,
}

/// Where an exercise sits in the suggested routine; the picker groups by it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Check how far you can move today.
    Assess,
    /// Active mobility: what a file without a stage is.
    #[default]
    Move,
    /// Breathing into the ribs.
    Breathe,
    /// Holding good positions with some effort.
    Strengthen,
}

impl Stage {
    /// All stages in routine order.
    pub const ALL: [Stage; 4] = [
        Stage::Assess,
        Stage::Move,
        Stage::Breathe,
        Stage::Strengthen,
    ];
}

/// How much to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    /// Repetitions per set (per side when `per_side`).
    #[serde(default)]
    pub reps: u32,
    /// Holds per set (per side when `per_side`).
    #[serde(default)]
    pub holds: u32,
    /// Seconds per hold (also the pause inside each rep when reps have one).
    #[serde(default)]
    pub hold_s: f64,
    /// Sets.
    #[serde(default = "one")]
    pub sets: u32,
    /// Whether reps/holds count separately for left and right.
    #[serde(default)]
    pub per_side: bool,
}

fn one() -> u32 {
    1
}

/// What to tell the person in each phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseText {
    /// While getting into the start position.
    pub setup: String,
    /// Between reps/holds.
    pub rest: String,
    /// In position (mid-rep or holding).
    pub position: String,
}

/// A measured signal: a measure over named points.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// What is measured.
    pub measure: Measure,
    /// Where it is measured.
    pub points: Vec<PointRef>,
    /// Expected pair span for `roll` (torso lengths), unless `span_baseline`.
    pub span_torso: f32,
    /// `roll` divides by the pair's distance at baseline.
    pub span_baseline: bool,
}

impl Signal {
    /// The same signal on the other side of the body.
    #[must_use]
    pub fn mirrored(&self) -> Signal {
        Signal {
            points: self.points.iter().map(|p| p.mirrored()).collect(),
            ..self.clone()
        }
    }

    /// The signal as a side view shows it: a midpoint becomes the joint on
    /// the `near` side, because the far one hides behind it and a guess at
    /// it only adds noise. With `both_sides_as_one` (a group whose left and
    /// right stand for the same place, as in a `still` rule) a far joint
    /// becomes its near twin too. Measures that need the two sides (roll,
    /// yaw, turn) keep them.
    #[must_use]
    pub fn on_near_side(&self, near: Side, both_sides_as_one: bool) -> Signal {
        if matches!(self.measure, Measure::Roll | Measure::Yaw | Measure::Turn) {
            return self.clone();
        }
        let mut points: Vec<PointRef> = Vec::with_capacity(self.points.len());
        for p in &self.points {
            let q = p.on_side(near, both_sides_as_one);
            if !(both_sides_as_one && points.contains(&q)) {
                points.push(q);
            }
        }
        Signal {
            points,
            ..self.clone()
        }
    }
}

/// Which way a baseline-relative value may not go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Increase,
    Decrease,
}

/// Which line a `level` rule keeps straight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    Horizontal,
    Vertical,
}

/// Rep or hold: the parts of the exercise the person is counting.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// `None` for a hold that is simply time after setup.
    pub signal: Option<Signal>,
    /// Threshold that puts the person in position.
    pub enter: f32,
    /// Threshold that takes them out again (hysteresis).
    pub exit: f32,
    /// Thresholds are deltas from the baseline.
    pub baseline: bool,
    /// Left and right counted separately, the file describing the left side.
    pub mirror: bool,
    /// A condition (mirrored with the side) required when entering.
    pub gate: Option<(Signal, f32)>,
    /// Seconds to stay in position: hold target, or the pause inside a rep.
    pub hold_s: f64,
    /// A rep that must have been entered since the last hold before this hold may start.
    pub after: Option<String>,
}

impl Progress {
    /// Whether `value` (already relative when `baseline`) is past the enter threshold.
    #[must_use]
    pub fn entered(&self, value: f32) -> bool {
        if self.enter < self.exit {
            value <= self.enter
        } else {
            value >= self.enter
        }
    }

    /// Whether a rep goes from one side of the start to the other (a cat,
    /// then a cow) rather than out and back to it.
    #[must_use]
    pub fn two_ended(&self) -> bool {
        self.enter.signum() * self.exit.signum() < 0.0
    }

    /// Whether `value` is past the exit threshold.
    #[must_use]
    pub fn exited(&self, value: f32) -> bool {
        if self.enter < self.exit {
            value >= self.exit
        } else {
            value <= self.exit
        }
    }
}

/// The rule kinds; every exercise is built from these.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// The centroid of a joint group stays within `max_torso` of its baseline.
    Still {
        points: Vec<PointRef>,
        max_torso: f32,
    },
    /// An angle-valued signal stays within a range (absolute or from baseline).
    Angle {
        signal: Signal,
        min: Option<f32>,
        max: Option<f32>,
        baseline: bool,
    },
    /// A length-valued signal (torso lengths) stays within a range.
    Distance {
        signal: Signal,
        min: Option<f32>,
        max: Option<f32>,
        baseline: bool,
    },
    /// A line stays horizontal or vertical (or as level as at baseline).
    Level {
        signal: Signal,
        axis: Axis,
        max_deg: f32,
        baseline: bool,
    },
    /// A signal may not move past its baseline by more than `max` in one direction.
    NotBeyondBaseline {
        signal: Signal,
        direction: Direction,
        max: f32,
    },
    /// The signal's speed (units per second) stays below `max_per_s`.
    Tempo {
        signal: Signal,
        max_per_s: f32,
        mirror: bool,
    },
    /// Counted repetitions.
    Rep(Progress),
    /// Timed holds.
    Hold(Progress),
}

impl RuleKind {
    /// The kind's name as written in files.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::Still { .. } => "still",
            RuleKind::Angle { .. } => "angle",
            RuleKind::Distance { .. } => "distance",
            RuleKind::Level { .. } => "level",
            RuleKind::NotBeyondBaseline { .. } => "not_beyond_baseline",
            RuleKind::Tempo { .. } => "tempo",
            RuleKind::Rep(_) => "rep",
            RuleKind::Hold(_) => "hold",
        }
    }

    /// Rep/hold rules count progress; the rest judge form.
    #[must_use]
    pub fn progress(&self) -> Option<&Progress> {
        match self {
            RuleKind::Rep(p) | RuleKind::Hold(p) => Some(p),
            _ => None,
        }
    }

    /// Whether the rule reads the back's curve (a spine measure), which only
    /// a pose estimated with the segmentation mask carries.
    #[must_use]
    pub fn reads_spine(&self) -> bool {
        let spine = |s: &Signal| s.measure.reads_spine();
        match self {
            RuleKind::Still { .. } => false,
            RuleKind::Angle { signal, .. }
            | RuleKind::Distance { signal, .. }
            | RuleKind::Level { signal, .. }
            | RuleKind::NotBeyondBaseline { signal, .. }
            | RuleKind::Tempo { signal, .. } => spine(signal),
            RuleKind::Rep(p) | RuleKind::Hold(p) => {
                p.signal.as_ref().is_some_and(spine) || p.gate.as_ref().is_some_and(|g| spine(&g.0))
            }
        }
    }

    /// All points the rule reads (for required-joint checks and UI colouring);
    /// [`PointRef::Back`] for a rule reading the back's curve, so what it
    /// says when it can't see the back is known ahead (the spoken cues).
    #[must_use]
    pub fn points(&self) -> Vec<PointRef> {
        let mut points = self.joint_points();
        if self.reads_spine() {
            points.push(PointRef::Back);
        }
        points
    }

    fn joint_points(&self) -> Vec<PointRef> {
        match self {
            RuleKind::Still { points, .. } => points.clone(),
            RuleKind::Angle { signal, .. }
            | RuleKind::Distance { signal, .. }
            | RuleKind::Level { signal, .. }
            | RuleKind::NotBeyondBaseline { signal, .. }
            | RuleKind::Tempo { signal, .. } => signal.points.clone(),
            RuleKind::Rep(p) | RuleKind::Hold(p) => p
                .signal
                .as_ref()
                .map(|s| s.points.clone())
                .unwrap_or_default(),
        }
    }
}

/// One rule of an exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable id, used in reports and by the evaluation.
    pub id: String,
    /// What is checked.
    pub kind: RuleKind,
    /// Joints below this confidence make the rule unobservable.
    pub min_score: f32,
    /// 1 = most important; the cue shown is the lowest number.
    pub priority: u32,
    /// What to say when the rule breaks.
    pub cue: String,
    /// Only checked while this rep/hold is in position.
    pub during: Option<String>,
    /// With `during`: only on that rep's way out, while its measure is still
    /// on the entering side of the start (a cat-cow's round, not its cow,
    /// where the chest rightly sinks between the arms).
    pub during_out: bool,
    /// How long a fault must last before it warns; `None` is the coach's
    /// default. Longer for signals that jitter near their threshold (small
    /// head segments, a hip roll seen edge-on), at the cost of a later cue.
    pub dwell_s: Option<f64>,
    /// Where the rule measures, when it says; otherwise a displacement is
    /// measured on the frame and everything else in 3D world points when
    /// the model gives them.
    pub space: Option<Space>,
    /// What the rule measures instead when it reads the back's curve and
    /// the start position showed none (a front view, a pose without a
    /// mask): the stand-in from joints it had before the curve could be
    /// read. Same id, cue and priority; its own kind, thresholds and space.
    pub fallback: Option<Box<Rule>>,
}

impl Rule {
    /// The rule as coached: its fallback when `fallback` is set and it has one.
    #[must_use]
    pub fn active(&self, fallback: bool) -> &Rule {
        match &self.fallback {
            Some(f) if fallback => f,
            _ => self,
        }
    }
}

/// The coordinates a rule measures in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Space {
    /// Frame pixels: exact across the picture, blind to depth.
    Image,
    /// The model's 3D world points in metres: sees depth, but centred on
    /// the hips and noisy along the camera's axis.
    World,
}

/// One exercise, ready for the coach.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Place in the catalogue and the picker (`None`: after those with one).
    pub order: Option<u32>,
    /// Where it sits in the routine.
    pub stage: Stage,
    /// The exercise the hourly desk-reset reminder offers; the first file
    /// that says so wins, so a user file can take the built-in's place.
    pub reminder: bool,
    /// Start position.
    pub position: Position,
    /// Camera view that works.
    pub view: View,
    /// Short instructions in our own words.
    pub instructions: String,
    /// Points that must be seen to coach at all.
    pub required: Vec<PointRef>,
    /// How much to do.
    pub dose: Dose,
    /// Phase texts.
    pub phases: PhaseText,
    /// Progress and form rules.
    pub rules: Vec<Rule>,
    /// How a synthetic person does it: the picker's drawing and the test
    /// tracks. `None` for a file without one (it is coached all the same).
    pub motion: Option<super::motion::Motion>,
    /// Where the definition came from (`builtin:<file>` or a path).
    pub source: String,
}

impl Exercise {
    /// The rule with this id.
    #[must_use]
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Whether any progress rule counts sides.
    #[must_use]
    pub fn sided(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.kind.progress().is_some_and(|p| p.mirror))
    }

    /// Whether any rule reads the back's curve: the pose must then be
    /// estimated with the segmentation mask, which costs time per frame, so
    /// it runs only for these exercises.
    #[must_use]
    pub fn reads_spine(&self) -> bool {
        self.rules.iter().any(|r| r.kind.reads_spine())
    }

    /// The unit its range of motion is read in (that of the first progress
    /// measure: `deg` or `torso`), empty when nothing is measured; the
    /// history keeps it with each session so old charts stay labelled.
    #[must_use]
    pub fn rom_unit(&self) -> &'static str {
        self.rules
            .iter()
            .find_map(|r| r.kind.progress().and_then(|p| p.signal.as_ref()))
            .map_or("", |s| s.measure.unit().label())
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            View::Side => "side",
            View::Front => "front",
            View::Either => "either",
        })
    }
}
