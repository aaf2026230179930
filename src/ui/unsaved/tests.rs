#![allow(clippy::unwrap_used)]

use super::*;

fn kept() -> UnsavedSession {
    UnsavedSession {
        meta: NewSession {
            exercise_id: "chin-tuck".to_owned(),
            exercise_name: "Chin tuck".to_owned(),
            started_unix_s: 1_760_000_000.0,
            ..NewSession::default()
        },
        samples: (0..20)
            .map(|i| Sample {
                t_s: f64::from(i) * 0.1,
                observable: true,
                placement_ok: true,
                good_form: true,
                reps_left: u32::from(i >= 10),
                ..Sample::default()
            })
            .collect(),
        thumbnails: Vec::new(),
    }
}

/// With a damaged history file, a session coached from `--video` was
/// lost: the summary said nothing and nothing could save it.
#[test]
fn a_damaged_history_is_moved_aside_and_the_kept_session_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(crate::store::DB_FILE);
    std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
    let trouble = HistoryTrouble::from_error(&Store::open(&path).unwrap_err());
    assert_eq!(trouble.damaged.as_deref(), Some(path.as_path()));
    assert!(
        trouble.text.contains(&path.display().to_string()),
        "{}",
        trouble.text
    );

    let (store, said) = move_aside_and_save(&path, &[kept()]).unwrap();
    let sessions = store.sessions().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].meta.exercise_id, "chin-tuck");
    assert_eq!(store.samples(sessions[0].id).unwrap().len(), 20);
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("damaged"))
        .collect();
    assert_eq!(aside.len(), 1, "the damaged file is kept, renamed");
    assert!(said.contains("damaged-"), "{said}");
}

#[test]
fn a_kept_session_exports_as_the_history_would() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("unsaved.json");
    let s = kept();
    crate::store::export_unsaved(&out, &[(&s.meta, &s.samples)]).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v[0]["exercise_id"], "chin-tuck");
    assert_eq!(v[0]["samples"].as_array().map(Vec::len), Some(20));
}
