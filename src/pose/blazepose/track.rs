//! Following one person from frame to frame.
//!
//! MediaPipe's pose graph (`pose_landmark_cpu.pbtxt` with
//! `pose_landmarks_to_roi.pbtxt`) runs the detector only when it has no ROI:
//! each frame's landmarks give the next frame's ROI, from the hip-centre and
//! scale auxiliary landmarks (33, 34) with the same 1.25 margin as the
//! detector's ROI. When the landmark model's pose flag drops below 0.5 the
//! track is lost and the detector runs again. This module holds that state
//! and the choice of whom to follow when several people are in view.

use crate::pose::blazepose::roi::Roi;

/// Below this pose-flag value the landmarks are not a person: the track is
/// dropped and the detector runs again (`ThresholdingCalculator` threshold 0.5
/// in MediaPipe's `tensors_to_pose_landmarks_and_segmentation.pbtxt`).
pub const POSE_FLAG_MIN: f32 = 0.5;

/// A re-detected person counts as "the same one" when their ROI centre is
/// within this many previous-ROI sides of the last ROI.
const SAME_PERSON_DISTANCE: f32 = 0.75;

/// What the tracker remembers between frames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tracker {
    /// ROI for the next frame, from the last landmarks; `None` means the
    /// detector must run.
    pub roi: Option<Roi>,
    /// The last ROI that held a person, kept after the track is lost so a
    /// re-detection prefers the same person.
    pub last_seen: Option<Roi>,
    /// Frame size the ROIs belong to; a new size starts afresh.
    pub frame_size: Option<(u32, u32)>,
    /// Other people the last detector run saw and we are not following.
    pub others_present: u32,
}

impl Tracker {
    /// Forgets everything.
    pub fn reset(&mut self) {
        *self = Tracker::default();
    }

    /// Starts afresh if the frame size changed (a different source).
    pub fn check_frame_size(&mut self, width: u32, height: u32) {
        if self.frame_size != Some((width, height)) {
            self.reset();
            self.frame_size = Some((width, height));
        }
    }

    /// The landmarks of this frame held a person: follow them.
    pub fn follow(&mut self, next: Option<Roi>, current: Roi) {
        self.roi = next;
        self.last_seen = Some(current);
    }

    /// The landmarks lost the person: the detector runs next time.
    pub fn lose(&mut self) {
        self.roi = None;
    }
}

/// Which detected person to follow.
///
/// With a previous ROI, the candidate nearest to it (within
/// `SAME_PERSON_DISTANCE` sides), so a tracker that lost its person for a
/// frame picks the same person up again instead of jumping to a neighbour;
/// otherwise the largest ROI, the person nearest the camera, who is most
/// likely the one exercising.
#[must_use]
pub fn choose(candidates: &[Roi], previous: Option<&Roi>) -> Option<usize> {
    if let Some(prev) = previous {
        let near = candidates
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let d = (r.center_x - prev.center_x).hypot(r.center_y - prev.center_y);
                (i, d / prev.side.max(1.0))
            })
            .filter(|(_, d)| d.is_finite() && *d <= SAME_PERSON_DISTANCE)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, _)) = near {
            return Some(i);
        }
    }
    candidates
        .iter()
        .enumerate()
        .filter(|(_, r)| r.side.is_finite())
        .max_by(|a, b| a.1.side.total_cmp(&b.1.side))
        .map(|(i, _)| i)
}

/// Every candidate, the one `choose` picks first, then the rest from the
/// largest down.
#[must_use]
pub fn preference_order(candidates: &[Roi], previous: Option<&Roi>) -> Vec<usize> {
    let first = choose(candidates, previous);
    let mut rest: Vec<usize> = (0..candidates.len())
        .filter(|&i| Some(i) != first)
        .collect();
    rest.sort_by(|&a, &b| candidates[b].side.total_cmp(&candidates[a].side));
    first.into_iter().chain(rest).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roi(x: f32, y: f32, side: f32) -> Roi {
        Roi {
            center_x: x,
            center_y: y,
            side,
            rotation: 0.0,
        }
    }

    #[test]
    fn picks_the_largest_without_history() {
        let c = [roi(10.0, 10.0, 50.0), roi(300.0, 10.0, 120.0)];
        assert_eq!(choose(&c, None), Some(1));
        assert_eq!(choose(&[], None), None);
    }

    #[test]
    fn prefers_the_person_it_followed() {
        let c = [roi(10.0, 10.0, 50.0), roi(300.0, 10.0, 120.0)];
        assert_eq!(choose(&c, Some(&roi(20.0, 15.0, 60.0))), Some(0));
        // Too far from anyone: back to the largest.
        assert_eq!(choose(&c, Some(&roi(900.0, 900.0, 60.0))), Some(1));
        let c = [
            roi(0.0, 0.0, 10.0),
            roi(5.0, 5.0, 30.0),
            roi(500.0, 0.0, 20.0),
        ];
        assert_eq!(
            preference_order(&c, Some(&roi(500.0, 0.0, 20.0))),
            [2, 1, 0]
        );
        assert_eq!(preference_order(&c, None), [1, 2, 0]);
    }

    #[test]
    fn a_new_frame_size_forgets_the_track() {
        let mut t = Tracker::default();
        t.check_frame_size(640, 480);
        t.follow(Some(roi(1.0, 1.0, 10.0)), roi(1.0, 1.0, 10.0));
        t.check_frame_size(640, 480);
        assert!(t.roi.is_some());
        t.check_frame_size(480, 640);
        assert!(t.roi.is_none() && t.last_seen.is_none());
    }
}
