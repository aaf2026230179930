//! A pinhole webcam looking at the synthetic body: scene metres to frame
//! pixels, and to BlazePose-style world coordinates (metres, hip-centred,
//! axes of the camera picture).

use super::body::{Mat3, Skeleton, Vec3};

/// Where the camera stands relative to the person.
///
/// Every exercise is laid out with the person's front facing scene +z, so
/// azimuth 0 is a front view, +90 a view of the person's left side and -90
/// of the right side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Short name written in the labels: "side", "front", "45".
    pub name: &'static str,
    /// Degrees around the vertical, 0 = in front, +90 = the person's left.
    pub azimuth_deg: f64,
    /// Degrees the camera looks down (positive) at the body centre.
    pub elevation_deg: f64,
    /// Degrees the picture is rolled (a camera not quite level).
    pub roll_deg: f64,
    /// How much of the picture height the body's bounding sphere fills.
    pub fill: f64,
}

impl View {
    /// A side view from the person's left, camera about level.
    #[must_use]
    pub fn side_left() -> View {
        View {
            name: "side",
            azimuth_deg: 90.0,
            elevation_deg: 8.0,
            roll_deg: 1.5,
            fill: 0.85,
        }
    }

    /// A side view from the person's right.
    #[must_use]
    pub fn side_right() -> View {
        View {
            name: "side",
            azimuth_deg: -90.0,
            elevation_deg: 5.0,
            roll_deg: -1.0,
            fill: 0.75,
        }
    }

    /// A front view.
    #[must_use]
    pub fn front() -> View {
        View {
            name: "front",
            azimuth_deg: 0.0,
            elevation_deg: 6.0,
            roll_deg: 1.0,
            fill: 0.8,
        }
    }

    /// Halfway between front and the person's left side.
    #[must_use]
    pub fn oblique() -> View {
        View {
            name: "45",
            azimuth_deg: 45.0,
            elevation_deg: 12.0,
            roll_deg: -2.0,
            fill: 0.8,
        }
    }

    /// A camera in front and above, looking down at a person lying on the floor.
    #[must_use]
    pub fn front_above() -> View {
        View {
            name: "front-above",
            azimuth_deg: 0.0,
            elevation_deg: 35.0,
            roll_deg: 1.0,
            fill: 0.8,
        }
    }
}

/// A pinhole camera placed for one track.
#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    /// Camera centre, scene metres.
    pub position: Vec3,
    /// Camera axes in the scene: x right in the picture, y down, z forward.
    pub axes: Mat3,
    /// Focal length in pixels.
    pub focal_px: f64,
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
}

/// A webcam's usual horizontal field of view.
const HORIZONTAL_FOV_DEG: f64 = 62.0;

impl Camera {
    /// Places a camera at `view` so that a sphere around `points` (every
    /// landmark of the whole track) fills `view.fill` of the picture height:
    /// the person stays in frame for the whole exercise, as when someone
    /// sets up a laptop before starting.
    #[must_use]
    pub fn fit(view: &View, points: &[Vec3], width: u32, height: u32) -> Camera {
        let n = points.len().max(1) as f64;
        let centre = points.iter().fold(Vec3::ZERO, |a, p| a + *p) * (1.0 / n);
        let radius = points
            .iter()
            .map(|p| (*p - centre).len())
            .fold(0.3_f64, f64::max);
        let focal_px = f64::from(width) * 0.5 / (HORIZONTAL_FOV_DEG.to_radians() * 0.5).tan();
        let half_view = (f64::from(height) * 0.5 * view.fill / focal_px).atan();
        let distance = radius / half_view.sin();
        let az = view.azimuth_deg.to_radians();
        let el = view.elevation_deg.to_radians();
        // Direction from the body to the camera.
        let out = Vec3::new(az.sin() * el.cos(), el.sin(), az.cos() * el.cos());
        let position = centre + out * distance;
        let forward = -out;
        let right0 = forward.cross(Vec3::Y).unit_or(Vec3::X);
        let down0 = forward.cross(right0).unit_or(-Vec3::Y);
        let roll = view.roll_deg.to_radians();
        let (s, c) = roll.sin_cos();
        let right = right0 * c + down0 * s;
        let down = down0 * c - right0 * s;
        Camera {
            position,
            axes: Mat3 {
                x: right,
                y: down,
                z: forward,
            },
            focal_px,
            width,
            height,
        }
    }

    /// A scene point in camera coordinates (x right, y down, z forward).
    #[must_use]
    pub fn to_camera(&self, p: Vec3) -> Vec3 {
        self.axes.inverse_apply(p - self.position)
    }

    /// A scene point in frame pixels, or `None` behind the camera.
    #[must_use]
    pub fn project(&self, p: Vec3) -> Option<(f64, f64)> {
        let c = self.to_camera(p);
        (c.z > 0.05).then(|| {
            (
                f64::from(self.width) * 0.5 + self.focal_px * c.x / c.z,
                f64::from(self.height) * 0.5 + self.focal_px * c.y / c.z,
            )
        })
    }

    /// World coordinates as BlazePose gives them: the camera's axes, in
    /// metres, with the mid-hip at the origin.
    #[must_use]
    pub fn world(&self, sk: &Skeleton) -> [Vec3; 33] {
        let origin = self.to_camera(sk.mid_hip());
        sk.points.map(|p| self.to_camera(p) - origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::Joint;
    use crate::synth::body::{Body, Posture, landmarks};

    #[test]
    fn side_view_puts_the_head_up_and_the_body_in_frame() {
        let body = Body::adult(1.7);
        let (sk, _) = landmarks(&body, &Posture::standing(&body));
        let cam = Camera::fit(&View::side_left(), &sk.points, 640, 480);
        for p in sk.points {
            let (x, y) = cam.project(p).unwrap();
            assert!((0.0..640.0).contains(&x) && (0.0..480.0).contains(&y));
        }
        let (_, nose_y) = cam.project(sk.get(Joint::Nose)).unwrap();
        let (_, ankle_y) = cam.project(sk.get(Joint::LeftAnkle)).unwrap();
        assert!(nose_y < ankle_y);
        // Seen from the left, the person faces the picture's right... or
        // left: what matters is that the nose is in front of the ear.
        let (nose_x, _) = cam.project(sk.get(Joint::Nose)).unwrap();
        let (ear_x, _) = cam.project(sk.get(Joint::LeftEar)).unwrap();
        assert!((nose_x - ear_x).abs() > 5.0);
        let world = cam.world(&sk);
        let hip = world[Joint::LeftHip as usize] + world[Joint::RightHip as usize];
        assert!(hip.len() < 1e-9);
    }
}
