//! Decoding the BlazePose person detector and weighted non-max suppression.
//!
//! The detector output `person` is `[1, 2254, 13]`: per anchor a score logit,
//! the box centre offset (x, y) and size (w, h), and four keypoints (x, y),
//! all in pixels of the 224 input relative to the anchor centre. MediaPipe's
//! `pose_detection_cpu.pbtxt` decodes them with `TensorsToDetectionsCalculator`
//! (`x_scale = y_scale = w_scale = h_scale = 224`, `reverse_output_order`, so
//! x before y; `sigmoid_score` with `score_clipping_thresh` 100) and then
//! merges overlapping boxes with weighted NMS (`min_suppression_threshold`
//! 0.3, intersection over union). The box is the face; the keypoints carry
//! the body: 0 mid-hip, 1 full-body size and rotation, 2 mid-shoulder,
//! 3 upper-body size and rotation.

use crate::pose::blazepose::anchors::{Anchor, DETECTOR_INPUT_SIZE};

/// Values per anchor in the `person` output.
pub const VALUES_PER_ANCHOR: usize = 13;

/// Raw logits are clipped to this before the sigmoid, as MediaPipe's
/// `score_clipping_thresh: 100` does (it keeps `exp` finite).
const SCORE_CLIP: f32 = 100.0;

/// Boxes overlapping the best one by more than this `IoU` are merged into it
/// (`min_suppression_threshold: 0.3` in `pose_detection_cpu.pbtxt`).
pub const NMS_IOU: f32 = 0.3;

/// One detected person, in normalised coordinates of the 224 input (0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Sigmoid of the score logit.
    pub score: f32,
    /// Face box: left, top, right, bottom.
    pub bbox: [f32; 4],
    /// Mid-hip, full-body scale point, mid-shoulder, upper-body scale point.
    pub keypoints: [(f32, f32); 4],
}

impl Detection {
    fn area(&self) -> f32 {
        (self.bbox[2] - self.bbox[0]).max(0.0) * (self.bbox[3] - self.bbox[1]).max(0.0)
    }

