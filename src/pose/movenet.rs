//! MoveNet single-pose (lightning 192 px, thunder 256 px).
//!
//! The graph takes int32 RGB 0..255 in a square and returns (y, x, score)
//! for the 17 COCO keypoints, normalised to that square. We letterbox so the
//! person is not squashed, and map back through the letterbox geometry.

use std::time::Instant;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use super::letterbox::LetterboxResizer;
use super::{
    COCO_17, Estimate, Keypoint, Person, PoseError, PoseEstimator, StageTimings, ms_since,
};
use crate::models::runtime::{SessionOptions, session_from_file};
use crate::models::{manifest::Manifest, model_path};

/// Below this mean keypoint score we say nobody is there.
///
/// MoveNet always returns 17 points, even on an empty wall; on frames without
/// a person its scores sit near 0.0-0.15, while a visible person scores
/// 0.3 and up (measured on the fixture photos; see the issue notes).
pub const PERSON_SCORE_MIN: f32 = 0.2;

const INPUT_NAME: &str = "input:0";
const OUTPUT_NAME: &str = "Identity:0";

/// A MoveNet model with its session and reusable input buffer.
pub struct MoveNet {
    name: String,
    session: Session,
    resizer: LetterboxResizer,
    input: Vec<i32>,
    size: u32,
}

impl MoveNet {
    /// Opens `movenet-lightning` or `movenet-thunder`. Never fetches: a
    /// model that is not there is an error naming `formcoach models fetch`.
    pub fn open(name: &str, options: SessionOptions) -> Result<MoveNet, PoseError> {
        let manifest = Manifest::builtin()?;
        let size = manifest
            .model(name)
            .filter(|m| m.family == "movenet")
            .map(|m| m.input.size)
            .ok_or_else(|| PoseError::UnknownModel(name.to_owned()))?;
        let path = model_path(name)?;
        let session = session_from_file(&path, options)?;
        Ok(MoveNet {
            name: name.to_owned(),
            session,
            resizer: LetterboxResizer::new(size),
            input: vec![0; (size * size * 3) as usize],
            size,
        })
    }

    /// Side of the square input in pixels.
    #[must_use]
    pub fn input_size(&self) -> u32 {
        self.size
    }

    /// Runs the bare session on the current input buffer and returns the
    /// 51 raw outputs (benchmarks time this alone).
    pub fn run_raw(&mut self) -> Result<Vec<f32>, PoseError> {
        let side = self.size as usize;
        let fail = |e: ort::Error| PoseError::Inference {
            model: self.name.clone(),
            message: e.to_string(),
        };
        let tensor = TensorRef::from_array_view(([1_usize, side, side, 3], &self.input[..]))
            .map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs![INPUT_NAME => tensor])
            .map_err(|e| PoseError::Inference {
                model: self.name.clone(),
                message: e.to_string(),
            })?;
        let value = outputs
            .get(OUTPUT_NAME)
            .ok_or_else(|| PoseError::BadOutput {
                model: self.name.clone(),
                detail: format!("no output named {OUTPUT_NAME}"),
            })?;
        let (_, data) = value
            .try_extract_tensor::<f32>()
            .map_err(|e| PoseError::BadOutput {
                model: self.name.clone(),
                detail: e.to_string(),
            })?;
        if data.len() != 17 * 3 {
            return Err(PoseError::BadOutput {
                model: self.name.clone(),
                detail: format!("expected 51 values, got {}", data.len()),
            });
        }
        Ok(data.to_vec())
    }

    /// Fills the input buffer directly (the converter check feeds a pattern).
    pub fn set_input(&mut self, values: &[i32]) {
        let n = self.input.len().min(values.len());
        self.input[..n].copy_from_slice(&values[..n]);
    }
}

impl PoseEstimator for MoveNet {
    fn model_name(&self) -> &str {
        &self.name
    }

    fn run_bare(&mut self) -> Result<(), PoseError> {
        self.run_raw().map(|_| ())
    }

    fn estimate(&mut self, frame: &RgbImage) -> Result<Estimate, PoseError> {
        let t0 = Instant::now();
        let lb = self
            .resizer
            .run_into(frame, &mut self.input, 0, i32::from)?;
        let preprocess_ms = ms_since(t0);
        let t1 = Instant::now();
        let raw = self.run_raw()?;
        let inference_ms = ms_since(t1);
        let t2 = Instant::now();
        let side = self.size as f32;
        let keypoints: Vec<Keypoint> = COCO_17
            .iter()
            .zip(raw.chunks_exact(3))
            .map(|(&joint, v)| {
                let (x, y) = lb.frame_from_input(v[1] * side, v[0] * side);
                let score = if v[2].is_finite() {
                    v[2].clamp(0.0, 1.0)
                } else {
                    0.0
                };
                Keypoint { joint, x, y, score }
            })
            .collect();
        let score = keypoints.iter().map(|k| k.score).sum::<f32>() / keypoints.len() as f32;
        let people = if score >= PERSON_SCORE_MIN {
            vec![Person {
                score,
                keypoints,
                world: None,
                spine: None,
            }]
        } else {
            Vec::new()
        };
        let decode_ms = ms_since(t2);
        Ok(Estimate {
            people,
            timings: StageTimings {
                preprocess_ms,
                inference_ms,
                decode_ms,
            },
            others_present: 0,
        })
    }
}
