//! BlazePose: person detector, rotated region of interest, 33 landmarks with
//! 3D world coordinates, and tracking across video frames.
//!
//! Stage: pose. Depends on `models` (verified model files and ONNX Runtime
//! sessions) and on the shared pose types. The pipeline is MediaPipe's
//! published pose pipeline ("BlazePose: On-device Real-time Body Pose
//! tracking", 2020, arXiv:2006.10204; MediaPipe's `pose_detection_cpu.pbtxt`,
//! `pose_landmark_cpu.pbtxt` and the graphs they include):
//!
//! 1. `detector`: `blazepose-detector` on the letterboxed 224 frame finds
//!    people and, for each, the mid-hip and a scale/rotation point.
//! 2. `roi`: those two points give a square crop around the body, rotated so
//!    the body stands upright, warped straight into the 256 model input.
//! 3. `landmarks`: `blazepose-lite`, `-full` or `-heavy` gives 39 landmarks
//!    (33 named ones plus alignment points), refined from the heatmap and
//!    mapped back to frame pixels; world points in metres, hip-centred.
//! 4. `track`: on video, the next ROI comes from this frame's landmarks and
//!    the detector runs only when the pose flag drops below 0.5.
//!
//! Scores: `Person::score` is the landmark model's pose flag (is a person in
//! the crop at all); a keypoint's score is its visibility (sigmoid of the
//! visibility logit: present and not occluded). Presence alone stays high for
//! hidden limbs the model guesses from the body's shape, so visibility is the
//! honest "can the camera see this joint" number rules should gate on.
//!
//! On video only the landmark model runs while the person is followed, so
//! `Estimate::others_present` on those frames is the count from the last
//! detector run (the detector is what sees other people). Still images that
//! are unrelated to each other need `reset` (or `set_tracking(false)`)
//! between them, or the previous picture's ROI is tried first.
//!
//! # Which model finds whom (fixture photos, overlays looked at by eye)
//!
//! `blazepose-full` (detector on every photo) against `movenet-thunder` on
//! the 68 photos of the shared fixtures. "Found" means a person was
//! reported; "limbs" is how well shoulders, elbows, wrists, hips, knees and
//! ankles land on the body.
//!
//! | family (photos) | MoveNet thunder | BlazePose full | default |
//! |---|---|---|---|
//! | all fours (7) | 7 found; limbs right on the 6 studio shots; the small green-screen bear crawl gets 4 joints | 7 found, limbs right on all 7, including the small bear crawl | BlazePose full |
//! | kneeling (4) | 4 found; child's pose: arms and head muddled | 4 found; child's pose folded correctly, hands on the mat | BlazePose full |
//! | side-lying (4) + reclined (1) | 5 found, limbs right | 5 found, limbs right, hands and feet too | BlazePose full |
//! | prone (4) | 4 found, limbs right | 4 found, limbs right; the two-frame composite follows the lower frame, other reported | either; BlazePose full |
//! | seated chair (4) | 4 found, limbs right (twisted pose approximate) | 4 found, limbs right (twisted pose approximate) | either; BlazePose full for world z |
//! | seated floor (4) + chin-to-chest (1) | 5 found; the small far woman only 11 joints | 5 found; the far woman complete | BlazePose full |
//! | standing, arms up or out, side bend (6) | 6 found, limbs right | 6 found, limbs right, hands overhead placed well | either |
//! | neck and head (7) | 5 whole-body shots right; face close-ups: one missed, the other two wrong | whole-body shots right; face close-ups: one missed, the other two get correct face points (eyes, ears, mouth) with guessed shoulders | BlazePose full (11 face points) |
//! | multi-person (10) | always one person, usually a sensible one; no count of others | one person (the largest), others counted when the detector sees them; where bodies overlap (partner stretches, crowds) limbs of two people get mixed; one street scene: nobody | MoveNet thunder |
//! | hard: dark (2), cluttered (2), occluded (1), crowd (1) | dark: nobody (honest); cluttered right; occluded: the front woman right | dark: nobody (honest); cluttered right; occluded and crowd: two people mixed | MoveNet thunder for crowds; either otherwise |
//! | upper body portraits (2) | found; hips invented below the frame | found; hips at the frame edge, low visibility | either |
//!
//! Rotating a photo by 90 or 180 degrees moves BlazePose's landmarks by a
//! median of 2-5 px once mapped back (torso about 170-220 px), because the
//! crop is rotated upright first; MoveNet has no such invariance.

