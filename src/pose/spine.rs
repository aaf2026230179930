//! The shape of the back, read from the person's silhouette.
//!
//! Pose models give no point between the shoulders and the hips, yet every
//! exercise in the catalogue is about the thoracic spine. BlazePose's
//! landmark graph also outputs a segmentation mask of the person in its
//! rotated 256 crop; in a side view the edge of that silhouette on the back
//! side *is* the back line. This module traces that edge between the hip and
//! shoulder landmarks and turns its bend into signed angles.
//!
//! Everything is computed in the crop's own pixels: the crop is a rotation
//! plus a uniform scale of the frame, so angles measured there are the same
//! as in the frame, and the crop already stands the body upright. Only the
//! traced points are mapped back to frame pixels (for drawing).
//!
//! Sign convention: positive = rounded (flexion, the back bulges outward),
//! negative = arched (extension, the back caves in).
//!
//! # Measured (blazepose-full, fixture stills and one clip)
//!
//! Thoracic curve against the same span measured by hand on the photo
//! (three edge points read off a pixel grid, arc angle from sagitta over
//! chord): tabletop `allfours_01` 15 against 37, cat `allfours_02` 37
//! against 54, child's pose `kneeling_01` 39 against 51, lying prone
//! `prone_01` 20 against 6, seated cat-cow video frames 57 against 57
//! (rounded) and -8 against -13 (extended). The order holds, the size is
//! rough: the torso spans only about 50 mask cells, and where the clothes
//! match the background the mask's edge cuts corners (the tabletop's
//! shoulder blades against a dark window frame). On the seated cat-cow clip
//! the half-second medians swing between about -6 (extended) and +51
//! (rounded), following the labelled phases.

use serde::{Deserialize, Serialize};

use crate::pose::blazepose::roi::Roi;
use crate::pose::{Joint, Person};

/// Mask values at or above this count as the person (the mask is a
/// probability, already passed through a sigmoid inside the graph).
pub const MASK_THRESHOLD: f32 = 0.5;

/// Where along the hip -> shoulder segment (0 = hip joints, 1 = shoulder
/// joints) the lumbar curve is measured: from the sacrum, a little above the
/// hip joints, to about the thoracolumbar junction (the lumbar spine is
/// roughly the lower 40 % of the trunk). The span overlaps the thoracic one
/// a little because where one ends cannot be seen on a silhouette.
pub const LUMBAR_SPAN: (f32, f32) = (0.05, 0.45);

/// Where along the hip -> shoulder segment the thoracic curve is measured:
/// from about the thoracolumbar junction to 90 % of the way to the shoulder
/// line. The last tenth is left out: there the ray meets the top of the
/// shoulder (trapezius, shoulder blade), which rolls off towards the neck in
/// every pose and read as 10-15 degrees of rounding on flat backs (tabletop,
/// lying prone) when it was included.
pub const THORACIC_SPAN: (f32, f32) = (0.40, 0.90);

/// Rays cast from the trunk axis to find the back's edge.
const SAMPLES: usize = 33;

/// Step along a ray, crop pixels.
const RAY_STEP: f32 = 0.5;

/// Rays are cast at most this far from the trunk axis, in torso lengths
/// (hip-to-shoulder distance): a back is never wider than that.
const MAX_RAY: f32 = 0.8;

/// A view counts as side-on to this degree: |depth| over length of the
/// shoulder and hip lines (world points). Below `MIN_SIDE_ON` the curve of
/// the back cannot be seen in the silhouette at all (the back faces the
/// camera), so no measure is reported; at `FULL_SIDE_ON` and above the view
/// is as good as a true profile.
pub const MIN_SIDE_ON: f32 = 0.5;
/// See [`MIN_SIDE_ON`].
pub const FULL_SIDE_ON: f32 = 0.85;

/// Landmarks below this visibility are not used to orient the back.
const MIN_ORIENT_SCORE: f32 = 0.2;

/// The person's segmentation mask as the landmark model gave it: a square
/// grid over the rotated crop, with the crop's geometry to map it back.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentationMask {
    /// Side of the grid (256 for BlazePose).
    pub size: usize,
    /// `size * size` probabilities, row-major, 0..1.
    pub data: Vec<f32>,
    /// The crop this grid covers, in frame pixels.
    pub roi: Roi,
}

