//! Playing a routine: which step is up, the rest before it, and what the
//! person asked for (skip, repeat, pause). Plain state driven by the clock
//! the caller passes in, so the window's routine player is tested without a
//! display, a camera or a pose model. The caller does what the returned
//! [`Action`]s say (speak, start or end a step's live coaching).

use crate::coach::{Exercise, Position};

use super::model::{Routine, RoutineStep, StepSide};

/// Seconds to get ready before the first step (there is no rest before it).
pub const GET_READY_S: f64 = 10.0;

/// Seconds before a repeated step starts again.
pub const REPEAT_READY_S: f64 = 5.0;

/// Where the routine is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// Step `step` is announced; it starts when the countdown runs out.
    NextUp {
        /// Index of the announced step.
        step: usize,
        /// Seconds left of the rest.
        remaining_s: f64,
    },
    /// Step `step` is being coached.
    Playing {
        /// Index of the step.
        step: usize,
    },
    /// Every step was played or skipped, or the person stopped.
    Finished,
}

/// A rest between two sets of the playing step. The caller pauses live
/// coaching through it, so moving about while resting is neither counted
/// nor corrected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetRest {
    /// The set that comes after the rest (1-based).
    pub next_set: u32,
    /// The step's sets.
    pub sets: u32,
    /// Seconds left of the rest.
    pub remaining_s: f64,
    /// The whole rest, seconds.
    pub rest_s: f64,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepEnd {
    /// Its whole dose was done.
    Done,
    /// It was coached, then left before its dose was done (skipped part-way,
    /// the video ended, the routine stopped).
    Partial,
    /// It was never started.
    Skipped,
}

/// What the caller has to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Show step `step` as next and say `text`.
    Announce {
        /// Index of the step.
        step: usize,
        /// The spoken and shown announcement.
        text: String,
    },
    /// Start coaching step `step` live.
    Start(usize),
    /// Stop coaching step `step` and keep what it recorded.
    End(usize),
    /// Show the routine's summary.
    Finish,
    /// A set of step `step` is done: pause its coaching and show the rest.
    RestBetweenSets {
        /// Index of the step.
        step: usize,
        /// The set that comes after the rest (1-based).
        next_set: u32,
    },
    /// The rest between sets is over: coach step `step` again.
    Resume(usize),
}

/// A routine being played.
#[derive(Debug, Clone)]
pub struct RoutinePlayer {
    routine: Routine,
    /// Each step's exercise as the step coaches it (its dose applied).
    exercises: Vec<Exercise>,
    phase: Phase,
    paused: bool,
    last_tick_s: Option<f64>,
    ends: Vec<Option<StepEnd>>,
    /// Sets of the playing step already seen done.
    sets_seen: u32,
    /// The rest between sets under way, while a step plays.
    set_rest: Option<SetRest>,
}