pub mod anchors;
pub mod detector;
pub mod landmarks;
pub mod roi;
pub mod track;

use std::time::Instant;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::models::manifest::Manifest;
use crate::models::model_path;
use crate::models::runtime::{SessionOptions, session_from_file};
use crate::pose::blazepose::anchors::{
    Anchor, DETECTOR_INPUT_SIZE, NUM_ANCHORS, blazepose_anchors,
};
use crate::pose::blazepose::detector::{Detection, NMS_IOU, VALUES_PER_ANCHOR};
use crate::pose::blazepose::landmarks::{
    AUX_HIP_CENTER, AUX_SCALE_POINT, CropLandmark, HEATMAP_SIZE, LANDMARK_INPUT_SIZE, LD_VALUES,
    NUM_LANDMARKS,
};
use crate::pose::blazepose::roi::{Roi, RoiWarper};
use crate::pose::blazepose::track::{POSE_FLAG_MIN, Tracker};
use crate::pose::letterbox::{Letterbox, LetterboxResizer};
use crate::pose::spine::SegmentationMask;
use crate::pose::{
    BLAZEPOSE_33, Estimate, Keypoint, Person, PoseError, PoseEstimator, StageTimings, WorldPoint,
};

/// Landmark models this estimator can run.
pub const MODEL_NAMES: [&str; 3] = ["blazepose-lite", "blazepose-full", "blazepose-heavy"];

/// The detector model, shared by every landmark model.
pub const DETECTOR_MODEL: &str = "blazepose-detector";

/// The converted graph each landmark model runs: the landmarks-only one
/// (`models/models.toml` keeps the outputs the pose stage reads and drops
/// the segmentation mask's branch: measured in one run, the full graph took
/// 24 ms without it against 54 ms with it, ONNX Runtime 1.31, two threads).
/// The complete graphs, mask included, stay in the manifest under the plain
/// names for exercises that will read the spine's shape.
#[must_use]
pub fn landmark_graph(model: &str) -> Option<&'static str> {
    match model {
        "blazepose-lite" => Some("blazepose-lite-landmarks"),
        "blazepose-full" => Some("blazepose-full-landmarks"),
        "blazepose-heavy" => Some("blazepose-heavy-landmarks"),
        _ => None,
    }
}

/// Detections below this score are ignored. MediaPipe's pose solutions use
/// `min_detection_confidence = 0.5` by default.
pub const MIN_DETECTION_SCORE: f32 = 0.5;

/// Detections whose crops are tried, in order of preference, before the
/// frame is declared empty (each try costs one landmark run).
const MAX_CANDIDATES_TRIED: usize = 3;

const DETECTOR_INPUT: &str = "input";
const DETECTOR_OUTPUT: &str = "person";
const LANDMARK_INPUT: &str = "input_1";
const OUT_LANDMARKS: &str = "ld_3d";
const OUT_WORLD: &str = "world_3d";
const OUT_FLAG: &str = "output_poseflag";
const OUT_HEATMAP: &str = "activation_heatmap";
const OUT_SEGMENTATION: &str = "activation_segmentation";

/// Side of the segmentation mask the complete landmark graphs output (it
/// covers the 256 crop one cell per crop pixel).
pub const SEGMENTATION_SIZE: usize = 256;

/// One person the detector found, in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameDetection {
    /// Detector confidence, 0..1.
    pub score: f32,
    /// Mid-hip, full-body scale point, mid-shoulder, upper-body scale point.
    pub keypoints: [(f32, f32); 4],
    /// Face box: left, top, right, bottom.
    pub face_box: [f32; 4],
    /// The crop the landmark model would look at for this person.
    pub roi: Option<Roi>,
}

/// BlazePose with its two sessions, reusable buffers and tracking state.
pub struct BlazePose {
    name: String,
    detector: Session,
    landmarker: Session,
    anchors: Vec<Anchor>,
    resizer: LetterboxResizer,
    warper: RoiWarper,
    detector_input: Vec<f32>,
    detector_output: Vec<f32>,
    landmark_input: Vec<f32>,
    ld_3d: Vec<f32>,
    world_3d: Vec<f32>,
    pose_flag: Vec<f32>,
    heatmap: Vec<f32>,
    /// Whether the graph with the segmentation branch was opened.
    segmentation: bool,
    mask: Vec<f32>,
    last_mask: Option<SegmentationMask>,
    tracking: bool,
    tracker: Tracker,
    last_roi: Option<Roi>,
    detector_runs: u64,
    landmark_runs: u64,
}

fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// Runs `session` on one NHWC float image and copies the named outputs into
/// the given buffers (reused between frames).
fn run_into(
    session: &mut Session,
    model: &str,
    input_name: &str,
    side: usize,
    input: &[f32],
    outputs: &mut [(&str, &mut Vec<f32>)],
) -> Result<(), PoseError> {
    let fail = |e: ort::Error| PoseError::Inference {
        model: model.to_owned(),
        message: e.to_string(),
    };
    let tensor = TensorRef::from_array_view(([1_usize, side, side, 3], input)).map_err(fail)?;
    let results = session
        .run(ort::inputs![input_name => tensor])
        .map_err(fail)?;
    for (name, buffer) in outputs.iter_mut() {
        let name: &str = name;
        let value = results.get(name).ok_or_else(|| PoseError::BadOutput {
            model: model.to_owned(),
            detail: format!("no output named {name}"),
        })?;
        let (_, data) = value
            .try_extract_tensor::<f32>()
            .map_err(|e| PoseError::BadOutput {
                model: model.to_owned(),
                detail: e.to_string(),
            })?;
        buffer.clear();
        buffer.extend_from_slice(data);
    }
    Ok(())
}

fn check_len(model: &str, what: &str, got: usize, want: usize) -> Result<(), PoseError> {
    if got == want {
        Ok(())
    } else {
        Err(PoseError::BadOutput {
            model: model.to_owned(),
            detail: format!("{what}: expected {want} values, got {got}"),
        })
    }
}

impl BlazePose {
    /// Opens `blazepose-lite`, `-full` or `-heavy` together with the
    /// detector. Never fetches: a graph that is not there is an error naming
    /// `formcoach models fetch` (see `pose::required_models`).
    pub fn open(name: &str, options: SessionOptions) -> Result<BlazePose, PoseError> {
        BlazePose::open_with(name, options, false)
    }

    /// Opens the estimator; with `segmentation`, runs the complete landmark
    /// graph (the plain model name in the manifest) and keeps the person's
    /// segmentation mask of every frame, which the spine measures read. The
    /// mask branch roughly doubles the landmark run's time (see
    /// `landmark_graph`), so it is only opened when asked for.
    pub fn open_with(
        name: &str,
        options: SessionOptions,
        segmentation: bool,
    ) -> Result<BlazePose, PoseError> {
        let manifest = Manifest::builtin()?;
        let graph = landmark_graph(name)
            .map(|g| if segmentation { name } else { g })
            .filter(|g| manifest.model(g).is_some_and(|m| m.family == "blazepose"))
            .ok_or_else(|| PoseError::UnknownModel(name.to_owned()))?;
        let detector = session_from_file(&model_path(DETECTOR_MODEL)?, options)?;
        let landmarker = session_from_file(&model_path(graph)?, options)?;
        let det_side = DETECTOR_INPUT_SIZE as usize;
        let lm_side = LANDMARK_INPUT_SIZE as usize;
        Ok(BlazePose {
            name: name.to_owned(),
            detector,
            landmarker,
            anchors: blazepose_anchors(),
            resizer: LetterboxResizer::new(DETECTOR_INPUT_SIZE),
            warper: RoiWarper::default(),
            detector_input: vec![0.0; det_side * det_side * 3],
            detector_output: Vec::with_capacity(NUM_ANCHORS * VALUES_PER_ANCHOR),
            landmark_input: vec![0.0; lm_side * lm_side * 3],
            ld_3d: Vec::with_capacity(NUM_LANDMARKS * LD_VALUES),
            world_3d: Vec::with_capacity(NUM_LANDMARKS * 3),
            pose_flag: Vec::with_capacity(1),
            heatmap: Vec::with_capacity(HEATMAP_SIZE * HEATMAP_SIZE * NUM_LANDMARKS),
            segmentation,
            mask: Vec::new(),
            last_mask: None,
            tracking: true,
            tracker: Tracker::default(),
            last_roi: None,
            detector_runs: 0,
            landmark_runs: 0,
        })
    }

    /// Follow the person across frames (the default, for video), or run the
    /// detector on every frame (for unrelated still images).
    pub fn set_tracking(&mut self, on: bool) {
        self.tracking = on;
        self.tracker.reset();
    }

    /// How many times the landmark model has run since the estimator was opened.
    #[must_use]
    pub fn landmark_runs(&self) -> u64 {
        self.landmark_runs
    }

    /// The crop the landmark model last looked at, in frame pixels.
    #[must_use]
    pub fn last_roi(&self) -> Option<Roi> {
        self.last_roi
    }

