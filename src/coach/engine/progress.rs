//! Progress rules: reps and holds, per side.

use super::Coach;
use super::excursion::Excursion;
use super::feedback::{Event, HoldProgress, Side};
use crate::coach::exercise::{Exercise, Progress, RuleKind};
use crate::coach::geometry::Body;
use crate::coach::rules::Prepared;

#[derive(Debug, Clone, Default)]
pub(super) struct SideProgress {
    pub(super) in_position: bool,
    pub(super) since: f64,
    pub(super) in_form_s: f64,
    pub(super) peak: Option<f32>,
}

#[derive(Debug, Clone)]
pub(super) struct ProgressRule {
    pub(super) index: usize,
    pub(super) progress: Progress,
    /// One per side (one only when not mirrored).
    pub(super) signals: Vec<Option<Prepared>>,
    pub(super) gates: Vec<Option<Prepared>>,
    pub(super) sides: Vec<SideProgress>,
    /// Extreme value reached per side (in the entering direction), for range of motion.
    pub(super) rom: Vec<Option<f32>>,
    pub(super) entered_once: bool,
    pub(super) after: Option<usize>,
    /// Per side, for rules measured against the baseline.
    pub(super) excursions: Vec<Excursion>,
    /// Counted with the rule's stand-in (no back curve at the baseline).
    pub(super) fallback: bool,
    /// Per side, this frame's reading of the measure (against the start
    /// where the rule is measured so).
    pub(super) last: Vec<Option<f32>>,
}

impl ProgressRule {
    pub(super) fn active_side(&self) -> Option<usize> {
        self.sides.iter().position(|s| s.in_position)
    }
    pub(super) fn side_of(&self, i: usize) -> Option<Side> {
        self.progress.mirror.then(|| Side::from_index(i))
    }
    /// In position and still on the way out: the reading is on the side
    /// of the start the rep enters towards (rounded, for a cat-cow counted
    /// from the back's curve; head down, for its stand-in).
    pub(super) fn on_way_out(&self) -> bool {
        let Some(i) = self.active_side() else {
            return false;
        };
        let towards = self.progress.enter >= self.progress.exit;
        self.last
            .get(i)
            .copied()
            .flatten()
            .is_some_and(|v| if towards { v > 0.0 } else { v < 0.0 })
    }
}

impl Coach {
    pub(super) fn current_hold(&self, t: f64) -> Option<HoldProgress> {
        self.progress.iter().find_map(|p| {
            let i = p.active_side()?;
            (p.progress.hold_s > 0.0).then(|| HoldProgress {
                rule: self.exercise.rules[p.index].id.clone(),
                side: p.side_of(i),
                start_s: p.sides[i].since,
                held_s: t - p.sides[i].since,
                target_s: p.progress.hold_s,
                in_form_s: p.sides[i].in_form_s,
            })
        })
    }