impl SegmentationMask {
    /// The bilinear mask value at a crop point (crop pixels, pixel centres at
    /// `i + 0.5`); outside the grid is background.
    #[must_use]
    pub fn at_crop(&self, u: f32, v: f32) -> f32 {
        let side = self.size;
        if side == 0 || self.data.len() < side * side || !(u.is_finite() && v.is_finite()) {
            return 0.0;
        }
        // Index space: cell centres at integers.
        let (col, row) = (u - 0.5, v - 0.5);
        let (x0, y0) = (col.floor(), row.floor());
        let (ax, ay) = (col - x0, row - y0);
        let at = |ix: f32, iy: f32| -> f32 {
            if ix < 0.0 || iy < 0.0 || ix >= side as f32 || iy >= side as f32 {
                return 0.0;
            }
            let value = self.data[iy as usize * side + ix as usize];
            if value.is_finite() { value } else { 0.0 }
        };
        let top = at(x0, y0) + (at(x0 + 1.0, y0) - at(x0, y0)) * ax;
        let bottom = at(x0, y0 + 1.0) + (at(x0 + 1.0, y0 + 1.0) - at(x0, y0 + 1.0)) * ax;
        top + (bottom - top) * ay
    }

    /// The mask value at a frame pixel position: the mask mapped back to the
    /// frame through the crop's rotation and scale.
    #[must_use]
    pub fn at_frame(&self, x: f32, y: f32) -> f32 {
        let (u, v) = self.roi.crop_from_frame(x, y, self.size as f32);
        self.at_crop(u, v)
    }

    /// The mask over a whole `width` x `height` frame, 0..255 (for overlays
    /// and for anyone who wants the silhouette in frame pixels).
    #[must_use]
    pub fn to_frame(&self, width: u32, height: u32) -> image::GrayImage {
        image::GrayImage::from_fn(width, height, |x, y| {
            let v = self.at_frame(x as f32 + 0.5, y as f32 + 0.5);
            image::Luma([(v.clamp(0.0, 1.0) * 255.0).round() as u8])
        })
    }
}

/// Signed curve measures of the back in a side view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpineMeasure {
    /// Upper back: the angle between the back line's tangents at the top and
    /// bottom of the thoracic span, degrees; positive = rounded (flexion),
    /// negative = arched (extension).
    pub thoracic_curve_deg: f64,
    /// Low back, same convention.
    pub lumbar_curve_deg: f64,
    /// 0..1: how far the curves can be trusted (how side-on the view is
    /// times how cleanly the silhouette's edge was found).
    pub confidence: f64,
}

/// The traced back line and its measures. A person carries one when their
/// estimator read a mask and the view showed the back; tracks keep the
/// measures only (the line is for drawing the frame it came from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spine {
    /// The measures, as `formcoach pose` prints them.
    #[serde(flatten)]
    pub measure: SpineMeasure,
    /// The back's edge from hip level to shoulder level, frame pixels.
    #[serde(skip)]
    pub line: Vec<(f32, f32)>,
}

/// The back's edge found along the trunk, in a frame where the trunk axis
/// runs along +s and the back lies towards +d.
#[derive(Debug, Clone, PartialEq)]
pub struct BackProfile {
    /// (t, s, d): t = fraction of the hip -> shoulder segment, s = distance
    /// along the axis from the hip centre, d = distance of the edge from the
    /// axis towards the back (both in mask pixels). Rays that found no edge
    /// are left out.
    pub points: Vec<(f32, f32, f32)>,
    /// Rays cast.
    pub rays: usize,
}

/// Traces the back's edge on a mask grid (`size` x `size`, row-major):
/// from each of `SAMPLES` points on the segment `hip` -> `shoulder`, walk
/// along `back` (a unit vector perpendicular to the trunk, pointing away
/// from the belly) while inside the silhouette, and keep the crossing of the
/// threshold (interpolated between the last two steps).
#[must_use]
pub fn trace_back(
    mask: &SegmentationMask,
    hip: (f32, f32),
    shoulder: (f32, f32),
    back: (f32, f32),
) -> BackProfile {
    let (ax, ay) = (shoulder.0 - hip.0, shoulder.1 - hip.1);
    let length = ax.hypot(ay);
    let mut points = Vec::with_capacity(SAMPLES);
    if !(length.is_finite() && length > 1.0) {
        return BackProfile { points, rays: 0 };
    }
    let max_steps = (MAX_RAY * length / RAY_STEP).ceil() as usize;
    for i in 0..SAMPLES {
        let t = i as f32 / (SAMPLES - 1) as f32;
        let (px, py) = (hip.0 + ax * t, hip.1 + ay * t);
        let mut prev = mask.at_crop(px, py);
        if prev < MASK_THRESHOLD {
            continue;
        }
        for step in 1..=max_steps {
            let d = step as f32 * RAY_STEP;
            let v = mask.at_crop(px + back.0 * d, py + back.1 * d);
            if v < MASK_THRESHOLD {
                let frac = ((prev - MASK_THRESHOLD) / (prev - v)).clamp(0.0, 1.0);
                points.push((t, t * length, d - RAY_STEP + frac * RAY_STEP));
                break;
            }
            prev = v;
        }
    }
    BackProfile {
        points,
        rays: SAMPLES,
    }
}

