//! Reading the history and changing it from the window: sessions, their
//! timelines and pictures, settings, recovery and deletion.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};

use super::recorder::{lock_path, writer_alive};
use super::schema::{MIGRATIONS, open_rw, schema_version};
use super::{
    NewSession, Sample, SessionRecord, SessionStatus, SessionTotals, Store, StoreError, Thumbnail,
    default_db_path,
};

impl Store {
    /// Opens (creating if needed) the history in the data folder.
    pub fn open_default() -> Result<Store, StoreError> {
        Store::open(&default_db_path()?)
    }

    /// Opens (creating if needed) the history file at `path`.
    ///
    /// A file that cannot be written is opened read-only instead, so the
    /// history can still be looked at; [`Store::read_only`] tells.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        match open_rw(path) {
            Ok(conn) => Ok(Store {
                conn,
                path: path.to_path_buf(),
                read_only: false,
                skipped: std::cell::RefCell::default(),
            }),
            Err(StoreError::ReadOnly { .. }) if path.is_file() => Store::open_read_only(path),
            Err(e) => Err(e),
        }
    }

    /// Opens an existing history without ever writing to it.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| StoreError::classify(path, e))?;
        let found = schema_version(&conn, path)?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::NewerSchema {
                path: path.to_path_buf(),
                found,
                known,
            });
        }
        if found == 0 {
            // A zero-byte file (or one with no tables yet) is a history with
            // nothing in it, not a file we may not write.
            return Err(StoreError::Empty {
                path: path.to_path_buf(),
            });
        }
        if found < known {
            // Only a writable open migrates, and this one must not write.
            return Err(StoreError::OlderSchema {
                path: path.to_path_buf(),
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            read_only: true,
            skipped: std::cell::RefCell::default(),
        })
    }

    /// Renames a damaged file aside (`.damaged-<unix time>`) so a new one can be made.
    pub fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let target = path.with_extension(format!("damaged-{stamp}"));
        std::fs::rename(path, &target).map_err(StoreError::Export)?;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            // The side files belong to the damaged file; losing them is fine.
            let _ = std::fs::remove_file(PathBuf::from(side));
        }
        Ok(target)
    }

    /// The file this store reads.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether sessions can be saved.
    #[must_use]
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        schema_version(&self.conn, &self.path)
    }

    pub(super) fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::classify(&self.path, e)
    }

    /// A saved setting's JSON text.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Saves a setting's JSON text.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Sessions left `running` by a process that died, newest first. A
    /// session another window is still recording is not among them.
    pub fn unfinished(&self) -> Result<Vec<SessionRecord>, StoreError> {
        Ok(self
            .sessions()?
            .into_iter()
            .filter(|s| s.status == SessionStatus::Running && !self.recording(s.id))
            .collect())
    }

    /// Whether another window or process is recording session `id` right now.
    #[must_use]
    pub fn recording(&self, id: i64) -> bool {
        writer_alive(&self.path, id)
    }

    /// Refuses to touch a session whose writer is alive.
    fn not_recording(&self, id: i64) -> Result<(), StoreError> {
        if self.recording(id) {
            Err(StoreError::StillRecording(id))
        } else {
            Ok(())
        }
    }

    /// Marks an unfinished session as kept, so it is not offered again.
    pub fn mark_recovered(&self, id: i64) -> Result<(), StoreError> {
        self.not_recording(id)?;
        self.set_status(id, SessionStatus::Recovered)?;
        let _ = std::fs::remove_file(lock_path(&self.path, id));
        Ok(())
    }

    /// Sets a session's status.
    fn set_status(&self, id: i64, status: SessionStatus) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sessions SET status = ?1 WHERE id = ?2",
                params![status.as_str(), id],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Deletes a session and its timeline (not one still being recorded).
    pub fn delete(&self, id: i64) -> Result<(), StoreError> {
        self.not_recording(id)?;
        let _ = std::fs::remove_file(lock_path(&self.path, id));
        self.conn
            .execute("DELETE FROM samples WHERE session_id = ?1", [id])
            .and_then(|_| {
                self.conn
                    .execute("DELETE FROM thumbnails WHERE session_id = ?1", [id])
            })
            .and_then(|_| {
                self.conn
                    .execute("DELETE FROM sessions WHERE id = ?1", [id])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Every session, newest first, with summaries. A row that cannot be
    /// read (a value out of range, a wrong type) is skipped and named in
    /// [`Store::skipped_rows`]: one bad row must not hide the rest.
    pub fn sessions(&self) -> Result<Vec<SessionRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, exercise_id, exercise_name, source, model, rom_unit, started_unix_s, status
                 FROM sessions ORDER BY started_unix_s DESC, id DESC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    NewSession {
                        exercise_id: r.get(1)?,
                        exercise_name: r.get(2)?,
                        source: r.get(3)?,
                        model: r.get(4)?,
                        rom_unit: r.get(5)?,
                        started_unix_s: r.get(6)?,
                    },
                    SessionStatus::parse(&r.get::<_, String>(7)?),
                ))
            })
            .map_err(|e| self.err(e))?;
        let rows = self.readable(rows, |i| format!("session row {}", i + 1))?;
        rows.into_iter()
            .map(|(id, meta, status)| {
                let samples = self.samples(id)?;
                Ok(SessionRecord {
                    id,
                    meta,
                    status,
                    summary: SessionTotals::from_samples(&samples),
                    spine: crate::session::SpineRanges::from_samples(&samples),
                })
            })
            .collect()
    }

    /// Keeps the rows that could be read; a row whose values do not fit
    /// (`what` names it by position) is noted and skipped, while a failure
    /// of the file itself is still an error.
    pub(super) fn readable<T>(
        &self,
        rows: impl Iterator<Item = rusqlite::Result<T>>,
        what: impl Fn(usize) -> String,
    ) -> Result<Vec<T>, StoreError> {
        let mut kept = Vec::new();
        for (i, row) in rows.enumerate() {
            match row {
                Ok(v) => kept.push(v),
                Err(
                    e @ (rusqlite::Error::FromSqlConversionFailure(..)
                    | rusqlite::Error::IntegralValueOutOfRange(..)
                    | rusqlite::Error::InvalidColumnType(..)),
                ) => self.note_skipped(format!(
                    "{} of {} could not be read ({e}) and was skipped",
                    what(i),
                    self.path.display()
                )),
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(kept)
    }

    fn note_skipped(&self, why: String) {
        let mut skipped = self.skipped.borrow_mut();
        if !skipped.contains(&why) {
            skipped.push(why);
        }
    }

    /// The rows skipped so far because they could not be read, one line
    /// each naming the file and the row, for the person to see.
    #[must_use]
    pub fn skipped_rows(&self) -> Vec<String> {
        self.skipped.borrow().clone()
    }

    /// The summary of the session of `exercise_id` just before session
    /// `before` (the newest one when `before` is `None` or not found), among
    /// those with a timeline. Reads that one session only: it runs when a
    /// session ends, and a long history must not make that slow.
    pub fn previous_summary(
        &self,
        exercise_id: &str,
        before: Option<i64>,
    ) -> Result<Option<SessionTotals>, StoreError> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT s.id FROM sessions s
                 WHERE s.exercise_id = ?1
                   AND EXISTS (SELECT 1 FROM samples WHERE session_id = s.id)
                   AND (?2 IS NULL
                        OR NOT EXISTS (SELECT 1 FROM sessions WHERE id = ?2)
                        OR (s.started_unix_s, s.id)
                           < (SELECT started_unix_s, id FROM sessions WHERE id = ?2))
                 ORDER BY s.started_unix_s DESC, s.id DESC LIMIT 1",
                params![exercise_id, before],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        id.map(|id| self.samples(id).map(|s| SessionTotals::from_samples(&s)))
            .transpose()
    }

    /// One session's timeline, in time order.
    pub fn samples(&self, session_id: i64) -> Result<Vec<Sample>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT t_s, observable, placement_ok, good_form, reps_left, reps_right,
                        holds_left, holds_right, cue, rom_left, rom_right,
                        thoracic_deg, lumbar_deg, spine_confidence
                 FROM samples WHERE session_id = ?1 ORDER BY t_s",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([session_id], |r| {
                Ok(Sample {
                    t_s: r.get(0)?,
                    observable: r.get(1)?,
                    placement_ok: r.get(2)?,
                    good_form: r.get(3)?,
                    reps_left: r.get(4)?,
                    reps_right: r.get(5)?,
                    holds_left: r.get(6)?,
                    holds_right: r.get(7)?,
                    cue: r.get(8)?,
                    rom_left: r.get(9)?,
                    rom_right: r.get(10)?,
                    spine: super::spine::from_columns(r.get(11)?, r.get(12)?, r.get(13)?),
                })
            })
            .map_err(|e| self.err(e))?;
        self.readable(rows, |i| {
            format!("sample {} of session {session_id}", i + 1)
        })
    }

    /// One session's warning pictures, in time order.
    pub fn thumbnails(&self, session_id: i64) -> Result<Vec<Thumbnail>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT t_s, cue, jpeg FROM thumbnails WHERE session_id = ?1 ORDER BY t_s")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([session_id], |r| {
                Ok(Thumbnail {
                    t_s: r.get(0)?,
                    cue: r.get(1)?,
                    jpeg: r.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?;
        self.readable(rows, |i| {
            format!("picture {} of session {session_id}", i + 1)
        })
    }
}
