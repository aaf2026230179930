//! The coach: turns smoothed poses into phase, counts, timers and at most one cue.
//!
//! Time comes only from frame timestamps, so `analyze` on a recording and the live
//! window give the same feedback. Flow per frame: locate the body, recognise the start
//! position (and capture the baseline), then run progress rules (reps, holds) and form
//! rules with dwell, hysteresis and cooldown.

mod cue;
mod excursion;
mod feedback;
mod form;
mod progress;
mod setup;
#[cfg(test)]
mod spine_tests;
#[cfg(test)]
pub(crate) mod tests;
mod warning;

pub use feedback::{
    Cue, Event, Feedback, HoldProgress, Phase, RepCounts, RuleState, RuleStatus, Severity, Side,
};

use super::exercise::{DEFAULT_MIN_SCORE, Exercise, Position, RuleKind, View};
use super::geometry::{Body, PointRef};
use super::posture::{self, PositionTracker};
use crate::pose::{Joint, PoseFrame};
use excursion::Excursion;
use form::FormRule;
use progress::{ProgressRule, SideProgress, hold_event};
use setup::SetupState;
use warning::Warning;

/// A fault must last this long before it becomes a warning: two frames in a row at
/// 10-12 fps (three at 30 fps), enough to ignore a one-frame glitch while keeping
/// fault-to-cue delay (dwell + smoothing lag + a frame period) under 300 ms.
pub const DWELL_S: f64 = 0.08;
/// A warning clears after this long back inside the hysteresis band.
pub const CLEAR_S: f64 = 0.2;
/// A fault returning this soon after clearing reopens the same warning.
pub const COOLDOWN_S: f64 = 0.5;
/// How long the person must hold still in the start position before the
/// baseline is taken (the position itself is recognised from the body's
/// geometry; stillness makes the average clean).
pub const SETTLE_S: f64 = 1.0;
/// A still stretch this long that ends because the person starts moving is
/// enough for the baseline (15 frames at 30 fps): people often start
/// within a second of getting into position.
pub const MIN_SETTLE_S: f64 = 0.5;
/// Movement after such a stretch must go on this long (the points moving on
/// from where they were) to be the exercise starting, not a glitch.
pub const CONFIRM_S: f64 = 0.4;
/// After the baseline is taken, the average keeps taking in frames while the
/// person stays still, up to this long in all: a baseline from a second of
/// frames carries a second's worth of keypoint noise, and measures of the
/// head in world points (a few centimetres across) feel it.
pub const MAX_BASELINE_S: f64 = 3.0;
/// While the baseline goes on averaging, every point of every rule must stay
/// within this many torso lengths of where it was when coaching began: half
/// the setup's tolerance, so the first tenths of a rep are not averaged in.
pub const REFINE_TOLERANCE_TORSO: f32 = 0.05;
/// "Still" during setup: every required point within this many torso lengths.
pub const SETTLE_TOLERANCE_TORSO: f32 = 0.1;
/// Losing the person for longer than this sends the coach back to setup.
pub const LOST_S: f64 = 3.0;
/// Leaving the start position for longer than this sends the coach back to
/// setup: whoever comes back settles into the position anew (a knee
/// replanted a little further back is a new start, not a fault). Shorter
/// than this is a wobble of the position reading.
pub const OUT_OF_START_S: f64 = 1.0;
/// Frame interval assumed when frames carry no timestamp.
pub const DEFAULT_FRAME_S: f64 = 1.0 / 30.0;
/// Longest gap counted as elapsed time (longer gaps are dropped frames, not exercise).
const MAX_STEP_S: f64 = 0.5;

/// Coaches one exercise. Create one per session; feed it smoothed frames in order.
#[derive(Debug, Clone)]
pub struct Coach {
    exercise: Exercise,
    form: Vec<FormRule>,
    progress: Vec<ProgressRule>,
    phase: Phase,
    setup: SetupState,
    torso_len: f32,
    last_t: Option<f64>,
    unseen_since: Option<f64>,
    reps: RepCounts,
    mid_fallback: bool,
    /// Whether the body is in the exercise's start position, frame by frame.
    start: PositionTracker,
    /// Since when the person has been out of the start position.
    out_of_start_since: Option<f64>,
    /// The side nearer the camera in a side view, chosen at the baseline.
    near: Option<Side>,
}