    /// Runs the detector alone and returns every person it found, most
    /// confident first, in frame pixels.
    pub fn detect(&mut self, frame: &RgbImage) -> Result<Vec<FrameDetection>, PoseError> {
        let lb = self.prepare_detector(frame)?;
        self.run_detector()?;
        Ok(self.decode_detections(&lb))
    }

    fn prepare_detector(&mut self, frame: &RgbImage) -> Result<Letterbox, PoseError> {
        // RGB 0..255 to -1..1, as the detector was trained; the border is
        // black, -1.
        self.resizer
            .run_into(frame, &mut self.detector_input, -1.0, |v| {
                f32::from(v) / 127.5 - 1.0
            })
    }

    fn run_detector(&mut self) -> Result<(), PoseError> {
        self.detector_runs += 1;
        run_into(
            &mut self.detector,
            DETECTOR_MODEL,
            DETECTOR_INPUT,
            DETECTOR_INPUT_SIZE as usize,
            &self.detector_input,
            &mut [(DETECTOR_OUTPUT, &mut self.detector_output)],
        )?;
        check_len(
            DETECTOR_MODEL,
            DETECTOR_OUTPUT,
            self.detector_output.len(),
            NUM_ANCHORS * VALUES_PER_ANCHOR,
        )
    }

    fn decode_detections(&self, lb: &Letterbox) -> Vec<FrameDetection> {
        let raw = detector::decode(&self.detector_output, &self.anchors, MIN_DETECTION_SCORE);
        let size = DETECTOR_INPUT_SIZE as f32;
        let to_frame = |p: (f32, f32)| lb.frame_from_input(p.0 * size, p.1 * size);
        detector::weighted_nms(raw, NMS_IOU)
            .into_iter()
            .map(|d: Detection| {
                let keypoints = d.keypoints.map(to_frame);
                let (l, t) = to_frame((d.bbox[0], d.bbox[1]));
                let (r, b) = to_frame((d.bbox[2], d.bbox[3]));
                FrameDetection {
                    score: d.score,
                    roi: Roi::from_alignment_points(keypoints[0], keypoints[1]),
                    keypoints,
                    face_box: [l, t, r, b],
                }
            })
            .collect()
    }

    fn run_landmarks(&mut self) -> Result<(), PoseError> {
        self.landmark_runs += 1;
        let name = self.name.clone();
        let mut outputs = vec![
            (OUT_LANDMARKS, &mut self.ld_3d),
            (OUT_WORLD, &mut self.world_3d),
            (OUT_FLAG, &mut self.pose_flag),
            (OUT_HEATMAP, &mut self.heatmap),
        ];
        if self.segmentation {
            outputs.push((OUT_SEGMENTATION, &mut self.mask));
        }
        run_into(
            &mut self.landmarker,
            &name,
            LANDMARK_INPUT,
            LANDMARK_INPUT_SIZE as usize,
            &self.landmark_input,
            &mut outputs,
        )?;
        if self.segmentation {
            check_len(
                &name,
                OUT_SEGMENTATION,
                self.mask.len(),
                SEGMENTATION_SIZE * SEGMENTATION_SIZE,
            )?;
        }
        check_len(
            &name,
            OUT_LANDMARKS,
            self.ld_3d.len(),
            NUM_LANDMARKS * LD_VALUES,
        )?;
        check_len(&name, OUT_WORLD, self.world_3d.len(), NUM_LANDMARKS * 3)?;
        check_len(&name, OUT_FLAG, self.pose_flag.len(), 1)?;
        check_len(
            &name,
            OUT_HEATMAP,
            self.heatmap.len(),
            HEATMAP_SIZE * HEATMAP_SIZE * NUM_LANDMARKS,
        )
    }

