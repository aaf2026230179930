//! A 3D adult body with realistic proportions, and forward kinematics from a
//! posture (segment rotations, limb directions) to MediaPipe's 33 landmarks.
//!
//! Segment lengths are fractions of standing height H, after the 1966
//! segment-length chart reproduced in *Biomechanics and Motor Control of
//! Human Movement*, 4th ed. (2009), Fig. 4.1: shoulder (acromion) height 0.818 H, elbow 0.630 H,
//! wrist 0.485 H, hip (greater trochanter) 0.530 H, knee 0.285 H,
//! ankle 0.039 H, eye height 0.936 H, chin 0.870 H, shoulder width 0.259 H,
//! hip width 0.191 H, hand length 0.108 H, foot length 0.152 H.
//! From those: upper arm 0.186 H, forearm 0.146 H, thigh 0.245 H,
//! shank 0.246 H, mid-hip to mid-shoulder (the coach's "torso length") 0.288 H.
//! Pose models put shoulder and hip keypoints at the joint centres, which lie
//! inside the acromion and trochanter widths, so the keypoint widths below are
//! narrower than that chart's breadths (noted where used).
//!
//! Scene frame: metres, y up, floor at y = 0. Segment frames: x to the
//! person's left, y along the segment toward the head (or away from the
//! trunk for limbs), z forward (anterior). All angles are radians.

mod linalg;

pub use linalg::{Mat3, Vec3};

use crate::pose::Joint;

/// One joint's rotation relative to its parent segment, in radians.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SegRot {
    /// Forward bend (positive) or backward extension (negative).
    pub flex: f64,
    /// Side bend toward the person's left (positive).
    pub side: f64,
    /// Axial turn toward the person's left (positive).
    pub twist: f64,
}

impl SegRot {
    /// A rotation from degrees, which is how exercises are described.
    #[must_use]
    pub fn deg(flex: f64, side: f64, twist: f64) -> SegRot {
        SegRot {
            flex: flex.to_radians(),
            side: side.to_radians(),
            twist: twist.to_radians(),
        }
    }

    /// Flexion first, then side bend, then twist about the new long axis:
    /// the order in which the exercises describe the spine.
    #[must_use]
    pub fn matrix(self) -> Mat3 {
        Mat3::rot_x(self.flex)
            .then(&Mat3::rot_z(-self.side))
            .then(&Mat3::rot_y(self.twist))
    }

    /// Component-wise sum, for adding a fault or breathing on top of a pose.
    #[must_use]
    pub fn plus(self, o: SegRot) -> SegRot {
        SegRot {
            flex: self.flex + o.flex,
            side: self.side + o.side,
            twist: self.twist + o.twist,
        }
    }

    fn lerp(self, o: SegRot, s: f64) -> SegRot {
        SegRot {
            flex: self.flex + (o.flex - self.flex) * s,
            side: self.side + (o.side - self.side) * s,
            twist: self.twist + (o.twist - self.twist) * s,
        }
    }
}

/// A direction, either in the limb's parent segment frame or in the scene.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dir {
    /// In the parent frame (thorax for arms, pelvis for legs).
    Local(Vec3),
    /// In the scene frame (y up), for limbs placed against the floor.
    Scene(Vec3),
}

impl Dir {
    fn resolve(self, parent: &Mat3) -> Vec3 {
        match self {
            Dir::Local(v) => parent.apply(v).unit_or(parent.y),
            Dir::Scene(v) => v.unit_or(Vec3::Y),
        }
    }

    fn lerp(self, o: Dir, s: f64, parent: &Mat3) -> Dir {
        match (self, o) {
            (Dir::Local(a), Dir::Local(b)) => Dir::Local(a.lerp(b, s)),
            (Dir::Scene(a), Dir::Scene(b)) => Dir::Scene(a.lerp(b, s)),
            (a, b) => Dir::Scene(a.resolve(parent).lerp(b.resolve(parent), s)),
        }
    }
}

