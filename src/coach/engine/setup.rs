//! Setup: wait for the start position, then capture the baseline.

use super::feedback::Side;
use super::feedback::{Event, Phase};
use super::form::form_signal;
use super::progress::SideProgress;
use super::warning::Warning;
use super::{
    CONFIRM_S, Coach, MAX_BASELINE_S, MIN_SETTLE_S, REFINE_TOLERANCE_TORSO, SETTLE_S,
    SETTLE_TOLERANCE_TORSO, joints_of,
};
use crate::coach::exercise::{DEFAULT_MIN_SCORE, RuleKind, Signal, Space, View};
use crate::coach::geometry::{BackCurve, Body, Measure, PointRef, Vec3, joint_side};
use crate::coach::rules::Prepared;

#[derive(Debug, Clone)]
pub(super) struct SetupState {
    pub(super) window_start: Option<f64>,
    pub(super) anchors: Vec<Vec3>,
    pub(super) sum: Box<PointSums>,
    /// The same in frame pixels, when the points are world metres.
    pub(super) image_sum: Box<PointSums>,
    pub(super) frames: u32,
    /// Frames that saw the left or the right side nearer the camera.
    pub(super) near_votes: [u32; 2],
    /// Time of the last frame added.
    pub(super) last_t: f64,
    /// A still stretch that ended in movement, and when it ended: the
    /// baseline if the movement goes on (the exercise has begun) rather
    /// than settling into a new still stretch (a shuffle into place).
    pub(super) candidate: Option<(Box<SetupState>, f64)>,
    /// The back's curve summed over the frames that saw it confidently
    /// (thoracic, lumbar, confidence) and how many did.
    pub(super) spine_sum: ([f64; 3], u32),
    /// Coaching has begun from this window's average and the person has not
    /// moved since: each still frame still goes into the average. Holds
    /// where every point of every rule was when coaching began.
    pub(super) refining: Option<Vec<Vec3>>,
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
    pub(super) fn new() -> SetupState {
        SetupState {
            window_start: None,
            anchors: Vec::new(),
            sum: Box::new(NO_SUMS),
            image_sum: Box::new(NO_SUMS),
            frames: 0,
            near_votes: [0; 2],
            spine_sum: ([0.0; 3], 0),
            last_t: 0.0,
            candidate: None,
            refining: None,
        }
    }
    pub(super) fn restart(&mut self, t: f64, anchors: Vec<Vec3>) {
        self.window_start = Some(t);
        self.anchors = anchors;
        *self.sum = NO_SUMS;
        *self.image_sum = NO_SUMS;
        self.frames = 0;
        self.near_votes = [0; 2];
        self.spine_sum = ([0.0; 3], 0);
    }
    pub(super) fn add(&mut self, body: &Body, near: Option<Side>) {
        self.frames += 1;
        match near {
            Some(Side::Left) => self.near_votes[0] += 1,
            Some(Side::Right) => self.near_votes[1] += 1,
            None => {}
        }
        accumulate(&mut self.sum, body);
        if let Ok(back) = body.back() {
            let (sum, n) = &mut self.spine_sum;
            sum[0] += f64::from(back.thoracic_deg);
            sum[1] += f64::from(back.lumbar_deg);
            sum[2] += f64::from(back.confidence);
            *n += 1;
        }
        if let Some(image) = body.image() {
            accumulate(&mut self.image_sum, image);
        }
    }
    /// The side nearer the camera over the window, when most frames agree.
    pub(super) fn near(&self) -> Option<Side> {
        let [l, r] = self.near_votes;
        if l * 10 >= self.frames * 7 {
            Some(Side::Left)
        } else if r * 10 >= self.frames * 7 {
            Some(Side::Right)
        } else {
            None
        }
    }

