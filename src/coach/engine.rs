//! The coach: turns smoothed poses into phase, counts, timers and at most one cue.
//!
//! Time comes only from frame timestamps, so `analyze` on a recording and the live
//! window give the same feedback. Flow per frame: locate the body, recognise the start
//! position (and capture the baseline), then run progress rules (reps, holds) and form
//! rules with dwell, hysteresis and cooldown.

use super::exercise::{DEFAULT_MIN_SCORE, Exercise, Position, Progress, RuleKind, Signal, View};
use super::geometry::{Body, Measure, PointRef, Vec3};
use super::rules::{Prepared, Verdict, judge, uses_baseline};
use crate::pose::{Joint, PoseFrame};
use serde::{Deserialize, Serialize};

/// A fault must last this long before it becomes a warning: two frames in a row at
/// 10-12 fps (three at 30 fps), enough to ignore a one-frame glitch while keeping
/// fault-to-cue delay (dwell + smoothing lag + a frame period) under 300 ms.
pub const DWELL_S: f64 = 0.08;
/// A warning clears after this long back inside the hysteresis band.
pub const CLEAR_S: f64 = 0.2;
/// A fault returning this soon after clearing reopens the same warning.
pub const COOLDOWN_S: f64 = 0.5;
/// How long the person must hold still in the start position.
pub const SETTLE_S: f64 = 1.0;
/// "Still" during setup: every required point within this many torso lengths.
pub const SETTLE_TOLERANCE_TORSO: f32 = 0.1;
/// Losing the person for longer than this sends the coach back to setup.
pub const LOST_S: f64 = 3.0;
/// Frame interval assumed when frames carry no timestamp.
pub const DEFAULT_FRAME_S: f64 = 1.0 / 30.0;
/// Longest gap counted as elapsed time (longer gaps are dropped frames, not exercise).
const MAX_STEP_S: f64 = 0.5;
/// Tempo is the signal's average speed over this much history.
const TEMPO_WINDOW_S: f64 = 0.2;

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
    fn from_index(i: usize) -> Side {
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
    fn add(&mut self, side: Option<Side>) {
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
    /// Setup progress 0..1 (1 once settled).
    pub setup_progress: f32,
    /// Whether any warning is up.
    pub warning_active: bool,
    /// Events this frame.
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy)]
enum Fsm {
    Idle,
    Pending { since: f64 },
    Active,
    Clearing { since: f64 },
    Cooling { ended: f64 },
}

#[derive(Debug, Clone)]
struct FormRule {
    index: usize,
    joints: Vec<Joint>,
    /// Left (as written) and, for mirrored tempo, right.
    prepared: Vec<Prepared>,
    history: [Vec<(f64, Vec3)>; 2],
    fsm: Fsm,
    during: Option<usize>,
    started: f64,
}

#[derive(Debug, Clone, Default)]
struct SideProgress {
    in_position: bool,
    since: f64,
    in_form_s: f64,
    peak: Option<f32>,
}

#[derive(Debug, Clone)]
struct ProgressRule {
    index: usize,
    progress: Progress,
    /// One per side (one only when not mirrored).
    signals: Vec<Option<Prepared>>,
    gates: Vec<Option<Prepared>>,
    sides: Vec<SideProgress>,
    /// Extreme value reached per side (in the entering direction), for range of motion.
    rom: Vec<Option<f32>>,
    entered_once: bool,
    after: Option<usize>,
}

impl ProgressRule {
    fn active_side(&self) -> Option<usize> {
        self.sides.iter().position(|s| s.in_position)
    }
    fn side_of(&self, i: usize) -> Option<Side> {
        self.progress.mirror.then(|| Side::from_index(i))
    }
}

#[derive(Debug, Clone)]
struct SetupState {
    window_start: Option<f64>,
    anchors: Vec<Vec3>,
    sum: Box<PointSums>,
    /// The same in frame pixels, when the points are world metres.
    image_sum: Box<PointSums>,
    frames: u32,
}

/// Per joint: summed position, summed score, and how many frames saw it.
type PointSums = [([f64; 3], f64, u32); 33];
/// Nothing summed yet.
const NO_SUMS: PointSums = [([0.0; 3], 0.0, 0); 33];

fn accumulate(sum: &mut PointSums, body: &Body) {
    for (acc, p) in sum.iter_mut().zip(body.points()) {
        if let Some((pos, score)) = p {
            for (total, v) in acc.0.iter_mut().zip(pos) {
                *total += f64::from(*v);
            }
            acc.1 += f64::from(*score);
            acc.2 += 1;
        }
    }
}