impl Coach {
    /// A coach for `exercise`, waiting for the person to settle into the start position.
    #[must_use]
    pub fn new(exercise: &Exercise) -> Coach {
        let mut form = Vec::new();
        let mut progress = Vec::new();
        let progress_index = |id: &Option<String>| {
            id.as_ref().and_then(|id| {
                exercise
                    .rules
                    .iter()
                    .filter(|r| r.kind.progress().is_some())
                    .position(|r| &r.id == id)
            })
        };
        for (index, rule) in exercise.rules.iter().enumerate() {
            let joints = joints_of(&rule.kind.points());
            match &rule.kind {
                RuleKind::Rep(p) | RuleKind::Hold(p) => {
                    let n = if p.mirror { 2 } else { 1 };
                    progress.push(ProgressRule {
                        index,
                        progress: p.clone(),
                        signals: vec![None; n],
                        gates: vec![None; n],
                        sides: vec![SideProgress::default(); n],
                        rom: vec![None; n],
                        entered_once: false,
                        after: progress_index(&p.after),
                        excursions: vec![Excursion::default(); n],
                        fallback: false,
                        last: vec![None; n],
                    });
                }
                _ => form.push(FormRule {
                    index,
                    joints,
                    prepared: Vec::new(),
                    history: [Vec::new(), Vec::new()],
                    warning: Warning::default(),
                    during: progress_index(&rule.during),
                    during_out: rule.during_out,
                    unseen: None,
                    fallback: false,
                }),
            }
        }
        Coach {
            mid_fallback: exercise.view != View::Front,
            exercise: exercise.clone(),
            form,
            progress,
            phase: Phase::Setup,
            setup: SetupState::new(),
            torso_len: 0.0,
            last_t: None,
            unseen_since: None,
            reps: RepCounts::default(),
            start: PositionTracker::default(),
            out_of_start_since: None,
            near: None,
        }
    }

    /// The exercise being coached.
    #[must_use]
    pub fn exercise(&self) -> &Exercise {
        &self.exercise
    }

    /// Phase now.
    #[must_use]
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Advances by one (already smoothed) frame.
    pub fn step(&mut self, frame: &PoseFrame) -> Feedback {
        let t = frame
            .t
            .or_else(|| self.last_t.map(|l| l + DEFAULT_FRAME_S))
            .unwrap_or(0.0);
        let dt = self.last_t.map_or(0.0, |l| (t - l).clamp(0.0, MAX_STEP_S));
        self.last_t = Some(t);
        let mut events = Vec::new();
        let (body, observable, mut placement) = self.look(frame);

        if observable {
            self.unseen_since = None;
        } else if self.unseen_since.is_none() {
            self.unseen_since = Some(t);
        }
        let reading = frame.people.first().map(posture::read);
        let in_start = self.start.step(t, self.exercise.position, reading) && observable;
        if in_start {
            self.out_of_start_since = None;
        } else if self.out_of_start_since.is_none() {
            self.out_of_start_since = Some(t);
        }
        if observable && !in_start && placement.is_none() {
            placement = self.start.guidance(self.exercise.position);
        }

        let mut setup_progress = 1.0;
        if self.phase == Phase::Setup {
            setup_progress = if let (Some(b), true) = (&body, in_start) {
                self.settle(b, t, &mut events)
            } else {
                self.setup.window_start = None;
                self.setup.candidate = None;
                0.0
            };
            if self.phase == Phase::Setup && placement.is_none() && setup_progress <= 0.0 {
                placement = Some(self.exercise.phases.setup.clone());
            }
        } else if self.unseen_since.is_some_and(|s| t - s > LOST_S)
            || self
                .out_of_start_since
                .is_some_and(|s| t - s > OUT_OF_START_S)
        {
            // Gone, or out of the start position for a while: when they come
            // back, a new baseline is taken in the position they come back to.
            self.reset_to_setup(t, &mut events);
            setup_progress = 0.0;
        }

        if self.phase != Phase::Setup
            && let (Some(b), true) = (&body, in_start)
        {
            self.refine_baseline(b, t);
        }
        let (statuses, hold) =
            self.run_rules(body.as_ref(), t, dt, observable, in_start, &mut events);

        let side = self
            .progress
            .iter()
            .find_map(|p| p.active_side().and_then(|i| p.side_of(i)));
        if self.phase != Phase::Setup {
            let in_pos = self
                .progress
                .iter()
                .any(|p| p.active_side().is_some() && p.progress.signal.is_some());
            let phase = if in_pos { Phase::Position } else { Phase::Rest };
            if phase != self.phase {
                self.phase = phase;
                events.push(Event::Phase { t_s: t, phase });
            }
        }
        let cue = self.pick_cue(&statuses, placement.as_ref(), side);
        let warning_active = statuses.iter().any(|st| st.state == RuleState::Warning);
        let prompt = match self.phase {
            Phase::Setup => &self.exercise.phases.setup,
            Phase::Rest => &self.exercise.phases.rest,
            Phase::Position => &self.exercise.phases.position,
        }
        .clone();
        Feedback {
            t_s: t,
            dt_s: dt,
            phase: self.phase,
            side,
            prompt,
            cue,
            rules: statuses,
            reps: self.reps,
            hold,
            placement,
            observable,
            in_position: in_start,
            position_confidence: self.start.confidence(),
            near_side: self.near.filter(|_| self.phase != Phase::Setup),
            setup_progress,
            warning_active,
            events,
        }
    }

