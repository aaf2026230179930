//! Coaching you can hear: spoken cues, counts, hold countdowns, breathing pace
//! tones, live playback and a headless render of a session's audio track.
//!
//! Flow: the coach's [`Feedback`](crate::coach::Feedback) stream goes through the
//! [`Announcer`] (dosing rules: one phrase at a time, most important first,
//! cooldowns), which yields timed [`Utterance`]s. Those are either played live by
//! the [`Player`] (its own thread, never blocks the caller) or mixed into a WAV by
//! [`render_session_wav`]. Phrases are rendered to PCM by an offline speech engine
//! (espeak-ng; `say` on macOS and SAPI on Windows when espeak-ng is missing) and
//! cached by text, voice and rate.
//!
//! Nothing here may stop coaching: no sound device, no speech engine or an
//! unknown voice each log one clear line and the text cues go on.

pub mod cues;
pub mod output;
pub mod render;
pub mod speech;
pub mod tones;

pub use cues::{Announcer, BreathingMode, breathing_mode};
pub use output::{AudioStatus, Player};
pub use render::{RenderSummary, Span, mix, render_session, render_session_wav, write_wav};
pub use speech::{Speech, SpeechEngine};
pub use tones::ToneKind;

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Sample rate of everything this module produces (mono).
pub const SAMPLE_RATE: u32 = 22_050;

/// Default breathing pace: seconds in, seconds out.
pub const DEFAULT_BREATHING_PACE: (f32, f32) = (4.0, 6.0);

/// Default speaking rate, words per minute.
pub const DEFAULT_RATE_WPM: u32 = 165;

/// Something the audio path could not do. None of these stop coaching.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// No offline speech engine was found.
    #[error(
        "no speech engine found ({tried}); install espeak-ng to hear spoken cues \
         (coaching goes on in text)"
    )]
    NoSpeechEngine {
        /// What was looked for.
        tried: String,
    },
    /// The engine does not know the voice asked for.
    #[error("the speech engine {engine} has no voice `{voice}`; using its default voice")]
    UnknownVoice {
        /// Engine name.
        engine: String,
        /// The voice asked for.
        voice: String,
    },
    /// The speech engine ran but failed on a phrase.
    #[error("the speech engine {engine} failed on \"{text}\": {message}")]
    SpeechFailed {
        /// Engine name.
        engine: String,
        /// The phrase.
        text: String,
        /// What went wrong.
        message: String,
    },
    /// No sound output device.
    #[error("no sound output ({0}); coaching goes on in text")]
    NoDevice(String),
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Reading or writing a WAV file.
    #[error("{path}: {source}")]
    Wav {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: hound::Error,
    },
    /// The settings file is not valid.
    #[error("{path}: {message}")]
    Settings {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// What the person wants to hear. Persisted as TOML next to the other settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AudioSettings {
    /// Spoken cues, counts and countdowns.
    pub voice_on: bool,
    /// End-of-hold tone and breathing pace tones.
    pub tones_on: bool,
    /// Breathing pace (seconds in, seconds out) for exercises paired with
    /// breathing; `None` turns the pace tones off (stored as `false`).
    #[serde(with = "pace_serde")]
    pub breathing_pace: Option<(f32, f32)>,
    /// Output volume 0..1.
    pub volume: f32,
    /// Everything silent (live playback only; a render ignores it).
    pub muted: bool,
    /// Speech engine voice (for espeak-ng a language such as `en-us`, or a
    /// voice name); `None` is the engine's default.
    pub voice: Option<String>,
    /// Speaking rate, words per minute.
    pub rate_wpm: u32,
}

impl Default for AudioSettings {
    fn default() -> Self {
        AudioSettings {
            voice_on: true,
            tones_on: true,
            breathing_pace: Some(DEFAULT_BREATHING_PACE),
            volume: 0.8,
            muted: false,
            voice: None,
            rate_wpm: DEFAULT_RATE_WPM,
        }
    }
}

impl AudioSettings {
    /// The same settings with every value in range (volume 0..1, pace 1..20 s
    /// per half breath, rate 80..400 wpm).
    #[must_use]
    pub fn sanitized(&self) -> AudioSettings {
        let mut s = self.clone();
        s.sanitize();
        s
    }

    /// Brings every value into range, in place (see [`AudioSettings::sanitized`]).
    pub fn sanitize(&mut self) {
        let s = self;
        s.volume = if s.volume.is_finite() {
            s.volume.clamp(0.0, 1.0)
        } else {
            AudioSettings::default().volume
        };
        s.breathing_pace = s.breathing_pace.map(|(i, o)| {
            let fix = |v: f32, d: f32| if v.is_finite() { v.clamp(1.0, 20.0) } else { d };
            (
                fix(i, DEFAULT_BREATHING_PACE.0),
                fix(o, DEFAULT_BREATHING_PACE.1),
            )
        });
        s.rate_wpm = s.rate_wpm.clamp(80, 400);
        s.voice = s.voice.take().filter(|v| !v.trim().is_empty());
    }