    /// Intersection over union of the two boxes (0 when either is empty).
    #[must_use]
    pub fn iou(&self, other: &Detection) -> f32 {
        let w = (self.bbox[2].min(other.bbox[2]) - self.bbox[0].max(other.bbox[0])).max(0.0);
        let h = (self.bbox[3].min(other.bbox[3]) - self.bbox[1].max(other.bbox[1])).max(0.0);
        let inter = w * h;
        let union = self.area() + other.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// Logistic function.
#[must_use]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Decodes every anchor whose score reaches `min_score`.
///
/// `raw` is the `person` tensor of one image (2254 x 13 values); anchors whose
/// values are not finite are skipped rather than allowed to poison NMS.
#[must_use]
pub fn decode(raw: &[f32], anchors: &[Anchor], min_score: f32) -> Vec<Detection> {
    let scale = DETECTOR_INPUT_SIZE as f32;
    raw.chunks_exact(VALUES_PER_ANCHOR)
        .zip(anchors)
        .filter_map(|(v, a)| {
            let score = sigmoid(v[0].clamp(-SCORE_CLIP, SCORE_CLIP));
            // NaN scores fail this comparison and are dropped too.
            let keep = score >= min_score && v.iter().all(|x| x.is_finite());
            if !keep {
                return None;
            }
            // Fixed-size anchors are 1 x 1, so offsets are just scaled and added.
            let cx = v[1] / scale + a.x;
            let cy = v[2] / scale + a.y;
            let (w, h) = (v[3] / scale, v[4] / scale);
            let mut keypoints = [(0.0, 0.0); 4];
            for (k, kp) in keypoints.iter_mut().enumerate() {
                *kp = (v[5 + 2 * k] / scale + a.x, v[6 + 2 * k] / scale + a.y);
            }
            Some(Detection {
                score,
                bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
                keypoints,
            })
        })
        .collect()
}

/// MediaPipe's weighted non-max suppression.
///
/// Take the best remaining detection; every remaining detection overlapping
/// it by more than `iou_threshold` (itself included) is merged into one whose
/// box and keypoints are the score-weighted mean of the group and whose score
/// is the best one's. Averaging the anchors that fired on one person steadies
/// the keypoints, which set the crop for the landmark model.
#[must_use]
pub fn weighted_nms(mut detections: Vec<Detection>, iou_threshold: f32) -> Vec<Detection> {
    detections.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = detections.first().copied() {
        let (group, rest): (Vec<Detection>, Vec<Detection>) = detections
            .into_iter()
            .partition(|d| d.iou(&best) > iou_threshold || *d == best);
        detections = rest;
        let total: f32 = group.iter().map(|d| d.score).sum();
        let mut merged = Detection {
            score: best.score,
            bbox: [0.0; 4],
            keypoints: [(0.0, 0.0); 4],
        };
        if total > 0.0 {
            for d in &group {
                let w = d.score / total;
                for (m, v) in merged.bbox.iter_mut().zip(d.bbox) {
                    *m += w * v;
                }
                for (m, v) in merged.keypoints.iter_mut().zip(d.keypoints) {
                    m.0 += w * v.0;
                    m.1 += w * v.1;
                }
            }
        } else {
            merged = best;
        }
        out.push(merged);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::blazepose::anchors::{NUM_ANCHORS, blazepose_anchors};
    use proptest::prelude::*;

    fn det(score: f32, bbox: [f32; 4]) -> Detection {
        Detection {
            score,
            bbox,
            keypoints: [(bbox[0], bbox[1]); 4],
        }
    }

    #[test]
    fn decodes_offsets_relative_to_the_anchor() {
        let anchors = blazepose_anchors();
        let mut raw = vec![-10.0_f32; NUM_ANCHORS * VALUES_PER_ANCHOR];
        let i = 100;
        let v = &mut raw[i * VALUES_PER_ANCHOR..(i + 1) * VALUES_PER_ANCHOR];
        v.copy_from_slice(&[
            3.0, 22.4, -22.4, 44.8, 22.4, 0.0, 0.0, 11.2, 0.0, 0.0, 0.0, 0.0, 0.0,
        ]);
        let d = decode(&raw, &anchors, 0.5);
        assert_eq!(d.len(), 1);
        let a = anchors[i];
        assert!((d[0].score - sigmoid(3.0)).abs() < 1e-6);
        let cx = f32::midpoint(d[0].bbox[0], d[0].bbox[2]);
        let cy = f32::midpoint(d[0].bbox[1], d[0].bbox[3]);
        assert!((cx - (a.x + 0.1)).abs() < 1e-6);
        assert!((cy - (a.y - 0.1)).abs() < 1e-6);
        assert!((d[0].bbox[2] - d[0].bbox[0] - 0.2).abs() < 1e-6);
        assert!((d[0].keypoints[1].0 - (a.x + 0.05)).abs() < 1e-6);
    }

    #[test]
    fn non_finite_values_are_skipped() {
        let anchors = blazepose_anchors();
        let mut raw = vec![5.0_f32; NUM_ANCHORS * VALUES_PER_ANCHOR];
        raw[3] = f32::NAN;
        assert_eq!(decode(&raw, &anchors, 0.5).len(), NUM_ANCHORS - 1);
    }

    #[test]
    fn overlapping_boxes_merge_and_distant_ones_stay() {
        let d = vec![
            det(0.9, [0.1, 0.1, 0.3, 0.3]),
            det(0.6, [0.12, 0.1, 0.32, 0.3]),
            det(0.8, [0.6, 0.6, 0.8, 0.8]),
        ];
        let out = weighted_nms(d, NMS_IOU);
        assert_eq!(out.len(), 2);
        assert!((out[0].score - 0.9).abs() < 1e-6);
        let expected_left = (0.9 * 0.1 + 0.6 * 0.12) / 1.5;
        assert!((out[0].bbox[0] - expected_left).abs() < 1e-6);
        for (got, want) in out[1].bbox.iter().zip([0.6, 0.6, 0.8, 0.8]) {
            assert!((got - want).abs() < 1e-6);
        }
    }

    fn arb_det() -> impl Strategy<Value = Detection> {
        (
            0.01_f32..1.0,
            0.0_f32..0.8,
            0.0_f32..0.8,
            0.01_f32..0.3,
            0.01_f32..0.3,
        )
            .prop_map(|(s, x, y, w, h)| det(s, [x, y, x + w, y + h]))
    }

    proptest! {
        #[test]
        fn nms_boxes_stay_inside_the_union_of_inputs(dets in prop::collection::vec(arb_det(), 1..30)) {
            let (mut l, mut t, mut r, mut b) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for d in &dets {
                l = l.min(d.bbox[0]);
                t = t.min(d.bbox[1]);
                r = r.max(d.bbox[2]);
                b = b.max(d.bbox[3]);
            }
            let best = dets.iter().map(|d| d.score).fold(0.0_f32, f32::max);
            let n = dets.len();
            let out = weighted_nms(dets, NMS_IOU);
            prop_assert!(!out.is_empty() && out.len() <= n);
            prop_assert!((out[0].score - best).abs() < 1e-6);
            for d in &out {
                prop_assert!(d.bbox[0] >= l - 1e-5 && d.bbox[1] >= t - 1e-5);
                prop_assert!(d.bbox[2] <= r + 1e-5 && d.bbox[3] <= b + 1e-5);
                for k in d.keypoints {
                    prop_assert!(k.0 >= l - 1e-5 && k.0 <= r + 1e-5);
                }
            }
            // Scores come out sorted, best first.
            for w in out.windows(2) {
                prop_assert!(w[0].score >= w[1].score);
            }
        }

    }
}
