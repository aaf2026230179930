//! Pose stage: turns frames into named keypoints in frame pixels.
//!
//! Depends on `models` (to get a verified model file and an ONNX Runtime
//! session). Each model follows the same shape: preprocess (returns the
//! geometry it used), run the session, decode back into frame pixels.

pub mod blazepose;
pub mod draw;
pub mod letterbox;
pub mod movenet;
pub mod spine;
pub mod types;

use std::time::Instant;

use image::RgbImage;

pub use types::{BLAZEPOSE_33, COCO_17, Joint, Keypoint, Person, PoseFrame, WorldPoint};

use crate::models::ModelError;
use crate::models::runtime::SessionOptions;

/// What can go wrong turning a frame into a pose.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoseError {
    /// The model or runtime is not available.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The frame has no pixels.
    #[error("the frame is empty (0 pixels wide or high)")]
    EmptyFrame,
    /// Resizing failed.
    #[error("could not resize the frame: {0}")]
    Preprocess(String),
    /// ONNX Runtime failed during a run.
    #[error("inference failed in {model}: {message}")]
    Inference {
        /// Model name.
        model: String,
        /// ONNX Runtime's message.
        message: String,
    },
    /// The model returned something of an unexpected shape.
    #[error("{model} returned an unexpected output: {detail}")]
    BadOutput {
        /// Model name.
        model: String,
        /// What was wrong.
        detail: String,
    },
    /// A model name that no estimator handles.
    #[error("unknown pose model `{0}`; choose one of: {known}", known = MODEL_NAMES.join(", "))]
    UnknownModel(String),
}

/// Pose models a person can choose.
pub const MODEL_NAMES: [&str; 5] = [
    "movenet-lightning",
    "movenet-thunder",
    "blazepose-lite",
    "blazepose-full",
    "blazepose-heavy",
];

/// The model used when none is chosen.
///
/// BlazePose full found the person and placed the limbs at least as well as
/// MoveNet thunder in every pose family of the fixture photos, and clearly
/// better on the floor (all fours, child's pose, side-lying, seated on the
/// floor, far away), where most of the catalogue happens; it also gives the
/// 3D world points the rotation rules use. MoveNet thunder only did better
/// with several overlapping people, which a home stretch session is not
/// (the table is in `pose::blazepose`'s module docs). Tracking makes full
/// cost about what thunder does per frame.
pub const DEFAULT_MODEL: &str = "blazepose-full";

/// Where the time for one frame went, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimings {
    /// Resizing and filling the input tensor.
    pub preprocess_ms: f64,
    /// The bare `session.run`.
    pub inference_ms: f64,
    /// Turning outputs into keypoints in frame pixels.
    pub decode_ms: f64,
}

impl StageTimings {
    /// The whole per-frame cost of the pose stage.
    #[must_use]
    pub fn total_ms(&self) -> f64 {
        self.preprocess_ms + self.inference_ms + self.decode_ms
    }
}

/// The result of one frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Estimate {
    /// People found, most confident first; empty when nobody is there.
    pub people: Vec<Person>,
    /// Where the time went.
    pub timings: StageTimings,
    /// People seen but not followed (trackers lock onto one person).
    pub others_present: u32,
}

/// A pose model that can be run frame after frame.
///
/// The estimator owns its ONNX Runtime session and buffers, created once and
/// reused; it does not own the runtime environment, which is process-wide.
/// Video trackers keep state between frames; `reset` forgets it (a new video,
/// or a jump in time).
pub trait PoseEstimator: Send {
    /// The model name, as on the command line.
    fn model_name(&self) -> &str;
    /// Finds the people in one RGB frame.
    fn estimate(&mut self, frame: &RgbImage) -> Result<Estimate, PoseError>;
    /// Runs the bare model once on whatever input it last prepared, for
    /// benchmarks that separate inference from the work around it.
    fn run_bare(&mut self) -> Result<(), PoseError>;
    /// Forgets anything carried over from earlier frames.
    fn reset(&mut self) {}
    /// How many times a person detector has run since the estimator was
    /// opened; trackers run it only when they lose the person, so this is
    /// what separates tracking frames from expensive ones. 0 for models
    /// without a separate detector.
    fn detector_runs(&self) -> u64 {
        0
    }
    /// The segmentation mask of the person last found, when the estimator
    /// was opened with one (`open_estimator_with`); the spine measures read
    /// it. `None` for models without a mask.
    fn segmentation(&self) -> Option<&spine::SegmentationMask> {
        None
    }
}

