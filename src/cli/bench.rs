//! `formcoach bench`: where the time of one frame goes, stage by stage.
//!
//! Two modes. On still photos (the default) every frame is a fresh picture,
//! so trackers start afresh and BlazePose's figures include its detector. On
//! a video (`--video`) the frames follow each other as they would from a
//! camera: BlazePose tracks, and its detector runs only when the person is
//! lost, which is what a live session costs.
//!
//! Speed is reported here, measured on real frames, not asserted in unit tests.

use std::path::{Path, PathBuf};
use std::time::Instant;

use std::io::Write as _;

use anyhow::Context as _;
use clap::Args;
use image::RgbImage;

use super::{Outcome, fixtures_dir};
use crate::models::runtime::SessionOptions;
use crate::pose::{DEFAULT_MODEL, PoseEstimator};

/// Models timed on still photos when none is named.
const STILLS_MODELS: [&str; 2] = ["movenet-lightning", "movenet-thunder"];

/// Timed runs per model on still photos when `--runs` is not given.
const STILLS_RUNS: usize = 50;

/// Untimed frames before timing starts, so session warm-up (allocations,
/// kernel selection) is not counted as a frame.
const WARM_UP_FRAMES: usize = 5;

/// Decoded video frames kept in memory at most. The whole clip is decoded
/// before timing so the decoder never competes with the model for the
/// cores; this bounds that memory (about 380 frames of 1280x720).
const MAX_VIDEO_BYTES: usize = 1 << 30;

/// Arguments of `formcoach bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Models to time (repeatable; default: movenet-lightning and
    /// movenet-thunder on photos, blazepose-full on a video).
    #[arg(long = "model")]
    pub models: Vec<String>,
    /// On photos: timed runs per model (after 5 warm-up runs; default 50).
    /// On a video: passes over the clip (default 1), each starting afresh.
    #[arg(long)]
    pub runs: Option<usize>,
    /// Threads for ONNX Runtime (default and most: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Time the tracking path on this video, frame after frame (decoded
    /// into memory first; decoding is not part of the frame).
    #[arg(long, value_name = "FILE", conflicts_with = "images")]
    pub video: Option<PathBuf>,
    /// Also print one JSON object per model, the last one on the last line.
    #[arg(long)]
    pub json: bool,
    /// Run BlazePose's landmark graph with its segmentation-mask branch, as
    /// `formcoach pose --spine` does, to time what the mask costs.
    #[arg(long)]
    pub spine: bool,
    /// Frames to use (default: the first 8 images in `$FORMCOACH_FIXTURES/images`).
    pub images: Vec<PathBuf>,
}

/// Median and 95th percentile of a set of timings, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Stats {
    median: f64,
    p95: f64,
}

impl Stats {
    fn of(samples: &[f64]) -> Stats {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let idx = ((sorted.len() as f64 - 1.0) * q).round() as usize;
            sorted.get(idx).copied().unwrap_or(f64::NAN)
        };
        Stats {
            median: at(0.5),
            p95: at(0.95),
        }
    }

    fn cell(self) -> String {
        format!("{:6.2} /{:6.2}", self.median, self.p95)
    }

    fn json(self) -> serde_json::Value {
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        serde_json::json!({"median": round(self.median), "p95": round(self.p95)})
    }
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn session_options(args: &BenchArgs) -> SessionOptions {
    let mut options = SessionOptions::default();
    if let Some(t) = args.threads {
        options.intra_threads = t;
    }
    options.clamped()
}

fn models(args: &BenchArgs, defaults: &[&str]) -> Vec<String> {
    if args.models.is_empty() {
        defaults.iter().map(|m| (*m).to_owned()).collect()
    } else {
        args.models.clone()
    }
}

pub(super) fn run(args: &BenchArgs) -> anyhow::Result<Outcome> {
    if let Some(video) = &args.video {
        return run_video(args, video);
    }
    run_stills(args)
}

