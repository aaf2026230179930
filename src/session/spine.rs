//! The back's curve per rep: how far the mid-back rounded and how far it
//! extended in each rep, from the per-frame timeline.
//!
//! Computed from samples, as the rest of the summary is, so the window,
//! `formcoach analyze` and a session reopened from the history say the
//! same. Reps are placed by where the timeline's rep counters step up (one
//! step per rep event), each rep's span centred on its count (see
//! `rep_window`); exercises counted in holds use the hold counters.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::summary::Sample;
use crate::coach::Side;

/// A reading below this confidence is not used: in a view turned toward the
/// front, or with a ragged mask, the traced edge is no longer the back.
/// The tracer's side views on the real clips score 0.6-0.9; a 45-degree
/// view about 0.5.
pub const MIN_CONFIDENCE: f32 = 0.4;

/// Readings within this many seconds either side are medianed before the
/// extremes are taken, so one bad mask does not become a rep's figure (the
/// tracer's figures were checked in half-second medians).
const MEDIAN_HALF_WINDOW_S: f64 = 0.25;

/// Below this share of a rep's time read, the rep's figures are marked as
/// coming from part of it only.
pub const MOSTLY_SEEN: f64 = 0.5;

/// One frame's back curve as the timeline keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpineSample {
    /// Upper back, degrees: positive rounded, negative arched.
    pub thoracic_deg: f32,
    /// Low back, same convention.
    pub lumbar_deg: f32,
    /// 0..1, as the tracer gave it.
    pub confidence: f32,
}

/// The back's range in one rep (or hold).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepSpine {
    /// 1-based, in session order.
    pub rep: u32,
    /// Side worked, for sided exercises.
    pub side: Option<Side>,
    /// Seconds from the start: where the rep began.
    pub start_s: f64,
    /// Where it was counted.
    pub end_s: f64,
    /// Most rounded mid-back reading (`None`: not read in this rep).
    pub thoracic_max_deg: Option<f32>,
    /// Most extended (least rounded) mid-back reading.
    pub thoracic_min_deg: Option<f32>,
    /// Most rounded low-back reading.
    pub lumbar_max_deg: Option<f32>,
    /// Most arched low-back reading.
    pub lumbar_min_deg: Option<f32>,
    /// Share of the rep's frames with a usable reading, 0..1.
    pub seen_share: f64,
}

/// The back's range per rep over a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpineRanges {
    /// Whether the boundaries are holds (no rep was counted, holds were).
    pub holds: bool,
    /// One entry per counted rep (or hold).
    pub reps: Vec<RepSpine>,
    /// The range over the whole session, counted or not (its `rep` is 0):
    /// what there is to say when no rep was counted.
    pub whole: RepSpine,
    /// Share of the frames the person was seen in with a usable reading,
    /// 0..1.
    pub seen_share: f64,
}

/// "rounded 28°" / "arched 9°" / "straight".
#[must_use]
pub fn curve_words(deg: f32) -> String {
    let r = deg.round();
    if r > 0.0 {
        format!("rounded {r:.0}°")
    } else if r < 0.0 {
        format!("arched {:.0}°", -r)
    } else {
        "straight".to_owned()
    }
}

impl SpineSample {
    /// The sample of a tracer's measure; `None` when a figure is not finite.
    #[must_use]
    pub fn of(m: &crate::pose::spine::SpineMeasure) -> Option<SpineSample> {
        let s = SpineSample {
            thoracic_deg: m.thoracic_curve_deg as f32,
            lumbar_deg: m.lumbar_curve_deg as f32,
            confidence: m.confidence as f32,
        };
        (s.thoracic_deg.is_finite() && s.lumbar_deg.is_finite() && s.confidence.is_finite())
            .then_some(s)
    }
}

impl RepSpine {
    /// "mid-back from rounded 50° to arched 6°", or why there is no figure.
    #[must_use]
    pub fn text(&self) -> String {
        let (Some(hi), Some(lo)) = (self.thoracic_max_deg, self.thoracic_min_deg) else {
            return "mid-back not seen (turn side-on to the camera)".to_owned();
        };
        let mut s = format!("mid-back from {} to {}", curve_words(hi), curve_words(lo));
        if self.seen_share < MOSTLY_SEEN {
            let _ = write!(
                s,
                " (read in only {:.0}% of the rep)",
                self.seen_share * 100.0
            );
        }
        s
    }
}