    /// Where the settings live by default: `audio.toml` in `FORMCOACH_DATA_DIR`
    /// when that is set (tests and portable installs keep everything in one
    /// folder), else in the platform's config folder.
    #[must_use]
    pub fn default_path() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("FORMCOACH_DATA_DIR").filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(dir).join("audio.toml"));
        }
        directories::ProjectDirs::from("", "", "formcoach")
            .map(|d| d.config_dir().join("audio.toml"))
    }

    /// Reads settings; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<AudioSettings, AudioError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str::<AudioSettings>(&text)
                .map(|s| s.sanitized())
                .map_err(|e| AudioError::Settings {
                    path: path.to_owned(),
                    message: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AudioSettings::default()),
            Err(source) => Err(AudioError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Loads from [`AudioSettings::default_path`]; any problem is logged once and
    /// gives the defaults.
    #[must_use]
    pub fn load_or_default() -> AudioSettings {
        let Some(path) = AudioSettings::default_path() else {
            return AudioSettings::default();
        };
        AudioSettings::load(&path).unwrap_or_else(|e| {
            warn_once(&format!("audio settings: {e}; using the defaults"));
            AudioSettings::default()
        })
    }

    /// Writes settings (creating the folder).
    pub fn save(&self, path: &Path) -> Result<(), AudioError> {
        let io = |source| AudioError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = toml::to_string(&self.sanitized()).map_err(|e| AudioError::Settings {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        std::fs::write(path, text).map_err(io)
    }
}

/// `breathing_pace = [4.0, 6.0]` or `breathing_pace = false` in the file.
mod pace_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Pace {
        On((f32, f32)),
        Off(bool),
    }

    #[allow(clippy::ref_option)] // serde's `with` hands over a reference
    pub fn serialize<S: Serializer>(v: &Option<(f32, f32)>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(p) => Pace::On(*p).serialize(s),
            None => Pace::Off(false).serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(f32, f32)>, D::Error> {
        Ok(match Pace::deserialize(d)? {
            Pace::On(p) => Some(p),
            Pace::Off(true) => Some(super::DEFAULT_BREATHING_PACE),
            Pace::Off(false) => None,
        })
    }
}

/// How urgent an utterance is; a higher one may cut a lower one short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// A short positive phrase after a fault clears.
    Praise,
    /// Breathing pace tones.
    Pace,
    /// Counts, countdowns, set and side changes.
    Count,
    /// Camera placement and visibility help.
    Placement,
    /// A form fault.
    Warning,
}

/// What to play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UtteranceKind {
    /// A phrase to speak.
    Speech(String),
    /// A tone.
    Tone(ToneKind),
}

/// One sound at one moment of the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    /// Session time it starts, seconds.
    pub t_s: f64,
    /// What it is.
    pub kind: UtteranceKind,
    /// How urgent.
    pub priority: Priority,
}

impl Utterance {
    /// The phrase, for speech.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            UtteranceKind::Speech(s) => Some(s),
            UtteranceKind::Tone(_) => None,
        }
    }
}

/// Prints `formcoach: audio: {message}` to stderr the first time it is seen.
pub fn warn_once(message: &str) {
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let first = match SEEN.lock() {
        Ok(mut seen) => seen
            .get_or_insert_with(HashSet::new)
            .insert(message.to_owned()),
        Err(_) => true,
    };
    if first {
        eprintln!("formcoach: audio: {message}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("audio.toml");
        assert_eq!(
            AudioSettings::load(&path).unwrap(),
            AudioSettings::default()
        );
        let s = AudioSettings {
            voice_on: false,
            tones_on: true,
            breathing_pace: Some((3.0, 7.0)),
            volume: 0.4,
            muted: true,
            voice: Some("en-us".into()),
            rate_wpm: 150,
        };
        s.save(&path).unwrap();
        assert_eq!(AudioSettings::load(&path).unwrap(), s);
        let off = AudioSettings {
            breathing_pace: None,
            ..AudioSettings::default()
        };
        off.save(&path).unwrap();
        assert_eq!(AudioSettings::load(&path).unwrap(), off);
        std::fs::write(&path, "volume = \"loud\"").unwrap();
        let e = AudioSettings::load(&path).unwrap_err();
        assert!(e.to_string().contains("audio.toml"), "{e}");
    }

    #[test]
    fn sanitize_clamps() {
        let s = AudioSettings {
            volume: 7.0,
            breathing_pace: Some((0.0, f32::NAN)),
            rate_wpm: 5,
            voice: Some("  ".into()),
            ..AudioSettings::default()
        }
        .sanitized();
        assert!((s.volume - 1.0).abs() < 1e-6);
        assert_eq!(s.breathing_pace, Some((1.0, 6.0)));
        assert_eq!(s.rate_wpm, 80);
        assert_eq!(s.voice, None);
    }
}
