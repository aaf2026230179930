//! Exercise definitions: data, not code. Built-in files are compiled in; people can
//! drop their own `.toml` files in a folder to add or adjust exercises without
//! recompiling. A broken file is reported with its line and the rest still load.

use super::engine::Side;
use super::geometry::{Measure, PointRef, Unit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Confidence below which a joint counts as not seen, unless a rule says otherwise.
pub const DEFAULT_MIN_SCORE: f32 = 0.3;

/// The built-in catalogue, one file per exercise, ids exactly as in `docs/exercises.md`.
const BUILTIN: [(&str, &str); 17] = [
    (
        "thread-the-needle.toml",
        include_str!("exercises/thread-the-needle.toml"),
    ),
    (
        "quadruped-rotation.toml",
        include_str!("exercises/quadruped-rotation.toml"),
    ),
    ("cat-cow.toml", include_str!("exercises/cat-cow.toml")),
    (
        "side-lying-open-book.toml",
        include_str!("exercises/side-lying-open-book.toml"),
    ),
    (
        "thoracic-rotation-side-lying.toml",
        include_str!("exercises/thoracic-rotation-side-lying.toml"),
    ),
    (
        "seated-trunk-rotation.toml",
        include_str!("exercises/seated-trunk-rotation.toml"),
    ),
    (
        "thoracic-extension-chair.toml",
        include_str!("exercises/thoracic-extension-chair.toml"),
    ),
    (
        "bench-thoracic-extension.toml",
        include_str!("exercises/bench-thoracic-extension.toml"),
    ),
    (
        "backward-shoulder-rolls.toml",
        include_str!("exercises/backward-shoulder-rolls.toml"),
    ),
    (
        "laying-arm-extensions.toml",
        include_str!("exercises/laying-arm-extensions.toml"),
    ),
    ("prone-w.toml", include_str!("exercises/prone-w.toml")),
    (
        "thoracic-iyt.toml",
        include_str!("exercises/thoracic-iyt.toml"),
    ),
    (
        "desk-reset-reach.toml",
        include_str!("exercises/desk-reset-reach.toml"),
    ),
    ("chin-tuck.toml", include_str!("exercises/chin-tuck.toml")),
    (
        "neck-flexion-extension.toml",
        include_str!("exercises/neck-flexion-extension.toml"),
    ),
    (
        "seated-cervical-rotation.toml",
        include_str!("exercises/seated-cervical-rotation.toml"),
    ),
    (
        "breathing-360.toml",
        include_str!("exercises/breathing-360.toml"),
    ),
];

/// Largest exercise file read, in bytes: the built-in ones are under 4 KB.
/// Anything bigger is refused before it is read, so a link to `/dev/zero`
/// or a huge file cannot eat the memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Longest line in an exercise file, in bytes.
pub const MAX_LINE_BYTES: usize = 1000;

/// Longest cue, phase text or name, in characters: each is spoken or shown
/// large on screen (the longest built-in cue has under 100).
pub const MAX_TEXT_CHARS: usize = 200;

/// Longest instructions, in characters.
pub const MAX_INSTRUCTIONS_CHARS: usize = 2000;

/// A definition that could not be used, with enough detail to fix the file.
#[derive(Debug, thiserror::Error)]
pub enum ExerciseLoadError {
    /// Not valid TOML, or a field of the wrong type.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid TOML that does not describe a usable exercise.
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    /// The file or folder could not be read.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A device, pipe, socket or folder where a file was expected: reading
    /// it could hang or never end.
    #[error("{file}: not a regular file; exercise files must be plain `.toml` files")]
    NotAFile { file: String },
    /// Larger than [`MAX_FILE_BYTES`].
    #[error(
        "{file}: larger than {} KB; an exercise file is a few kilobytes",
        MAX_FILE_BYTES / 1024
    )]
    TooLarge { file: String },
}

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

    /// All points the rule reads (for required-joint checks and UI colouring).
    #[must_use]
    pub fn points(&self) -> Vec<PointRef> {
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
    /// How long a fault must last before it warns; `None` is the coach's
    /// default. Longer for signals that jitter near their threshold (small
    /// head segments, a hip roll seen edge-on), at the cost of a later cue.
    pub dwell_s: Option<f64>,
    /// Where the rule measures, when it says; otherwise a displacement is
    /// measured on the frame and everything else in 3D world points when
    /// the model gives them.
    pub space: Option<Space>,
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
    /// Where the definition came from (`builtin:<file>` or a path).
    pub source: String,
}

