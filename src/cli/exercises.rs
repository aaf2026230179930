//! `formcoach exercises`: the catalogue with each exercise's rules.

use std::fmt::Write as _;
use std::io::Write as _;

use clap::Args;
use serde_json::json;

use super::Outcome;
use crate::coach::{Catalogue, Exercise};

/// Arguments of `formcoach exercises`.
#[derive(Debug, Args)]
pub struct ExercisesArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Loads the catalogue, reporting user files that failed on stderr.
pub(super) fn load_catalogue() -> Catalogue {
    let (catalogue, errors) = Catalogue::load(None);
    for e in &errors {
        eprintln!("formcoach: skipped an exercise file: {e}");
    }
    catalogue
}

fn dose_text(ex: &Exercise) -> String {
    let d = &ex.dose;
    let mut parts = Vec::new();
    if d.reps > 0 {
        parts.push(format!("{} reps", d.reps));
    }
    if d.holds > 0 {
        parts.push(format!("{} x {:.0} s hold", d.holds, d.hold_s));
    } else if d.hold_s > 0.0 {
        parts.push(format!("{:.0} s pause", d.hold_s));
    }
    if d.sets > 1 {
        parts.push(format!("{} sets", d.sets));
    }
    if d.per_side {
        parts.push("per side".to_owned());
    }
    parts.join(", ")
}

pub(super) fn run(args: &ExercisesArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let catalogue = load_catalogue();
    if args.json {
        let list: Vec<_> = catalogue
            .iter()
            .map(|ex| {
                json!({
                    "id": ex.id,
                    "name": ex.name,
                    "position": ex.position,
                    "view": ex.view,
                    "instructions": ex.instructions,
                    "dose": ex.dose,
                    "source": ex.source,
                    "reads_spine": ex.reads_spine(),
                    "rules": ex.rules.iter().map(|r| json!({
                        "id": r.id,
                        "kind": r.kind.name(),
                        "priority": r.priority,
                        "min_score": r.min_score,
                        "cue": r.cue,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(Outcome::Success);
    }
    let mut text = String::new();
    for ex in catalogue.iter() {
        let _ = writeln!(
            text,
            "{}  ({})\n  {:?}, {:?} view; {}{}",
            ex.id,
            ex.name,
            ex.position,
            ex.view,
            dose_text(ex),
            if ex.reads_spine() {
                "; reads the back's curve (pose with the mask graph)"
            } else {
                ""
            }
        );
        for r in &ex.rules {
            let _ = writeln!(text, "    {:26} {:20} {}", r.id, r.kind.name(), r.cue);
        }
    }
    let _ = write!(text, "{} exercises", catalogue.len());
    writeln!(out, "{text}")?;
    Ok(Outcome::Success)
}