/// How one arm or leg is placed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limb {
    /// Directions of the upper segment, the lower segment and the hand or foot.
    Free {
        /// Upper arm or thigh.
        upper: Dir,
        /// Forearm or shank.
        lower: Dir,
        /// Hand or foot.
        end: Dir,
    },
    /// The wrist or ankle rests at a scene point (a hand on the floor); the
    /// elbow or knee is placed by two-bone inverse kinematics.
    Planted {
        /// Where the wrist or ankle is, scene metres.
        at: Vec3,
        /// Which way the elbow or knee points, scene direction.
        bend: Vec3,
        /// Direction of the hand or foot, scene.
        end: Vec3,
    },
}

impl Limb {
    /// A limb hanging straight along `dir` of its parent frame.
    #[must_use]
    pub fn straight(dir: Vec3) -> Limb {
        Limb::Free {
            upper: Dir::Local(dir),
            lower: Dir::Local(dir),
            end: Dir::Local(dir),
        }
    }

    fn lerp(self, o: Limb, s: f64, parent: &Mat3) -> Limb {
        match (self, o) {
            (
                Limb::Planted { at, bend, end },
                Limb::Planted {
                    at: at2,
                    bend: bend2,
                    end: end2,
                },
            ) => Limb::Planted {
                at: at.lerp(at2, s),
                bend: bend.lerp(bend2, s),
                end: end.lerp(end2, s),
            },
            (
                Limb::Free { upper, lower, end },
                Limb::Free {
                    upper: u2,
                    lower: l2,
                    end: e2,
                },
            ) => Limb::Free {
                upper: upper.lerp(u2, s, parent),
                lower: lower.lerp(l2, s, parent),
                end: end.lerp(e2, s, parent),
            },
            // A limb that changes kind jumps at the halfway point; the
            // exercises never need it, but the result stays well defined.
            (a, b) => {
                if s < 0.5 {
                    a
                } else {
                    b
                }
            }
        }
    }
}

/// Left or right, as the person sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// The person's left.
    Left,
    /// The person's right.
    Right,
}

impl Side {
    /// Index into `[left, right]` arrays.
    #[must_use]
    pub fn idx(self) -> usize {
        match self {
            Side::Left => 0,
            Side::Right => 1,
        }
    }

    /// +1 for left, -1 for right: the sign of local x on that side.
    #[must_use]
    pub fn sign(self) -> f64 {
        match self {
            Side::Left => 1.0,
            Side::Right => -1.0,
        }
    }

    /// The other side.
    #[must_use]
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    /// "left" or "right", as the labels and the coach write it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// Segment lengths of one person, metres.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Standing height.
    pub height_m: f64,
    /// Mid-hip to mid-shoulder: the unit of the coach's thresholds.
    pub torso_m: f64,
    /// Share of the torso below the thoraco-lumbar junction.
    pub lumbar_share: f64,
    /// Half the distance between the shoulder joint centres.
    pub shoulder_half_m: f64,
    /// Half the distance between the hip joint centres.
    pub hip_half_m: f64,
    /// Shoulder to elbow.
    pub upper_arm_m: f64,
    /// Elbow to wrist.
    pub forearm_m: f64,
    /// Wrist to fingertip.
    pub hand_m: f64,
    /// Hip to knee.
    pub thigh_m: f64,
    /// Knee to ankle.
    pub shank_m: f64,
    /// Heel to toe.
    pub foot_m: f64,
    /// Mid-shoulder up to the base of the neck pivot.
    pub neck_base_m: f64,
    /// Lower neck pivot to the head pivot (upper cervical).
    pub neck_m: f64,
    /// Height-scaled unit for face features.
    pub head_unit_m: f64,
}

