//! `formcoach eval --labels FILE`: the coach on real clips against hand
//! labels, through the whole pixel path (video, model, smoothing, coach).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::Outcome;
use super::exercises::load_catalogue;
use crate::labels::inject::{self, Recipe};
use crate::labels::{FAULT_WINDOW_S, LabelsFile, judge_clip};
use crate::models::runtime::SessionOptions;
use crate::pose::{PoseFrame, estimate_frame};
use crate::session::read_track;
use crate::source::open_frames;

/// Where the poses of the clips come from: a stored track when there is
/// one, else the model, run once and kept when a track folder is given.
struct Poses<'a> {
    base: &'a Path,
    model: &'a str,
    tracks: Option<&'a Path>,
    /// Without and with the segmentation mask (the back's curve).
    estimators: [Option<Box<dyn crate::pose::PoseEstimator>>; 2],
    /// Clips coached as an exercise that reads the back's curve.
    spine_clips: std::collections::HashSet<String>,
    /// Each clip is posed once per run.
    seen: std::collections::HashMap<String, Vec<PoseFrame>>,
}

impl Poses<'_> {
    fn of(&mut self, clip: &str) -> anyhow::Result<Vec<PoseFrame>> {
        if let Some(frames) = self.seen.get(clip) {
            return Ok(frames.clone());
        }
        let frames = self.load(clip)?;
        self.seen.insert(clip.to_owned(), frames.clone());
        Ok(frames)
    }

    fn load(&mut self, clip: &str) -> anyhow::Result<Vec<PoseFrame>> {
        let spine = self.spine_clips.contains(clip);
        let cache = self
            .tracks
            .map(|dir| track_path(dir, clip, self.model, spine));
        if let Some(p) = cache.as_deref().filter(|p| p.is_file()) {
            return Ok(read_track(p)?.frames);
        }
        let slot = &mut self.estimators[usize::from(spine)];
        if slot.is_none() {
            *slot = Some(super::open_model(
                self.model,
                SessionOptions::default(),
                spine,
            )?);
        }
        let Some(est) = slot.as_mut() else {
            anyhow::bail!("no pose model");
        };
        // A clip is a new video: nothing tracked in the last one carries over.
        est.reset();
        let frames = pose_video(est.as_mut(), &self.base.join(clip))?;
        if let Some(p) = &cache {
            write_track(p, &frames)?;
        }
        Ok(frames)
    }
}

pub(super) fn run(
    labels: &Path,
    model: &str,
    tracks: Option<&Path>,
    faults: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let file = LabelsFile::read(labels)?;
    let catalogue = load_catalogue();
    let recipe = faults.map(Recipe::read).transpose()?;
    // A clip is posed with the mask graph when any exercise it is coached
    // as reads the back's curve, as `analyze` would pose it.
    let reads_spine = |id: &str| {
        catalogue
            .get(id)
            .is_some_and(crate::coach::Exercise::reads_spine)
    };
    let mut spine_clips = std::collections::HashSet::new();
    for clip in &file.clips {
        if clip
            .expect
            .iter()
            .any(|e| e.exercise.as_deref().is_some_and(reads_spine))
        {
            spine_clips.insert(clip.clip.clone());
        }
    }
    for inj in recipe.iter().flat_map(|r| &r.inject) {
        if reads_spine(&inj.exercise) {
            spine_clips.insert(inj.clip.clone());
        }
    }
    let mut poses = Poses {
        base: labels.parent().unwrap_or_else(|| Path::new(".")),
        model,
        tracks,
        estimators: [None, None],
        spine_clips,
        seen: std::collections::HashMap::new(),
    };
    let mut out = std::io::stdout().lock();
    let mut failed = 0_usize;
    let mut total = 0_usize;
    for clip in &file.clips {
        if clip.expect.is_empty() {
            continue;
        }
        let frames = poses.of(&clip.clip)?;
        writeln!(out, "{} ({} frames)", clip.clip, frames.len())?;
        for check in judge_clip(&catalogue, clip, &frames) {
            total += 1;
            if !check.pass {
                failed += 1;
            }
            writeln!(
                out,
                "  {} {:<26} {}: {}",
                if check.pass { "ok  " } else { "FAIL" },
                check.exercise,
                check.what,
                check.detail
            )?;
        }
    }
    if let Some(recipe) = recipe {
        writeln!(
            out,
            "semi-real faults ({}): fault warned within {FAULT_WINDOW_S} s, clean twin quiet",
            recipe.inject.len()
        )?;
        for inj in &recipe.inject {
            let frames = poses.of(&inj.clip)?;
            total += 1;
            let Some(scored) = inject::score(&catalogue, inj, &frames) else {
                failed += 1;
                writeln!(out, "  FAIL unknown exercise `{}`", inj.exercise)?;
                continue;
            };
            if !scored.pass() {
                failed += 1;
            }
            writeln!(
                out,
                "  {} {:<26} {:<24} {:<34} at {:>4.1} s: {}, clean twin {}",
                if scored.pass() { "ok  " } else { "FAIL" },
                inj.exercise,
                inj.rule,
                inj.clip,
                inj.at,
                scored.delay_s.map_or_else(
                    || "no warning".to_owned(),
                    |d| format!("warned after {d:.2} s")
                ),
                if scored.clean_warnings == 0 {
                    "quiet".to_owned()
                } else {
                    format!("warned {} time(s)", scored.clean_warnings)
                },
            )?;
        }
    }
    writeln!(out, "{} of {total} checks hold", total - failed)?;
    Ok(if failed == 0 {
        Outcome::Success
    } else {
        Outcome::PartialFailure
    })
}

/// The model's poses for every frame of a clip; a clip that cannot be read
/// entirely is an error, since its checks would judge half a clip.
fn pose_video(
    estimator: &mut dyn crate::pose::PoseEstimator,
    video: &Path,
) -> anyhow::Result<Vec<PoseFrame>> {
    let mut frames = Vec::new();
    for frame in open_frames(video, 30.0)? {
        let frame = frame.with_context(|| format!("cannot read {}", video.display()))?;
        let (pose, _) = estimate_frame(estimator, &frame.image, Some(frame.t_s))
            .with_context(|| format!("pose failed on {}", video.display()))?;
        frames.push(pose);
    }
    Ok(frames)
}

/// `<clip>.<model>.jsonl`, or `<clip>.<model>-spine.jsonl` when posed with
/// the mask: a track kept from before carries no back curve, and reusing it
/// would coach the spine rules on their stand-ins without saying so.
fn track_path(dir: &Path, clip: &str, model: &str, spine: bool) -> PathBuf {
    let stem = Path::new(clip)
        .file_stem()
        .map_or_else(|| clip.to_owned(), |s| s.to_string_lossy().into_owned());
    let mask = if spine { "-spine" } else { "" };
    dir.join(format!("{stem}.{model}{mask}.jsonl"))
}

fn write_track(path: &Path, frames: &[PoseFrame]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut text = String::new();
    for f in frames {
        text.push_str(&serde_json::to_string(f)?);
        text.push('\n');
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
