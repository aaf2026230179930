//! Hand labels of real clips, and the verdict of each check they imply.
//!
//! Synthetic tracks say whether a rule fires on the fault it was written for;
//! only real people say whether the coach is right. A labels file (the format
//! of `labels.json` beside the fixture clips) lists, per clip and per
//! exercise the clip is coached as, what a good coach reports: the rep count,
//! rules that must stay quiet in given intervals, rules that must warn near
//! given times, and when the person is in the exercise's start position.
//! Each becomes one [`Check`] with a verdict and the evidence behind it.
//!
//! Depends on `coach`, `motion` and `session`; the poses come from the caller
//! (the CLI runs the model, tests may read a stored track).

pub mod inject;

use std::path::Path;

use serde::Deserialize;

use crate::coach::{Catalogue, Event};
use crate::pose::PoseFrame;
use crate::session::Stepper;

/// A fault warning counts when it starts this close to a labelled time.
pub const FAULT_WINDOW_S: f64 = 1.5;
/// Labels are read off contact sheets at 2 frames per second: a boundary is
/// only known to within this much, so the in-position agreement ignores
/// frames this close to one.
pub const BOUNDARY_SLACK_S: f64 = 0.5;
/// Share of the (unambiguous) clip time on which the coach must agree with
/// the labels about being in the start position.
pub const MIN_POSITION_AGREEMENT: f64 = 0.8;
/// The tracked person may not jump by more than this many torso lengths
/// from one frame to the next (a switch to someone else does).
pub const MAX_TRACK_JUMP_TORSO: f32 = 0.5;

/// A labels file.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelsFile {
    /// How the file is meant to be read.
    #[serde(default)]
    pub about: String,
    /// One entry per clip.
    pub clips: Vec<ClipLabels>,
}

/// What one clip shows and what a good coach says about it.
#[derive(Debug, Clone, Deserialize)]
pub struct ClipLabels {
    /// File name, relative to the labels file.
    pub clip: String,
    /// Camera view, as labelled.
    #[serde(default)]
    pub view: Option<String>,
    /// People in the picture.
    #[serde(default)]
    pub people: Option<u32>,
    /// What the person does, second by second.
    #[serde(default)]
    pub segments: Vec<Segment>,
    /// The coach's expected reports.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// A labelled stretch of time.
#[derive(Debug, Clone, Deserialize)]
pub struct Segment {
    /// Start, seconds.
    pub from: f64,
    /// End, seconds.
    pub to: f64,
    /// In words.
    pub what: String,
}

/// What a good coach reports when the clip is coached as one exercise (or,
/// with `pose_only`, what the pose tracker must do).
#[derive(Debug, Clone, Deserialize)]
pub struct Expectation {
    /// Exercise id.
    #[serde(default)]
    pub exercise: Option<String>,
    /// Only the pose tracking is judged.
    #[serde(default)]
    pub pose_only: bool,
    /// Intervals in the exercise's start position; `null` for never.
    #[serde(default)]
    pub in_position: Option<Vec<[f64; 2]>>,
    /// Accepted rep count, `[min, max]`.
    #[serde(default)]
    pub reps: Option<[u32; 2]>,
    /// Rules that must not warn during the intervals.
    #[serde(default)]
    pub clean: Option<Clean>,
    /// A rule that must warn near each time.
    #[serde(default)]
    pub fault: Option<Fault>,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

/// Rules that must stay quiet.
#[derive(Debug, Clone, Deserialize)]
pub struct Clean {
    /// Rule ids.
    pub rules: Vec<String>,
    /// Intervals, seconds.
    pub during: Vec<[f64; 2]>,
}

/// A rule that must warn.
#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    /// Rule id.
    pub rule: String,
    /// Times, seconds.
    pub at: Vec<f64>,
}

/// A labels file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    /// Unreadable.
    #[error("cannot read the labels file {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not the labels format.
    #[error("{file} is not a labels file: {source}")]
    Parse {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

impl LabelsFile {
    /// Reads and parses a labels file.
    pub fn read(path: &Path) -> Result<LabelsFile, LabelsError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| LabelsError::Io {
            file: file.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| LabelsError::Parse { file, source })
    }
}

/// One check and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Clip file name.
    pub clip: String,
    /// Exercise coached, or `pose` for tracking checks.
    pub exercise: String,
    /// What is checked.
    pub what: String,
    /// Whether it holds.
    pub pass: bool,
    /// What the coach did, in words.
    pub detail: String,
}

