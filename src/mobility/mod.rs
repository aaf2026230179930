//! The mobility check's measures: how far the mid-back and the neck turn,
//! how high the arms go overhead, and how far the head draws back in a chin
//! tuck, in degrees, from pose frames.
//!
//! Depends only on `pose` and `stats`. Each measure reads every frame of a
//! step, keeps the frames where the joints it needs were seen, smooths them
//! and reports a high percentile, not a single frame's maximum: one bad
//! frame must not make a record. A figure that could not be measured says
//! why instead of showing a number.

mod angles;
mod norms;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::pose::PoseFrame;

pub use angles::{
    MIN_JOINT_SCORE, arm_elevation_deg, head_position_deg, neck_rotation_deg, thoracic_rotation_deg,
};
pub use norms::{Norm, comparison_text, limits_text, norm_of, norm_text};

/// Frames either side in the moving median that smooths a measure: about a
/// third of a second at 30 frames a second, long enough to drop a one-frame
/// jump, short enough to keep a two-second hold.
pub const SMOOTH_HALF_WINDOW: usize = 4;

/// The percentile reported as a side's peak: the top few frames of a turn,
/// robust to a stray one.
pub const PEAK_QUANTILE: f64 = 0.95;

/// Fewest usable frames for a figure on video; a still photo gives one.
pub const MIN_FRAMES: usize = 1;

/// Fewest usable frames for a range (the chin tuck's, the mid-back's): a
/// range is a movement, which one photo cannot show.
pub const MIN_RANGE_FRAMES: usize = 5;

/// Smallest turn or lift that counts as having gone to a side at all,
/// degrees: below it the side reads as "not turned", not as a tiny range.
pub const MIN_SIDE_DEG: f64 = 5.0;

/// What the check measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Mid-back rotation per side: the shoulder line against the hip line.
    ThoracicRotation,
    /// Neck rotation per side: the head against the shoulders.
    NeckRotation,
    /// Shoulder flexion per arm: the upper arm against the trunk.
    ArmsOverhead,
    /// Chin-tuck range: how far the head's position changes from poking
    /// forward to tucked, side-on.
    ChinTuck,
    /// Mid-back extension range: how far the upper back's curve (read from
    /// the silhouette, side-on) changes from most rounded to most arched.
    /// Only frames that carry the spine measure count, which the pose stage
    /// adds when it runs its mask graph (`pose --spine`).
    MidBackExtension,
}

/// Every measure, in the order the check plays them.
pub const MEASURES: [Measure; 5] = [
    Measure::ThoracicRotation,
    Measure::NeckRotation,
    Measure::ArmsOverhead,
    Measure::ChinTuck,
    Measure::MidBackExtension,
];

/// Least confidence of the spine measure (how side-on the view is times how
/// clean the silhouette's edge was) for a frame to count.
pub const MIN_SPINE_CONFIDENCE: f64 = 0.5;

impl Measure {
    /// The id used in routine files, JSON and the history.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Measure::ThoracicRotation => "thoracic-rotation",
            Measure::NeckRotation => "neck-rotation",
            Measure::ArmsOverhead => "arms-overhead",
            Measure::ChinTuck => "chin-tuck",
            Measure::MidBackExtension => "mid-back-extension",
        }
    }

    /// Looks a measure up by its id.
    #[must_use]
    pub fn from_id(id: &str) -> Option<Measure> {
        MEASURES.into_iter().find(|m| m.id() == id)
    }

    /// The name shown to the person.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Measure::ThoracicRotation => "Mid-back rotation",
            Measure::NeckRotation => "Neck rotation",
            Measure::ArmsOverhead => "Arms overhead",
            Measure::ChinTuck => "Chin-tuck range",
            Measure::MidBackExtension => "Mid-back extension range",
        }
    }

    /// Whether the figure has a left and a right.
    #[must_use]
    pub fn sided(self) -> bool {
        !matches!(self, Measure::ChinTuck | Measure::MidBackExtension)
    }

    /// What to do in front of the camera for this measure to be read.
    #[must_use]
    pub fn how(self) -> &'static str {
        match self {
            Measure::ThoracicRotation => {
                "Sit facing the camera, hips and shoulders in view, arms crossed; turn slowly as far as you comfortably can each way."
            }
            Measure::NeckRotation => {
                "Sit facing the camera; keep the shoulders square and turn the head slowly as far as is comfortable each way."
            }
            Measure::ArmsOverhead => {
                "Stand facing the camera, hips in view; raise both arms straight overhead beside the ears, ribs down."
            }
            Measure::ChinTuck => {
                "Sit side-on to the camera; let the head drift forward, then draw the chin straight back."
            }
            Measure::MidBackExtension => {
                "Sit side-on to the camera; round the upper back, then lift the chest and arch it back."
            }
        }
    }
}

