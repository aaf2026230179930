//! How a synthetic person does the exercise, as plain data: key postures of
//! the synthetic body model, a rep pattern visiting them, and one fault per
//! form rule. The coach never reads it; the picker draws key 0 (the start
//! position) and `synth` animates the rest into labelled test tracks. It
//! lives in the exercise's file so that a new exercise needs no new Rust.
//!
//! Conventions (see `synth::body`): the person faces scene +z; angles are
//! degrees as `[flex, side bend, twist]`; directions are `[lateral, up,
//! forward]` in the body's own frame. Everything is written for the left
//! side (or the left side on top); on the right side, lateral components,
//! side bends and twists change sign.

use serde::{Deserialize, Serialize};

use super::model::Rule;

/// How an exercise uses sides within one track.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sides {
    /// No sides (both arms together, or the head in the sagittal plane).
    #[default]
    None,
    /// Left, right, left, right...
    Alternate,
    /// One side per track (lying on one side): the track's side.
    One,
}

/// What the coach counts for one pass through the pattern.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Count {
    /// One rep per pass.
    #[default]
    PerRep,
    /// One per return to the start position (an IYT round is three).
    PerReturn,
    /// One for the whole track (a breathing session is one long hold).
    Once,
}

/// Where the synthetic camera stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraView {
    /// Side-on, from the person's left.
    SideLeft,
    /// Side-on, from the person's right.
    SideRight,
    /// In front.
    Front,
    /// In front and above, for someone lying on the floor.
    FrontAbove,
    /// Halfway between front and the left side.
    Oblique,
}

/// A start position the body model knows how to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// Standing upright, arms hanging.
    Standing,
    /// On hands and knees, hands planted under the shoulders.
    AllFours,
    /// Sitting upright on a chair, hands on the thighs.
    Seated,
    /// Lying on the back, knees bent.
    Supine,
    /// Lying face down.
    Prone,
    /// Lying on one side, knees drawn up; the exercise's side on top.
    SideLying,
}

/// What a fault does to the body. Sizes are in the unit of [`Fault::amount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// While holding the key reached by pattern step `step` (the hold is
    /// lengthened so the fault lasts a couple of seconds).
    #[default]
    Hold,
    /// From early in the rep's first move until the rep turns back after `step`.
    Move,
    /// The whole rep is done quickly.
    Fast,
}

/// One leg of a rep: move to `key` in `move_s`, then hold it `hold_s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Index into the key postures.
    pub key: usize,
    /// Seconds spent moving there.
    pub move_s: f64,
    /// Seconds held there.
    pub hold_s: f64,
}

/// An arm blended toward another shape by a fault's amount (0..1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmBlend {
    /// The fault that bends the arm.
    pub effect: Effect,
    /// The upper arm's direction at full fault.
    pub upper: Option<[f64; 3]>,
    /// The forearm's direction at full fault.
    pub lower: Option<[f64; 3]>,
}

/// Arms drifting apart: the sine of the fault's angle (times `scale`) is
/// added to the lateral component of both segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmSpread {
    /// The fault that spreads the arms (degrees).
    pub effect: Effect,
    /// Share of the fault's angle at this key.
    #[serde(default = "one")]
    pub scale: f64,
}

fn one() -> f64 {
    1.0
}

/// An arm: segment directions in the body's frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmPose {
    /// Shoulder to elbow.
    pub upper: [f64; 3],
    /// Elbow to wrist.
    pub lower: [f64; 3],
    /// Wrist to hand (the forearm's direction when absent).
    pub end: Option<[f64; 3]>,
    /// Faults that change the arm's shape, applied in order.
    #[serde(default)]
    pub blend: Vec<ArmBlend>,
    /// A fault that spreads the arms.
    pub spread: Option<ArmSpread>,
}

/// One key posture: a base position or an earlier key, then changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyframe {
    /// Start from a base position ...
    pub base: Option<Base>,
    /// ... or from an earlier key (key 0 when neither is given).
    pub like: Option<usize>,
    /// Hips sitting back toward the heels, degrees (`all_fours`).
    #[serde(default)]
    pub hips_back_deg: f64,
    /// Hips lifted off the floor, metres (`supine`: on a roller).
    #[serde(default)]
    pub lift_m: f64,
    /// The pelvis's up direction (with `pelvis_front`).
    pub pelvis_up: Option<[f64; 3]>,
    /// The pelvis's front (belly) direction.
    pub pelvis_front: Option<[f64; 3]>,
    /// The pelvis tilted about its own lateral axis, degrees.
    pub pelvis_tilt_deg: Option<f64>,
    /// Lower back.
    pub lumbar: Option<[f64; 3]>,
    /// Upper back.
    pub thorax: Option<[f64; 3]>,
    /// Neck.
    pub neck: Option<[f64; 3]>,
    /// Head on the neck.
    pub head: Option<[f64; 3]>,
    /// Shoulders raised toward the ears, metres.
    pub shrug_m: Option<f64>,
    /// Shoulder blades drawn forward (+) or back (-), metres.
    pub protract_m: Option<f64>,
    /// Both arms, mirror images of each other.
    pub arms: Option<ArmPose>,
    /// Both arms pointing the same way, toward the exercise's side.
    pub arms_to_side: Option<ArmPose>,
    /// The arm of the exercise's side only.
    pub arm: Option<ArmPose>,
}

