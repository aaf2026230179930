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
            last_t: None,
        }
    }

    /// Returns `frame` with its first person's keypoints filtered. Low-score or
    /// non-finite keypoints pass through untouched (the coach treats them as unseen).
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
