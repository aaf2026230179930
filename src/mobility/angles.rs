//! One frame's angles. Rotations come from the 3D world points (a turn is
//! mostly depth, which a flat picture cannot show); the arm's elevation and
//! the head's forward position come from the picture itself, where they lie
//! in the image plane and the model's depth guess would only add noise.

use crate::pose::{Joint, Person};

/// Keypoint score a joint needs before its angle is believed: below it the
/// model is guessing where a hidden joint is.
pub const MIN_JOINT_SCORE: f32 = 0.5;

type V3 = [f64; 3];

fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn mid(a: V3, b: V3) -> V3 {
    [
        f64::midpoint(a[0], b[0]),
        f64::midpoint(a[1], b[1]),
        f64::midpoint(a[2], b[2]),
    ]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

/// `a` with its component along the unit vector `n` removed.
fn flatten(a: V3, n: V3) -> V3 {
    let k = dot(a, n);
    [a[0] - k * n[0], a[1] - k * n[1], a[2] - k * n[2]]
}

fn unit(a: V3) -> Option<V3> {
    let n = norm(a);
    (n > 1e-6 && n.is_finite()).then(|| [a[0] / n, a[1] / n, a[2] / n])
}

/// A world point, only when its keypoint is confident.
fn world(person: &Person, joint: Joint) -> Option<V3> {
    person.confident(joint, MIN_JOINT_SCORE)?;
    let w = person.world_point(joint)?;
    let p = [f64::from(w.x), f64::from(w.y), f64::from(w.z)];
    p.iter().all(|v| v.is_finite()).then_some(p)
}

/// A keypoint in pixels, only when confident.
fn pixel(person: &Person, joint: Joint) -> Option<[f64; 2]> {
    let k = person.confident(joint, MIN_JOINT_SCORE)?;
    Some([f64::from(k.x), f64::from(k.y)])
}

/// The trunk's long axis, hips to shoulders (unit, world), when the hips are
/// seen; else the world's up (seated at a desk, the hips are often out of
/// the picture).
fn trunk_up(person: &Person, shoulders_mid: V3) -> V3 {
    let hips = world(person, Joint::LeftHip).zip(world(person, Joint::RightHip));
    hips.and_then(|(l, r)| unit(sub(shoulders_mid, mid(l, r))))
        .unwrap_or([0.0, -1.0, 0.0])
}

/// The signed angle from line `from` to line `to` about the axis `up`, both
/// flattened onto the plane across it, degrees; positive turns the way a
/// person turns to their left.
fn turn_about(from: V3, to: V3, up: V3) -> Option<f64> {
    let a = unit(flatten(from, up))?;
    let b = unit(flatten(to, up))?;
    // World x grows to the person's left and z away from the camera, y down:
    // turning left carries the left shoulder back, which makes the cross
    // product point along the trunk's up axis.
    let sin = dot(up, cross(a, b));
    let cos = dot(a, b);
    Some(sin.atan2(cos).to_degrees())
}

/// Trunk rotation: the shoulder line against the hip line, turned about the
/// trunk's own axis, so it reads the same seated upright or on all fours.
/// Positive = turned to the left. Needs the hips.
#[must_use]
pub fn thoracic_rotation_deg(person: &Person) -> Option<f64> {
    let ls = world(person, Joint::LeftShoulder)?;
    let rs = world(person, Joint::RightShoulder)?;
    let lh = world(person, Joint::LeftHip)?;
    let rh = world(person, Joint::RightHip)?;
    let up = unit(sub(mid(ls, rs), mid(lh, rh)))?;
    turn_about(sub(lh, rh), sub(ls, rs), up)
}

/// Neck rotation: the head's left-right axis against the shoulder line,
/// about the trunk's axis. Positive = the head turned to the left. The
/// head's axis is read twice and averaged: as the line between the ears, and
/// square to the line from between the ears to the nose. A turned head hides
/// its far ear, whose place the model only guesses (and guesses short of the
/// turn); the nose stays in view. Needs the nose and one ear seen.
#[must_use]
pub fn neck_rotation_deg(person: &Person) -> Option<f64> {
    let ls = world(person, Joint::LeftShoulder)?;
    let rs = world(person, Joint::RightShoulder)?;
    let nose = world(person, Joint::Nose)?;
    let seen_ear = person.confident(Joint::LeftEar, MIN_JOINT_SCORE).is_some()
        || person.confident(Joint::RightEar, MIN_JOINT_SCORE).is_some();
    if !seen_ear {
        return None;
    }
    let point = |j: Joint| {
        person
            .world_point(j)
            .map(|w| [f64::from(w.x), f64::from(w.y), f64::from(w.z)])
            .filter(|p| p.iter().all(|v| v.is_finite()))
    };
    let le = point(Joint::LeftEar)?;
    let re = point(Joint::RightEar)?;
    let up = trunk_up(person, mid(ls, rs));
    let shoulders = sub(ls, rs);
    let by_ears = turn_about(shoulders, sub(le, re), up)?;
    // The trunk's up crossed with the head's forward points to its left.
    let by_nose = turn_about(shoulders, cross(up, sub(nose, mid(le, re))), up)?;
    Some(f64::midpoint(by_ears, by_nose))
}

/// Arm elevation for each arm (`[left, right]`): the upper arm against the
/// trunk line, in the picture, degrees (0 = hanging by the side, 180 =
/// straight overhead). Facing the camera this is what a goniometer across
/// the front of the body reads; an arm that drifts forward still reads high,
/// which the check's instructions guard against.
#[must_use]
pub fn arm_elevation_deg(person: &Person) -> [Option<f64>; 2] {
    let (Some(ls), Some(rs)) = (
        pixel(person, Joint::LeftShoulder),
        pixel(person, Joint::RightShoulder),
    ) else {
        return [None, None];
    };
    let shoulders_mid = [f64::midpoint(ls[0], rs[0]), f64::midpoint(ls[1], rs[1])];
    let down = match (
        pixel(person, Joint::LeftHip),
        pixel(person, Joint::RightHip),
    ) {
        (Some(l), Some(r)) => [
            f64::midpoint(l[0], r[0]) - shoulders_mid[0],
            f64::midpoint(l[1], r[1]) - shoulders_mid[1],
        ],
        // Without the hips, the picture's down stands in for the trunk.
        _ => [0.0, 1.0],
    };
    let arm = |shoulder: [f64; 2], elbow: Joint| {
        let e = pixel(person, elbow)?;
        angle_2d([e[0] - shoulder[0], e[1] - shoulder[1]], down)
    };
    [arm(ls, Joint::LeftElbow), arm(rs, Joint::RightElbow)]
}

fn angle_2d(a: [f64; 2], b: [f64; 2]) -> Option<f64> {
    let na = a[0].hypot(a[1]);
    let nb = b[0].hypot(b[1]);
    if na < 1e-6 || nb < 1e-6 {
        return None;
    }
    let cos = ((a[0] * b[0] + a[1] * b[1]) / (na * nb)).clamp(-1.0, 1.0);
    Some(cos.acos().to_degrees())
}

/// Widest shoulder span, in picture pixels, over the ear-to-shoulder height,
/// that still counts as a side view: facing the camera the span is about
/// 2.5 times that height, side-on well under one.
pub const SIDE_VIEW_MAX_SPAN: f64 = 1.0;

/// Head position in a side view: the angle above the horizontal of the line
/// from the shoulder to the ear on the camera's side, degrees. A chin tuck
/// carries the ear back over the shoulder and raises it (90 = ear straight
/// above the shoulder). A proxy for the craniovertebral angle, which is
/// measured from the C7 vertebra, not the shoulder joint, so the two are not
/// comparable number for number. `None` unless the view is side-on.
#[must_use]
pub fn head_position_deg(person: &Person) -> Option<f64> {
    let nose = pixel(person, Joint::Nose)?;
    // The side nearer the camera is the one the model is surer of.
    let score = |j: Joint| person.keypoint(j).map_or(0.0, |k| k.score);
    let (ear, shoulder) = if score(Joint::LeftEar) + score(Joint::LeftShoulder)
        >= score(Joint::RightEar) + score(Joint::RightShoulder)
    {
        (Joint::LeftEar, Joint::LeftShoulder)
    } else {
        (Joint::RightEar, Joint::RightShoulder)
    };
    let e = pixel(person, ear)?;
    let s = pixel(person, shoulder)?;
    let height = s[1] - e[1];
    if height <= 0.0 {
        return None;
    }
    if let (Some(l), Some(r)) = (
        pixel(person, Joint::LeftShoulder),
        pixel(person, Joint::RightShoulder),
    ) && (l[0] - r[0]).abs() > SIDE_VIEW_MAX_SPAN * height
    {
        return None;
    }
    // Forward is the way the nose points from the ear.
    let forward = if nose[0] >= e[0] { 1.0 } else { -1.0 };
    let ahead = (e[0] - s[0]) * forward;
    Some(height.atan2(ahead).to_degrees())
}
