//! Each coach rule's fault, injected at a known time and size with a ramp.
//!
//! The table follows the coach's contract (`src/coach/exercises/<id>.toml`):
//! every warning rule gets a physical fault that breaks the rule by its own
//! measure, sized 1.5-3 times the rule's threshold, ramping in over
//! [`RAMP_S`] as a person's form drifts. Where the realistic fault moves
//! the body mostly toward or away from the camera, it is still injected as it
//! happens (so a 2D measure's blind spot shows up in the evaluation instead
//! of being hidden by a fault chosen to suit the measure).

use super::body::{Mat3, Posture, Side, Vec3};

/// What a fault does to the body. Sizes are in the unit of [`FaultSpec::amount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    /// The pelvis moves along `dir` (lateral, toward the head, up), torso lengths.
    HipShift,
    /// The pelvis rolls back about the bottom hip (side-lying), degrees.
    PelvisRoll,
    /// Both knees slide along `dir`, torso lengths.
    KneeSlide,
    /// The top knee lifts off the bottom one, torso lengths.
    KneeLift,
    /// Extra lumbar flexion (+) or extension (-), degrees.
    LumbarBend,
    /// The trunk turns with the head toward the rep side, degrees.
    TrunkTwist,
    /// Extra head nod (+ down), degrees.
    HeadFlex,
    /// Extra neck flexion (+) or extension (-), degrees.
    NeckFlex,
    /// Head tipped toward a shoulder, degrees.
    HeadSide,
    /// Both shoulders rise toward the ears, torso lengths.
    Shrug,
    /// Shoulders sink toward the floor between the arms, torso lengths.
    ShoulderSink,
    /// Planted hands walk forward of the shoulders, torso lengths.
    HandsForward,
    /// Elbows drift forward (0 = correct, 1 = fully forward).
    ElbowsForward,
    /// Elbows lift to shoulder height (0..1).
    ElbowsUp,
    /// Elbows bend (0 = straight, 1 = fully bent).
    ElbowBend,
    /// Elbows straighten out of the W (0..1).
    ElbowStraighten,
    /// Arms drift out of the sagittal plane, degrees each.
    ArmsApart,
    /// A rep done fast: its moves take `amount` of their normal time.
    Fast,
}

/// When, within a rep, a fault happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// While holding the key reached by pattern step `n` (the hold is
    /// lengthened so the fault lasts a couple of seconds).
    Hold(usize),
    /// From early in the rep's first move until the rep turns back after step `n`.
    Move(usize),
    /// The whole rep is done quickly.
    Fast,
}

/// One rule's fault.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultSpec {
    /// Exercise id.
    pub exercise: &'static str,
    /// Rule id, as in the exercise file.
    pub rule: &'static str,
    /// What the body does.
    pub effect: Effect,
    /// Direction for the vector effects (lateral, toward the head, up).
    pub dir: Vec3,
    /// Effect amount at full size.
    pub amount: f64,
    /// Designed change of the rule's own measure at full size.
    pub size: f64,
    /// The unit of `size`: "torso", "deg", "deg/s", "torso/s".
    pub unit: &'static str,
    /// The rule's threshold in `unit` (from the contract).
    pub threshold: f64,
    /// When in the rep.
    pub timing: Timing,
    /// Rules that the same movement also breaks by their own definition,
    /// near their threshold: labelled optional (a warning is not false,
    /// silence is not a miss).
    pub also: &'static [&'static str],
}

/// Seconds a fault takes to build up (and to go away).
pub const RAMP_S: f64 = 0.6;

/// Seconds a fault is held at full size.
pub const FAULT_HOLD_S: f64 = 1.8;

const NO_DIR: Vec3 = Vec3::ZERO;

#[allow(clippy::too_many_arguments)]
const fn spec(
    exercise: &'static str,
    rule: &'static str,
    effect: Effect,
    dir: Vec3,
    amount: f64,
    size: f64,
    unit: &'static str,
    threshold: f64,
    timing: Timing,
) -> FaultSpec {
    FaultSpec {
        exercise,
        rule,
        effect,
        dir,
        amount,
        size,
        unit,
        threshold,
        timing,
        also: &[],
    }
}