/// One measured figure of a check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// What was measured.
    pub measure: Measure,
    /// The left side's (or arm's) peak, degrees; `None` when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_deg: Option<f64>,
    /// The right side's peak, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_deg: Option<f64>,
    /// The unsided figure (the chin tuck's range), degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_deg: Option<f64>,
    /// Frames whose joints were seen well enough to measure.
    pub frames_used: usize,
    /// Frames read.
    pub frames_seen: usize,
    /// Why a figure is missing, in words for the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Figure {
    /// Left minus right, degrees, when both sides were measured.
    #[must_use]
    pub fn difference_deg(&self) -> Option<f64> {
        Some(self.left_deg? - self.right_deg?)
    }

    /// Whether any number came out.
    #[must_use]
    pub fn measured(&self) -> bool {
        self.left_deg.is_some() || self.right_deg.is_some() || self.value_deg.is_some()
    }

    /// Share of the frames that could be measured, 0..1: how much the figure
    /// rests on.
    #[must_use]
    pub fn confidence(&self) -> f64 {
        if self.frames_seen == 0 {
            0.0
        } else {
            self.frames_used as f64 / self.frames_seen as f64
        }
    }

    /// The figure in one line: `Mid-back rotation: left 38°, right 32° (6° apart)`.
    #[must_use]
    pub fn line(&self) -> String {
        let deg =
            |v: Option<f64>| v.map_or_else(|| "not measured".to_owned(), |d| format!("{d:.0}°"));
        let mut s = format!("{}: ", self.measure.label());
        if self.measure.sided() {
            let _ = write!(
                s,
                "left {}, right {}",
                deg(self.left_deg),
                deg(self.right_deg)
            );
            if let Some(d) = self.difference_deg() {
                let _ = write!(s, " ({:.0}° apart)", d.abs());
            }
        } else {
            s.push_str(&deg(self.value_deg));
        }
        if let Some(note) = &self.note {
            let _ = write!(s, " — {note}");
        }
        s
    }
}

/// Reads one step's frames for one measure.
#[derive(Debug, Clone)]
pub struct Meter {
    measure: Measure,
    /// Per usable frame: the measure's one or two values.
    values: Vec<[Option<f64>; 2]>,
    seen: usize,
    /// Frames with nobody in them.
    empty: usize,
    /// Frames whose person came without 3D world points.
    flat: usize,
}

impl Meter {
    /// A meter for `measure`, with no frames yet.
    #[must_use]
    pub fn new(measure: Measure) -> Meter {
        Meter {
            measure,
            values: Vec::new(),
            seen: 0,
            empty: 0,
            flat: 0,
        }
    }

    /// Which measure this meter reads.
    #[must_use]
    pub fn measure(&self) -> Measure {
        self.measure
    }

    /// Takes one frame (the first person in it: the one the tracker follows).
    pub fn push(&mut self, frame: &PoseFrame) {
        self.seen += 1;
        let Some(person) = frame.people.first() else {
            self.empty += 1;
            return;
        };
        if person.world.is_none() {
            self.flat += 1;
        }
        let v = match self.measure {
            Measure::ThoracicRotation => [thoracic_rotation_deg(person), None],
            Measure::NeckRotation => [neck_rotation_deg(person), None],
            Measure::ArmsOverhead => arm_elevation_deg(person),
            Measure::ChinTuck => [head_position_deg(person), None],
            Measure::MidBackExtension => [
                person
                    .spine
                    .as_ref()
                    .map(|s| &s.measure)
                    .filter(|m| m.confidence >= MIN_SPINE_CONFIDENCE)
                    .map(|m| m.thoracic_curve_deg)
                    .filter(|d| d.is_finite()),
                None,
            ],
        };
        if v.iter().any(Option::is_some) {
            self.values.push(v);
        }
    }

