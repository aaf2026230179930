//! `formcoach synth` and `formcoach eval`: labelled synthetic pose tracks and
//! the per-rule scores of the coach on them.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::Outcome;
use crate::synth::{self, DEFAULT_SEED};

/// Arguments of `formcoach synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Folder to write `<exercise>/<case>.jsonl.gz` and `.labels.json` into.
    #[arg(long, default_value = "fixtures/tracks")]
    pub out: PathBuf,
    /// Random seed (the committed set uses the default).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Simulated pose model: `movenet` (17 keypoints in pixels, the
    /// committed set) or `blazepose` (33 landmarks plus noisy 3D world
    /// points, which the rules use when present).
    #[arg(long, value_enum, default_value_t = SynthModel::Movenet)]
    pub model: SynthModel,
}

/// The pose model a synthetic set imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SynthModel {
    /// MoveNet: COCO 17 keypoints, image pixels only.
    Movenet,
    /// BlazePose: 33 landmarks and world points in metres.
    Blazepose,
}

impl From<SynthModel> for synth::Model {
    fn from(m: SynthModel) -> synth::Model {
        match m {
            SynthModel::Movenet => synth::Model::Coco17,
            SynthModel::Blazepose => synth::Model::Blaze33,
        }
    }
}

/// Arguments of `formcoach eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of labelled synthetic tracks.
    #[arg(default_value = "fixtures/tracks")]
    pub dir: PathBuf,
    /// Instead of synthetic tracks, coach the real clips of this hand-labels
    /// file (the `labels.json` format) and print each check with its verdict.
    #[arg(long, value_name = "FILE", conflicts_with = "dir")]
    pub labels: Option<PathBuf>,
    /// Pose model for the clips of `--labels`.
    #[arg(long, default_value = crate::pose::DEFAULT_MODEL)]
    pub model: String,
    /// Keep each clip's pose track here (`<clip>.<model>.jsonl`, or
    /// `<clip>.<model>-spine.jsonl` for a clip posed with the mask graph
    /// because an exercise it is coached as reads the back's curve) and reuse it
    /// on the next run instead of running the model again.
    #[arg(long, value_name = "DIR")]
    pub tracks: Option<PathBuf>,
    /// With `--labels`: also inject the labelled faults of this recipe
    /// (TOML) into the real clips' tracks and score each rule on them.
    #[arg(long, value_name = "FILE", requires = "labels")]
    pub faults: Option<PathBuf>,
}

pub(super) fn run_synth(args: &SynthArgs) -> anyhow::Result<Outcome> {
    // Every exercise with a `[motion]`, the person's own files included, so
    // a new exercise can be scored as the built-in ones are.
    let (catalogue, errors) = crate::coach::Catalogue::load(None);
    for e in &errors {
        eprintln!("formcoach: skipped {e}");
    }
    let summary = synth::generate_set_in(&catalogue, &args.out, args.seed, args.model.into())?;
    eprintln!(
        "wrote {} tracks ({} frames, {} bytes) to {}",
        summary.tracks,
        summary.frames,
        summary.bytes,
        args.out.display()
    );
    Ok(Outcome::Success)
}

pub(super) fn run_eval(args: &EvalArgs) -> anyhow::Result<Outcome> {
    if let Some(labels) = &args.labels {
        return super::labels::run(
            labels,
            &args.model,
            args.tracks.as_deref(),
            args.faults.as_deref(),
        );
    }
    let mut out = std::io::stdout().lock();
    let table = synth::evaluate(Path::new(&args.dir))?;
    writeln!(out, "{}", table.to_text())?;
    let misses = table.meets_targets();
    if misses.is_empty() {
        writeln!(out, "every rule meets the targets")?;
        return Ok(Outcome::Success);
    }
    writeln!(out, "{} rule(s) miss a target:", misses.len())?;
    for m in &misses {
        writeln!(out, "  {}: {}", m.rule, m.reasons.join("; "))?;
    }
    Ok(Outcome::PartialFailure)
}