impl Exercise {
    /// Parses one definition; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Exercise, ExerciseLoadError> {
        if let Some(line) = text.lines().position(|l| l.len() > MAX_LINE_BYTES) {
            return Err(ExerciseLoadError::Invalid {
                file: file.to_owned(),
                line: line + 1,
                message: format!("line is longer than {MAX_LINE_BYTES} characters"),
            });
        }
        let raw: RawExercise = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            ExerciseLoadError::Parse {
                file: file.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        raw.validate(text, file)
    }

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
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, str::len) + 1;
    (line, column)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    id: String,
    name: String,
    position: Position,
    view: View,
    instructions: String,
    required: Vec<PointRef>,
    dose: Dose,
    phases: PhaseText,
    rules: Vec<toml::Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGate {
    measure: Measure,
    points: Vec<PointRef>,
    min: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    kind: String,
    measure: Option<Measure>,
    #[serde(default)]
    points: Vec<PointRef>,
    span_torso: Option<f32>,
    span: Option<String>,
    #[serde(default)]
    baseline: bool,
    min: Option<f32>,
    max: Option<f32>,
    min_torso: Option<f32>,
    max_torso: Option<f32>,
    direction: Option<Direction>,
    axis: Option<Axis>,
    enter: Option<f32>,
    exit: Option<f32>,
    target_s: Option<f64>,
    hold_s: Option<f64>,
    sides: Option<String>,
    gate: Option<RawGate>,
    after: Option<String>,
    during: Option<String>,
    min_score: Option<f32>,
    dwell_s: Option<f64>,
    space: Option<Space>,
    priority: Option<u32>,
    cue: Option<String>,
}

impl RawExercise {
    fn validate(self, text: &str, file: &str) -> Result<Exercise, ExerciseLoadError> {
        let invalid = |line: usize, message: String| ExerciseLoadError::Invalid {
            file: file.to_owned(),
            line,
            message,
        };
        let id_ok = !self.id.is_empty()
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(invalid(
                1,
                format!(
                    "id `{}` must be lowercase letters, digits and dashes",
                    self.id
                ),
            ));
        }
        let texts = [
            ("name", &self.name, MAX_TEXT_CHARS),
            ("instructions", &self.instructions, MAX_INSTRUCTIONS_CHARS),
            ("setup", &self.phases.setup, MAX_TEXT_CHARS),
            ("rest", &self.phases.rest, MAX_TEXT_CHARS),
            ("position", &self.phases.position, MAX_TEXT_CHARS),
        ];
        for (field, value, max) in texts {
            if value.chars().count() > max {
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with(field))
                    .map_or(1, |i| i + 1);
                return Err(invalid(
                    line,
                    format!("`{field}` is longer than {max} characters"),
                ));
            }
        }
        let mut rules = Vec::with_capacity(self.rules.len());
        for spanned in self.rules {
            let line = line_col(text, spanned.span().start).0;
            let raw = spanned.into_inner();
            if rules.iter().any(|r: &Rule| r.id == raw.id) {
                return Err(invalid(line, format!("rule id `{}` is used twice", raw.id)));
            }
            let rule = raw.validate().map_err(|m| invalid(line, m))?;
            rules.push(rule);
        }
        for r in &rules {
            let referenced = r.during.iter().chain(match &r.kind {
                RuleKind::Hold(p) | RuleKind::Rep(p) => p.after.as_ref(),
                _ => None,
            });
            for target in referenced {
                let ok = rules
                    .iter()
                    .any(|o| &o.id == target && o.kind.progress().is_some());
                if !ok {
                    return Err(invalid(
                        1,
                        format!(
                            "rule `{}` refers to `{target}`, which is not a rep or hold rule of this exercise",
                            r.id
                        ),
                    ));
                }
            }
        }
        if !rules.iter().any(|r| r.kind.progress().is_some()) {
            return Err(invalid(
                1,
                "an exercise needs at least one `rep` or `hold` rule".to_owned(),
            ));
        }
        if self.required.is_empty() {
            return Err(invalid(1, "`required` lists no points".to_owned()));
        }
        Ok(Exercise {
            id: self.id,
            name: clean_text(&self.name),
            position: self.position,
            view: self.view,
            instructions: clean_text(&self.instructions),
            required: self.required,
            dose: self.dose,
            phases: PhaseText {
                setup: clean_text(&self.phases.setup),
                rest: clean_text(&self.phases.rest),
                position: clean_text(&self.phases.position),
            },
            rules,
            source: file.to_owned(),
        })
    }
}

