//! The history file's schema and how it is opened: migrations, WAL, and a
//! file private to its owner.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{StoreError, create_private_dir};

/// Schema migrations, applied in order; `PRAGMA user_version` holds how many
/// have run. Never edit an entry once released: append a new one.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // 4: routines played in the window: one row per run, and each step's
    // session pointing at it (NULL for a session coached on its own).
    "CREATE TABLE routine_runs (
        id INTEGER PRIMARY KEY,
        routine_id TEXT NOT NULL,
        routine_name TEXT NOT NULL,
        started_unix_s REAL NOT NULL
    );
    ALTER TABLE sessions ADD COLUMN routine_run_id INTEGER
        REFERENCES routine_runs(id) ON DELETE SET NULL;
    ALTER TABLE sessions ADD COLUMN routine_step INTEGER;",
    // 5: the back's curve on each sample (see `spine.rs`).
    super::spine::SPINE_COLUMNS,
    // 6: the mobility check's figures, one row per measure per check,
    // pointing at the routine run they were measured in (NULL once that run
    // is gone: the figures are kept on their own).
    "CREATE TABLE mobility_figures (
        id INTEGER PRIMARY KEY,
        measured_unix_s REAL NOT NULL,
        routine_run_id INTEGER REFERENCES routine_runs(id) ON DELETE SET NULL,
        measure TEXT NOT NULL,
        left_deg REAL,
        right_deg REAL,
        value_deg REAL,
        frames_used INTEGER NOT NULL,
        frames_seen INTEGER NOT NULL,
        note TEXT
    );
    CREATE INDEX mobility_by_time ON mobility_figures (measured_unix_s);",
];

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

/// Opens a connection in WAL mode and brings the schema up to date.
pub(super) fn open_rw(path: &Path) -> Result<Connection, StoreError> {
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

pub(super) fn schema_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
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