/// Every rule's fault, per the coach contract.
#[must_use]
#[allow(clippy::too_many_lines)] // a table: one entry per rule
pub fn table() -> Vec<FaultSpec> {
    use Effect as E;
    use Timing as T;
    vec![
        // Hips sit back and sway toward the threading side.
        spec(
            "thread-the-needle",
            "hips-still",
            E::HipShift,
            Vec3::new(0.45, -0.85, -0.1),
            0.33,
            0.33,
            "torso",
            0.15,
            T::Hold(1),
        ),
        // Both knees shuffle back and out as the person reaches under.
        spec(
            "thread-the-needle",
            "knees-still",
            E::KneeSlide,
            Vec3::new(0.5, -0.85, 0.0),
            0.3,
            0.3,
            "torso",
            0.15,
            T::Hold(1),
        ),
        // Knees sliding back open the shoulder-hip-knee angle, which is the
        // hips-back rule's own measure.
        FaultSpec {
            also: &["hips-back"],
            ..spec(
                "quadruped-rotation",
                "knees-still",
                E::KneeSlide,
                Vec3::new(0.5, -0.85, 0.0),
                0.26,
                0.26,
                "torso",
                0.12,
                T::Hold(0),
            )
        },
        // Hips come forward off the heels: the hip angle opens.
        spec(
            "quadruped-rotation",
            "hips-back",
            E::HipShift,
            Vec3::new(0.0, 1.0, 0.1),
            0.38,
            30.0,
            "deg",
            15.0,
            T::Hold(0),
        ),
        spec(
            "cat-cow",
            "hands-under-shoulders",
            E::HandsForward,
            NO_DIR,
            0.5,
            0.5,
            "torso",
            0.25,
            T::Hold(0),
        ),
        spec(
            "cat-cow",
            "knees-under-hips",
            E::KneeSlide,
            Vec3::new(0.0, -1.0, 0.0),
            0.5,
            0.5,
            "torso",
            0.25,
            T::Hold(0),
        ),
        // Rocking the hips forward carries the shoulders forward past the
        // planted hands, which breaks the hands-under-shoulders measure too.
        FaultSpec {
            also: &["knees-under-hips", "hands-under-shoulders"],
            ..spec(
                "cat-cow",
                "hips-not-rocking",
                E::HipShift,
                Vec3::new(0.0, 1.0, 0.0),
                0.3,
                0.3,
                "torso",
                0.15,
                T::Hold(1),
            )
        },
        spec(
            "cat-cow",
            "push-floor-away",
            E::ShoulderSink,
            NO_DIR,
            0.2,
            0.2,
            "torso",
            0.08,
            T::Hold(0),
        ),
        spec(
            "side-lying-open-book",
            "knees-together",
            E::KneeLift,
            NO_DIR,
            0.35,
            0.35,
            "torso",
            0.15,
            T::Hold(1),
        ),
        // The hips roll back with the chest: a rotation about the bottom
        // hip, mostly away from a front camera.
        spec(
            "side-lying-open-book",
            "hips-stacked",
            E::PelvisRoll,
            NO_DIR,
            55.0,
            // The top hip sinks by (1 - cos 55) of the hip width: the hips'
            // vertical split shrinks by ~0.135 torso.
            0.135,
            "torso",
            0.08,
            T::Hold(1),
        ),
        spec(
            "side-lying-open-book",
            "slow-tempo",
            E::Fast,
            NO_DIR,
            0.3,
            5.0,
            "torso/s",
            2.5,
            T::Fast,
        ),
        spec(
            "thoracic-rotation-side-lying",
            "hips-stacked",
            E::PelvisRoll,
            NO_DIR,
            55.0,
            // The top hip sinks by (1 - cos 55) of the hip width: the hips'
            // vertical split shrinks by ~0.135 torso.
            0.135,
            "torso",
            0.08,
            T::Hold(0),
        ),
        spec(
            "thoracic-rotation-side-lying",
            "knees-together",
            E::KneeLift,
            NO_DIR,
            0.35,
            0.35,
            "torso",
            0.15,
            T::Hold(0),
        ),
        // Lifting the seat 0.4 torso within the 0.6 s ramp carries the shoulders
        // up at ~0.75 torso/s: the trunk-speed rule's own limit.
        FaultSpec {
            also: &["slow-controlled"],
            ..spec(
                "seated-trunk-rotation",
                "stay-seated",
                E::HipShift,
                Vec3::new(0.0, 0.0, 1.0),
                0.4,
                0.4,
                "torso",
                0.2,
                T::Hold(1),
            )
        },
        spec(
            "seated-trunk-rotation",
            "slow-controlled",
            E::Fast,
            NO_DIR,
            0.3,
            1.3,
            "torso/s",
            0.75,
            T::Fast,
        ),
        spec(
            "thoracic-extension-chair",
            "ribs-not-flaring",
            E::LumbarBend,
            NO_DIR,
            -36.0,
            36.0,
            "deg",
            // The rule allows 30 degrees of trunk lean, of which the correct
            // extension (where the fault is injected) already uses ~17: the
            // fault crosses the rule after 13 of its 36 degrees.
            13.0,
            T::Hold(0),
        ),
        spec(
            "thoracic-extension-chair",
            "elbows-wide",
            E::ElbowsForward,
            NO_DIR,
            1.0,
            0.6,
            "torso",
            0.3,
            T::Hold(0),
        ),
        spec(
            "bench-thoracic-extension",
            "ribs-not-flaring",
            E::LumbarBend,
            NO_DIR,
            30.0,
            30.0,
            "deg",
            15.0,
            T::Hold(0),
        ),
        spec(
            "backward-shoulder-rolls",
            "elbows-straight",
            E::ElbowBend,
            NO_DIR,
            1.0,
            60.0,
            "deg",
            25.0,
            T::Hold(0),
        ),
        spec(
            "backward-shoulder-rolls",
            "no-low-back-arch",
            E::LumbarBend,
            NO_DIR,
            -30.0,
            30.0,
            "deg",
            15.0,
            T::Hold(0),
        ),
        spec(
            "backward-shoulder-rolls",
            "neck-relaxed",
            E::HeadFlex,
            NO_DIR,
            -45.0,
            45.0,
            "deg",
            25.0,
            T::Hold(0),
        ),
        spec(
            "laying-arm-extensions",
            "ribs-not-flaring",
            E::LumbarBend,
            NO_DIR,
            26.0,
            26.0,
            "deg",
            12.0,
            T::Hold(1),
        ),
        // Arms drift apart overhead: out of the sagittal plane, so mostly
        // in depth for a side camera.
        spec(
            "laying-arm-extensions",
            "arms-in-plane",
            E::ArmsApart,
            NO_DIR,
            20.0,
            0.78,
            "torso",
            0.3,
            T::Hold(1),
        ),
        spec(
            "laying-arm-extensions",
            "breathing-tempo",
            E::Fast,
            NO_DIR,
            0.3,
            200.0,
            "deg/s",
            90.0,
            T::Fast,
        ),
        spec(
            "prone-w",
            "elbows-bent",
            E::ElbowStraighten,
            NO_DIR,
            1.0,
            55.0,
            "deg",
            0.0,
            T::Hold(0),
        ),
        spec(
            "prone-w",
            "neck-relaxed",
            E::NeckFlex,
            NO_DIR,
            -45.0,
            40.0,
            "deg",
            20.0,
            T::Hold(0),
        ),
        spec(
            "prone-w",
            "low-back-not-overextended",
            E::LumbarBend,
            NO_DIR,
            -42.0,
            42.0,
            "deg",
            20.0,
            T::Hold(0),
        ),
        // Rolling off the roller: the body drops to the floor and sideways.
        spec(
            "thoracic-iyt",
            "stay-on-roller",
            E::HipShift,
            Vec3::new(0.75, 0.0, -0.6),
            0.45,
            0.45,
            "torso",
            0.15,
            T::Hold(4),
        ),
        spec(
            "thoracic-iyt",
            "slow-tempo",
            E::Fast,
            NO_DIR,
            0.25,
            // Hands' speed: a controlled IYT peaks near 1.8 torso/s, four
            // times faster near 7.
            7.0,
            "torso/s",
            2.5,
            T::Fast,
        ),
        spec(
            "desk-reset-reach",
            "ribs-not-flaring",
            E::LumbarBend,
            NO_DIR,
            -26.0,
            26.0,
            "deg",
            12.0,
            T::Hold(0),
        ),
        spec(
            "desk-reset-reach",
            "elbows-down",
            E::ElbowsUp,
            NO_DIR,
            1.0,
            0.3,
            "torso",
            0.1,
            T::Hold(1),
        ),
        spec(
            "desk-reset-reach",
            "elbows-back",
            E::ElbowsForward,
            NO_DIR,
            1.0,
            0.45,
            "torso",
            0.2,
            T::Hold(1),
        ),
        spec(
            "chin-tuck",
            "no-nodding",
            E::HeadFlex,
            NO_DIR,
            26.0,
            26.0,
            "deg",
            15.0,
            T::Hold(0),
        ),
        spec(
            "chin-tuck",
            "trunk-still",
            E::LumbarBend,
            NO_DIR,
            -11.0,
            0.19,
            "torso",
            0.08,
            T::Hold(0),
        ),
        spec(
            "neck-flexion-extension",
            "trunk-still",
            E::LumbarBend,
            NO_DIR,
            11.0,
            0.19,
            "torso",
            0.08,
            T::Hold(0),
        ),
        spec(
            "seated-cervical-rotation",
            "shoulders-square",
            E::TrunkTwist,
            NO_DIR,
            40.0,
            40.0,
            "deg",
            20.0,
            T::Hold(0),
        ),
        spec(
            "seated-cervical-rotation",
            "head-level",
            E::HeadSide,
            NO_DIR,
            26.0,
            26.0,
            "deg",
            12.0,
            T::Hold(0),
        ),
        spec(
            "breathing-360",
            "shoulders-down",
            E::Shrug,
            NO_DIR,
            0.13,
            0.13,
            "torso",
            0.08,
            T::Hold(0),
        ),
    ]
}

