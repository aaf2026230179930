//! The pipeline's tail after pose estimation, written once.
//!
//! The window, `formcoach analyze`, the audio render and the labelled-clip
//! checks all turn poses into coaching the same way; keeping the smoother,
//! the coach, the session and the clock in one type means they cannot drift
//! apart (they once did: only the window re-timed its frames).

use crate::coach::{Coach, Exercise, Feedback};
use crate::motion::Smoother;
use crate::pose::PoseFrame;

use super::{Report, Sample, Session};

/// Step between frames when a source's clock goes back, seconds: one frame
/// of a 30 fps camera, small enough not to look like a gap to the coach.
const RESTART_STEP_S: f64 = 1.0 / 30.0;

/// Keeps session time going forward when a source restarts its clock (a
/// camera reopened after being unplugged starts again at zero).
#[derive(Debug, Default, Clone)]
#[allow(clippy::struct_field_names)] // Names carry their unit, as the style guide asks.
pub(crate) struct SessionClock {
    first_s: Option<f64>,
    offset_s: f64,
    last_s: Option<f64>,
}

impl SessionClock {
    /// Session seconds for a frame's own time.
    pub(crate) fn at(&mut self, frame_t_s: f64) -> f64 {
        let first = *self.first_s.get_or_insert(frame_t_s);
        let mut t = frame_t_s - first + self.offset_s;
        if let Some(last) = self.last_s
            && t <= last
        {
            self.offset_s += last + RESTART_STEP_S - t;
            t = last + RESTART_STEP_S;
        }
        self.last_s = Some(t);
        t
    }
}

/// What one frame gave.
#[derive(Debug, Clone)]
pub struct Step {
    /// The smoothed pose on the session's clock, which the window draws.
    pub pose: PoseFrame,
    /// What the coach said about it.
    pub feedback: Feedback,
    /// The frame's timeline sample, which the history keeps.
    pub sample: Sample,
}

/// Re-times, smooths, coaches and records frames of one session, so every
/// front door coaches a pose exactly as the others do.
#[derive(Debug, Clone)]
pub struct Stepper {
    clock: SessionClock,
    smoother: Smoother,
    coach: Coach,
    session: Session,
}

impl Stepper {
    /// A fresh session of `exercise`.
    #[must_use]
    pub fn new(exercise: &Exercise) -> Stepper {
        Stepper {
            clock: SessionClock::default(),
            smoother: Smoother::default(),
            coach: Coach::new(exercise),
            session: Session::new(exercise),
        }
    }

    /// Coaches one frame. Its time is moved onto the session's clock first
    /// (starting at zero, never going back); a frame without a time is left
    /// for the smoother and coach to place one frame after the last.
    pub fn step(&mut self, mut frame: PoseFrame) -> Step {
        frame.t = frame.t.map(|t| self.clock.at(t));
        let pose = self.smoother.smooth(&frame);
        let feedback = self.coach.step(&pose);
        let spine = pose
            .people
            .first()
            .and_then(|p| p.spine.as_ref())
            .map(|s| &s.measure);
        let sample = self.session.record_with_spine(&feedback, spine).clone();
        Step {
            pose,
            feedback,
            sample,
        }
    }

    /// Adds a note to the report (for example, frames skipped while reading a track).
    pub fn note(&mut self, note: impl Into<String>) {
        self.session.note(note);
    }

    /// Closes open warnings and holds and builds the report.
    #[must_use]
    pub fn finish(self) -> Report {
        self.session.finish()
    }

    /// The report and the per-frame timeline it was summarised from.
    #[must_use]
    pub fn finish_with_samples(self) -> (Report, Vec<Sample>) {
        self.session.finish_with_samples()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_time_never_goes_back() {
        let mut clock = SessionClock::default();
        assert!((clock.at(5.0) - 0.0).abs() < 1e-9);
        assert!((clock.at(6.0) - 1.0).abs() < 1e-9);
        // The camera restarts its clock.
        let t = clock.at(0.0);
        assert!(t > 1.0 && t < 1.1, "{t}");
        assert!(clock.at(0.5) > t);
    }

    /// A track that starts at zero and moves forward is coached on its own
    /// times: re-timing is invisible to `analyze` and the checks.
    #[test]
    fn a_clean_clock_is_left_as_it_is() {
        let mut clock = SessionClock::default();
        for i in 0..100 {
            let t = f64::from(i) / 30.0;
            assert_eq!(clock.at(t).to_bits(), t.to_bits());
        }
    }
}
