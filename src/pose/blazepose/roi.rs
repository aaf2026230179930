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

use fast_image_resize as fir;
use image::RgbImage;

use crate::pose::PoseError;

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

/// When one crop pixel covers more than this many frame pixels per axis, a
/// single bilinear sample would skip pixels and alias (fine textures, thin
/// limbs), so the frame is first shrunk with a proper area filter.
pub const MAX_SAMPLE_STEP: f32 = 1.5;

/// An RGB picture, read one bilinear sample at a time.
struct Sampler<'a> {
    data: &'a [u8],
    width: i64,
    height: i64,
    stride: usize,
}

impl Sampler<'_> {
    /// The bilinear sample at `(ix + ax, iy + ay)` in index space (pixel
    /// centres at integers, `ax` and `ay` in 0..1), 0..255 per channel;
    /// outside the picture counts as black.
    #[inline]
    fn sample_at(&self, ix: i64, iy: i64, ax: f32, ay: f32) -> [f32; 3] {
        if ix >= 0 && iy >= 0 && ix + 1 < self.width && iy + 1 < self.height {
            // Inside: the four neighbours are two 6-byte runs, two bounds
            // checks instead of twelve.
            let i = iy as usize * self.stride + ix as usize * 3;
            let (Some(top), Some(bottom)) = (
                self.data.get(i..i + 6),
                self.data.get(i + self.stride..i + self.stride + 6),
            ) else {
                return [0.0; 3];
            };
            let mut px = [0.0_f32; 3];
            for c in 0..3 {
                let (p00, p10) = (f32::from(top[c]), f32::from(top[c + 3]));
                let (p01, p11) = (f32::from(bottom[c]), f32::from(bottom[c + 3]));
                let t = p00 + (p10 - p00) * ax;
                let b = p01 + (p11 - p01) * ax;
                px[c] = t + (b - t) * ay;
            }
            return px;
        }
        // On the border: neighbours outside the picture are black.
        let pixel = |x: i64, y: i64| -> [f32; 3] {
            if x < 0 || y < 0 || x >= self.width || y >= self.height {
                return [0.0; 3];
            }
            let i = y as usize * self.stride + x as usize * 3;
            match self.data.get(i..i + 3) {
                Some(p) => [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])],
                None => [0.0; 3],
            }
        };
        let (p00, p10) = (pixel(ix, iy), pixel(ix + 1, iy));
        let (p01, p11) = (pixel(ix, iy + 1), pixel(ix + 1, iy + 1));
        let mut px = [0.0_f32; 3];
        for c in 0..3 {
            let t = p00[c] + (p10[c] - p00[c]) * ax;
            let b = p01[c] + (p11[c] - p01[c]) * ax;
            px[c] = t + (b - t) * ay;
        }
        px
    }
}

/// Warps rotated ROIs of camera frames into a model's square input tensor,
/// reusing its buffers between frames.
///
/// The cost depends on the crop (256 x 256), not on the camera's
/// resolution: no copy or conversion of the whole frame is made.
///
/// - ROI at most 1.5 times the crop: one pass, each crop pixel a bilinear
///   sample of the frame at its centre, written straight into the tensor.
/// - Larger ROIs: a plain bilinear sample would skip pixels and alias, so
///   the frame pixels under the ROI's bounding box are first shrunk by
///   `fast_image_resize`'s SIMD convolution (a box filter, area averaging)
///   until a crop pixel steps 1.5 shrunk pixels, and the crop samples that
///   small picture bilinearly. That is the same footprint the warp had when
///   it averaged up to 3 x 3 bilinear taps per crop pixel straight from the
///   frame; the pictures stay close (see the tests) at a fraction of the
///   cost (the taps took 10 ms a 720p frame on two cores, this about 2).
pub struct RoiWarper {
    resizer: fir::Resizer,
    shrunk: fir::images::Image<'static>,
}

impl Default for RoiWarper {
    fn default() -> Self {
        RoiWarper {
            resizer: fir::Resizer::new(),
            shrunk: fir::images::Image::new(1, 1, fir::PixelType::U8x3),
        }
    }
}

