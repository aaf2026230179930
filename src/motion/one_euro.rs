//! The One Euro filter: an adaptive low-pass filter for noisy interactive signals.
//!
//! Source: "1€ Filter: A Simple Speed-based Low-pass Filter for Noisy Input in
//! Interactive Systems", Proceedings of CHI 2012. The cutoff rises with the signal's
//! speed: at rest a low cutoff removes keypoint jitter; when a limb moves the cutoff
//! opens up so the filtered point does not lag behind (lag would delay form cues).

use std::f64::consts::PI;

/// Filter tuning. Positions are filtered in "frame heights" (pixels / frame height) or
/// metres, so one set of numbers suits any camera resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneEuroParams {
    /// Cutoff at rest, Hz.
    pub min_cutoff_hz: f64,
    /// How fast the cutoff opens with speed, Hz per (unit/s).
    pub beta: f64,
    /// Cutoff for the speed estimate itself, Hz.
    pub d_cutoff_hz: f64,
}

impl Default for OneEuroParams {
    /// Chosen for pose keypoints at 15-60 fps:
    /// - `min_cutoff_hz = 1.5`: a still body's jitter (a few pixels, 5-10 Hz) is
    ///   damped, while a person holding a stretch drifting slowly is followed with
    ///   ~0.1 s time constant.
    /// - `beta = 8.0` per frame-height/s: a hip drifting 0.1 frame height in a third of
    ///   a second (0.3 /s) already lifts the cutoff to ~4 Hz (~40 ms lag), so faults
    ///   reach the rules well inside the 300 ms cue budget.
    /// - `d_cutoff_hz = 1.0`: the paper's recommended value for the derivative.
    fn default() -> Self {
        OneEuroParams {
            min_cutoff_hz: 1.5,
            beta: 8.0,
            d_cutoff_hz: 1.0,
        }
    }
}

/// One scalar signal's filter state.
#[derive(Debug, Clone, Copy, Default)]
pub struct OneEuro {
    prev: Option<(f64, f64, f64)>,
}

fn alpha(cutoff_hz: f64, dt_s: f64) -> f64 {
    let tau = 1.0 / (2.0 * PI * cutoff_hz);
    1.0 / (1.0 + tau / dt_s)
}

impl OneEuro {
    /// Filters `x` observed at `t_s`. Non-increasing time returns the last output.
    pub fn filter(&mut self, params: &OneEuroParams, t_s: f64, x: f64) -> f64 {
        let Some((t_prev, x_prev, dx_prev)) = self.prev else {
            self.prev = Some((t_s, x, 0.0));
            return x;
        };
        let dt = t_s - t_prev;
        if dt.is_nan() || dt <= 0.0 || !x.is_finite() {
            return x_prev;
        }
        let dx = (x - x_prev) / dt;
        let dx_hat = dx_prev + alpha(params.d_cutoff_hz, dt) * (dx - dx_prev);
        let cutoff = params.min_cutoff_hz + params.beta * dx_hat.abs();
        let x_hat = x_prev + alpha(cutoff, dt) * (x - x_prev);
        self.prev = Some((t_s, x_hat, dx_hat));
        x_hat
    }

    /// Forgets the history (the next sample passes through unchanged).
    pub fn reset(&mut self) {
        self.prev = None;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn output_stays_within_input_range(
            xs in prop::collection::vec(-1000.0f64..1000.0, 1..200),
            dts in prop::collection::vec(0.001f64..0.2, 200),
        ) {
            let p = OneEuroParams::default();
            let mut f = OneEuro::default();
            let (mut lo, mut hi, mut t) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
            for (x, dt) in xs.iter().zip(&dts) {
                t += dt;
                lo = lo.min(*x);
                hi = hi.max(*x);
                let y = f.filter(&p, t, *x);
                prop_assert!(y >= lo - 1e-9 && y <= hi + 1e-9, "{y} outside {lo}..{hi}");
            }
        }
    }

    #[test]
    fn steady_input_converges_and_step_is_followed_quickly() {
        let p = OneEuroParams::default();
        let mut f = OneEuro::default();
        let mut y = 0.0;
        for i in 0..30 {
            y = f.filter(&p, f64::from(i) / 30.0, 0.5);
        }
        assert!((y - 0.5).abs() < 1e-9);
        for i in 30..40 {
            y = f.filter(&p, f64::from(i) / 30.0, 0.6);
        }
        // Ten frames (a third of a second) after a step, most of it has come through.
        assert!(y > 0.58, "{y}");
    }
}
