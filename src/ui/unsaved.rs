//! Sessions the history could not take, kept in memory until they can be
//! saved or exported: a damaged or read-only history file must never cost
//! the person what they just recorded.

use std::path::{Path, PathBuf};

use crate::store::{NewSession, Recorder, Sample, Store, StoreError, Thumbnail};

/// A coached session that is not in the history.
#[derive(Debug, Clone)]
pub struct UnsavedSession {
    /// What was known at its start.
    pub meta: NewSession,
    /// Its timeline.
    pub samples: Vec<Sample>,
    /// Its warning pictures.
    pub thumbnails: Vec<Thumbnail>,
}

/// Why sessions cannot be saved right now, in words, and the file the app
/// may move aside to fix it (only for a file that is damaged, not for one
/// that is merely read-only: that one is the person's to change).
#[derive(Debug, Clone)]
pub struct HistoryTrouble {
    /// What is wrong and what to do, for the person.
    pub text: String,
    /// The damaged file, when moving it aside would let a new history start.
    pub damaged: Option<PathBuf>,
}

impl HistoryTrouble {
    /// The trouble a failed open of the history means.
    #[must_use]
    pub fn from_error(e: &StoreError) -> HistoryTrouble {
        let damaged = match e {
            StoreError::Corrupt { path, .. }
            | StoreError::NotAFile { path }
            | StoreError::Unusable { path, .. } => Some(path.clone()),
            _ => None,
        };
        // The error names the file and what is wrong with it already.
        let text = match &damaged {
            Some(_) => format!(
                "{}. Sessions are kept in memory until you save them: the summary offers to \
                 move the damaged file aside (it is kept, renamed) and start a new history, or \
                 to export the session.",
                capitalised(&e.to_string())
            ),
            None => format!("History unavailable: {e}. Sessions will not be saved."),
        };
        HistoryTrouble { text, damaged }
    }

    /// A read-only history that opened: readable, not writable.
    #[must_use]
    pub fn read_only(path: &Path) -> HistoryTrouble {
        HistoryTrouble {
            text: format!(
                "The history file {} is read-only, so sessions are not saved in it; the summary \
                 offers to export each one.",
                path.display()
            ),
            damaged: None,
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Moves the damaged history file at `path` aside, starts a new history
/// there and saves every kept session in it. Returns the new history and a
/// sentence saying what was done; on failure, what went wrong (the kept
/// sessions stay kept).
pub fn move_aside_and_save(
    path: &Path,
    sessions: &[UnsavedSession],
) -> Result<(Store, String), String> {
    let aside = Store::move_aside(path)
        .map_err(|e| format!("The damaged history file could not be moved aside: {e}"))?;
    let store = Store::open(path).map_err(|e| {
        format!(
            "The damaged file was moved to {}, but a new history could not be started: {e}",
            aside.display()
        )
    })?;
    for s in sessions {
        Recorder::save_whole(path, &s.meta, &s.samples, &s.thumbnails).map_err(|e| {
            format!("A new history was started, but the session could not be saved in it: {e}")
        })?;
    }
    let what = if sessions.len() == 1 {
        "This session is saved".to_owned()
    } else {
        format!("{} sessions are saved", sessions.len())
    };
    Ok((
        store,
        format!(
            "{what} in a new history. The damaged file was kept as {}.",
            aside.display()
        ),
    ))
}

#[cfg(test)]
mod tests {
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
}