impl RoiWarper {
    /// Fills `out` (`size x size x 3`, row-major, RGB) with the ROI of
    /// `frame`, scaled to `lo..hi`; outside the frame is black (`lo`).
    pub fn warp_into(
        &mut self,
        frame: &RgbImage,
        roi: &Roi,
        size: u32,
        range: (f32, f32),
        out: &mut [f32],
    ) -> Result<(), PoseError> {
        let n = size as usize;
        let (lo, _) = range;
        let Some(out) = out.get_mut(..n * n * 3) else {
            return Err(PoseError::Preprocess(format!(
                "the input tensor holds {} values, a {n} x {n} RGB crop needs {}",
                out.len(),
                n * n * 3
            )));
        };
        let (w, h) = (frame.width() as f32, frame.height() as f32);
        let ratio = roi.side / size as f32;
        // Crop pixel centres in frame continuous coordinates: an affine map.
        let (cx0, cy0) = roi.frame_from_crop(0.5, 0.5, size as f32);
        let (dxu, dyu) = roi.rotate_to_frame(ratio, 0.0);
        let (dxv, dyv) = roi.rotate_to_frame(0.0, ratio);
        if ratio <= MAX_SAMPLE_STEP {
            let sampler = Sampler {
                data: frame.as_raw(),
                width: i64::from(frame.width()),
                height: i64::from(frame.height()),
                stride: frame.width() as usize * 3,
            };
            // Index space has pixel centres at integers.
            let map = Affine {
                x0: cx0 - 0.5,
                y0: cy0 - 0.5,
                dxu,
                dyu,
                dxv,
                dyv,
            };
            sample_into(&sampler, &map, n, range, out);
            return Ok(());
        }
        // The frame area the ROI covers (its corners' bounding box, a crop
        // pixel wider on each side for the bilinear neighbours), inside the frame.
        let corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
            .map(|(a, b)| roi.frame_from_crop(a * size as f32, b * size as f32, size as f32));
        let min_x = corners.iter().map(|c| c.0).fold(f32::INFINITY, f32::min) - ratio;
        let max_x = corners
            .iter()
            .map(|c| c.0)
            .fold(f32::NEG_INFINITY, f32::max)
            + ratio;
        let min_y = corners.iter().map(|c| c.1).fold(f32::INFINITY, f32::min) - ratio;
        let max_y = corners
            .iter()
            .map(|c| c.1)
            .fold(f32::NEG_INFINITY, f32::max)
            + ratio;
        let (left, top) = (min_x.max(0.0).floor(), min_y.max(0.0).floor());
        let (right, bottom) = (max_x.min(w).ceil(), max_y.min(h).ceil());
        if right - left < 1.0 || bottom - top < 1.0 {
            // The ROI lies wholly outside the frame.
            out.fill(lo);
            return Ok(());
        }
        // A crop pixel steps MAX_SAMPLE_STEP shrunk pixels, as direct
        // sampling does at the largest ROI it handles.
        let shrink = ratio / MAX_SAMPLE_STEP;
        let shrunk_w = ((right - left) / shrink).ceil().max(1.0) as u32;
        let shrunk_h = ((bottom - top) / shrink).ceil().max(1.0) as u32;
        if self.shrunk.width() != shrunk_w || self.shrunk.height() != shrunk_h {
            self.shrunk = fir::images::Image::new(shrunk_w, shrunk_h, fir::PixelType::U8x3);
        }
        let options = fir::ResizeOptions::new()
            .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Box))
            .crop(
                f64::from(left),
                f64::from(top),
                f64::from(right - left),
                f64::from(bottom - top),
            );
        self.resizer
            .resize(frame, &mut self.shrunk, &options)
            .map_err(|e| PoseError::Preprocess(e.to_string()))?;
        // Frame continuous coordinates to shrunk index space.
        let (sx, sy) = (
            shrunk_w as f32 / (right - left),
            shrunk_h as f32 / (bottom - top),
        );
        let map = Affine {
            x0: (cx0 - left) * sx - 0.5,
            y0: (cy0 - top) * sy - 0.5,
            dxu: dxu * sx,
            dyu: dyu * sy,
            dxv: dxv * sx,
            dyv: dyv * sy,
        };
        let sampler = Sampler {
            data: self.shrunk.buffer(),
            width: i64::from(shrunk_w),
            height: i64::from(shrunk_h),
            stride: shrunk_w as usize * 3,
        };
        // Outside the shrunk picture is outside the frame (black), as with
        // direct sampling.
        sample_into(&sampler, &map, n, range, out);
        Ok(())
    }
}

