//! Key postures from an exercise's `[motion]` keyframes (its file holds
//! them, so a new exercise needs no new Rust), animated at the speeds its
//! rep pattern gives.
//!
//! Each keyframe starts from a base position the body model knows (standing,
//! on all fours, seated, lying on the back, face down or on the side) or from
//! an earlier key, and sets segment angles, shoulder offsets and arm
//! directions. Every posture is built for the person facing scene +z, so a
//! camera azimuth means the same view for every exercise.

use crate::coach::exercise::motion::{ArmPose, Base, Keyframe, Motion};

use super::body::{Body, Dir, Limb, Mat3, Posture, SegRot, Side, Vec3, landmarks};
use super::faults::{Effect, Mods};

pub use crate::coach::exercise::motion::{Count, Sides, Step};

/// One exercise as the generator animates it.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// Catalogue id.
    pub id: String,
    /// The keyframes, pattern and faults from its file.
    pub motion: Motion,
    /// The exercise as the coach reads it, to find where a fault's rule
    /// really turns (see `align_label_starts`).
    pub coach: crate::coach::Exercise,
}

impl Exercise {
    /// The exercise's motion, when its file has one.
    #[must_use]
    pub fn of(ex: &crate::coach::Exercise) -> Option<Exercise> {
        Some(Exercise {
            id: ex.id.clone(),
            motion: ex.motion.clone()?,
            coach: ex.clone(),
        })
    }

    /// The key postures for one side, with the current fault amounts (some
    /// faults change the shape of a key, e.g. bent elbows).
    #[must_use]
    pub fn keys(&self, body: &Body, side: Side, mods: &Mods) -> Vec<Posture> {
        keys(&self.motion, body, side, mods)
    }
}

/// Every exercise of `catalogue` that has a motion, in catalogue order.
#[must_use]
pub fn all(catalogue: &crate::coach::Catalogue) -> Vec<Exercise> {
    catalogue.iter().filter_map(Exercise::of).collect()
}

fn deg(d: f64) -> f64 {
    d.to_radians()
}

fn v(x: f64, y: f64, z: f64) -> Vec3 {
    Vec3::new(x, y, z)
}

fn local(x: f64, y: f64, z: f64) -> Dir {
    Dir::Local(v(x, y, z))
}

fn scene(x: f64, y: f64, z: f64) -> Dir {
    Dir::Scene(v(x, y, z))
}

fn free(upper: Dir, lower: Dir, end: Dir) -> Limb {
    Limb::Free { upper, lower, end }
}

/// An arm whose lateral components are multiplied by `s` (+1 toward the
/// left, -1 toward the right).
fn arm(s: f64, upper: [f64; 3], lower: [f64; 3], end: [f64; 3]) -> Limb {
    free(
        local(s * upper[0], upper[1], upper[2]),
        local(s * lower[0], lower[1], lower[2]),
        local(s * end[0], end[1], end[2]),
    )
}

/// The same arm on both sides, mirror images of each other.
fn both_arms(upper: [f64; 3], lower: [f64; 3]) -> [Limb; 2] {
    [
        arm(Side::Left.sign(), upper, lower, lower),
        arm(Side::Right.sign(), upper, lower, lower),
    ]
}

fn blend_arm(a: [f64; 3], b: [f64; 3], s: f64) -> [f64; 3] {
    [
        a[0] + (b[0] - a[0]) * s,
        a[1] + (b[1] - a[1]) * s,
        a[2] + (b[2] - a[2]) * s,
    ]
}

/// A component written for the left side, on side `s`: lateral parts, side
/// bends and twists change sign on the right; a zero stays as written.
fn sided(s: f64, x: f64) -> f64 {
    if x == 0.0 { x } else { s * x }
}

fn seg_rot(a: [f64; 3], s: f64) -> SegRot {
    SegRot::deg(a[0], sided(s, a[1]), sided(s, a[2]))
}

fn sided_vec(a: [f64; 3], s: f64) -> Vec3 {
    v(sided(s, a[0]), a[1], a[2])
}

