//! Motion stage: smooths keypoints over time before the coach judges them.
//!
//! Depends on `pose` only. Time comes from frame timestamps.

pub mod one_euro;

pub use one_euro::{OneEuro, OneEuroParams};

use crate::pose::{BLAZEPOSE_33, PoseFrame};

/// A joint unseen for longer than this starts afresh when it reappears, instead of
/// sliding over from where it was last seen.
pub const RESET_AFTER_S: f64 = 0.5;
/// Keypoints below this score are not fed to the filter (their positions are guesses).
pub const MIN_FILTER_SCORE: f32 = 0.1;
/// Frame interval assumed for frames without timestamps.
const DEFAULT_FRAME_S: f64 = 1.0 / 30.0;
/// The back's curve is filtered in hundreds of degrees: a curve swinging
/// 50 degrees in a second then moves about as fast, in filter units, as a
/// joint crossing half the frame, so the keypoints' tuning suits it too
/// (jitter of a few degrees damped, a cat-to-cow swing followed within a
/// frame or two).
const SPINE_UNIT_DEG: f64 = 100.0;

/// Filters of the two back-curve angles, restarted like a joint's when the
/// curve has not been seen for [`RESET_AFTER_S`] (the person turned to the
/// camera, or the mask lost the back): a curve seen again from a new angle
/// must not slide over from the old one.
#[derive(Debug, Clone, Default)]
struct SpineFilter {
    thoracic: OneEuro,
    lumbar: OneEuro,
    last_seen_s: Option<f64>,
}

#[derive(Debug, Clone, Default)]
struct JointFilter {
    axes: [OneEuro; 5],
    last_seen_s: Option<f64>,
}

/// Smooths the first person of each frame, joint by joint (x, y and world x, y, z).
#[derive(Debug, Clone)]
pub struct Smoother {
    params: OneEuroParams,
    joints: Vec<JointFilter>,
    spine: SpineFilter,
    last_t: Option<f64>,
}

impl Default for Smoother {
    fn default() -> Self {
        Smoother::new(OneEuroParams::default())
    }
}

impl Smoother {
    /// A smoother with the given tuning.
    #[must_use]
    pub fn new(params: OneEuroParams) -> Smoother {
        Smoother {
            params,
            joints: vec![JointFilter::default(); BLAZEPOSE_33.len()],
            spine: SpineFilter::default(),
            last_t: None,
        }
    }