/// Where crop pixel `(u, v)`'s centre falls in a picture's index space:
/// `(x0 + u dxu + v dxv, y0 + u dyu + v dyv)`.
struct Affine {
    x0: f32,
    y0: f32,
    dxu: f32,
    dyu: f32,
    dxv: f32,
    dyv: f32,
}

/// Fractional bits of the fixed-point sample positions: 32 keeps the
/// position error after 256 steps far below a thousandth of a pixel.
const FIXED_SHIFT: u32 = 32;

/// `v` in 32.32 fixed point (saturating for positions far off any picture).
#[inline]
fn to_fixed(v: f64) -> i64 {
    (v * f64::from(1_u32 << 16) * f64::from(1_u32 << 16)).round() as i64
}

/// The crop pixels `u` of one row whose sample can touch the picture: those
/// whose position `start + u * step` (one axis, index space) lies in
/// `-1..extent`, widened by a pixel each way. The rest sample only black.
fn touching_columns(start: f64, step: f64, extent: f64, n: usize) -> std::ops::Range<usize> {
    let (lo, hi) = (-1.0, extent);
    let (first, last) = if step.abs() < 1e-12 {
        if start > lo && start < hi {
            (0.0, n as f64)
        } else {
            (0.0, 0.0)
        }
    } else {
        let (a, b) = ((lo - start) / step, (hi - start) / step);
        (a.min(b).floor() - 1.0, a.max(b).ceil() + 1.0)
    };
    let clamp = |u: f64| u.clamp(0.0, n as f64) as usize;
    let (first, last) = (clamp(first), clamp(last));
    first..last.max(first)
}