/// The bend of the profile between `t0` and `t1`, degrees, positive when
/// the edge bulges towards the back (rounded).
///
/// Fits `d = a + b s + c s^2` by least squares (smooths the mask's pixel
/// steps), takes the fit's sagitta `h` (how far its middle lies outside the
/// chord between its ends) over the chord length `L`, and converts it to the
/// angle between the end tangents of the circular arc with that sagitta and
/// chord: `4 atan(2h / L)`. For an arc that is its exact central angle; for
/// a flat back it is 0. `None` with fewer than 5 edge points in the span.
#[must_use]
pub fn curve_deg(profile: &BackProfile, t0: f32, t1: f32) -> Option<f32> {
    let pts: Vec<(f64, f64)> = profile
        .points
        .iter()
        .filter(|p| p.0 >= t0 - 1e-4 && p.0 <= t1 + 1e-4)
        .map(|p| (f64::from(p.1), f64::from(p.2)))
        .collect();
    if pts.len() < 5 {
        return None;
    }
    let s_min = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let s_max = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let span = s_max - s_min;
    if span <= 1.0 {
        return None;
    }
    // Centre and scale s for a well-conditioned fit.
    let mid = f64::midpoint(s_min, s_max);
    let half = span / 2.0;
    let [a, b, c] = fit_quadratic(pts.iter().map(|&(s, d)| ((s - mid) / half, d)))?;
    let (d0, d1, dm) = (a - b + c, a + b + c, a);
    let chord_len = span.hypot(d1 - d0);
    // Signed distance of the middle from the chord, towards +d.
    let sagitta = (dm - f64::midpoint(d0, d1)) * span / chord_len;
    let angle = 4.0 * (2.0 * sagitta / chord_len).atan();
    let deg = angle.to_degrees() as f32;
    deg.is_finite().then_some(deg)
}

/// 0..1: how smooth the traced edge is. A back is a smooth curve; an edge
/// that jumps (an arm or a leg crossing the back, a ragged mask) leaves
/// large residuals around one quadratic over the whole trunk. The RMS
/// residual in torso lengths: up to 1 % is the mask's pixel steps (full
/// trust), 5 % and more is something else than a back (none).
fn smoothness(profile: &BackProfile, torso: f32) -> f32 {
    let pts: Vec<(f64, f64)> = profile
        .points
        .iter()
        .map(|p| (f64::from(p.1), f64::from(p.2)))
        .collect();
    if pts.len() < 5 || torso <= 1.0 {
        return 0.0;
    }
    let scale = f64::from(torso);
    let Some([a, b, c]) = fit_quadratic(pts.iter().map(|&(s, d)| (s / scale, d))) else {
        return 0.0;
    };
    let sq: f64 = pts
        .iter()
        .map(|&(s, d)| {
            let x = s / scale;
            (d - (a + b * x + c * x * x)).powi(2)
        })
        .sum();
    let rms = (sq / pts.len() as f64).sqrt() / scale;
    (1.0 - (rms - 0.01) / 0.04).clamp(0.0, 1.0) as f32
}

/// Least-squares `d = a + b x + c x^2`; `None` when singular.
fn fit_quadratic(points: impl Iterator<Item = (f64, f64)>) -> Option<[f64; 3]> {
    let mut m = [[0.0_f64; 4]; 3];
    for (x, d) in points {
        let row = [1.0, x, x * x];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += row[i] * row[j];
            }
            m[i][3] += row[i] * d;
        }
    }
    // Gauss-Jordan with partial pivoting on the 3 x 4 system.
    for col in 0..3 {
        let pivot = (col..3).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        for row in 0..3 {
            if row != col {
                let f = m[row][col] / m[col][col];
                let pivot_row = m[col];
                for (cell, p) in m[row].iter_mut().zip(pivot_row).skip(col) {
                    *cell -= f * p;
                }
            }
        }
    }
    Some([m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]])
}