impl Body {
    /// An adult of `height_m` with the mean proportions cited at the top of
    /// this file.
    #[must_use]
    pub fn adult(height_m: f64) -> Body {
        let h = height_m;
        Body {
            height_m: h,
            // 0.818 H (shoulder) - 0.530 H (hip).
            torso_m: 0.288 * h,
            lumbar_share: 0.42,
            // Joint centres sit about 2.5 cm inside each acromion: 0.259 H
            // breadth becomes about 0.23 H between keypoints.
            shoulder_half_m: 0.115 * h,
            // Hip joint centres are about 60 % of the trochanter breadth
            // (0.191 H) apart.
            hip_half_m: 0.058 * h,
            upper_arm_m: 0.186 * h,
            forearm_m: 0.146 * h,
            hand_m: 0.108 * h,
            thigh_m: 0.245 * h,
            shank_m: 0.246 * h,
            foot_m: 0.152 * h,
            neck_base_m: 0.02 * h,
            // Shoulder 0.818 H to ear about 0.92 H: 0.02 + 0.06 + 0.02 H.
            neck_m: 0.06 * h,
            head_unit_m: h,
        }
    }

    /// The same person with each length scaled by its own factor in
    /// `factors` (about 1 +- a few percent): people differ in proportions,
    /// not only in height.
    #[must_use]
    pub fn with_variation(mut self, factors: [f64; 6]) -> Body {
        self.torso_m *= factors[0];
        self.shoulder_half_m *= factors[1];
        self.hip_half_m *= factors[2];
        self.upper_arm_m *= factors[3];
        self.forearm_m *= factors[3];
        self.thigh_m *= factors[4];
        self.shank_m *= factors[4];
        self.neck_m *= factors[5];
        self
    }

    /// Full arm length, shoulder to wrist.
    #[must_use]
    pub fn arm_m(&self) -> f64 {
        self.upper_arm_m + self.forearm_m
    }
}

/// A whole-body posture: the input of forward kinematics.
#[derive(Debug, Clone, PartialEq)]
pub struct Posture {
    /// Mid-hip position, scene metres.
    pub pelvis: Vec3,
    /// Pelvis frame in the scene.
    pub pelvis_axes: Mat3,
    /// Lumbar spine relative to the pelvis.
    pub lumbar: SegRot,
    /// Thoracic spine relative to the lumbar segment.
    pub thorax: SegRot,
    /// Lower neck relative to the thorax.
    pub neck: SegRot,
    /// Head relative to the neck.
    pub head: SegRot,
    /// Shoulder girdle elevation per side `[left, right]`, metres along the thorax.
    pub shrug_m: [f64; 2],
    /// Shoulder girdle protraction per side, metres forward of the thorax.
    pub protract_m: [f64; 2],
    /// Arms `[left, right]`.
    pub arms: [Limb; 2],
    /// Legs `[left, right]`.
    pub legs: [Limb; 2],
}

impl Posture {
    /// Standing upright facing +z, arms by the sides.
    #[must_use]
    pub fn standing(body: &Body) -> Posture {
        Posture {
            pelvis: Vec3::new(
                0.0,
                body.thigh_m + body.shank_m + 0.039 * body.height_m,
                0.0,
            ),
            pelvis_axes: Mat3::IDENTITY,
            lumbar: SegRot::default(),
            thorax: SegRot::default(),
            neck: SegRot::default(),
            head: SegRot::default(),
            shrug_m: [0.0; 2],
            protract_m: [0.0; 2],
            arms: [Limb::straight(-Vec3::Y); 2],
            legs: [Limb::Free {
                upper: Dir::Local(-Vec3::Y),
                lower: Dir::Local(-Vec3::Y),
                end: Dir::Local(Vec3::Z),
            }; 2],
        }
    }

