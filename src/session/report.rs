//! The session report: what the person did, how well, and where form slipped.
//! Serialised as JSON for storage and for the evaluation of the coach.

use super::spine::SpineRanges;
use super::summary::Highlights;
use super::timeline::{HoldRecord, WarningRecord};
use crate::coach::{Event, RepCounts, Side};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Reps per side with the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepSummary {
    /// Left side.
    pub left: u32,
    /// Right side.
    pub right: u32,
    /// Exercises without sides.
    pub both: u32,
    /// All reps.
    pub total: u32,
}

impl From<RepCounts> for RepSummary {
    fn from(r: RepCounts) -> Self {
        RepSummary {
            left: r.left,
            right: r.right,
            both: r.both,
            total: r.total(),
        }
    }
}

/// Warnings of one rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleWarnings {
    /// How many.
    pub count: u32,
    /// Seconds they were up in total.
    pub total_s: f64,
    /// When each started.
    pub times_s: Vec<f64>,
}

/// Range of motion reached for one progress rule and side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RomRecord {
    /// Progress rule id.
    pub rule: String,
    /// Side.
    pub side: Option<Side>,
    /// The furthest value reached in the movement's direction.
    pub peak: f32,
    /// `deg` or `torso`.
    pub unit: String,
    /// Whether `peak` is measured from the start position.
    pub relative_to_baseline: bool,
}

/// Left against right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asymmetry {
    /// Left reps minus right reps.
    pub reps_diff: i64,
    /// Left hold seconds minus right hold seconds.
    pub held_diff_s: f64,
    /// Left peak minus right peak (first progress rule with both sides), in its unit.
    pub rom_diff: Option<f32>,
}

/// Everything a finished session produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Exercise id.
    pub exercise: String,
    /// Display name.
    pub name: String,
    /// First to last frame, seconds.
    pub duration_s: f64,
    /// Frames seen.
    pub frames: u64,
    /// Reps per side.
    pub reps: RepSummary,
    /// Reps the dose asks for (per side when sided).
    pub target_reps: u32,
    /// Holds, in order.
    pub holds: Vec<HoldRecord>,
    /// Seconds spent holding with no warning up.
    pub hold_in_form_s: f64,
    /// Share of observable exercising time (after setup) with no warning up.
    pub good_form_ratio: f64,
    /// Seconds after setup.
    pub active_s: f64,
    /// Seconds the required joints were not seen.
    pub unobservable_s: f64,
    /// Seconds each rule could not see its joints (after setup).
    pub rule_unseen_s: BTreeMap<String, f64>,
    /// Warnings, in order.
    pub warnings: Vec<WarningRecord>,
    /// Warnings grouped by rule.
    pub warnings_by_rule: BTreeMap<String, RuleWarnings>,
    /// Range of motion per side.
    pub rom: Vec<RomRecord>,
    /// Left against right (sided exercises).
    pub asymmetry: Option<Asymmetry>,
    /// Every coach event.
    pub timeline: Vec<Event>,
    /// Notes about the input (skipped frames and such).
    pub notes: Vec<String>,
    /// What went well and what to work on: the sentences the window's
    /// summary shows for the same frames.
    #[serde(default)]
    pub highlights: Highlights,
    /// The back's curve per rep, when the frames carried one (side views
    /// with BlazePose's mask); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spine: Option<SpineRanges>,
}

fn side_word(side: Option<Side>) -> &'static str {
    match side {
        Some(Side::Left) => "left",
        Some(Side::Right) => "right",
        None => "",
    }
}

impl Report {
    /// The readable summary `formcoach analyze` prints.
    #[must_use]
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} ({}): {:.1} s, {} frames",
            self.name, self.exercise, self.duration_s, self.frames
        );
        if self.reps.left + self.reps.right > 0 {
            let _ = writeln!(
                s,
                "Reps: left {}, right {} (aim: {} per side)",
                self.reps.left, self.reps.right, self.target_reps
            );
        } else if self.target_reps > 0 || self.reps.total > 0 {
            let _ = writeln!(s, "Reps: {} (aim: {})", self.reps.total, self.target_reps);
        }
        for h in &self.holds {
            let side = side_word(h.side);
            let _ = writeln!(
                s,
                "Hold {side}{}at {:.1} s: {:.1} of {:.0} s, {:.1} s in good form",
                if side.is_empty() { "" } else { " " },
                h.start_s,
                h.held_s,
                h.target_s,
                h.in_form_s
            );
        }
        let _ = writeln!(
            s,
            "Good form: {:.0}% of the exercising time",
            self.good_form_ratio * 100.0
        );
        if self.unobservable_s > 0.05 {
            let _ = writeln!(s, "Out of view: {:.1} s", self.unobservable_s);
        }
        if self.warnings_by_rule.is_empty() {
            let _ = writeln!(s, "No form warnings.");
        }
        for (rule, w) in &self.warnings_by_rule {
            let times: Vec<String> = w.times_s.iter().map(|t| format!("{t:.1}")).collect();
            let _ = writeln!(
                s,
                "Warning {rule}: {} time(s), {:.1} s in total, at {} s",
                w.count,
                w.total_s,
                times.join(", ")
            );
        }
        for r in &self.rom {
            let side = side_word(r.side);
            let rel = if r.relative_to_baseline {
                " from the start position"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "Range {}{}{}: {:.1} {}{rel}",
                r.rule,
                if side.is_empty() { "" } else { " " },
                side,
                r.peak,
                r.unit
            );
        }
        if let Some(a) = &self.asymmetry {
            let rom = a
                .rom_diff
                .map(|d| format!(", range left-right {d:+.1}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "Left vs right: reps {:+}, hold {:+.1} s{rom}",
                a.reps_diff, a.held_diff_s
            );
        }
        if let Some(spine) = &self.spine {
            let _ = writeln!(
                s,
                "Back's curve per rep (positive rounded, negative arched):"
            );
            for line in spine.lines() {
                let _ = writeln!(s, "  {line}");
            }
        }
        for (title, lines) in self.highlights.sections() {
            if !lines.is_empty() {
                let _ = writeln!(s, "{title}:");
                for line in lines {
                    let _ = writeln!(s, "  - {line}");
                }
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "Note: {n}");
        }
        s
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}