/// The converted model files the named estimator opens (BlazePose needs its
/// detector too), so the front doors can fetch them ahead with progress shown.
#[must_use]
pub fn required_models(model: &str) -> Vec<&str> {
    required_models_with(model, false)
}

/// Like `required_models`, for `open_estimator_with`: with `segmentation`,
/// BlazePose opens its complete graph instead of the landmarks-only one.
#[must_use]
pub fn required_models_with(model: &str, segmentation: bool) -> Vec<&str> {
    match blazepose::landmark_graph(model) {
        Some(_) if segmentation => vec![blazepose::DETECTOR_MODEL, model],
        Some(graph) => vec![blazepose::DETECTOR_MODEL, graph],
        None => vec![model],
    }
}

/// Opens the named model. Never fetches: the commands and the window fetch
/// what `required_models` names first (`models::fetch_missing`), and a
/// model that is not there is an error naming `formcoach models fetch`.
pub fn open_estimator(
    model: &str,
    options: SessionOptions,
) -> Result<Box<dyn PoseEstimator>, PoseError> {
    open_estimator_with(model, options, false)
}

/// Like `open_estimator`; with `segmentation`, BlazePose runs its complete
/// graph and keeps the person's mask (slower: only for callers that read
/// the spine). MoveNet has no mask and ignores the flag.
pub fn open_estimator_with(
    model: &str,
    options: SessionOptions,
    segmentation: bool,
) -> Result<Box<dyn PoseEstimator>, PoseError> {
    match model {
        "movenet-lightning" | "movenet-thunder" => {
            Ok(Box::new(movenet::MoveNet::open(model, options)?))
        }
        "blazepose-lite" | "blazepose-full" | "blazepose-heavy" => Ok(Box::new(
            blazepose::BlazePose::open_with(model, options, segmentation)?,
        )),
        other => Err(PoseError::UnknownModel(other.to_owned())),
    }
}

/// Runs each of `estimator`'s graphs on a blank picture (a single-graph
/// model such as MoveNet twice), then forgets it.
///
/// ONNX Runtime's first run of a session allocates its buffers and prepares
/// its kernels, several frames' worth of time; done while the window still
/// says the model is loading, the person's first frames are coached at full
/// speed instead of being skipped.
pub fn warm_up(estimator: &mut dyn PoseEstimator) -> Result<(), PoseError> {
    // Nobody is in a blank picture: the detector (or the single-graph
    // model) runs, and `run_bare` runs the landmark graph on its zeroed
    // input (a single-graph model runs again: harmless, and the trait has
    // no way to tell the two kinds apart).
    estimator.estimate(&RgbImage::new(WARM_UP_SIDE, WARM_UP_SIDE))?;
    estimator.run_bare()?;
    estimator.reset();
    Ok(())
}

/// Side of the blank picture `warm_up` uses (any size works; small is quick).
const WARM_UP_SIDE: u32 = 64;

/// Runs one estimator on one frame and packs the result as a pose line.
pub fn estimate_frame(
    estimator: &mut dyn PoseEstimator,
    frame: &RgbImage,
    t: Option<f64>,
) -> Result<(PoseFrame, StageTimings), PoseError> {
    let estimate = estimator.estimate(frame)?;
    Ok((
        PoseFrame {
            image: None,
            t,
            width: frame.width(),
            height: frame.height(),
            model: estimator.model_name().to_owned(),
            inference_ms: estimate.timings.inference_ms,
            people: estimate.people,
            others_present: estimate.others_present,
        },
        estimate.timings,
    ))
}

pub(crate) fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