/// One rule's fault, injected into the synthetic tracks at a known time and
/// size so the evaluation can score the rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Rule id, as in this file.
    pub rule: String,
    /// What the body does.
    pub effect: Effect,
    /// Direction for the vector effects (lateral, toward the head, up).
    #[serde(default)]
    pub dir: [f64; 3],
    /// Effect amount at full size.
    pub amount: f64,
    /// Designed change of the rule's own measure at full size.
    pub size: f64,
    /// The unit of `size`: "torso", "deg", "deg/s", "torso/s".
    pub unit: String,
    /// The rule's threshold in `unit`.
    pub threshold: f64,
    /// When in the rep.
    #[serde(default)]
    pub timing: Timing,
    /// The pattern step the timing refers to.
    #[serde(default)]
    pub step: usize,
    /// Rules that the same movement also breaks near their threshold:
    /// labelled optional (a warning is not false, silence is not a miss).
    #[serde(default)]
    pub also: Vec<String>,
}

/// Most reps a clean synthetic track may do, per side.
const MAX_REPS: usize = 50;

/// Most steps in one rep's pattern.
const MAX_STEPS: usize = 50;

/// Longest move or hold of one step, seconds.
const MAX_STEP_S: f64 = 120.0;

impl Keyframe {
    /// Whether every number in the key is finite.
    fn finite(&self) -> bool {
        let arm = |a: &ArmPose| {
            a.upper
                .iter()
                .chain(&a.lower)
                .chain(a.end.iter().flatten())
                .chain(
                    a.blend
                        .iter()
                        .flat_map(|b| b.upper.iter().chain(&b.lower).flatten()),
                )
                .chain(a.spread.iter().map(|s| &s.scale))
                .all(|x| x.is_finite())
        };
        let vectors = [
            self.pelvis_up,
            self.pelvis_front,
            self.lumbar,
            self.thorax,
            self.neck,
            self.head,
        ];
        let scalars = [
            Some(self.hips_back_deg),
            Some(self.lift_m),
            self.pelvis_tilt_deg,
            self.shrug_m,
            self.protract_m,
        ];
        vectors.iter().flatten().flatten().all(|x| x.is_finite())
            && scalars.iter().flatten().all(|x| x.is_finite())
            && [&self.arms, &self.arms_to_side, &self.arm]
                .into_iter()
                .flatten()
                .all(arm)
    }
}

/// The synthetic person's exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Motion {
    /// Side handling.
    #[serde(default)]
    pub sides: Sides,
    /// Reps (or holds) in a clean track, per side where sided.
    pub reps: usize,
    /// What one pass through the pattern counts as.
    #[serde(default)]
    pub count: Count,
    /// Knees and feet rest on the floor and stay there when the hips move.
    #[serde(default)]
    pub planted_legs: bool,
    /// Breathing moves the chest; standing adds a slow postural sway.
    #[serde(default)]
    pub standing: bool,
    /// The camera of the main tracks, then the other one.
    pub views: [CameraView; 2],
    /// The rep pattern, ending back at key 0.
    pub pattern: Vec<Step>,
    /// The key postures; key 0 is the start position.
    pub keys: Vec<Keyframe>,
    /// One fault per form rule.
    #[serde(default)]
    pub faults: Vec<Fault>,
}

impl Motion {
    /// Cross-references: keys, steps and rules named must exist.
    pub(super) fn check(&self, rules: &[Rule]) -> Result<(), String> {
        let Some(first) = self.keys.first() else {
            return Err("`motion.keys` is empty; key 0 is the start position".to_owned());
        };
        if first.base.is_none() {
            return Err("`motion.keys` key 0 needs a `base` position".to_owned());
        }
        for (i, k) in self.keys.iter().enumerate() {
            if k.base.is_some() && k.like.is_some() {
                return Err(format!("motion key {i} has both `base` and `like`"));
            }
            if k.like.is_some_and(|l| l >= i) {
                return Err(format!("motion key {i}: `like` must name an earlier key"));
            }
            if k.pelvis_up.is_some() != k.pelvis_front.is_some() {
                return Err(format!(
                    "motion key {i}: `pelvis_up` and `pelvis_front` go together"
                ));
            }
        }
        if !(1..=MAX_REPS).contains(&self.reps) {
            return Err(format!("`motion.reps` must be 1 to {MAX_REPS}"));
        }
        if self.pattern.is_empty() || self.pattern.len() > MAX_STEPS {
            return Err(format!("`motion.pattern` needs 1 to {MAX_STEPS} steps"));
        }
        if let Some(s) = self.pattern.iter().find(|s| {
            !(0.0..=MAX_STEP_S).contains(&s.move_s) || !(0.0..=MAX_STEP_S).contains(&s.hold_s)
        }) {
            return Err(format!(
                "`motion.pattern`: a step to key {} moves or holds outside 0 to {MAX_STEP_S} s",
                s.key
            ));
        }
        if let Some(i) = self.keys.iter().position(|k| !k.finite()) {
            return Err(format!("motion key {i} has a number that is not finite"));
        }
        if let Some(s) = self.pattern.iter().find(|s| s.key >= self.keys.len()) {
            return Err(format!(
                "`motion.pattern` visits key {}, but there are {} keys",
                s.key,
                self.keys.len()
            ));
        }
        for f in &self.faults {
            let numbers = [f.amount, f.size, f.threshold].into_iter().chain(f.dir);
            if numbers.into_iter().any(|x| !x.is_finite()) {
                return Err(format!(
                    "motion fault of `{}` has a number that is not finite",
                    f.rule
                ));
            }
            for id in std::iter::once(&f.rule).chain(&f.also) {
                if !rules.iter().any(|r| &r.id == id) {
                    return Err(format!(
                        "motion fault names rule `{id}`, which is not in this file"
                    ));
                }
            }
            if f.step >= self.pattern.len() {
                return Err(format!(
                    "motion fault of `{}`: step {} is past the pattern's {} steps",
                    f.rule,
                    f.step,
                    self.pattern.len()
                ));
            }
        }
        Ok(())
    }
}