/// How side-on the view is, 0..1: the mean over the shoulder and hip pairs
/// of |depth difference| over the pair's 3D length, from the world points
/// (metres). A true profile gives 1, a front or back view 0. Falls back to
/// the image: the shoulder and hip widths against the torso length (a
/// front-on torso is about 0.7 torso lengths wide at the shoulders).
#[must_use]
pub fn side_on(person: &Person) -> Option<f32> {
    let pairs = [
        (Joint::LeftShoulder, Joint::RightShoulder),
        (Joint::LeftHip, Joint::RightHip),
    ];
    if person.world.is_some() {
        let mut sum = 0.0;
        let mut n = 0;
        for (a, b) in pairs {
            let (Some(pa), Some(pb)) = (person.world_point(a), person.world_point(b)) else {
                continue;
            };
            let (dx, dy, dz) = (pa.x - pb.x, pa.y - pb.y, pa.z - pb.z);
            let len = (dx * dx + dy * dy + dz * dz).sqrt();
            if len.is_finite() && len > 1e-4 {
                sum += dz.abs() / len;
                n += 1;
            }
        }
        if n > 0 {
            return Some((sum / n as f32).clamp(0.0, 1.0));
        }
    }
    let (s, h) = (mid(person, pairs[0])?, mid(person, pairs[1])?);
    let torso = (s.0 - h.0).hypot(s.1 - h.1);
    let width = |(a, b): (Joint, Joint)| -> Option<f32> {
        let (ka, kb) = (person.keypoint(a)?, person.keypoint(b)?);
        Some((ka.x - kb.x).hypot(ka.y - kb.y))
    };
    let w = f32::midpoint(width(pairs[0])?, width(pairs[1])?);
    (torso > 1.0).then(|| (1.0 - w / (0.7 * torso)).clamp(0.0, 1.0))
}

fn mid(person: &Person, (a, b): (Joint, Joint)) -> Option<(f32, f32)> {
    let (ka, kb) = (person.keypoint(a)?, person.keypoint(b)?);
    let m = (f32::midpoint(ka.x, kb.x), f32::midpoint(ka.y, kb.y));
    (m.0.is_finite() && m.1.is_finite()).then_some(m)
}

/// Which side of the trunk is the back, in crop pixels: the unit normal to
/// the hip -> shoulder axis pointing away from the belly.
///
/// Three cues vote, each weighted by its landmarks' visibility:
/// - the knees, but only when the hip is flexed more than 45 degrees
///   (sitting, kneeling, all fours): a hip cannot extend that far, so the
///   thigh then points to the belly side for sure. With the hip near
///   straight (standing, prone) the knee's side of the axis flips with small
///   extensions, so it does not vote;
/// - the feet: heel -> toe points forward in standing and sitting and to the
///   floor (the belly side) when kneeling or lying face down;
/// - the face: ear -> nose points the way the face looks. Not the nose's
///   place against the shoulders: in a cow or a chest lift the head rises to
///   the back side of the trunk's axis.
///
/// `None` when the votes cancel out.
fn back_direction(
    person: &Person,
    roi: &Roi,
    size: f32,
    hip: (f32, f32),
    shoulder: (f32, f32),
) -> Option<(f32, f32)> {
    let (ax, ay) = (shoulder.0 - hip.0, shoulder.1 - hip.1);
    let len = ax.hypot(ay);
    let axis = (ax / len, ay / len);
    let normal = (-axis.1, axis.0);
    let point = |joint: Joint| -> Option<((f32, f32), f32)> {
        let k = person.keypoint(joint)?;
        (k.score >= MIN_ORIENT_SCORE && k.x.is_finite() && k.y.is_finite())
            .then(|| (roi.crop_from_frame(k.x, k.y, size), k.score))
    };
    // The unit direction from -> to, split into (along the axis, across it).
    let split = |from: (f32, f32), to: (f32, f32)| -> Option<(f32, f32)> {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let l = dx.hypot(dy);
        (l > 1e-3).then(|| {
            (
                (dx * axis.0 + dy * axis.1) / l,
                (dx * normal.0 + dy * normal.1) / l,
            )
        })
    };
    let mut front = 0.0;
    for knee in [Joint::LeftKnee, Joint::RightKnee] {
        if let Some((k, score)) = point(knee)
            && let Some((along, across)) = split(hip, k)
            && -along < std::f32::consts::FRAC_1_SQRT_2
        {
            front += 2.0 * across.signum() * score;
        }
    }
    for (heel, toe) in [
        (Joint::LeftHeel, Joint::LeftFootIndex),
        (Joint::RightHeel, Joint::RightFootIndex),
    ] {
        if let (Some((h, sh)), Some((t, st))) = (point(heel), point(toe))
            && let Some((_, across)) = split(h, t)
        {
            front += across * sh.min(st);
        }
    }
    for (ear, nose) in [
        (Joint::LeftEar, Joint::Nose),
        (Joint::RightEar, Joint::Nose),
    ] {
        if let (Some((e, se)), Some((n, sn))) = (point(ear), point(nose))
            && let Some((_, across)) = split(e, n)
        {
            front += across * se.min(sn);
        }
    }
    if !front.is_finite() || front.abs() < 0.3 {
        return None;
    }
    let sign = -front.signum();
    Some((normal.0 * sign, normal.1 * sign))
}

