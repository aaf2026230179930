//! History: every coaching session in a local SQLite file.
//!
//! Sits on top of the pipeline (it only stores what the coach decided) and
//! below the window. The timeline is written while the session runs, in WAL
//! mode with a commit about every half second of frame time, so killing the
//! process loses at most the last second and the next start can offer the
//! unfinished session. Summaries are computed from the stored timeline, so a
//! recovered session gets exactly the summary a finished one would have had.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub use crate::session::{Highlights, Sample, SessionTotals, SideStats, WarningSpan};

mod export;
mod mobility;
mod queries;
mod recorder;
mod routine_runs;
mod schema;
mod spine;

pub use mobility::MobilityCheck;
pub use routine_runs::RoutineLink;

pub use export::export_unsaved;
pub use recorder::Recorder;

/// Environment variable that moves the data folder (tests, portable installs).
pub const DATA_DIR_ENV: &str = "FORMCOACH_DATA_DIR";

/// File name of the history database inside the data folder.
pub const DB_FILE: &str = "history.sqlite3";

/// Frame time between commits while recording. Half a second keeps the
/// promise "a killed process loses at most the last second" with margin,
/// while committing only a couple of times a second.
pub const COMMIT_EVERY_S: f64 = 0.5;

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
    /// Something other than a file is where the history file belongs.
    #[error(
        "the history file {path} is not a file (a folder or device is in its place); move it \
         aside, or set {DATA_DIR_ENV} to use another folder",
        path = path.display()
    )]
    NotAFile {
        /// Where the file should be.
        path: PathBuf,
    },
    /// The file exists but holds no history at all (zero bytes, or no tables).
    #[error("the history file {path} is empty: no sessions have been kept yet", path = path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Written by an older formcoach and not yet brought up to date, which
    /// only a writable open does.
    #[error(
        "the history file {path} was written by an older formcoach; open the formcoach window \
         once to bring it up to date",
        path = path.display()
    )]
    OlderSchema {
        /// The file.
        path: PathBuf,
    },
    /// Any other failure of the history file, with SQLite's words.
    #[error("the history file {path} could not be used: {reason}", path = path.display())]
    Unusable {
        /// The file.
        path: PathBuf,
        /// SQLite's words.
        reason: String,
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
    #[allow(clippy::needless_pass_by_value)] // called as `map_err(|e| classify(path, e))`
    fn classify(path: &Path, err: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            return StoreError::NotAFile {
                path: path.to_path_buf(),
            };
        }
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
            _ => StoreError::Unusable {
                path: path.to_path_buf(),
                reason: err.to_string(),
            },
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

impl NewSession {
    /// When the session started, on this computer's clock, as the history
    /// lists show it (the day strips count local days too).
    #[must_use]
    pub fn started_text(&self) -> String {
        crate::calendar::local_text(self.started_unix_s)
    }
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
    pub summary: SessionTotals,
    /// The back's curve per rep, from the timeline, when it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spine: Option<crate::session::SpineRanges>,
}

/// The history database, opened from the UI thread for lists and settings.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
    /// Rows skipped because they could not be read, in words.
    skipped: std::cell::RefCell<Vec<String>>,
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

#[cfg(test)]
mod tests;