fn still_frames(args: &BenchArgs) -> anyhow::Result<(Vec<RgbImage>, Vec<f64>)> {
    let paths: Vec<PathBuf> = if args.images.is_empty() {
        let dir = fixtures_dir()
            .context("give images to time, or set FORMCOACH_FIXTURES to the fixtures folder")?
            .join("images");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot list {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
            .collect();
        paths.sort();
        paths.truncate(8);
        paths
    } else {
        args.images.clone()
    };
    let mut images = Vec::new();
    let mut decode_ms = Vec::new();
    for p in &paths {
        let t = Instant::now();
        images.push(crate::source::images::read_rgb(p)?);
        decode_ms.push(ms_since(t));
    }
    anyhow::ensure!(!images.is_empty(), "no frames to time");
    Ok((images, decode_ms))
}

fn run_stills(args: &BenchArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let (images, decode_ms) = still_frames(args)?;
    let options = session_options(args);
    let runs = args.runs.unwrap_or(STILLS_RUNS);
    let d = Stats::of(&decode_ms);
    writeln!(
        out,
        "{} frames ({}), {} runs per model, {} ONNX Runtime threads",
        images.len(),
        images
            .iter()
            .map(|i| format!("{}x{}", i.width(), i.height()))
            .take(3)
            .collect::<Vec<_>>()
            .join(", ")
            + if images.len() > 3 { ", ..." } else { "" },
        runs,
        options.intra_threads
    )?;
    writeln!(
        out,
        "image file decode (JPEG, not part of live frames): median {:.2} ms, p95 {:.2} ms",
        d.median, d.p95
    )?;
    writeln!(
        out,
        "{:18} {:>16} {:>16} {:>16} {:>16} {:>16} {:>8}",
        "model", "preprocess", "bare run", "inside run", "decode", "whole frame", "whole/bare"
    )?;
    let mut objects = Vec::new();
    for model in models(args, &STILLS_MODELS) {
        let mut est = super::open_model(&model, options, args.spine)?;
        for img in images.iter().cycle().take(WARM_UP_FRAMES) {
            est.estimate(img)?;
        }
        let mut t = FrameTimes::default();
        // Whole frames and bare runs alternate so both see the same machine
        // load; on a shared machine that matters more than the run count.
        for img in images.iter().cycle().take(runs) {
            // Separate photos, not a video: trackers start afresh on each, so
            // BlazePose's figures include its detector.
            est.reset();
            t.time_frame(est.as_mut(), img)?;
        }
        let s = t.summary();
        // With a detector, a still's own bare runs are its inside runs
        // (detector plus landmarks), as on a video's detector frames.
        let bare = if t.detector.iter().any(|&d| d) {
            s.inside
        } else {
            s.bare
        };
        writeln!(
            out,
            "{:18} {:>16} {:>16} {:>16} {:>16} {:>16} {:>8.3}",
            model,
            s.preprocess.cell(),
            s.bare.cell(),
            s.inside.cell(),
            s.decode.cell(),
            s.whole.cell(),
            s.whole.median / bare.median
        )?;
        objects.push(t.json(&model, est.detector_runs()));
    }
    writeln!(
        out,
        "(milliseconds, median / p95; whole frame = preprocess + run + decode, timed end to end; \
         bare run = the model alone on the same input, the landmark model for BlazePose; \
         whole/bare for BlazePose divides by its inside runs, detector and landmarks)"
    )?;
    print_json(&mut out, args.json, &objects)?;
    Ok(Outcome::Success)
}

/// Per-frame timings of one model, in milliseconds, frame by frame.
#[derive(Debug, Default)]
struct FrameTimes {
    preprocess: Vec<f64>,
    inside: Vec<f64>,
    decode: Vec<f64>,
    whole: Vec<f64>,
    bare: Vec<f64>,
    /// Whether the detector ran on that frame.
    detector: Vec<bool>,
}

/// The medians and 95th percentiles of [`FrameTimes`].
struct Summary {
    preprocess: Stats,
    inside: Stats,
    decode: Stats,
    whole: Stats,
    bare: Stats,
}

impl FrameTimes {
    /// Times one whole frame, then one bare run of the model on the input the
    /// frame just prepared (the landmark model, for BlazePose).
    fn time_frame(&mut self, est: &mut dyn PoseEstimator, frame: &RgbImage) -> anyhow::Result<()> {
        let runs_before = est.detector_runs();
        let t = Instant::now();
        let e = est.estimate(frame)?;
        self.whole.push(ms_since(t));
        self.detector.push(est.detector_runs() != runs_before);
        self.preprocess.push(e.timings.preprocess_ms);
        self.inside.push(e.timings.inference_ms);
        self.decode.push(e.timings.decode_ms);
        let t = Instant::now();
        est.run_bare()?;
        self.bare.push(ms_since(t));
        Ok(())
    }

    /// The frames where `keep(detector ran)` holds.
    fn select(&self, keep: impl Fn(bool) -> bool) -> FrameTimes {
        let pick = |v: &[f64]| -> Vec<f64> {
            v.iter()
                .zip(&self.detector)
                .filter(|&(_, &d)| keep(d))
                .map(|(&x, _)| x)
                .collect()
        };
        FrameTimes {
            preprocess: pick(&self.preprocess),
            inside: pick(&self.inside),
            decode: pick(&self.decode),
            whole: pick(&self.whole),
            bare: pick(&self.bare),
            detector: self.detector.iter().copied().filter(|&d| keep(d)).collect(),
        }
    }

    fn summary(&self) -> Summary {
        Summary {
            preprocess: Stats::of(&self.preprocess),
            inside: Stats::of(&self.inside),
            decode: Stats::of(&self.decode),
            whole: Stats::of(&self.whole),
            bare: Stats::of(&self.bare),
        }
    }

    fn json(&self, model: &str, detector_runs: u64) -> serde_json::Value {
        let s = self.summary();
        serde_json::json!({
            "model": model,
            "frames": self.whole.len(),
            "detector_runs": detector_runs,
            "whole_frame_ms": s.whole.json(),
            "bare_run_ms": s.bare.json(),
            "preprocess_ms": s.preprocess.json(),
            "inside_run_ms": s.inside.json(),
            "decode_ms": s.decode.json(),
            "detector_frames": self.detector.iter().filter(|&&d| d).count(),
        })
    }
}

fn print_json(
    out: &mut impl std::io::Write,
    json: bool,
    objects: &[serde_json::Value],
) -> anyhow::Result<()> {
    if json {
        for object in objects {
            writeln!(out, "{object}")?;
        }
    }
    Ok(())
}

/// Decodes the clip into memory, up to [`MAX_VIDEO_BYTES`].
fn video_frames(path: &Path) -> anyhow::Result<(Vec<RgbImage>, bool)> {
    let mut frames = Vec::new();
    let mut bytes = 0_usize;
    let mut truncated = false;
    for frame in crate::source::open_frames(path, 30.0)? {
        let image = frame?.image;
        bytes += image.as_raw().len();
        if bytes > MAX_VIDEO_BYTES {
            truncated = true;
            break;
        }
        frames.push(image);
    }
    anyhow::ensure!(!frames.is_empty(), "no frames in {}", path.display());
    Ok((frames, truncated))
}

fn run_video(args: &BenchArgs, path: &Path) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let (frames, truncated) = video_frames(path)?;
    let options = session_options(args);
    let passes = args.runs.unwrap_or(1).max(1);
    writeln!(
        out,
        "{}: {} frames of {}x{}{}, {} pass(es), {} ONNX Runtime threads",
        path.display(),
        frames.len(),
        frames[0].width(),
        frames[0].height(),
        if truncated {
            " (the rest left out: decoded frames are kept in memory)"
        } else {
            ""
        },
        passes,
        options.intra_threads
    )?;
    writeln!(
        out,
        "{:18} {:10} {:>7} {:>16} {:>16} {:>16} {:>16} {:>16} {:>8}",
        "model",
        "frames",
        "count",
        "preprocess",
        "bare run",
        "inside run",
        "decode",
        "whole frame",
        "whole/bare"
    )?;
    let mut objects = Vec::new();
    for model in models(args, &[DEFAULT_MODEL]) {
        let mut est = super::open_model(&model, options, args.spine)?;
        for frame in frames.iter().take(WARM_UP_FRAMES) {
            est.estimate(frame)?;
        }
        let mut t = FrameTimes::default();
        let runs_before = est.detector_runs();
        for _ in 0..passes {
            // Each pass is a new recording: the tracker starts afresh.
            est.reset();
            for frame in &frames {
                t.time_frame(est.as_mut(), frame)?;
            }
        }
        let detector_runs = est.detector_runs() - runs_before;
        let rows = [
            ("all", t.select(|_| true)),
            ("tracking", t.select(|d| !d)),
            ("detector", t.select(|d| d)),
        ];
        for (kind, sel) in rows {
            if sel.whole.is_empty() {
                continue;
            }
            let s = sel.summary();
            // A detector frame's own bare runs are its inside runs (detector
            // plus landmarks); the bare landmark run alone would flatter it.
            let bare = if kind == "detector" { s.inside } else { s.bare };
            writeln!(
                out,
                "{:18} {:10} {:>7} {:>16} {:>16} {:>16} {:>16} {:>16} {:>8.3}",
                model,
                kind,
                sel.whole.len(),
                s.preprocess.cell(),
                s.bare.cell(),
                s.inside.cell(),
                s.decode.cell(),
                s.whole.cell(),
                s.whole.median / bare.median
            )?;
        }
        writeln!(out, "{model}: {detector_runs} detector runs")?;
        objects.push(t.json(&model, detector_runs));
    }
    writeln!(
        out,
        "(milliseconds, median / p95; whole frame = preprocess + run + decode, timed end to end; \
         bare run = the landmark model alone on the same input; whole/bare on detector frames \
         divides by their inside runs)"
    )?;
    print_json(&mut out, args.json, &objects)?;
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_pick_median_and_p95() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Stats::of(&samples);
        assert!((s.median - 51.0).abs() < 1e-9 || (s.median - 50.0).abs() < 1e-9);
        assert!((s.p95 - 95.0).abs() <= 1.0);
        assert!(Stats::of(&[]).median.is_nan());
    }

    #[test]
    fn frames_split_by_detector() {
        let t = FrameTimes {
            preprocess: vec![1.0, 2.0, 3.0],
            inside: vec![1.0, 2.0, 3.0],
            decode: vec![0.0; 3],
            whole: vec![10.0, 20.0, 30.0],
            bare: vec![5.0; 3],
            detector: vec![true, false, false],
        };
        assert_eq!(t.select(|d| d).whole, [10.0]);
        assert_eq!(t.select(|d| !d).whole, [20.0, 30.0]);
        let j = t.json("m", 1);
        assert_eq!(j["frames"], 3);
        assert_eq!(j["detector_frames"], 1);
        assert!(j["whole_frame_ms"]["median"].is_number());
    }
}
