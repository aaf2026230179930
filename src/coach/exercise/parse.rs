//! From TOML text to a checked [`Exercise`]: every limit and cross-reference
//! is checked here, so the coach never sees a half-valid definition.

use serde::Deserialize;

use crate::coach::geometry::{Measure, PointRef, Unit};

use super::model::{
    Axis, Direction, Dose, Exercise, PhaseText, Position, Progress, Rule, RuleKind, Signal, Space,
    Stage, View,
};
use super::motion::Motion;
use super::{
    DEFAULT_MIN_SCORE, ExerciseLoadError, MAX_INSTRUCTIONS_CHARS, MAX_LINE_BYTES, MAX_TEXT_CHARS,
};

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
}

/// The line of the `[motion]` table, where a motion's mistakes are reported.
fn motion_line(text: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with("[motion"))
        .map_or(1, |i| i + 1)
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
    order: Option<u32>,
    #[serde(default)]
    stage: Stage,
    #[serde(default)]
    reminder: bool,
    position: Position,
    view: View,
    instructions: String,
    required: Vec<PointRef>,
    dose: Dose,
    phases: PhaseText,
    rules: Vec<toml::Spanned<RawRule>>,
    motion: Option<Motion>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGate {
    measure: Measure,
    points: Vec<PointRef>,
    min: f32,
}

/// A spine rule's stand-in: the measure and thresholds that replace the
/// rule's own where the back's curve cannot be seen. Its dwell is its own
/// (a joint signal jitters differently from the curve).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFallback {
    measure: Option<Measure>,
    #[serde(default)]
    points: Vec<PointRef>,
    span_torso: Option<f32>,
    span: Option<String>,
    baseline: Option<bool>,
    min: Option<f32>,
    max: Option<f32>,
    min_torso: Option<f32>,
    max_torso: Option<f32>,
    direction: Option<Direction>,
    axis: Option<Axis>,
    enter: Option<f32>,
    exit: Option<f32>,
    space: Option<Space>,
    min_score: Option<f32>,
    dwell_s: Option<f64>,
}

#[derive(Clone, Deserialize)]
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
    #[serde(default)]
    during_out: bool,
    min_score: Option<f32>,
    dwell_s: Option<f64>,
    space: Option<Space>,
    priority: Option<u32>,
    cue: Option<String>,
    fallback: Option<RawFallback>,
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
            let rule = raw.checked().map_err(|m| invalid(line, m))?;
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
        if let Some(motion) = &self.motion {
            (motion.check(&rules)).map_err(|m| invalid(motion_line(text), m))?;
        }
        Ok(Exercise {
            id: self.id,
            name: clean_text(&self.name),
            order: self.order,
            stage: self.stage,
            reminder: self.reminder,
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
            motion: self.motion,
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

    /// The rule as its fallback states it: the fallback's measure, points
    /// and thresholds with the rule's id, kind, cue and timing.
    fn with_fallback(&self, f: RawFallback) -> RawRule {
        RawRule {
            measure: f.measure,
            points: f.points,
            span_torso: f.span_torso,
            span: f.span,
            baseline: f.baseline.unwrap_or(self.baseline),
            min: f.min,
            max: f.max,
            min_torso: f.min_torso,
            max_torso: f.max_torso,
            direction: f.direction.or(self.direction),
            axis: f.axis.or(self.axis),
            enter: f.enter,
            exit: f.exit,
            space: f.space,
            min_score: f.min_score.or(self.min_score),
            dwell_s: f.dwell_s,
            fallback: None,
            ..self.clone()
        }
    }

    /// The rule's stand-in, checked: itself no reader of the curve.
    fn take_fallback(&mut self) -> Result<Option<Box<Rule>>, String> {
        let Some(f) = self.fallback.take() else {
            return Ok(None);
        };
        let fb = self.with_fallback(f).validate()?;
        if fb.kind.reads_spine() {
            return Err(format!(
                "rule `{}`: its `fallback` must not read the back's curve too",
                self.id
            ));
        }
        Ok(Some(Box::new(fb)))
    }

    /// [`Self::validate`], after the checks that span several fields.
    fn checked(self) -> Result<Rule, String> {
        if self.during_out && self.during.is_none() {
            return Err(format!(
                "rule `{}`: `during_out` needs `during` (the rep whose way out it checks)",
                self.id
            ));
        }
        self.validate()
    }

    fn validate(mut self) -> Result<Rule, String> {
        let fallback = self.take_fallback()?;
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
        if fallback.is_some() && !kind.reads_spine() {
            return Err(format!(
                "rule `{}`: a `fallback` only stands in for a measure of the back's curve (thoracic_flexion, lumbar_flexion)",
                self.id
            ));
        }
        Ok(Rule {
            fallback,
            id: self.id,
            kind,
            min_score,
            priority: self.priority.unwrap_or(2),
            cue,
            during: self.during,
            during_out: self.during_out,
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