    /// The average body over the window; joints seen in under half the frames count
    /// as unseen at baseline (they fill in later).
    pub(super) fn mean(&self, is_3d: bool, mid_fallback: bool) -> Body {
        let image = is_3d.then(|| {
            Body::from_points(
                mean_points(&self.image_sum, self.frames),
                false,
                mid_fallback,
            )
        });
        // Like a joint, the back's curve is part of the baseline when at
        // least half the window saw it.
        let (sum, n) = self.spine_sum;
        let spine = (n > 0 && n * 2 >= self.frames).then(|| {
            let k = f64::from(n);
            BackCurve {
                thoracic_deg: (sum[0] / k) as f32,
                lumbar_deg: (sum[1] / k) as f32,
                confidence: (sum[2] / k) as f32,
            }
        });
        Body::from_points(mean_points(&self.sum, self.frames), is_3d, mid_fallback)
            .with_image(image)
            .with_spine(spine)
    }
}

impl Coach {
    /// Setup: wait for stillness, then capture the baseline. Returns progress 0..1.
    pub(super) fn settle(&mut self, body: &Body, t: f64, events: &mut Vec<Event>) -> f32 {
        let Ok(torso) = body.torso_len(DEFAULT_MIN_SCORE) else {
            self.setup.window_start = None;
            self.setup.candidate = None;
            return 0.0;
        };
        // Still means the trunk, and whatever form rules will compare with
        // the baseline, are still: people settle their body, then start
        // moving head and arms at once, and the position itself is already
        // recognised from the body's geometry.
        let anchors = self.anchors(body);
        let moved = self.moved(&anchors, torso);
        // Not settled while already in position (absolute thresholds), e.g. arms still up.
        let in_position = self.progress.iter().any(|p| {
            p.progress.signal.as_ref().is_some_and(|s| {
                !p.progress.baseline && {
                    let mut prep = Prepared::new(s, body, torso, self.exercise.rules[p.index].min_score);
                    matches!(prep.value(body, self.exercise.rules[p.index].min_score), Ok(Some(v)) if p.progress.entered(v))
                }
            })
        });
        // People often start moving within a second of getting into
        // position: a still stretch of at least MIN_SETTLE_S that ends in
        // movement is kept, and becomes the baseline if the movement goes on
        // (the points keep moving) for CONFIRM_S.
        let held_s = self
            .setup
            .window_start
            .map_or(0.0, |s| self.setup.last_t - s);
        if moved && !in_position && self.setup.frames > 0 && held_s >= MIN_SETTLE_S {
            let mut kept = self.setup.clone();
            kept.candidate = None;
            self.setup.candidate = Some((Box::new(kept), t));
        }
        if moved || in_position {
            self.setup.restart(t, anchors);
        }
        if let Some((kept, cut)) = self.setup.candidate.take() {
            // Still again since the cut: it was a shuffle (or a glitch),
            // and the new still stretch will make the baseline instead.
            let still_again = self.setup.window_start.is_some_and(|s| s <= cut);
            if t - cut >= CONFIRM_S && !still_again && !in_position {
                let near = kept.near();
                let baseline = kept.mean(body.is_3d, self.mid_fallback);
                self.finish_setup_with(&baseline, near, torso, t, events);
                return 1.0;
            }
            if t - cut < CONFIRM_S {
                self.setup.candidate = Some((kept, cut));
            }
        }
        self.setup.add(body, self.start.last.and_then(|r| r.near));
        self.setup.last_t = t;
        let start = self.setup.window_start.unwrap_or(t);
        let progress = ((t - start) / SETTLE_S).clamp(0.0, 1.0) as f32;
        if t - start >= SETTLE_S && !in_position {
            self.finish_setup(body, torso, t, events);
            return 1.0;
        }
        progress
    }

    /// Where the settle points are in this frame.
    fn anchors(&self, body: &Body) -> Vec<Vec3> {
        locate_all(&self.settle_points(), body)
    }

    /// Whether `anchors` left the still window's (or there is none).
    fn moved(&self, anchors: &[Vec3], torso: f32) -> bool {
        self.setup.window_start.is_none()
            || apart(anchors, &self.setup.anchors, SETTLE_TOLERANCE_TORSO * torso)
    }

    /// Where every point of every rule is in this frame: the exercise's own
    /// movement too, which must end the baseline's averaging. Frame pixels
    /// when there are some: BlazePose's depth guess wanders on a body at
    /// rest, the picture much less.
    fn all_anchors(&self, body: &Body) -> Vec<Vec3> {
        let mut points = self.settle_points();
        for rule in &self.exercise.rules {
            for p in rule.kind.points() {
                if !points.contains(&p) {
                    points.push(p);
                }
            }
        }
        locate_all(&points, body.image().unwrap_or(body))
    }

