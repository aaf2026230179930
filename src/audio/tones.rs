//! Tones: the end-of-hold chime and the breathing pace swells. Soft sines with
//! smooth fades so nothing clicks.

use serde::{Deserialize, Serialize};
use std::f32::consts::PI;

/// A synthesised sound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToneKind {
    /// Two rising notes: the hold is complete.
    HoldDone,
    /// A soft rising swell lasting the whole in-breath.
    Inhale {
        /// Seconds.
        secs: f32,
    },
    /// A soft falling swell lasting the whole out-breath.
    Exhale {
        /// Seconds.
        secs: f32,
    },
}

/// Peak level of the end-of-hold chime.
const CHIME_LEVEL: f32 = 0.3;
/// Peak level of the breathing swells: well under speech, so they sit behind it.
const PACE_LEVEL: f32 = 0.07;

impl ToneKind {
    /// Length in seconds.
    #[must_use]
    pub fn duration_s(self) -> f32 {
        match self {
            ToneKind::HoldDone => 0.55,
            ToneKind::Inhale { secs } | ToneKind::Exhale { secs } => secs.clamp(0.2, 30.0),
        }
    }

    /// The samples at `sample_rate`, in -1..1.
    #[must_use]
    pub fn synth(self, sample_rate: u32) -> Vec<f32> {
        let sr = sample_rate.max(1) as f32;
        match self {
            ToneKind::HoldDone => {
                let mut out = note(660.0, 0.2, CHIME_LEVEL, sr);
                let second = note(880.0, 0.35, CHIME_LEVEL, sr);
                out.extend(second);
                out
            }
            ToneKind::Inhale { .. } => swell(196.0, 262.0, self.duration_s(), sr),
            ToneKind::Exhale { .. } => swell(262.0, 175.0, self.duration_s(), sr),
        }
    }
}

/// A bell-like note: 8 ms attack, exponential decay, a touch of the octave.
fn note(freq: f32, secs: f32, level: f32, sr: f32) -> Vec<f32> {
    let n = (secs * sr) as usize;
    let attack = 0.008 * sr;
    (0..n)
        .map(|i| {
            let t = i as f32 / sr;
            let env_in = (i as f32 / attack).min(1.0);
            let env_out = (-t * 6.0).exp() * fade_out(i, n, 0.02 * sr);
            let s = (2.0 * PI * freq * t).sin() + 0.25 * (4.0 * PI * freq * t).sin();
            level * env_in * env_out * s / 1.25
        })
        .collect()
}

/// A pitch glide from `f0` to `f1` with raised-cosine fades in and out.
fn swell(f0: f32, f1: f32, secs: f32, sr: f32) -> Vec<f32> {
    let n = (secs * sr) as usize;
    let fade = (secs * 0.3).min(1.2) * sr;
    let mut phase = 0.0f32;
    (0..n)
        .map(|i| {
            let x = i as f32 / n.max(1) as f32;
            let f = f0 + (f1 - f0) * x;
            phase = (phase + 2.0 * PI * f / sr) % (2.0 * PI);
            let env = raised_cos((i as f32 / fade).min(1.0)) * fade_out(i, n, fade);
            PACE_LEVEL * env * (phase.sin() + 0.2 * (2.0 * phase).sin()) / 1.2
        })
        .collect()
}

fn raised_cos(x: f32) -> f32 {
    0.5 - 0.5 * (PI * x.clamp(0.0, 1.0)).cos()
}

fn fade_out(i: usize, n: usize, len: f32) -> f32 {
    raised_cos((n.saturating_sub(i) as f32 / len.max(1.0)).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rms(s: &[f32]) -> f32 {
        (s.iter().map(|x| x * x).sum::<f32>() / s.len().max(1) as f32).sqrt()
    }

    #[test]
    fn tones_have_their_length_fade_and_stay_soft() {
        for kind in [
            ToneKind::HoldDone,
            ToneKind::Inhale { secs: 4.0 },
            ToneKind::Exhale { secs: 6.0 },
        ] {
            let s = kind.synth(22_050);
            let want = (kind.duration_s() * 22_050.0) as usize;
            assert!(
                s.len().abs_diff(want) < 50,
                "{kind:?}: {} vs {want}",
                s.len()
            );
            let peak = s.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak > 0.02 && peak <= CHIME_LEVEL, "{kind:?} peak {peak}");
            // No click: the first and last samples are near zero.
            assert!(s[0].abs() < 0.01 && s[s.len() - 1].abs() < 0.01, "{kind:?}");
        }
        // Pace swells sit well below the chime.
        let chime = rms(&ToneKind::HoldDone.synth(22_050));
        let pace = rms(&ToneKind::Inhale { secs: 4.0 }.synth(22_050));
        assert!(pace < chime / 2.0, "{pace} vs {chime}");
    }

    #[test]
    fn swell_fades_in_slowly() {
        let s = ToneKind::Exhale { secs: 6.0 }.synth(22_050);
        let head = rms(&s[..2205]);
        let middle = rms(&s[s.len() / 2 - 1102..s.len() / 2 + 1103]);
        assert!(head < middle / 3.0, "{head} {middle}");
    }
}
