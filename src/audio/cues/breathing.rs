//! Breathing pace tones, and which exercises get them.

use crate::audio::tones::ToneKind;
use crate::audio::{Priority, Utterance, UtteranceKind};
use crate::coach::{Exercise, Feedback, Phase};

use super::Announcer;

/// When breathing pace tones play for an exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreathingMode {
    /// Not paired with breathing.
    Off,
    /// The whole exercise moves with the breath (after setup).
    Always,
    /// Its holds are breathed through.
    DuringHolds,
}

/// How an exercise pairs with breathing, read from its text: one whose rest
/// phase tells the person to breathe moves with the breath (breathing-360,
/// laying-arm-extensions); one with holds of 5 s or more whose hold text says to
/// breathe is breathed through during the holds.
#[must_use]
pub fn breathing_mode(exercise: &Exercise) -> BreathingMode {
    let breathe = |s: &str| s.to_lowercase().contains("breath");
    let long_hold = exercise.dose.hold_s >= 5.0
        || exercise
            .rules
            .iter()
            .any(|r| r.kind.progress().is_some_and(|p| p.hold_s >= 5.0));
    if breathe(&exercise.phases.rest) {
        BreathingMode::Always
    } else if long_hold && breathe(&exercise.phases.position) {
        BreathingMode::DuringHolds
    } else {
        BreathingMode::Off
    }
}

impl Announcer {
    pub(super) fn breathe(&mut self, fb: &Feedback, out: &mut Vec<Utterance>) {
        let t = fb.t_s;
        let active = match self.breathing {
            BreathingMode::Off => false,
            BreathingMode::Always => fb.phase != Phase::Setup,
            BreathingMode::DuringHolds => fb.hold.as_ref().is_some_and(|h| h.target_s >= 5.0),
        };
        let pace = self
            .settings
            .breathing_pace
            .filter(|_| active && self.settings.tones_on);
        let Some((inhale, exhale)) = pace else {
            self.breath = None;
            return;
        };
        let (mut next, mut breathe_in) = self.breath.unwrap_or((t, true));
        while next <= t + 1e-9 {
            let secs = if breathe_in { inhale } else { exhale };
            out.push(Utterance {
                t_s: next,
                kind: UtteranceKind::Tone(if breathe_in {
                    ToneKind::Inhale { secs }
                } else {
                    ToneKind::Exhale { secs }
                }),
                priority: Priority::Pace,
            });
            next += f64::from(secs);
            breathe_in = !breathe_in;
        }
        self.breath = Some((next, breathe_in));
    }
}
