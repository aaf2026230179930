//! The rotated region of interest the landmark model looks at.
//!
//! BlazePose does not run the landmark model on the whole frame: it crops a
//! square around the person, rotated so the body stands upright, and scales
//! it to 256 x 256. The rotation is what lets it handle people lying on the
//! floor (see "BlazePose: On-device Real-time Body Pose tracking", 2020,
//! arXiv:2006.10204, and MediaPipe's `pose_detection_to_roi.pbtxt` and
//! `pose_landmarks_to_roi.pbtxt` graphs).
//!
//! Coordinates are continuous frame pixels: pixel (i, j) covers
//! `i..i+1` x `j..j+1`, so its centre is at `(i + 0.5, j + 0.5)`. The crop
//! uses the same convention in its own pixels.

use image::RgbImage;

/// The ROI side is the alignment-point distance times two (the point marks a
/// circle around the body) times this margin, which the landmark model was
/// trained with (`scale_x: 1.25`, `scale_y: 1.25` in MediaPipe's
/// `pose_detection_to_roi.pbtxt` and `pose_landmarks_to_roi.pbtxt`).
pub const ROI_SCALE: f32 = 1.25;

/// ROIs smaller than this (frame pixels) carry no usable picture.
pub const MIN_ROI_SIDE_PX: f32 = 4.0;

/// A square, rotated region of the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    /// Centre, frame pixels.
    pub center_x: f32,
    /// Centre, frame pixels.
    pub center_y: f32,
    /// Side of the square, frame pixels.
    pub side: f32,
    /// Radians; the crop's "up" points along `(sin r, -cos r)` in the frame,
    /// so 0 is an upright person and positive turns clockwise on screen.
    pub rotation: f32,
}