    /// Blends two postures: `self` at 0, `o` at 1. Rotations blend per angle,
    /// which is accurate for the moderate ranges of these stretches.
    #[must_use]
    pub fn lerp(&self, o: &Posture, s: f64) -> Posture {
        let axes = Mat3::from_up_front(
            self.pelvis_axes.y.lerp(o.pelvis_axes.y, s),
            self.pelvis_axes.z.lerp(o.pelvis_axes.z, s),
        );
        let thorax = axes.then(&self.lumbar.lerp(o.lumbar, s).matrix());
        let arm = |i: usize| self.arms[i].lerp(o.arms[i], s, &thorax);
        let leg = |i: usize| self.legs[i].lerp(o.legs[i], s, &axes);
        Posture {
            pelvis: self.pelvis.lerp(o.pelvis, s),
            pelvis_axes: axes,
            lumbar: self.lumbar.lerp(o.lumbar, s),
            thorax: self.thorax.lerp(o.thorax, s),
            neck: self.neck.lerp(o.neck, s),
            head: self.head.lerp(o.head, s),
            shrug_m: [
                lerp(self.shrug_m[0], o.shrug_m[0], s),
                lerp(self.shrug_m[1], o.shrug_m[1], s),
            ],
            protract_m: [
                lerp(self.protract_m[0], o.protract_m[0], s),
                lerp(self.protract_m[1], o.protract_m[1], s),
            ],
            arms: [arm(0), arm(1)],
            legs: [leg(0), leg(1)],
        }
    }
}

fn lerp(a: f64, b: f64, s: f64) -> f64 {
    a + (b - a) * s
}

/// The 33 landmarks of one posture, scene metres, in `BLAZEPOSE_33` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Skeleton {
    /// Positions indexed like `BLAZEPOSE_33`.
    pub points: [Vec3; 33],
}

impl Skeleton {
    /// The position of `joint`.
    #[must_use]
    pub fn get(&self, joint: Joint) -> Vec3 {
        self.points[joint as usize]
    }

    fn set(&mut self, joint: Joint, p: Vec3) {
        self.points[joint as usize] = p;
    }

    /// Mid-hip, the origin of world coordinates.
    #[must_use]
    pub fn mid_hip(&self) -> Vec3 {
        self.get(Joint::LeftHip)
            .lerp(self.get(Joint::RightHip), 0.5)
    }

    /// Mid-shoulder.
    #[must_use]
    pub fn mid_shoulder(&self) -> Vec3 {
        self.get(Joint::LeftShoulder)
            .lerp(self.get(Joint::RightShoulder), 0.5)
    }
}

/// Segment frames that faults and motions may want after kinematics.
#[derive(Debug, Clone, PartialEq)]
pub struct Frames {
    /// Thorax frame in the scene.
    pub thorax: Mat3,
    /// Head frame in the scene.
    pub head: Mat3,
}

/// Places the middle joint of a two-segment limb so that it ends at
/// `target`, bending toward `hint`. Out-of-reach targets are met as close as
/// the straight limb allows (the hand slides, as a real one would).
fn two_bone(root: Vec3, target: Vec3, upper_m: f64, lower_m: f64, hint: Vec3) -> (Vec3, Vec3) {
    let to = target - root;
    let axis = to.unit_or(-Vec3::Y);
    let reach = to
        .len()
        .clamp((upper_m - lower_m).abs() + 1e-6, upper_m + lower_m - 1e-6);
    // Law of cosines for the angle at the root between the axis and the upper segment.
    let cos_root = ((upper_m * upper_m + reach * reach - lower_m * lower_m)
        / (2.0 * upper_m * reach))
        .clamp(-1.0, 1.0);
    let sin_root = (1.0 - cos_root * cos_root).sqrt();
    let fallback = if axis.y.abs() < 0.9 { Vec3::Y } else { Vec3::Z };
    let bend_dir = (hint - axis * hint.dot(axis))
        .unit_or((fallback - axis * fallback.dot(axis)).unit_or(Vec3::X));
    let mid = root + axis * (upper_m * cos_root) + bend_dir * (upper_m * sin_root);
    (mid, root + axis * reach)
}