/// What the coach did on one clip, frame by frame, as far as the checks need.
#[derive(Debug, Clone, Default)]
pub struct Coached {
    /// Reps counted.
    pub reps: u32,
    /// Warnings: rule, start, end (clip end when still up).
    pub warnings: Vec<(String, f64, f64)>,
    /// Per frame: time and whether the coach judged the person in position.
    pub in_position: Vec<(f64, bool)>,
    /// The summary sentences, for the reader.
    pub summary: String,
}

/// Every event the coach raises on `frames`, through the same smoothing as
/// `analyze` and the window.
#[must_use]
pub fn coach_events(exercise: &crate::coach::Exercise, frames: &[PoseFrame]) -> Vec<Event> {
    let mut stepper = Stepper::new(exercise);
    frames
        .iter()
        .flat_map(|f| stepper.step(f.clone()).feedback.events)
        .collect()
}

/// Coaches `frames` as `exercise` through the same smoothing, coach and
/// session as `analyze` and the window.
#[must_use]
pub fn coach_clip(exercise: &crate::coach::Exercise, frames: &[PoseFrame]) -> Coached {
    let mut stepper = Stepper::new(exercise);
    let mut out = Coached::default();
    let mut open: Vec<(String, f64)> = Vec::new();
    let mut last_t = 0.0;
    for frame in frames {
        let fb = stepper.step(frame.clone()).feedback;
        last_t = fb.t_s;
        out.in_position.push((fb.t_s, fb.in_position));
        for e in &fb.events {
            match e {
                // A reopened warning is said again: it counts as one too.
                Event::WarningStart { t_s, rule, .. } => open.push((rule.clone(), *t_s)),
                Event::WarningEnd { t_s, rule } => {
                    if let Some(i) = open.iter().position(|(r, _)| r == rule) {
                        let (r, start) = open.remove(i);
                        out.warnings.push((r, start, *t_s));
                    }
                }
                _ => {}
            }
        }
    }
    for (r, start) in open {
        out.warnings.push((r, start, last_t));
    }
    let report = stepper.finish();
    out.reps = report.reps.total;
    out.summary = report.summary_text();
    out
}

/// The checks of one expectation, given what the coach did.
#[must_use]
pub fn judge_expectation(clip: &str, exp: &Expectation, coached: &Coached) -> Vec<Check> {
    let exercise = exp.exercise.clone().unwrap_or_default();
    let check = |what: String, pass: bool, detail: String| Check {
        clip: clip.to_owned(),
        exercise: exercise.clone(),
        what,
        pass,
        detail,
    };
    let mut out = Vec::new();
    if let Some([lo, hi]) = exp.reps {
        out.push(check(
            format!("reps in {lo}-{hi}"),
            (lo..=hi).contains(&coached.reps),
            format!("{} counted", coached.reps),
        ));
    }
    if let Some(clean) = &exp.clean {
        for rule in &clean.rules {
            let hits: Vec<String> = coached
                .warnings
                .iter()
                .filter(|(r, s, e)| {
                    r == rule && clean.during.iter().any(|[a, b]| *s <= *b && *e >= *a)
                })
                .map(|(_, s, e)| format!("{s:.1}-{e:.1} s"))
                .collect();
            out.push(check(
                format!("no `{rule}` while {}", intervals(&clean.during)),
                hits.is_empty(),
                if hits.is_empty() {
                    "quiet".to_owned()
                } else {
                    format!("warned {}", hits.join(", "))
                },
            ));
        }
    }
    if let Some(fault) = &exp.fault {
        for at in &fault.at {
            let hit = coached
                .warnings
                .iter()
                .filter(|(r, _, _)| *r == fault.rule)
                .map(|(_, s, _)| *s)
                .find(|s| (s - at).abs() <= FAULT_WINDOW_S);
            let all: Vec<String> = coached
                .warnings
                .iter()
                .filter(|(r, _, _)| *r == fault.rule)
                .map(|(_, s, _)| format!("{s:.1}"))
                .collect();
            out.push(check(
                format!("`{}` within {FAULT_WINDOW_S} s of {at:.1} s", fault.rule),
                hit.is_some(),
                if all.is_empty() {
                    "never warned".to_owned()
                } else {
                    format!("warned at {} s", all.join(", "))
                },
            ));
        }
    }
    if exp.exercise.is_some() {
        let wanted = exp.in_position.clone().unwrap_or_default();
        let (agree, total) = position_agreement(&coached.in_position, &wanted);
        let share = if total > 0 {
            f64::from(agree) / f64::from(total)
        } else {
            1.0
        };
        out.push(check(
            format!(
                "in position {} (agreement >= {:.0} %)",
                if wanted.is_empty() {
                    "never".to_owned()
                } else {
                    intervals(&wanted)
                },
                MIN_POSITION_AGREEMENT * 100.0
            ),
            share >= MIN_POSITION_AGREEMENT,
            format!("{:.0} % of {total} frames agree", share * 100.0),
        ));
    }
    out
}

