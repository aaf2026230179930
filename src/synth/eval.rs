//! `formcoach eval`: runs every labelled track through the same session
//! pipeline the app uses and scores each rule against the labels.
//!
//! Matching, per track and rule: a warning that overlaps a labelled fault
//! interval of the same rule (and side, when both are sided) is a true
//! positive; a warning that overlaps none is a false positive; a labelled
//! fault that no warning overlaps is a miss. Overlap allows [`EARLY_S`]
//! before the label (the label's start is computed from a linear ramp, the
//! real crossing can come a little sooner) and [`GRACE_S`] after it (the
//! coach's dwell, smoothing and hysteresis).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::coach::{Catalogue, Side as CoachSide};
use crate::pose::PoseFrame;
use crate::session::Report;

use super::{FaultLabel, Labels};

/// Seconds a warning may start before a labelled fault and still count for it.
pub const EARLY_S: f64 = 0.5;
/// Seconds after a labelled fault ends during which a warning still counts for it.
pub const GRACE_S: f64 = 1.0;

/// Target: F1 at least this for every rule.
pub const TARGET_F1: f64 = 0.95;
/// Target: false warnings per minute of clean movement, at most.
pub const TARGET_FALSE_PER_MIN: f64 = 0.2;
/// Target: median delay from fault start to warning, seconds, at most.
pub const TARGET_MEDIAN_DELAY_S: f64 = 0.3;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A folder or file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line of a track or a labels file is not valid JSON of the right shape.
    #[error("{path} line {line}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line (1 for a labels file).
        line: usize,
        /// Why.
        source: serde_json::Error,
    },
    /// Labels name an exercise the catalogue does not have.
    #[error("{path}: unknown exercise {id:?}; is the catalogue complete?")]
    UnknownExercise {
        /// The labels file.
        path: PathBuf,
        /// The exercise id.
        id: String,
    },
    /// No labelled tracks under the folder.
    #[error(
        "no <case>.labels.json files under {0}; generate them with `formcoach synth --out {0}`"
    )]
    Empty(PathBuf),
}

/// The scores of one rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleRow {
    /// Exercise id.
    pub exercise: String,
    /// Rule id.
    pub rule: String,
    /// Labelled (non-optional) faults.
    pub faults: usize,
    /// Labelled faults that got a warning.
    pub detected: usize,
    /// Warnings on all tracks.
    pub warnings: usize,
    /// Warnings that matched a labelled fault.
    pub true_warnings: usize,
    /// Warnings on clean tracks.
    pub clean_warnings: usize,
    /// Minutes of clean tracks of this exercise.
    pub clean_min: f64,
    /// Seconds from each detected fault's start to its first warning.
    pub delays_s: Vec<f64>,
}

impl RuleRow {
    /// Matched warnings over all warnings (1 when there were none).
    #[must_use]
    pub fn precision(&self) -> f64 {
        if self.warnings == 0 {
            1.0
        } else {
            self.true_warnings as f64 / self.warnings as f64
        }
    }

    /// Detected faults over labelled faults (1 when none were labelled).
    #[must_use]
    pub fn recall(&self) -> f64 {
        if self.faults == 0 {
            1.0
        } else {
            self.detected as f64 / self.faults as f64
        }
    }

    /// Harmonic mean of precision and recall.
    #[must_use]
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// False warnings per minute of clean movement.
    #[must_use]
    pub fn false_per_min(&self) -> f64 {
        if self.clean_min > 0.0 {
            self.clean_warnings as f64 / self.clean_min
        } else {
            0.0
        }
    }

    /// Median delay, seconds.
    #[must_use]
    pub fn median_delay_s(&self) -> Option<f64> {
        crate::stats::nearest_rank(&self.delays_s, 0.5)
    }

    /// 90th percentile delay, seconds.
    #[must_use]
    pub fn p90_delay_s(&self) -> Option<f64> {
        crate::stats::nearest_rank(&self.delays_s, 0.9)
    }

