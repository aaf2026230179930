//! SSD anchors of the BlazePose person detector.
//!
//! The detector predicts, for every anchor, an offset from the anchor centre
//! plus a score. The anchors are not stored in the model, so they are rebuilt
//! here exactly as MediaPipe's `pose_detection_cpu.pbtxt` graph configures its
//! `SsdAnchorsCalculator`: a 224 x 224 input, 5 layers with strides 8, 16,
//! 32, 32, 32, one aspect ratio (1.0) plus the interpolated-scale anchor
//! (two anchors per cell and layer), `anchor_offset` 0.5 and
//! `fixed_anchor_size: true`. With a fixed anchor size every anchor is 1 x 1
//! in normalised units, so only the centres matter; consecutive layers with
//! the same stride share one feature map, which gives 28 x 28 x 2 + 14 x 14 x 2
//! + 7 x 7 x 6 = 2254 anchors, in the order the model emits them.

/// Side of the detector's square input in pixels.
pub const DETECTOR_INPUT_SIZE: u32 = 224;

/// Strides of the five anchor layers (`pose_detection_cpu.pbtxt`).
const STRIDES: [u32; 5] = [8, 16, 32, 32, 32];

/// Anchors per cell contributed by one layer: the aspect-ratio-1 anchor and
/// the interpolated-scale anchor MediaPipe adds by default.
const ANCHORS_PER_LAYER_CELL: usize = 2;

/// Where the detector has anchors: 2254 for BlazePose.
pub const NUM_ANCHORS: usize = 2254;

/// One anchor centre, normalised to the 224 input (0..1 across).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    /// Horizontal centre, 0..1.
    pub x: f32,
    /// Vertical centre, 0..1.
    pub y: f32,
}

/// Builds the detector's anchors in model output order.
#[must_use]
pub fn blazepose_anchors() -> Vec<Anchor> {
    let mut anchors = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < STRIDES.len() {
        // Layers with the same stride share one feature map: their anchors are
        // interleaved per cell, exactly as SsdAnchorsCalculator does it.
        let stride = STRIDES[layer];
        let mut same = 0;
        while layer + same < STRIDES.len() && STRIDES[layer + same] == stride {
            same += 1;
        }
        let cells = DETECTOR_INPUT_SIZE.div_ceil(stride);
        let per_cell = same * ANCHORS_PER_LAYER_CELL;
        for row in 0..cells {
            for col in 0..cells {
                let anchor = Anchor {
                    x: (col as f32 + 0.5) / cells as f32,
                    y: (row as f32 + 0.5) / cells as f32,
                };
                anchors.extend(std::iter::repeat_n(anchor, per_cell));
            }
        }
        layer += same;
    }
    anchors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_2254_anchors() {
        assert_eq!(blazepose_anchors().len(), NUM_ANCHORS);
    }

    #[test]
    fn first_and_last_centres() {
        let a = blazepose_anchors();
        // First cell of the stride-8 map (28 x 28).
        assert!((a[0].x - 0.5 / 28.0).abs() < 1e-6);
        assert!((a[0].y - 0.5 / 28.0).abs() < 1e-6);
        assert_eq!(a[0], a[1]);
        // Second cell.
        assert!((a[2].x - 1.5 / 28.0).abs() < 1e-6);
        // First anchor of the stride-16 map comes after 28*28*2.
        assert!((a[1568].x - 0.5 / 14.0).abs() < 1e-6);
        // Last cell of the stride-32 map (7 x 7, 6 anchors per cell).
        let last = a[NUM_ANCHORS - 1];
        assert!((last.x - 6.5 / 7.0).abs() < 1e-6);
        assert!((last.y - 6.5 / 7.0).abs() < 1e-6);
        assert_eq!(a[NUM_ANCHORS - 6], last);
        assert_ne!(a[NUM_ANCHORS - 7], last);
    }
}
