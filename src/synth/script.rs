//! A track's timeline: when the person settles, each rep or hold, and each
//! fault with its label, laid out before any body moves.

use std::collections::BTreeMap;

use super::body::Side;
use super::faults::{self, Effect, FaultSpec, RAMP_S, Timing};
use super::motions::{Count, Exercise, Sides};
use super::noise::Rng;
use super::{END_S, FaultLabel, SETTLE_S, TrackSpec};

/// One continuous piece of the movement timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Seg {
    pub(super) t0: f64,
    pub(super) t1: f64,
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) side: Side,
    /// Range of this rep (1 = the key posture as designed).
    pub(super) range: f64,
}

/// A fault instance placed on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Placed {
    pub(super) spec: FaultSpec,
    pub(super) side: Side,
    /// Ramp in starts.
    pub(super) on_s: f64,
    /// Ramp out starts.
    pub(super) off_s: f64,
}

impl Placed {
    /// 0..1: how much of the fault is present at `t`.
    pub(super) fn level(&self, t: f64) -> f64 {
        if self.spec.effect == Effect::Fast {
            return 0.0;
        }
        let up = ((t - self.on_s) / RAMP_S).clamp(0.0, 1.0);
        let down = 1.0 - ((t - self.off_s) / RAMP_S).clamp(0.0, 1.0);
        up.min(down)
    }
}

/// The timeline of one track.
#[derive(Debug, Clone, Default)]
pub(super) struct Script {
    pub(super) segs: Vec<Seg>,
    pub(super) placed: Vec<Placed>,
    pub(super) labels: Vec<FaultLabel>,
    pub(super) reps: BTreeMap<String, usize>,
    pub(super) duration_s: f64,
}

fn rep_side(ex: &Exercise, first: Side, i: usize) -> Side {
    match ex.motion.sides {
        Sides::Alternate if i % 2 == 1 => first.other(),
        _ => first,
    }
}

/// Lays out settle, reps and faults in time.
#[allow(clippy::too_many_lines)] // one pass over the reps; splitting it scatters the timing
pub(super) fn script(spec: &TrackSpec, rng: &mut Rng) -> Script {
    let ex = &spec.exercise;
    let per_side = spec.reps
        * if ex.motion.sides == Sides::Alternate {
            2
        } else {
            1
        };
    // A faulty track runs each fault twice, one rep each.
    let n_reps = if spec.faults.is_empty() {
        per_side
    } else {
        (spec.faults.len() * 2).max(per_side)
    };
    let mut sc = Script::default();
    let mut t = 0.0;
    let first_side = rep_side(ex, spec.side, 0);
    sc.segs.push(Seg {
        t0: t,
        t1: SETTLE_S,
        from: 0,
        to: 0,
        side: first_side,
        range: 1.0,
    });
    t = SETTLE_S + rng.range(0.0, 0.5);
    for i in 0..n_reps {
        let side = rep_side(ex, spec.side, i);
        let fault =
            (!spec.faults.is_empty()).then(|| spec.faults[(i / 2) % spec.faults.len()].clone());
        let fast = match &fault {
            Some(f) if f.effect == Effect::Fast => f.amount,
            _ => 1.0,
        };
        let range = rng.range(0.92, 1.04);
        let rep_start = t;
        let mut prev = 0;
        for (k, st) in ex.motion.pattern.iter().enumerate() {
            let move_s = st.move_s * fast * rng.range(0.9, 1.1);
            let arrive = t + move_s;
            sc.segs.push(Seg {
                t0: t,
                t1: arrive,
                from: prev,
                to: st.key,
                side,
                range,
            });
            let mut hold = st.hold_s * rng.range(0.9, 1.1);
            hold = hold.min(spec.max_hold_s);
            if let Some(f) = &fault {
                let here = match f.timing {
                    Timing::Hold(n) | Timing::Move(n) => n == k,
                    Timing::Fast => false,
                };
                if here {
                    hold = hold.max(2.0 * RAMP_S + faults::FAULT_HOLD_S + 0.4);
                    let on = match f.timing {
                        Timing::Move(_) => rep_start + 0.3 * ex.motion.pattern[0].move_s,
                        _ => arrive + 0.2,
                    };
                    let off =
                        (on + RAMP_S + faults::FAULT_HOLD_S).min(arrive + hold - RAMP_S - 0.2);
                    sc.placed.push(Placed {
                        spec: f.clone(),
                        side,
                        on_s: on,
                        off_s: off,
                    });
                    push_label(&mut sc.labels, f, side, ex, on, off);
                }
            }
            sc.segs.push(Seg {
                t0: arrive,
                t1: arrive + hold,
                from: st.key,
                to: st.key,
                side,
                range,
            });
            t = arrive + hold;
            prev = st.key;
        }
        if let Some(f) = fault.as_ref().filter(|f| f.effect == Effect::Fast) {
            // The speed limit is crossed shortly after the fast move starts.
            let first_move = ex.motion.pattern[0].move_s * fast;
            let start = rep_start + 0.15 * first_move;
            sc.labels.push(FaultLabel {
                rule: f.rule.clone(),
                start_s: round3(start),
                end_s: round3(t),
                side: label_side(ex, side),
                size: f.size,
                unit: f.unit.clone(),
                optional: false,
            });
        }
        let key = match ex.motion.sides {
            Sides::None => "both".to_owned(),
            _ => side.name().to_owned(),
        };
        // The coach counts each excursion from the start position as a rep
        // (IYT has three per round); a breathing session is one long hold.
        let count = match ex.motion.count {
            Count::Once => usize::from(i == 0),
            Count::PerReturn => ex
                .motion
                .pattern
                .iter()
                .filter(|st| st.key == 0)
                .count()
                .max(1),
            Count::PerRep => 1,
        };
        *sc.reps.entry(key).or_insert(0) += count;
        // A short, uneven pause between reps, as people take.
        let pause = rng.range(0.2, 0.8);
        sc.segs.push(Seg {
            t0: t,
            t1: t + pause,
            from: 0,
            to: 0,
            side,
            range,
        });
        t += pause;
    }
    let last_side = sc.segs.last().map_or(spec.side, |s| s.side);
    sc.segs.push(Seg {
        t0: t,
        t1: t + END_S,
        from: 0,
        to: 0,
        side: last_side,
        range: 1.0,
    });
    sc.duration_s = t + END_S;
    sc
}

pub(super) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn label_side(ex: &Exercise, side: Side) -> Option<String> {
    (ex.motion.sides != Sides::None).then(|| side.name().to_owned())
}

/// Labels a ramped fault from when it crosses the rule's threshold (assuming
/// the measure follows the ramp linearly) to when it falls back under it.
fn push_label(
    labels: &mut Vec<FaultLabel>,
    f: &FaultSpec,
    side: Side,
    ex: &Exercise,
    on: f64,
    off: f64,
) {
    let cross = if f.threshold > 0.0 && f.size > 0.0 {
        (f.threshold / f.size).clamp(0.0, 1.0)
    } else {
        0.5
    };
    let mut push = |rule: &str, optional: bool| {
        labels.push(FaultLabel {
            rule: rule.to_owned(),
            start_s: round3(on + RAMP_S * cross),
            end_s: round3(off + RAMP_S * (1.0 - cross)),
            side: label_side(ex, side),
            size: f.size,
            unit: f.unit.clone(),
            optional,
        });
    };
    push(&f.rule, false);
    for also in &f.also {
        push(also, true);
    }
}
