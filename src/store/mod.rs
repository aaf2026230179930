//! History: every coaching session in a local SQLite file.
//!
//! Sits on top of the pipeline (it only stores what the coach decided) and
//! below the window. The timeline is written while the session runs, in WAL
//! mode with a commit about every half second of frame time, so killing the
//! process loses at most the last second and the next start can offer the
//! unfinished session. Summaries are computed from the stored timeline, so a
//! recovered session gets exactly the summary a finished one would have had.

use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

pub use crate::session::{Highlights, Sample, SideStats, Summary, WarningSpan};

/// Environment variable that moves the data folder (tests, portable installs).
pub const DATA_DIR_ENV: &str = "FORMCOACH_DATA_DIR";

/// File name of the history database inside the data folder.
pub const DB_FILE: &str = "history.sqlite3";

/// Frame time between commits while recording. Half a second keeps the
/// promise "a killed process loses at most the last second" with margin,
/// while committing only a couple of times a second.
pub const COMMIT_EVERY_S: f64 = 0.5;

/// Schema migrations, applied in order; `PRAGMA user_version` holds how many
/// have run. Never edit an entry once released: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: sessions, their timeline and key-value settings.
    "CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        exercise_id TEXT NOT NULL,
        exercise_name TEXT NOT NULL,
        source TEXT NOT NULL,
        model TEXT NOT NULL,
        rom_unit TEXT NOT NULL,
        started_unix_s REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'recovered'))
    );
    CREATE TABLE samples (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t_s REAL NOT NULL,
        observable INTEGER NOT NULL,
        placement_ok INTEGER NOT NULL,
        good_form INTEGER NOT NULL,
        reps_left INTEGER NOT NULL,
        reps_right INTEGER NOT NULL,
        holds_left INTEGER NOT NULL,
        holds_right INTEGER NOT NULL,
        cue TEXT,
        rom_left REAL,
        rom_right REAL
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: the history screen reads samples per session.
    "CREATE INDEX samples_by_session ON samples (session_id, t_s);",
    // 3: a small picture of the moment each warning came up.
    "CREATE TABLE thumbnails (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t_s REAL NOT NULL,
        cue TEXT NOT NULL,
        jpeg BLOB NOT NULL
    );
    CREATE INDEX thumbnails_by_session ON thumbnails (session_id, t_s);",
];

/// Most warning pictures kept per session: enough for every distinct moment
/// of a long set without letting one bad session fill the disk.
pub const MAX_THUMBNAILS: usize = 40;

/// A small JPEG of the moment a warning came up. Kept in the history file
/// only; exports leave pictures out.
#[derive(Debug, Clone, PartialEq)]
pub struct Thumbnail {
    /// Session seconds.
    pub t_s: f64,
    /// The warning shown.
    pub cue: String,
    /// JPEG bytes.
    pub jpeg: Vec<u8>,
}

/// What can go wrong with the history file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No data folder could be found for this user.
    #[error("no data folder for this user; set {DATA_DIR_ENV} to choose one")]
    NoDataDir,
    /// The folder could not be created.
    #[error("cannot create the data folder {path}: {source}", path = path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file exists but is not a usable SQLite database.
    #[error(
        "the history file {path} is damaged ({reason}); move it aside to start a new history",
        path = path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's words.
        reason: String,
    },
    /// The file or its folder cannot be written.
    #[error("the history file {path} is read-only; sessions will not be saved", path = path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// Written by a newer formcoach.
    #[error(
        "the history file {path} was written by a newer formcoach (schema {found}, this one knows {known})",
        path = path.display()
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// No session with that id.
    #[error("there is no session {0} in the history")]
    NotFound(i64),
    /// Another window (or process) is still recording that session.
    #[error(
        "session {0} is still being recorded by another formcoach window; it can be changed once \
         that window has finished it"
    )]
    StillRecording(i64),
    /// The lock that marks a session as being recorded could not be taken.
    #[error(
        "cannot mark the session as being recorded in {path}: {source}",
        path = path.display()
    )]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Any other SQLite failure.
    #[error("history database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The disk holding the history is full.
    #[error(
        "the disk holding the history file {path} is full; free some space (what was already \
         recorded is kept)",
        path = path.display()
    )]
    DiskFull {
        /// The file.
        path: PathBuf,
    },
    /// Writing an export failed.
    #[error("cannot write the export: {0}")]
    Export(#[from] std::io::Error),
    /// Writing an export file failed; nothing was left half-written.
    #[error("cannot write {path}: {}", export_reason(source))]
    ExportFile {
        /// The file asked for.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// JSON encoding failed.
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// An export failure in words a person can act on.
fn export_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::StorageFull => {
            "the disk is full; free some space or choose another drive (the history itself is \
             unchanged)"
                .to_owned()
        }
        std::io::ErrorKind::PermissionDenied => {
            "permission denied; choose a folder you can write to".to_owned()
        }
        std::io::ErrorKind::NotFound => "the folder does not exist".to_owned(),
        _ => e.to_string(),
    }
}