/// The fault specs of one exercise.
#[must_use]
pub fn for_exercise(id: &str) -> Vec<FaultSpec> {
    table().into_iter().filter(|f| f.exercise == id).collect()
}

/// One active fault at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Active {
    effect: Effect,
    amount: f64,
    dir: Vec3,
}

/// The fault amounts in force at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mods {
    active: Vec<Active>,
}

impl Mods {
    /// Adds an effect at `amount` (already scaled by the ramp).
    pub fn push(&mut self, effect: Effect, amount: f64, dir: Vec3) {
        if amount != 0.0 {
            self.active.push(Active {
                effect,
                amount,
                dir,
            });
        }
    }

    /// The summed amount of `effect` (0 when absent).
    #[must_use]
    pub fn get(&self, effect: Effect) -> f64 {
        self.active
            .iter()
            .filter(|a| a.effect == effect)
            .map(|a| a.amount)
            .sum()
    }

    /// The summed `amount * dir` of a vector effect.
    #[must_use]
    pub fn vector(&self, effect: Effect) -> Vec3 {
        self.active
            .iter()
            .filter(|a| a.effect == effect)
            .fold(Vec3::ZERO, |acc, a| {
                acc + a.dir.unit_or(Vec3::ZERO) * a.amount
            })
    }
}

