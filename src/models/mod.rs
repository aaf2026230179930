//! Models stage: the manifest, fetching and verifying the pinned packages,
//! converting TensorFlow.js graphs to ONNX, and loading ONNX Runtime.
//!
//! Depends on nothing else in formcoach. Every byte that comes from outside
//! is checked against a hash in `models/models.toml` before it is used, and
//! nothing is downloaded except through the registries' own clients.
//! Fetching happens only at the program's front doors (the commands and the
//! window's start, through [`fetch_missing`]); opening a model or the runtime
//! never fetches, so a download always has its progress shown.

pub mod convert;
pub mod fetch;
pub mod hash;
pub mod manifest;
pub mod runtime;

use std::path::{Path, PathBuf};

pub use fetch::{FetchReport, fetch_models, model_status};
pub use manifest::{Manifest, ModelSpec};
pub use runtime::{ensure_runtime_library, environment};

/// What can go wrong getting a model or the runtime ready.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The manifest itself does not parse.
    #[error("models/models.toml is malformed: {0}")]
    Manifest(String),
    /// A model name that the manifest does not know.
    #[error("unknown model `{name}`; known models: {known}")]
    UnknownModel {
        /// What was asked for.
        name: String,
        /// Comma-separated list of valid names.
        known: String,
    },
    /// A registry client that is needed is not installed.
    #[error("`{tool}` is not installed or not on PATH, so {what} cannot be fetched. {hint}")]
    ToolMissing {
        /// The program we tried to run.
        tool: String,
        /// What we wanted from it.
        what: String,
        /// How to get going anyway.
        hint: String,
    },
    /// A registry client ran but failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    ToolFailed {
        /// The command line, for the person to try by hand.
        command: String,
        /// Exit status as text.
        status: String,
        /// The last lines the tool printed on stderr.
        stderr: String,
    },
    /// A file's hash differs from the pinned one.
    #[error("{0}")]
    HashMismatch(Box<HashMismatch>),
    /// The tarball or wheel is readable but not what we expect inside.
    #[error("{path} is damaged or incomplete: {reason}", path = path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{action} {path}: {error}", path = path.display())]
    Io {
        /// What we were doing ("cannot write", ...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// The converter could not translate a graph.
    #[error("converting {model} to ONNX failed: {error}")]
    Convert {
        /// Model name.
        model: String,
        /// What the converter said.
        error: convert::ConvertError,
    },
    /// A model that is not on this computer, or is damaged. Estimators open
    /// only what is there; the commands and the window's start fetch.
    #[error("the model `{model}` {state}; fetch it with `formcoach models fetch {model}`")]
    NotFetched {
        /// Its name in the manifest (what `models fetch` takes).
        model: String,
        /// "is not on this computer yet" or why it cannot be used.
        state: &'static str,
    },
    /// ONNX Runtime could not be found or loaded.
    #[error("ONNX Runtime is not available.\n{tried}\n{hint}")]
    Runtime {
        /// What was tried, one line each.
        tried: String,
        /// What to do.
        hint: String,
    },
    /// ONNX Runtime loaded but refused a model or a call.
    #[error("ONNX Runtime failed on {model}: {message}")]
    Session {
        /// Model name or file.
        model: String,
        /// ONNX Runtime's message.
        message: String,
    },
}

impl ModelError {
    pub(crate) fn io(action: &'static str, path: &Path, error: std::io::Error) -> Self {
        ModelError::Io {
            action,
            path: path.to_path_buf(),
            error,
        }
    }
}

/// Details of a hash mismatch (boxed: it is large and rare).
#[derive(Debug, thiserror::Error)]
#[error(
    "{what} at {path} has {algorithm} {actual}, expected {expected}; {hint}",
    path = path.display()
)]
pub struct HashMismatch {
    /// What the file is.
    pub what: String,
    /// Where it is (or was: corrupt downloads are removed).
    pub path: PathBuf,
    /// `sha256` or `sha512`.
    pub algorithm: &'static str,
    /// The pinned value.
    pub expected: String,
    /// What we computed.
    pub actual: String,
    /// What happens next or what to do.
    pub hint: String,
}

/// Where converted models, downloads and the runtime library live.
///
/// `FORMCOACH_MODELS_DIR` wins; a source checkout uses its own `models/`
/// folder (so `cargo run` and CI share one cache); an installed binary uses
/// the user's data folder.
#[must_use]
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FORMCOACH_MODELS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    if checkout.join("models.toml").is_file() {
        return checkout;
    }
    directories::ProjectDirs::from("", "", "formcoach")
        .map_or_else(|| PathBuf::from("models"), |d| d.data_dir().join("models"))
}

/// Path of a converted model inside `dir`.
#[must_use]
pub fn onnx_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.onnx"))
}

/// Gets the named models and the ONNX Runtime library ready, fetching and
/// converting whatever is missing or damaged and telling `progress` each
/// step; what is there is only verified.
///
/// Only the program's front doors call this: each command that opens a
/// model, and the window's start, whose banner shows the steps. Opening an
/// estimator never fetches (see [`model_path`]), so a download never hides
/// behind a constructor with no progress to show.
pub fn fetch_missing(names: &[&str], progress: &fetch::Progress) -> Result<(), ModelError> {
    ensure_runtime_library(progress)?;
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    fetch_models(&Manifest::builtin()?, &models_dir(), &names, progress)?;
    Ok(())
}

/// The path of the named model, converted and verified by its hash. Never
/// fetches: a model that is missing or damaged is an error naming the
/// command that fetches it.
pub fn model_path(name: &str) -> Result<PathBuf, ModelError> {
    let manifest = Manifest::builtin()?;
    let dir = models_dir();
    let spec = manifest
        .model(name)
        .ok_or_else(|| ModelError::UnknownModel {
            name: name.to_owned(),
            known: manifest.model_names().join(", "),
        })?;
    let state = match model_status(&dir, spec)? {
        fetch::Status::Present => return Ok(onnx_path(&dir, name)),
        fetch::Status::Missing => "is not on this computer yet",
        fetch::Status::Corrupt { .. } => "is damaged (its hash does not match the manifest)",
    };
    Err(ModelError::NotFetched {
        model: name.to_owned(),
        state,
    })
}