impl StoreError {
    /// Sorts a raw SQLite error into the kinds a person can act on.
    fn classify(path: &Path, err: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        match err.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path: path.to_path_buf(),
                reason: err.to_string(),
            },
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                StoreError::ReadOnly {
                    path: path.to_path_buf(),
                }
            }
            Some(ErrorCode::DiskFull) => StoreError::DiskFull {
                path: path.to_path_buf(),
            },
            _ => StoreError::Sql(err),
        }
    }
}

/// How a stored session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Still being written, or the program died while it was.
    Running,
    /// Stopped normally.
    Finished,
    /// Found unfinished at a later start and kept.
    Recovered,
}

impl SessionStatus {
    fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Running => "running",
            SessionStatus::Finished => "finished",
            SessionStatus::Recovered => "recovered",
        }
    }

    fn parse(text: &str) -> SessionStatus {
        match text {
            "finished" => SessionStatus::Finished,
            "recovered" => SessionStatus::Recovered,
            _ => SessionStatus::Running,
        }
    }
}

/// What is known about a session before its first frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSession {
    /// Exercise id from the catalogue.
    pub exercise_id: String,
    /// Its display name at the time (names can change between versions).
    pub exercise_name: String,
    /// Camera name or video path, for the person's reference.
    pub source: String,
    /// Pose model used.
    pub model: String,
    /// Unit of the range-of-motion readings: `deg`, `torso` (torso lengths) or empty.
    pub rom_unit: String,
    /// Wall-clock start, seconds since the Unix epoch (only for listing).
    pub started_unix_s: f64,
}

/// A stored session with its summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Row id.
    pub id: i64,
    /// What was known at the start.
    #[serde(flatten)]
    pub meta: NewSession,
    /// How it ended.
    pub status: SessionStatus,
    /// Computed from the timeline.
    pub summary: Summary,
}

/// The history database, opened from the UI thread for lists and settings.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// The data folder: `FORMCOACH_DATA_DIR`, else the platform's per-user data folder.
pub fn data_dir() -> Result<PathBuf, StoreError> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "formcoach")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(StoreError::NoDataDir)
}

/// The history file in the data folder.
pub fn default_db_path() -> Result<PathBuf, StoreError> {
    Ok(data_dir()?.join(DB_FILE))
}

