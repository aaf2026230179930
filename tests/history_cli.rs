//! `formcoach history`: what the window kept, read from the command line.

// Helpers here run only inside tests: a panic is a failing test with a line number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{formcoach_env, stderr, stdout};
use formcoach::store::{DB_FILE, NewSession, Recorder, Sample};

fn keep_a_session(dir: &std::path::Path) {
    keep_a_session_at(dir, 1_760_000_000.0);
}

fn keep_a_session_at(dir: &std::path::Path, started_unix_s: f64) {
    let mut rec = Recorder::start(
        &dir.join(DB_FILE),
        &NewSession {
            exercise_id: "prone-w".to_owned(),
            exercise_name: "Prone W".to_owned(),
            source: "camera 0".to_owned(),
            model: "blazepose-full".to_owned(),
            rom_unit: "deg".to_owned(),
            started_unix_s,
        },
    )
    .unwrap();
    for i in 0..20 {
        rec.push(Sample {
            t_s: f64::from(i) * 0.1,
            observable: true,
            placement_ok: true,
            good_form: i < 15,
            reps_left: u32::from(i >= 10),
            ..Sample::default()
        })
        .unwrap();
    }
    rec.finish().unwrap();
}

#[test]
fn lists_and_exports_what_the_window_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let env = [("FORMCOACH_DATA_DIR", data)];

    // Nothing kept yet: said plainly, exit 2.
    let none = formcoach_env(&["history", "list"], &env);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("no history yet"),
        "{}",
        stderr(&none)
    );

    keep_a_session(dir.path());
    let list = formcoach_env(&["history", "list"], &env);
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    assert!(text.contains("Prone W") && text.contains("75%"), "{text}");

    let json = formcoach_env(&["history", "export", "-"], &env);
    assert!(json.status.success(), "{}", stderr(&json));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");

    // No mobility check yet: an empty list, not an error.
    let mobility = formcoach_env(&["history", "export", "--mobility", "-"], &env);
    assert!(mobility.status.success(), "{}", stderr(&mobility));
    let v: serde_json::Value = serde_json::from_slice(&mobility.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(0), "{v}");

    let csv_path = dir.path().join("out.csv");
    let csv = formcoach_env(
        &["history", "export", "--csv", csv_path.to_str().unwrap()],
        &env,
    );
    assert!(csv.status.success(), "{}", stderr(&csv));
    assert_eq!(
        std::fs::read_to_string(&csv_path).unwrap().lines().count(),
        2,
        "a header and one row per session"
    );

    // A full disk: named, exit 2, and the history is still all there.
    if std::path::Path::new("/dev/full").exists() {
        let full = formcoach_env(&["history", "export", "/dev/full"], &env);
        assert_eq!(full.status.code(), Some(2));
        let err = stderr(&full);
        assert!(
            err.contains("/dev/full") && err.contains("disk is full"),
            "{err}"
        );
        let again = formcoach_env(&["history", "list"], &env);
        assert!(stdout(&again).contains("Prone W"));
    }
}

/// The listing ends with the days that had a session, counted in days (two
/// sessions today are one day), never as a streak.
#[test]
fn the_listing_counts_days_with_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let env = [("FORMCOACH_DATA_DIR", data)];
    keep_a_session(dir.path());
    let old = stdout(&formcoach_env(&["history", "list"], &env));
    assert!(
        old.contains("Days with a session: 0 days this week, 0 this month."),
        "{old}"
    );
    let now = formcoach::calendar::now_unix_s();
    keep_a_session_at(dir.path(), now);
    keep_a_session_at(dir.path(), now);
    let list = formcoach_env(&["history", "list"], &env);
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    assert!(
        text.contains("Days with a session: 1 day this week, 1 this month."),
        "{text}"
    );
    assert!(!text.to_lowercase().contains("streak"), "{text}");
}

/// One sample row with a negative rep count made `history list` fail with
/// "history database error" and no file named, hiding every session. Rows
/// are read one by one now: the bad one is skipped and named, the rest kept.
#[test]
fn one_bad_row_is_skipped_and_named_not_the_whole_history_lost() {
    let dir = tempfile::tempdir().unwrap();
    keep_a_session(dir.path());
    keep_a_session(dir.path());
    let db = dir.path().join(DB_FILE);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE samples SET reps_left = -5 WHERE rowid = (SELECT MIN(rowid) FROM samples)",
        [],
    )
    .unwrap();
    drop(conn);
    let data = dir.path().to_str().unwrap();
    let out = formcoach_env(&["history", "list"], &[("FORMCOACH_DATA_DIR", data)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("Prone W").count(),
        2,
        "{}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains(&db.display().to_string()) && err.contains("skipped"),
        "the skipped row is not named: {err}"
    );
}

/// A zero-byte history file was called "read-only".
#[test]
fn an_empty_history_file_is_called_empty_not_read_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(DB_FILE), b"").unwrap();
    let data = dir.path().to_str().unwrap();
    let out = formcoach_env(&["history", "list"], &[("FORMCOACH_DATA_DIR", data)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no history yet") && err.contains("empty") && !err.contains("read-only"),
        "{err}"
    );
}

/// A folder where the history file belongs gave "disk I/O error… Error
/// code 266" with no path.
#[test]
fn a_folder_in_place_of_the_history_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(DB_FILE);
    std::fs::create_dir(&db).unwrap();
    let data = dir.path().to_str().unwrap();
    let out = formcoach_env(&["history", "list"], &[("FORMCOACH_DATA_DIR", data)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&db.display().to_string()) && err.contains("not a file"),
        "{err}"
    );
    assert!(!err.contains("Error code"), "{err}");
}