/// Forward kinematics: the 33 landmarks of `posture` for `body`.
#[must_use]
#[allow(clippy::too_many_lines)] // one straight pass over legs, arms and head reads best whole
pub fn landmarks(body: &Body, posture: &Posture) -> (Skeleton, Frames) {
    use Joint as J;
    let mut sk = Skeleton {
        points: [Vec3::ZERO; 33],
    };
    let pelvis = posture.pelvis_axes;
    let lumbar = pelvis.then(&posture.lumbar.matrix());
    let junction = posture.pelvis + lumbar.y * (body.torso_m * body.lumbar_share);
    let thorax = lumbar.then(&posture.thorax.matrix());
    let mid_shoulder = junction + thorax.y * (body.torso_m * (1.0 - body.lumbar_share));

    // Legs.
    for side in [Side::Left, Side::Right] {
        let hip = posture.pelvis + pelvis.x * (side.sign() * body.hip_half_m);
        let (knee, ankle, foot_dir, shin_dir) = match posture.legs[side.idx()] {
            Limb::Free { upper, lower, end } => {
                let knee = hip + upper.resolve(&pelvis) * body.thigh_m;
                let shin = lower.resolve(&pelvis);
                (knee, knee + shin * body.shank_m, end.resolve(&pelvis), shin)
            }
            Limb::Planted { at, bend, end } => {
                let (knee, ankle) = two_bone(hip, at, body.thigh_m, body.shank_m, bend);
                (
                    knee,
                    ankle,
                    end.unit_or(Vec3::Z),
                    (ankle - knee).unit_or(-Vec3::Y),
                )
            }
        };
        let h = body.height_m;
        let (hip_j, knee_j, ankle_j, heel_j, toe_j) = match side {
            Side::Left => (
                J::LeftHip,
                J::LeftKnee,
                J::LeftAnkle,
                J::LeftHeel,
                J::LeftFootIndex,
            ),
            Side::Right => (
                J::RightHip,
                J::RightKnee,
                J::RightAnkle,
                J::RightHeel,
                J::RightFootIndex,
            ),
        };
        sk.set(hip_j, hip);
        sk.set(knee_j, knee);
        sk.set(ankle_j, ankle);
        sk.set(
            heel_j,
            ankle + shin_dir * (0.03 * h) - foot_dir * (0.035 * h),
        );
        sk.set(
            toe_j,
            ankle + shin_dir * (0.03 * h) + foot_dir * (body.foot_m * 0.75),
        );
    }

    // Arms.
    for side in [Side::Left, Side::Right] {
        let i = side.idx();
        let shoulder = mid_shoulder
            + thorax.x * (side.sign() * body.shoulder_half_m)
            + thorax.y * posture.shrug_m[i]
            + thorax.z * posture.protract_m[i];
        let (elbow, wrist, hand_dir, fore_dir, upper_dir) = match posture.arms[i] {
            Limb::Free { upper, lower, end } => {
                let u = upper.resolve(&thorax);
                let elbow = shoulder + u * body.upper_arm_m;
                let f = lower.resolve(&thorax);
                (
                    elbow,
                    elbow + f * body.forearm_m,
                    end.resolve(&thorax),
                    f,
                    u,
                )
            }
            Limb::Planted { at, bend, end } => {
                let (elbow, wrist) = two_bone(shoulder, at, body.upper_arm_m, body.forearm_m, bend);
                let f = (wrist - elbow).unit_or(-Vec3::Y);
                (
                    elbow,
                    wrist,
                    end.unit_or(f),
                    f,
                    (elbow - shoulder).unit_or(-Vec3::Y),
                )
            }
        };
        // The hand's width axis: across the elbow hinge, or the trunk's
        // left-right axis when the arm is straight.
        let across = fore_dir
            .cross(upper_dir)
            .unit_or(thorax.x)
            .cross(hand_dir)
            .unit_or(thorax.x);
        let w = 0.012 * body.height_m * side.sign();
        let hl = body.hand_m;
        let (sh, el, wr, pi, ix, th) = match side {
            Side::Left => (
                J::LeftShoulder,
                J::LeftElbow,
                J::LeftWrist,
                J::LeftPinky,
                J::LeftIndex,
                J::LeftThumb,
            ),
            Side::Right => (
                J::RightShoulder,
                J::RightElbow,
                J::RightWrist,
                J::RightPinky,
                J::RightIndex,
                J::RightThumb,
            ),
        };
        sk.set(sh, shoulder);
        sk.set(el, elbow);
        sk.set(wr, wrist);
        sk.set(ix, wrist + hand_dir * (0.8 * hl) + across * w);
        sk.set(pi, wrist + hand_dir * (0.7 * hl) - across * w);
        sk.set(th, wrist + hand_dir * (0.35 * hl) + across * (2.0 * w));
    }

    // Neck and head.
    let neck_frame = thorax.then(&posture.neck.matrix());
    let neck_root = mid_shoulder + thorax.y * body.neck_base_m;
    let head_pivot = neck_root + neck_frame.y * body.neck_m;
    let head = neck_frame.then(&posture.head.matrix());
    let u = body.head_unit_m;
    // Face features relative to the head pivot, in fractions of height:
    // ears about 0.085 H apart (bitragion breadth ~14.5 cm), eyes 0.037 H
    // apart (interpupillary distance), nose tip 11 cm in front of the ears.
    let face = |x: f64, y: f64, z: f64| head_pivot + head.apply(Vec3::new(x * u, y * u, z * u));
    sk.set(J::LeftEar, face(0.0425, 0.02, 0.0));
    sk.set(J::RightEar, face(-0.0425, 0.02, 0.0));
    sk.set(J::LeftEye, face(0.0185, 0.032, 0.05));
    sk.set(J::RightEye, face(-0.0185, 0.032, 0.05));
    sk.set(J::LeftEyeInner, face(0.010, 0.032, 0.052));
    sk.set(J::RightEyeInner, face(-0.010, 0.032, 0.052));
    sk.set(J::LeftEyeOuter, face(0.028, 0.032, 0.046));
    sk.set(J::RightEyeOuter, face(-0.028, 0.032, 0.046));
    sk.set(J::Nose, face(0.0, 0.015, 0.066));
    sk.set(J::MouthLeft, face(0.014, -0.006, 0.056));
    sk.set(J::MouthRight, face(-0.014, -0.006, 0.056));
    (sk, Frames { thorax, head })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_heights_match_the_chart() {
        let body = Body::adult(1.70);
        let (sk, _) = landmarks(&body, &Posture::standing(&body));
        let h = body.height_m;
        let shoulder = sk.get(Joint::LeftShoulder).y / h;
        let hip = sk.get(Joint::LeftHip).y / h;
        let eye = sk.get(Joint::LeftEye).y / h;
        assert!((shoulder - 0.818).abs() < 0.01, "shoulder {shoulder}");
        assert!((hip - 0.530).abs() < 0.01, "hip {hip}");
        assert!((eye - 0.936).abs() < 0.02, "eye {eye}");
        assert!(
            sk.get(Joint::LeftShoulder).x > 0.0,
            "left is +x when facing +z"
        );
        let torso = (sk.mid_shoulder() - sk.mid_hip()).len();
        assert!((torso - body.torso_m).abs() < 1e-9);
    }

    #[test]
    fn two_bone_keeps_lengths() {
        let (mid, end) = two_bone(Vec3::ZERO, Vec3::new(0.0, -0.5, 0.1), 0.3, 0.25, -Vec3::Z);
        assert!((mid.len() - 0.3).abs() < 1e-9);
        assert!(((end - mid).len() - 0.25).abs() < 1e-9);
        assert!(mid.z < 0.0, "bends toward the hint");
    }

    #[test]
    fn rotations_follow_the_sign_conventions() {
        let flexed = SegRot::deg(90.0, 0.0, 0.0).matrix();
        assert!(
            (flexed.y - Vec3::Z).len() < 1e-9,
            "flexion tips the segment forward"
        );
        let turned = SegRot::deg(0.0, 0.0, 90.0).matrix();
        assert!(
            (turned.z - Vec3::X).len() < 1e-9,
            "twist turns the front to the left"
        );
        let bent = SegRot::deg(0.0, 90.0, 0.0).matrix();
        assert!(
            (bent.y - Vec3::X).len() < 1e-9,
            "side bend goes to the left"
        );
    }
}