/// Frames agreeing with the labelled intervals, and frames judged (those
/// farther than [`BOUNDARY_SLACK_S`] from every boundary).
fn position_agreement(frames: &[(f64, bool)], wanted: &[[f64; 2]]) -> (u32, u32) {
    let mut agree = 0;
    let mut total = 0;
    for &(t, coach_says) in frames {
        let near_boundary = wanted
            .iter()
            .any(|[a, b]| (t - a).abs() < BOUNDARY_SLACK_S || (t - b).abs() < BOUNDARY_SLACK_S);
        if near_boundary {
            continue;
        }
        let labelled = wanted.iter().any(|[a, b]| (*a..=*b).contains(&t));
        total += 1;
        if labelled == coach_says {
            agree += 1;
        }
    }
    (agree, total)
}

/// The tracking check: one person followed throughout, never a jump to
/// someone else.
#[must_use]
pub fn judge_tracking(clip: &str, frames: &[PoseFrame]) -> Check {
    let mut worst: f32 = 0.0;
    let mut worst_t = 0.0;
    let mut missing = 0_usize;
    let mut last: Option<([f32; 2], f32)> = None;
    for f in frames {
        let Some(c) = f.people.first().and_then(torso_centre) else {
            missing += 1;
            continue;
        };
        if let Some((prev, torso)) = last {
            let jump = (c.0[0] - prev[0]).hypot(c.0[1] - prev[1]) / torso.max(1.0);
            if jump > worst {
                worst = jump;
                worst_t = f.t.unwrap_or(0.0);
            }
        }
        last = Some(c);
    }
    Check {
        clip: clip.to_owned(),
        exercise: "pose".to_owned(),
        what: format!(
            "one person tracked: no jump over {MAX_TRACK_JUMP_TORSO} torso between frames"
        ),
        pass: worst <= MAX_TRACK_JUMP_TORSO && missing * 10 < frames.len().max(1),
        detail: format!(
            "largest jump {worst:.2} torso at {worst_t:.1} s; nobody found in {missing} of {} frames",
            frames.len()
        ),
    }
}

/// Mid-shoulder/mid-hip centre and torso length in pixels.
fn torso_centre(p: &crate::pose::Person) -> Option<([f32; 2], f32)> {
    use crate::pose::Joint;
    let get = |j| p.confident(j, 0.3).map(|k| [k.x, k.y]);
    let ls = get(Joint::LeftShoulder)?;
    let rs = get(Joint::RightShoulder)?;
    let lh = get(Joint::LeftHip)?;
    let rh = get(Joint::RightHip)?;
    let mid = |a: [f32; 2], b: [f32; 2]| [f32::midpoint(a[0], b[0]), f32::midpoint(a[1], b[1])];
    let s = mid(ls, rs);
    let h = mid(lh, rh);
    let torso = (s[0] - h[0]).hypot(s[1] - h[1]);
    Some((mid(s, h), torso))
}

fn intervals(iv: &[[f64; 2]]) -> String {
    iv.iter()
        .map(|[a, b]| format!("{a:.1}-{b:.1} s"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every check of one clip, given its poses.
#[must_use]
pub fn judge_clip(catalogue: &Catalogue, clip: &ClipLabels, frames: &[PoseFrame]) -> Vec<Check> {
    let mut out = Vec::new();
    for exp in &clip.expect {
        if exp.pose_only {
            out.push(judge_tracking(&clip.clip, frames));
            continue;
        }
        let Some(id) = &exp.exercise else { continue };
        let Some(exercise) = catalogue.get(id) else {
            out.push(Check {
                clip: clip.clip.clone(),
                exercise: id.clone(),
                what: "exercise exists".to_owned(),
                pass: false,
                detail: format!("no exercise `{id}` in the catalogue"),
            });
            continue;
        };
        let coached = coach_clip(exercise, frames);
        out.extend(judge_expectation(&clip.clip, exp, &coached));
    }
    out
}