impl SpineRanges {
    /// The per-rep ranges of a timeline; `None` when no frame had a usable
    /// reading (a front view, or a model without a mask): nothing is shown.
    #[must_use]
    pub fn from_samples(samples: &[Sample]) -> Option<SpineRanges> {
        let usable = |s: &Sample| s.spine.filter(|p| p.confidence >= MIN_CONFIDENCE);
        if !samples.iter().any(|s| usable(s).is_some()) {
            return None;
        }
        let reps_counted = samples
            .last()
            .is_some_and(|s| s.reps_left + s.reps_right > 0);
        let count = |s: &Sample| -> [u32; 2] {
            if reps_counted {
                [s.reps_left, s.reps_right]
            } else {
                [s.holds_left, s.holds_right]
            }
        };
        // Out of view, nothing could be read: that is said elsewhere.
        let seen: Vec<&Sample> = samples.iter().filter(|s| s.observable).collect();
        let seen: Vec<&Sample> = if seen.is_empty() {
            samples.iter().collect()
        } else {
            seen
        };
        let seen_share =
            seen.iter().filter(|s| usable(s).is_some()).count() as f64 / seen.len() as f64;
        // Where each rep (or hold) was counted, and on which side.
        let mut counts: Vec<(usize, Option<Side>)> = Vec::new();
        let mut last = [0, 0];
        for (i, s) in samples.iter().enumerate() {
            let now = count(s);
            let side = if now[1] > last[1] {
                Some(Side::Right)
            } else if now[0] > last[0] {
                Some(Side::Left)
            } else {
                continue;
            };
            last = now;
            counts.push((i, side));
        }
        let first = samples.iter().position(|s| s.placement_ok).unwrap_or(0);
        let end = samples.len().saturating_sub(1);
        let mut reps = counts
            .iter()
            .enumerate()
            .map(|(k, &(_, side))| {
                let (from, to) = rep_window(&counts, k, first, end);
                rep_range(&samples[from..=to.max(from)], k as u32 + 1, side)
            })
            .collect::<Vec<_>>();
        // Unsided exercises count on the left: say no side there.
        let sided = samples.iter().any(|s| s.reps_right + s.holds_right > 0);
        if !sided {
            for r in &mut reps {
                r.side = None;
            }
        }
        let holds_counted = samples
            .last()
            .is_some_and(|s| s.holds_left + s.holds_right > 0);
        Some(SpineRanges {
            holds: !reps_counted && holds_counted,
            reps,
            whole: rep_range(samples, 0, None),
            seen_share,
        })
    }

    /// The session in two figures for the history's trend: the mean over
    /// its reps of the most rounded and of the most extended mid-back
    /// reading, or the whole session's when no rep was counted or read.
    #[must_use]
    pub fn typical(&self) -> Option<(f32, f32)> {
        let read: Vec<(f32, f32)> = self
            .reps
            .iter()
            .filter_map(|r| Some((r.thoracic_max_deg?, r.thoracic_min_deg?)))
            .collect();
        if read.is_empty() {
            return Some((self.whole.thoracic_max_deg?, self.whole.thoracic_min_deg?));
        }
        let n = read.len() as f32;
        let (hi, lo) = read
            .iter()
            .fold((0.0, 0.0), |(a, b), (hi, lo)| (a + hi, b + lo));
        Some((hi / n, lo / n))
    }

    /// The lines `formcoach analyze` prints and the window shows: one per
    /// rep, and first a word when the curve was hidden most of the time.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.seen_share < MOSTLY_SEEN {
            out.push(format!(
                "The back's curve could be read only {:.0}% of the time (it shows in a side \
                 view); the figures come from that part.",
                self.seen_share * 100.0
            ));
        }
        if self.reps.is_empty() {
            out.push(format!(
                "No rep was counted; over the whole session: {}.",
                self.whole.text()
            ));
        }
        let word = if self.holds { "Hold" } else { "Rep" };
        for r in &self.reps {
            let side = match r.side {
                Some(Side::Left) => " left",
                Some(Side::Right) => " right",
                None => "",
            };
            out.push(format!("{word} {}{side}: {}", r.rep, r.text()));
        }
        out
    }
}