    /// While coaching, adds a frame to the baseline as long as the person has
    /// not moved from the still window it came from (up to
    /// [`MAX_BASELINE_S`]); the first movement ends it for good.
    pub(super) fn refine_baseline(&mut self, body: &Body, t: f64) {
        // The frame that finished setup is in the average already.
        let Some(start) = self
            .setup
            .refining
            .as_ref()
            .filter(|_| t > self.setup.last_t)
        else {
            return;
        };
        let too_long = self
            .setup
            .window_start
            .is_none_or(|s| t - s > MAX_BASELINE_S);
        let seen = body.image().unwrap_or(body);
        let torso = seen.torso_len(DEFAULT_MIN_SCORE).unwrap_or(0.0);
        if too_long
            || apart(
                &self.all_anchors(body),
                start,
                REFINE_TOLERANCE_TORSO * torso,
            )
        {
            self.setup.refining = None;
            return;
        }
        self.setup.add(body, self.start.last.and_then(|r| r.near));
        self.setup.last_t = t;
        let baseline = self.setup.mean(body.is_3d, self.mid_fallback);
        self.prepare_rules(&baseline, self.torso_len);
    }

    /// Takes the baseline from the still window and starts coaching.
    fn finish_setup(&mut self, body: &Body, torso: f32, t: f64, events: &mut Vec<Event>) {
        let near = self.setup.near();
        let baseline = self.setup.mean(body.is_3d, self.mid_fallback);
        self.finish_setup_with(&baseline, near, torso, t, events);
        // Still now: the average goes on until anything moves.
        self.setup.refining = Some(self.all_anchors(body));
    }

    /// Starts coaching from `baseline`.
    fn finish_setup_with(
        &mut self,
        baseline: &Body,
        near: Option<Side>,
        torso: f32,
        t: f64,
        events: &mut Vec<Event>,
    ) {
        {
            self.setup.candidate = None;
            self.setup.refining = None;
            // Side-on, the far limbs hide behind the near ones: rules that
            // name both sides are judged on the side the camera sees.
            self.near = match self.exercise.view {
                View::Side | View::Either => near,
                View::Front => None,
            };
            self.capture_baseline(baseline, torso);
            self.phase = Phase::Rest;
            events.push(Event::Baseline {
                t_s: t,
                torso_len: self.torso_len,
            });
            events.push(Event::Phase {
                t_s: t,
                phase: Phase::Rest,
            });
        }
    }

    /// The points that must hold still before the baseline is taken: the
    /// trunk and the points of the form rules measured against the baseline
    /// (not those of reps and holds, which are the exercise's movement).
    /// A joint of a pair stands in as the pair's midpoint (the body settling
    /// moves both, while a far joint's guessed position wanders alone: a
    /// hidden wrist's world depth, by a fifth of a torso at rest), except
    /// where the rule watches the pair's relation (roll, yaw, turn) or the
    /// joints' own places (`still`).
    fn settle_points(&self) -> Vec<PointRef> {
        let mut points = vec![PointRef::MID_SHOULDER, PointRef::MID_HIP];
        for f in &self.form {
            let rule = &self.exercise.rules[f.index];
            if crate::coach::rules::uses_baseline(&rule.kind) {
                // Roll, yaw and turn are the pair's relation itself, and a
                // `still` rule's baseline is where its very joints sit.
                let relation = matches!(rule.kind, RuleKind::Still { .. })
                    || matches!(
                        form_signal(&rule.kind).measure,
                        Measure::Roll | Measure::Yaw | Measure::Turn
                    );
                let stand_in = rule.fallback.iter().flat_map(|f| f.kind.points());
                for p in rule.kind.points().into_iter().chain(stand_in) {
                    let p = match p {
                        PointRef::Joint(j) if !relation => match joint_side(j) {
                            Some(Side::Left) => PointRef::Mid(j),
                            Some(Side::Right) => PointRef::Mid(j.mirrored()),
                            None => p,
                        },
                        _ => p,
                    };
                    if !points.contains(&p) {
                        points.push(p);
                    }
                }
            }
        }
        points
    }