impl RawRule {
    fn signal(&self, default: Measure) -> Result<Signal, String> {
        let measure = self.measure.unwrap_or(default);
        build_signal(measure, &self.points, self.span_torso, self.span.as_deref())
    }

    fn unit_signal(&self, default: Measure, unit: Unit) -> Result<Signal, String> {
        let s = self.signal(default)?;
        if s.measure.unit() == unit {
            Ok(s)
        } else {
            Err(format!(
                "rule `{}`: measure {:?} is in {}, but a `{}` rule needs {}",
                self.id,
                s.measure,
                s.measure.unit().label(),
                self.kind,
                unit.label()
            ))
        }
    }

    fn need<T: Copy>(&self, v: Option<T>, field: &str) -> Result<T, String> {
        v.ok_or_else(|| format!("rule `{}` ({}) needs `{field}`", self.id, self.kind))
    }

    fn progress(&self, hold: bool) -> Result<Progress, String> {
        let signal = if hold && self.measure.is_none() && self.points.is_empty() {
            None
        } else {
            Some(self.signal(Measure::Angle)?)
        };
        let (enter, exit) = if signal.is_some() {
            let enter = self.need(self.enter, "enter")?;
            let exit = self.need(self.exit, "exit")?;
            if (enter - exit).abs() < f32::EPSILON {
                return Err(format!(
                    "rule `{}`: `enter` and `exit` must differ (that gap is the hysteresis)",
                    self.id
                ));
            }
            (enter, exit)
        } else {
            (0.0, 0.0)
        };
        let mirror = match self.sides.as_deref() {
            None | Some("none") => false,
            Some("mirror") => true,
            Some(other) => {
                return Err(format!(
                    "rule `{}`: sides `{other}` is not `none` or `mirror`",
                    self.id
                ));
            }
        };
        let gate = match &self.gate {
            Some(g) => Some((build_signal(g.measure, &g.points, None, None)?, g.min)),
            None => None,
        };
        let hold_s = if hold {
            self.need(self.target_s, "target_s")?
        } else {
            self.hold_s.unwrap_or(0.0)
        };
        if !(hold_s >= 0.0 && hold_s.is_finite()) {
            return Err(format!(
                "rule `{}`: hold time must be zero or more seconds",
                self.id
            ));
        }
        Ok(Progress {
            signal,
            enter,
            exit,
            baseline: self.baseline,
            mirror,
            gate,
            hold_s,
            after: self.after.clone(),
        })
    }

    /// Every number of the rule must be finite: a NaN threshold never
    /// compares true, so the rule would silently never count or warn.
    fn check_finite(&self) -> Result<(), String> {
        let singles = [
            ("span_torso", self.span_torso),
            ("min", self.min),
            ("max", self.max),
            ("min_torso", self.min_torso),
            ("max_torso", self.max_torso),
            ("enter", self.enter),
            ("exit", self.exit),
            ("min_score", self.min_score),
            ("gate.min", self.gate.as_ref().map(|g| g.min)),
        ];
        let doubles = [
            ("target_s", self.target_s),
            ("hold_s", self.hold_s),
            ("dwell_s", self.dwell_s),
        ];
        let bad = singles
            .iter()
            .filter_map(|(k, v)| v.filter(|v| !v.is_finite()).map(|v| (*k, f64::from(v))))
            .chain(
                doubles
                    .iter()
                    .filter_map(|(k, v)| v.filter(|v| !v.is_finite()).map(|v| (*k, v))),
            )
            .next();
        match bad {
            Some((field, value)) => Err(format!(
                "rule `{}`: `{field}` must be a finite number, got {value}",
                self.id
            )),
            None => Ok(()),
        }
    }

