//! Which position the person is in (on all fours, kneeling, sitting,
//! standing, lying on the back, face down or on one side) and how the camera
//! sees them, read from the body's geometry on every frame.
//!
//! The coach takes its baseline and judges form only while the person is in
//! the exercise's start position, so it must recognise that position rather
//! than assume that the first still moment is it: someone kneeling upright
//! before coming onto their hands, or resting in child's pose, is not ready
//! for cat-cow, and a bird-dog reach is not a tabletop.
//!
//! Each position is a product of soft conditions on the directions of the
//! trunk and limbs against gravity (image "down" is taken as gravity, so the
//! camera should be roughly level). BlazePose's world points give those
//! directions in 3D whatever the camera angle; with image points alone a
//! front view foreshortens the thighs, which is read as well. A condition
//! whose joints are not seen does not count for or against a position.

use serde::{Deserialize, Serialize};

use super::engine::Side;
use super::exercise::Position;
use super::geometry::{mid, norm, sub};
use crate::pose::{Joint, Person};

/// Joints below this score do not take part.
const MIN_SCORE: f32 = 0.2;
/// A position is taken when its smoothed score rises past this...
pub const ENTER_SCORE: f32 = 0.6;
/// ...and left when it falls below this.
pub const EXIT_SCORE: f32 = 0.35;
/// Time constant of the score smoothing: a frame's glitch does not flip the
/// position, a real change shows within a few tenths of a second.
const SMOOTH_S: f64 = 0.25;

/// The position families of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Hands and knees.
    AllFours,
    /// On the knees, not leaning on the hands.
    Kneeling,
    /// On a chair or the floor.
    Sitting,
    /// On the feet.
    Standing,
    /// Lying on the back.
    Supine,
    /// Lying face down.
    Prone,
    /// Lying on one side.
    SideLying,
}

impl Family {
    /// Every family, in a fixed order.
    pub const ALL: [Family; 7] = [
        Family::AllFours,
        Family::Kneeling,
        Family::Sitting,
        Family::Standing,
        Family::Supine,
        Family::Prone,
        Family::SideLying,
    ];

    /// "You're ..." in plain words.
    #[must_use]
    pub fn described(self) -> &'static str {
        match self {
            Family::AllFours => "on your hands and knees",
            Family::Kneeling => "kneeling",
            Family::Sitting => "sitting",
            Family::Standing => "standing",
            Family::Supine => "lying on your back",
            Family::Prone => "lying face down",
            Family::SideLying => "lying on your side",
        }
    }

    /// What to do to get into this position.
    #[must_use]
    pub fn instruction(self) -> &'static str {
        match self {
            Family::AllFours => "come onto your hands and knees",
            Family::Kneeling => "kneel down",
            Family::Sitting => "sit down",
            Family::Standing => "stand up",
            Family::Supine => "lie down on your back",
            Family::Prone => "lie down on your front",
            Family::SideLying => "lie down on your side",
        }
    }
}

/// How one frame's body reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// Score of each family, in [`Family::ALL`] order, each 0..1.
    pub scores: [f32; 7],
    /// How side-on the camera sees the shoulders: 0 facing it, 1 side-on;
    /// `None` when the shoulders are not both seen.
    pub side_on: Option<f32>,
    /// The side nearer the camera, when one clearly is.
    pub near: Option<Side>,
}

impl Reading {
    /// The best-scoring family and its score.
    #[must_use]
    pub fn best(&self) -> (Family, f32) {
        let mut best = (Family::AllFours, -1.0);
        for (f, s) in Family::ALL.iter().zip(self.scores) {
            if s > best.1 {
                best = (*f, s);
            }
        }
        best
    }

    /// The score of one family.
    #[must_use]
    pub fn score(&self, family: Family) -> f32 {
        Family::ALL
            .iter()
            .position(|f| *f == family)
            .map_or(0.0, |i| self.scores[i])
    }

    /// How well the body matches an exercise's start position.
    #[must_use]
    pub fn matches(&self, position: Position) -> f32 {
        let allowed = families(position);
        if allowed.is_empty() {
            return 1.0;
        }
        allowed.iter().map(|f| self.score(*f)).fold(0.0, f32::max)
    }
}

