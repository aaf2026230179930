//! Session summary, computed from a stored timeline.
//!
//! Computing it from samples (rather than keeping the coach's own report)
//! means a session recovered after a crash is summarised exactly like one
//! that ended normally.

use serde::{Deserialize, Serialize};

use super::Sample;

/// Longest stretch one sample may stand for. Longer gaps are pauses or a
/// lost camera, and counting them as good or bad form would be dishonest.
pub const MAX_SAMPLE_GAP_S: f64 = 1.0;

/// Per-side results.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SideStats {
    /// Repetitions counted.
    pub reps: u32,
    /// Holds completed.
    pub holds: u32,
    /// Furthest range-of-motion reading, in the session's `rom_unit`.
    pub rom: Option<f32>,
}

/// A stretch of time during which one cue was showing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningSpan {
    /// When the cue appeared, seconds from the start.
    pub start_s: f64,
    /// When it cleared.
    pub end_s: f64,
    /// The cue.
    pub cue: String,
}

/// What a session amounted to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Time covered by the timeline, pauses excluded.
    pub duration_s: f64,
    /// Time the needed joints were seen.
    pub observable_s: f64,
    /// Time seen and in position (after getting ready): what form is judged on.
    #[serde(default)]
    pub in_position_s: f64,
    /// Time seen, placed right, and with no rule broken.
    pub good_form_s: f64,
    /// The person's left (or both sides, for unsided exercises).
    pub left: SideStats,
    /// The person's right.
    pub right: SideStats,
    /// Cues in time order.
    pub warnings: Vec<WarningSpan>,
}

impl Summary {
    /// Summarises a timeline (samples in time order).
    #[must_use]
    pub fn from_samples(samples: &[Sample]) -> Summary {
        let mut out = Summary::default();
        let typical_dt = typical_step_s(samples);
        let mut open: Option<WarningSpan> = None;
        for (i, s) in samples.iter().enumerate() {
            let next_t = samples.get(i + 1).map_or(s.t_s + typical_dt, |n| n.t_s);
            let dt = (next_t - s.t_s).clamp(0.0, MAX_SAMPLE_GAP_S);
            out.duration_s += dt;
            if s.observable {
                out.observable_s += dt;
                if s.placement_ok {
                    out.in_position_s += dt;
                }
            }
            if s.good_form {
                out.good_form_s += dt;
            }
            out.left.reps = out.left.reps.max(s.reps_left);
            out.right.reps = out.right.reps.max(s.reps_right);
            out.left.holds = out.left.holds.max(s.holds_left);
            out.right.holds = out.right.holds.max(s.holds_right);
            out.left.rom = max_opt(out.left.rom, s.rom_left.map(f32::abs));
            out.right.rom = max_opt(out.right.rom, s.rom_right.map(f32::abs));
            match (&mut open, &s.cue) {
                (Some(span), Some(cue)) if *cue == span.cue => span.end_s = s.t_s + dt,
                (_, cue) => {
                    out.warnings.extend(open.take());
                    open = cue.as_ref().map(|cue| WarningSpan {
                        start_s: s.t_s,
                        end_s: s.t_s + dt,
                        cue: cue.clone(),
                    });
                }
            }
        }
        out.warnings.extend(open);
        out
    }

    /// Time the person could not be seen well enough to judge.
    #[must_use]
    pub fn unobservable_s(&self) -> f64 {
        (self.duration_s - self.observable_s).max(0.0)
    }

    /// Share of the time seen in position that was in good form (`None`
    /// when the person never got into position in view).
    #[must_use]
    pub fn good_form_ratio(&self) -> Option<f64> {
        (self.in_position_s > 0.0).then(|| (self.good_form_s / self.in_position_s).min(1.0))
    }

    /// Time seen but not yet (or no longer) in the start position.
    #[must_use]
    pub fn getting_ready_s(&self) -> f64 {
        (self.observable_s - self.in_position_s).max(0.0)
    }

    /// Left/right difference in range of motion as a share of the larger side.
    #[must_use]
    pub fn rom_asymmetry(&self) -> Option<f32> {
        let (l, r) = (self.left.rom?, self.right.rom?);
        let big = l.max(r);
        (big > 0.0).then(|| (l - r).abs() / big)
    }
}

fn max_opt(a: Option<f32>, b: Option<f32>) -> Option<f32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The usual spacing of samples, for the last one's share of time.
fn typical_step_s(samples: &[Sample]) -> f64 {
    let mut steps: Vec<f64> = samples
        .windows(2)
        .map(|w| w[1].t_s - w[0].t_s)
        .filter(|d| *d > 0.0 && *d <= MAX_SAMPLE_GAP_S)
        .collect();
    if steps.is_empty() {
        return 0.0;
    }
    steps.sort_by(f64::total_cmp);
    steps[steps.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t_s: f64, observable: bool, good: bool, cue: Option<&str>) -> Sample {
        Sample {
            t_s,
            observable,
            placement_ok: observable,
            good_form: good,
            cue: cue.map(str::to_owned),
            ..Sample::default()
        }
    }

    #[test]
    fn times_add_up_and_gaps_are_capped() {
        let samples = [
            at(0.0, true, true, None),
            at(0.5, true, false, Some("a")),
            at(1.0, false, false, None),
            // A 10 s pause counts as at most one second.
            at(11.0, true, true, None),
            at(11.5, true, true, None),
        ];
        let s = Summary::from_samples(&samples);
        // 0.5 + 0.5 + 1 (the capped gap) + 0.5 + 0.5 (the last, at the usual step).
        assert!((s.duration_s - 3.0).abs() < 1e-9, "{}", s.duration_s);
        assert!((s.unobservable_s() - 1.0).abs() < 1e-9);
        assert!((s.good_form_s - 1.5).abs() < 1e-9);
        assert_eq!(s.warnings.len(), 1);
        assert_eq!(s.warnings[0].cue, "a");
        assert!(s.good_form_ratio().unwrap() <= 1.0);
    }

    #[test]
    fn getting_ready_is_not_judged_as_form() {
        let ready = |t_s| Sample {
            t_s,
            observable: true,
            placement_ok: false,
            good_form: false,
            ..Sample::default()
        };
        // Two seconds getting ready, then one in position in good form.
        let mut samples: Vec<Sample> = (0..4).map(|i| ready(f64::from(i) * 0.5)).collect();
        samples.push(at(2.0, true, true, None));
        samples.push(at(2.5, true, true, None));
        let s = Summary::from_samples(&samples);
        assert!((s.getting_ready_s() - 2.0).abs() < 1e-9);
        assert!((s.good_form_ratio().unwrap() - 1.0).abs() < 1e-9);
        // Never in position: no ratio rather than a flattering one.
        let never = Summary::from_samples(&samples[..4]);
        assert!(never.good_form_ratio().is_none());
    }

    #[test]
    fn consecutive_identical_cues_merge() {
        let samples = [
            at(0.0, true, false, Some("a")),
            at(0.1, true, false, Some("a")),
            at(0.2, true, false, Some("b")),
            at(0.3, true, true, None),
            at(0.4, true, false, Some("a")),
        ];
        let s = Summary::from_samples(&samples);
        let cues: Vec<&str> = s.warnings.iter().map(|w| w.cue.as_str()).collect();
        assert_eq!(cues, ["a", "b", "a"]);
    }

    #[test]
    fn an_empty_timeline_is_all_zero() {
        let s = Summary::from_samples(&[]);
        assert_eq!(s, Summary::default());
        assert_eq!(s.good_form_ratio(), None);
        assert_eq!(s.rom_asymmetry(), None);
    }
}
