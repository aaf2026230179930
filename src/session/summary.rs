//! Session summary, computed from the per-frame timeline the history keeps.
//!
//! Computing it from samples (rather than keeping the coach's own report)
//! means a session recovered after a crash is summarised exactly like one
//! that ended normally; `formcoach analyze` builds the same samples, so its
//! "what went well" is the window's.

use serde::{Deserialize, Serialize};

use crate::coach::{Event, Feedback, Side};

/// Longest stretch one sample may stand for. Longer gaps are pauses or a
/// lost camera, and counting them as good or bad form would be dishonest.
pub const MAX_SAMPLE_GAP_S: f64 = 1.0;

/// One moment of a session's timeline, as the coach judged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Sample {
    /// Seconds since the session started, from frame timestamps.
    pub t_s: f64,
    /// Whether the joints the exercise needs were seen.
    pub observable: bool,
    /// Whether the person was in the start position, placed where the
    /// exercise needs them (false while getting ready).
    pub placement_ok: bool,
    /// Observable, placed, and no form rule broken.
    pub good_form: bool,
    /// Repetitions counted so far on the person's left (or in total when unsided).
    pub reps_left: u32,
    /// Repetitions counted so far on the person's right.
    pub reps_right: u32,
    /// Completed holds so far, left (or in total).
    pub holds_left: u32,
    /// Completed holds so far, right.
    pub holds_right: u32,
    /// The form cue showing, if any.
    pub cue: Option<String>,
    /// Peak of a rep or hold that ended on the left at this moment, in the
    /// session's `rom_unit` (unsided exercises use left).
    pub rom_left: Option<f32>,
    /// The same on the right.
    pub rom_right: Option<f32>,
    /// The back's curve read on this frame (side views with a mask).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spine: Option<super::spine::SpineSample>,
}

/// Turns one frame's feedback into a timeline sample (what the history
/// keeps per frame). `holds` counts finished holds per side across calls.
pub fn sample_of(t_s: f64, fb: &Feedback, holds: &mut [u32; 2]) -> Sample {
    let mut rom = [None, None];
    for event in &fb.events {
        let (side, peak) = match event {
            Event::Rep { side, peak, .. } => (*side, *peak),
            Event::Hold { side, peak, .. } => {
                holds[usize::from(*side == Some(Side::Right))] += 1;
                (*side, *peak)
            }
            _ => continue,
        };
        rom[usize::from(side == Some(Side::Right))] = peak;
    }
    // Getting into the start position is not exercising: like `formcoach
    // analyze`, nothing before the coach starts counting is judged as form.
    let in_position = fb.placement.is_none() && fb.phase != crate::coach::Phase::Setup;
    Sample {
        t_s,
        observable: fb.observable,
        placement_ok: in_position,
        good_form: fb.observable && in_position && !fb.warning_active,
        reps_left: fb.reps.left + fb.reps.both,
        reps_right: fb.reps.right,
        holds_left: holds[0],
        holds_right: holds[1],
        cue: fb
            .cue
            .as_ref()
            .filter(|c| c.severity == crate::coach::Severity::Warning)
            .map(|c| c.message.clone()),
        rom_left: rom[0],
        rom_right: rom[1],
        spine: None,
    }
}

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

/// A session's totals over its timeline of samples (time seen, in
/// position, in good form; reps, holds and range per side; the cues): what
/// the window's summary screen draws and the highlights are written from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionTotals {
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