/// How much of the confidence is left when an arm lies along the back.
const ARM_OVER_BACK_TRUST: f32 = 0.3;

/// Whether an elbow lies on the back side of the trunk's axis, level with
/// the trunk: then the upper arm (the far one, seen from the side) runs
/// along the back and its outline replaces the back's in the silhouette.
/// Seen on the prone chest lift still: the far elbow raised beside the
/// ribs, the traced "back" was the top of that arm. Elbows are otherwise on
/// the belly side (all fours, seated arms forward) or beyond the shoulders
/// (arms overhead).
fn arm_over_back(
    person: &Person,
    roi: &Roi,
    size: f32,
    hip: (f32, f32),
    shoulder: (f32, f32),
    back: (f32, f32),
) -> bool {
    let (ax, ay) = (shoulder.0 - hip.0, shoulder.1 - hip.1);
    let len2 = ax * ax + ay * ay;
    if len2 <= 1.0 {
        return false;
    }
    [Joint::LeftElbow, Joint::RightElbow].iter().any(|&j| {
        // Whatever its visibility: the far elbow against the back is often
        // scored as hidden although its outline is what the mask shows.
        person.confident(j, 0.0).is_some_and(|k| {
            let (u, v) = roi.crop_from_frame(k.x, k.y, size);
            let (dx, dy) = (u - hip.0, v - hip.1);
            let t = (dx * ax + dy * ay) / len2;
            let across = (dx * back.0 + dy * back.1) / len2.sqrt();
            (0.1..0.95).contains(&t) && across > 0.05
        })
    })
}

