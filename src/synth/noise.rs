//! What a pose model does to a perfect skeleton: jitter, slow drift,
//! low-confidence far-side joints, dropouts and missed frames. Also the
//! seeded random number generator every part of the generator draws from.

use crate::pose::{BLAZEPOSE_33, COCO_17, Joint, Keypoint, Person, PoseFrame, WorldPoint};

use super::body::{Skeleton, Vec3};
use super::camera::Camera;

/// `SplitMix64`: tiny, fast, and identical on every platform, so a seed always
/// gives the same committed track. Not for cryptography.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator from a seed.
    #[must_use]
    pub fn new(seed: u64) -> Rng {
        Rng {
            state: seed ^ 0x5EED_F0C0_AC40_0001,
        }
    }

    /// An independent stream for a named purpose, so adding draws in one
    /// part of the generator does not shift every other part.
    #[must_use]
    pub fn fork(&self, tag: &str) -> Rng {
        let mut h = self.state;
        for b in tag.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
        let mut r = Rng { state: h };
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// A standard normal draw (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// How noisy the simulated pose model is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Name written in the labels.
    pub name: &'static str,
    /// Frame-to-frame jitter, standard deviation as a fraction of torso length in pixels.
    pub jitter: f64,
    /// Slowly wandering per-joint bias (AR(1)), same unit.
    pub drift: f64,
    /// Dropout bursts started per joint per second.
    pub dropouts_per_s: f64,
    /// Chance that a frame has nobody in it (the detector missed).
    pub missed_frame: f64,
}

impl Noise {
    /// A good webcam in good light with a large model.
    #[must_use]
    pub fn low() -> Noise {
        Noise {
            name: "low",
            jitter: 0.008,
            drift: 0.006,
            dropouts_per_s: 0.01,
            missed_frame: 0.003,
        }
    }

    /// No noise at all: the exact projected landmarks.
    #[must_use]
    pub fn none() -> Noise {
        Noise {
            name: "none",
            jitter: 0.0,
            drift: 0.0,
            dropouts_per_s: 0.0,
            missed_frame: 0.0,
        }
    }

    /// A dim room and a small model: visibly shaky keypoints.
    #[must_use]
    pub fn high() -> Noise {
        Noise {
            name: "high",
            jitter: 0.02,
            drift: 0.012,
            dropouts_per_s: 0.04,
            missed_frame: 0.01,
        }
    }
}

/// Which keypoint set the simulated model reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// MoveNet: COCO 17 keypoints, no world coordinates.
    Coco17,
    /// BlazePose: 33 landmarks plus world coordinates.
    Blaze33,
}

impl Model {
    /// The model name written into each frame.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Model::Coco17 => "synthetic-movenet",
            Model::Blaze33 => "synthetic-blazepose",
        }
    }

    fn joints(self) -> &'static [Joint] {
        match self {
            Model::Coco17 => &COCO_17,
            Model::Blaze33 => &BLAZEPOSE_33,
        }
    }
}

/// Simulates a pose model watching one track, frame after frame.
#[derive(Debug, Clone)]
pub struct Observer {
    rng: Rng,
    noise: Noise,
    model: Model,
    drift: [(f64, f64); 33],
    dropout_frames: [u32; 33],
    missed_frames: u32,
}

/// Correlation of the drift from one frame to the next: errors of real
/// models last a few frames (the same shadow fools them twice).
const DRIFT_RHO: f64 = 0.85;

fn round_to(v: f64, step: f64) -> f32 {
    ((v / step).round() * step) as f32
}

impl Observer {
    /// An observer with its own random stream.
    #[must_use]
    pub fn new(rng: Rng, noise: Noise, model: Model) -> Observer {
        Observer {
            rng,
            noise,
            model,
            drift: [(0.0, 0.0); 33],
            dropout_frames: [0; 33],
            missed_frames: 0,
        }
    }