impl SessionTotals {
    /// Summarises a timeline (samples in time order).
    #[must_use]
    pub fn from_samples(samples: &[Sample]) -> SessionTotals {
        let mut out = SessionTotals::default();
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

/// Plain sentences about a session: what to keep and what to change. Built
/// from the same figures the summary shows, so nothing is praised that the
/// camera did not see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Highlights {
    /// Worth keeping.
    pub went_well: Vec<String>,
    /// Worth changing next time, the most useful first.
    pub to_work_on: Vec<String>,
}

impl Highlights {
    /// Both lists under the headings they are shown with, in the window and
    /// in `formcoach analyze`, in that order.
    #[must_use]
    pub fn sections(&self) -> [(&'static str, &[String]); 2] {
        [
            ("What went well", &self.went_well),
            ("To work on next time", &self.to_work_on),
        ]
    }
}

/// Good form over this share of the time in position is worth saying so;
/// below it, the cue that came up most is the first thing to work on.
const GOOD_SHARE: f64 = 0.8;
/// Seen less than this share of the time: the camera placement needs work.
const SEEN_SHARE: f64 = 0.8;
/// Sides within this share of each other in range count as even.
const EVEN_SIDES: f32 = 0.10;
/// Sides further apart than this are worth a look.
const UNEVEN_SIDES: f32 = 0.20;
/// Changes since last time smaller than these are noise, not progress.
const FORM_GAIN: f64 = 0.10;
const RANGE_GAIN: f32 = 0.05;

impl SessionTotals {
    /// What went well and what to work on; `previous` is the last session of
    /// the same exercise, for progress. Unsided exercises count on the left.
    #[must_use]
    pub fn highlights(&self, sided: bool, previous: Option<&SessionTotals>) -> Highlights {
        let mut out = Highlights::default();
        self.count_lines(sided, &mut out);
        self.form_lines(previous, &mut out);
        if self.duration_s > 0.0 && self.observable_s / self.duration_s < SEEN_SHARE {
            out.to_work_on.push(format!(
                "The camera could not see you {:.0}% of the time; that time was not judged. \
                 Check the light and that your whole body is in the picture.",
                100.0 * self.unobservable_s() / self.duration_s
            ));
        }
        self.range_lines(sided, previous, &mut out);
        out
    }

    /// What was counted, per side when sided.
    fn count_lines(&self, sided: bool, out: &mut Highlights) {
        let (l, r) = (&self.left, &self.right);
        let counted = |s: &SideStats| match (s.reps, s.holds) {
            (0, 0) => None,
            (n, 0) => Some(plural(n, "rep")),
            (0, n) => Some(plural(n, "hold")),
            (n, m) => Some(format!("{} and {}", plural(n, "rep"), plural(m, "hold"))),
        };
        match (sided, counted(l), counted(r)) {
            (true, Some(a), Some(b)) if a == b => {
                out.went_well.push(format!("You did {a} on each side."));
            }
            (true, Some(a), Some(b)) => {
                out.went_well
                    .push(format!("You did {a} on the left and {b} on the right."));
            }
            (true, a, b) => {
                if let Some(done) = a.map(|a| (a, "left")).or(b.map(|b| (b, "right"))) {
                    out.went_well
                        .push(format!("You did {} on the {} side.", done.0, done.1));
                    let other = if done.1 == "left" { "right" } else { "left" };
                    out.to_work_on
                        .push(format!("Nothing was counted on the {other} side."));
                }
            }
            (false, Some(a), _) => out.went_well.push(format!("You did {a}.")),
            (false, None, _) => {}
        }
    }

    /// Form while in position, the cue that came up most, and progress.
    fn form_lines(&self, previous: Option<&SessionTotals>, out: &mut Highlights) {
        match self.good_form_ratio() {
            None => out.to_work_on.insert(
                0,
                "You were never seen in the start position, so nothing was judged: \
                 the picker shows where the camera should see you."
                    .to_owned(),
            ),
            Some(share) => {
                if self.warnings.is_empty() {
                    out.went_well
                        .push("No form cue came up while you were in position.".to_owned());
                } else if share >= GOOD_SHARE {
                    out.went_well.push(format!(
                        "You kept good form {:.0}% of the time you were in position.",
                        share * 100.0
                    ));
                } else if let Some((cue, n)) = self.most_frequent_cue() {
                    out.to_work_on.insert(
                        0,
                        format!(
                            "The cue that came up most ({}): \u{201c}{cue}\u{201d}",
                            times(n)
                        ),
                    );
                }
                if let Some(before) = previous.and_then(SessionTotals::good_form_ratio)
                    && share - before >= FORM_GAIN
                {
                    out.went_well.push(format!(
                        "Good form went up from {:.0}% last time to {:.0}%.",
                        before * 100.0,
                        share * 100.0
                    ));
                }
            }
        }
    }

    /// Left/right balance and range gained since last time.
    fn range_lines(&self, sided: bool, previous: Option<&SessionTotals>, out: &mut Highlights) {
        let (l, r) = (&self.left, &self.right);
        if sided && let (Some(lr), Some(rr), Some(gap)) = (l.rom, r.rom, self.rom_asymmetry()) {
            if gap <= EVEN_SIDES {
                out.went_well
                    .push("Both sides reached about the same range.".to_owned());
            } else if gap >= UNEVEN_SIDES {
                let (short, long) = if lr < rr {
                    ("left", "right")
                } else {
                    ("right", "left")
                };
                out.to_work_on.push(format!(
                    "Your {short} side reached {:.0}% less range than your {long}; \
                     give it a little more time, without forcing it.",
                    gap * 100.0
                ));
            }
        }
        let best = |s: &SessionTotals| max_opt(s.left.rom, s.right.rom);
        if let (Some(now), Some(then)) = (best(self), previous.and_then(best))
            && then > 0.0
            && (now - then) / then >= RANGE_GAIN
        {
            out.went_well.push(format!(
                "Your best range was {:.0}% further than last time.",
                100.0 * (now - then) / then
            ));
        }
    }

