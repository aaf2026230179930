//! The back's curve as BlazePose's silhouette tracer reports it, for the
//! synthetic body.
//!
//! The body model's trunk is two straight segments: the lumbar segment,
//! flexed on the pelvis by `Posture::lumbar`, and the thoracic one, flexed
//! on the lumbar segment by `Posture::thorax` (positive = forward, the same
//! sign as the tracer's "rounded"). A silhouette tracer never sees those
//! joint angles; it fits an arc to the back's edge over a span of the trunk
//! (`pose::spine`). This module maps the model's angles onto the scale the
//! tracer gives and adds what the tracer does to them: jitter, a slow
//! wander, lost frames, and a confidence that falls as the view turns from
//! side-on to front-on, computed as `pose::spine::measure` computes it.
//!
//! # The mapping
//!
//! The tracer's readings (`pose::spine`'s doc) on flat backs are 15-20
//! degrees of rounding, not 0: the span takes in the shoulder blades' bulge
//! (tabletop 15, lying prone 20), and the seated cat-cow clip swings between
//! about -6 (extended) and +51 (rounded) in half-second medians, sitting
//! upright at about 20. The model's cat-cow thorax goes from -12 (cow) to
//! +16 (cat), 28 degrees, where the tracer saw about 57: the traced edge
//! bends with the ribs and shoulder blades as well as the spine. So
//! `thoracic = 18 + 2.0 * thorax flex`: the cat reads 50, the cow -6,
//! neutral 18. The lumbar span's readings on the same clip sit near +10
//! upright and -8 extended; a lumbar segment's flexion moves the edge about
//! one for one (no shoulder blades there), so `lumbar = 5 + lumbar flex`.
//!
//! Faults that a rule describes as the low back arching or the ribs flaring
//! move the lumbar curve toward extension by the fault's size, whatever sign
//! the kinematic stand-in uses to break the rule's keypoint measure (in two
//! kneeling and supine exercises the stand-in bends the lumbar segment
//! forward, because that is what tilts the hip-to-shoulder line the way a
//! sag does; a real sag arches the back, and the tracer would see that).

use crate::pose::spine::{FULL_SIDE_ON, MIN_SIDE_ON, Spine, SpineMeasure, side_on};
use crate::pose::{Joint, Person};

use super::body::Posture;
use super::faults::Effect;
use super::noise::{Noise, Rng};

/// What the tracer reads on the model's straight thoracic segment.
pub const THORACIC_NEUTRAL_DEG: f64 = 18.0;
/// Tracer degrees per degree of the model's thoracic flexion.
pub const THORACIC_GAIN: f64 = 2.0;
/// What the tracer reads on the model's straight lumbar segment.
pub const LUMBAR_NEUTRAL_DEG: f64 = 5.0;
/// Tracer degrees per degree of the model's lumbar flexion.
pub const LUMBAR_GAIN: f64 = 1.0;

/// Frame-to-frame jitter of the tracer at `Noise::low`, degrees
/// (thoracic, lumbar): measured on still stretches of the real seated
/// cat-cow clip (see [`SpineObserver`]).
pub const JITTER_DEG: [f64; 2] = [2.2, 3.5];

/// Standard deviation of the tracer's slow wander at `Noise::low`, degrees
/// (thoracic, lumbar).
pub const DRIFT_DEG: [f64; 2] = [1.6, 2.6];

/// Frame-to-frame correlation of the wander (as the keypoints' drift).
const DRIFT_RHO: f64 = 0.85;

/// A trunk landmark below this score was lost by the model this frame
/// (the simulated model scores a lost joint 0.03-0.25, a hidden one 0.57
/// and up): the crop's axis is then wrong and no back line is traced.
const LOST_SCORE: f32 = 0.3;

/// Words in a rule's id that say it is about the low back arching or the
/// ribs flaring (`ribs-not-flaring`, `no-low-back-arch`,
/// `low-back-not-overextended`).
const ARCH_WORDS: [&str; 3] = ["arch", "ribs", "low-back"];

/// Whether a `lumbar_bend` fault of `rule` stands for an arching low back.
#[must_use]
pub fn is_arch_rule(rule: &str) -> bool {
    ARCH_WORDS.iter().any(|w| rule.contains(w))
}

/// The model's own back angles at one instant, degrees, positive = flexion.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BackAngles {
    /// Thoracic segment on the lumbar segment.
    pub thoracic_flex_deg: f64,
    /// Lumbar segment on the pelvis, with arching faults counted as
    /// extension.
    pub lumbar_flex_deg: f64,
}

impl BackAngles {
    /// The angles of `posture` (faults applied), where `arch_faults` are
    /// the `(signed amount in force, rule)` of each active `lumbar_bend`
    /// fault: an arching rule's amount is swapped for extension of the same
    /// size.
    #[must_use]
    pub fn of(posture: &Posture, arch_faults: &[(f64, &str)]) -> BackAngles {
        let mut lumbar = posture.lumbar.flex.to_degrees();
        for &(amount, rule) in arch_faults {
            if is_arch_rule(rule) {
                lumbar += -amount.abs() - amount;
            }
        }
        BackAngles {
            thoracic_flex_deg: posture.thorax.flex.to_degrees(),
            lumbar_flex_deg: lumbar,
        }
    }