    fn validate(self) -> Result<Rule, String> {
        self.check_finite()?;
        let kind = match self.kind.as_str() {
            "still" => RuleKind::Still {
                points: if self.points.is_empty() {
                    return Err(format!("rule `{}` (still) needs `points`", self.id));
                } else {
                    self.points.clone()
                },
                max_torso: positive(&self.id, self.need(self.max_torso, "max_torso")?)?,
            },
            "angle" => {
                let signal = self.unit_signal(Measure::Angle, Unit::Deg)?;
                range(&self.id, self.min, self.max)?;
                RuleKind::Angle {
                    signal,
                    min: self.min,
                    max: self.max,
                    baseline: self.baseline,
                }
            }
            "distance" => {
                let signal = self.unit_signal(Measure::Distance, Unit::Torso)?;
                range(&self.id, self.min_torso, self.max_torso)?;
                RuleKind::Distance {
                    signal,
                    min: self.min_torso,
                    max: self.max_torso,
                    baseline: self.baseline,
                }
            }
            "level" => RuleKind::Level {
                signal: self.unit_signal(Measure::Tilt, Unit::Deg)?,
                axis: self.axis.unwrap_or(Axis::Horizontal),
                max_deg: positive(&self.id, self.need(self.max, "max")?)?,
                baseline: self.baseline,
            },
            "not_beyond_baseline" => RuleKind::NotBeyondBaseline {
                signal: self.signal(Measure::Angle)?,
                direction: self.need(self.direction, "direction")?,
                max: positive(&self.id, self.need(self.max, "max")?)?,
            },
            "tempo" => RuleKind::Tempo {
                signal: self.signal(Measure::Angle)?,
                max_per_s: positive(&self.id, self.need(self.max, "max")?)?,
                mirror: self.sides.as_deref() == Some("mirror"),
            },
            "rep" => RuleKind::Rep(self.progress(false)?),
            "hold" => RuleKind::Hold(self.progress(true)?),
            other => {
                return Err(format!(
                    "rule `{}`: unknown kind `{other}` (expected still, angle, distance, level, not_beyond_baseline, tempo, rep or hold)",
                    self.id
                ));
            }
        };
        let is_progress = kind.progress().is_some();
        let cue = match (self.cue, is_progress) {
            (Some(c), _) if c.chars().count() > MAX_TEXT_CHARS => {
                return Err(format!(
                    "rule `{}`: `cue` is longer than {MAX_TEXT_CHARS} characters",
                    self.id
                ));
            }
            (Some(c), _) => clean_text(&c),
            (None, true) => String::new(),
            (None, false) => {
                return Err(format!(
                    "rule `{}` needs a `cue` to show when it breaks",
                    self.id
                ));
            }
        };
        let min_score = self.min_score.unwrap_or(DEFAULT_MIN_SCORE);
        if !(0.0..=1.0).contains(&min_score) {
            return Err(format!("rule `{}`: min_score must be within 0..1", self.id));
        }
        if let Some(d) = self.dwell_s
            && !(0.0..=2.0).contains(&d)
        {
            return Err(format!("rule `{}`: dwell_s must be within 0..2 s", self.id));
        }
        Ok(Rule {
            id: self.id,
            kind,
            min_score,
            priority: self.priority.unwrap_or(2),
            cue,
            during: self.during,
            dwell_s: self.dwell_s,
            space: self.space,
        })
    }
}

/// User text as it is shown and spoken: control characters (terminal
/// escape codes, bells) dropped, runs of whitespace made one space.
fn clean_text(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn positive(id: &str, v: f32) -> Result<f32, String> {
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!(
            "rule `{id}`: threshold must be a positive number, got {v}"
        ))
    }
}

fn range(id: &str, min: Option<f32>, max: Option<f32>) -> Result<(), String> {
    match (min, max) {
        (None, None) => Err(format!("rule `{id}` needs `min` and/or `max`")),
        (Some(a), Some(b)) if a >= b => Err(format!("rule `{id}`: min {a} is not below max {b}")),
        _ => Ok(()),
    }
}

fn build_signal(
    measure: Measure,
    points: &[PointRef],
    span_torso: Option<f32>,
    span: Option<&str>,
) -> Result<Signal, String> {
    match measure.arity() {
        Some(n) if points.len() != n => {
            return Err(format!(
                "measure {measure:?} takes {n} points, got {}",
                points.len()
            ));
        }
        None if points.is_empty() => return Err(format!("measure {measure:?} needs points")),
        _ => {}
    }
    let span_baseline = match span {
        None => false,
        Some("baseline") => true,
        Some(other) => {
            return Err(format!(
                "span `{other}` is not `baseline` (use span_torso for a fixed span)"
            ));
        }
    };
    Ok(Signal {
        measure,
        points: points.to_vec(),
        span_torso: span_torso.unwrap_or(0.8),
        span_baseline,
    })
}

