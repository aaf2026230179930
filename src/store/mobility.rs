//! The mobility check's figures in the history: one check is the figures
//! measured together at one time, kept so the window can compare each check
//! with the first and plot them over the weeks.

use rusqlite::params;
use serde::Serialize;

use crate::mobility::{Figure, Measure};

use super::{Store, StoreError};

/// One mobility check as the history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MobilityCheck {
    /// When it was measured, seconds since the Unix epoch.
    pub measured_unix_s: f64,
    /// The routine run it was measured in, while that run is in the history.
    pub routine_run_id: Option<i64>,
    /// The figures, in the order they were measured.
    pub figures: Vec<Figure>,
}

impl MobilityCheck {
    /// The figure for `measure`, when this check has one.
    #[must_use]
    pub fn figure(&self, measure: Measure) -> Option<&Figure> {
        self.figures.iter().find(|f| f.measure == measure)
    }
}

impl Store {
    /// Keeps one check's figures (those that measured nothing too, so the
    /// history shows the check was done).
    pub fn save_mobility_check(&self, check: &MobilityCheck) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        for f in &check.figures {
            let used = i64::try_from(f.frames_used).unwrap_or(i64::MAX);
            let seen = i64::try_from(f.frames_seen).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO mobility_figures (measured_unix_s, routine_run_id, measure,
                     left_deg, right_deg, value_deg, frames_used, frames_seen, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    check.measured_unix_s,
                    check.routine_run_id,
                    f.measure.id(),
                    f.left_deg,
                    f.right_deg,
                    f.value_deg,
                    used,
                    seen,
                    f.note
                ],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Every check, oldest first; the figures saved at the same moment make
    /// one check. A row naming a measure this version does not know is
    /// skipped and named in [`Store::skipped_rows`].
    pub fn mobility_checks(&self) -> Result<Vec<MobilityCheck>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT measured_unix_s, routine_run_id, measure, left_deg, right_deg,
                        value_deg, frames_used, frames_seen, note
                 FROM mobility_figures ORDER BY measured_unix_s, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let measure: String = r.get(2)?;
                let measure = Measure::from_id(&measure).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        format!("unknown measure `{measure}`").into(),
                    )
                })?;
                let count = |i: usize| -> rusqlite::Result<usize> {
                    Ok(usize::try_from(r.get::<_, i64>(i)?).unwrap_or(0))
                };
                Ok((
                    r.get::<_, f64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    Figure {
                        measure,
                        left_deg: r.get(3)?,
                        right_deg: r.get(4)?,
                        value_deg: r.get(5)?,
                        frames_used: count(6)?,
                        frames_seen: count(7)?,
                        note: r.get(8)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        let rows = self.readable(rows, |i| format!("mobility figure {}", i + 1))?;
        let mut checks: Vec<MobilityCheck> = Vec::new();
        for (at, run, figure) in rows {
            match checks.last_mut() {
                // Saved together, so the very same number: compared bit for bit.
                Some(c) if c.measured_unix_s.to_bits() == at.to_bits() => c.figures.push(figure),
                _ => checks.push(MobilityCheck {
                    measured_unix_s: at,
                    routine_run_id: run,
                    figures: vec![figure],
                }),
            }
        }
        Ok(checks)
    }
}
