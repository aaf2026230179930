//! Each coach rule's fault, injected at a known time and size with a ramp.
//!
//! The faults are data in each exercise's file (`[[motion.faults]]` in
//! `src/coach/exercises/<id>.toml`): every warning rule gets a physical fault that breaks the rule by its own
//! measure, sized 1.5-3 times the rule's threshold, ramping in over
//! [`RAMP_S`] as a person's form drifts. Where the realistic fault moves
//! the body mostly toward or away from the camera, it is still injected as it
//! happens (so a 2D measure's blind spot shows up in the evaluation instead
//! of being hidden by a fault chosen to suit the measure).

use crate::coach::exercise::motion::{Motion, Timing as FileTiming};

use super::body::{Mat3, Posture, Side, Vec3};

pub use crate::coach::exercise::motion::Effect;

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

/// One rule's fault, as the exercise's file describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Rule id, as in the exercise file.
    pub rule: String,
    /// What the body does.
    pub effect: Effect,
    /// Direction for the vector effects (lateral, toward the head, up).
    pub dir: Vec3,
    /// Effect amount at full size.
    pub amount: f64,
    /// Designed change of the rule's own measure at full size.
    pub size: f64,
    /// The unit of `size`: "torso", "deg", "deg/s", "torso/s".
    pub unit: String,
    /// The rule's threshold in `unit`.
    pub threshold: f64,
    /// When in the rep.
    pub timing: Timing,
    /// Rules that the same movement also breaks by their own definition,
    /// near their threshold: labelled optional (a warning is not false,
    /// silence is not a miss).
    pub also: Vec<String>,
}

/// Seconds a fault takes to build up (and to go away).
pub const RAMP_S: f64 = 0.6;

/// Seconds a fault is held at full size.
pub const FAULT_HOLD_S: f64 = 1.8;

/// The faults of one exercise's motion, in its file's order.
#[must_use]
pub fn for_motion(motion: &Motion) -> Vec<FaultSpec> {
    motion
        .faults
        .iter()
        .map(|f| FaultSpec {
            rule: f.rule.clone(),
            effect: f.effect,
            dir: Vec3::new(f.dir[0], f.dir[1], f.dir[2]),
            amount: f.amount,
            size: f.size,
            unit: f.unit.clone(),
            threshold: f.threshold,
            timing: match f.timing {
                FileTiming::Hold => Timing::Hold(f.step),
                FileTiming::Move => Timing::Move(f.step),
                FileTiming::Fast => Timing::Fast,
            },
            also: f.also.clone(),
        })
        .collect()
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
        let (cat, _) = crate::coach::Catalogue::builtin();
        for ex in cat.iter() {
            let Some(motion) = &ex.motion else { continue };
            for f in for_motion(motion) {
                if f.threshold > 0.0 {
                    let ratio = f.size / f.threshold;
                    assert!(
                        (1.5..=3.1).contains(&ratio),
                        "{} {}: {ratio}",
                        ex.id,
                        f.rule
                    );
                }
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
