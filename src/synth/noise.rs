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
    /// A separate stream for the world points, so the image keypoints of
    /// both models draw exactly the numbers they drew before world noise
    /// existed (the committed tracks stay byte-identical).
    world_rng: Rng,
    noise: Noise,
    model: Model,
    drift: [(f64, f64); 33],
    world_drift: [Vec3; 33],
    dropout_frames: [u32; 33],
    missed_frames: u32,
}

/// Error of BlazePose world points (metres, per axis x, y, z of the camera
/// picture) at `Noise::low`, by joint group: frame-to-frame jitter and the
/// standard deviation of the slow drift.
///
/// Measured with `formcoach pose --model blazepose-full --video` on the
/// fixture videos `upper_body_webcam_01.mp4` (1280x720, 25 fps, head and
/// shoulders) and `webcam_seated_virtual_bg_01.mp4` (640x360, 25 fps, seated
/// to the waist). Jitter: on stretches where the nose and shoulders moved
/// less than 5-6 % of the shoulder width in 160 ms (0.7-1.6 s each, 7 in
/// all), the RMS of the second difference over sqrt(6), per joint and axis.
/// Found (mm, x/y/z): face and ears 5-6/5/5 and 5-6/5/14 in the two videos,
/// shoulders 4/4.5/6 and 4/4.5/12, elbows 6-8/6-9/15-17, wrists 11-14/8-25/19-26.
/// Depth is the noisy axis: two to three times x and y on the smaller video.
/// Drift: a person's bone lengths are constant, so the slow part (0.44 s
/// moving average) of 3D shoulder width over each whole clip measures the
/// model's wander: 8-9 mm standard deviation, about 6 mm per shoulder; the
/// rigid ear-to-ear width wanders only 1.4 mm, so the head drifts as a
/// whole, which independent per-joint drift cannot model, and 6 mm is used
/// everywhere on the trunk and head. Depth drift could not be separated
/// from real motion; it is taken as twice x and y, the ratio of the jitter.
/// Hips were out of frame or low-scored in both videos (their world points
/// moved 1.5-3 mm, but they are guesses pinned near the origin), so they get
/// the shoulders' figures rather than flattering ones.
const WORLD_NOISE_M: [WorldNoise; 3] = [
    // Face and ears.
    WorldNoise {
        jitter: [0.0055, 0.005, 0.0095],
        drift: [0.006, 0.006, 0.012],
    },
    // Shoulders and hips.
    WorldNoise {
        jitter: [0.004, 0.0045, 0.009],
        drift: [0.006, 0.006, 0.012],
    },
    // Arms, hands, legs and feet: worse seen and usually moving; the arms'
    // slow wander could not be told from motion, so 1.5 times the trunk's.
    WorldNoise {
        jitter: [0.009, 0.012, 0.019],
        drift: [0.009, 0.009, 0.018],
    },
];

/// One joint group's world-point error, metres per axis.
#[derive(Debug, Clone, Copy)]
struct WorldNoise {
    jitter: [f64; 3],
    drift: [f64; 3],
}

/// The measured error of the world point of BlazePose landmark `index`.
fn world_noise(index: usize) -> WorldNoise {
    match index {
        0..=10 => WORLD_NOISE_M[0],
        11 | 12 | 23 | 24 => WORLD_NOISE_M[1],
        _ => WORLD_NOISE_M[2],
    }
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
            world_rng: rng.fork("world"),
            rng,
            noise,
            model,
            drift: [(0.0, 0.0); 33],
            world_drift: [Vec3::ZERO; 33],
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
        if self.model == Model::Blaze33 {
            self.advance_world_drift();
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
        // Per joint: hidden behind the body, and lost this frame.
        let mut hidden_lost = [(false, false); 33];
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
            hidden_lost[idx] = (hidden, self.dropout_frames[idx] > 0);
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
        let world = (self.model == Model::Blaze33)
            .then(|| self.world_points(cam, sk, torso_m, &hidden_lost));
        frame.people.push(Person {
            score: round_to(self.rng.range(0.8, 0.97), 0.01),
            keypoints,
            world,
            spine: None,
        });
        frame
    }
}

impl Observer {
    /// Scale of the measured world-point error for this noise level: the
    /// figures were measured on good webcam videos, which `Noise::low`
    /// stands for; other levels scale them as they scale the image error.
    fn world_scale(&self) -> (f64, f64) {
        let low = Noise::low();
        (self.noise.jitter / low.jitter, self.noise.drift / low.drift)
    }