    #[allow(clippy::too_many_lines)] // one pass over every side of every progress rule
    pub(super) fn step_progress(
        &mut self,
        body: &Body,
        t_s: f64,
        dt: f64,
        warned: bool,
        in_start: bool,
        events: &mut Vec<Event>,
    ) -> Option<HoldProgress> {
        for pi in 0..self.progress.len() {
            let after_ok = match self.progress[pi].after {
                Some(a) => self.progress[a].entered_once,
                None => true,
            };
            let min_score = self.exercise.rules[self.progress[pi].index]
                .active(self.progress[pi].fallback)
                .min_score;
            let p = &mut self.progress[pi];
            let n = p.sides.len();
            // Measured against the baseline: count excursions, wherever the
            // baseline fell within the movement. Not for a mirrored rule
            // that goes out and back on each side: there the two sides are
            // one measure turned both ways, each side's way back would be
            // the other's way out, and the baseline (taken in the
            // recognised start position) is the neutral both start from.
            let excursion = p.progress.baseline
                && p.progress.signal.is_some()
                && (!p.progress.mirror || p.progress.two_ended());
            for i in 0..n {
                let value = match &mut p.signals[i] {
                    None => Some(0.0),
                    Some(prep) => {
                        let r = if p.progress.baseline {
                            prep.delta(prep.space(body), min_score)
                        } else {
                            prep.value(prep.space(body), min_score)
                        };
                        r.ok().flatten()
                    }
                };
                let gate_ok = match (&mut p.gates[i], &p.progress.gate) {
                    (Some(g), Some((_, min))) => {
                        matches!(g.value(g.space(body), min_score), Ok(Some(v)) if v >= *min)
                    }
                    _ => true,
                };
                p.last[i] = value.filter(|_| p.progress.signal.is_some());
                if let Some(v) = value.filter(|_| gate_ok) {
                    let better = |old: Option<f32>| match old {
                        None => Some(v),
                        Some(o)
                            if (p.progress.enter < p.progress.exit && v < o)
                                || (p.progress.enter >= p.progress.exit && v > o) =>
                        {
                            Some(v)
                        }
                        keep => keep,
                    };
                    if p.progress.signal.is_some() {
                        p.rom[i] = better(p.rom[i]);
                    }
                    if p.sides[i].in_position {
                        p.sides[i].peak = better(p.sides[i].peak);
                    }
                }
                if p.sides[i].in_position {
                    if !warned {
                        p.sides[i].in_form_s += dt;
                    }
                    let exited = p.progress.signal.is_some()
                        && value.is_some_and(|v| {
                            if excursion {
                                p.excursions[i].exited(t_s, v, &p.progress)
                            } else {
                                p.progress.exited(v)
                            }
                        });
                    if exited {
                        let s = std::mem::take(&mut p.sides[i]);
                        let rule_id = self.exercise.rules[p.index].id.clone();
                        if matches!(self.exercise.rules[p.index].kind, RuleKind::Rep(_)) {
                            let side = p.side_of(i);
                            self.reps.add(side);
                            events.push(Event::Rep {
                                t_s,
                                rule: rule_id,
                                side,
                                peak: peak_in_rule_unit(&self.exercise, p, s.peak),
                            });
                        }
                        if let Some(e) = hold_event(&self.exercise, p, i, &s, t_s) {
                            events.push(e);
                        }
                    }
                } else if p.active_side().is_none() && after_ok {
                    // No rep or hold starts outside the start position.
                    let entered = match (value, &p.progress.signal) {
                        (_, None) => in_start,
                        (Some(v), Some(_)) if excursion => p.excursions[i].observe_and_enter(
                            t_s,
                            v,
                            &p.progress,
                            gate_ok && in_start,
                        ),
                        (Some(v), Some(_)) => in_start && gate_ok && p.progress.entered(v),
                        (None, Some(_)) => false,
                    };
                    if entered {
                        p.sides[i] = SideProgress {
                            in_position: true,
                            since: t_s,
                            in_form_s: 0.0,
                            peak: value,
                        };
                        p.entered_once = true;
                        if let Some(a) = self.progress[pi].after {
                            self.progress[a].entered_once = false;
                        }
                        break;
                    }
                }
            }
        }
        self.current_hold(t_s)
    }
}

pub(super) fn hold_event(
    ex: &Exercise,
    p: &ProgressRule,
    i: usize,
    s: &SideProgress,
    t: f64,
) -> Option<Event> {
    (p.progress.hold_s > 0.0).then(|| Event::Hold {
        rule: ex.rules[p.index].id.clone(),
        side: p.side_of(i),
        start_s: s.since,
        end_s: t,
        target_s: p.progress.hold_s,
        held_s: t - s.since,
        in_form_s: s.in_form_s,
        peak: peak_in_rule_unit(ex, p, p.progress.signal.as_ref().and(s.peak)),
    })
}

/// A rep's or hold's furthest reading, in the unit of the rule's own
/// measure. Counted with a stand-in that measures in another unit (the
/// head's rise, in torso lengths, for the back's curve, in degrees), there
/// is none: the history keeps ranges in the exercise's unit, and a number
/// in another one would be read as degrees.
fn peak_in_rule_unit(ex: &Exercise, p: &ProgressRule, peak: Option<f32>) -> Option<f32> {
    if !p.fallback {
        return peak;
    }
    let rule = &ex.rules[p.index];
    let unit = |r: &crate::coach::Rule| {
        r.kind
            .progress()
            .and_then(|pr| pr.signal.as_ref())
            .map(|s| s.measure.unit().label())
    };
    peak.filter(|_| unit(rule) == unit(rule.active(true)))
}
