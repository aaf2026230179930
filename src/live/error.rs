//! What can go wrong in the live pipeline, as values: the capture and
//! inference threads pass these along, and only the window's banner turns
//! them into words.

use std::sync::Arc;

use crate::models::ModelError;
use crate::pose::PoseError;
use crate::source::SourceError;
use crate::source::camera::CameraError;

/// Why the pipeline cannot go on, or why its camera went away for now.
/// Shared (`Arc`) so a status can be cloned to the window without losing
/// the underlying error.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LiveError {
    /// The model or ONNX Runtime could not be downloaded or converted.
    #[error("The pose model {model} could not be fetched: {error}")]
    Fetch {
        /// The model asked for.
        model: String,
        /// What went wrong.
        error: Arc<ModelError>,
    },
    /// ONNX Runtime could not open the model. The debug text carries the
    /// runtime's real reason (see the build notes), so it is shown too.
    #[error("The pose model could not be started: {0}\n\n{0:?}")]
    Open(Arc<PoseError>),
    /// The model failed on a frame.
    #[error("The pose model failed on a frame: {0}")]
    Frame(Arc<PoseError>),
    /// The video could not be opened or read on.
    #[error("{0}")]
    Video(Arc<SourceError>),
    /// The camera could not be opened or stopped sending pictures.
    #[error("{0}")]
    Camera(Arc<CameraError>),
}