/// The families an exercise's start position allows (empty for `any`).
#[must_use]
pub fn families(position: Position) -> &'static [Family] {
    match position {
        Position::AllFours => &[Family::AllFours],
        Position::Kneeling => &[Family::Kneeling],
        Position::Sitting => &[Family::Sitting],
        Position::Standing => &[Family::Standing],
        Position::StandingOrSitting => &[Family::Standing, Family::Sitting],
        Position::SideLying => &[Family::SideLying],
        Position::Supine => &[Family::Supine],
        Position::Prone => &[Family::Prone],
        Position::Any => &[],
    }
}

/// Points of one body in one space (world metres or image pixels), y down.
struct Points<'a> {
    person: &'a Person,
    world: bool,
}

impl Points<'_> {
    fn get(&self, j: Joint) -> Option<[f32; 3]> {
        let k = self.person.confident(j, MIN_SCORE)?;
        if self.world {
            let w = self.person.world_point(j)?;
            [w.x, w.y, w.z]
                .iter()
                .all(|v| v.is_finite())
                .then_some([w.x, w.y, w.z])
        } else {
            Some([k.x, k.y, 0.0])
        }
    }

    fn mid(&self, l: Joint) -> Option<[f32; 3]> {
        match (self.get(l), self.get(l.mirrored())) {
            (Some(a), Some(b)) => Some(mid(a, b)),
            (a, b) => a.or(b),
        }
    }
}

/// Elevation of the direction from `from` to `to` in degrees: +90 when `to`
/// is straight above `from`, -90 straight below.
fn elevation(from: [f32; 3], to: [f32; 3]) -> Option<f32> {
    let d = [to[0] - from[0], to[1] - from[1], to[2] - from[2]];
    let h = d[0].hypot(d[2]);
    if h <= f32::EPSILON && d[1].abs() <= f32::EPSILON {
        return None;
    }
    Some((-d[1]).atan2(h).to_degrees())
}

fn length(a: [f32; 3], b: [f32; 3]) -> f32 {
    norm(sub(a, b))
}

/// 0 at `zero`, 1 at `one`, linear between (either order).
fn ramp(x: f32, zero: f32, one: f32) -> f32 {
    ((x - zero) / (one - zero)).clamp(0.0, 1.0)
}

/// A condition that cannot be judged counts as met: it neither proves nor
/// rules out a position.
fn or_unknown(v: Option<f32>) -> f32 {
    v.unwrap_or(1.0)
}

fn min_of(a: Option<f32>, b: Option<f32>) -> Option<f32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_of(a: Option<f32>, b: Option<f32>) -> Option<f32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// Both sides of a limb measured with `f`.
fn per_side(f: impl Fn(Joint, Joint) -> Option<f32>, a: Joint, b: Joint) -> [Option<f32>; 2] {
    [f(a, b), f(a.mirrored(), b.mirrored())]
}

/// Reads one frame's body.
#[must_use]
pub fn read(person: &Person) -> Reading {
    let world = person.world.as_ref().is_some_and(|w| !w.is_empty());
    let img = Points {
        person,
        world: false,
    };
    let torso = img
        .mid(Joint::LeftHip)
        .zip(img.mid(Joint::LeftShoulder))
        .map(|(h, s)| length(h, s));
    let side = side_on(person, world, torso);
    let image_scores = scores_in(person, false, world);
    let scores = if world {
        // Side-on, the picture is the body's own plane: the directions of
        // thighs, shins and arms are read there without BlazePose's depth
        // guess, which lags and shortens a limb swinging in that plane (a
        // bird-dog leg read half-lifted while it is straight back). Facing
        // the camera, depth is the very axis the limbs move in, and only the
        // world points have it.
        let world_scores = scores_in(person, true, true);
        let k = side.map_or(0.0, |s| ramp(s, 0.5, 0.8));
        std::array::from_fn(|i| world_scores[i] + k * (image_scores[i] - world_scores[i]))
    } else {
        image_scores
    };
    Reading {
        scores,
        side_on: side,
        near: near_side(person, world),
    }
}