/// The average of accumulated points; joints seen in under half the `frames`
/// count as unseen.
fn mean_points(sum: &PointSums, frames: u32) -> [Option<(Vec3, f32)>; 33] {
    let mut pts = [None; 33];
    for (out, acc) in pts.iter_mut().zip(sum.iter()) {
        if acc.2 > 0 && acc.2 * 2 >= frames {
            let n = f64::from(acc.2);
            *out = Some((
                [
                    (acc.0[0] / n) as f32,
                    (acc.0[1] / n) as f32,
                    (acc.0[2] / n) as f32,
                ],
                (acc.1 / n) as f32,
            ));
        }
    }
    pts
}

impl SetupState {
    fn new() -> SetupState {
        SetupState {
            window_start: None,
            anchors: Vec::new(),
            sum: Box::new(NO_SUMS),
            image_sum: Box::new(NO_SUMS),
            frames: 0,
        }
    }
    fn restart(&mut self, t: f64, anchors: Vec<Vec3>) {
        self.window_start = Some(t);
        self.anchors = anchors;
        *self.sum = NO_SUMS;
        *self.image_sum = NO_SUMS;
        self.frames = 0;
    }
    fn add(&mut self, body: &Body) {
        self.frames += 1;
        accumulate(&mut self.sum, body);
        if let Some(image) = body.image() {
            accumulate(&mut self.image_sum, image);
        }
    }
    /// The average body over the window; joints seen in under half the frames count
    /// as unseen at baseline (they fill in later).
    fn mean(&self, is_3d: bool, mid_fallback: bool) -> Body {
        let image = is_3d.then(|| {
            Body::from_points(
                mean_points(&self.image_sum, self.frames),
                false,
                mid_fallback,
            )
        });
        Body::from_points(mean_points(&self.sum, self.frames), is_3d, mid_fallback)
            .with_image(image)
    }
}

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
                    });
                }
                _ => form.push(FormRule {
                    index,
                    joints,
                    prepared: Vec::new(),
                    history: [Vec::new(), Vec::new()],
                    fsm: Fsm::Idle,
                    during: progress_index(&rule.during),
                    started: 0.0,
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

        let mut setup_progress = 1.0;
        if self.phase == Phase::Setup {
            setup_progress = if let (Some(b), true) = (&body, observable) {
                self.settle(b, t, &mut events)
            } else {
                self.setup.window_start = None;
                0.0
            };
            if self.phase == Phase::Setup && placement.is_none() && setup_progress <= 0.0 {
                placement = Some(self.exercise.phases.setup.clone());
            }
        } else if self.unseen_since.is_some_and(|s| t - s > LOST_S) {
            self.reset_to_setup(t, &mut events);
            setup_progress = 0.0;
        }

        let (statuses, hold) = self.run_rules(body.as_ref(), t, dt, observable, &mut events);

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
            let warning_active = self
                .form
                .iter()
                .any(|f| matches!(f.fsm, Fsm::Active | Fsm::Clearing { .. }));
            hold = self.step_progress(body, t, dt, warning_active && observable, events);
            self.step_form(body, t, &mut statuses, events);
        } else {
            // Nobody in the frame: close warnings, keep counting state.
            self.step_form_unseen(t, &mut statuses, events);
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

    /// Setup: wait for stillness, then capture the baseline. Returns progress 0..1.
    fn settle(&mut self, body: &Body, t: f64, events: &mut Vec<Event>) -> f32 {
        let Ok(torso) = body.torso_len(DEFAULT_MIN_SCORE) else {
            self.setup.window_start = None;
            return 0.0;
        };
        let anchors: Vec<Vec3> = self
            .exercise
            .required
            .iter()
            .filter_map(|p| body.locate(*p, DEFAULT_MIN_SCORE).ok())
            .collect();
        let moved = self.setup.window_start.is_none()
            || self.setup.anchors.len() != anchors.len()
            || anchors.iter().zip(&self.setup.anchors).any(|(a, b)| {
                super::geometry::norm(super::geometry::sub(*a, *b)) > SETTLE_TOLERANCE_TORSO * torso
            });
        // Not settled while already in position (absolute thresholds), e.g. arms still up.
        let in_position = self.progress.iter().any(|p| {
            p.progress.signal.as_ref().is_some_and(|s| {
                !p.progress.baseline && {
                    let mut prep = Prepared::new(s, body, torso, self.exercise.rules[p.index].min_score);
                    matches!(prep.value(body, self.exercise.rules[p.index].min_score), Ok(Some(v)) if p.progress.entered(v))
                }
            })
        });
        if moved || in_position {
            self.setup.restart(t, anchors);
        }
        self.setup.add(body);
        let start = self.setup.window_start.unwrap_or(t);
        let progress = ((t - start) / SETTLE_S).clamp(0.0, 1.0) as f32;
        if t - start >= SETTLE_S && !in_position {
            let baseline = self.setup.mean(body.is_3d, self.mid_fallback);
            self.capture_baseline(&baseline, torso);
            self.phase = Phase::Rest;
            events.push(Event::Baseline {
                t_s: t,
                torso_len: self.torso_len,
            });
            events.push(Event::Phase {
                t_s: t,
                phase: Phase::Rest,
            });
            return 1.0;
        }
        progress
    }

    fn capture_baseline(&mut self, baseline: &Body, fallback_torso: f32) {
        self.torso_len = baseline.torso_len(0.0).unwrap_or(fallback_torso);
        let torso = self.torso_len;
        for f in &mut self.form {
            let rule = &self.exercise.rules[f.index];
            let signal = form_signal(&rule.kind);
            // Whole-body shifts are lost in hip-centred world points: a
            // displacement is measured on the frame pixels, in the torso
            // length seen there.
            let in_image = signal.measure == Measure::Displacement;
            let (space, unit) = match baseline.image() {
                Some(image) if in_image => (image, image.torso_len(0.0).unwrap_or(0.0)),
                _ => (baseline, torso),
            };
            let prepare = |s: &Signal| {
                let mut p = Prepared::new(s, space, unit, rule.min_score);
                p.image_space = in_image;
                p
            };
            let mut prepared = vec![prepare(&signal)];
            if matches!(rule.kind, RuleKind::Tempo { mirror: true, .. }) {
                prepared.push(prepare(&signal.mirrored()));
            }
            f.prepared = prepared;
            f.history = [Vec::new(), Vec::new()];
            f.fsm = Fsm::Idle;
        }
        for p in &mut self.progress {
            let min_score = self.exercise.rules[p.index].min_score;
            for i in 0..p.sides.len() {
                let mirror = i == 1;
                p.signals[i] = p.progress.signal.as_ref().map(|s| {
                    let s = if mirror { s.mirrored() } else { s.clone() };
                    Prepared::new(&s, baseline, torso, min_score)
                });
                p.gates[i] = p.progress.gate.as_ref().map(|(s, _)| {
                    let s = if mirror { s.mirrored() } else { s.clone() };
                    Prepared::new(&s, baseline, torso, min_score)
                });
                p.sides[i] = SideProgress::default();
            }
        }
    }

    fn reset_to_setup(&mut self, t: f64, events: &mut Vec<Event>) {
        for f in &mut self.form {
            if matches!(f.fsm, Fsm::Active | Fsm::Clearing { .. }) {
                events.push(Event::WarningEnd {
                    t_s: t,
                    rule: self.exercise.rules[f.index].id.clone(),
                });
            }
            f.fsm = Fsm::Idle;
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
        events.push(Event::Phase {
            t_s: t,
            phase: Phase::Setup,
        });
    }

    fn current_hold(&self, t: f64) -> Option<HoldProgress> {
        self.progress.iter().find_map(|p| {
            let i = p.active_side()?;
            (p.progress.hold_s > 0.0).then(|| HoldProgress {
                rule: self.exercise.rules[p.index].id.clone(),
                side: p.side_of(i),
                start_s: p.sides[i].since,
                held_s: t - p.sides[i].since,
                target_s: p.progress.hold_s,
                in_form_s: p.sides[i].in_form_s,
            })
        })
    }

    fn step_progress(
        &mut self,
        body: &Body,
        t_s: f64,
        dt: f64,
        warned: bool,
        events: &mut Vec<Event>,
    ) -> Option<HoldProgress> {
        for pi in 0..self.progress.len() {
            let after_ok = match self.progress[pi].after {
                Some(a) => self.progress[a].entered_once,
                None => true,
            };
            let min_score = self.exercise.rules[self.progress[pi].index].min_score;
            let p = &mut self.progress[pi];
            let n = p.sides.len();
            for i in 0..n {
                let value = match &mut p.signals[i] {
                    None => Some(0.0),
                    Some(prep) => {
                        let r = if p.progress.baseline {
                            prep.delta(body, min_score)
                        } else {
                            prep.value(body, min_score)
                        };
                        r.ok().flatten()
                    }
                };
                let gate_ok = match (&mut p.gates[i], &p.progress.gate) {
                    (Some(g), Some((_, min))) => {
                        matches!(g.value(body, min_score), Ok(Some(v)) if v >= *min)
                    }
                    _ => true,
                };
                if let Some(v) = value.filter(|_| gate_ok) {
                    let better = |old: Option<f32>| match old {
                        None => Some(v),
                        Some(o)
                            if (p.progress.enter < p.progress.exit && v < o)
                                || (p.progress.enter >= p.progress.exit && v > o) =>
                        {
                            Some(v)
                        }
                        keep => keep,
                    };
                    if p.progress.signal.is_some() {
                        p.rom[i] = better(p.rom[i]);
                    }
                    if p.sides[i].in_position {
                        p.sides[i].peak = better(p.sides[i].peak);
                    }
                }
                if p.sides[i].in_position {
                    if !warned {
                        p.sides[i].in_form_s += dt;
                    }
                    let exited =
                        p.progress.signal.is_some() && value.is_some_and(|v| p.progress.exited(v));
                    if exited {
                        let s = std::mem::take(&mut p.sides[i]);
                        let rule_id = self.exercise.rules[p.index].id.clone();
                        if matches!(self.exercise.rules[p.index].kind, RuleKind::Rep(_)) {
                            let side = p.side_of(i);
                            self.reps.add(side);
                            events.push(Event::Rep {
                                t_s,
                                rule: rule_id,
                                side,
                                peak: s.peak,
                            });
                        }
                        if let Some(e) = hold_event(&self.exercise, p, i, &s, t_s) {
                            events.push(e);
                        }
                    }
                } else if p.active_side().is_none() && after_ok {
                    let entered = match (value, &p.progress.signal) {
                        (_, None) => true,
                        (Some(v), Some(_)) => gate_ok && p.progress.entered(v),
                        (None, Some(_)) => false,
                    };
                    if entered {
                        p.sides[i] = SideProgress {
                            in_position: true,
                            since: t_s,
                            in_form_s: 0.0,
                            peak: value,
                        };
                        p.entered_once = true;
                        if let Some(a) = self.progress[pi].after {
                            self.progress[a].entered_once = false;
                        }
                        break;
                    }
                }
            }
        }
        self.current_hold(t_s)
    }

    fn step_form(
        &mut self,
        body: &Body,
        t: f64,
        statuses: &mut Vec<RuleStatus>,
        events: &mut Vec<Event>,
    ) {
        let in_position: Vec<bool> = self
            .progress
            .iter()
            .map(|p| p.active_side().is_some())
            .collect();
        let side = self
            .progress
            .iter()
            .find_map(|p| p.active_side().and_then(|i| p.side_of(i)));
        for f in &mut self.form {
            let rule = &self.exercise.rules[f.index];
            let active = f.during.is_none_or(|d| in_position[d]);
            let mut value = None;
            let state = if active {
                let mut verdict = Ok(None);
                for (k, prep) in f.prepared.iter_mut().enumerate() {
                    let body = prep.space(body);
                    let r = if uses_baseline(&rule.kind) {
                        prep.delta(body, rule.min_score)
                    } else {
                        prep.value(body, rule.min_score)
                    };
                    match r {
                        Err(u) => {
                            verdict = Err(u);
                            break;
                        }
                        Ok(None) => {}
                        Ok(Some(v)) => {
                            let sample = tempo_sample(prep, body, rule.min_score, v);
                            let speed = tempo_speed(&mut f.history[k], t, sample);
                            let v_shown = if matches!(rule.kind, RuleKind::Tempo { .. }) {
                                speed
                            } else {
                                v
                            };
                            let j = judge(rule, v, speed);
                            value = Some(value.map_or(v_shown, |old: f32| old.max(v_shown)));
                            verdict = Ok(Some(match verdict {
                                Ok(Some(Verdict::Fault)) => Verdict::Fault,
                                Ok(Some(Verdict::Marginal)) if j == Verdict::Clear => {
                                    Verdict::Marginal
                                }
                                _ => j,
                            }));
                        }
                    }
                }
                match verdict {
                    Err(_) => {
                        close(f, t, &rule.id, events);
                        RuleState::Unseen
                    }
                    Ok(None) => fsm_state(f.fsm),
                    Ok(Some(v)) => {
                        // A tempo verdict is already a regression over several
                        // frames, which is what the dwell is for elsewhere.
                        let dwell = if matches!(rule.kind, RuleKind::Tempo { .. }) {
                            0.0
                        } else {
                            rule.dwell_s.unwrap_or(DWELL_S)
                        };
                        advance(f, v, t, dwell, &rule.id, &rule.cue, side, events)
                    }
                }
            } else {
                close(f, t, &rule.id, events);
                f.history = [Vec::new(), Vec::new()];
                RuleState::Inactive
            };
            statuses.push(RuleStatus {
                id: rule.id.clone(),
                state,
                value,
                joints: f.joints.clone(),
            });
        }
    }

    fn step_form_unseen(
        &mut self,
        t: f64,
        statuses: &mut Vec<RuleStatus>,
        events: &mut Vec<Event>,
    ) {
        for f in &mut self.form {
            let rule = &self.exercise.rules[f.index];
            close(f, t, &rule.id, events);
            statuses.push(RuleStatus {
                id: rule.id.clone(),
                state: RuleState::Unseen,
                value: None,
                joints: f.joints.clone(),
            });
        }
    }

    fn pick_cue(
        &self,
        statuses: &[RuleStatus],
        placement: Option<&String>,
        side: Option<Side>,
    ) -> Option<Cue> {
        let rule_of = |id: &str| self.exercise.rule(id);
        let warning = self
            .form
            .iter()
            .zip(statuses)
            .filter(|(_, s)| s.state == RuleState::Warning)
            .min_by(|(fa, sa), (fb, sb)| {
                let pa = rule_of(&sa.id).map_or(u32::MAX, |r| r.priority);
                let pb = rule_of(&sb.id).map_or(u32::MAX, |r| r.priority);
                pa.cmp(&pb).then(fa.started.total_cmp(&fb.started))
            });
        if let Some((_, s)) = warning {
            return Some(Cue {
                rule: s.id.clone(),
                message: rule_of(&s.id).map(|r| r.cue.clone()).unwrap_or_default(),
                side,
                severity: Severity::Warning,
            });
        }
        if let Some(p) = placement {
            return Some(Cue {
                rule: "placement".to_owned(),
                message: p.clone(),
                side: None,
                severity: Severity::Info,
            });
        }
        // A rule that can't see its joints says so instead of warning.
        let body_missing = statuses.iter().find(|s| s.state == RuleState::Unseen)?;
        let rule = rule_of(&body_missing.id)?;
        let point = rule.kind.points().into_iter().next()?;
        Some(Cue {
            rule: rule.id.clone(),
            message: super::geometry::Unseen(point).message(),
            side: None,
            severity: Severity::Info,
        })
    }
}

/// The signal a form rule measures (a `still` rule measures its group's displacement).
fn form_signal(kind: &RuleKind) -> Signal {
    match kind {
        RuleKind::Still { points, .. } => Signal {
            measure: Measure::Displacement,
            points: points.clone(),
            span_torso: 0.8,
            span_baseline: false,
        },
        RuleKind::Angle { signal, .. }
        | RuleKind::Distance { signal, .. }
        | RuleKind::Level { signal, .. }
        | RuleKind::NotBeyondBaseline { signal, .. }
        | RuleKind::Tempo { signal, .. } => signal.clone(),
        RuleKind::Rep(p) | RuleKind::Hold(p) => p.signal.clone().unwrap_or(Signal {
            measure: Measure::Displacement,
            points: Vec::new(),
            span_torso: 0.8,
            span_baseline: false,
        }),
    }
}

fn joints_of(points: &[PointRef]) -> Vec<Joint> {
    let mut out: Vec<Joint> = points.iter().flat_map(|p| p.joints()).collect();
    out.sort();
    out.dedup();
    out
}

fn hold_event(
    ex: &Exercise,
    p: &ProgressRule,
    i: usize,
    s: &SideProgress,
    t: f64,
) -> Option<Event> {
    (p.progress.hold_s > 0.0).then(|| Event::Hold {
        rule: ex.rules[p.index].id.clone(),
        side: p.side_of(i),
        start_s: s.since,
        end_s: t,
        target_s: p.progress.hold_s,
        held_s: t - s.since,
        in_form_s: s.in_form_s,
        peak: p.progress.signal.as_ref().and(s.peak),
    })
}

/// What a tempo rule tracks over time: where a `displacement` group is (in torso
/// lengths, so its speed is how fast the group moves, whatever the direction),
/// otherwise the signal's value.
fn tempo_sample(prep: &Prepared, body: &Body, min_score: f32, v: f32) -> Vec3 {
    if prep.signal.measure == Measure::Displacement && prep.ctx.torso_len > 0.0 {
        let mut buf = [[0.0; 3]; super::rules::MAX_POINTS];
        if let Ok(n) = prep.locate(body, min_score, &mut buf) {
            let c = super::geometry::centroid(&buf[..n]);
            let k = prep.ctx.torso_len;
            return [c[0] / k, c[1] / k, c[2] / k];
        }
    }
    [v, 0.0, 0.0]
}

/// Speed of a tracked sample: the length of its least-squares velocity over the
/// last [`TEMPO_WINDOW_S`]. A two-point difference over a short span turns
/// keypoint jitter into speed (2 px of jitter over 0.1 s on a short limb reads as
/// tens of degrees per second); a regression over a few frames averages it out
/// while a rushed move still shows most of its speed.
fn tempo_speed(history: &mut Vec<(f64, Vec3)>, t: f64, sample: Vec3) -> f32 {
    history.retain(|(ht, _)| t - ht < TEMPO_WINDOW_S + 1e-6 && *ht < t);
    history.push((t, sample));
    let span = history.first().map_or(0.0, |(t0, _)| t - t0);
    if history.len() < 3 || span < 0.5 * TEMPO_WINDOW_S {
        return 0.0;
    }
    let n = history.len() as f64;
    let mt = history.iter().map(|(ht, _)| ht).sum::<f64>() / n;
    let var: f64 = history.iter().map(|(ht, _)| (ht - mt) * (ht - mt)).sum();
    if var <= f64::EPSILON {
        return 0.0;
    }
    let mut speed2 = 0.0;
    for axis in 0..3 {
        let mv = history.iter().map(|(_, p)| f64::from(p[axis])).sum::<f64>() / n;
        let cov: f64 = history
            .iter()
            .map(|(ht, p)| (ht - mt) * (f64::from(p[axis]) - mv))
            .sum();
        speed2 += (cov / var) * (cov / var);
    }
    speed2.sqrt() as f32
}

fn fsm_state(f: Fsm) -> RuleState {
    match f {
        Fsm::Idle | Fsm::Cooling { .. } => RuleState::Ok,
        Fsm::Pending { .. } => RuleState::Pending,
        Fsm::Active | Fsm::Clearing { .. } => RuleState::Warning,
    }
}

fn close(f: &mut FormRule, t: f64, id: &str, events: &mut Vec<Event>) {
    match f.fsm {
        Fsm::Active => events.push(Event::WarningEnd {
            t_s: t,
            rule: id.to_owned(),
        }),
        Fsm::Clearing { since } => events.push(Event::WarningEnd {
            t_s: since,
            rule: id.to_owned(),
        }),
        _ => {}
    }
    f.fsm = Fsm::Idle;
}

/// Dwell, hysteresis and cooldown for one form rule.
#[allow(clippy::too_many_arguments)] // one rule's whole state step
fn advance(
    f: &mut FormRule,
    v: Verdict,
    t: f64,
    dwell: f64,
    id: &str,
    cue: &str,
    side: Option<Side>,
    events: &mut Vec<Event>,
) -> RuleState {
    let start = |reopened: bool, events: &mut Vec<Event>| {
        events.push(Event::WarningStart {
            t_s: t,
            rule: id.to_owned(),
            message: cue.to_owned(),
            side,
            reopened,
        });
    };
    f.fsm = match (f.fsm, v) {
        (Fsm::Idle, Verdict::Fault) => {
            if dwell <= 0.0 {
                start(false, events);
                f.started = t;
                Fsm::Active
            } else {
                Fsm::Pending { since: t }
            }
        }
        (Fsm::Pending { since }, Verdict::Fault) => {
            if t - since >= dwell - 1e-9 {
                start(false, events);
                f.started = t;
                Fsm::Active
            } else {
                Fsm::Pending { since }
            }
        }
        (Fsm::Pending { .. } | Fsm::Idle, _) => Fsm::Idle,
        (Fsm::Active, Verdict::Clear) => Fsm::Clearing { since: t },
        (Fsm::Clearing { .. }, Verdict::Fault | Verdict::Marginal) | (Fsm::Active, _) => {
            Fsm::Active
        }
        (Fsm::Clearing { since }, Verdict::Clear) => {
            if t - since >= CLEAR_S - 1e-9 {
                events.push(Event::WarningEnd {
                    t_s: since,
                    rule: id.to_owned(),
                });
                Fsm::Cooling { ended: since }
            } else {
                Fsm::Clearing { since }
            }
        }
        (Fsm::Cooling { ended }, Verdict::Fault) => {
            if t - ended <= COOLDOWN_S {
                start(true, events);
                Fsm::Active
            } else {
                Fsm::Pending { since: t }
            }
        }
        (Fsm::Cooling { ended }, _) => {
            if t - ended > COOLDOWN_S {
                Fsm::Idle
            } else {
                Fsm::Cooling { ended }
            }
        }
    };
    fsm_state(f.fsm)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
pub(crate) mod tests {
    use super::*;
    use crate::coach::Catalogue;
    use crate::pose::{Keypoint, Person, WorldPoint};

    /// Side view of someone on all fours facing right; torso = 200 px.
    pub(crate) fn all_fours() -> Vec<(Joint, [f32; 2])> {
        let near = [
            ("shoulder", [400.0, 300.0]),
            ("hip", [200.0, 300.0]),
            ("knee", [200.0, 420.0]),
            ("ankle", [80.0, 420.0]),
            ("elbow", [400.0, 360.0]),
            ("wrist", [400.0, 420.0]),
            ("ear", [450.0, 290.0]),
            ("eye", [465.0, 282.0]),
        ];
        let mut out = Vec::new();
        for (name, p) in near {
            for side in ["left", "right"] {
                let j = Joint::from_name(&format!("{side}_{name}")).unwrap();
                out.push((j, p));
            }
        }
        out.push((Joint::Nose, [475.0, 295.0]));
        out
    }

    pub(crate) fn frame(t: f64, pts: &[(Joint, [f32; 2])], hidden: &[Joint]) -> PoseFrame {
        PoseFrame {
            image: None,
            t: Some(t),
            width: 640,
            height: 480,
            model: "synthetic".into(),
            inference_ms: 0.0,
            people: vec![Person {
                score: 0.9,
                keypoints: pts
                    .iter()
                    .map(|(j, p)| Keypoint {
                        joint: *j,
                        x: p[0],
                        y: p[1],
                        score: if hidden.contains(j) { 0.05 } else { 0.9 },
                    })
                    .collect(),
                world: None,
            }],
            others_present: 0,
        }
    }

    fn shift(pts: &mut [(Joint, [f32; 2])], joints: &[Joint], dx: f32, dy: f32) {
        for (j, p) in pts.iter_mut() {
            if joints.contains(j) {
                p[0] += dx;
                p[1] += dy;
            }
        }
    }

    fn exercise(id: &str) -> Exercise {
        let (cat, errors) = Catalogue::builtin();
        assert!(errors.is_empty(), "{errors:?}");
        cat.get(id).unwrap().clone()
    }

    const FPS: f64 = 30.0;

    /// Runs `pose_at(t)` through a coach at 30 fps for `secs`.
    fn run(
        ex: &Exercise,
        secs: f64,
        mut pose_at: impl FnMut(f64) -> (Vec<(Joint, [f32; 2])>, Vec<Joint>),
    ) -> Vec<Feedback> {
        let mut coach = Coach::new(ex);
        (0..(secs * FPS) as usize)
            .map(|i| {
                let t = i as f64 / FPS;
                let (pts, hidden) = pose_at(t);
                coach.step(&frame(t, &pts, &hidden))
            })
            .collect()
    }

    fn warnings(fb: &[Feedback]) -> Vec<(String, f64)> {
        fb.iter()
            .flat_map(|f| &f.events)
            .filter_map(|e| match e {
                Event::WarningStart {
                    t_s,
                    rule,
                    reopened: false,
                    ..
                } => Some((rule.clone(), *t_s)),
                _ => None,
            })
            .collect()
    }

    const HIPS: [Joint; 2] = [Joint::LeftHip, Joint::RightHip];

    #[test]
    fn drifting_hips_raise_hips_still_after_the_dwell_and_clear_after() {
        let ex = exercise("thread-the-needle");
        let fb = run(&ex, 7.0, |t| {
            let mut p = all_fours();
            if (3.0..5.0).contains(&t) {
                shift(&mut p, &HIPS, -60.0, 0.0); // 0.3 torso
            }
            (p, vec![])
        });
        let w = warnings(&fb);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].0, "hips-still");
        assert!(w[0].1 >= 3.0 + DWELL_S - 0.01 && w[0].1 <= 3.3, "{w:?}");
        let end = fb.iter().flat_map(|f| &f.events).find_map(|e| match e {
            Event::WarningEnd { t_s, .. } => Some(*t_s),
            _ => None,
        });
        assert!(end.is_some_and(|e| (5.0..5.3).contains(&e)), "{end:?}");
        let during = &fb[(4.0 * FPS) as usize];
        assert_eq!(
            during.cue.as_ref().map(|c| c.rule.as_str()),
            Some("hips-still")
        );
        assert!(
            fb.last()
                .is_some_and(|f| f.cue.is_none() && !f.warning_active)
        );
    }

    /// BlazePose's world points are centred on the hips, so hips that drift
    /// as a whole only move in the picture: `hips-still` must still see it.
    #[test]
    fn drifting_hips_are_seen_with_hip_centred_world_points() {
        let ex = exercise("thread-the-needle");
        let mut coach = Coach::new(&ex);
        let fb: Vec<Feedback> = (0..(7.0 * FPS) as usize)
            .map(|i| {
                let t = i as f64 / FPS;
                let mut pts = all_fours();
                if (3.0..5.0).contains(&t) {
                    shift(&mut pts, &HIPS, -60.0, 0.0); // 0.3 torso in the picture
                }
                let mut f = frame(t, &pts, &[]);
                // World: the still pose, hip-centred, in metres (200 px = 0.5 m).
                let still = all_fours();
                let hip = [200.0_f32, 300.0];
                f.people[0].world = Some(
                    still
                        .iter()
                        .map(|(j, p)| WorldPoint {
                            joint: *j,
                            x: (p[0] - hip[0]) / 400.0,
                            y: (p[1] - hip[1]) / 400.0,
                            z: 0.0,
                        })
                        .collect(),
                );
                coach.step(&f)
            })
            .collect();
        let w = warnings(&fb);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].0, "hips-still");
        assert!(w[0].1 >= 3.0 && w[0].1 <= 3.3, "{w:?}");
    }

    #[test]
    fn faults_while_getting_into_position_are_not_warned() {
        let ex = exercise("thread-the-needle");
        let fb = run(&ex, 3.0, |t| {
            let mut p = all_fours();
            // Shuffling around for the first second and a half.
            shift(&mut p, &HIPS, (t * 40.0).sin() as f32 * 60.0, 0.0);
            if t > 1.5 {
                p = all_fours();
            }
            (p, vec![])
        });
        assert!(warnings(&fb).is_empty());
        assert!(fb[20].phase == Phase::Setup && fb[20].cue.is_some());
        assert_eq!(fb.last().map(|f| f.phase), Some(Phase::Rest));
    }

    #[test]
    fn threads_are_counted_per_side() {
        let ex = exercise("thread-the-needle");
        // After settling: left threads start at 2, 4, 6 s; right threads at 8, 10 s.
        let fb = run(&ex, 12.0, |t| {
            let mut p = all_fours();
            let k = ((t - 2.0) / 2.0).floor();
            let phase = (t - 2.0) - k * 2.0;
            if t >= 2.0 && phase < 1.0 {
                let drop = 0.5 * 200.0 * (phase * std::f64::consts::PI).sin() as f32;
                let (down, up) = if k < 3.0 {
                    (Joint::LeftShoulder, Joint::RightShoulder)
                } else {
                    (Joint::RightShoulder, Joint::LeftShoulder)
                };
                shift(&mut p, &[down], 0.0, drop);
                shift(&mut p, &[up], 0.0, -drop);
            }
            (p, vec![])
        });
        let reps = fb.last().map(|f| f.reps).unwrap_or_default();
        assert_eq!((reps.left, reps.right), (3, 2));
        assert!(warnings(&fb).is_empty(), "{:?}", warnings(&fb));
    }

    #[test]
    fn unseen_hips_say_so_instead_of_warning() {
        let ex = exercise("thread-the-needle");
        let fb = run(&ex, 5.0, |t| {
            let mut p = all_fours();
            let hidden = if (2.5..4.0).contains(&t) {
                shift(&mut p, &HIPS, -80.0, 0.0);
                HIPS.to_vec()
            } else {
                vec![]
            };
            (p, hidden)
        });
        assert!(warnings(&fb).is_empty());
        let f = &fb[(3.0 * FPS) as usize];
        assert!(!f.observable);
        assert_eq!(
            f.cue.as_ref().map(|c| c.message.as_str()),
            Some("I can't see your hips")
        );
        let hips = f
            .rules
            .iter()
            .find(|r| r.id == "hips-still")
            .map(|r| r.state);
        assert_eq!(hips, Some(RuleState::Unseen));
    }

    #[test]
    fn front_view_names_the_missing_side() {
        let ex = exercise("breathing-360");
        let mut coach = Coach::new(&ex);
        let pts = vec![
            (Joint::LeftShoulder, [380.0, 200.0]),
            (Joint::RightShoulder, [260.0, 200.0]),
            (Joint::LeftHip, [350.0, 380.0]),
            (Joint::RightHip, [290.0, 380.0]),
            (Joint::LeftEar, [340.0, 120.0]),
            (Joint::RightEar, [300.0, 120.0]),
        ];
        let f = coach.step(&frame(0.0, &pts, &[Joint::LeftShoulder]));
        assert_eq!(
            f.cue.map(|c| c.message),
            Some("I can't see your left shoulder".to_owned())
        );
    }

    #[test]
    fn every_builtin_exercise_runs_on_any_pose() {
        let (cat, _) = Catalogue::builtin();
        for ex in cat.iter() {
            let fb = run(ex, 3.0, |t| {
                let mut p = all_fours();
                shift(
                    &mut p,
                    &[Joint::LeftWrist],
                    0.0,
                    (t * 3.0).sin() as f32 * 50.0,
                );
                (p, vec![])
            });
            assert_eq!(fb.len(), 90, "{}", ex.id);
        }
    }

    #[test]
    fn verdicts_do_not_depend_on_body_size() {
        let ex = exercise("thread-the-needle");
        let track = |scale: f32, dx: f32| {
            run(&ex, 6.0, move |t| {
                let mut p = all_fours();
                if (3.0..4.5).contains(&t) {
                    shift(&mut p, &HIPS, -40.0, 0.0);
                }
                for (_, q) in &mut p {
                    q[0] = q[0] * scale + dx;
                    q[1] *= scale;
                }
                (p, vec![])
            })
        };
        let base = warnings(&track(1.0, 0.0));
        assert_eq!(base.len(), 1);
        for (s, dx) in [(0.4, 30.0), (2.5, -300.0)] {
            assert_eq!(warnings(&track(s, dx)), base, "scale {s}");
        }
    }
}
