//! How much of a step's dose is done, counted frame by frame where every
//! frame is seen (the inference thread), so a window that only reads the
//! newest update still learns when a step is finished.

use serde::Serialize;

use crate::coach::{Event, Feedback, Side};

use super::model::{RoutineStep, StepSide};

/// A hold counts as done when it lasted this close to its target: the coach
/// ends a hold on the frame after the target, and frame times are rounded.
const HOLD_SLACK_S: f64 = 0.05;

/// Reps and full holds so far in one step, by side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StepProgress {
    /// Reps of the left side.
    pub reps_left: u32,
    /// Reps of the right side.
    pub reps_right: u32,
    /// Reps of an exercise without sides.
    pub reps_both: u32,
    /// Holds of the left side that reached their target.
    pub holds_left: u32,
    /// Holds of the right side that reached their target.
    pub holds_right: u32,
    /// Full holds of an exercise without sides.
    pub holds_both: u32,
}

impl StepProgress {
    /// Takes in one frame's feedback: its rep counts (running totals) and
    /// the holds that ended on it.
    pub fn observe(&mut self, feedback: &Feedback) {
        self.reps_left = feedback.reps.left;
        self.reps_right = feedback.reps.right;
        self.reps_both = feedback.reps.both;
        for event in &feedback.events {
            if let Event::Hold {
                side,
                held_s,
                target_s,
                ..
            } = event
                && held_s + HOLD_SLACK_S >= *target_s
            {
                match side {
                    Some(Side::Left) => self.holds_left += 1,
                    Some(Side::Right) => self.holds_right += 1,
                    None => self.holds_both += 1,
                }
            }
        }
    }

    /// Reps counted for `side` of a step that does not count sides apart.
    fn reps(&self, side: StepSide) -> u32 {
        self.reps_both
            + match side {
                StepSide::Both => self.reps_left + self.reps_right,
                StepSide::Left => self.reps_left,
                StepSide::Right => self.reps_right,
            }
    }

    /// Full holds counted for `side`, as [`StepProgress::reps`].
    fn holds(&self, side: StepSide) -> u32 {
        self.holds_both
            + match side {
                StepSide::Both => self.holds_left + self.holds_right,
                StepSide::Left => self.holds_left,
                StepSide::Right => self.holds_right,
            }
    }
}

impl RoutineStep {
    /// Whether `progress` has reached the step's whole dose: every set's
    /// reps and holds, on each side when the step counts sides.
    #[must_use]
    pub fn is_done(&self, progress: &StepProgress) -> bool {
        (self.reps > 0 || self.holds > 0) && self.sets_done(progress) >= self.sets
    }

    /// Whole sets done so far (at most the step's sets): a set is done when
    /// its reps and its holds are, on each side when the step counts sides.
    #[must_use]
    pub fn sets_done(&self, progress: &StepProgress) -> u32 {
        let sets_of = |(a, b): (u32, u32), per_set: u32| {
            (per_set > 0).then(|| {
                if self.per_side {
                    a.min(b) / per_set
                } else {
                    (a + b) / per_set
                }
            })
        };
        let reps = if self.per_side {
            (progress.reps_left, progress.reps_right)
        } else {
            (progress.reps(self.side), 0)
        };
        let holds = if self.per_side {
            (progress.holds_left, progress.holds_right)
        } else {
            (progress.holds(self.side), 0)
        };
        [sets_of(reps, self.reps), sets_of(holds, self.holds)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(0)
            .min(self.sets)
    }
}
