//! `formcoach history`: the sessions the window kept, from the command line
//! (the same store and summaries the history screen shows).

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Outcome;
use crate::calendar::Frequency;
use crate::store::{Store, StoreError, default_db_path};

/// What to do with the history.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// One line per session, newest first, then the days with a session this
    /// week and this month (or JSON with `--json`).
    List(ListArgs),
    /// Write every session with its summary and timeline to a file (`-` for
    /// standard output), or with `--mobility` the mobility checks' figures.
    /// Pictures of warnings stay on this computer.
    Export(ExportArgs),
}

/// `history list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `history export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write; `-` is standard output.
    pub file: PathBuf,
    /// CSV (one row per session, with its summary) instead of JSON.
    #[arg(long)]
    pub csv: bool,
    /// The mobility checks' figures instead of the sessions (CSV: one row
    /// per figure).
    #[arg(long)]
    pub mobility: bool,
}

/// Opens the history read-only: listing and exporting never change it, and a
/// file another formcoach is writing stays untouched.
fn open() -> anyhow::Result<Store> {
    let path = default_db_path()?;
    if !path.exists() {
        anyhow::bail!(
            "no history yet at {} (sessions coached in the window are kept there)",
            path.display()
        );
    }
    match Store::open_read_only(&path) {
        Err(StoreError::Empty { .. }) => anyhow::bail!(
            "no history yet at {} (the file is empty; sessions coached in the window are kept there)",
            path.display()
        ),
        other => Ok(other?),
    }
}

/// Names the rows that were skipped because they could not be read, so a
/// listing that leaves something out says so.
fn report_skipped(store: &Store) {
    for why in store.skipped_rows() {
        eprintln!("formcoach: warning: {why}");
    }
}

/// Runs a history command.
pub fn run(cmd: &HistoryCommand) -> anyhow::Result<Outcome> {
    let store = open()?;
    let outcome = run_on(&store, cmd);
    report_skipped(&store);
    outcome
}

fn run_on(store: &Store, cmd: &HistoryCommand) -> anyhow::Result<Outcome> {
    match cmd {
        HistoryCommand::List(args) => {
            let sessions = store.sessions()?;
            let mut out = std::io::stdout().lock();
            if args.json {
                serde_json::to_writer_pretty(&mut out, &sessions)?;
                writeln!(out)?;
                return Ok(Outcome::Success);
            }
            for s in &sessions {
                let good = s
                    .summary
                    .good_form_ratio()
                    .map_or_else(|| "-".to_owned(), |r| format!("{:.0}%", r * 100.0));
                writeln!(
                    out,
                    "{:>5}  {}  {:<30} {:>6.0} s  good form {:>4}  reps {}/{}  {:?}",
                    s.id,
                    s.meta.started_text(),
                    s.meta.exercise_name,
                    s.summary.duration_s,
                    good,
                    s.summary.left.reps,
                    s.summary.right.reps,
                    s.status,
                )?;
            }
            // The same counts the history screen shows above its trends.
            let days = Frequency::local_now(sessions.iter().map(|s| s.meta.started_unix_s));
            writeln!(out, "Days with a session: {}.", days.sentence())?;
            Ok(Outcome::Success)
        }
        HistoryCommand::Export(args) => {
            if args.file.as_os_str() == "-" {
                let out = std::io::stdout().lock();
                match (args.mobility, args.csv) {
                    (false, true) => store.export_csv(out)?,
                    (false, false) => store.export_json(out)?,
                    (true, true) => store.export_mobility_csv(out)?,
                    (true, false) => store.export_mobility_json(out)?,
                }
            } else {
                if args.mobility {
                    store.export_mobility_file(&args.file, !args.csv)?;
                } else {
                    store.export_file(&args.file, !args.csv)?;
                }
                eprintln!("formcoach: wrote {}", args.file.display());
            }
            Ok(Outcome::Success)
        }
    }
}
