//! What a checked routine holds. Every number here has passed the limits in
//! `parse`, so a player can trust it.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::coach::exercise::RuleKind;
use crate::coach::{Dose, Exercise};
use crate::mobility::Measure;

/// Seconds one repetition is reckoned to take when estimating a routine's
/// length: a slow, controlled rep, as both articles ask for.
pub const REP_ESTIMATE_S: f64 = 4.0;

/// Seconds reckoned for getting into and out of each hold.
pub const HOLD_CHANGE_ESTIMATE_S: f64 = 3.0;

/// Which side a step works.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepSide {
    /// Both sides in this step (the left first), or no sides at all for an
    /// exercise that does not count them.
    #[default]
    Both,
    /// Only the left side (as the exercise defines it).
    Left,
    /// Only the right side.
    Right,
}

impl StepSide {
    /// The word used in texts, `None` for both.
    #[must_use]
    pub fn word(self) -> Option<&'static str> {
        match self {
            StepSide::Both => None,
            StepSide::Left => Some("left"),
            StepSide::Right => Some("right"),
        }
    }
}

/// One exercise of a routine with its dose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutineStep {
    /// Catalogue id of the exercise.
    pub exercise: String,
    /// Which side the step works.
    pub side: StepSide,
    /// Whether the dose counts each side separately: the exercise counts
    /// sides and the step works both.
    pub per_side: bool,
    /// Repetitions per set (per side when `per_side`).
    pub reps: u32,
    /// Holds per set (per side when `per_side`).
    pub holds: u32,
    /// Seconds per hold, or, in a step of reps only, the pause inside each
    /// rep; the exercise's own when the file gives none.
    pub hold_s: f64,
    /// Sets.
    pub sets: u32,
    /// Rest after each set, seconds (after the last one too, before the next step).
    pub rest_s: f64,
    /// Time to change sides half-way through a step that works both, seconds.
    pub switch_s: f64,
    /// A short line for the person, shown before the step (may be empty).
    pub note: String,
    /// What the mobility check reads from this step's frames, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
}

impl RoutineStep {
    /// The step's dose, in the catalogue's terms.
    #[must_use]
    pub fn dose(&self) -> Dose {
        Dose {
            reps: self.reps,
            holds: self.holds,
            hold_s: self.hold_s,
            sets: self.sets,
            per_side: self.per_side,
        }
    }

    /// The exercise as this step coaches it: the step's dose, and hold
    /// targets (or pauses in reps) of the step's length, so the coach counts
    /// a hold done when the routine says it is.
    #[must_use]
    pub fn exercise_for(&self, exercise: &Exercise) -> Exercise {
        let mut ex = exercise.clone();
        ex.dose = self.dose();
        for rule in &mut ex.rules {
            match &mut rule.kind {
                RuleKind::Hold(p) if self.holds > 0 => p.hold_s = self.hold_s,
                RuleKind::Rep(p) if self.holds == 0 && p.hold_s > 0.0 => p.hold_s = self.hold_s,
                _ => {}
            }
        }
        ex
    }

    /// The pause inside each rep: `hold_s` belongs to the holds when the
    /// step has any.
    fn rep_pause_s(&self) -> f64 {
        if self.holds == 0 { self.hold_s } else { 0.0 }
    }

    /// How many sides the step works in turn.
    #[must_use]
    pub fn sides(&self) -> u32 {
        if self.per_side { 2 } else { 1 }
    }

    /// Estimated seconds for the step, rests and side change included.
    #[must_use]
    pub fn estimated_s(&self) -> f64 {
        let pause = self.rep_pause_s();
        let per_set = f64::from(self.reps) * (REP_ESTIMATE_S + pause)
            + f64::from(self.holds) * (self.hold_s + HOLD_CHANGE_ESTIMATE_S);
        let sides = f64::from(self.sides());
        let sets = f64::from(self.sets);
        per_set * sides * sets + self.rest_s * sets + self.switch_s * (sides - 1.0)
    }

    /// The dose in words: `2 x 30 s hold, left side` or `10 reps per side, 2 sets`.
    #[must_use]
    pub fn dose_text(&self) -> String {
        let mut s = String::new();
        if self.reps > 0 {
            let unit = if self.reps == 1 { "rep" } else { "reps" };
            let _ = write!(s, "{} {unit}", self.reps);
            if self.rep_pause_s() > 0.0 {
                let _ = write!(s, " ({} s pause)", trim(self.hold_s));
            }
        }
        if self.holds > 0 {
            if !s.is_empty() {
                s.push_str(" + ");
            }
            let _ = write!(s, "{} x {} s hold", self.holds, trim(self.hold_s));
        }
        if self.per_side {
            s.push_str(" per side");
        } else if let Some(side) = self.side.word() {
            let _ = write!(s, ", {side} side");
        }
        if self.sets > 1 {
            let _ = write!(s, ", {} sets", self.sets);
        }
        s
    }
}

/// Seconds without a trailing `.0`.
fn trim(s: f64) -> String {
    let t = format!("{s:.1}");
    t.strip_suffix(".0").map_or(t.clone(), str::to_owned)
}

/// A checked routine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routine {
    /// Stable id (lowercase letters, digits and dashes).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it is for and where its doses come from, in a sentence or two.
    pub description: String,
    /// The exercises in order; never empty.
    pub steps: Vec<RoutineStep>,
    /// Where the definition came from (`builtin:<file>` or a path).
    pub source: String,
}

impl Routine {
    /// Estimated seconds for the whole routine (the rest after the last step
    /// left out: the routine is over by then).
    #[must_use]
    pub fn estimated_s(&self) -> f64 {
        let total: f64 = self.steps.iter().map(RoutineStep::estimated_s).sum();
        let last_rest = self.steps.last().map_or(0.0, |s| s.rest_s);
        (total - last_rest).max(0.0)
    }
}

/// Seconds as `m:ss`, for listing a routine's estimated length.
#[must_use]
pub fn minutes_text(seconds: f64) -> String {
    let total = seconds.round().max(0.0);
    // Bounded by MAX_ROUTINE_S, so the cast cannot overflow.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let total = total as u64;
    format!("{}:{:02}", total / 60, total % 60)
}

impl RoutineStep {
    /// The step in one line for listings: `side-lying-open-book: 2 x 30 s hold per side`.
    #[must_use]
    pub fn line(&self) -> String {
        format!("{}: {}", self.exercise, self.dose_text())
    }
}
