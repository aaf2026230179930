//! Reps and holds as excursions of their measure: out by enough, and back.
//!
//! A rule measured against the baseline used to count from the baseline
//! itself: a cat-cow whose baseline fell mid-cow needed the next cow to rise
//! above that cow, and got no reps. Here the baseline only gives the
//! measure's sign and scale; where the movement starts is read from the
//! signal itself.
//!
//! With `u` the measure turned so that entering means growing:
//! - **entry**: `u` has grown by the enter amount above its lowest value in
//!   the last [`REST_WINDOW_S`] since the previous excursion ended;
//! - **exit**, out-and-back rules (enter and exit on the same side of the
//!   start, like a thread or a head turn): `u` is back within the exit
//!   amount of where this excursion started;
//! - **exit**, two-ended rules (exit on the other side of the start, like a
//!   cat then a cow): `u` has swung back from its extreme by the whole range
//!   between the two thresholds.

use std::collections::VecDeque;

use crate::coach::exercise::Progress;

/// How far back the resting level of the measure is looked for: long enough
/// for a slow start into a rep, short enough that an old posture is forgotten.
pub(super) const REST_WINDOW_S: f64 = 6.0;

/// One side's excursion state.
#[derive(Debug, Clone, Default)]
pub(super) struct Excursion {
    /// `(t, u)` while between excursions.
    window: VecDeque<(f64, f32)>,
    /// The resting level the current excursion started from.
    start_u: f32,
    /// The farthest `u` of the current excursion.
    peak_u: f32,
}

/// +1 when entering means the measure grows, -1 when it shrinks.
fn direction(p: &Progress) -> f32 {
    if p.enter < p.exit { -1.0 } else { 1.0 }
}

impl Excursion {
    /// The resting level: the lowest `u` seen lately.
    fn rest(&self) -> Option<f32> {
        self.window.iter().map(|(_, u)| *u).reduce(f32::min)
    }

    /// Records a value while no excursion is under way; returns whether it
    /// starts one (and starts it).
    pub fn observe_and_enter(&mut self, t: f64, v: f32, p: &Progress, may_enter: bool) -> bool {
        let u = direction(p) * v;
        while self
            .window
            .front()
            .is_some_and(|(ft, _)| t - ft > REST_WINDOW_S)
        {
            self.window.pop_front();
        }
        self.window.push_back((t, u));
        let rest = self.rest().unwrap_or(u);
        let enter_u = direction(p) * p.enter;
        if may_enter && u - rest >= enter_u {
            self.start_u = rest;
            self.peak_u = u;
            return true;
        }
        false
    }

    /// Follows the excursion under way; returns whether it has ended (and
    /// starts afresh from here).
    pub fn exited(&mut self, t: f64, v: f32, p: &Progress) -> bool {
        let dir = direction(p);
        let u = dir * v;
        self.peak_u = self.peak_u.max(u);
        let enter_u = dir * p.enter;
        let exit_u = dir * p.exit;
        let done = if exit_u < 0.0 {
            self.peak_u - u >= enter_u - exit_u
        } else {
            u - self.start_u <= exit_u
        };
        if done {
            self.window.clear();
            self.window.push_back((t, u));
        }
        done
    }

    /// Forgets everything (new baseline).
    pub fn reset(&mut self) {
        *self = Excursion::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(enter: f32, exit: f32) -> Progress {
        Progress {
            signal: None,
            enter,
            exit,
            baseline: true,
            mirror: false,
            gate: None,
            hold_s: 0.0,
            after: None,
        }
    }

    /// Counts excursions of a sampled signal.
    fn count(p: &Progress, signal: impl Fn(f64) -> f32, secs: f64) -> u32 {
        let mut e = Excursion::default();
        let mut inside = false;
        let mut reps = 0;
        for i in 0..(secs * 30.0) as usize {
            let t = i as f64 / 30.0;
            let v = signal(t);
            if inside {
                if e.exited(t, v, p) {
                    inside = false;
                    reps += 1;
                }
            } else {
                inside = e.observe_and_enter(t, v, p, true);
            }
        }
        reps
    }

    #[test]
    fn a_cycle_counts_wherever_it_starts() {
        // Cat-cow style: down 0.15 then up past +0.08 of the start.
        let p = progress(-0.15, 0.08);
        for phase in [0.0, 0.25, 0.5, 0.75] {
            // Two full cycles of +-0.2, starting at any point of the cycle.
            let reps = count(
                &p,
                |t| 0.2 * ((t / 4.0 + phase) * std::f64::consts::TAU).cos() as f32,
                8.0 + 2.0,
            );
            assert!((2..=3).contains(&reps), "phase {phase}: {reps}");
        }
    }

    #[test]
    fn a_cycle_counts_even_if_the_start_was_at_one_end() {
        let p = progress(-0.15, 0.08);
        // The baseline was taken mid-cow (+0.2): in baseline terms the
        // signal swings between -0.4 and 0.0 and never rises past +0.08.
        let reps = count(
            &p,
            |t| -0.2 + 0.2 * ((t / 4.0) * std::f64::consts::TAU).cos() as f32,
            8.5,
        );
        assert_eq!(reps, 2);
    }

    #[test]
    fn out_and_back_needs_the_way_back() {
        let p = progress(25.0, 10.0);
        // Out to 40 and held: no rep until it comes back.
        let held = count(&p, |t| if t < 1.0 { 0.0 } else { 40.0 }, 5.0);
        assert_eq!(held, 0);
        let back = count(
            &p,
            |t| if (1.0..3.0).contains(&t) { 40.0 } else { 0.0 },
            5.0,
        );
        assert_eq!(back, 1);
    }

    #[test]
    fn small_wobbles_never_count() {
        let p = progress(-0.15, 0.08);
        let reps = count(
            &p,
            |t| 0.06 * ((t * 1.3) * std::f64::consts::TAU).sin() as f32,
            20.0,
        );
        assert_eq!(reps, 0);
    }
}