/// One bilinear sample per crop pixel, scaled from 0..255 to `range`.
///
/// Positions step along a row in 32.32 fixed point: the integer part is the
/// pixel and the fraction its weight, with no float-to-integer conversion
/// per sample (those dominated the loop). Crop pixels that cannot touch the
/// picture are filled with black without sampling: a person close to the
/// camera has a ROI many times the frame (the hips below it), and most of
/// the crop lies outside.
fn sample_into(sampler: &Sampler<'_>, map: &Affine, n: usize, range: (f32, f32), out: &mut [f32]) {
    let (lo, hi) = range;
    let scale = (hi - lo) / 255.0;
    let frac_scale = 1.0 / (f32::from(1_u16 << 8) * f32::from(1_u16 << 8)).powi(2);
    let (step_x, step_y) = (to_fixed(f64::from(map.dxu)), to_fixed(f64::from(map.dyu)));
    let (width, height) = (sampler.width as f64, sampler.height as f64);
    for (v, row) in out.chunks_exact_mut(n * 3).enumerate() {
        let row_index = f64::from(v as u32);
        let (x_start, y_start) = (
            f64::from(map.x0) + row_index * f64::from(map.dxv),
            f64::from(map.y0) + row_index * f64::from(map.dyv),
        );
        let across = touching_columns(x_start, f64::from(map.dxu), width, n);
        let down = touching_columns(y_start, f64::from(map.dyu), height, n);
        let first = across.start.max(down.start);
        let last = across.end.min(down.end).max(first);
        let (before, rest) = row.split_at_mut(first * 3);
        let (inside, after) = rest.split_at_mut((last - first) * 3);
        before.fill(lo);
        after.fill(lo);
        // The same positions stepping from the row's first pixel gives.
        let skipped = first as i64;
        let mut pos_x = to_fixed(x_start).saturating_add(step_x.saturating_mul(skipped));
        let mut pos_y = to_fixed(y_start).saturating_add(step_y.saturating_mul(skipped));
        for px in inside.chunks_exact_mut(3) {
            let (ix, iy) = (pos_x >> FIXED_SHIFT, pos_y >> FIXED_SHIFT);
            let ax = (pos_x & 0xffff_ffff) as f32 * frac_scale;
            let ay = (pos_y & 0xffff_ffff) as f32 * frac_scale;
            let rgb = sampler.sample_at(ix, iy, ax, ay);
            px[0] = lo + rgb[0] * scale;
            px[1] = lo + rgb[1] * scale;
            px[2] = lo + rgb[2] * scale;
            pos_x = pos_x.saturating_add(step_x);
            pos_y = pos_y.saturating_add(step_y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::f32::consts::{FRAC_PI_2, PI};

    /// The warp as it was before it was made fast (one tap at a time, every
    /// neighbour bounds-checked): the reference the fast one must match.
    fn warp_reference(frame: &RgbImage, roi: &Roi, size: u32, range: (f32, f32), out: &mut [f32]) {
        let n = size as usize;
        let (lo, hi) = range;
        let ratio = roi.side / size as f32;
        let taps = ((ratio / 1.5).ceil() as u32).clamp(1, 3);
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

    /// A deterministic picture with sharp edges and fine texture, where any
    /// sampling slip would show.
    fn textured_frame(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                ((x * 7 + y * 13) % 256) as u8,
                ((x / 5 + y / 3) * 40 % 256) as u8,
                if (x / 9 + y / 11) % 2 == 0 { 230 } else { 15 },
            ])
        })
    }

    fn warp(frame: &RgbImage, roi: &Roi, size: u32, range: (f32, f32)) -> Vec<f32> {
        let mut out = vec![0.0; (size * size * 3) as usize];
        RoiWarper::default()
            .warp_into(frame, roi, size, range, &mut out)
            .unwrap();
        out
    }

    fn differences(a: &[f32], b: &[f32]) -> (f32, f32, f32) {
        let mut d: Vec<f32> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
        let mean = d.iter().sum::<f32>() / d.len() as f32;
        d.sort_by(f32::total_cmp);
        (mean, d[d.len() * 99 / 100], d[d.len() - 1])
    }

    #[test]
    fn direct_warp_matches_the_reference() {
        // ROIs up to 1.5 times the crop are sampled straight from the frame,
        // as before: inside, across the border and outside, rotated or not.
        let frame = textured_frame(1280, 720);
        let rois = [
            (640.0, 360.0, 64.0, 0.0),
            (640.0, 400.0, 90.0, 0.2),
            (300.0, 200.0, 40.0, -2.5),
            (1260.0, 10.0, 96.0, 1.1),
            (-10.0, 715.0, 80.0, 3.0),
        ];
        for (cx, cy, side, rotation) in rois {
            let roi = Roi {
                center_x: cx,
                center_y: cy,
                side,
                rotation,
            };
            let fast = warp(&frame, &roi, 64, (0.0, 1.0));
            let mut slow = vec![0.0; 64 * 64 * 3];
            warp_reference(&frame, &roi, 64, (0.0, 1.0), &mut slow);
            // The two differ only in float rounding of the sample positions;
            // a shift of 1e-3 px moves a value by at most 1e-3 of the full
            // range at a 255-step edge.
            let (_, _, worst) = differences(&fast, &slow);
            assert!(worst < 2e-3, "{roi:?}: worst difference {worst}");
        }
    }

    #[test]
    fn shrinking_warp_keeps_smooth_pictures_exact() {
        // On a picture that changes linearly, every area filter gives the
        // value at the centre: the two ways of shrinking must agree away from
        // the frame's border.
        let frame = RgbImage::from_fn(1280, 720, |x, y| {
            image::Rgb([(x / 6) as u8, (y / 3) as u8, ((x + y) / 8) as u8])
        });
        let roi = Roi {
            center_x: 640.0,
            center_y: 360.0,
            side: 500.0,
            rotation: 0.3,
        };
        let fast = warp(&frame, &roi, 64, (0.0, 1.0));
        let mut slow = vec![0.0; 64 * 64 * 3];
        warp_reference(&frame, &roi, 64, (0.0, 1.0), &mut slow);
        let (mean, _, worst) = differences(&fast, &slow);
        // Rounding the shrunk picture to bytes costs up to half a level.
        assert!(worst < 3.0 / 255.0, "worst difference {worst}");
        assert!(mean < 1.0 / 255.0, "mean difference {mean}");
    }

    #[test]
    fn shrinking_warp_stays_close_to_the_reference_on_fixture_photos() {
        let Some(dir) = std::env::var_os("FORMCOACH_FIXTURES").filter(|d| !d.is_empty()) else {
            eprintln!("SKIPPED: FORMCOACH_FIXTURES is not set");
            return;
        };
        let images = std::path::Path::new(&dir).join("images");
        for name in [
            "standing_coco_01.jpg",
            "allfours_01.jpg",
            "seated_chair_03.jpg",
        ] {
            let frame = image::open(images.join(name)).unwrap().to_rgb8();
            let (w, h) = (frame.width() as f32, frame.height() as f32);
            for (side, rotation) in [(w.min(h) * 1.1, 0.35), (w.max(h) * 1.4, -1.4)] {
                // A body-sized crop, tilted, reaching past an edge.
                let roi = Roi {
                    center_x: w * 0.45,
                    center_y: h * 0.55,
                    side,
                    rotation,
                };
                let fast = warp(&frame, &roi, 256, (0.0, 1.0));
                let mut slow = vec![0.0; 256 * 256 * 3];
                warp_reference(&frame, &roi, 256, (0.0, 1.0), &mut slow);
                let (mean, p99, _) = differences(&fast, &slow);
                eprintln!("{name} side {side:.0}: mean {mean:.4}, p99 {p99:.4}");
                // Both are area filters about one crop pixel wide; they part
                // only on the sharpest edges.
                assert!(mean < 0.01, "{name}: mean difference {mean}");
                assert!(p99 < 0.12, "{name}: 99th percentile {p99}");
            }
        }
    }

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
        let out = warp(&frame, &roi, 32, (0.0, 255.0));
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
        let out = warp(&frame, &roi, 8, (-1.0, 1.0));
        assert!(out.iter().all(|&v| (v + 1.0).abs() < 1e-6));
    }

    /// Every crop pixel sampled, none skipped: what `sample_into` must
    /// give, bit for bit.
    fn sample_every_pixel(sampler: &Sampler<'_>, map: &Affine, n: usize, out: &mut [f32]) {
        let (lo, hi) = (0.0_f32, 1.0_f32);
        let scale = (hi - lo) / 255.0;
        let frac_scale = 1.0 / (f32::from(1_u16 << 8) * f32::from(1_u16 << 8)).powi(2);
        let (step_x, step_y) = (to_fixed(f64::from(map.dxu)), to_fixed(f64::from(map.dyu)));
        for (v, row) in out.chunks_exact_mut(n * 3).enumerate() {
            let row_index = f64::from(v as u32);
            let mut pos_x = to_fixed(f64::from(map.x0) + row_index * f64::from(map.dxv));
            let mut pos_y = to_fixed(f64::from(map.y0) + row_index * f64::from(map.dyv));
            for px in row.chunks_exact_mut(3) {
                let (ix, iy) = (pos_x >> FIXED_SHIFT, pos_y >> FIXED_SHIFT);
                let ax = (pos_x & 0xffff_ffff) as f32 * frac_scale;
                let ay = (pos_y & 0xffff_ffff) as f32 * frac_scale;
                let rgb = sampler.sample_at(ix, iy, ax, ay);
                for c in 0..3 {
                    px[c] = lo + rgb[c] * scale;
                }
                pos_x = pos_x.saturating_add(step_x);
                pos_y = pos_y.saturating_add(step_y);
            }
        }
    }

    proptest! {
        #[test]
        fn skipping_pixels_outside_the_picture_changes_nothing(
            x0 in -400.0_f32..400.0, y0 in -400.0_f32..400.0,
            dxu in prop::sample::select(vec![0.0_f32, 0.3, -0.7, 1.0, 2.5, -16.0]),
            dyu in -3.0_f32..3.0,
            dxv in -3.0_f32..3.0,
            dyv in prop::sample::select(vec![0.0_f32, 0.5, -1.0, 4.0, 16.0]),
        ) {
            // A small picture and ROIs from inside it to far beyond it, upright
            // or turned, including rows parallel to an edge.
            let frame = textured_frame(37, 23);
            let sampler = Sampler {
                data: frame.as_raw(),
                width: 37,
                height: 23,
                stride: 37 * 3,
            };
            let map = Affine { x0, y0, dxu, dyu, dxv, dyv };
            let n = 24;
            let mut fast = vec![9.0_f32; n * n * 3];
            let mut every = vec![9.0_f32; n * n * 3];
            sample_into(&sampler, &map, n, (0.0, 1.0), &mut fast);
            sample_every_pixel(&sampler, &map, n, &mut every);
            prop_assert_eq!(fast, every);
        }

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