    /// Which targets this rule misses, in words (empty when it meets all).
    #[must_use]
    pub fn misses(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.faults > 0 && self.f1() < TARGET_F1 {
            out.push(format!(
                "F1 {:.2} < {TARGET_F1} ({} of {} faults caught, {} of {} warnings right)",
                self.f1(),
                self.detected,
                self.faults,
                self.true_warnings,
                self.warnings
            ));
        }
        if self.false_per_min() > TARGET_FALSE_PER_MIN {
            out.push(format!(
                "{:.2} false warnings/min on clean movement > {TARGET_FALSE_PER_MIN}",
                self.false_per_min()
            ));
        }
        if let Some(d) = self.median_delay_s().filter(|d| *d > TARGET_MEDIAN_DELAY_S) {
            out.push(format!(
                "median delay {:.0} ms > {:.0} ms",
                d * 1000.0,
                TARGET_MEDIAN_DELAY_S * 1000.0
            ));
        }
        out
    }
}

/// Reps counted against reps done, per exercise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepRow {
    /// Exercise id.
    pub exercise: String,
    /// Tracks.
    pub tracks: usize,
    /// Reps or holds done (from the labels).
    pub expected: usize,
    /// Reps or holds the coach counted.
    pub counted: usize,
    /// Tracks where the count matched exactly.
    pub exact_tracks: usize,
}

/// A rule missing a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// `exercise/rule`.
    pub rule: String,
    /// What it misses.
    pub reasons: Vec<String>,
}

/// The evaluation over a folder of labelled tracks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalTable {
    /// One row per rule, ordered by exercise then rule.
    pub rows: Vec<RuleRow>,
    /// Rep and hold counting per exercise.
    pub reps: Vec<RepRow>,
    /// Tracks evaluated.
    pub tracks: usize,
    /// Minutes of clean tracks.
    pub clean_min: f64,
    /// Minutes of all tracks.
    pub total_min: f64,
}

impl EvalTable {
    /// Rules that miss a target, with why.
    #[must_use]
    pub fn meets_targets(&self) -> Vec<Miss> {
        self.rows
            .iter()
            .filter_map(|r| {
                let reasons = r.misses();
                (!reasons.is_empty()).then(|| Miss {
                    rule: format!("{}/{}", r.exercise, r.rule),
                    reasons,
                })
            })
            .collect()
    }

    /// The aligned table `formcoach eval` prints.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} tracks, {:.1} min ({:.1} min clean). Targets: F1 >= {TARGET_F1}, <= {TARGET_FALSE_PER_MIN} false warnings/min clean, median delay <= {:.0} ms.",
            self.tracks,
            self.total_min,
            self.clean_min,
            TARGET_MEDIAN_DELAY_S * 1000.0
        );
        let width = self
            .rows
            .iter()
            .map(|r| r.exercise.len() + r.rule.len() + 1)
            .max()
            .unwrap_or(10)
            .max(10);
        let _ = writeln!(
            s,
            "{:<width$}  {:>6} {:>5} {:>4} {:>4}  {:>5} {:>5} {:>5}  {:>8}  {:>7} {:>7}  verdict",
            "rule", "faults", "warn", "TP", "FP", "P", "R", "F1", "FW/min", "med ms", "p90 ms"
        );
        for r in &self.rows {
            let ms =
                |d: Option<f64>| d.map_or_else(|| "-".to_owned(), |d| format!("{:.0}", d * 1000.0));
            let verdict = if r.misses().is_empty() { "ok" } else { "MISS" };
            let _ = writeln!(
                s,
                "{:<width$}  {:>6} {:>5} {:>4} {:>4}  {:>5.2} {:>5.2} {:>5.2}  {:>8.2}  {:>7} {:>7}  {verdict}",
                format!("{}/{}", r.exercise, r.rule),
                r.faults,
                r.warnings,
                r.true_warnings,
                r.warnings - r.true_warnings,
                r.precision(),
                r.recall(),
                r.f1(),
                r.false_per_min(),
                ms(r.median_delay_s()),
                ms(r.p90_delay_s()),
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<30} {:>6} {:>8} {:>8} {:>6}",
            "reps/holds", "tracks", "done", "counted", "exact"
        );
        for r in &self.reps {
            let _ = writeln!(
                s,
                "{:<30} {:>6} {:>8} {:>8} {:>6}",
                r.exercise, r.tracks, r.expected, r.counted, r.exact_tracks
            );
        }
        let misses = self.meets_targets();
        let _ = writeln!(s);
        if misses.is_empty() {
            let _ = writeln!(s, "Every rule meets its targets.");
        } else {
            let _ = writeln!(s, "{} rule(s) miss a target:", misses.len());
            for m in misses {
                let _ = writeln!(s, "  {}: {}", m.rule, m.reasons.join("; "));
            }
        }
        s
    }
}