    /// The cue shown most often, with how many times it came up.
    fn most_frequent_cue(&self) -> Option<(&str, usize)> {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for w in &self.warnings {
            match counts.iter_mut().find(|(c, _)| *c == w.cue) {
                Some((_, n)) => *n += 1,
                None => counts.push((&w.cue, 1)),
            }
        }
        // The first to reach the highest count wins ties.
        counts.into_iter().rev().max_by_key(|(_, n)| *n)
    }
}

fn plural(n: u32, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn times(n: usize) -> String {
    match n {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
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

    fn summary(in_position: f64, good: f64, cues: &[&str]) -> SessionTotals {
        SessionTotals {
            duration_s: 60.0,
            observable_s: 60.0,
            in_position_s: in_position,
            good_form_s: good,
            warnings: cues
                .iter()
                .map(|c| WarningSpan {
                    start_s: 1.0,
                    end_s: 2.0,
                    cue: (*c).to_owned(),
                })
                .collect(),
            ..SessionTotals::default()
        }
    }

    fn reps_with_range(reps: u32, rom: f32) -> SideStats {
        SideStats {
            reps,
            holds: 0,
            rom: Some(rom),
        }
    }

    #[test]
    fn highlights_praise_only_what_was_seen() {
        // Never in position: no praise for form, and the first advice says why.
        let h = summary(0.0, 0.0, &[]).highlights(true, None);
        assert!(h.went_well.is_empty(), "{h:?}");
        assert!(h.to_work_on[0].contains("never seen in the start position"));

        // Mostly good form with a cue or two.
        let mut s = summary(50.0, 45.0, &["Hips still."]);
        s.left = reps_with_range(8, 50.0);
        s.right = reps_with_range(8, 52.0);
        let h = s.highlights(true, None);
        assert_eq!(h.went_well[0], "You did 8 reps on each side.");
        assert!(h.went_well.iter().any(|w| w.contains("90% of the time")));
        assert!(h.went_well.iter().any(|w| w.contains("same range")));
        assert!(h.to_work_on.is_empty(), "{h:?}");

        // Weak form names the most frequent cue; a short side is pointed out.
        let mut s = summary(50.0, 20.0, &["Knees down.", "Hips still.", "Hips still."]);
        s.left = reps_with_range(3, 30.0);
        s.right = reps_with_range(3, 50.0);
        let h = s.highlights(true, None);
        assert!(h.to_work_on[0].contains("twice") && h.to_work_on[0].contains("Hips still."));
        assert!(
            h.to_work_on
                .iter()
                .any(|w| w.contains("left side reached 40% less"))
        );

        // Progress since last time, and a camera that missed a lot.
        let before = summary(50.0, 25.0, &["x"]);
        let mut s = summary(50.0, 40.0, &["x"]);
        s.observable_s = 30.0;
        let h = s.highlights(false, Some(&before));
        assert!(
            h.went_well
                .iter()
                .any(|w| w.contains("from 50% last time to 80%"))
        );
        assert!(
            h.to_work_on
                .iter()
                .any(|w| w.contains("could not see you 50%"))
        );
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
        let s = SessionTotals::from_samples(&samples);
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
        let s = SessionTotals::from_samples(&samples);
        assert!((s.getting_ready_s() - 2.0).abs() < 1e-9);
        assert!((s.good_form_ratio().unwrap() - 1.0).abs() < 1e-9);
        // Never in position: no ratio rather than a flattering one.
        let never = SessionTotals::from_samples(&samples[..4]);
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
        let s = SessionTotals::from_samples(&samples);
        let cues: Vec<&str> = s.warnings.iter().map(|w| w.cue.as_str()).collect();
        assert_eq!(cues, ["a", "b", "a"]);
    }

    #[test]
    fn an_empty_timeline_is_all_zero() {
        let s = SessionTotals::from_samples(&[]);
        assert_eq!(s, SessionTotals::default());
        assert_eq!(s.good_form_ratio(), None);
        assert_eq!(s.rom_asymmetry(), None);
    }
}