    /// The body in this frame, whether all required joints are seen, and placement help.
    fn look(&self, frame: &PoseFrame) -> (Option<Body>, bool, Option<String>) {
        let body = frame
            .people
            .first()
            .map(|p| Body::from_person(p, self.mid_fallback));
        let missing = match &body {
            Some(b) => self
                .exercise
                .required
                .iter()
                .find_map(|p| b.locate(*p, DEFAULT_MIN_SCORE).err()),
            None => Some(super::geometry::Unseen(PointRef::MID_HIP)),
        };
        let placement = match (&body, missing) {
            (None, _) => Some("I can't see anyone. Step into the picture.".to_owned()),
            (Some(_), Some(u)) => Some(u.message()),
            (Some(b), None) => self.view_hint(b, frame),
        };
        (body, missing.is_none(), placement)
    }

    /// Runs progress and form rules (or marks them inactive during setup).
    fn run_rules(
        &mut self,
        body: Option<&Body>,
        t: f64,
        dt: f64,
        observable: bool,
        in_start: bool,
        events: &mut Vec<Event>,
    ) -> (Vec<RuleStatus>, Option<HoldProgress>) {
        let mut statuses = Vec::with_capacity(self.form.len());
        let mut hold = None;
        if self.phase == Phase::Setup {
            for f in &self.form {
                statuses.push(RuleStatus {
                    id: self.exercise.rules[f.index].id.clone(),
                    state: RuleState::Inactive,
                    value: None,
                    joints: f.joints.clone(),
                });
            }
        } else if let Some(body) = body {
            let warning_active = self.form.iter().any(|f| f.warning.is_up());
            hold = self.step_progress(body, t, dt, warning_active && observable, in_start, events);
            if in_start || !observable {
                // (A body not wholly seen still says which joints are missing.)
                self.step_form(body, t, &mut statuses, events);
            } else {
                // Out of the start position, form is not judged: the cue
                // guides the person back into it instead.
                self.step_form_idle(t, RuleState::Inactive, &mut statuses, events);
            }
        } else {
            // Nobody in the frame: close warnings, keep counting state.
            self.step_form_idle(t, RuleState::Unseen, &mut statuses, events);
            hold = self.current_hold(t);
        }
        (statuses, hold)
    }

    /// Wrong camera angle, judged only for upright positions where it is unambiguous.
    fn view_hint(&self, body: &Body, frame: &PoseFrame) -> Option<String> {
        let upright = matches!(
            self.exercise.position,
            Position::Sitting | Position::Standing | Position::StandingOrSitting
        );
        if !upright || body.is_3d {
            return None;
        }
        let person = frame.people.first()?;
        let l = person.confident(Joint::LeftShoulder, DEFAULT_MIN_SCORE)?;
        let r = person.confident(Joint::RightShoulder, DEFAULT_MIN_SCORE)?;
        let torso = body.torso_len(DEFAULT_MIN_SCORE).ok()?;
        let width = (l.x - r.x).abs() / torso;
        match self.exercise.view {
            View::Front if width < 0.35 => Some("Face the camera.".to_owned()),
            View::Side if width > 0.5 => Some("Turn side-on to the camera.".to_owned()),
            _ => None,
        }
    }

    fn reset_to_setup(&mut self, t: f64, events: &mut Vec<Event>) {
        for f in &mut self.form {
            f.warning
                .end_now(t, &self.exercise.rules[f.index].id, events);
        }
        for p in &mut self.progress {
            for i in 0..p.sides.len() {
                if p.sides[i].in_position {
                    let s = std::mem::take(&mut p.sides[i]);
                    if let Some(e) = hold_event(&self.exercise, p, i, &s, t) {
                        events.push(e);
                    }
                }
            }
        }
        self.phase = Phase::Setup;
        self.setup.window_start = None;
        self.setup.candidate = None;
        self.setup.refining = None;
        events.push(Event::Phase {
            t_s: t,
            phase: Phase::Setup,
        });
    }
}

fn joints_of(points: &[PointRef]) -> Vec<Joint> {
    let mut out: Vec<Joint> = points.iter().flat_map(|p| p.joints()).collect();
    out.sort();
    out.dedup();
    out
}