/// The arm's segment directions with the current faults applied.
fn arm_shape(a: &ArmPose, mods: &Mods) -> ([f64; 3], [f64; 3], Option<[f64; 3]>) {
    let mut upper = a.upper;
    let mut lower = a.lower;
    for b in &a.blend {
        let amount = mods.get(b.effect);
        if let Some(u) = b.upper {
            upper = blend_arm(upper, u, amount);
        }
        if let Some(l) = b.lower {
            lower = blend_arm(lower, l, amount);
        }
    }
    if let Some(spread) = &a.spread {
        let lat = (mods.get(spread.effect).to_radians() * spread.scale).sin();
        upper[0] += lat;
        lower[0] += lat;
    }
    (upper, lower, a.end)
}

/// The key postures of `motion` for one side, with the current fault amounts.
#[must_use]
pub fn keys(motion: &Motion, body: &Body, side: Side, mods: &Mods) -> Vec<Posture> {
    let s = side.sign();
    let mut out: Vec<Posture> = Vec::with_capacity(motion.keys.len());
    for k in &motion.keys {
        let from = match k.base {
            Some(b) => Some(base(b, k, body, side, mods)),
            None => out.get(k.like.unwrap_or(0)).cloned(),
        };
        let mut p = from.unwrap_or_else(|| Posture::standing(body));
        if let (Some(up), Some(front)) = (k.pelvis_up, k.pelvis_front) {
            p.pelvis_axes = Mat3::from_up_front(sided_vec(up, s), sided_vec(front, s));
        }
        if let Some(d) = k.pelvis_tilt_deg {
            p.pelvis_axes = p.pelvis_axes.then(&Mat3::rot_x(deg(d)));
        }
        if let Some(a) = k.lumbar {
            p.lumbar = seg_rot(a, s);
        }
        if let Some(a) = k.thorax {
            p.thorax = seg_rot(a, s);
        }
        if let Some(a) = k.neck {
            p.neck = seg_rot(a, s);
        }
        if let Some(a) = k.head {
            p.head = seg_rot(a, s);
        }
        if let Some(x) = k.shrug_m {
            p.shrug_m = [x; 2];
        }
        if let Some(x) = k.protract_m {
            p.protract_m = [x; 2];
        }
        if let Some(a) = &k.arms {
            let (upper, lower, end) = arm_shape(a, mods);
            p.arms = match end {
                None => both_arms(upper, lower),
                Some(end) => [
                    arm(Side::Left.sign(), upper, lower, end),
                    arm(Side::Right.sign(), upper, lower, end),
                ],
            };
        }
        if let Some(a) = &k.arms_to_side {
            let (upper, lower, end) = arm_shape(a, mods);
            p.arms = [arm(s, upper, lower, end.unwrap_or(lower)); 2];
        }
        if let Some(a) = &k.arm {
            let (upper, lower, end) = arm_shape(a, mods);
            p.arms[side.idx()] = arm(s, upper, lower, end.unwrap_or(lower));
        }
        out.push(p);
    }
    out
}

/// A base position of the body model.
fn base(b: Base, k: &Keyframe, body: &Body, side: Side, mods: &Mods) -> Posture {
    match b {
        Base::Standing => Posture::standing(body),
        Base::AllFours => all_fours(body, k.hips_back_deg, mods),
        Base::Seated => seated(body),
        Base::Supine => supine(body, k.lift_m),
        Base::Prone => prone(body),
        Base::SideLying => side_lying(body, side),
    }
}

