//! The app's ways into the history: the list, a past session's summary,
//! the export, and a history problem in words.

use crate::coach::Exercise;
use crate::store::{SessionTotals, StoreError};

use super::super::history::HistoryView;
use super::super::mobility_view::MobilityTrend;
use super::super::summary::SummaryView;
use super::{FormcoachApp, Screen};

impl FormcoachApp {
    pub(super) fn open_history(&mut self) {
        let view = match &self.store {
            Some(store) => match store.sessions() {
                Ok(sessions) => {
                    let skipped = store.skipped_rows();
                    let mut view = HistoryView::new(sessions);
                    // Without the links the sessions still show, unlinked.
                    view.routine_links = store.routine_links().unwrap_or_default();
                    // Without the checks the sessions still show.
                    let checks = store.mobility_checks().unwrap_or_default();
                    let offset = crate::calendar::local_offset_s(crate::calendar::now_unix_s());
                    view.mobility = MobilityTrend::new(checks, offset);
                    if !skipped.is_empty() {
                        // What could not be read is named, not silently left out.
                        view.notice = Some(skipped.join("\n"));
                    }
                    view
                }
                Err(e) => HistoryView {
                    notice: Some(history_problem(&e)),
                    ..HistoryView::default()
                },
            },
            None => HistoryView {
                notice: Some(
                    "The history is not available; see the message on the first screen.".to_owned(),
                ),
                ..HistoryView::default()
            },
        };
        self.screen = Screen::History(view);
    }

    /// The summary of the session of `exercise` just before session `id`
    /// (or the newest one, when `id` is not in the history), for progress.
    pub(super) fn previous_summary(
        &self,
        exercise: &str,
        id: Option<i64>,
    ) -> Option<SessionTotals> {
        self.store
            .as_ref()?
            .previous_summary(exercise, id)
            .ok()
            .flatten()
    }

    pub(super) fn session_summary(&self, id: i64) -> Result<SummaryView, StoreError> {
        let Some(store) = &self.store else {
            return Err(StoreError::NoDataDir);
        };
        let record = store
            .sessions()?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(StoreError::NotFound(id))?;
        let samples = store.samples(id)?;
        let thumbnails = store.thumbnails(id)?;
        let sided = self
            .exercises
            .iter()
            .find(|e| e.id == record.meta.exercise_id)
            .is_some_and(Exercise::sided);
        let mut view = SummaryView::new(
            format!(
                "{} · {}",
                record.meta.exercise_name,
                record.meta.started_text()
            ),
            sided,
            record.meta.rom_unit,
            samples,
        )
        .with_thumbnails(thumbnails)
        .with_previous(self.previous_summary(&record.meta.exercise_id, Some(id)));
        if record.status != crate::store::SessionStatus::Finished {
            view.notes.push(
                "This session did not end normally; this is what was recorded until it stopped."
                    .to_owned(),
            );
        }
        Ok(view)
    }

    pub(super) fn export(&mut self, json: bool) {
        let Some(store) = &self.store else { return };
        let (name, ext) = if json {
            ("formcoach-history.json", "json")
        } else {
            ("formcoach-history.csv", "csv")
        };
        let Some(path) = rfd::FileDialog::new()
            .set_file_name(name)
            .add_filter(ext, &[ext])
            .save_file()
        else {
            return;
        };
        let result = store.export_file(&path, json);
        if let Screen::History(view) = &mut self.screen {
            view.notice = Some(match result {
                Ok(()) => format!("Saved {}", path.display()),
                Err(e) => format!("Export failed: {e}"),
            });
        }
    }
}

/// A history problem in words, with what to do about it.
pub(super) fn history_problem(e: &StoreError) -> String {
    match e {
        StoreError::Corrupt { path, .. } => format!(
            "The history file {} is damaged, so sessions will not be saved. Move it aside \
             (or delete it) and restart formcoach to begin a new history.",
            path.display()
        ),
        other => format!("History unavailable: {other}. Sessions will not be saved."),
    }
}