/// Wraps an angle into `-pi..pi`.
#[must_use]
pub fn normalize_radians(angle: f32) -> f32 {
    use std::f32::consts::PI;
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

impl Roi {
    /// The ROI MediaPipe derives from two alignment points in frame pixels:
    /// `center` (the hip centre) and `scale_point` (a point on the circle
    /// enclosing the body, towards the head).
    ///
    /// The side is `2 |scale_point - center| x ROI_SCALE`; the rotation is 90
    /// degrees minus the angle of the centre-to-point vector (with y up), so
    /// the crop shows that vector pointing straight up. Returns `None` for
    /// non-finite or degenerate points.
    #[must_use]
    pub fn from_alignment_points(center: (f32, f32), scale_point: (f32, f32)) -> Option<Roi> {
        let (dx, dy) = (scale_point.0 - center.0, scale_point.1 - center.1);
        let side = 2.0 * dx.hypot(dy) * ROI_SCALE;
        let rotation = normalize_radians(std::f32::consts::FRAC_PI_2 - (-dy).atan2(dx));
        let roi = Roi {
            center_x: center.0,
            center_y: center.1,
            side,
            rotation,
        };
        roi.is_usable().then_some(roi)
    }

    /// Finite and not vanishingly small.
    #[must_use]
    pub fn is_usable(&self) -> bool {
        self.center_x.is_finite()
            && self.center_y.is_finite()
            && self.rotation.is_finite()
            && self.side.is_finite()
            && self.side >= MIN_ROI_SIDE_PX
    }

    /// Maps a point of a `crop_size` crop (crop pixels) to frame pixels.
    #[must_use]
    pub fn frame_from_crop(&self, u: f32, v: f32, crop_size: f32) -> (f32, f32) {
        let frame_per_crop = self.side / crop_size;
        let (dx, dy) = self.rotate_to_frame(
            (u - crop_size / 2.0) * frame_per_crop,
            (v - crop_size / 2.0) * frame_per_crop,
        );
        (self.center_x + dx, self.center_y + dy)
    }

    /// Maps a frame point to crop pixels of a `crop_size` crop.
    #[must_use]
    pub fn crop_from_frame(&self, x: f32, y: f32, crop_size: f32) -> (f32, f32) {
        let (sin, cos) = self.rotation.sin_cos();
        let (dx, dy) = (x - self.center_x, y - self.center_y);
        // The inverse of a rotation is its transpose.
        let (rx, ry) = (cos * dx + sin * dy, -sin * dx + cos * dy);
        let crop_per_frame = crop_size / self.side;
        (
            rx * crop_per_frame + crop_size / 2.0,
            ry * crop_per_frame + crop_size / 2.0,
        )
    }

    /// Rotates a vector from crop axes to frame axes (no scaling): used for
    /// the world landmarks, which the model gives in the crop's orientation.
    #[must_use]
    pub fn rotate_to_frame(&self, dx: f32, dy: f32) -> (f32, f32) {
        let (s, c) = self.rotation.sin_cos();
        (c * dx - s * dy, s * dx + c * dy)
    }
}

/// Most sub-samples per axis the warp averages when it shrinks the picture.
const MAX_TAPS: u32 = 3;

/// Fills `out` (`size x size x 3`, row-major, RGB) with the ROI of `frame`,
/// scaled to `lo..hi`; outside the frame is black (`lo`).
///
/// One pass straight from the frame into the tensor, no intermediate image:
/// each crop pixel is a bilinear sample of the frame at the mapped point.
/// When the ROI is more than 1.5 times larger than the crop, a plain bilinear
/// sample would skip pixels and alias (fine textures, thin limbs), so each
/// crop pixel averages up to 3 x 3 bilinear taps spread over its footprint.
pub fn warp_into(frame: &RgbImage, roi: &Roi, size: u32, range: (f32, f32), out: &mut [f32]) {
    let n = size as usize;
    let (lo, hi) = range;
    if out.len() < n * n * 3 {
        return;
    }
    let ratio = roi.side / size as f32;
    let taps = ((ratio / 1.5).ceil() as u32).clamp(1, MAX_TAPS);
    let sample_scale = (hi - lo) / (255.0 * (taps * taps) as f32);
    let (w, h) = (i64::from(frame.width()), i64::from(frame.height()));
    let data = frame.as_raw();
    let pixel = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            return [0.0; 3];
        }
        let i = ((yi * w + xi) * 3) as usize;
        [
            f32::from(data[i]),
            f32::from(data[i + 1]),
            f32::from(data[i + 2]),
        ]
    };
    // Affine map from crop pixel coordinates to frame pixel coordinates.
    let (x0, y0) = roi.frame_from_crop(0.0, 0.0, size as f32);
    let (dxu, dyu) = roi.rotate_to_frame(ratio, 0.0);
    let (dxv, dyv) = roi.rotate_to_frame(0.0, ratio);
    let step = 1.0 / taps as f32;
    for v in 0..n {
        for u in 0..n {
            let mut acc = [0.0_f32; 3];
            for tv in 0..taps {
                let cv = v as f32 + (tv as f32 + 0.5) * step;
                for tu in 0..taps {
                    let cu = u as f32 + (tu as f32 + 0.5) * step;
                    // Frame point, then to index space (pixel centres at integers).
                    let fx = x0 + cu * dxu + cv * dxv - 0.5;
                    let fy = y0 + cu * dyu + cv * dyv - 0.5;
                    let (ix, iy) = (fx.floor(), fy.floor());
                    let (ax, ay) = (fx - ix, fy - iy);
                    let (ix, iy) = (ix as i64, iy as i64);
                    let p00 = pixel(ix, iy);
                    let p10 = pixel(ix + 1, iy);
                    let p01 = pixel(ix, iy + 1);
                    let p11 = pixel(ix + 1, iy + 1);
                    for c in 0..3 {
                        let top = p00[c] + (p10[c] - p00[c]) * ax;
                        let bottom = p01[c] + (p11[c] - p01[c]) * ax;
                        acc[c] += top + (bottom - top) * ay;
                    }
                }
            }
            let o = (v * n + u) * 3;
            for c in 0..3 {
                out[o + c] = lo + acc[c] * sample_scale;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::f32::consts::{FRAC_PI_2, PI};

    #[test]
    fn upright_body_has_no_rotation() {
        let roi = Roi::from_alignment_points((100.0, 200.0), (100.0, 100.0)).unwrap();
        assert!(roi.rotation.abs() < 1e-6);
        assert!((roi.side - 250.0).abs() < 1e-4);
    }

    #[test]
    fn head_to_the_right_turns_a_quarter() {
        // Lying with the head to the right: the crop's up must point right.
        let roi = Roi::from_alignment_points((100.0, 100.0), (200.0, 100.0)).unwrap();
        assert!((roi.rotation - FRAC_PI_2).abs() < 1e-6);
        let (x, y) = roi.frame_from_crop(128.0, 0.0, 256.0);
        assert!((x - (100.0 + 125.0)).abs() < 1e-3 && (y - 100.0).abs() < 1e-3);
    }

    #[test]
    fn degenerate_points_give_no_roi() {
        assert!(Roi::from_alignment_points((1.0, 1.0), (1.0, 1.0)).is_none());
        assert!(Roi::from_alignment_points((f32::NAN, 1.0), (1.0, 50.0)).is_none());
    }

    #[test]
    fn warp_of_an_upright_roi_copies_pixels() {
        let mut frame = RgbImage::new(64, 64);
        for (x, y, p) in frame.enumerate_pixels_mut() {
            *p = image::Rgb([(x * 4) as u8, (y * 4) as u8, 7]);
        }
        // A 32 px ROI centred on (32, 32) into a 32 crop is a straight copy.
        let roi = Roi {
            center_x: 32.0,
            center_y: 32.0,
            side: 32.0,
            rotation: 0.0,
        };
        let mut out = vec![0.0; 32 * 32 * 3];
        warp_into(&frame, &roi, 32, (0.0, 255.0), &mut out);
        let o = (5 * 32 + 3) * 3;
        assert!((out[o] - 19.0 * 4.0).abs() < 1e-3);
        assert!((out[o + 1] - 21.0 * 4.0).abs() < 1e-3);
        assert!((out[o + 2] - 7.0).abs() < 1e-3);
    }

    #[test]
    fn warp_outside_the_frame_is_black() {
        let frame = RgbImage::from_pixel(10, 10, image::Rgb([255, 255, 255]));
        let roi = Roi {
            center_x: 500.0,
            center_y: 500.0,
            side: 20.0,
            rotation: 0.3,
        };
        let mut out = vec![1.0; 8 * 8 * 3];
        warp_into(&frame, &roi, 8, (-1.0, 1.0), &mut out);
        assert!(out.iter().all(|&v| (v + 1.0).abs() < 1e-6));
    }

    proptest! {
        #[test]
        fn inverse_of_forward_is_identity(
            cx in -500.0_f32..2000.0, cy in -500.0_f32..2000.0,
            side in 5.0_f32..3000.0, rot in -PI..PI,
            u in -50.0_f32..300.0, v in -50.0_f32..300.0,
        ) {
            let roi = Roi { center_x: cx, center_y: cy, side, rotation: rot };
            let (x, y) = roi.frame_from_crop(u, v, 256.0);
            let (u2, v2) = roi.crop_from_frame(x, y, 256.0);
            let tol = 1e-3 * (1.0 + u.abs().max(v.abs())) * (1.0 + (cx.abs() + cy.abs()) / side);
            prop_assert!((u - u2).abs() < tol, "u {} -> {}", u, u2);
            prop_assert!((v - v2).abs() < tol, "v {} -> {}", v, v2);
        }

        #[test]
        fn alignment_vector_points_up_in_the_crop(
            cx in 0.0_f32..1000.0, cy in 0.0_f32..1000.0,
            len in 10.0_f32..500.0, angle in -PI..PI,
        ) {
            let p = (cx + len * angle.cos(), cy + len * angle.sin());
            let roi = Roi::from_alignment_points((cx, cy), p).unwrap();
            let (u, v) = roi.crop_from_frame(p.0, p.1, 256.0);
            // Straight above the centre, at 1 / (2 x 1.25) of the half side.
            prop_assert!((u - 128.0).abs() < 0.05, "u = {}", u);
            prop_assert!((v - (128.0 - 256.0 / (2.0 * ROI_SCALE) )).abs() < 0.05, "v = {}", v);
        }
    }
}