fn side_name(side: Option<CoachSide>) -> Option<&'static str> {
    side.map(|s| match s {
        CoachSide::Left => "left",
        CoachSide::Right => "right",
    })
}

/// Reads every `<case>.labels.json` under `dir` (one level of exercise
/// folders, or the folder itself) with its `.jsonl`.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, Labels, Vec<PoseFrame>)>, EvalError> {
    let read_dir = |d: &Path| -> Result<Vec<PathBuf>, EvalError> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|source| EvalError::Read {
                path: d.to_owned(),
                source,
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        v.sort();
        Ok(v)
    };
    let mut label_files = Vec::new();
    for p in read_dir(dir)? {
        if p.is_dir() {
            label_files.extend(read_dir(&p)?.into_iter().filter(|f| is_labels(f)));
        } else if is_labels(&p) {
            label_files.push(p);
        }
    }
    let mut out = Vec::new();
    for lf in label_files {
        let text = std::fs::read_to_string(&lf).map_err(|source| EvalError::Read {
            path: lf.clone(),
            source,
        })?;
        let labels: Labels = serde_json::from_str(&text).map_err(|source| EvalError::Parse {
            path: lf.clone(),
            line: 1,
            source,
        })?;
        let name = lf.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        // The committed set is gzipped; a plain `.jsonl` next to the labels wins.
        let plain = lf.with_file_name(name.replace(".labels.json", ".jsonl"));
        let gz = lf.with_file_name(name.replace(".labels.json", ".jsonl.gz"));
        let track = if !plain.exists() && gz.exists() {
            gz
        } else {
            plain
        };
        let body = read_text(&track).map_err(|source| EvalError::Read {
            path: track.clone(),
            source,
        })?;
        let mut frames = Vec::new();
        for (i, line) in body
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            frames.push(
                serde_json::from_str(line).map_err(|source| EvalError::Parse {
                    path: track.clone(),
                    line: i + 1,
                    source,
                })?,
            );
        }
        out.push((track, labels, frames));
    }
    Ok(out)
}

/// A text file, gunzipped when its name ends in `.gz`.
fn read_text(path: &Path) -> std::io::Result<String> {
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(path)?),
            &mut text,
        )?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
    }
}

fn is_labels(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".labels.json"))
}

/// Runs every labelled track under `dir` through the coach and scores it.
pub fn evaluate(dir: &Path) -> Result<EvalTable, EvalError> {
    let tracks = load_dir(dir)?;
    if tracks.is_empty() {
        return Err(EvalError::Empty(dir.to_owned()));
    }
    let (catalogue, _errors) = Catalogue::load(None);
    let mut runs = Vec::with_capacity(tracks.len());
    for (path, labels, frames) in tracks {
        let exercise =
            catalogue
                .get(&labels.exercise)
                .ok_or_else(|| EvalError::UnknownExercise {
                    path: path.clone(),
                    id: labels.exercise.clone(),
                })?;
        let duration_s = frames.last().and_then(|f| f.t).unwrap_or(0.0);
        let report = crate::session::analyze_track(exercise, frames);
        let warning_rules = exercise
            .rules
            .iter()
            .filter(|r| r.kind.progress().is_none())
            .map(|r| r.id.clone())
            .collect::<Vec<_>>();
        runs.push(Run {
            labels,
            report,
            duration_s,
            warning_rules,
        });
    }
    Ok(score(&runs))
}

