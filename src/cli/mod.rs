//! Command line: parses arguments and drives the same pipeline as the window.
//!
//! Exit status: 0 when everything worked, 1 when some inputs failed but the
//! others were processed (each failure is named on stderr), 2 when the
//! command could not run at all (bad arguments, no model, no runtime).

// Writing to stdout is this module's job; the rest of the crate may not.
#![allow(clippy::print_stdout)]

pub(crate) mod analyze;
mod bench;
mod exercises;
#[cfg(feature = "gui")]
mod history;
mod labels;
mod models;
mod pose;
mod routines;
mod synth;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Coaches upper-back, posture and neck stretches through a webcam.
#[derive(Debug, Parser)]
#[command(name = "formcoach", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without a command the window opens.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open the window coaching straight from this video file (or folder of
    /// frames), as `--exercise` or, step after step, as `--routine`. With a
    /// routine it may be given once per step, each step coached from its own.
    #[arg(long, value_name = "FILE", requires = "start")]
    pub video: Vec<PathBuf>,
    /// Exercise id to start with (see `formcoach exercises`).
    #[arg(long, value_name = "ID", group = "start")]
    pub exercise: Option<String>,
    /// Routine id to play (see `formcoach routines`); with one `--video`,
    /// every step is coached from that file; with one per step, in order.
    #[arg(long, value_name = "ID", group = "start")]
    pub routine: Option<String>,
    /// Pose model for the window.
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find people in images and print one JSON line per image.
    Pose(pose::PoseArgs),
    /// Fetch, convert, verify and list the pose models and ONNX Runtime.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Time each stage of the pose pipeline on real frames.
    Bench(bench::BenchArgs),
    /// List the exercise catalogue with each exercise's rules.
    Exercises(exercises::ExercisesArgs),
    /// Coach a recorded video, folder of frames or pose track, headless.
    Analyze(analyze::AnalyzeArgs),
    /// List the routines: exercises in order, each with its dose.
    Routines(routines::RoutinesArgs),
    /// Generate labelled synthetic pose tracks with injected form faults.
    Synth(synth::SynthArgs),
    /// Score every rule on labelled tracks: precision, recall, F1, false warnings, delay.
    Eval(synth::EvalArgs),
    /// List or export the sessions the window kept.
    #[cfg(feature = "gui")]
    #[command(subcommand)]
    History(history::HistoryCommand),
}

/// How a command ended, mapped to the documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything worked.
    Success,
    /// Some inputs failed; the rest were processed.
    PartialFailure,
}

/// Entry point for the binary.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::PartialFailure) => ExitCode::from(1),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "formcoach: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Some(Command::Pose(args)) => pose::run(&args),
        Some(Command::Models(cmd)) => models::run(&cmd),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::Exercises(args)) => exercises::run(&args),
        Some(Command::Analyze(args)) => analyze::run(&args),
        Some(Command::Routines(args)) => routines::run(&args),
        Some(Command::Synth(args)) => synth::run_synth(&args),
        Some(Command::Eval(args)) => synth::run_eval(&args),
        #[cfg(feature = "gui")]
        Some(Command::History(cmd)) => history::run(&cmd),
        None => open_window(cli.video, cli.exercise, cli.routine, cli.model),
    }
}

#[cfg(feature = "gui")]
fn open_window(
    video: Vec<PathBuf>,
    exercise: Option<String>,
    routine: Option<String>,
    model: Option<String>,
) -> anyhow::Result<Outcome> {
    if video.len() > 1 && routine.is_none() {
        anyhow::bail!(
            "{} videos were given for one exercise: give `--video` once, or play a routine \
             (`--routine ID`) with one video per step",
            video.len()
        );
    }
    crate::ui::run_window(crate::ui::WindowOptions {
        video,
        exercise,
        routine,
        model,
    })?;
    Ok(Outcome::Success)
}

#[cfg(not(feature = "gui"))]
fn open_window(
    _video: Vec<PathBuf>,
    _exercise: Option<String>,
    _routine: Option<String>,
    _model: Option<String>,
) -> anyhow::Result<Outcome> {
    anyhow::bail!(
        "this build of formcoach has no window (built without the `gui` feature); \
         use `formcoach analyze` to coach a recording"
    )
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The fixtures folder named by `FORMCOACH_FIXTURES`, when set.
#[must_use]
pub fn fixtures_dir() -> Option<PathBuf> {
    std::env::var_os("FORMCOACH_FIXTURES")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Opens a pose estimator at a command's front door: first fetches and
/// converts what it needs when that is missing or damaged (ONNX Runtime
/// too), with progress on stderr, as a first run of any command does.
/// Estimators themselves never fetch.
fn open_model(
    model: &str,
    options: crate::models::runtime::SessionOptions,
    segmentation: bool,
) -> anyhow::Result<Box<dyn crate::pose::PoseEstimator>> {
    // An unknown name is said as the pose stage says it, before any fetching.
    if !crate::pose::MODEL_NAMES.contains(&model) {
        return Err(crate::pose::PoseError::UnknownModel(model.to_owned()).into());
    }
    crate::models::fetch_missing(
        &crate::pose::required_models_with(model, segmentation),
        &crate::models::fetch::Progress::stderr(),
    )?;
    Ok(crate::pose::open_estimator_with(
        model,
        options,
        segmentation,
    )?)
}