    /// Advances each joint's slow world-point drift (AR(1), same frame-to-frame
    /// correlation as the image drift).
    fn advance_world_drift(&mut self) {
        let (_, drift_scale) = self.world_scale();
        let keep = (1.0 - DRIFT_RHO * DRIFT_RHO).sqrt();
        for (i, d) in self.world_drift.iter_mut().enumerate() {
            let s = world_noise(i).drift.map(|v| v * drift_scale * keep);
            *d = Vec3::new(
                DRIFT_RHO * d.x + s[0] * self.world_rng.normal(),
                DRIFT_RHO * d.y + s[1] * self.world_rng.normal(),
                DRIFT_RHO * d.z + s[2] * self.world_rng.normal(),
            );
        }
    }

    /// The world points as BlazePose reports them: exact hip-centred metres
    /// plus the measured jitter and drift, more of both for a joint hidden
    /// behind the body, and a guess somewhere nearby for a joint the image
    /// model lost this frame (the same network regresses both).
    fn world_points(
        &mut self,
        cam: &Camera,
        sk: &Skeleton,
        torso_m: f64,
        hidden_lost: &[(bool, bool); 33],
    ) -> Vec<WorldPoint> {
        let exact = cam.world(sk);
        let (jitter_scale, _) = self.world_scale();
        let mut out = Vec::with_capacity(self.model.joints().len());
        for &joint in self.model.joints() {
            let i = joint as usize;
            let (hidden, lost) = hidden_lost[i];
            let jitter = world_noise(i).jitter;
            let mut n = [0.0; 3];
            for (v, s) in n.iter_mut().zip(jitter) {
                *v = s * jitter_scale * self.world_rng.normal();
            }
            let mut err = self.world_drift[i] + Vec3::new(n[0], n[1], n[2]);
            if hidden {
                err = err * 1.8;
            }
            if lost {
                let off = 0.3 * torso_m;
                err = err
                    + Vec3::new(
                        off * self.world_rng.normal(),
                        off * self.world_rng.normal(),
                        off * self.world_rng.normal(),
                    );
            }
            let p = exact[i] + err;
            out.push(WorldPoint {
                joint,
                x: round_to(p.x, 0.001),
                y: round_to(p.y, 0.001),
                z: round_to(p.z, 0.001),
            });
        }
        out
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

    #[test]
    fn world_points_are_noisier_in_depth_and_exact_without_noise() {
        use crate::synth::body::{Body, Posture, landmarks};
        use crate::synth::camera::View;
        let body = Body::adult(1.7);
        let (sk, _) = landmarks(&body, &Posture::standing(&body));
        let cam = Camera::fit(&View::front(), &sk.points, 640, 480);
        let exact = cam.world(&sk);
        let shoulder = Joint::LeftShoulder as usize;
        let mut observer = Observer::new(Rng::new(3), Noise::low(), Model::Blaze33);
        let mut err = [Vec::new(), Vec::new(), Vec::new()];
        for i in 0..600 {
            let frame = observer.observe(&cam, &sk, body.torso_m, f64::from(i) / 10.0, 10.0);
            let Some(w) = frame
                .people
                .first()
                .and_then(|p| p.world_point(Joint::LeftShoulder))
            else {
                continue;
            };
            let e = exact[shoulder];
            err[0].push(f64::from(w.x) - e.x);
            err[1].push(f64::from(w.y) - e.y);
            err[2].push(f64::from(w.z) - e.z);
        }
        let rms = |v: &[f64]| (v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64).sqrt();
        // Jitter 4-9 mm plus drift 6-12 mm per axis: about 7 mm in x and 15 in z.
        assert!((0.004..0.011).contains(&rms(&err[0])), "x {}", rms(&err[0]));
        assert!(rms(&err[2]) > 1.5 * rms(&err[0]), "z {}", rms(&err[2]));
        let mut still = Observer::new(Rng::new(3), Noise::none(), Model::Blaze33);
        let frame = still.observe(&cam, &sk, body.torso_m, 0.0, 10.0);
        let w = frame.people[0].world_point(Joint::LeftShoulder).unwrap();
        assert!((f64::from(w.z) - exact[shoulder].z).abs() < 0.001);
    }
}
