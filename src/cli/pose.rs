//! `formcoach pose`: one JSON line per image, optional overlay PNGs.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;

use super::Outcome;
use crate::models::runtime::SessionOptions;
use crate::pose::{self, draw};

/// Arguments of `formcoach pose`.
#[derive(Debug, Args)]
pub struct PoseArgs {
    /// Pose model: movenet-lightning, movenet-thunder, blazepose-lite,
    /// blazepose-full or blazepose-heavy.
    #[arg(long, default_value = crate::pose::DEFAULT_MODEL)]
    pub model: String,
    /// Write an overlay PNG per image into this folder.
    #[arg(long, value_name = "DIR")]
    pub draw: Option<PathBuf>,
    /// Threads for ONNX Runtime (default and most: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// A video file or a folder of frames: writes a pose track, one JSON line
    /// per frame with `t` in seconds (the format `formcoach analyze` reads).
    #[arg(long, value_name = "FILE|DIR", conflicts_with = "images")]
    pub video: Option<PathBuf>,
    /// Frame rate of a folder of frames.
    #[arg(long, default_value_t = 30.0)]
    pub fps: f64,
    /// Accepted for clarity: with `--video` the output is always JSON lines.
    #[arg(long)]
    pub jsonl: bool,
    /// Also measure the back's curve from the person's silhouette in side
    /// views (BlazePose only): adds `"spine": {"thoracic_curve_deg",
    /// "lumbar_curve_deg", "confidence"}` to each person with a mask, and
    /// the traced back line to `--draw` overlays. Runs the landmark graph
    /// with its segmentation branch, which costs extra time per frame.
    #[arg(long)]
    pub spine: bool,
    /// Images to read (JPEG, PNG, WebP, BMP).
    #[arg(required_unless_present = "video", value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
}

pub(super) fn run(args: &PoseArgs) -> anyhow::Result<Outcome> {
    let mut options = SessionOptions::default();
    if let Some(t) = args.threads {
        options.intra_threads = t;
    }
    let mut estimator = super::open_model(&args.model, options, args.spine)?;
    if let Some(dir) = &args.draw {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the overlay folder {}", dir.display()))?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Some(video) = &args.video {
        let frames = crate::source::open_frames(video, args.fps)?;
        let mut n = 0_u64;
        for frame in frames {
            let frame = frame?;
            let (line, _) =
                pose::estimate_frame(estimator.as_mut(), &frame.image, Some(frame.t_s))?;
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
            n += 1;
        }
        out.flush()?;
        eprintln!("{}: {n} frames", video.display());
        return Ok(Outcome::Success);
    }
    let mut failed = 0_usize;
    for path in &args.images {
        match one_image(estimator.as_mut(), path, args.draw.as_deref()) {
            Ok(line) => {
                writeln!(out, "{line}")?;
                out.flush()?;
            }
            Err(err) => {
                failed += 1;
                eprintln!("formcoach: {}: {err:#}", path.display());
            }
        }
    }
    Ok(if failed == 0 {
        Outcome::Success
    } else {
        Outcome::PartialFailure
    })
}

fn one_image(
    estimator: &mut dyn pose::PoseEstimator,
    path: &Path,
    draw_dir: Option<&Path>,
) -> anyhow::Result<String> {
    let image = crate::source::images::read_rgb(path)?;
    // Separate photos are not a video: never track from one to the next.
    estimator.reset();
    let (mut frame, _) = pose::estimate_frame(estimator, &image, None)?;
    frame.image = Some(path.display().to_string());
    if let Some(dir) = draw_dir {
        let mut overlay = draw::draw_people(&image, &frame.people);
        for s in frame.people.iter().filter_map(|p| p.spine.as_ref()) {
            draw::draw_back_line(&mut overlay, &s.line);
        }
        let stem = path
            .file_stem()
            .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
        let out = dir.join(format!("{stem}.png"));
        overlay
            .save(&out)
            .with_context(|| format!("cannot write the overlay {}", out.display()))?;
    }
    Ok(serde_json::to_string(&frame)?)
}
