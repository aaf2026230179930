//! `formcoach bench`: where the time of one frame goes, stage by stage.
//!
//! Speed is reported here, measured on real frames, not asserted in unit tests.

use std::path::PathBuf;
use std::time::Instant;

use std::io::Write as _;

use anyhow::Context as _;
use clap::Args;
use image::RgbImage;

use super::{Outcome, fixtures_dir};
use crate::models::runtime::SessionOptions;
use crate::pose::open_estimator;

/// Arguments of `formcoach bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Models to time (repeatable).
    #[arg(long = "model", default_values_t = vec!["movenet-lightning".to_owned(), "movenet-thunder".to_owned()])]
    pub models: Vec<String>,
    /// Timed runs per model (after 5 warm-up runs).
    #[arg(long, default_value_t = 50)]
    pub runs: usize,
    /// Threads for ONNX Runtime (default and most: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Frames to use (default: the first 8 images in `$FORMCOACH_FIXTURES/images`).
    pub images: Vec<PathBuf>,
}

struct Stats {
    median: f64,
    p95: f64,
}

fn stats(samples: &mut [f64]) -> Stats {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let idx = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(idx).copied().unwrap_or(f64::NAN)
    };
    Stats {
        median: at(0.5),
        p95: at(0.95),
    }
}

fn frames(args: &BenchArgs) -> anyhow::Result<(Vec<RgbImage>, Vec<f64>)> {
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
        decode_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    anyhow::ensure!(!images.is_empty(), "no frames to time");
    Ok((images, decode_ms))
}

pub(super) fn run(args: &BenchArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let (images, mut decode_ms) = frames(args)?;
    let mut options = SessionOptions::default();
    if let Some(t) = args.threads {
        options.intra_threads = t;
    }
    let options = options.clamped();
    let d = stats(&mut decode_ms);
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
        args.runs,
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
    for model in &args.models {
        let mut est = open_estimator(model, options)?;
        for img in images.iter().cycle().take(5) {
            est.estimate(img)?;
        }
        let (mut pre, mut inner, mut dec, mut whole, mut bare) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Whole frames and bare runs alternate so both see the same machine
        // load; on a shared machine that matters more than the run count.
        for img in images.iter().cycle().take(args.runs) {
            // Separate photos, not a video: trackers start afresh on each, so
            // BlazePose's figures include its detector.
            est.reset();
            let t = Instant::now();
            let e = est.estimate(img)?;
            whole.push(t.elapsed().as_secs_f64() * 1000.0);
            pre.push(e.timings.preprocess_ms);
            inner.push(e.timings.inference_ms);
            dec.push(e.timings.decode_ms);
            let t = Instant::now();
            est.run_bare()?;
            bare.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let fmt = |s: Stats| format!("{:6.2} /{:6.2}", s.median, s.p95);
        let (w, b) = (stats(&mut whole), stats(&mut bare));
        let ratio = w.median / b.median;
        writeln!(
            out,
            "{:18} {:>16} {:>16} {:>16} {:>16} {:>16} {:>8.3}",
            model,
            fmt(stats(&mut pre)),
            fmt(b),
            fmt(stats(&mut inner)),
            fmt(stats(&mut dec)),
            fmt(w),
            ratio
        )?;
    }
    writeln!(
        out,
        "(milliseconds, median / p95; whole frame = preprocess + run + decode, timed end to end)"
    )?;
    Ok(Outcome::Success)
}