    /// One frame as the model would report it: `t` seconds, skeleton `sk`
    /// of a person whose torso is `torso_m` long, seen by `cam` at `fps`.
    pub fn observe(
        &mut self,
        cam: &Camera,
        sk: &Skeleton,
        torso_m: f64,
        t_s: f64,
        fps: f64,
    ) -> PoseFrame {
        let mut frame = PoseFrame {
            image: None,
            t: Some(f64::from(round_to(t_s, 0.001))),
            width: cam.width,
            height: cam.height,
            model: self.model.name().to_owned(),
            inference_ms: 0.0,
            people: Vec::new(),
            others_present: 0,
        };
        let hip_depth = cam.to_camera(sk.mid_hip()).z.max(0.1);
        let torso_px = cam.focal_px * torso_m / hip_depth;
        let sigma = self.noise.jitter * torso_px;
        let drift_sigma = self.noise.drift * torso_px * (1.0 - DRIFT_RHO * DRIFT_RHO).sqrt();
        // Advance every joint's drift whether or not the frame is missed, so
        // a missed frame does not change the noise of the frames after it.
        for d in &mut self.drift {
            d.0 = DRIFT_RHO * d.0 + drift_sigma * self.rng.normal();
            d.1 = DRIFT_RHO * d.1 + drift_sigma * self.rng.normal();
        }
        if self.missed_frames > 0 {
            self.missed_frames -= 1;
            return frame;
        }
        if self.rng.chance(self.noise.missed_frame) {
            self.missed_frames = (self.rng.uniform() * 3.0) as u32;
            return frame;
        }
        let mut keypoints = Vec::with_capacity(self.model.joints().len());
        for &joint in self.model.joints() {
            let idx = joint as usize;
            let point = sk.points[idx];
            let Some((px, py)) = cam.project(point) else {
                keypoints.push(Keypoint {
                    joint,
                    x: 0.0,
                    y: 0.0,
                    score: 0.0,
                });
                continue;
            };
            // A joint hidden behind the body (the far arm in a side view)
            // is guessed: lower confidence and more jitter.
            let depth = cam.to_camera(point).z;
            let twin = cam.to_camera(sk.points[joint.mirrored() as usize]).z;
            let hidden = joint != joint.mirrored() && depth - twin > 0.08;
            let (score_scale, jitter_scale) = if hidden { (0.7, 1.8) } else { (1.0, 1.0) };
            if self.dropout_frames[idx] == 0 && self.rng.chance(self.noise.dropouts_per_s / fps) {
                self.dropout_frames[idx] = 2 + (self.rng.uniform() * 6.0) as u32;
            }
            let (mut kx, mut ky, score) = if self.dropout_frames[idx] > 0 {
                self.dropout_frames[idx] -= 1;
                // The model loses the joint and puts it somewhere nearby
                // with a low score, as real models do.
                let off = 0.3 * torso_px;
                (
                    px + off * self.rng.normal(),
                    py + off * self.rng.normal(),
                    self.rng.range(0.03, 0.25),
                )
            } else {
                (
                    px + self.drift[idx].0 * jitter_scale
                        + sigma * jitter_scale * self.rng.normal(),
                    py + self.drift[idx].1 * jitter_scale
                        + sigma * jitter_scale * self.rng.normal(),
                    score_scale * self.rng.range(0.82, 0.97),
                )
            };
            let width = f64::from(cam.width);
            let height = f64::from(cam.height);
            let outside = !(0.0..width).contains(&kx) || !(0.0..height).contains(&ky);
            kx = kx.clamp(0.0, width - 1.0);
            ky = ky.clamp(0.0, height - 1.0);
            keypoints.push(Keypoint {
                joint,
                x: round_to(kx, 0.1),
                y: round_to(ky, 0.1),
                score: round_to(if outside { score.min(0.1) } else { score }, 0.01),
            });
        }
        let world = (self.model == Model::Blaze33).then(|| {
            let w = cam.world(sk);
            let metres_per_px = hip_depth / cam.focal_px;
            self.model
                .joints()
                .iter()
                .map(|&joint| {
                    let i = joint as usize;
                    let j = Vec3::new(self.drift[i].0, self.drift[i].1, 0.0) * metres_per_px;
                    WorldPoint {
                        joint,
                        x: round_to(w[i].x + j.x, 0.001),
                        y: round_to(w[i].y + j.y, 0.001),
                        z: round_to(w[i].z, 0.001),
                    }
                })
                .collect()
        });
        frame.people.push(Person {
            score: round_to(self.rng.range(0.8, 0.97), 0.01),
            keypoints,
            world,
        });
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_uniform_enough() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<f64> = (0..1000).map(|_| a.uniform()).collect();
        let ys: Vec<f64> = (0..1000).map(|_| b.uniform()).collect();
        assert_eq!(xs, ys);
        let mean = xs.iter().sum::<f64>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05);
        let mut c = Rng::new(7).fork("x");
        assert!((0..10).any(|_| c.next_u64() != Rng::new(7).next_u64()));
    }
}
