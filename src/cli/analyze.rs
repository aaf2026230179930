//! `formcoach analyze`: the whole pipeline on a video, a folder of frames or
//! a pose track, headless, exactly as the window runs it.

use std::path::{Path, PathBuf};

use std::io::Write as _;

use anyhow::Context as _;
use clap::Args;

use super::Outcome;
use super::exercises::load_catalogue;
use crate::models::runtime::SessionOptions;
use crate::pose::{PoseEstimator, PoseFrame, estimate_frame};
use crate::session::{Report, analyze_track, read_track};
use crate::source::{Frame, SourceError, open_frames};

/// Arguments of `formcoach analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Exercise id (see `formcoach exercises`).
    #[arg(long, required_unless_present = "routine", conflicts_with = "routine")]
    pub exercise: Option<String>,
    /// Routine id (see `formcoach routines`): coaches one input per step, in
    /// order, each as its step's exercise.
    #[arg(long, value_name = "ID", conflicts_with = "audio_out")]
    pub routine: Option<String>,
    /// Pose model for videos and frame folders.
    #[arg(long, default_value = crate::pose::DEFAULT_MODEL)]
    pub model: String,
    /// Frame rate of a folder of frames.
    #[arg(long, default_value_t = 30.0)]
    pub fps: f64,
    /// Threads for ONNX Runtime (default and most: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also write the report as JSON here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Render the spoken cues, counts and tones of the session, in time with
    /// its events, into this WAV file (no sound card needed).
    #[arg(long, value_name = "FILE")]
    pub audio_out: Option<PathBuf>,
    /// A video file (mp4, webm, mov...), a folder of frames, or a pose track
    /// (.jsonl, or .jsonl.gz); with `--routine`, one per step.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

pub(super) fn run(args: &AnalyzeArgs) -> anyhow::Result<Outcome> {
    if let Some(routine) = &args.routine {
        return super::routines::analyze_routine(args, routine);
    }
    let mut out = std::io::stdout().lock();
    let catalogue = load_catalogue();
    let exercise_id = args.exercise.as_deref().unwrap_or_default();
    let Some(exercise) = catalogue.get(exercise_id) else {
        let ids: Vec<&str> = catalogue.iter().map(|e| e.id.as_str()).collect();
        anyhow::bail!(
            "unknown exercise `{exercise_id}`; choose one of: {}",
            ids.join(", ")
        );
    };
    let [input] = args.inputs.as_slice() else {
        anyhow::bail!(
            "{} inputs given; `--exercise` coaches one (use `--routine ID` for one input per step)",
            args.inputs.len()
        );
    };
    let (report, partial) = analyze_input(args, exercise, input, &mut |_| {})?;
    writeln!(out, "{}", report.summary_text())?;
    if let Some(out) = &args.out {
        write_report(&report, out)?;
        eprintln!("report written to {}", out.display());
    }
    Ok(if partial {
        Outcome::PartialFailure
    } else {
        Outcome::Success
    })
}

/// Coaches one input (a pose track, a video or a folder of frames) as
/// `exercise`; the flag says the input broke part-way (its note is in the
/// report). The one path for `--exercise` and each step of `--routine`;
/// `tap` sees every pose the coach sees (the mobility check reads them).
pub(super) fn analyze_input(
    args: &AnalyzeArgs,
    exercise: &crate::coach::Exercise,
    input: &Path,
    tap: &mut dyn FnMut(&PoseFrame),
) -> anyhow::Result<(Report, bool)> {
    if is_track(input) {
        let track = read_track(input)?;
        for note in &track.notes {
            eprintln!("formcoach: {}: {note}", input.display());
        }
        let frames = track.frames.into_iter().inspect(|p| tap(p));
        let mut report = coach(exercise, frames, args.audio_out.as_deref())?;
        report.notes.extend(track.notes);
        Ok((report, false))
    } else {
        analyze_frames(args, exercise, input, tap)
    }
}