    pub(super) fn capture_baseline(&mut self, baseline: &Body, fallback_torso: f32) {
        self.torso_len = baseline.torso_len(0.0).unwrap_or(fallback_torso);
        // A rule reading the back's curve keeps to its stand-in for this
        // baseline when the start position showed no curve (a front view,
        // a pose without a mask): switching measures mid-rep would mix two
        // scales. Without a stand-in the rule says it can't see the back.
        let stand_in = |rule: &crate::coach::exercise::Rule| {
            rule.fallback.is_some() && baseline.back().is_err()
        };
        for f in &mut self.form {
            f.fallback = stand_in(&self.exercise.rules[f.index]);
        }
        for p in &mut self.progress {
            let rule = &self.exercise.rules[p.index];
            p.fallback = stand_in(rule);
            if let Some(progress) = rule.active(p.fallback).kind.progress() {
                p.progress = progress.clone();
            }
        }
        self.prepare_rules(baseline, self.torso_len);
        for f in &mut self.form {
            f.history = [Vec::new(), Vec::new()];
            f.warning = Warning::default();
        }
        for p in &mut self.progress {
            for i in 0..p.sides.len() {
                p.sides[i] = SideProgress::default();
                p.excursions[i].reset();
            }
        }
    }

    /// Fixes every rule's references from `baseline`, leaving what the
    /// rules have seen since (warnings, reps under way) as it is.
    fn prepare_rules(&mut self, baseline: &Body, torso: f32) {
        for f in &mut self.form {
            let rule = self.exercise.rules[f.index].active(f.fallback);
            let mut signal = form_signal(&rule.kind);
            // Whole-body shifts are lost in hip-centred world points: a
            // displacement is measured on the frame pixels, in the torso
            // length seen there, unless the rule says where it measures.
            let in_image = match rule.space {
                Some(Space::Image) => true,
                Some(Space::World) => false,
                None => signal.measure == Measure::Displacement,
            };
            // A group that must stay still (both knees, both hips) is
            // watched on the side the camera sees: the far joint hides behind
            // the near one and its guessed position wanders. Midpoints stay
            // midpoints elsewhere: a turn of the trunk moves the two
            // shoulders oppositely, and only their middle stays put.
            if let Some(near) = self.near
                && matches!(rule.kind, RuleKind::Still { .. })
            {
                signal = signal.on_near_side(near, true);
            }
            f.joints = joints_of(&signal.points);
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
        }
        for p in &mut self.progress {
            let rule = self.exercise.rules[p.index].active(p.fallback);
            let min_score = rule.min_score;
            let in_image = rule.space == Some(Space::Image) && baseline.image().is_some();
            let (space, unit) = match baseline.image() {
                Some(image) if in_image => (image, image.torso_len(0.0).unwrap_or(0.0)),
                _ => (baseline, torso),
            };
            let prepare = |s: &Signal, mirror: bool| {
                let s = if mirror { s.mirrored() } else { s.clone() };

                let mut prep = Prepared::new(&s, space, unit, min_score);
                prep.image_space = in_image;
                prep
            };
            for i in 0..p.sides.len() {
                let mirror = i == 1;
                p.signals[i] = p.progress.signal.as_ref().map(|s| prepare(s, mirror));
                p.gates[i] = p.progress.gate.as_ref().map(|(s, _)| prepare(s, mirror));
            }
        }
    }
}

fn locate_all(points: &[PointRef], body: &Body) -> Vec<Vec3> {
    points
        .iter()
        .filter_map(|p| body.locate(*p, DEFAULT_MIN_SCORE).ok())
        .collect()
}

/// Whether two sets of the same points differ (a point seen in one and not
/// the other, or any point further than `tolerance`).
fn apart(a: &[Vec3], b: &[Vec3], tolerance: f32) -> bool {
    a.len() != b.len()
        || a.iter().zip(b).any(|(a, b)| {
            crate::coach::geometry::norm(crate::coach::geometry::sub(*a, *b)) > tolerance
        })
}
