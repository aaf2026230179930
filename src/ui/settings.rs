//! Settings kept between runs, and the screen that changes them.
//!
//! Window settings live in the history database so one folder
//! (`FORMCOACH_DATA_DIR`) holds everything a person's formcoach knows; sound
//! settings live in `audio.toml` beside it, a small file people can also edit
//! by hand. The screen runs its own [`Player`] so "Play a
//! sample" sounds exactly like coaching will, and shows what that player found:
//! no sound device, no speech engine or an unknown voice each get a plain
//! sentence, and coaching goes on in text whatever it says.

use egui::RichText;
use serde::{Deserialize, Serialize};

use crate::audio::cues::capitalized;
use crate::audio::{
    AudioSettings, AudioStatus, DEFAULT_BREATHING_PACE, Player, Priority, SpeechEngine, ToneKind,
    Utterance, UtteranceKind,
};
use crate::calendar::QuietHours;
use crate::store::Store;

use super::palette;

/// Key of the settings row.
const KEY: &str = "window_settings";

/// The interval the seeds suggest for the desk reset, minutes.
pub const DEFAULT_REMINDER_MIN: u32 = 60;

/// What the window remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(clippy::struct_excessive_bools)] // Independent choices, saved as they are.
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
    /// Remind about the desk reset after a stretch of use.
    pub desk_reminder: bool,
    /// Minutes of use between reminders.
    pub reminder_every_min: u32,
    /// Local hours when the reminder keeps quiet (settings saved before
    /// this existed load with the default, 21:00 to 08:00).
    pub quiet_hours: QuietHours,
    /// Window size in points when last closed, unmaximized: people arrange
    /// the window beside their work once and expect it back.
    pub window_size: Option<[f32; 2]>,
    /// The window was maximized when last closed.
    pub maximized: bool,
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
            desk_reminder: true,
            reminder_every_min: DEFAULT_REMINDER_MIN,
            quiet_hours: QuietHours::default(),
            window_size: None,
            maximized: false,
        }
    }
}

/// The window's first size, in points, when nothing was saved.
pub const DEFAULT_WINDOW_SIZE: [f32; 2] = [1280.0, 760.0];
/// Below this the live view's cue and side panel no longer fit.
pub const MIN_WINDOW_SIZE: [f32; 2] = [800.0, 560.0];
/// Larger than any screen today; a saved size beyond it is a broken value.
const MAX_WINDOW_SIZE: [f32; 2] = [16384.0, 16384.0];

impl Settings {
    /// Reads saved settings; anything unreadable falls back to defaults.
    #[must_use]
    pub fn load(store: Option<&Store>) -> Settings {
        let mut s: Settings = store
            .and_then(|s| s.setting(KEY).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        s.reminder_every_min = s.reminder_every_min.clamp(15, 240);
        s.quiet_hours.sanitize();
        if !crate::pose::MODEL_NAMES.contains(&s.model.as_str()) {
            crate::pose::DEFAULT_MODEL.clone_into(&mut s.model);
        }
        s
    }

    /// The size to open the window at: the saved one when it is usable.
    #[must_use]
    pub fn initial_window_size(&self) -> [f32; 2] {
        match self.window_size {
            Some([w, h]) if w.is_finite() && h.is_finite() => [
                w.clamp(MIN_WINDOW_SIZE[0], MAX_WINDOW_SIZE[0]),
                h.clamp(MIN_WINDOW_SIZE[1], MAX_WINDOW_SIZE[1]),
            ],
            _ => DEFAULT_WINDOW_SIZE,
        }
    }

    /// Takes note of the window as it is now; `true` when that changed what
    /// would be saved. While maximized the size from before is kept, so
    /// unmaximizing after the next start gives the person's own size back.
    pub fn note_window(&mut self, inner_size: Option<[f32; 2]>, maximized: Option<bool>) -> bool {
        let before = (self.window_size, self.maximized);
        if let Some(m) = maximized {
            self.maximized = m;
        }
        if !self.maximized
            && let Some([w, h]) = inner_size
            && w.is_finite()
            && h.is_finite()
            && w >= 1.0
            && h >= 1.0
        {
            // Whole points: sub-point jitter is not worth a write.
            self.window_size = Some([w.round(), h.round()]);
        }
        before != (self.window_size, self.maximized)
    }

    /// Saves settings; returns why not when the history cannot be written.
    pub fn save(&self, store: Option<&Store>) -> Result<(), String> {
        let Some(store) = store else {
            return Err("no history file to save settings in".to_owned());
        };
        let text = serde_json::to_string(self).map_err(|e| e.to_string())?;
        store.set_setting(KEY, &text).map_err(|e| e.to_string())
    }
}

/// One line about each model, for the choice.
#[must_use]
pub fn model_text(name: &str) -> &'static str {
    match name {
        "movenet-lightning" => "17 points, fastest; for slow computers, front and side views",
        "movenet-thunder" => "17 points, more careful than Lightning; good when standing",
        "blazepose-lite" => "33 points with depth, quicker than Full",
        "blazepose-full" => "33 points with depth; best on the floor and side-on (default)",
        "blazepose-heavy" => "33 points with depth, most careful and slowest",
        _ => "",
    }
}