/// A body-relative direction (lateral toward `side`, toward the head along
/// the floor, up) in the scene, for a posture's pelvis.
fn body_dir(p: &Posture, d: Vec3, side: Side) -> Vec3 {
    let lat = p.pelvis_axes.x * side.sign();
    let head = p.pelvis_axes.y;
    let long = Vec3::new(head.x, 0.0, head.z).unit_or(Vec3::Z);
    lat * d.x + long * d.y + Vec3::Y * d.z
}

/// Rotation by `angle` about unit `axis` (Rodrigues).
fn rotate(p: Vec3, axis: Vec3, angle: f64) -> Vec3 {
    let (s, c) = angle.sin_cos();
    p * c + axis.cross(p) * s + axis * (axis.dot(p) * (1.0 - c))
}

/// Applies the faults that bend or turn the spine, head and shoulders.
/// These leave the pelvis where it is.
pub fn apply_spine(p: &mut Posture, mods: &Mods, torso_m: f64, side: Side) {
    let r = f64::to_radians;
    p.lumbar.flex += r(mods.get(Effect::LumbarBend));
    let twist = r(mods.get(Effect::TrunkTwist)) * side.sign();
    p.lumbar.twist += twist;
    p.neck.twist -= twist;
    p.head.flex += r(mods.get(Effect::HeadFlex));
    p.neck.flex += r(mods.get(Effect::NeckFlex));
    p.head.side += r(mods.get(Effect::HeadSide)) * side.sign();
    let shrug = mods.get(Effect::Shrug) * torso_m;
    let sink = mods.get(Effect::ShoulderSink) * torso_m;
    for i in 0..2 {
        p.shrug_m[i] += shrug;
        p.protract_m[i] += sink;
    }
}

