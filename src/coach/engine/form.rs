//! Form rules: measure each against its threshold (and baseline) every frame.

use super::feedback::{Event, RuleState, RuleStatus};
use super::warning::{Said, Warning};
use super::{Coach, DWELL_S};
use crate::coach::exercise::{RuleKind, Signal};
use crate::coach::geometry::{Body, Measure, PointRef, Vec3};
use crate::coach::rules::{Prepared, Verdict, judge, uses_baseline};
use crate::pose::Joint;

/// Tempo is the signal's average speed over this much history.
const TEMPO_WINDOW_S: f64 = 0.2;

#[derive(Debug, Clone)]
pub(super) struct FormRule {
    pub(super) index: usize,
    pub(super) joints: Vec<Joint>,
    /// Left (as written) and, for mirrored tempo, right.
    pub(super) prepared: Vec<Prepared>,
    pub(super) history: [Vec<(f64, Vec3)>; 2],
    pub(super) warning: Warning,
    pub(super) during: Option<usize>,
    /// Only on the `during` rep's way out.
    pub(super) during_out: bool,
    /// The point this frame could not see, when it could not.
    pub(super) unseen: Option<PointRef>,
    /// Coached with the rule's stand-in (no back curve at the baseline).
    pub(super) fallback: bool,
}

impl Coach {
    pub(super) fn step_form(
        &mut self,
        body: &Body,
        t: f64,
        statuses: &mut Vec<RuleStatus>,
        events: &mut Vec<Event>,
    ) {
        let in_position: Vec<bool> = self
            .progress
            .iter()
            .map(|p| p.active_side().is_some())
            .collect();
        let on_way_out: Vec<bool> = self
            .progress
            .iter()
            .map(super::progress::ProgressRule::on_way_out)
            .collect();
        let side = self
            .progress
            .iter()
            .find_map(|p| p.active_side().and_then(|i| p.side_of(i)));
        for f in &mut self.form {
            let rule = self.exercise.rules[f.index].active(f.fallback);
            let active = f
                .during
                .is_none_or(|d| in_position[d] && (!f.during_out || on_way_out[d]));
            let mut value = None;
            let state = if active {
                let mut verdict = Ok(None);
                for (k, prep) in f.prepared.iter_mut().enumerate() {
                    let body = prep.space(body);
                    let r = if uses_baseline(&rule.kind) {
                        prep.delta(body, rule.min_score)
                    } else {
                        prep.value(body, rule.min_score)
                    };
                    match r {
                        Err(u) => {
                            verdict = Err(u);
                            break;
                        }
                        Ok(None) => {}
                        Ok(Some(v)) => {
                            let sample = tempo_sample(prep, body, rule.min_score, v);
                            let speed = tempo_speed(&mut f.history[k], t, sample);
                            let v_shown = if matches!(rule.kind, RuleKind::Tempo { .. }) {
                                speed
                            } else {
                                v
                            };
                            let j = judge(rule, v, speed);
                            value = Some(value.map_or(v_shown, |old: f32| old.max(v_shown)));
                            verdict = Ok(Some(match verdict {
                                Ok(Some(Verdict::Fault)) => Verdict::Fault,
                                Ok(Some(Verdict::Marginal)) if j == Verdict::Clear => {
                                    Verdict::Marginal
                                }
                                _ => j,
                            }));
                        }
                    }
                }
                f.unseen = verdict.as_ref().err().map(|u| u.0);
                match verdict {
                    Err(_) => {
                        f.warning.close(t, &rule.id, events);
                        RuleState::Unseen
                    }
                    Ok(None) => f.warning.state(),
                    Ok(Some(v)) => {
                        // A tempo verdict is already a regression over several
                        // frames, which is what the dwell is for elsewhere.
                        let dwell = if matches!(rule.kind, RuleKind::Tempo { .. }) {
                            0.0
                        } else {
                            rule.dwell_s.unwrap_or(DWELL_S)
                        };
                        let said = Said {
                            id: &rule.id,
                            cue: &rule.cue,
                            side,
                        };
                        f.warning.step(v, t, dwell, said, events)
                    }
                }
            } else {
                f.warning.close(t, &rule.id, events);
                f.history = [Vec::new(), Vec::new()];
                RuleState::Inactive
            };
            statuses.push(RuleStatus {
                id: rule.id.clone(),
                state,
                value,
                joints: f.joints.clone(),
            });
        }
    }

