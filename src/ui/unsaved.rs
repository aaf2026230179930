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
mod tests;