/// What the person asked for on this screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsCommand {
    /// Back to the picker.
    Back,
    /// Something changed: save it.
    Changed,
}

/// The settings screen's state.
pub struct SettingsView {
    /// Window settings being edited.
    pub settings: Settings,
    /// Sound settings being edited.
    pub audio: AudioSettings,
    /// What the sound check found; refreshed from the player each frame.
    pub status: AudioStatus,
    /// A message about saving or loading (shown at the top).
    pub notice: Option<String>,
    /// Voices the speech engine offers, as (id, label).
    pub voices: Vec<(String, String)>,
    /// Plays samples; restarted when the voice or rate changes.
    player: Option<Player>,
}

impl std::fmt::Debug for SettingsView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingsView")
            .field("settings", &self.settings)
            .field("audio", &self.audio)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl SettingsView {
    /// The screen with a live sound check (starts the audio thread and asks
    /// the speech engine for its voices).
    #[must_use]
    pub fn open(settings: Settings, audio: AudioSettings) -> SettingsView {
        let voices = SpeechEngine::detect()
            .map(|e| e.voices("en"))
            .unwrap_or_default();
        let player = Player::start(&audio);
        SettingsView {
            settings,
            audio,
            status: AudioStatus::default(),
            notice: None,
            voices,
            player: Some(player),
        }
    }

    /// The screen with a given sound check and no audio thread (for tests
    /// and screenshots that must look the same on every machine).
    #[must_use]
    pub fn with_status(
        settings: Settings,
        audio: AudioSettings,
        status: AudioStatus,
        voices: Vec<(String, String)>,
    ) -> SettingsView {
        SettingsView {
            settings,
            audio,
            status,
            notice: None,
            voices,
            player: None,
        }
    }

    /// Draws the screen.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<SettingsCommand> {
        if let Some(p) = &self.player {
            self.status = p.status();
            if !self.status.settled() {
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            }
        }
        let mut command = None;
        let before = (self.settings.clone(), self.audio.clone());
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(RichText::new("Settings").size(26.0));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button(RichText::new("Done").size(18.0)).clicked() {
                        command = Some(SettingsCommand::Back);
                    }
                });
            });
            if let Some(n) = &self.notice {
                ui.colored_label(palette::WARNING, n);
            }
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.columns(2, |cols| {
                    self.picture_ui(&mut cols[0]);
                    cols[0].add_space(16.0);
                    self.habits_ui(&mut cols[0]);
                    self.sound_ui(&mut cols[1]);
                });
            });
        });
        if command.is_none() && (self.settings.clone(), self.audio.clone()) != before {
            self.audio.sanitize();
            command = Some(SettingsCommand::Changed);
        }
        command
    }

    fn picture_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new("Camera and pose model").strong().size(18.0));
        ui.checkbox(&mut self.settings.mirror, "Mirror the camera picture");
        ui.checkbox(
            &mut self.settings.show_stats,
            "Show frame rate and delay while coaching",
        );
        ui.add_space(6.0);
        ui.label("Pose model");
        for name in crate::pose::MODEL_NAMES {
            ui.radio_value(&mut self.settings.model, name.to_owned(), name);
            ui.label(RichText::new(model_text(name)).small().weak());
        }
        ui.label(
            RichText::new("A new model takes effect when the next session starts.")
                .small()
                .weak(),
        );
    }

    fn habits_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new("Habits").strong().size(18.0));
        ui.checkbox(
            &mut self.settings.desk_reminder,
            "Remind me to do the desk reset",
        );
        ui.add_enabled(
            self.settings.desk_reminder,
            egui::Slider::new(&mut self.settings.reminder_every_min, 15..=240)
                .suffix(" min")
                .text("of use between reminders"),
        );
        ui.add_enabled_ui(self.settings.desk_reminder, |ui| {
            super::quiet_hours::quiet_hours_ui(ui, &mut self.settings.quiet_hours);
        });
    }

    fn status_line(ui: &mut egui::Ui, ok: bool, text: &str) {
        let (mark, colour) = if ok {
            ("Working:", palette::GOOD)
        } else {
            ("Problem:", palette::WARNING)
        };
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(colour, mark);
            ui.label(text);
        });
    }

    /// What the sound check found, one sentence per part.
    fn sound_status_ui(&self, ui: &mut egui::Ui) {
        match &self.status.device {
            None => {
                ui.label("Looking for a sound output…");
            }
            Some(Ok(())) => Self::status_line(ui, true, "Sound output found."),
            Some(Err(why)) => Self::status_line(
                ui,
                false,
                &format!(
                    "{}. Plug in speakers or headphones, then open this screen again.",
                    capitalized(why)
                ),
            ),
        }
        match &self.status.speech {
            None => {}
            Some(Ok(engine)) => Self::status_line(ui, true, &format!("Spoken cues by {engine}.")),
            Some(Err(why)) => Self::status_line(ui, false, &capitalized(why)),
        }
        if let Some(voice) = &self.status.voice {
            Self::status_line(ui, false, &capitalized(voice));
        }
    }

    fn sound_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new("Sound").strong().size(18.0));
        self.sound_status_ui(ui);
        ui.add_space(6.0);
        let a = &mut self.audio;
        ui.checkbox(
            &mut a.muted,
            "Start sessions muted (M switches while coaching)",
        );
        ui.add(
            egui::Slider::new(&mut a.volume, 0.0..=1.0)
                .text("volume")
                .custom_formatter(|v, _| format!("{:.0}%", v * 100.0)),
        );
        ui.checkbox(&mut a.voice_on, "Speak cues, counts and countdowns");
        ui.add_enabled_ui(a.voice_on, |ui| {
            let current = a.voice.clone().unwrap_or_default();
            let label = if current.is_empty() {
                "the engine's default".to_owned()
            } else {
                self.voices
                    .iter()
                    .find(|(id, _)| *id == current)
                    .map_or(current.clone(), |(_, l)| l.clone())
            };
            egui::ComboBox::from_label("voice")
                .selected_text(label)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut a.voice, None, "the engine's default");
                    for (id, l) in &self.voices {
                        ui.selectable_value(&mut a.voice, Some(id.clone()), l);
                    }
                });
            ui.add(
                egui::Slider::new(&mut a.rate_wpm, 100..=260)
                    .text("words per minute")
                    .step_by(5.0),
            );
        });
        ui.checkbox(&mut a.tones_on, "Chime at the end of a hold");
        let mut pace_on = a.breathing_pace.is_some();
        ui.checkbox(
            &mut pace_on,
            "Breathing pace tones (breathing drills and long holds)",
        );
        match (pace_on, a.breathing_pace) {
            (true, None) => a.breathing_pace = Some(DEFAULT_BREATHING_PACE),
            (false, Some(_)) => a.breathing_pace = None,
            _ => {}
        }
        if let Some((inhale, exhale)) = &mut a.breathing_pace {
            ui.add(
                egui::Slider::new(inhale, 2.0..=10.0)
                    .text("s breathing in")
                    .step_by(0.5)
                    .fixed_decimals(1),
            );
            ui.add(
                egui::Slider::new(exhale, 2.0..=12.0)
                    .text("s breathing out")
                    .step_by(0.5)
                    .fixed_decimals(1),
            );
        }
        ui.add_space(6.0);
        let can_play = self.player.is_some() && self.status.device == Some(Ok(()));
        if ui
            .add_enabled(can_play, egui::Button::new("Play a sample"))
            .clicked()
            && let Some(p) = &self.player
        {
            p.set_volume(self.audio.volume);
            if self.audio.voice_on {
                p.play(Utterance {
                    t_s: 0.0,
                    kind: UtteranceKind::Speech("Keep your hips level. Three.".to_owned()),
                    priority: Priority::Warning,
                });
            }
            if self.audio.tones_on {
                p.play(Utterance {
                    t_s: 0.0,
                    kind: UtteranceKind::Tone(ToneKind::HoldDone),
                    priority: Priority::Count,
                });
            }
        }
    }

    /// Applies changed sound settings to the sample player: volume at once,
    /// a new voice or rate by starting a fresh player (and a fresh check).
    pub fn refresh_player(&mut self, previous: &AudioSettings) {
        let Some(p) = &self.player else { return };
        p.set_volume(self.audio.volume);
        if previous.voice != self.audio.voice || previous.rate_wpm != self.audio.rate_wpm {
            self.player = Some(Player::start(&AudioSettings {
                muted: false,
                ..self.audio.clone()
            }));
            self.status = AudioStatus::default();
        }
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
            desk_reminder: false,
            reminder_every_min: 45,
            ..Settings::default()
        };
        s.save(Some(&store)).unwrap();
        assert_eq!(Settings::load(Some(&store)), s);
        store.set_setting(KEY, "{not json").unwrap();
        assert_eq!(Settings::load(Some(&store)), Settings::default());
        assert!(Settings::default().save(None).is_err());
        // Out-of-range or unknown values saved by hand come back usable.
        store
            .set_setting(
                KEY,
                r#"{"model":"no-such-model","reminder_every_min":1,
                    "quiet_hours":{"on":true,"start_min":1500,"end_min":420}}"#,
            )
            .unwrap();
        let back = Settings::load(Some(&store));
        assert_eq!(back.model, crate::pose::DEFAULT_MODEL);
        assert_eq!(back.reminder_every_min, 15);
        assert_eq!(back.quiet_hours.text(), "01:00–07:00");
    }

    #[test]
    fn quiet_hours_are_kept_and_settings_saved_before_them_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.sqlite3")).unwrap();
        // Saved by a formcoach that had no quiet hours yet.
        store
            .set_setting(KEY, r#"{"safety_accepted":true,"reminder_every_min":45}"#)
            .unwrap();
        let old = Settings::load(Some(&store));
        assert!(old.safety_accepted);
        assert_eq!(old.reminder_every_min, 45);
        assert_eq!(old.quiet_hours, QuietHours::default());
        let s = Settings {
            quiet_hours: QuietHours {
                on: true,
                start_min: 22 * 60 + 30,
                end_min: 7 * 60,
            },
            ..old
        };
        s.save(Some(&store)).unwrap();
        assert_eq!(
            Settings::load(Some(&store)).quiet_hours.text(),
            "22:30–07:00"
        );
    }

    #[test]
    #[allow(clippy::float_cmp)] // Sizes are whole points or clamped to exact bounds.
    fn the_window_opens_at_its_last_size_and_never_at_a_broken_one() {
        let mut s = Settings::default();
        assert_eq!(s.initial_window_size(), DEFAULT_WINDOW_SIZE);
        assert!(s.note_window(Some([1000.4, 700.0]), Some(false)));
        assert!(!s.note_window(Some([1000.2, 700.1]), Some(false)));
        assert_eq!(s.initial_window_size(), [1000.0, 700.0]);
        // Maximizing keeps the person's own size for later.
        assert!(s.note_window(Some([1920.0, 1080.0]), Some(true)));
        assert!(s.maximized);
        assert_eq!(s.window_size, Some([1000.0, 700.0]));
        assert!(s.note_window(None, Some(false)));
        assert!(!s.maximized);
        // Too small, absurd or garbage values saved by hand come back usable.
        s.window_size = Some([10.0, 10.0]);
        assert_eq!(s.initial_window_size(), MIN_WINDOW_SIZE);
        s.window_size = Some([f32::NAN, 900.0]);
        assert_eq!(s.initial_window_size(), DEFAULT_WINDOW_SIZE);
        s.window_size = Some([1e9, 900.0]);
        assert_eq!(s.initial_window_size(), [MAX_WINDOW_SIZE[0], 900.0]);
        assert!(!s.note_window(Some([0.0, 0.0]), None));
    }

    #[test]
    fn every_model_is_described() {
        for name in crate::pose::MODEL_NAMES {
            assert!(!model_text(name).is_empty(), "{name}");
        }
    }
}
