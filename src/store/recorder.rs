//! Recording one session while it runs, and the lock that tells other
//! windows it is still being written.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use super::schema::open_rw;
use super::{
    COMMIT_EVERY_S, DB_FILE, MAX_THUMBNAILS, NewSession, Sample, StoreError, Thumbnail,
    create_private_dir, create_private_file,
};

/// Folder beside the history file holding one lock file per session being
/// recorded (`<file>-live/<id>.lock`).
fn live_dir(db: &Path) -> PathBuf {
    let mut name = db
        .file_name()
        .map_or_else(|| DB_FILE.into(), std::ffi::OsStr::to_owned);
    name.push("-live");
    db.with_file_name(name)
}

pub(super) fn lock_path(db: &Path, session_id: i64) -> PathBuf {
    live_dir(db).join(format!("{session_id}.lock"))
}

/// Whether the process recording session `session_id` is still running.
///
/// Its [`Recorder`] holds an exclusive lock on the session's lock file for
/// as long as it lives; the operating system releases it when the process
/// ends in any way, so a killed writer's session is free and a live one is
/// not. Where locks are not supported the session counts as not recorded,
/// as it did before there were locks.
pub(super) fn writer_alive(db: &Path, session_id: i64) -> bool {
    let Ok(file) = std::fs::File::open(lock_path(db, session_id)) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(std::fs::TryLockError::WouldBlock) => true,
        Err(std::fs::TryLockError::Error(_)) => false,
    }
}

/// Writes one session's timeline as it happens; owned by the inference thread.
///
/// Samples are buffered and committed every [`COMMIT_EVERY_S`] of frame
/// time, in one transaction, so disk work stays off the per-frame path.
pub struct Recorder {
    conn: Connection,
    path: PathBuf,
    session_id: i64,
    /// Held locked while this recorder lives: tells other windows the
    /// session is alive (see [`Store::recording`]).
    lock: std::fs::File,
    pending: Vec<Sample>,
    pending_thumbnails: Vec<Thumbnail>,
    thumbnails_kept: usize,
    last_commit_t_s: Option<f64>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Opens its own connection, creates the session row and takes the
    /// session's lock. The row only becomes visible to other windows once
    /// the lock is held, so none can ever see it running but unlocked.
    pub fn start(path: &Path, meta: &NewSession) -> Result<Recorder, StoreError> {
        let conn = open_rw(path)?;
        let classify = |e| StoreError::classify(path, e);
        let tx =
            rusqlite::Transaction::new_unchecked(&conn, rusqlite::TransactionBehavior::Immediate)
                .map_err(classify)?;
        tx.execute(
            "INSERT INTO sessions (exercise_id, exercise_name, source, model, rom_unit,
                                   started_unix_s, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running')",
            params![
                meta.exercise_id,
                meta.exercise_name,
                meta.source,
                meta.model,
                meta.rom_unit,
                meta.started_unix_s
            ],
        )
        .map_err(classify)?;
        let session_id = tx.last_insert_rowid();
        let lock = take_session_lock(path, session_id)?;
        tx.commit().map_err(classify)?;
        Ok(Recorder {
            conn,
            path: path.to_path_buf(),
            session_id,
            lock,
            pending: Vec::new(),
            pending_thumbnails: Vec::new(),
            thumbnails_kept: 0,
            last_commit_t_s: None,
        })
    }

    /// Saves a whole session that was kept in memory (the history could not
    /// take it while it ran), finished, with its pictures; one transaction
    /// per commit as a live session would, so nothing is half there.
    pub fn save_whole(
        path: &Path,
        meta: &NewSession,
        samples: &[Sample],
        thumbnails: &[Thumbnail],
    ) -> Result<i64, StoreError> {
        let mut rec = Recorder::start(path, meta)?;
        for t in thumbnails {
            rec.push_thumbnail(t.clone());
        }
        for s in samples {
            rec.push(s.clone())?;
        }
        rec.finish()
    }

    /// The session's row id.
    #[must_use]
    pub fn session_id(&self) -> i64 {
        self.session_id
    }

    /// Adds one sample; commits when enough frame time has passed.
    pub fn push(&mut self, sample: Sample) -> Result<(), StoreError> {
        let t_s = sample.t_s;
        self.pending.push(sample);
        let since = self
            .last_commit_t_s
            .map_or(f64::INFINITY, |last| t_s - last);
        if since >= COMMIT_EVERY_S {
            self.last_commit_t_s = Some(t_s);
            self.flush()?;
        }
        Ok(())
    }

    /// Adds a warning picture (committed with the next samples); beyond
    /// [`MAX_THUMBNAILS`] they are dropped. Returns whether it was kept.
    pub fn push_thumbnail(&mut self, thumbnail: Thumbnail) -> bool {
        if self.thumbnails_kept >= MAX_THUMBNAILS {
            return false;
        }
        self.thumbnails_kept += 1;
        self.pending_thumbnails.push(thumbnail);
        true
    }

    /// Commits everything buffered.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() && self.pending_thumbnails.is_empty() {
            return Ok(());
        }
        let classify = |e| StoreError::classify(&self.path, e);
        let tx = self.conn.unchecked_transaction().map_err(classify)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO samples (session_id, t_s, observable, placement_ok, good_form,
                        reps_left, reps_right, holds_left, holds_right, cue, rom_left, rom_right,
                        thoracic_deg, lumbar_deg, spine_confidence)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                )
                .map_err(classify)?;
            for s in &self.pending {
                let [thoracic, lumbar, confidence] = super::spine::columns(s.spine);
                stmt.execute(params![
                    self.session_id,
                    s.t_s,
                    s.observable,
                    s.placement_ok,
                    s.good_form,
                    s.reps_left,
                    s.reps_right,
                    s.holds_left,
                    s.holds_right,
                    s.cue,
                    s.rom_left,
                    s.rom_right,
                    thoracic,
                    lumbar,
                    confidence
                ])
                .map_err(classify)?;
            }
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO thumbnails (session_id, t_s, cue, jpeg) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(classify)?;
            for t in &self.pending_thumbnails {
                stmt.execute(params![self.session_id, t.t_s, t.cue, t.jpeg])
                    .map_err(classify)?;
            }
        }
        tx.commit().map_err(classify)?;
        self.pending.clear();
        self.pending_thumbnails.clear();
        Ok(())
    }

    /// Commits what is left and marks the session finished.
    pub fn finish(mut self) -> Result<i64, StoreError> {
        self.flush()?;
        self.conn
            .execute(
                "UPDATE sessions SET status = 'finished' WHERE id = ?1",
                [self.session_id],
            )
            .map_err(|e| StoreError::classify(&self.path, e))?;
        // Still locked while the file goes, so no one sees it free too early.
        let _ = std::fs::remove_file(lock_path(&self.path, self.session_id));
        let _ = self.lock.unlock();
        Ok(self.session_id)
    }
}

/// Creates and locks the lock file of a new session (see [`Store::recording`]).
fn take_session_lock(db: &Path, session_id: i64) -> Result<std::fs::File, StoreError> {
    let dir = live_dir(db);
    let path = lock_path(db, session_id);
    let failed = |source| StoreError::Lock {
        path: path.clone(),
        source,
    };
    create_private_dir(&dir).map_err(failed)?;
    let file = create_private_file(&path).map_err(failed)?;
    match file.try_lock() {
        // No locks on this file system (the error case): record anyway, as
        // before there were locks.
        Ok(()) | Err(std::fs::TryLockError::Error(_)) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(failed(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            "another process holds it",
        ))),
    }
}