/// Hands and knees, thighs vertical (or tilted back by `hips_back_deg` when
/// sitting back toward the heels), hands planted under the shoulders with
/// the elbows just short of locked, head in line with the spine.
fn all_fours(body: &Body, hips_back_deg: f64, mods: &Mods) -> Posture {
    let a = deg(hips_back_deg);
    let thigh_up = v(0.0, a.cos(), -a.sin());
    let knee_y = 0.05;
    let pelvis = v(0.0, knee_y, 0.0) + thigh_up * body.thigh_m;
    let hand_y = 0.03;
    let shoulder_y = hand_y + 0.97 * body.arm_m();
    let elev = ((shoulder_y - pelvis.y) / body.torso_m)
        .clamp(-0.9, 0.9)
        .asin();
    let up = v(0.0, elev.sin(), elev.cos());
    let belly = v(0.0, -elev.cos(), elev.sin());
    let mut p = Posture {
        pelvis,
        pelvis_axes: Mat3::from_up_front(up, belly),
        arms: [Limb::straight(-Vec3::Y); 2],
        legs: [free(
            Dir::Scene(-thigh_up),
            scene(0.0, -0.08, -1.0),
            scene(0.0, -0.3, -1.0),
        ); 2],
        ..Posture::standing(body)
    };
    // Plant each hand right under its shoulder (plus any "hands forward"
    // fault), found from the posture's own shoulders.
    let (sk, _) = landmarks(body, &p);
    let forward = mods.get(Effect::HandsForward) * body.torso_m;
    for side in [Side::Left, Side::Right] {
        let sh = sk.get(if side == Side::Left {
            crate::pose::Joint::LeftShoulder
        } else {
            crate::pose::Joint::RightShoulder
        });
        p.arms[side.idx()] = Limb::Planted {
            at: v(sh.x, hand_y, sh.z + forward),
            bend: v(side.sign() * 0.3, 0.0, -1.0),
            end: v(0.0, -0.05, 1.0),
        };
    }
    p
}

/// Sitting upright on a chair, thighs level, feet on the floor, hands on
/// the thighs.
fn seated(body: &Body) -> Posture {
    Posture {
        pelvis: v(0.0, 0.46 + 0.08 * body.height_m / 1.7, 0.0),
        arms: both_arms([0.15, -0.9, 0.35], [0.05, -0.35, 1.0]),
        legs: [free(
            local(0.0, -0.1, 1.0),
            local(0.0, -1.0, 0.05),
            local(0.0, 0.0, 1.0),
        ); 2],
        ..Posture::standing(body)
    }
}

/// Lying on the back, head toward +z, knees bent with the feet flat.
fn supine(body: &Body, lift_m: f64) -> Posture {
    Posture {
        pelvis: v(0.0, body.hip_half_m + 0.04 + lift_m, 0.0),
        pelvis_axes: Mat3::from_up_front(Vec3::Z, Vec3::Y),
        arms: both_arms([0.15, -0.98, 0.0], [0.1, -0.98, 0.0]),
        legs: [free(
            local(0.0, -0.6, 0.8),
            local(0.0, -0.75, -0.65),
            local(0.0, -1.0, 0.0),
        ); 2],
        ..Posture::standing(body)
    }
}

/// Lying face down, head toward +z, forehead just off the floor.
fn prone(body: &Body) -> Posture {
    Posture {
        pelvis: v(0.0, 0.11 * body.height_m / 1.7, 0.0),
        pelvis_axes: Mat3::from_up_front(Vec3::Z, -Vec3::Y),
        neck: SegRot::deg(-8.0, 0.0, 0.0),
        arms: both_arms([0.25, 0.97, 0.0], [0.05, 1.0, 0.0]),
        legs: [free(
            local(0.0, -1.0, 0.0),
            local(0.0, -1.0, -0.05),
            local(0.0, -0.6, -0.8),
        ); 2],
        ..Posture::standing(body)
    }
}

/// Lying on one side with the knees drawn up, chest facing +z; `top` is the
/// upper side. Both arms reach forward in front of the chest.
fn side_lying(body: &Body, top: Side) -> Posture {
    // With the chest toward +z, the top side points up when the head points
    // along -x (left on top) or +x (right on top).
    let head = v(-top.sign(), 0.0, 0.0);
    Posture {
        pelvis: v(0.0, 0.10 + body.hip_half_m, 0.0),
        pelvis_axes: Mat3::from_up_front(head, Vec3::Z),
        neck: SegRot::deg(0.0, -top.sign() * 8.0, 0.0),
        arms: both_arms([0.0, 0.15, 1.0], [0.0, 0.15, 1.0]),
        legs: [free(
            local(0.0, -0.1, 1.0),
            local(0.0, -1.0, 0.1),
            local(0.0, -0.2, 1.0),
        ); 2],
        ..Posture::standing(body)
    }
}
