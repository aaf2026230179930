//! Routine runs in the history: a run is one playing of a routine in the
//! window, and each step's session points at it, so the history can show
//! which sessions were played together.

use std::collections::HashMap;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// The routine run a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutineLink {
    /// The run's row id: sessions with the same one were played together.
    pub run_id: i64,
    /// The routine's id.
    pub routine_id: String,
    /// The routine's name, as it was when played.
    pub routine_name: String,
    /// The session's step in the routine, from 0.
    pub step: usize,
}

impl Store {
    /// Starts a routine run and returns its id, for the steps to point at.
    pub fn start_routine_run(
        &self,
        routine_id: &str,
        routine_name: &str,
    ) -> Result<i64, StoreError> {
        self.writable()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        self.conn
            .execute(
                "INSERT INTO routine_runs (routine_id, routine_name, started_unix_s)
                 VALUES (?1, ?2, ?3)",
                params![routine_id, routine_name, now],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Links session `session_id` to run `run_id` as its step `step` (from 0).
    pub fn link_routine_session(
        &self,
        session_id: i64,
        run_id: i64,
        step: usize,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        self.conn
            .execute(
                "UPDATE sessions SET routine_run_id = ?1, routine_step = ?2 WHERE id = ?3",
                params![run_id, step, session_id],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The routine run of every session that belongs to one, by session id.
    pub fn routine_links(&self) -> Result<HashMap<i64, RoutineLink>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, r.id, r.routine_id, r.routine_name, s.routine_step
                 FROM sessions s JOIN routine_runs r ON s.routine_run_id = r.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    RoutineLink {
                        run_id: r.get(1)?,
                        routine_id: r.get(2)?,
                        routine_name: r.get(3)?,
                        step: usize::try_from(r.get::<_, Option<i64>>(4)?.unwrap_or(0))
                            .unwrap_or(0),
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        let rows = self.readable(rows, |i| format!("routine link {}", i + 1))?;
        Ok(rows.into_iter().collect())
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            Err(StoreError::ReadOnly {
                path: self.path.clone(),
            })
        } else {
            Ok(())
        }
    }
}
