use super::schema::MIGRATIONS;
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

#[test]
fn start_times_are_shown_on_the_local_clock() {
    let t = meta("chin-tuck").started_unix_s;
    assert_eq!(
        meta("chin-tuck").started_text(),
        crate::calendar::local_text(t)
    );
}

/// Sessions played in one routine run are linked to it, and the history
/// shows which run each belongs to; a session coached on its own is not.
/// A history from before routines (schema 3) keeps its sessions, unlinked.
#[test]
fn sessions_of_a_routine_run_are_linked_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    {
        // The file as the last version before routines left it.
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch("PRAGMA user_version = 3").unwrap();
    }
    let old = Recorder::start(&path, &meta("chin-tuck"))
        .unwrap()
        .finish()
        .unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let run = store
        .start_routine_run("desk-neck", "Neck set for the desk")
        .unwrap();
    let other_run = store
        .start_routine_run("desk-neck", "Neck set for the desk")
        .unwrap();
    assert_ne!(run, other_run);
    let mut steps = Vec::new();
    for _ in 0..2 {
        let id = Recorder::start(&path, &meta("chin-tuck"))
            .unwrap()
            .finish()
            .unwrap();
        steps.push(id);
    }
    store.link_routine_session(steps[0], run, 0).unwrap();
    store.link_routine_session(steps[1], run, 1).unwrap();
    let links = store.routine_links().unwrap();
    assert_eq!(links.len(), 2);
    assert!(!links.contains_key(&old), "a session of its own was linked");
    assert_eq!(links[&steps[0]].run_id, run);
    assert_eq!(links[&steps[1]].step, 1);
    assert_eq!(links[&steps[1]].routine_name, "Neck set for the desk");
    // Deleting a step's session leaves the rest of the run linked.
    store.delete(steps[0]).unwrap();
    let links = store.routine_links().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[&steps[1]].routine_id, "desk-neck");
    // A read-only history cannot start a run.
    drop(store);
    let ro = Store::open_read_only(&path).unwrap();
    assert!(ro.start_routine_run("desk-neck", "x").is_err());
    assert_eq!(ro.routine_links().unwrap().len(), 1);
}

#[test]
fn mobility_checks_are_kept_and_read_back_oldest_first() {
    use crate::mobility::{Figure, Measure};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let store = Store::open(&path).unwrap();
    assert!(store.mobility_checks().unwrap().is_empty());
    let run = store
        .start_routine_run("mobility-check", "Mobility check")
        .unwrap();
    let fig = |measure, left: Option<f64>, note: Option<&str>| Figure {
        measure,
        left_deg: left,
        right_deg: left.map(|l| l - 6.0),
        value_deg: None,
        frames_used: 40,
        frames_seen: 50,
        note: note.map(str::to_owned),
    };
    let later = MobilityCheck {
        measured_unix_s: 1_700_900_000.0,
        routine_run_id: Some(run),
        figures: vec![
            fig(Measure::ThoracicRotation, Some(38.0), None),
            fig(Measure::NeckRotation, None, Some("couldn't measure")),
        ],
    };
    let first = MobilityCheck {
        measured_unix_s: 1_700_000_000.0,
        routine_run_id: None,
        figures: vec![fig(Measure::ThoracicRotation, Some(31.0), None)],
    };
    store.save_mobility_check(&later).unwrap();
    store.save_mobility_check(&first).unwrap();
    let checks = store.mobility_checks().unwrap();
    assert_eq!(checks, vec![first, later]);
    assert_eq!(
        checks[1]
            .figure(Measure::NeckRotation)
            .unwrap()
            .note
            .as_deref(),
        Some("couldn't measure")
    );
    // Both exports carry every figure, the unmeasured one with its reason.
    let mut json = Vec::new();
    store.export_mobility_json(&mut json).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed[0]["figures"][0]["left_deg"], 31.0);
    assert_eq!(parsed[1]["figures"][1]["measure"], "neck-rotation");
    let out = dir.path().join("mobility.csv");
    store.export_mobility_file(&out, false).unwrap();
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("measured_unix_s,"), "{csv}");
    assert_eq!(
        lines[1], "1700000000,,thoracic-rotation,31.0,25.0,,40,50,",
        "{csv}"
    );
    assert!(
        lines[3].ends_with(",neck-rotation,,,,40,50,couldn't measure"),
        "{csv}"
    );
    // A read-only history cannot add a check but still shows them.
    drop(store);
    let ro = Store::open_read_only(&path).unwrap();
    assert!(ro.save_mobility_check(&checks[0]).is_err());
    assert_eq!(ro.mobility_checks().unwrap().len(), 2);
}