    /// The exact curves the tracer would read: (thoracic, lumbar), degrees.
    #[must_use]
    pub fn traced(self) -> (f64, f64) {
        (
            THORACIC_NEUTRAL_DEG + THORACIC_GAIN * self.thoracic_flex_deg,
            LUMBAR_NEUTRAL_DEG + LUMBAR_GAIN * self.lumbar_flex_deg,
        )
    }
}

/// The signed amounts in force of the `lumbar_bend` faults, with their
/// rules, from the effects placed at one instant.
#[must_use]
pub fn lumbar_faults<'a>(
    active: impl Iterator<Item = (Effect, f64, &'a str)>,
) -> Vec<(f64, &'a str)> {
    active
        .filter(|(e, a, _)| *e == Effect::LumbarBend && *a != 0.0)
        .map(|(_, a, r)| (a, r))
        .collect()
}

/// Simulates the tracer reading one track's back, frame after frame.
///
/// The jitter figures: `formcoach pose --video --spine` (blazepose-full) on
/// `seated_catcow_chair_side_01.mp4` (1080x1920, 30 fps, a spine on all
/// 485 frames, confidence 0.67-0.86 from the 10th to the 90th percentile),
/// on the three holds (extended 6.5-7.5 s, rounded 9.5-12.5 s, upright
/// 14.5-16.1 s), the RMS of the second difference over sqrt(6) (white
/// noise per frame, as for the world points in `noise`): thoracic 2.9, 1.7
/// and 2.2 degrees, lumbar 6.0, 2.7 and 2.9. While the person rounds in the
/// chair the lumbar reading breaks down (19 degrees frame to frame, 2-4 s:
/// the thighs and the chair's back meet the edge there); that failure is not
/// simulated. The wander could not be told from real motion and is taken as
/// three quarters of the jitter, as the keypoints' drift is of theirs.
#[derive(Debug, Clone)]
pub struct SpineObserver {
    rng: Rng,
    jitter_deg: [f64; 2],
    drift_deg: [f64; 2],
    drift: [f64; 2],
    /// 0..1 quality of the mask's edge on a good frame (the tracer's
    /// found-edge share times its smoothness), lower in a noisier setting.
    quality: (f64, f64),
    exact: bool,
}

impl SpineObserver {
    /// An observer at `noise`'s level, scaled from the `Noise::low`
    /// figures as the keypoint noise is.
    #[must_use]
    pub fn new(rng: Rng, noise: Noise) -> SpineObserver {
        let low = Noise::low();
        let j = noise.jitter / low.jitter;
        let d = noise.drift / low.drift;
        let exact = noise.jitter == 0.0 && noise.drift == 0.0;
        // A dim room blurs the silhouette's edge as it shakes the keypoints.
        let quality = if exact {
            (1.0, 1.0)
        } else {
            let q = j.max(1.0).sqrt().recip();
            (0.7 * q, 0.92 * q)
        };
        SpineObserver {
            rng,
            jitter_deg: JITTER_DEG.map(|v| v * j),
            drift_deg: DRIFT_DEG.map(|v| v * d),
            drift: [0.0; 2],
            quality,
            exact,
        }
    }

    /// The spine the tracer would report for `person` (already observed,
    /// with its noisy landmarks) whose back has `angles`. Called once per
    /// frame, seen or not, so a missed frame does not shift later noise.
    /// `None` in a front or back view (as the tracer), and when a trunk
    /// landmark was lost.
    pub fn observe(&mut self, person: Option<&Person>, angles: BackAngles) -> Option<Spine> {
        let keep = (1.0 - DRIFT_RHO * DRIFT_RHO).sqrt();
        let mut noise = [0.0; 2];
        let sds = self.drift_deg.iter().zip(&self.jitter_deg);
        for ((drift, n), (drift_sd, jitter_sd)) in self.drift.iter_mut().zip(&mut noise).zip(sds) {
            *drift = DRIFT_RHO * *drift + drift_sd * keep * self.rng.normal();
            *n = *drift + jitter_sd * self.rng.normal();
        }
        let q = self.rng.range(self.quality.0, self.quality.1);
        let person = person?;
        let trunk = [
            Joint::LeftShoulder,
            Joint::RightShoulder,
            Joint::LeftHip,
            Joint::RightHip,
        ];
        if trunk
            .iter()
            .any(|&j| person.keypoint(j).is_none_or(|k| k.score < LOST_SCORE))
        {
            return None;
        }
        let side = f64::from(side_on(person)?);
        if side < f64::from(MIN_SIDE_ON) {
            return None;
        }
        let view = ((side - f64::from(MIN_SIDE_ON)) / f64::from(FULL_SIDE_ON - MIN_SIDE_ON))
            .clamp(0.0, 1.0);
        let (thoracic, lumbar) = angles.traced();
        let (thoracic, lumbar) = if self.exact {
            (thoracic, lumbar)
        } else {
            (thoracic + noise[0], lumbar + noise[1])
        };
        let round1 = |x: f64| (x * 10.0).round() / 10.0;
        Some(Spine {
            measure: SpineMeasure {
                thoracic_curve_deg: round1(thoracic),
                lumbar_curve_deg: round1(lumbar),
                confidence: (q * (0.3 + 0.7 * view) * 100.0).round() / 100.0,
            },
            line: Vec::new(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test should stop loudly at the first surprise
mod tests;
