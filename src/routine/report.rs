//! A played routine's report: one session report per step, the same report
//! a single exercise gives, with a summary row per step on top.

use std::fmt::Write as _;

use serde::Serialize;

use crate::coach::{Dose, Side};
use crate::mobility::{Figure, limits_text, norm_text};
use crate::session::Report;

use super::model::{Routine, StepSide};

/// One step as it was played.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Position in the routine, from 1.
    pub index: usize,
    /// Catalogue id of the step's exercise.
    pub exercise: String,
    /// The side the step worked.
    pub side: StepSide,
    /// The dose the step asked for.
    pub dose: Dose,
    /// The dose in words.
    pub dose_text: String,
    /// The step's session report, exactly as `analyze` gives for one clip.
    pub report: Report,
    /// The mobility figure read from the step's frames, for a measured step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure: Option<Figure>,
}

/// A played routine.
#[derive(Debug, Clone, Serialize)]
pub struct RoutineReport {
    /// Routine id.
    pub routine: String,
    /// Routine name.
    pub name: String,
    /// One entry per step, in order.
    pub steps: Vec<StepReport>,
}

impl RoutineReport {
    /// Pairs each step of `routine` with its session report, in order.
    /// `reports` must hold one report per step; extra ones are ignored.
    #[must_use]
    pub fn new(routine: &Routine, reports: Vec<Report>) -> RoutineReport {
        let steps = routine
            .steps
            .iter()
            .zip(reports)
            .enumerate()
            .map(|(i, (step, report))| StepReport {
                index: i + 1,
                exercise: step.exercise.clone(),
                side: step.side,
                dose: step.dose(),
                dose_text: step.dose_text(),
                report,
                figure: None,
            })
            .collect();
        RoutineReport {
            routine: routine.id.clone(),
            name: routine.name.clone(),
            steps,
        }
    }

    /// Attaches the mobility figures, one slot per step in order (a step
    /// that measures nothing has `None`).
    #[must_use]
    pub fn with_figures(mut self, figures: Vec<Option<Figure>>) -> RoutineReport {
        for (step, figure) in self.steps.iter_mut().zip(figures) {
            step.figure = figure;
        }
        self
    }

    /// The mobility figures, in step order.
    #[must_use]
    pub fn figures(&self) -> Vec<&Figure> {
        self.steps
            .iter()
            .filter_map(|s| s.figure.as_ref())
            .collect()
    }

    /// The readable summary: one row per step, then each step's own summary.
    #[must_use]
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        let total_s: f64 = self.steps.iter().map(|st| st.report.duration_s).sum();
        let _ = writeln!(
            s,
            "Routine {} ({}): {} steps, {:.1} s coached",
            self.name,
            self.routine,
            self.steps.len(),
            total_s
        );
        let _ = writeln!(
            s,
            "{:>2}  {:30} {:24} {:18} {:>9} {:>8}",
            "#", "exercise", "asked", "done", "good form", "warnings"
        );
        for st in &self.steps {
            let warnings: u32 = st.report.warnings_by_rule.values().map(|w| w.count).sum();
            let _ = writeln!(
                s,
                "{:>2}  {:30} {:24} {:18} {:>8.0}% {:>8}",
                st.index,
                clip(&st.report.name, 30),
                clip(&st.dose_text, 24),
                done_text(st),
                st.report.good_form_ratio * 100.0,
                warnings
            );
        }
        let figures = self.figures();
        if !figures.is_empty() {
            let _ = writeln!(s, "\nMobility check");
            for f in &figures {
                let _ = writeln!(s, "  {}", f.line());
                let _ = writeln!(s, "    {}", norm_text(f));
            }
            let _ = writeln!(s, "  {}", limits_text());
        }
        for st in &self.steps {
            let _ = write!(s, "\nStep {}: {}", st.index, st.report.summary_text());
        }
        s
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

/// What was done against the step's dose: reps per side or in all, and
/// holds that reached their target.
fn done_text(st: &StepReport) -> String {
    let step_sides = |side: Option<Side>| match st.side {
        StepSide::Both => true,
        StepSide::Left => side == Some(Side::Left),
        StepSide::Right => side == Some(Side::Right),
    };
    let mut parts = Vec::new();
    let d = &st.dose;
    if d.reps > 0 {
        let r = &st.report.reps;
        let aim = d.reps * d.sets;
        parts.push(match st.side {
            StepSide::Both if d.per_side => format!("L {} R {} /{aim} reps", r.left, r.right),
            StepSide::Both => format!("{}/{aim} reps", r.total),
            StepSide::Left => format!("{}/{aim} reps", r.left),
            StepSide::Right => format!("{}/{aim} reps", r.right),
        });
    }
    if d.holds > 0 {
        let full = st
            .report
            .holds
            .iter()
            .filter(|h| step_sides(h.side) && h.held_s + 0.05 >= h.target_s)
            .count();
        let sides = if d.per_side { 2 } else { 1 };
        parts.push(format!("{full}/{} holds", d.holds * d.sets * sides));
    }
    parts.join(", ")
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
