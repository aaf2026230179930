//! Keeping sessions the history did not take: saving them once the damaged
//! file is moved aside, or exporting them.

use super::{FormcoachApp, Screen};
use crate::ui::unsaved;

impl FormcoachApp {
    /// Moves the damaged history aside and saves the kept sessions in a new one.
    pub(super) fn move_aside_and_save(&mut self) {
        let Some(path) = self.trouble.as_ref().and_then(|t| t.damaged.clone()) else {
            return;
        };
        let said = match unsaved::move_aside_and_save(&path, &self.unsaved) {
            Ok((store, said)) => {
                self.store = Some(store);
                self.trouble = None;
                self.unsaved.clear();
                self.picker.notice = None;
                said
            }
            Err(why) => why,
        };
        if let Screen::Summary(view) = &mut self.screen {
            view.notes = vec![said];
            view.save_offer = view.save_offer.filter(|_| !self.unsaved.is_empty());
        }
    }

    /// Writes the kept sessions to a JSON file the person chooses.
    pub(super) fn export_unsaved(&mut self) {
        let Some(path) = rfd::FileDialog::new()
            .set_file_name("formcoach-unsaved-sessions.json")
            .add_filter("json", &["json"])
            .save_file()
        else {
            return;
        };
        let sessions: Vec<_> = self
            .unsaved
            .iter()
            .map(|s| (&s.meta, s.samples.as_slice()))
            .collect();
        let said = match crate::store::export_unsaved(&path, &sessions) {
            Ok(()) => format!("Exported to {}.", path.display()),
            Err(e) => format!("Export failed: {e}"),
        };
        if let Screen::Summary(view) = &mut self.screen {
            view.notes.push(said);
        }
    }
}
