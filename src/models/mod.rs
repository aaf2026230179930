//! Models stage: the manifest, fetching and verifying the pinned packages,
//! converting TensorFlow.js graphs to ONNX, and loading ONNX Runtime.
//!
//! Depends on nothing else in formcoach. Every byte that comes from outside
//! is checked against a hash in `models/models.toml` before it is used, and
//! nothing is downloaded except through the registries' own clients.

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

/// Fetches whatever of `names` and the ONNX Runtime library is not on disk
/// yet, telling `progress` each step.
///
/// Only checks that files exist: opening a model verifies its hash anyway,
/// and hashing twice would slow every start. This is for the window, whose
/// first start would otherwise sit on "loading" through a download.
pub fn fetch_missing(names: &[&str], progress: &fetch::Progress) -> Result<(), ModelError> {
    let dir = models_dir();
    let missing: Vec<String> = names
        .iter()
        .filter(|n| !onnx_path(&dir, n).is_file())
        .map(|n| (*n).to_owned())
        .collect();
    if !runtime::runtime_library_present()? {
        ensure_runtime_library(progress)?;
    }
    if !missing.is_empty() {
        fetch_models(&Manifest::builtin()?, &dir, &missing, progress)?;
    }
    Ok(())
}

/// Makes sure the named model is converted and verified, fetching it when it
/// is missing or corrupt, and returns its path.
pub fn ensure_model(name: &str) -> Result<PathBuf, ModelError> {
    let manifest = Manifest::builtin()?;
    let dir = models_dir();
    let spec = manifest
        .model(name)
        .ok_or_else(|| ModelError::UnknownModel {
            name: name.to_owned(),
            known: manifest.model_names().join(", "),
        })?;
    if let fetch::Status::Present = model_status(&dir, spec)? {
        return Ok(onnx_path(&dir, name));
    }
    fetch_models(
        &manifest,
        &dir,
        &[name.to_owned()],
        &fetch::Progress::stderr(),
    )?;
    Ok(onnx_path(&dir, name))
}