impl RoutinePlayer {
    /// A player for `routine`, each step's exercise taken from `exercises`
    /// (the catalogue) with the step's dose. Errors name a step whose
    /// exercise is missing.
    pub fn new(routine: Routine, exercises: &[Exercise]) -> Result<RoutinePlayer, String> {
        let exercises = routine
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                exercises
                    .iter()
                    .find(|ex| ex.id == step.exercise)
                    .map(|ex| step.exercise_for(ex))
                    .ok_or_else(|| {
                        format!(
                            "step {} of routine `{}`: there is no exercise `{}` any more",
                            i + 1,
                            routine.id,
                            step.exercise
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ends = vec![None; routine.steps.len()];
        Ok(RoutinePlayer {
            routine,
            exercises,
            phase: Phase::Finished,
            paused: false,
            last_tick_s: None,
            ends,
            sets_seen: 0,
            set_rest: None,
        })
    }

    /// The routine.
    #[must_use]
    pub fn routine(&self) -> &Routine {
        &self.routine
    }

    /// Step `i`'s exercise as it is coached.
    #[must_use]
    pub fn exercise(&self, i: usize) -> Option<&Exercise> {
        self.exercises.get(i)
    }

    /// Where the routine is.
    #[must_use]
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Sets of the playing step seen done so far.
    #[must_use]
    pub fn sets_seen(&self) -> u32 {
        self.sets_seen
    }

    /// The rest between sets under way, if any.
    #[must_use]
    pub fn set_rest(&self) -> Option<SetRest> {
        self.set_rest
    }

    /// Whether the person paused it.
    #[must_use]
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// How each step ended so far (`None`: not reached yet).
    #[must_use]
    pub fn ends(&self) -> &[Option<StepEnd>] {
        &self.ends
    }

    /// Announces the first step, with time to get ready.
    pub fn begin(&mut self, now_s: f64) -> Vec<Action> {
        self.last_tick_s = Some(now_s);
        self.announce(0, GET_READY_S)
    }

    /// Runs the countdown to `now_s`; starts the step when it runs out.
    pub fn tick(&mut self, now_s: f64) -> Vec<Action> {
        let dt = self.last_tick_s.map_or(0.0, |t| (now_s - t).max(0.0));
        self.last_tick_s = Some(now_s);
        match &mut self.phase {
            Phase::NextUp { step, remaining_s } if !self.paused => {
                *remaining_s -= dt;
                if *remaining_s <= 0.0 {
                    let step = *step;
                    return self.start(step);
                }
                Vec::new()
            }
            Phase::Playing { step } if !self.paused => {
                let step = *step;
                let Some(rest) = &mut self.set_rest else {
                    return Vec::new();
                };
                rest.remaining_s -= dt;
                if rest.remaining_s <= 0.0 {
                    self.set_rest = None;
                    return vec![Action::Resume(step)];
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The playing step has `done` whole sets: when that just finished a
    /// set before the last, and the step rests between sets, the rest
    /// begins (coaching pauses until [`Action::Resume`]).
    pub fn sets_completed(&mut self, done: u32) -> Vec<Action> {
        let Phase::Playing { step } = self.phase else {
            return Vec::new();
        };
        if done <= self.sets_seen {
            return Vec::new();
        }
        self.sets_seen = done;
        let Some(s) = self.steps().get(step) else {
            return Vec::new();
        };
        let (sets, rest_s) = (s.sets, s.rest_s);
        if done >= sets || rest_s <= 0.0 || !rest_s.is_finite() {
            return Vec::new();
        }
        self.set_rest = Some(SetRest {
            next_set: done + 1,
            sets,
            remaining_s: rest_s,
            rest_s,
        });
        vec![Action::RestBetweenSets {
            step,
            next_set: done + 1,
        }]
    }

    /// Starts the announced step now, without waiting for the countdown,
    /// or ends a rest between sets early.
    pub fn start_now(&mut self) -> Vec<Action> {
        match self.phase {
            Phase::NextUp { step, .. } => self.start(step),
            Phase::Playing { step } if self.set_rest.take().is_some() => {
                self.paused = false;
                vec![Action::Resume(step)]
            }
            _ => Vec::new(),
        }
    }

    /// The playing step ended by itself: its dose is done (`done`) or its
    /// source ran out. Moves on to the next step.
    pub fn step_ended(&mut self, done: bool) -> Vec<Action> {
        let Phase::Playing { step } = self.phase else {
            return Vec::new();
        };
        self.ends[step] = Some(if done {
            StepEnd::Done
        } else {
            StepEnd::Partial
        });
        let mut actions = vec![Action::End(step)];
        actions.extend(self.after(step));
        actions
    }

    /// Skips: the announced step is never started, or the playing one ends
    /// here; the next one is announced.
    pub fn skip(&mut self) -> Vec<Action> {
        match self.phase {
            Phase::NextUp { step, remaining_s } => {
                self.ends[step] = Some(StepEnd::Skipped);
                if step + 1 < self.steps().len() {
                    self.announce(step + 1, remaining_s.max(0.0))
                } else {
                    self.finish()
                }
            }
            Phase::Playing { step } => {
                self.ends[step] = Some(StepEnd::Partial);
                let mut actions = vec![Action::End(step)];
                actions.extend(self.after(step));
                actions
            }
            Phase::Finished => Vec::new(),
        }
    }

    /// Repeats: the playing step starts again after a short countdown; while
    /// a step is announced, the one before it is played again.
    pub fn repeat(&mut self) -> Vec<Action> {
        match self.phase {
            Phase::Playing { step } => {
                self.ends[step] = Some(StepEnd::Partial);
                let mut actions = vec![Action::End(step)];
                actions.extend(self.announce(step, REPEAT_READY_S));
                actions
            }
            Phase::NextUp { step, .. } if step > 0 => self.announce(step - 1, REPEAT_READY_S),
            _ => Vec::new(),
        }
    }

    /// Pauses or resumes the countdown (the caller pauses live coaching).
    pub fn toggle_pause(&mut self) -> bool {
        self.paused = !self.paused;
        self.paused
    }

    /// Ends the routine here: a playing step keeps what it recorded.
    pub fn stop(&mut self) -> Vec<Action> {
        let mut actions = Vec::new();
        if let Phase::Playing { step } = self.phase {
            self.ends[step] = Some(StepEnd::Partial);
            actions.push(Action::End(step));
        }
        if self.phase != Phase::Finished {
            actions.extend(self.finish());
        }
        actions
    }

    fn steps(&self) -> &[RoutineStep] {
        &self.routine.steps
    }

    fn start(&mut self, step: usize) -> Vec<Action> {
        self.phase = Phase::Playing { step };
        self.paused = false;
        self.sets_seen = 0;
        self.set_rest = None;
        vec![Action::Start(step)]
    }

    /// After step `step`: the next one after the step's rest, or the end.
    fn after(&mut self, step: usize) -> Vec<Action> {
        if step + 1 < self.steps().len() {
            let rest = self.steps()[step].rest_s;
            self.announce(step + 1, rest)
        } else {
            self.finish()
        }
    }

    fn finish(&mut self) -> Vec<Action> {
        self.phase = Phase::Finished;
        self.paused = false;
        self.set_rest = None;
        vec![Action::Finish]
    }

    fn announce(&mut self, step: usize, rest_s: f64) -> Vec<Action> {
        self.phase = Phase::NextUp {
            step,
            remaining_s: rest_s,
        };
        self.paused = false;
        self.set_rest = None;
        vec![Action::Announce {
            step,
            text: self.announcement(step),
        }]
    }

    /// "Next: side-lying open book, your right side, lying on your left",
    /// with a side change said
    /// first when the step works the other side from the one before it.
    #[must_use]
    pub fn announcement(&self, step: usize) -> String {
        let (Some(s), Some(ex)) = (self.steps().get(step), self.exercises.get(step)) else {
            return String::new();
        };
        let name = ex.name.to_lowercase();
        let lying = ex.position == Position::SideLying;
        // Lying on one side works the other (the top arm turns): say both,
        // as the routines' notes do.
        let side = match (s.side, lying) {
            (StepSide::Left, true) => ", your left side, lying on your right".to_owned(),
            (StepSide::Right, true) => ", your right side, lying on your left".to_owned(),
            (StepSide::Left | StepSide::Right, false) => {
                format!(", your {} side", s.side.word().unwrap_or_default())
            }
            (StepSide::Both, _) if s.per_side => ", both sides, left first".to_owned(),
            (StepSide::Both, _) => String::new(),
        };
        let before = step
            .checked_sub(1)
            .and_then(|i| self.steps().get(i))
            .map(|p| p.side);
        let switch = match (before, s.side) {
            (Some(StepSide::Left), StepSide::Right) | (Some(StepSide::Right), StepSide::Left) => {
                "Change sides. "
            }
            _ => "",
        };
        let last = if step + 1 == self.steps().len() && step > 0 {
            "Last one. "
        } else {
            ""
        };
        format!("{switch}{last}Next: {name}{side}.")
    }
}
