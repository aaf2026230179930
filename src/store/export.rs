//! Exporting the history as JSON or CSV, whole or not at all.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::{
    NewSession, Sample, SessionRecord, SessionStatus, SessionTotals, Store, StoreError,
    create_private_file,
};

impl Store {
    /// Writes an export file (JSON or CSV), whole or not at all.
    pub fn export_file(&self, path: &Path, json: bool) -> Result<(), StoreError> {
        write_whole(path, |out| {
            if json {
                self.export_json(out)
            } else {
                self.export_csv(out)
            }
        })
    }

    /// Writes every session with its summary and timeline as one JSON document.
    pub fn export_json(&self, out: impl Write) -> Result<(), StoreError> {
        let all = self
            .sessions()?
            .into_iter()
            .map(|record| {
                let samples = self.samples(record.id)?;
                Ok(Exported { record, samples })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        serde_json::to_writer_pretty(out, &all)?;
        Ok(())
    }
    /// Writes one CSV row per session (for spreadsheets).
    pub fn export_csv(&self, mut out: impl Write) -> Result<(), StoreError> {
        writeln!(
            out,
            "id,exercise_id,exercise_name,started_unix_s,status,duration_s,observable_s,\
             good_form_s,good_form_ratio,reps_left,reps_right,holds_left,holds_right,\
             rom_left,rom_right,rom_unit,warnings"
        )?;
        for s in self.sessions()? {
            let m = &s.summary;
            let opt = |v: Option<f32>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
            writeln!(
                out,
                "{},{},{},{:.0},{},{:.1},{:.1},{:.1},{},{},{},{},{},{},{},{},{}",
                s.id,
                csv_field(&s.meta.exercise_id),
                csv_field(&s.meta.exercise_name),
                s.meta.started_unix_s,
                s.status.as_str(),
                m.duration_s,
                m.observable_s,
                m.good_form_s,
                m.good_form_ratio()
                    .map(|r| format!("{r:.3}"))
                    .unwrap_or_default(),
                m.left.reps,
                m.right.reps,
                m.left.holds,
                m.right.holds,
                opt(m.left.rom),
                opt(m.right.rom),
                csv_field(&s.meta.rom_unit),
                m.warnings.len(),
            )?;
        }
        Ok(())
    }

    /// Writes the mobility checks' figures to a file (JSON or CSV), whole or
    /// not at all. Kept apart from the sessions' export, whose JSON is a list
    /// of sessions that other tools already read.
    pub fn export_mobility_file(&self, path: &Path, json: bool) -> Result<(), StoreError> {
        write_whole(path, |out| {
            if json {
                self.export_mobility_json(out)
            } else {
                self.export_mobility_csv(out)
            }
        })
    }

    /// Writes every mobility check, oldest first, as one JSON list.
    pub fn export_mobility_json(&self, out: impl Write) -> Result<(), StoreError> {
        serde_json::to_writer_pretty(out, &self.mobility_checks()?)?;
        Ok(())
    }

    /// Writes one CSV row per measured figure, oldest check first; a figure
    /// that could not be measured keeps its row, with empty degrees and the
    /// reason.
    pub fn export_mobility_csv(&self, mut out: impl Write) -> Result<(), StoreError> {
        writeln!(
            out,
            "measured_unix_s,routine_run_id,measure,left_deg,right_deg,value_deg,\
             frames_used,frames_seen,note"
        )?;
        let deg = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
        for check in self.mobility_checks()? {
            for f in &check.figures {
                writeln!(
                    out,
                    "{:.0},{},{},{},{},{},{},{},{}",
                    check.measured_unix_s,
                    check
                        .routine_run_id
                        .map(|id| id.to_string())
                        .unwrap_or_default(),
                    f.measure.id(),
                    deg(f.left_deg),
                    deg(f.right_deg),
                    deg(f.value_deg),
                    f.frames_used,
                    f.frames_seen,
                    csv_field(f.note.as_deref().unwrap_or_default()),
                )?;
            }
        }
        Ok(())
    }
}

/// Quotes a CSV field when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// One exported session: its record (with summary) and its timeline.
#[derive(Serialize)]
struct Exported {
    #[serde(flatten)]
    record: SessionRecord,
    samples: Vec<Sample>,
}

/// Writes sessions the history never took (it was damaged or read-only
/// while they ran) as a JSON export, in the same shape as
/// [`Store::export_json`], so nothing the person recorded is lost.
pub fn export_unsaved(
    path: &Path,
    sessions: &[(&NewSession, &[Sample])],
) -> Result<(), StoreError> {
    let all: Vec<Exported> = sessions
        .iter()
        .map(|(meta, samples)| Exported {
            record: SessionRecord {
                id: 0,
                meta: (*meta).clone(),
                status: SessionStatus::Finished,
                summary: SessionTotals::from_samples(samples),
                spine: crate::session::SpineRanges::from_samples(samples),
            },
            samples: samples.to_vec(),
        })
        .collect();
    write_whole(path, |out| {
        serde_json::to_writer_pretty(out, &all)?;
        Ok(())
    })
}

/// Writes an export file. A regular file is written beside its final name
/// and renamed into place only when complete, so a full disk or a crash
/// never leaves a truncated export (or replaces a good one with half of
/// it). Devices and pipes are written directly.
fn write_whole(
    path: &Path,
    body: impl Fn(&mut std::io::BufWriter<std::fs::File>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let failed = |source| StoreError::ExportFile {
        path: path.to_path_buf(),
        source,
    };
    let write = |file: std::fs::File| -> Result<(), StoreError> {
        let mut out = std::io::BufWriter::new(file);
        body(&mut out)?;
        let file = out
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        file.sync_all().or_else(|e| {
            // Devices such as /dev/stdout cannot sync; that is not a failure.
            if e.kind() == std::io::ErrorKind::InvalidInput {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        Ok(())
    };
    let as_io = |e: StoreError| match e {
        StoreError::Export(io) => failed(io),
        other => other,
    };
    let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
    if special {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(failed)?;
        return write(file).map_err(as_io);
    }
    let name = path
        .file_name()
        .map_or_else(|| "export".to_owned(), |n| n.to_string_lossy().into_owned());
    let partial = path.with_file_name(format!(".{name}.partial"));
    let result = create_private_file(&partial)
        .map_err(failed)
        .and_then(|f| write(f).map_err(as_io))
        .and_then(|()| std::fs::rename(&partial, path).map_err(failed));
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}