    /// Crops, runs and decodes the landmark model for one ROI. Returns the
    /// person (whatever the pose flag says) and the ROI the landmarks propose
    /// for the next frame.
    fn landmarks_for(
        &mut self,
        frame: &RgbImage,
        roi: Roi,
        timings: &mut StageTimings,
    ) -> Result<(Person, Option<Roi>), PoseError> {
        let t0 = Instant::now();
        self.warper.warp_into(
            frame,
            &roi,
            LANDMARK_INPUT_SIZE,
            (0.0, 1.0),
            &mut self.landmark_input,
        )?;
        self.last_roi = Some(roi);
        timings.preprocess_ms += ms_since(t0);
        let t1 = Instant::now();
        self.run_landmarks()?;
        timings.inference_ms += ms_since(t1);
        let t2 = Instant::now();
        let mut crop: Vec<CropLandmark> = landmarks::decode(&self.ld_3d);
        landmarks::refine_from_heatmap(&mut crop, &self.heatmap);
        let crop_size = LANDMARK_INPUT_SIZE as f32;
        let in_frame: Vec<(f32, f32)> = crop
            .iter()
            .map(|l| roi.frame_from_crop(l.x, l.y, crop_size))
            .collect();
        let keypoints = BLAZEPOSE_33
            .iter()
            .zip(&crop)
            .zip(&in_frame)
            .map(|((&joint, l), &(x, y))| Keypoint {
                joint,
                x,
                y,
                score: l.visibility,
            })
            .collect();
        let world = landmarks::world_in_frame(&self.world_3d, &roi)
            .into_iter()
            .zip(BLAZEPOSE_33)
            .map(|([x, y, z], joint)| WorldPoint { joint, x, y, z })
            .collect();
        let flag = self.pose_flag.first().copied().unwrap_or(0.0);
        let score = if flag.is_finite() {
            flag.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let next = Roi::from_alignment_points(in_frame[AUX_HIP_CENTER], in_frame[AUX_SCALE_POINT]);
        self.last_mask = self.segmentation.then(|| SegmentationMask {
            size: SEGMENTATION_SIZE,
            data: self.mask.clone(),
            roi,
        });
        let mut person = Person {
            score,
            keypoints,
            world: Some(world),
            spine: None,
        };
        // The back is read here, on the mask this very crop made.
        person.spine = self
            .last_mask
            .as_ref()
            .and_then(|mask| crate::pose::spine::measure(&person, mask));
        timings.decode_ms += ms_since(t2);
        Ok((person, next))
    }
}

impl PoseEstimator for BlazePose {
    fn model_name(&self) -> &str {
        &self.name
    }

    fn run_bare(&mut self) -> Result<(), PoseError> {
        self.run_landmarks()
    }

    fn reset(&mut self) {
        self.tracker.reset();
        self.last_roi = None;
    }

    fn detector_runs(&self) -> u64 {
        self.detector_runs
    }

    fn segmentation(&self) -> Option<&SegmentationMask> {
        self.last_mask.as_ref()
    }

    fn estimate(&mut self, frame: &RgbImage) -> Result<Estimate, PoseError> {
        let (w, h) = frame.dimensions();
        if w == 0 || h == 0 {
            return Err(PoseError::EmptyFrame);
        }
        if !self.tracking {
            self.tracker.reset();
        }
        self.tracker.check_frame_size(w, h);
        self.last_roi = None;
        self.last_mask = None;
        let mut timings = StageTimings::default();

        // Tracking: the previous landmarks say where to look.
        if let Some(roi) = self.tracker.roi {
            let (person, next) = self.landmarks_for(frame, roi, &mut timings)?;
            if person.score >= POSE_FLAG_MIN {
                self.tracker.follow(next, roi);
                return Ok(Estimate {
                    people: vec![person],
                    timings,
                    others_present: self.tracker.others_present,
                });
            }
            self.tracker.lose();
        }

        // No track (first frame, or lost): ask the detector.
        let t0 = Instant::now();
        let lb = self.prepare_detector(frame)?;
        timings.preprocess_ms += ms_since(t0);
        let t1 = Instant::now();
        self.run_detector()?;
        timings.inference_ms += ms_since(t1);
        let t2 = Instant::now();
        let found = self.decode_detections(&lb);
        let candidates: Vec<Roi> = found.iter().filter_map(|d| d.roi).collect();
        let order = track::preference_order(&candidates, self.tracker.last_seen.as_ref());
        self.tracker.others_present = candidates.len().saturating_sub(1) as u32;
        timings.decode_ms += ms_since(t2);
        // The preferred person first; when the landmark model says that crop
        // holds no person (a false detection, or a body too cut off), try the
        // next few rather than report nobody.
        let mut people = Vec::new();
        self.tracker.lose();
        for &i in order.iter().take(MAX_CANDIDATES_TRIED) {
            let roi = candidates[i];
            let (person, next) = self.landmarks_for(frame, roi, &mut timings)?;
            if person.score >= POSE_FLAG_MIN {
                if self.tracking {
                    self.tracker.follow(next, roi);
                }
                people.push(person);
                break;
            }
        }
        Ok(Estimate {
            people,
            timings,
            others_present: self.tracker.others_present,
        })
    }
}