    /// Closes every warning and reports each rule in `state`.
    pub(super) fn step_form_idle(
        &mut self,
        t: f64,
        state: RuleState,
        statuses: &mut Vec<RuleStatus>,
        events: &mut Vec<Event>,
    ) {
        for f in &mut self.form {
            let rule = &self.exercise.rules[f.index];
            f.warning.close(t, &rule.id, events);
            statuses.push(RuleStatus {
                id: rule.id.clone(),
                state,
                value: None,
                joints: f.joints.clone(),
            });
        }
    }
}

/// The signal a form rule measures (a `still` rule measures its group's displacement).
pub(super) fn form_signal(kind: &RuleKind) -> Signal {
    match kind {
        RuleKind::Still { points, .. } => Signal {
            measure: Measure::Displacement,
            points: points.clone(),
            span_torso: 0.8,
            span_baseline: false,
        },
        RuleKind::Angle { signal, .. }
        | RuleKind::Distance { signal, .. }
        | RuleKind::Level { signal, .. }
        | RuleKind::NotBeyondBaseline { signal, .. }
        | RuleKind::Tempo { signal, .. } => signal.clone(),
        RuleKind::Rep(p) | RuleKind::Hold(p) => p.signal.clone().unwrap_or(Signal {
            measure: Measure::Displacement,
            points: Vec::new(),
            span_torso: 0.8,
            span_baseline: false,
        }),
    }
}

/// What a tempo rule tracks over time: where a `displacement` group is (in torso
/// lengths, so its speed is how fast the group moves, whatever the direction),
/// otherwise the signal's value.
pub(super) fn tempo_sample(prep: &Prepared, body: &Body, min_score: f32, v: f32) -> Vec3 {
    if prep.signal.measure == Measure::Displacement && prep.ctx.torso_len > 0.0 {
        let mut buf = [[0.0; 3]; crate::coach::rules::MAX_POINTS];
        if let Ok(n) = prep.locate(body, min_score, &mut buf) {
            let c = crate::coach::geometry::centroid(&buf[..n]);
            let k = prep.ctx.torso_len;
            return [c[0] / k, c[1] / k, c[2] / k];
        }
    }
    [v, 0.0, 0.0]
}

/// Speed of a tracked sample: the length of its least-squares velocity over the
/// last [`TEMPO_WINDOW_S`]. A two-point difference over a short span turns
/// keypoint jitter into speed (2 px of jitter over 0.1 s on a short limb reads as
/// tens of degrees per second); a regression over a few frames averages it out
/// while a rushed move still shows most of its speed.
pub(super) fn tempo_speed(history: &mut Vec<(f64, Vec3)>, t: f64, sample: Vec3) -> f32 {
    history.retain(|(ht, _)| t - ht < TEMPO_WINDOW_S + 1e-6 && *ht < t);
    history.push((t, sample));
    let span = history.first().map_or(0.0, |(t0, _)| t - t0);
    if history.len() < 3 || span < 0.5 * TEMPO_WINDOW_S {
        return 0.0;
    }
    let n = history.len() as f64;
    let mt = history.iter().map(|(ht, _)| ht).sum::<f64>() / n;
    let var: f64 = history.iter().map(|(ht, _)| (ht - mt) * (ht - mt)).sum();
    if var <= f64::EPSILON {
        return 0.0;
    }
    let mut speed2 = 0.0;
    for axis in 0..3 {
        let mv = history.iter().map(|(_, p)| f64::from(p[axis])).sum::<f64>() / n;
        let cov: f64 = history
            .iter()
            .map(|(ht, p)| (ht - mt) * (f64::from(p[axis]) - mv))
            .sum();
        speed2 += (cov / var) * (cov / var);
    }
    speed2.sqrt() as f32
}