/// Applies the faults that move the pelvis (and everything chained to it).
pub fn apply_pelvis(p: &mut Posture, mods: &Mods, torso_m: f64, hip_half_m: f64, side: Side) {
    let shift = mods.vector(Effect::HipShift);
    if shift != Vec3::ZERO {
        p.pelvis = p.pelvis + body_dir(p, shift, side) * torso_m;
    }
    let roll = mods.get(Effect::PelvisRoll).to_radians();
    if roll != 0.0 {
        // Lying with `side` on top: the top hip rolls backward (away from
        // the chest, -z) about the bottom hip, which stays on the floor.
        let axis = p.pelvis_axes.y;
        let top = p.pelvis_axes.x * side.sign();
        let pivot = p.pelvis - top * hip_half_m;
        // Positive rotation about the head axis carries local x toward -z
        // (see `Mat3::rot_y`), so the sign follows the top side.
        let angle = roll * side.sign();
        p.pelvis = pivot + rotate(p.pelvis - pivot, axis, angle);
        p.pelvis_axes = Mat3 {
            x: rotate(p.pelvis_axes.x, axis, angle),
            y: p.pelvis_axes.y,
            z: rotate(p.pelvis_axes.z, axis, angle),
        };
    }
}

/// Landmark offsets for knee faults, scene metres: `(both knees, top knee)`.
#[must_use]
pub fn knee_offsets(p: &Posture, mods: &Mods, torso_m: f64, side: Side) -> (Vec3, Vec3) {
    let knee_dir = mods.vector(Effect::KneeSlide);
    let both = if knee_dir == Vec3::ZERO {
        Vec3::ZERO
    } else {
        body_dir(p, knee_dir, side) * torso_m
    };
    let top = Vec3::Y * (mods.get(Effect::KneeLift) * torso_m);
    (both, top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_is_clearly_beyond_its_threshold() {
        for f in table() {
            if f.threshold > 0.0 {
                let ratio = f.size / f.threshold;
                assert!(
                    (1.5..=3.1).contains(&ratio),
                    "{} {}: {ratio}",
                    f.exercise,
                    f.rule
                );
            }
        }
    }

    #[test]
    fn mods_sum_amounts() {
        let mut m = Mods::default();
        m.push(Effect::Shrug, 0.1, Vec3::ZERO);
        m.push(Effect::Shrug, 0.05, Vec3::ZERO);
        assert!((m.get(Effect::Shrug) - 0.15).abs() < 1e-12);
        assert!(m.get(Effect::HeadSide).abs() < 1e-12);
    }
}