/// All exercises the app knows, built-in first, user files overriding by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    exercises: BTreeMap<String, Exercise>,
    order: Vec<String>,
}

impl Catalogue {
    /// Built-in exercises plus `.toml` files from `user_dir`, or from the per-user
    /// config folder (`<config>/formcoach/exercises`) when `None`. Broken files are
    /// returned as errors; everything else loads.
    #[must_use]
    pub fn load(user_dir: Option<&Path>) -> (Catalogue, Vec<ExerciseLoadError>) {
        let (mut cat, mut errors) = Catalogue::builtin();
        let dir = user_dir
            .map(Path::to_path_buf)
            .or_else(Catalogue::default_user_dir);
        if let Some(dir) = dir {
            errors.extend(cat.add_dir(&dir));
        }
        (cat, errors)
    }

    /// Only the compiled-in exercises.
    #[must_use]
    pub fn builtin() -> (Catalogue, Vec<ExerciseLoadError>) {
        let mut cat = Catalogue::default();
        let mut errors = Vec::new();
        for (file, text) in BUILTIN {
            match Exercise::from_toml(text, &format!("builtin:{file}")) {
                Ok(ex) => cat.insert(ex),
                Err(e) => errors.push(e),
            }
        }
        (cat, errors)
    }

    /// A built-in exercise by id, for unit tests across the crate.
    #[cfg(test)]
    #[allow(clippy::panic)] // only tests call it, with ids that exist
    pub(crate) fn builtin_exercise(id: &str) -> Exercise {
        let (cat, _) = Catalogue::builtin();
        cat.get(id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is built in"))
    }

    /// Where user exercise files live by default.
    #[must_use]
    pub fn default_user_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "formcoach")
            .map(|d| d.config_dir().join("exercises"))
    }

    /// Loads every `.toml` file in `dir` (sorted by name). A missing folder is fine.
    pub fn add_dir(&mut self, dir: &Path) -> Vec<ExerciseLoadError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(source) => {
                return vec![ExerciseLoadError::Io {
                    file: dir.display().to_string(),
                    source,
                }];
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| self.add_file(p).err())
            .collect()
    }

    /// Loads one file; a file with a built-in id replaces the built-in.
    pub fn add_file(&mut self, path: &Path) -> Result<&Exercise, ExerciseLoadError> {
        let file = path.display().to_string();
        let text = read_exercise_file(path)?;
        let ex = Exercise::from_toml(&text, &file)?;
        let id = ex.id.clone();
        self.insert(ex);
        self.exercises
            .get(&id)
            .ok_or_else(|| ExerciseLoadError::Invalid {
                file,
                line: 1,
                message: "exercise vanished after loading".to_owned(),
            })
    }

    fn insert(&mut self, ex: Exercise) {
        if !self.exercises.contains_key(&ex.id) {
            self.order.push(ex.id.clone());
        }
        self.exercises.insert(ex.id.clone(), ex);
    }

    /// The exercise with this id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Exercise> {
        self.exercises.get(id)
    }

    /// Exercises in catalogue order (built-ins as in the docs, then user additions).
    pub fn iter(&self) -> impl Iterator<Item = &Exercise> {
        self.order.iter().filter_map(|id| self.exercises.get(id))
    }

    /// How many exercises are known.
    #[must_use]
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none are known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
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

