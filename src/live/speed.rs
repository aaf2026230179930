//! Speed figures of the live pipeline, measured with the wall clock (the
//! only place it is read), kept apart so the inference code reads as coaching.

use std::time::Instant;

use crate::stats::nearest_rank;

/// Weight of the newest interval in the frame-rate average.
const FPS_SMOOTHING: f64 = 0.1;

/// Speed figures for the window's status line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    /// Frames coached per second (smoothed).
    pub fps: f64,
    /// From the frame leaving the source to its cue being ready, milliseconds.
    pub latency_ms: f64,
    /// The pose model's own time for the frame, milliseconds.
    pub inference_ms: f64,
    /// Frames replaced in the slot before inference took them.
    pub dropped_frames: u64,
}

/// How fast a whole session ran: the figures behind "keeps up with the
/// camera", printed when the window ends a session.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SpeedSummary {
    /// Frames coached.
    pub frames: u64,
    /// Frames coached per second of wall time between the first and last.
    pub fps: f64,
    /// Frame-to-cue latency, median and 95th percentile, milliseconds.
    pub latency_p50_ms: f64,
    /// See `latency_p50_ms`.
    pub latency_p95_ms: f64,
    /// The pose model's own time per frame (median), milliseconds.
    pub inference_p50_ms: f64,
    /// Frames the source delivered that inference never saw (it was busy).
    pub dropped_frames: u64,
}

impl SpeedSummary {
    fn of(latencies_ms: &[f64], inference_ms: &[f64], wall_s: f64, dropped: u64) -> SpeedSummary {
        let frames = latencies_ms.len() as u64;
        SpeedSummary {
            frames,
            fps: if wall_s > 0.0 && frames > 1 {
                (frames - 1) as f64 / wall_s
            } else {
                0.0
            },
            latency_p50_ms: nearest_rank(latencies_ms, 0.5).unwrap_or(0.0),
            latency_p95_ms: nearest_rank(latencies_ms, 0.95).unwrap_or(0.0),
            inference_p50_ms: nearest_rank(inference_ms, 0.5).unwrap_or(0.0),
            dropped_frames: dropped,
        }
    }
}

impl std::fmt::Display for SpeedSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} frames coached at {:.1} fps; frame to cue {:.0} ms median, {:.0} ms 95th \
             percentile; pose model {:.0} ms median; {} frames skipped while busy",
            self.frames,
            self.fps,
            self.latency_p50_ms,
            self.latency_p95_ms,
            self.inference_p50_ms,
            self.dropped_frames
        )
    }
}

/// The inference thread's running speed figures.
#[derive(Debug, Default)]
pub(super) struct SpeedMeter {
    stats: Stats,
    last_done: Option<Instant>,
    first_done: Option<Instant>,
    latencies_ms: Vec<f64>,
    model_times_ms: Vec<f64>,
    /// The slot's drop counter when coaching began.
    dropped_before: u64,
    dropped_now: u64,
}

impl SpeedMeter {
    /// Notes the slot's drop counter as a frame is taken from it.
    pub(super) fn taken(&mut self, dropped: u64) {
        if self.first_done.is_none() {
            self.dropped_before = dropped;
        }
        self.dropped_now = dropped;
    }

    /// Notes a coached frame that left the source `at`; returns the figures
    /// to show with it.
    pub(super) fn done(&mut self, at: Instant, inference_ms: f64) -> Stats {
        let now = Instant::now();
        if let Some(prev) = self.last_done {
            let dt = now.duration_since(prev).as_secs_f64();
            if dt > 0.0 {
                let fps = 1.0 / dt;
                self.stats.fps = if self.stats.fps == 0.0 {
                    fps
                } else {
                    self.stats.fps + FPS_SMOOTHING * (fps - self.stats.fps)
                };
            }
        }
        self.last_done = Some(now);
        self.first_done.get_or_insert(now);
        self.stats.latency_ms = at.elapsed().as_secs_f64() * 1000.0;
        self.stats.inference_ms = inference_ms;
        self.stats.dropped_frames = self.dropped_now.saturating_sub(self.dropped_before);
        self.latencies_ms.push(self.stats.latency_ms);
        self.model_times_ms.push(self.stats.inference_ms);
        self.stats
    }

    /// The whole session's figures.
    pub(super) fn summary(&self) -> SpeedSummary {
        let wall_s = match (self.first_done, self.last_done) {
            (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
            _ => 0.0,
        };
        SpeedSummary::of(
            &self.latencies_ms,
            &self.model_times_ms,
            wall_s,
            self.dropped_now.saturating_sub(self.dropped_before),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_figures_use_nearest_rank_percentiles() {
        let lat: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = SpeedSummary::of(&lat, &[5.0, 7.0, 6.0], 9.9, 3);
        assert_eq!(s.frames, 100);
        assert!((s.fps - 10.0).abs() < 1e-9);
        assert!((s.latency_p50_ms - 50.0).abs() < 1e-9);
        assert!((s.latency_p95_ms - 95.0).abs() < 1e-9);
        assert!((s.inference_p50_ms - 6.0).abs() < 1e-9);
        assert!(SpeedSummary::of(&[], &[], 0.0, 0).fps.abs() < f64::EPSILON);
        assert!(s.to_string().contains("10.0 fps"));
    }
}