/// One track's labels and what the coach said about it.
#[derive(Debug, Clone)]
pub struct Run {
    /// Labels.
    pub labels: Labels,
    /// The coach's report.
    pub report: Report,
    /// Track length, seconds.
    pub duration_s: f64,
    /// The exercise's form (warning) rule ids.
    pub warning_rules: Vec<String>,
}

fn overlaps(w_start: f64, w_end: f64, l: &FaultLabel) -> bool {
    w_start <= l.end_s + GRACE_S && w_end >= l.start_s - EARLY_S
}

fn same_side(label: Option<&str>, warning: Option<&str>) -> bool {
    match (label, warning) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Scores runs: the matching described at the top of this file.
#[must_use]
pub fn score(runs: &[Run]) -> EvalTable {
    let mut rows: BTreeMap<(String, String), RuleRow> = BTreeMap::new();
    let mut reps: BTreeMap<String, RepRow> = BTreeMap::new();
    let mut clean_min_by_ex: BTreeMap<String, f64> = BTreeMap::new();
    let mut table = EvalTable::default();
    for run in runs {
        let ex = &run.labels.exercise;
        let minutes = run.duration_s / 60.0;
        table.tracks += 1;
        table.total_min += minutes;
        if run.labels.clean {
            table.clean_min += minutes;
            *clean_min_by_ex.entry(ex.clone()).or_insert(0.0) += minutes;
        }
        for rule in &run.warning_rules {
            rows.entry((ex.clone(), rule.clone()))
                .or_insert_with(|| RuleRow {
                    exercise: ex.clone(),
                    rule: rule.clone(),
                    ..RuleRow::default()
                });
        }
        let mut first_warning: Vec<Option<f64>> = vec![None; run.labels.faults.len()];
        for w in &run.report.warnings {
            let row = rows
                .entry((ex.clone(), w.rule.clone()))
                .or_insert_with(|| RuleRow {
                    exercise: ex.clone(),
                    rule: w.rule.clone(),
                    ..RuleRow::default()
                });
            row.warnings += 1;
            if run.labels.clean {
                row.clean_warnings += 1;
            }
            let end = w.end_s.unwrap_or(run.duration_s);
            let mut matched = false;
            for (i, l) in run.labels.faults.iter().enumerate() {
                if l.rule == w.rule
                    && same_side(l.side.as_deref(), side_name(w.side))
                    && overlaps(w.t_s, end, l)
                {
                    matched = true;
                    let first = first_warning[i].get_or_insert(w.t_s);
                    *first = first.min(w.t_s);
                }
            }
            if matched {
                row.true_warnings += 1;
            }
        }
        for (i, l) in run
            .labels
            .faults
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.optional)
        {
            let row = rows
                .entry((ex.clone(), l.rule.clone()))
                .or_insert_with(|| RuleRow {
                    exercise: ex.clone(),
                    rule: l.rule.clone(),
                    ..RuleRow::default()
                });
            row.faults += 1;
            if let Some(t) = first_warning[i] {
                row.detected += 1;
                // A warning already up as the fault crosses its threshold
                // caught it with no delay.
                row.delays_s.push((t - l.start_s).max(0.0));
            }
        }
        let rep = reps.entry(ex.clone()).or_insert_with(|| RepRow {
            exercise: ex.clone(),
            ..RepRow::default()
        });
        let expected: usize = run.labels.expected_reps.values().sum();
        let counted = counted_reps(&run.report);
        rep.tracks += 1;
        rep.expected += expected;
        rep.counted += counted;
        if expected == counted {
            rep.exact_tracks += 1;
        }
    }
    for row in rows.values_mut() {
        row.clean_min = clean_min_by_ex.get(&row.exercise).copied().unwrap_or(0.0);
    }
    table.rows = rows.into_values().collect();
    table.reps = reps.into_values().collect();
    table
}

/// Reps counted, or holds for hold exercises.
fn counted_reps(report: &Report) -> usize {
    let reps = report.reps.total as usize;
    if reps > 0 { reps } else { report.holds.len() }
}