/// Creates `dir` (and its parents) readable by this user only. The history
/// is health data: on a shared computer nobody else may list or read it. A
/// folder that already exists is left as it is (it may be one the person
/// chose and shares on purpose); the files in it are private either way.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens `path` for writing, created (or truncated) readable and writable by
/// this user only.
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes the history file (and SQLite's side files, which copy its mode)
/// private: created 0600 before SQLite sees it, or tightened when an older
/// version left it readable by others.
fn make_db_private(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        if !path.exists() {
            // An empty file is a valid new SQLite database.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|_| StoreError::ReadOnly {
                    path: path.to_path_buf(),
                })?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = PathBuf::from(name);
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.is_file()
                && meta.permissions().mode() & 0o077 != 0
            {
                // Not our file (or a read-only medium): it stays as it is.
                let _ = std::fs::set_permissions(
                    &file,
                    std::fs::Permissions::from_mode(meta.permissions().mode() & 0o700),
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Folder beside the history file holding one lock file per session being
/// recorded (`<file>-live/<id>.lock`).
fn live_dir(db: &Path) -> PathBuf {
    let mut name = db
        .file_name()
        .map_or_else(|| DB_FILE.into(), std::ffi::OsStr::to_owned);
    name.push("-live");
    db.with_file_name(name)
}

fn lock_path(db: &Path, session_id: i64) -> PathBuf {
    live_dir(db).join(format!("{session_id}.lock"))
}

/// Whether the process recording session `session_id` is still running.
///
/// Its [`Recorder`] holds an exclusive lock on the session's lock file for
/// as long as it lives; the operating system releases it when the process
/// ends in any way, so a killed writer's session is free and a live one is
/// not. Where locks are not supported the session counts as not recorded,
/// as it did before there were locks.
fn writer_alive(db: &Path, session_id: i64) -> bool {
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

/// Opens a connection in WAL mode and brings the schema up to date.
fn open_rw(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    make_db_private(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .map_err(|e| StoreError::classify(path, e))?;
    setup(&conn, path)?;
    migrate(&conn, path)?;
    Ok(conn)
}

fn setup(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let classify = |e| StoreError::classify(path, e);
    // A short busy timeout: the recorder thread and the UI share the file.
    conn.busy_timeout(std::time::Duration::from_secs(2))
        .map_err(classify)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(classify)?;
    if !mode.eq_ignore_ascii_case("wal") {
        // A read-only file reports its old mode instead of switching.
        return Err(StoreError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    // NORMAL in WAL mode survives a killed process (only a power cut can lose
    // the last commits), and keeps commits cheap.
    conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
        .map_err(classify)?;
    Ok(())
}

fn schema_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| StoreError::classify(path, e))
}

fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    let found = schema_version(conn, path)?;
    if found > known {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn
            .unchecked_transaction()
            .map_err(|e| StoreError::classify(path, e))?;
        tx.execute_batch(sql)
            .and_then(|()| tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)))
            .and_then(|()| tx.commit())
            .map_err(|e| StoreError::classify(path, e))?;
    }
    Ok(())
}

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
        if found < known {
            // An older schema we may not migrate: treat as no usable history.
            return Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            read_only: true,
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

    fn err(&self, e: rusqlite::Error) -> StoreError {
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

    /// Every session, newest first, with summaries.
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
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(id, meta, status)| {
                let samples = self.samples(id)?;
                Ok(SessionRecord {
                    id,
                    meta,
                    status,
                    summary: Summary::from_samples(&samples),
                })
            })
            .collect()
    }

    /// The summary of the session of `exercise_id` just before session
    /// `before` (the newest one when `before` is `None` or not found), among
    /// those with a timeline. Reads that one session only: it runs when a
    /// session ends, and a long history must not make that slow.
    pub fn previous_summary(
        &self,
        exercise_id: &str,
        before: Option<i64>,
    ) -> Result<Option<Summary>, StoreError> {
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
        id.map(|id| self.samples(id).map(|s| Summary::from_samples(&s)))
            .transpose()
    }

    /// One session's timeline, in time order.
    pub fn samples(&self, session_id: i64) -> Result<Vec<Sample>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT t_s, observable, placement_ok, good_form, reps_left, reps_right,
                        holds_left, holds_right, cue, rom_left, rom_right
                 FROM samples WHERE session_id = ?1 ORDER BY t_s",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([session_id], |r| {
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
            })
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| self.err(e))
    }

    /// One session's warning pictures, in time order.
    pub fn thumbnails(&self, session_id: i64) -> Result<Vec<Thumbnail>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT t_s, cue, jpeg FROM thumbnails WHERE session_id = ?1 ORDER BY t_s")
            .map_err(|e| self.err(e))?;
        stmt.query_map([session_id], |r| {
            Ok(Thumbnail {
                t_s: r.get(0)?,
                cue: r.get(1)?,
                jpeg: r.get(2)?,
            })
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| self.err(e))
    }

    /// Writes an export file (JSON or CSV). A regular file is written beside
    /// its final name and renamed into place only when complete, so a full
    /// disk or a crash never leaves a truncated export (or replaces a good
    /// one with half of it). Devices and pipes are written directly.
    pub fn export_file(&self, path: &Path, json: bool) -> Result<(), StoreError> {
        let failed = |source| StoreError::ExportFile {
            path: path.to_path_buf(),
            source,
        };
        let write = |file: std::fs::File| -> Result<(), StoreError> {
            let mut out = std::io::BufWriter::new(file);
            if json {
                self.export_json(&mut out)?;
            } else {
                self.export_csv(&mut out)?;
            }
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

    /// Writes every session with its summary and timeline as one JSON document.
    pub fn export_json(&self, out: impl Write) -> Result<(), StoreError> {
        #[derive(Serialize)]
        struct Exported {
            #[serde(flatten)]
            record: SessionRecord,
            samples: Vec<Sample>,
        }
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
}

/// Quotes a CSV field when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
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
                        reps_left, reps_right, holds_left, holds_right, cue, rom_left, rom_right)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(classify)?;
            for s in &self.pending {
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
                    s.rom_right
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

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str) -> NewSession {
        NewSession {
            exercise_id: id.to_owned(),
            exercise_name: "Chin tuck, \"easy\"".to_owned(),
            source: "test".to_owned(),
            model: "movenet-thunder".to_owned(),
            rom_unit: "deg".to_owned(),
            started_unix_s: 1_700_000_000.0,
        }
    }

    fn sample(t_s: f64, good: bool, reps: u32, cue: Option<&str>) -> Sample {
        Sample {
            t_s,
            observable: true,
            placement_ok: true,
            good_form: good,
            reps_left: reps,
            reps_right: reps / 2,
            cue: cue.map(str::to_owned),
            rom_left: Some(30.0 + t_s as f32),
            rom_right: Some(20.0),
            ..Sample::default()
        }
    }

    #[test]
    fn records_and_reads_back_a_session() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut rec = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        for i in 0..30 {
            let t = f64::from(i) * 0.1;
            rec.push(sample(
                t,
                i % 3 != 0,
                i / 10,
                (i % 3 == 0).then_some("chin back"),
            ))
            .unwrap();
        }
        let id = rec.finish().unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let all = store.sessions().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].id, id);
        assert_eq!(all[0].status, SessionStatus::Finished);
        assert_eq!(all[0].summary.left.reps, 2);
        assert!(store.unfinished().unwrap().is_empty());
        assert_eq!(store.samples(id).unwrap().len(), 30);
    }

    #[test]
    fn the_previous_session_is_the_one_just_before_of_the_same_exercise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut ids = Vec::new();
        // Chin tuck with 1, 2, 3 reps on days 0, 1, 2; an empty one on day 3,
        // and another exercise on day 4.
        for (day, id, reps) in [
            (0.0, "chin-tuck", 1),
            (1.0, "chin-tuck", 2),
            (2.0, "chin-tuck", 3),
            (3.0, "chin-tuck", 0),
            (4.0, "prone-w", 9),
        ] {
            let mut m = meta(id);
            m.started_unix_s += day * 86_400.0;
            let mut rec = Recorder::start(&path, &m).unwrap();
            if reps > 0 {
                rec.push(sample(0.0, true, reps, None)).unwrap();
                rec.push(sample(0.1, true, reps, None)).unwrap();
            }
            ids.push(rec.finish().unwrap());
        }
        let store = Store::open(&path).unwrap();
        let reps_before = |before| {
            store
                .previous_summary("chin-tuck", before)
                .unwrap()
                .map(|s| s.left.reps)
        };
        assert_eq!(reps_before(Some(ids[2])), Some(2));
        assert_eq!(reps_before(Some(ids[1])), Some(1));
        assert_eq!(reps_before(Some(ids[0])), None);
        // The empty session is skipped; unknown or no id means the newest.
        assert_eq!(reps_before(Some(ids[3])), Some(3));
        assert_eq!(reps_before(None), Some(3));
        assert_eq!(reps_before(Some(9_999)), Some(3));
        assert_eq!(store.previous_summary("cat-cow", None).unwrap(), None);
    }

    #[test]
    fn a_dropped_recorder_leaves_an_unfinished_session_with_committed_samples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut rec = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        for i in 0..25 {
            rec.push(sample(f64::from(i) * 0.1, true, 0, None)).unwrap();
        }
        // Simulates a kill: no finish, buffered samples are lost, and the
        // session's lock goes with the process.
        drop(rec);
        let store = Store::open(&path).unwrap();
        let open = store.unfinished().unwrap();
        assert_eq!(open.len(), 1);
        let kept = store.samples(open[0].id).unwrap();
        // At most the last COMMIT_EVERY_S of frames is missing.
        let last = kept.last().unwrap().t_s;
        assert!(2.4 - last <= COMMIT_EVERY_S + 1e-9, "last kept {last}");
        store.mark_recovered(open[0].id).unwrap();
        assert!(store.unfinished().unwrap().is_empty());
    }

    /// Regression (issue 15): a second window offered the first window's
    /// running session as "did not finish", and "Delete it" removed it while
    /// it was still being recorded (the first then failed with "FOREIGN KEY
    /// constraint failed"). A live writer's session is now neither offered
    /// nor deletable; once its writer is gone it is.
    #[test]
    fn second_window_cannot_take_a_session_still_recording() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut first = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        for i in 0..10 {
            first
                .push(sample(f64::from(i) * 0.1, true, 0, None))
                .unwrap();
        }
        first.flush().unwrap();
        let id = first.session_id();

        let second = Store::open(&path).unwrap();
        assert!(second.recording(id));
        assert!(second.unfinished().unwrap().is_empty());
        assert!(matches!(
            second.delete(id).unwrap_err(),
            StoreError::StillRecording(i) if i == id
        ));
        assert!(matches!(
            second.mark_recovered(id).unwrap_err(),
            StoreError::StillRecording(_)
        ));
        // The first window goes on and finishes with everything it recorded.
        first.push(sample(1.0, true, 1, None)).unwrap();
        assert_eq!(first.finish().unwrap(), id);
        assert_eq!(second.samples(id).unwrap().len(), 11);
        assert!(!second.recording(id));

        // A writer that dies leaves its session to be offered and deleted.
        let dead = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        let dead_id = dead.session_id();
        drop(dead);
        let open = second.unfinished().unwrap();
        assert_eq!(open.iter().map(|s| s.id).collect::<Vec<_>>(), vec![dead_id]);
        second.delete(dead_id).unwrap();
        assert_eq!(second.sessions().unwrap().len(), 1);
    }

    /// Regression (issue 15): the history file was created 0644 in a 0755
    /// folder and exports 0644, so every user of the computer could read
    /// someone's health data.
    #[cfg(unix)]
    #[test]
    fn history_and_exports_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let path = data.join(DB_FILE);
        let mut rec = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        rec.push(sample(0.0, true, 0, None)).unwrap();
        rec.flush().unwrap();
        assert_eq!(mode(&data), 0o700, "data folder");
        assert_eq!(mode(&path), 0o600, "history file");
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        assert_eq!(mode(Path::new(&wal)), 0o600, "its write-ahead log");
        rec.finish().unwrap();
        let store = Store::open(&path).unwrap();
        for (name, json) in [("e.json", true), ("e.csv", false)] {
            let out = dir.path().join(name);
            store.export_file(&out, json).unwrap();
            assert_eq!(mode(&out), 0o600, "{name}");
        }
        // A history an older version left readable is tightened on open.
        drop(store);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(Store::open(&path).unwrap());
        assert_eq!(mode(&path), 0o600, "old history file");
    }

    #[test]
    fn warning_pictures_are_kept_capped_and_deleted_with_their_session() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut rec = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        for i in 0..(MAX_THUMBNAILS + 5) {
            let kept = rec.push_thumbnail(Thumbnail {
                t_s: i as f64,
                cue: "Keep your chin level".into(),
                jpeg: vec![0xFF, 0xD8, i as u8],
            });
            assert_eq!(kept, i < MAX_THUMBNAILS);
        }
        rec.push(sample(0.0, true, 0, None)).unwrap();
        let id = rec.finish().unwrap();
        let store = Store::open(&path).unwrap();
        let thumbs = store.thumbnails(id).unwrap();
        assert_eq!(thumbs.len(), MAX_THUMBNAILS);
        assert_eq!(thumbs[3].jpeg, vec![0xFF, 0xD8, 3]);
        // Pictures stay on this machine: exports carry none of their bytes.
        let mut json = Vec::new();
        store.export_json(&mut json).unwrap();
        assert!(!String::from_utf8_lossy(&json).contains("jpeg"));
        store.delete(id).unwrap();
        assert!(store.thumbnails(id).unwrap().is_empty());
    }

    #[test]
    fn exports_land_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut rec = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        rec.push(sample(0.0, true, 0, None)).unwrap();
        rec.finish().unwrap();
        let store = Store::open(&path).unwrap();
        let out = dir.path().join("export.csv");
        store.export_file(&out, false).unwrap();
        let csv = std::fs::read_to_string(&out).unwrap();
        assert!(csv.contains("chin-tuck"), "{csv}");
        assert!(!dir.path().join(".export.csv.partial").exists());
        // A folder that does not exist: named, nothing left behind.
        let missing = dir.path().join("nope").join("x.json");
        let e = store.export_file(&missing, true).unwrap_err().to_string();
        assert!(e.contains("x.json") && e.contains("does not exist"), "{e}");
        // A full disk (Linux's /dev/full answers every write with ENOSPC).
        if Path::new("/dev/full").exists() {
            let e = store
                .export_file(Path::new("/dev/full"), true)
                .unwrap_err()
                .to_string();
            assert!(e.contains("/dev/full") && e.contains("disk is full"), "{e}");
        }
        // The history itself is untouched by failed exports.
        assert_eq!(store.sessions().unwrap().len(), 1);
    }

    #[test]
    fn settings_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.sqlite3")).unwrap();
        assert_eq!(store.setting("mirror").unwrap(), None);
        store.set_setting("mirror", "true").unwrap();
        store.set_setting("mirror", "false").unwrap();
        assert_eq!(store.setting("mirror").unwrap().as_deref(), Some("false"));
    }

    #[test]
    fn exports_json_and_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut rec = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        rec.push(sample(0.0, true, 1, None)).unwrap();
        rec.push(sample(1.0, false, 2, Some("slow down"))).unwrap();
        rec.finish().unwrap();
        let store = Store::open(&path).unwrap();
        let mut json = Vec::new();
        store.export_json(&mut json).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(parsed[0]["exercise_id"], "chin-tuck");
        assert_eq!(parsed[0]["samples"].as_array().unwrap().len(), 2);
        let mut csv = Vec::new();
        store.export_csv(&mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[1].contains("\"Chin tuck, \"\"easy\"\"\""),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn a_corrupted_file_is_reported_not_panicked_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(Recorder::start(&path, &meta("x")).is_err());
        let aside = Store::move_aside(&path).unwrap();
        assert!(aside.exists());
        assert!(Store::open(&path).is_ok());
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        drop(conn);
        assert!(matches!(
            Store::open(&path).unwrap_err(),
            StoreError::NewerSchema { found: 99, .. }
        ));
    }

    #[test]
    fn a_read_only_store_lists_but_does_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let mut rec = Recorder::start(&path, &meta("chin-tuck")).unwrap();
        rec.push(sample(0.0, true, 1, None)).unwrap();
        rec.finish().unwrap();
        let store = Store::open_read_only(&path).unwrap();
        assert!(store.read_only());
        assert_eq!(store.sessions().unwrap().len(), 1);
        assert!(matches!(
            store.set_setting("k", "v").unwrap_err(),
            StoreError::ReadOnly { .. }
        ));
    }

    #[test]
    fn a_read_only_file_opens_without_panicking() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        drop(Store::open(&path).unwrap());
        // Checkpointed and closed; now take write permission away.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        // Root ignores permissions, so either outcome is fine; what matters is
        // a value, not a panic, and that reading still works.
        let store = Store::open(&path);
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let store = store.unwrap();
        assert!(store.sessions().unwrap().is_empty());
    }
}