    /// The figure from the frames so far.
    #[must_use]
    pub fn figure(&self) -> Figure {
        let mut fig = Figure {
            measure: self.measure,
            left_deg: None,
            right_deg: None,
            value_deg: None,
            frames_used: self.values.len(),
            frames_seen: self.seen,
            note: None,
        };
        if self.values.len() < MIN_FRAMES {
            fig.note = Some(self.why_not());
            return fig;
        }
        let slot = |i: usize| -> Vec<f64> {
            smooth(&self.values.iter().filter_map(|v| v[i]).collect::<Vec<_>>())
        };
        let peak = |v: &[f64]| crate::stats::nearest_rank(v, PEAK_QUANTILE);
        match self.measure {
            Measure::ThoracicRotation | Measure::NeckRotation => {
                // One signed angle: the left is the positive turns, the
                // right the negative ones.
                let signed = slot(0);
                let left: Vec<f64> = signed.iter().map(|a| a.max(0.0)).collect();
                let right: Vec<f64> = signed.iter().map(|a| (-a).max(0.0)).collect();
                fig.left_deg = peak(&left).filter(|d| *d >= MIN_SIDE_DEG);
                fig.right_deg = peak(&right).filter(|d| *d >= MIN_SIDE_DEG);
                let missing: Vec<&str> = [("left", fig.left_deg), ("right", fig.right_deg)]
                    .iter()
                    .filter(|(_, d)| d.is_none())
                    .map(|(s, _)| *s)
                    .collect();
                if !missing.is_empty() {
                    fig.note = Some(format!(
                        "no turn to the {} was seen",
                        missing.join(" or the ")
                    ));
                }
            }
            Measure::ArmsOverhead => {
                fig.left_deg = peak(&slot(0));
                fig.right_deg = peak(&slot(1));
                if fig.left_deg.is_none() || fig.right_deg.is_none() {
                    fig.note = Some("one arm's elbow was not seen".to_owned());
                }
            }
            Measure::ChinTuck | Measure::MidBackExtension => {
                let v = slot(0);
                if v.len() < MIN_RANGE_FRAMES {
                    fig.note = Some(format!(
                        "couldn't measure a range from {} frame(s): it needs the movement itself",
                        v.len()
                    ));
                    return fig;
                }
                let hi = peak(&v);
                let lo = crate::stats::nearest_rank(&v, 1.0 - PEAK_QUANTILE);
                fig.value_deg = hi.zip(lo).map(|(h, l)| h - l);
            }
        }
        fig
    }

    fn why_not(&self) -> String {
        if self.seen == 0 {
            return "no frames".to_owned();
        }
        if self.empty == self.seen {
            return "nobody was seen".to_owned();
        }
        let needs_world = matches!(
            self.measure,
            Measure::ThoracicRotation | Measure::NeckRotation
        );
        if needs_world && self.flat + self.empty == self.seen {
            return "couldn't measure: a turn needs the 3D points a BlazePose model gives"
                .to_owned();
        }
        match self.measure {
            Measure::ThoracicRotation => {
                "couldn't measure: the shoulders and hips were not both seen clearly".to_owned()
            }
            Measure::NeckRotation => {
                "couldn't measure: the shoulders, nose and an ear were not seen clearly".to_owned()
            }
            Measure::ArmsOverhead => {
                "couldn't measure: the shoulders and elbows were not seen clearly".to_owned()
            }
            Measure::ChinTuck => {
                "couldn't measure: sit side-on so one ear and shoulder are clearly seen".to_owned()
            }
            Measure::MidBackExtension => {
                "couldn't measure: the back's curve is read side-on, and only when the pose model runs its mask (as `pose --spine` does)".to_owned()
            }
        }
    }
}

/// A centred moving median over [`SMOOTH_HALF_WINDOW`] frames either side.
fn smooth(values: &[f64]) -> Vec<f64> {
    (0..values.len())
        .filter_map(|i| {
            let lo = i.saturating_sub(SMOOTH_HALF_WINDOW);
            let hi = (i + SMOOTH_HALF_WINDOW + 1).min(values.len());
            crate::stats::nearest_rank(&values[lo..hi], 0.5)
        })
        .collect()
}

/// Reads a whole step's frames for `measure`.
#[must_use]
pub fn measure_frames<'a>(
    measure: Measure,
    frames: impl IntoIterator<Item = &'a PoseFrame>,
) -> Figure {
    let mut meter = Meter::new(measure);
    for f in frames {
        meter.push(f);
    }
    meter.figure()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests;
