//! `formcoach routines` lists the routines; `formcoach analyze --routine`
//! coaches one recording per step through the same path as `analyze`.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Context as _;
use clap::Args;
use serde_json::json;

use super::Outcome;
use super::analyze::{AnalyzeArgs, analyze_input};
use super::exercises::load_catalogue;
use crate::coach::Catalogue;
use crate::mobility::Meter;
use crate::routine::{RoutineReport, Routines, minutes_text};

/// Arguments of `formcoach routines`.
#[derive(Debug, Args)]
pub struct RoutinesArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Loads the routines, reporting user files that failed on stderr.
fn load_routines(catalogue: &Catalogue) -> Routines {
    let (routines, errors) = Routines::load(catalogue, None);
    for e in &errors {
        eprintln!("formcoach: skipped a routine file: {e}");
    }
    routines
}

pub(super) fn run(args: &RoutinesArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let catalogue = load_catalogue();
    let routines = load_routines(&catalogue);
    if args.json {
        let list: Vec<_> = routines
            .iter()
            .map(|r| {
                let steps: Vec<_> = r
                    .steps
                    .iter()
                    .map(|s| {
                        json!({
                            "exercise": s.exercise,
                            "side": s.side,
                            "per_side": s.per_side,
                            "reps": s.reps,
                            "holds": s.holds,
                            "hold_s": s.hold_s,
                            "sets": s.sets,
                            "rest_s": s.rest_s,
                            "switch_s": s.switch_s,
                            "note": s.note,
                            "dose": s.dose_text(),
                            "measure": s.measure,
                        })
                    })
                    .collect();
                json!({
                    "id": r.id,
                    "name": r.name,
                    "description": r.description,
                    "estimated_s": r.estimated_s().round(),
                    "source": r.source,
                    "steps": steps,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(Outcome::Success);
    }
    let mut text = String::new();
    for r in routines.iter() {
        let _ = writeln!(
            text,
            "{}  ({}), about {} min\n  {}",
            r.id,
            r.name,
            minutes_text(r.estimated_s()),
            r.description
        );
        for (i, s) in r.steps.iter().enumerate() {
            let _ = writeln!(text, "    {}. {}", i + 1, s.line());
        }
    }
    let _ = write!(text, "{} routines", routines.len());
    writeln!(out, "{text}")?;
    Ok(Outcome::Success)
}

/// `analyze --routine ID INPUT...`: each input coached as its step's
/// exercise with the step's dose, then one routine summary.
pub(super) fn analyze_routine(args: &AnalyzeArgs, routine_id: &str) -> anyhow::Result<Outcome> {
    let catalogue = load_catalogue();
    let routines = load_routines(&catalogue);
    let Some(routine) = routines.get(routine_id) else {
        let ids: Vec<&str> = routines.iter().map(|r| r.id.as_str()).collect();
        anyhow::bail!(
            "unknown routine `{routine_id}`; choose one of: {}",
            ids.join(", ")
        );
    };
    if args.inputs.len() != routine.steps.len() {
        let steps: Vec<String> = routine
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {}", i + 1, s.exercise))
            .collect();
        anyhow::bail!(
            "routine `{}` has {} steps ({}) but {} input(s) were given; give one recording per step, in order",
            routine.id,
            routine.steps.len(),
            steps.join(", "),
            args.inputs.len()
        );
    }
    let mut reports = Vec::with_capacity(routine.steps.len());
    let mut figures = Vec::with_capacity(routine.steps.len());
    let mut partial = false;
    for (i, (step, input)) in routine.steps.iter().zip(&args.inputs).enumerate() {
        let exercise = catalogue.get(&step.exercise).with_context(|| {
            format!(
                "step {}: exercise `{}` is no longer in the catalogue",
                i + 1,
                step.exercise
            )
        })?;
        let mut meter = step.measure.map(Meter::new);
        let mut tap = |pose: &crate::pose::PoseFrame| {
            if let Some(m) = &mut meter {
                m.push(pose);
            }
        };
        let (report, broke) = analyze_input(args, &step.exercise_for(exercise), input, &mut tap)
            .with_context(|| format!("step {} ({})", i + 1, step.exercise))?;
        partial |= broke;
        reports.push(report);
        figures.push(meter.map(|m| m.figure()));
    }
    let report = RoutineReport::new(routine, reports).with_figures(figures);
    writeln!(std::io::stdout().lock(), "{}", report.summary_text())?;
    if let Some(path) = &args.out {
        std::fs::write(path, report.to_json()?)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    Ok(if partial {
        Outcome::PartialFailure
    } else {
        Outcome::Success
    })
}