    /// Returns `frame` with its first person's keypoints and back curve
    /// filtered. Low-score or non-finite keypoints pass through untouched (the
    /// coach treats them as unseen); a missing back curve stays missing, and
    /// its confidence and traced line pass through as they are.
    #[must_use]
    pub fn smooth(&mut self, frame: &PoseFrame) -> PoseFrame {
        let mut out = frame.clone();
        let t = frame
            .t
            .or_else(|| self.last_t.map(|l| l + DEFAULT_FRAME_S))
            .unwrap_or(0.0);
        self.last_t = Some(t);
        let Some(person) = out.people.first_mut() else {
            return out;
        };
        let scale = f64::from(frame.height.max(1));
        let params = self.params;
        if let Some(spine) = person.spine.as_mut() {
            let m = &mut spine.measure;
            if m.thoracic_curve_deg.is_finite() && m.lumbar_curve_deg.is_finite() {
                let f = &mut self.spine;
                if f.last_seen_s.is_none_or(|s| t - s > RESET_AFTER_S) {
                    f.thoracic.reset();
                    f.lumbar.reset();
                }
                f.last_seen_s = Some(t);
                let k = SPINE_UNIT_DEG;
                m.thoracic_curve_deg = f.thoracic.filter(&params, t, m.thoracic_curve_deg / k) * k;
                m.lumbar_curve_deg = f.lumbar.filter(&params, t, m.lumbar_curve_deg / k) * k;
            }
        }
        for k in &mut person.keypoints {
            let jf = &mut self.joints[k.joint as usize];
            let seen = k.score >= MIN_FILTER_SCORE && k.x.is_finite() && k.y.is_finite();
            if !seen {
                continue;
            }
            if jf.last_seen_s.is_none_or(|s| t - s > RESET_AFTER_S) {
                jf.axes.iter_mut().for_each(OneEuro::reset);
            }
            jf.last_seen_s = Some(t);
            k.x = (jf.axes[0].filter(&params, t, f64::from(k.x) / scale) * scale) as f32;
            k.y = (jf.axes[1].filter(&params, t, f64::from(k.y) / scale) * scale) as f32;
            if let Some(w) = person
                .world
                .as_mut()
                .and_then(|ws| ws.iter_mut().find(|w| w.joint == k.joint))
                .filter(|w| w.x.is_finite() && w.y.is_finite() && w.z.is_finite())
            {
                w.x = jf.axes[2].filter(&params, t, f64::from(w.x)) as f32;
                w.y = jf.axes[3].filter(&params, t, f64::from(w.y)) as f32;
                w.z = jf.axes[4].filter(&params, t, f64::from(w.z)) as f32;
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;
    use crate::pose::{Joint, Keypoint, Person};

    fn frame(t: f64, x: f32, score: f32) -> PoseFrame {
        PoseFrame {
            image: None,
            t: Some(t),
            width: 640,
            height: 480,
            model: "test".into(),
            inference_ms: 0.0,
            people: vec![Person {
                score: 1.0,
                keypoints: vec![Keypoint {
                    joint: Joint::LeftHip,
                    x,
                    y: 100.0,
                    score,
                }],
                world: None,
                spine: None,
            }],
            others_present: 0,
        }
    }

    fn spine_frame(t: f64, thoracic: Option<f64>) -> PoseFrame {
        let mut f = frame(t, 200.0, 0.9);
        f.people[0].spine = thoracic.map(|deg| crate::pose::spine::Spine {
            measure: crate::pose::spine::SpineMeasure {
                thoracic_curve_deg: deg,
                lumbar_curve_deg: -deg / 2.0,
                confidence: 0.8,
            },
            line: vec![(1.0, 2.0)],
        });
        f
    }

    fn thoracic(f: &PoseFrame) -> Option<f64> {
        f.people[0]
            .spine
            .as_ref()
            .map(|s| s.measure.thoracic_curve_deg)
    }

    #[test]
    fn back_curve_is_smoothed_and_restarts_after_a_gap() {
        let mut s = Smoother::default();
        let mut last = None;
        for i in 0..60 {
            let jitter = if i % 2 == 0 { 4.0 } else { -4.0 };
            last = thoracic(&s.smooth(&spine_frame(f64::from(i) / 30.0, Some(20.0 + jitter))));
        }
        let last = last.unwrap();
        assert!((last - 20.0).abs() < 2.5, "{last}");
        // Confidence and the traced line are carried as they came.
        let out = s.smooth(&spine_frame(2.0, Some(20.0)));
        let sp = out.people[0].spine.as_ref().unwrap();
        assert!((sp.measure.confidence - 0.8).abs() < 1e-9);
        assert_eq!(sp.line, vec![(1.0, 2.0)]);
        // Missing stays missing; seen again after a second, no slide from 20.
        assert_eq!(thoracic(&s.smooth(&spine_frame(2.5, None))), None);
        let back = thoracic(&s.smooth(&spine_frame(3.2, Some(-10.0)))).unwrap();
        assert!((back + 10.0).abs() < 1e-6, "{back}");
    }

    #[test]
    fn jitter_is_damped_and_unseen_joint_restarts() {
        let mut s = Smoother::default();
        let mut last = 0.0;
        for i in 0..60 {
            let jitter = if i % 2 == 0 { 3.0 } else { -3.0 };
            last = s
                .smooth(&frame(f64::from(i) / 30.0, 200.0 + jitter, 0.9))
                .people[0]
                .keypoints[0]
                .x;
        }
        assert!((last - 200.0).abs() < 2.0, "{last}");
        // Hidden for a second, then seen far away: no slide from the old place.
        let _ = s.smooth(&frame(2.5, 0.0, 0.01));
        let back = s.smooth(&frame(3.0, 400.0, 0.9)).people[0].keypoints[0].x;
        assert!((back - 400.0).abs() < 1e-3, "{back}");
    }
}