/// Measures the back of `person` on their mask: `None` in a front or back
/// view (the back's curve is not in the silhouette), without hip and
/// shoulder landmarks, or when too little of the edge was found.
#[must_use]
pub fn measure(person: &Person, mask: &SegmentationMask) -> Option<Spine> {
    let side = side_on(person)?;
    if side < MIN_SIDE_ON {
        return None;
    }
    let crop_size = mask.size as f32;
    let roi = &mask.roi;
    let to_crop = |m: (f32, f32)| roi.crop_from_frame(m.0, m.1, crop_size);
    let shoulder = to_crop(mid(person, (Joint::LeftShoulder, Joint::RightShoulder))?);
    let hip = to_crop(mid(person, (Joint::LeftHip, Joint::RightHip))?);
    let back = back_direction(person, roi, crop_size, hip, shoulder)?;
    let profile = trace_back(mask, hip, shoulder, back);
    let thoracic = curve_deg(&profile, THORACIC_SPAN.0, THORACIC_SPAN.1)?;
    let lumbar = curve_deg(&profile, LUMBAR_SPAN.0, LUMBAR_SPAN.1)?;
    let found = profile.points.len() as f32 / profile.rays.max(1) as f32;
    let smooth = smoothness(&profile, (shoulder.0 - hip.0).hypot(shoulder.1 - hip.1));
    let view = ((side - MIN_SIDE_ON) / (FULL_SIDE_ON - MIN_SIDE_ON)).clamp(0.0, 1.0);
    let arm = if arm_over_back(person, roi, crop_size, hip, shoulder, back) {
        ARM_OVER_BACK_TRUST
    } else {
        1.0
    };
    let (ax, ay) = (shoulder.0 - hip.0, shoulder.1 - hip.1);
    let line = profile
        .points
        .iter()
        .map(|&(t, _, d)| {
            let (u, v) = (hip.0 + ax * t + back.0 * d, hip.1 + ay * t + back.1 * d);
            roi.frame_from_crop(u, v, crop_size)
        })
        .collect();
    let round1 = |x: f32| (f64::from(x) * 10.0).round() / 10.0;
    Some(Spine {
        measure: SpineMeasure {
            thoracic_curve_deg: round1(thoracic),
            lumbar_curve_deg: round1(lumbar),
            confidence: (f64::from(found * smooth * arm * (0.3 + 0.7 * view)) * 100.0).round()
                / 100.0,
        },
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: usize = 256;

    fn roi() -> Roi {
        Roi {
            center_x: N as f32 / 2.0,
            center_y: N as f32 / 2.0,
            side: N as f32,
            rotation: 0.0,
        }
    }

    /// A mask that is the person wherever `inside(x, y)` (pixel centres).
    fn mask(inside: impl Fn(f32, f32) -> bool) -> SegmentationMask {
        let mut data = vec![0.0; N * N];
        for y in 0..N {
            for x in 0..N {
                if inside(x as f32 + 0.5, y as f32 + 0.5) {
                    data[y * N + x] = 1.0;
                }
            }
        }
        SegmentationMask {
            size: N,
            data,
            roi: roi(),
        }
    }

    /// Trunk axis vertical at x = 128 from hip (y = 200) to shoulder
    /// (y = 60); the back towards +x.
    fn profile_of(m: &SegmentationMask) -> BackProfile {
        trace_back(m, (128.0, 200.0), (128.0, 60.0), (1.0, 0.0))
    }

    #[test]
    fn a_straight_back_reads_flat() {
        let m = mask(|x, _| (100.0..150.0).contains(&x));
        let p = profile_of(&m);
        assert_eq!(p.points.len(), p.rays);
        for &(_, _, d) in &p.points {
            assert!((d - 22.0).abs() < 0.6, "{d}");
        }
        let c = curve_deg(&p, 0.0, 1.0).unwrap();
        assert!(c.abs() < 1.0, "{c}");
    }

    #[test]
    fn a_tilted_straight_back_reads_flat() {
        // The edge leans away from the axis: still a straight line.
        let m = mask(|x, y| x > 100.0 && x < 140.0 + (200.0 - y) * 0.3);
        let c = curve_deg(&profile_of(&m), 0.0, 1.0).unwrap();
        assert!(c.abs() < 1.0, "{c}");
    }

    /// The back is an arc of a circle through (150, 200) and (150, 60)
    /// subtending `angle` degrees; bulging out (+x) when `rounded`.
    fn arc_mask(angle_deg: f32, rounded: bool) -> SegmentationMask {
        let chord = 140.0_f32;
        let theta = angle_deg.to_radians();
        let r = chord / 2.0 / (theta / 2.0).sin();
        let sagitta = r - (r * r - (chord / 2.0).powi(2)).sqrt();
        // Centre on the axis' side for a rounded back, outside for an arched one.
        let cx = if rounded {
            150.0 + sagitta - r
        } else {
            150.0 - sagitta + r
        };
        let cy = 130.0;
        mask(move |x, y| {
            let dist = (x - cx).hypot(y - cy);
            x > 100.0 && if rounded { dist < r } else { dist > r }
        })
    }

    #[test]
    fn an_arc_reads_its_angle_with_its_sign() {
        for angle in [20.0_f32, 40.0, 60.0] {
            let rounded = curve_deg(&profile_of(&arc_mask(angle, true)), 0.0, 1.0).unwrap();
            assert!((rounded - angle).abs() < 2.0, "{angle}: {rounded}");
            let arched = curve_deg(&profile_of(&arc_mask(angle, false)), 0.0, 1.0).unwrap();
            assert!((arched + angle).abs() < 2.0, "{angle}: {arched}");
        }
    }

    #[test]
    fn a_sub_span_of_an_arc_reads_its_share() {
        // Half the chord of a circle subtends about half the angle.
        let half = curve_deg(&profile_of(&arc_mask(60.0, true)), 0.5, 1.0).unwrap();
        assert!((half - 30.0).abs() < 3.0, "{half}");
    }

    #[test]
    fn no_silhouette_gives_no_curve() {
        let m = mask(|_, _| false);
        let p = profile_of(&m);
        assert!(p.points.is_empty());
        assert_eq!(curve_deg(&p, 0.0, 1.0), None);
    }

    #[test]
    fn the_mask_maps_back_through_the_rotation() {
        let mut m = mask(|x, y| x < 64.0 && y < 64.0);
        m.roi = Roi {
            center_x: 500.0,
            center_y: 300.0,
            side: 512.0,
            rotation: std::f32::consts::FRAC_PI_2,
        };
        // A crop point inside the square and one outside it, taken to the
        // frame through the ROI, read the mask back from the frame.
        let (fx, fy) = m.roi.frame_from_crop(32.0, 32.0, N as f32);
        assert!(m.at_frame(fx, fy) > 0.99);
        let (gx, gy) = m.roi.frame_from_crop(200.0, 32.0, N as f32);
        assert!(m.at_frame(gx, gy) < 0.01);
        let img = m.to_frame(1000, 600);
        assert_eq!(img.get_pixel(fx as u32, fy as u32).0[0], 255);
    }

    /// A person on all fours seen from the side, trunk level from the hip
    /// centre (60, 150) to the shoulders (200, 150), knees below the hips;
    /// the back's edge is `top(x)` and the belly is flat at y = 180.
    fn on_all_fours(top: impl Fn(f32) -> f32, shoulder_width: f32) -> (Person, SegmentationMask) {
        use crate::pose::Keypoint;
        let kp = |joint, x, y| Keypoint {
            joint,
            x,
            y,
            score: 0.9,
        };
        let person = Person {
            score: 0.9,
            keypoints: vec![
                kp(Joint::LeftHip, 60.0, 150.0),
                kp(Joint::RightHip, 60.0, 150.0),
                kp(Joint::LeftShoulder, 200.0, 150.0 - shoulder_width / 2.0),
                kp(Joint::RightShoulder, 200.0, 150.0 + shoulder_width / 2.0),
                kp(Joint::LeftKnee, 60.0, 230.0),
                kp(Joint::RightKnee, 62.0, 230.0),
            ],
            world: None,
            spine: None,
        };
        let m = mask(|x, y| (30.0..235.0).contains(&x) && y < 180.0 && y > top(x));
        (person, m)
    }

    fn hump(x: f32) -> f32 {
        if (60.0..=200.0).contains(&x) {
            (std::f32::consts::PI * (x - 60.0) / 140.0).sin()
        } else {
            0.0
        }
    }

    #[test]
    fn a_rounded_back_reads_flexion_and_an_arched_one_extension() {
        let (person, m) = on_all_fours(|x| 125.0 - 20.0 * hump(x), 0.0);
        let rounded = measure(&person, &m).unwrap();
        assert!(rounded.measure.thoracic_curve_deg > 10.0, "{rounded:?}");
        assert!(rounded.measure.lumbar_curve_deg > 10.0, "{rounded:?}");
        assert!(rounded.measure.confidence > 0.9, "{rounded:?}");
        // The line lies on the back's edge, above the trunk's axis.
        for &(x, y) in &rounded.line {
            assert!((y - (125.0 - 20.0 * hump(x))).abs() < 2.0, "({x}, {y})");
        }
        let (person, m) = on_all_fours(|x| 125.0 + 15.0 * hump(x), 0.0);
        let arched = measure(&person, &m).unwrap();
        assert!(arched.measure.thoracic_curve_deg < -10.0, "{arched:?}");
        assert!(arched.measure.lumbar_curve_deg < -10.0, "{arched:?}");
        let (person, m) = on_all_fours(|_| 125.0, 0.0);
        let flat = measure(&person, &m).unwrap();
        assert!(flat.measure.thoracic_curve_deg.abs() < 2.0, "{flat:?}");
        assert!(flat.measure.lumbar_curve_deg.abs() < 2.0, "{flat:?}");
    }

    #[test]
    fn a_front_view_has_no_spine() {
        // Shoulders as wide as a front-on torso: the back's curve is not
        // in the outline.
        let (person, m) = on_all_fours(|x| 125.0 - 20.0 * hump(x), 120.0);
        assert_eq!(measure(&person, &m), None);
    }
}