fn is_track(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".jsonl", ".json", ".jsonl.gz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Poses decoded ahead of the coach. Small: the coach is much faster than
/// pose, so a few frames keep both busy without holding a video in memory.
pub(crate) const POSE_QUEUE: usize = 8;

/// Runs pose on every frame and coaches as it goes. A video that breaks in
/// the middle still gives a report of what was seen (and exit code 1).
fn analyze_frames(
    args: &AnalyzeArgs,
    exercise: &crate::coach::Exercise,
    input: &Path,
    tap: &mut dyn FnMut(&PoseFrame),
) -> anyhow::Result<(Report, bool)> {
    let frames = open_frames(input, args.fps)?;
    let mut options = SessionOptions::default();
    if let Some(t) = args.threads {
        options.intra_threads = t;
    }
    // The mask graph costs time per frame: only an exercise whose rules
    // read the back's curve runs it.
    let mut estimator = super::open_model(&args.model, options, exercise.reads_spine())?;
    let (report, failure) = coach_frames_tapped(
        exercise,
        frames,
        estimator.as_mut(),
        args.audio_out.as_deref(),
        tap,
    )?;
    let Some(mut report) = report else {
        return Err(failure.unwrap_or_else(|| anyhow::anyhow!("no frames in the input")))
            .with_context(|| format!("cannot analyze {}", input.display()));
    };
    let partial = if let Some(e) = failure {
        // The error says what happened (ended early, frames skipped).
        let note = format!("{e:#}");
        eprintln!("formcoach: {}: {note}", input.display());
        report.notes.push(note);
        true
    } else {
        false
    };
    Ok((report, partial))
}

/// `analyze`'s path without a tap, which the live pipeline's tests compare
/// against.
#[cfg(test)]
pub(crate) fn coach_frames(
    exercise: &crate::coach::Exercise,
    frames: impl Iterator<Item = Result<Frame, SourceError>> + Send,
    estimator: &mut dyn PoseEstimator,
    audio_out: Option<&Path>,
) -> anyhow::Result<(Option<Report>, Option<anyhow::Error>)> {
    coach_frames_tapped(exercise, frames, estimator, audio_out, &mut |_| {})
}

/// Pose runs on its own thread and hands each pose to the coach through a
/// bounded channel, so `analyze` coaches while it decodes and never holds
/// more than [`POSE_QUEUE`] poses. Returns the report (none when not one
/// frame came) and the error that ended the stream early, if one did;
/// `tap` sees each pose before the coach does.
fn coach_frames_tapped(
    exercise: &crate::coach::Exercise,
    frames: impl Iterator<Item = Result<Frame, SourceError>> + Send,
    estimator: &mut dyn PoseEstimator,
    audio_out: Option<&Path>,
    tap: &mut dyn FnMut(&PoseFrame),
) -> anyhow::Result<(Option<Report>, Option<anyhow::Error>)> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<PoseFrame>(POSE_QUEUE);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            for frame in frames {
                let pose = frame.map_err(anyhow::Error::from).and_then(|f| {
                    estimate_frame(&mut *estimator, &f.image, Some(f.t_s))
                        .map(|(p, _)| p)
                        .map_err(anyhow::Error::from)
                });
                match pose {
                    Ok(p) => {
                        if tx.send(p).is_err() {
                            // The coach stopped (its own error says why).
                            return None;
                        }
                    }
                    Err(e) => return Some(e),
                }
            }
            None
        });
        let mut poses = rx.into_iter().inspect(|p| tap(p)).peekable();
        let report = if poses.peek().is_some() {
            Some(coach(exercise, poses, audio_out))
        } else {
            None
        };
        let failure = producer
            .join()
            .unwrap_or_else(|_| Some(anyhow::anyhow!("the pose thread stopped unexpectedly")));
        Ok((report.transpose()?, failure))
    })
}

/// The pipeline's tail (the session stepper), with the audio track
/// rendered alongside when asked for: one pass, one report.
fn coach(
    exercise: &crate::coach::Exercise,
    frames: impl IntoIterator<Item = PoseFrame>,
    audio_out: Option<&Path>,
) -> anyhow::Result<Report> {
    let Some(wav) = audio_out else {
        return Ok(analyze_track(exercise, frames));
    };
    let settings = crate::audio::AudioSettings::default();
    let summary = crate::audio::render_session_wav(exercise, frames, &settings, wav)
        .with_context(|| format!("cannot render the audio track {}", wav.display()))?;
    for note in &summary.notes {
        eprintln!("formcoach: audio: {note}");
    }
    eprintln!(
        "audio track written to {} ({:.1} s, {} sounds, speech: {})",
        wav.display(),
        summary.duration_s,
        summary.utterances.len(),
        summary.speech_engine.as_deref().unwrap_or("none")
    );
    Ok(summary.report)
}

fn write_report(report: &Report, out: &Path) -> anyhow::Result<()> {
    let json = report.to_json()?;
    std::fs::write(out, json)
        .with_context(|| format!("cannot write the report to {}", out.display()))
}
