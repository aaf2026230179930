//! Settings kept between runs, saved in the history database so one folder
//! (`FORMCOACH_DATA_DIR`) holds everything a person's formcoach knows.

use serde::{Deserialize, Serialize};

use crate::store::Store;

/// Key of the settings row.
const KEY: &str = "window_settings";

/// What the window remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The safety notice was read and accepted.
    pub safety_accepted: bool,
    /// Flip the camera picture like a mirror (on by default: front views
    /// feel natural that way).
    pub mirror: bool,
    /// Camera chosen last.
    pub camera_index: u32,
    /// Pose model.
    pub model: String,
    /// Exercise chosen last.
    pub last_exercise: Option<String>,
    /// Show frame rate and latency.
    pub show_stats: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            safety_accepted: false,
            mirror: true,
            camera_index: 0,
            model: crate::pose::DEFAULT_MODEL.to_owned(),
            last_exercise: None,
            show_stats: true,
        }
    }
}

impl Settings {
    /// Reads saved settings; anything unreadable falls back to defaults.
    #[must_use]
    pub fn load(store: Option<&Store>) -> Settings {
        store
            .and_then(|s| s.setting(KEY).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Saves settings; returns why not when the history cannot be written.
    pub fn save(&self, store: Option<&Store>) -> Result<(), String> {
        let Some(store) = store else {
            return Err("no history file to save settings in".to_owned());
        };
        let text = serde_json::to_string(self).map_err(|e| e.to_string())?;
        store.set_setting(KEY, &text).map_err(|e| e.to_string())
    }

    /// The settings controls; returns whether anything changed.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> bool {
        let before = self.clone();
        ui.checkbox(&mut self.mirror, "Mirror the camera picture");
        ui.checkbox(&mut self.show_stats, "Show frame rate and delay");
        egui::ComboBox::from_label("Pose model")
            .selected_text(self.model.clone())
            .show_ui(ui, |ui| {
                for name in crate::pose::MODEL_NAMES {
                    ui.selectable_value(&mut self.model, name.to_owned(), name);
                }
            });
        ui.label(
            egui::RichText::new("Thunder is more accurate; Lightning is faster on slow computers.")
                .small(),
        );
        *self != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_store_and_survives_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.sqlite3")).unwrap();
        assert_eq!(Settings::load(Some(&store)), Settings::default());
        let s = Settings {
            mirror: false,
            safety_accepted: true,
            ..Settings::default()
        };
        s.save(Some(&store)).unwrap();
        assert_eq!(Settings::load(Some(&store)), s);
        store.set_setting(KEY, "{not json").unwrap();
        assert_eq!(Settings::load(Some(&store)), Settings::default());
        assert!(Settings::default().save(None).is_err());
    }
}