/// Reads a user exercise file: a regular file (a link to one is fine) of
/// at most [`MAX_FILE_BYTES`], as UTF-8. Devices, pipes and folders are
/// refused before they are opened, so a FIFO cannot hang the start and
/// `/dev/zero` cannot fill the memory.
fn read_exercise_file(path: &Path) -> Result<String, ExerciseLoadError> {
    use std::io::Read as _;
    let file = path.display().to_string();
    let io = |source| ExerciseLoadError::Io {
        file: file.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ExerciseLoadError::NotAFile { file });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ExerciseLoadError::TooLarge { file });
    }
    let handle = std::fs::File::open(path).map_err(io)?;
    // Checked again on the open file: the name may have been swapped.
    if !handle.metadata().map_err(io)?.is_file() {
        return Err(ExerciseLoadError::NotAFile { file });
    }
    let mut bytes = Vec::new();
    handle
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ExerciseLoadError::TooLarge { file });
    }
    String::from_utf8(bytes).map_err(|e| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    const DOC_IDS: [&str; 17] = [
        "thread-the-needle",
        "quadruped-rotation",
        "cat-cow",
        "side-lying-open-book",
        "thoracic-rotation-side-lying",
        "seated-trunk-rotation",
        "thoracic-extension-chair",
        "bench-thoracic-extension",
        "backward-shoulder-rolls",
        "laying-arm-extensions",
        "prone-w",
        "thoracic-iyt",
        "desk-reset-reach",
        "chin-tuck",
        "neck-flexion-extension",
        "seated-cervical-rotation",
        "breathing-360",
    ];

    #[test]
    fn all_seventeen_builtins_load_with_doc_ids() {
        let (cat, errors) = Catalogue::builtin();
        assert!(errors.is_empty(), "{errors:?}");
        let ids: Vec<&str> = cat.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, DOC_IDS);
        for (file, _) in BUILTIN {
            assert!(cat.get(file.trim_end_matches(".toml")).is_some(), "{file}");
        }
    }

    #[test]
    fn a_rule_can_wait_longer_before_warning_but_not_for_ever() {
        let (cat, _) = Catalogue::builtin();
        let nod = cat.get("chin-tuck").and_then(|e| e.rule("no-nodding"));
        assert_eq!(nod.and_then(|r| r.dwell_s), Some(0.25));
        let text = BUILTIN
            .iter()
            .find(|(f, _)| *f == "chin-tuck.toml")
            .map(|(_, t)| *t)
            .unwrap_or_default()
            .replace("dwell_s = 0.25", "dwell_s = 5.0");
        let err = Exercise::from_toml(&text, "chin-tuck.toml").unwrap_err();
        assert!(err.to_string().contains("dwell_s"), "{err}");
    }

    #[test]
    fn required_rule_ids_exist() {
        let (cat, _) = Catalogue::builtin();
        assert!(
            cat.get("thread-the-needle")
                .and_then(|e| e.rule("hips-still"))
                .is_some()
        );
        for id in [
            "thoracic-extension-chair",
            "bench-thoracic-extension",
            "laying-arm-extensions",
            "desk-reset-reach",
        ] {
            assert!(
                cat.get(id)
                    .and_then(|e| e.rule("ribs-not-flaring"))
                    .is_some(),
                "{id}"
            );
        }
    }

    #[test]
    fn broken_user_file_names_file_and_line_and_others_load() {
        let dir = tempfile::tempdir().unwrap();
        let good = BUILTIN[2]
            .1
            .replace("id = \"cat-cow\"", "id = \"my-cat-cow\"");
        std::fs::write(dir.path().join("a-good.toml"), good).unwrap();
        let bad = BUILTIN[0]
            .1
            .replace("max_torso = 0.15", "max_torso = \"lots\"");
        std::fs::write(dir.path().join("b-bad.toml"), &bad).unwrap();
        let wrong_joint = BUILTIN[0].1.replace("\"left_knee\"", "\"left_kneee\"");
        std::fs::write(dir.path().join("c-joint.toml"), &wrong_joint).unwrap();
        let (cat, errors) = Catalogue::load(Some(dir.path()));
        assert_eq!(cat.len(), 18);
        assert!(cat.get("my-cat-cow").is_some());
        assert_eq!(errors.len(), 2, "{errors:?}");
        let first = errors[0].to_string();
        let expected_line = bad.lines().position(|l| l.contains("\"lots\"")).unwrap() + 1;
        assert!(first.contains("b-bad.toml"), "{first}");
        assert!(first.contains(&format!(":{expected_line}:")), "{first}");
        let second = errors[1].to_string();
        assert!(
            second.contains("c-joint.toml") && second.contains("left_kneee"),
            "{second}"
        );
    }

    /// Regression (issue 15): a user exercise linked to `/dev/zero` ate 18 GB
    /// in 30 s, a FIFO hung the start, and a 1 MB cue took 162 s and 18.5 GB
    /// to speak. Only regular files of a few kilobytes are read now, and
    /// each is named when refused.
    #[cfg(unix)]
    #[test]
    fn user_exercise_files_are_bounded_and_regular() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("a-zero.toml")).unwrap();
        let fifo = dir.path().join("b-fifo.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let big_cue = BUILTIN[0].1.replacen(
            "cue = \"",
            &format!("cue = \"{} ", "very ".repeat(200_000)),
            1,
        );
        std::fs::write(dir.path().join("c-big.toml"), &big_cue).unwrap();
        let long_cue =
            BUILTIN[0]
                .1
                .replacen("cue = \"", &format!("cue = \"{} ", "long ".repeat(60)), 1);
        std::fs::write(dir.path().join("d-cue.toml"), &long_cue).unwrap();
        let (cat, errors) = Catalogue::load(Some(dir.path()));
        assert_eq!(cat.len(), 17);
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 4, "{text:?}");
        assert!(text[0].contains("a-zero.toml") && text[0].contains("not a regular file"));
        assert!(text[1].contains("b-fifo.toml") && text[1].contains("not a regular file"));
        assert!(text[2].contains("c-big.toml") && text[2].contains("larger than"));
        assert!(text[3].contains("d-cue.toml") && text[3].contains("`cue` is longer"));
    }

    /// Regression (issue 15): `enter = nan` was accepted, and the exercise
    /// then never counted a rep while reporting "Good form 100 %".
    #[test]
    fn non_finite_thresholds_are_errors_naming_file_and_line() {
        let base = BUILTIN[0].1;
        for bad in ["nan", "inf", "-inf"] {
            let text = base.replacen("max_torso = 0.15", &format!("max_torso = {bad}"), 1);
            assert_ne!(text, base, "the fixture has the threshold");
            let err = Exercise::from_toml(&text, "mine.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains("max_torso") && err.contains("finite"), "{err}");
            let header = text
                .lines()
                .position(|l| l.contains("id = \"hips-still\""))
                .unwrap();
            assert!(
                err.starts_with(&format!("mine.toml:{header}:"))
                    || err.starts_with(&format!("mine.toml:{}:", header + 1)),
                "{err}"
            );
        }
    }

    // Fuzzing: user exercise files are outside data; any text, or a
    // built-in with a stretch replaced by junk, gives a value, never a panic.
    proptest::proptest! {
        #[test]
        fn any_exercise_text_loads_or_is_an_error(
            junk in "\\PC{0,300}",
            at in 0usize..4000,
        ) {
            let _ = Exercise::from_toml(&junk, "fuzz.toml");
            let base = BUILTIN[0].1;
            let mut cut = at.min(base.len());
            while !base.is_char_boundary(cut) {
                cut -= 1;
            }
            let mixed = format!("{}{junk}{}", &base[..cut], &base[cut..]);
            if let Ok(ex) = Exercise::from_toml(&mixed, "fuzz.toml") {
                for r in &ex.rules {
                    proptest::prop_assert!(r.cue.chars().count() <= MAX_TEXT_CHARS);
                    proptest::prop_assert!(!r.cue.chars().any(char::is_control));
                }
            }
        }
    }

    /// Regression (issue 15): escape codes in a cue reached the terminal raw.
    #[test]
    fn control_characters_are_stripped_from_user_text() {
        let text = BUILTIN[0]
            .1
            .replacen("cue = \"", "cue = \"\\u001b[2J\\u0007", 1);
        let ex = Exercise::from_toml(&text, "x.toml").unwrap();
        assert!(
            ex.rules
                .iter()
                .all(|r| !r.cue.chars().any(char::is_control))
        );
        assert!(
            ex.rules.iter().any(|r| r.cue.starts_with("[2J")),
            "{:?}",
            ex.rules
        );
    }

    #[test]
    fn semantic_error_points_at_the_rule() {
        let text = BUILTIN[0]
            .1
            .replace("kind = \"still\"", "kind = \"wobble\"");
        let err = Exercise::from_toml(&text, "x.toml")
            .unwrap_err()
            .to_string();
        let rule_line = text
            .lines()
            .position(|l| l.contains("id = \"hips-still\""))
            .unwrap();
        assert!(err.contains("wobble"), "{err}");
        // The span of the [[rules]] table starts on its header or first key.
        assert!(
            err.contains(&format!("x.toml:{rule_line}:"))
                || err.contains(&format!("x.toml:{}:", rule_line + 1)),
            "{err}"
        );
    }
}