/// The samples (first, last index) of the `k`th counted rep: centred on
/// its count, from half-way after the previous count to half-way before
/// the next. Counters fire at a rep's turn, not at its start (cat-cow
/// counts as the head rises into the cow), so the span between two counts
/// would hold one rep's round and the next one's arch; centred, it holds
/// the rounding before the count and the extension after it. The first rep
/// starts no earlier than the start position (`first`), the last ends at
/// the session's `end` or as far after its count as the rep before it was
/// long.
fn rep_window(
    counts: &[(usize, Option<Side>)],
    k: usize,
    first: usize,
    end: usize,
) -> (usize, usize) {
    let at = counts[k].0;
    let from = match k.checked_sub(1).map(|p| counts[p].0) {
        Some(prev) => prev + (at - prev) / 2 + 1,
        None => match counts.get(1) {
            Some(&(next, _)) => at.saturating_sub((next - at) / 2).max(first),
            None => first,
        },
    };
    let to = match counts.get(k + 1) {
        Some(&(next, _)) => at + (next - at) / 2,
        None => match k.checked_sub(1).map(|p| counts[p].0) {
            Some(prev) => (at + (at - prev) / 2).min(end),
            None => end,
        },
    };
    (from.min(at), to.max(at))
}

/// The range over one rep's samples.
fn rep_range(samples: &[Sample], rep: u32, side: Option<Side>) -> RepSpine {
    let read: Vec<(f64, SpineSample)> = samples
        .iter()
        .filter_map(|s| {
            s.spine
                .filter(|p| p.confidence >= MIN_CONFIDENCE && p.thoracic_deg.is_finite())
                .map(|p| (s.t_s, p))
        })
        .collect();
    let median_at = |t: f64, pick: fn(&SpineSample) -> f32| -> f32 {
        let mut v: Vec<f32> = read
            .iter()
            .filter(|(u, _)| (u - t).abs() <= MEDIAN_HALF_WINDOW_S)
            .map(|(_, p)| pick(p))
            .filter(|x| x.is_finite())
            .collect();
        v.sort_by(f32::total_cmp);
        // At least the reading at `t` itself is in the window.
        v.get(v.len() / 2).copied().unwrap_or(f32::NAN)
    };
    let extremes = |pick: fn(&SpineSample) -> f32| -> (Option<f32>, Option<f32>) {
        let m: Vec<f32> = read
            .iter()
            .map(|(t, _)| median_at(*t, pick))
            .filter(|x| x.is_finite())
            .collect();
        let round1 = |x: f32| (x * 10.0).round() / 10.0;
        (
            m.iter().copied().reduce(f32::max).map(round1),
            m.iter().copied().reduce(f32::min).map(round1),
        )
    };
    let (t_hi, t_lo) = extremes(|p| p.thoracic_deg);
    let (l_hi, l_lo) = extremes(|p| p.lumbar_deg);
    RepSpine {
        rep,
        side,
        start_s: samples.first().map_or(0.0, |s| s.t_s),
        end_s: samples.last().map_or(0.0, |s| s.t_s),
        thoracic_max_deg: t_hi,
        thoracic_min_deg: t_lo,
        lumbar_max_deg: l_hi,
        lumbar_min_deg: l_lo,
        seen_share: if samples.is_empty() {
            0.0
        } else {
            read.len() as f64 / samples.len() as f64
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    /// A session at 10 fps: 1 s of setup, then `reps` cat-cow reps of 4 s
    /// (rounding to `round` in the first half, extending to `extend` in the
    /// second), the rep counted early in the extension; `spine` picks which frames
    /// carry a usable reading.
    fn session(reps: u32, round: f32, extend: f32, spine: impl Fn(usize) -> bool) -> Vec<Sample> {
        let mut out = Vec::new();
        let mut counted = 0;
        for i in 0..(10 + reps as usize * 40) {
            let t = i as f64 / 10.0;
            let in_rep = i.checked_sub(10).map(|k| k % 40);
            // Counted at the turn into the extension, as cat-cow's is.
            if in_rep == Some(25) {
                counted += 1;
            }
            let curve = match in_rep {
                Some(k) if k < 20 => round * (std::f32::consts::PI * k as f32 / 20.0).sin(),
                Some(k) => extend * (std::f32::consts::PI * (k - 20) as f32 / 20.0).sin(),
                None => 0.0,
            };
            out.push(Sample {
                t_s: t,
                observable: true,
                placement_ok: i >= 10,
                good_form: i >= 10,
                reps_left: counted,
                spine: spine(i).then_some(SpineSample {
                    thoracic_deg: 18.0 + curve,
                    lumbar_deg: 5.0,
                    confidence: 0.8,
                }),
                ..Sample::default()
            });
        }
        out
    }

    #[test]
    fn each_rep_gives_its_most_rounded_and_most_extended_mid_back() {
        let r = SpineRanges::from_samples(&session(3, 30.0, -25.0, |_| true)).unwrap();
        assert_eq!(r.reps.len(), 3);
        for rep in &r.reps {
            let hi = rep.thoracic_max_deg.unwrap();
            let lo = rep.thoracic_min_deg.unwrap();
            assert!((hi - 48.0).abs() < 2.0, "{hi}");
            assert!((lo - -7.0).abs() < 2.0, "{lo}");
        }
        assert_eq!(r.reps[0].text(), "mid-back from rounded 48° to arched 7°");
        assert_eq!(r.whole.thoracic_max_deg, r.reps[0].thoracic_max_deg);
        assert!(r.seen_share > 0.99);
        assert_eq!(r.lines().len(), 3, "no word about a hidden back");
        let (hi, lo) = r.typical().unwrap();
        assert!(
            (hi - 48.0).abs() < 2.0 && (lo - -7.0).abs() < 2.0,
            "{hi} {lo}"
        );
    }

    #[test]
    fn a_single_bad_mask_is_not_a_rep_figure() {
        let mut s = session(1, 30.0, -25.0, |_| true);
        s[30].spine = Some(SpineSample {
            thoracic_deg: 90.0,
            lumbar_deg: 5.0,
            confidence: 0.8,
        });
        let r = SpineRanges::from_samples(&s).unwrap();
        assert!(r.reps[0].thoracic_max_deg.unwrap() < 50.0);
    }

    #[test]
    fn nothing_is_shown_without_a_reading_and_a_hidden_back_is_said() {
        assert!(SpineRanges::from_samples(&session(2, 30.0, -25.0, |_| false)).is_none());
        // Read on one frame in four: the figures come with a word on it.
        let r = SpineRanges::from_samples(&session(2, 30.0, -25.0, |i| i % 4 == 0)).unwrap();
        assert!(r.seen_share < 0.3);
        let lines = r.lines();
        assert!(
            lines[0].starts_with("The back's curve could be read only 2"),
            "{lines:?}"
        );
        assert!(lines[1].contains("read in only"), "{lines:?}");
    }

    /// Seen side-on but never counted (the wrong position for the
    /// exercise): the session's range is still given, and said to be that.
    #[test]
    fn without_a_counted_rep_the_whole_session_is_given() {
        let mut s = session(2, 30.0, -25.0, |_| true);
        for x in &mut s {
            x.reps_left = 0;
            x.placement_ok = false;
        }
        let r = SpineRanges::from_samples(&s).unwrap();
        assert!(r.reps.is_empty());
        assert!(r.seen_share > 0.99);
        assert_eq!(
            r.typical(),
            Some((
                r.whole.thoracic_max_deg.unwrap(),
                r.whole.thoracic_min_deg.unwrap()
            ))
        );
        assert_eq!(
            r.lines(),
            ["No rep was counted; over the whole session: mid-back from rounded 48° to arched 7°."]
        );
    }
}