/// Each family's score with the body's points taken in one space; whether
/// one side sits above the other (lying on one side) is a matter of depth
/// in a side view, so it is read in world points whenever there are some.
// One soft condition after another, each named for what it says about the
// body: split up, the conditions would lose sight of each other.
#[allow(
    clippy::similar_names,
    clippy::too_many_lines,
    clippy::many_single_char_names
)]
fn scores_in(person: &Person, world: bool, stack_in_world: bool) -> [f32; 7] {
    let p = Points { person, world };
    let across = Points {
        person,
        world: stack_in_world,
    };
    let img = Points {
        person,
        world: false,
    };
    let trunk = p
        .mid(Joint::LeftHip)
        .zip(p.mid(Joint::LeftShoulder))
        .and_then(|(h, s)| elevation(h, s));
    let torso = img
        .mid(Joint::LeftHip)
        .zip(img.mid(Joint::LeftShoulder))
        .map(|(h, s)| length(h, s));
    let elev = |a: Joint, b: Joint| p.get(a).zip(p.get(b)).and_then(|(x, y)| elevation(x, y));
    // Hip above knee (+90 for a vertical thigh), knee above ankle, shoulder above wrist.
    let thighs = per_side(elev, Joint::LeftKnee, Joint::LeftHip);
    let shins = per_side(elev, Joint::LeftAnkle, Joint::LeftKnee);
    let arms = per_side(elev, Joint::LeftWrist, Joint::LeftShoulder);
    // Image points foreshorten a thigh pointing at the camera: a thigh much
    // shorter than the torso is not vertical, whatever its direction.
    let thigh_short = |side: usize| -> Option<f32> {
        if world {
            return None;
        }
        let (hip, knee) = if side == 0 {
            (Joint::LeftHip, Joint::LeftKnee)
        } else {
            (Joint::RightHip, Joint::RightKnee)
        };
        let len = length(img.get(hip)?, img.get(knee)?);
        Some(ramp(len / torso?, 0.55, 0.3))
    };

    let vertical_thigh =
        |i: usize| thighs[i].map(|e| ramp(e, 35.0, 55.0) * (1.0 - thigh_short(i).unwrap_or(0.0)));
    // World depth is compressed: a seated thigh pointing at the camera
    // reads 30-45 degrees below horizontal in BlazePose's world points.
    let flat_thigh =
        |i: usize| thighs[i].map(|e| ramp(e.abs(), 60.0, 35.0).max(thigh_short(i).unwrap_or(0.0)));
    // A knee on the floor under its hip sits most of a thigh (about 0.85
    // torso lengths) below it; a knee lifted toward a reach, or folded
    // under hips sat back on the heels, rises to half of that or less.
    let body_torso = p
        .mid(Joint::LeftHip)
        .zip(p.mid(Joint::LeftShoulder))
        .map(|(h, s)| length(h, s));
    let knee_drop = |side: usize| -> Option<f32> {
        let (hip, knee) = if side == 0 {
            (Joint::LeftHip, Joint::LeftKnee)
        } else {
            (Joint::RightHip, Joint::RightKnee)
        };
        let (h, k) = (p.get(hip)?, p.get(knee)?);
        let torso = body_torso.filter(|t| *t > f32::EPSILON)?;
        Some(ramp((k[1] - h[1]) / torso, 0.4, 0.55))
    };
    let knee_down = |i: usize| match (vertical_thigh(i), knee_drop(i)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let knees_down = min_of(knee_down(0), knee_down(1));
    let thighs_flat = max_of(flat_thigh(0), flat_thigh(1));
    let shin_flat = |e: Option<f32>| e.map(|e| ramp(e.abs(), 45.0, 25.0));
    let shins_flat = max_of(shin_flat(shins[0]), shin_flat(shins[1]));
    let shin_up = |e: Option<f32>| e.map(|e| ramp(e, 55.0, 70.0));
    let shins_up = min_of(shin_up(shins[0]), shin_up(shins[1]));
    let legs_straight_up = min_of(
        thighs[0].map(|e| ramp(e, 60.0, 75.0)),
        thighs[1].map(|e| ramp(e, 60.0, 75.0)),
    );
    let support = |e: Option<f32>| e.map(|e| ramp(e, 35.0, 55.0));
    let arm_support = max_of(support(arms[0]), support(arms[1]));

    // Face up or down, from the ears to the nose.
    let face = p
        .mid(Joint::LeftEar)
        .zip(p.get(Joint::Nose))
        .and_then(|(e, n)| elevation(e, n));
    // Shoulders or hips one above the other: lying on one side.
    // A pair one above the other by a good part of its width (about 0.8
    // torso lengths for the shoulders): a hair's breadth apart in the
    // picture, as a far shoulder right behind the near one is, says nothing.
    let across_torso = across
        .mid(Joint::LeftHip)
        .zip(across.mid(Joint::LeftShoulder))
        .map(|(h, s)| length(h, s));
    let stack = |l: Joint| {
        let (a, b) = across.get(l).zip(across.get(l.mirrored()))?;
        let torso = across_torso.filter(|t| *t > f32::EPSILON)?;
        let e = elevation(a, b)?;
        Some(ramp(e.abs(), 35.0, 60.0) * ramp((a[1] - b[1]).abs() / torso, 0.15, 0.3))
    };
    let stacked = max_of(stack(Joint::LeftShoulder), stack(Joint::LeftHip));

    let t = |v: Option<f32>| or_unknown(v);
    let level = trunk.map(|e| ramp(e.abs(), 55.0, 35.0));
    let lying = trunk.map(|e| ramp(e.abs(), 40.0, 25.0));
    let all_fours = t(level) * t(knees_down) * t(shins_flat) * t(arm_support);
    // On the knees with the trunk upright (arms anywhere), or leaning
    // forward without the hands on the floor (elbows on a bench).
    let upright = trunk.map(|e| ramp(e, 40.0, 60.0));
    let leaning = trunk.map(|e| ramp(e, -20.0, 0.0) * (1.0 - arm_support.unwrap_or(0.0)));
    let kneeling = t(knees_down) * t(shins_flat) * t(max_of(upright, leaning));
    // Standing is told by the legs alone: bending forward is still standing.
    let standing = t(legs_straight_up) * t(shins_up);
    // Sitting: thighs level, and either an upright trunk (on a chair or the
    // floor) or hips held up over the feet by upright shins (on a chair,
    // leaning forward to reach the floor). Lying on the back with the knees
    // up has level-ish thighs too, but neither.
    let hips_up = p
        .mid(Joint::LeftHip)
        .zip(p.mid(Joint::LeftAnkle))
        .zip(body_torso.filter(|t| *t > f32::EPSILON))
        .map(|((h, a), torso)| ramp((a[1] - h[1]) / torso, 0.3, 0.6));
    let seat = match (trunk.map(|e| ramp(e, 35.0, 55.0)), hips_up.zip(shins_up)) {
        (Some(u), Some((h, s))) => Some(u.max(h * s)),
        (u, hs) => u.or(hs.map(|(h, s)| h * s)),
    };
    let sitting = t(seat) * t(thighs_flat);
    let lying_base = t(lying) * (1.0 - knees_down.unwrap_or(0.0));
    let face_up = face.map(|e| ramp(e, -10.0, 25.0));
    // On one side the top arm rests on the floor in front, below its
    // shoulder: that is not leaning on the hands.
    let side_lying = lying_base * t(stacked);
    let flat_lying =
        lying_base * (1.0 - arm_support.unwrap_or(0.0)) * (1.0 - stacked.unwrap_or(0.0));
    let supine = flat_lying * t(face_up);
    let prone = flat_lying * t(face_up.map(|u| 1.0 - u));

    if trunk.is_some() {
        [
            all_fours, kneeling, sitting, standing, supine, prone, side_lying,
        ]
    } else if head_over_shoulders(&img) {
        // Head-and-shoulders framing (a webcam at a desk): upright, but
        // sitting and standing cannot be told apart, so neither is ruled out.
        [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    } else {
        [0.0; 7]
    }
}

/// The nose well above the shoulders' midpoint, in the picture.
fn head_over_shoulders(img: &Points<'_>) -> bool {
    let (Some(nose), Some(ls), Some(rs)) = (
        img.get(Joint::Nose),
        img.get(Joint::LeftShoulder),
        img.get(Joint::RightShoulder),
    ) else {
        return false;
    };
    let span = length(ls, rs);
    let mid_y = f32::midpoint(ls[1], rs[1]);
    span > f32::EPSILON && mid_y - nose[1] > 0.3 * span
}

/// 0 when the shoulder line crosses the picture, 1 when it points at the camera.
fn side_on(person: &Person, world: bool, torso_px: Option<f32>) -> Option<f32> {
    if world {
        let l = person.world_point(Joint::LeftShoulder)?;
        let r = person.world_point(Joint::RightShoulder)?;
        let (dx, dz) = (l.x - r.x, l.z - r.z);
        let h = dx.hypot(dz);
        if h <= f32::EPSILON {
            return None;
        }
        Some(dz.abs() / h)
    } else {
        let l = person.confident(Joint::LeftShoulder, MIN_SCORE)?;
        let r = person.confident(Joint::RightShoulder, MIN_SCORE)?;
        // A shoulder span seen whole is about 0.8 torso lengths.
        let width = (l.x - r.x).hypot(l.y - r.y) / torso_px?;
        Some(ramp(width, 0.8, 0.2))
    }
}

/// The side nearer the camera: in world points the one with the smaller
/// depth, over the shoulders, hips and knees; in image points the one seen
/// with the clearly higher scores.
fn near_side(person: &Person, world: bool) -> Option<Side> {
    const PAIRS: [Joint; 3] = [Joint::LeftShoulder, Joint::LeftHip, Joint::LeftKnee];
    if world {
        let mut dz = 0.0;
        let mut n = 0;
        for l in PAIRS {
            if let (Some(a), Some(b)) = (person.world_point(l), person.world_point(l.mirrored())) {
                dz += a.z - b.z;
                n += 1;
            }
        }
        if n == 0 {
            return None;
        }
        let dz = dz / n as f32;
        // Shoulders are about 0.35 m apart: a side view puts a good part of
        // that in depth.
        if dz < -0.12 {
            Some(Side::Left)
        } else if dz > 0.12 {
            Some(Side::Right)
        } else {
            None
        }
    } else {
        let score = |j| person.keypoint(j).map_or(0.0, |k| k.score);
        let diff: f32 = PAIRS
            .iter()
            .map(|&l| score(l) - score(l.mirrored()))
            .sum::<f32>()
            / PAIRS.len() as f32;
        if diff > 0.2 {
            Some(Side::Left)
        } else if diff < -0.2 {
            Some(Side::Right)
        } else {
            None
        }
    }
}

/// Follows the start-position match over time, with smoothing and
/// hysteresis, so the coach's "in position" does not flicker.
#[derive(Debug, Clone, Default)]
pub struct PositionTracker {
    smoothed: Option<f32>,
    last_t: Option<f64>,
    inside: bool,
    /// The last reading, for placement help.
    pub last: Option<Reading>,
}

impl PositionTracker {
    /// Adds one frame's reading (or `None` when nobody is seen); returns
    /// whether the person is in the start position now.
    pub fn step(&mut self, t: f64, position: Position, reading: Option<Reading>) -> bool {
        if position == Position::Any {
            self.inside = reading.is_some();
            self.last = reading;
            return self.inside;
        }
        let Some(r) = reading else {
            self.last_t = Some(t);
            return self.inside;
        };
        let m = r.matches(position);
        let dt = self.last_t.map_or(0.0, |l| (t - l).max(0.0));
        self.last_t = Some(t);
        let alpha = (1.0 - (-dt / SMOOTH_S).exp()) as f32;
        let s = match self.smoothed {
            None => m,
            Some(old) => old + alpha * (m - old),
        };
        self.smoothed = Some(s);
        self.last = Some(r);
        if self.inside && s < EXIT_SCORE {
            self.inside = false;
        } else if !self.inside && s >= ENTER_SCORE {
            self.inside = true;
        }
        self.inside
    }

    /// Whether the person is in the start position.
    #[must_use]
    pub fn inside(&self) -> bool {
        self.inside
    }

    /// The smoothed match, 0..1.
    #[must_use]
    pub fn confidence(&self) -> f32 {
        self.smoothed.unwrap_or(0.0)
    }

    /// Placement help while out of position: where the person seems to be
    /// and what to do.
    #[must_use]
    pub fn guidance(&self, position: Position) -> Option<String> {
        let wanted = *families(position).first()?;
        let r = self.last?;
        let (now, score) = r.best();
        let todo = wanted.instruction();
        if score >= ENTER_SCORE && !families(position).contains(&now) {
            Some(format!("You're {}: {todo}.", now.described()))
        } else {
            let mut s = todo.to_owned();
            if let Some(c) = s.get_mut(0..1) {
                c.make_ascii_uppercase();
            }
            Some(format!("{s}."))
        }
    }
}

#[cfg(test)]
mod tests;
