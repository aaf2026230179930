//! Published normal ranges to set a figure beside, and the sentences that
//! compare a check with the person's first one.
//!
//! The ranges are the usual textbook figures for healthy adults measured
//! with a goniometer by a clinician; a webcam estimate is not that, so the
//! app calls them "typical ranges" and never a verdict.
//!
//! Sources (by title; the ranges are the commonly quoted ones, not a
//! specific table's exact figures):
//! - American Academy of Orthopaedic Surgeons, *Joint Motion: Method of
//!   Measuring and Recording* (1965): shoulder flexion 0-180°, thoracolumbar
//!   rotation about 45° a side.
//! - C. C. Norkin and D. J. White, *Measurement of Joint Motion: A Guide to
//!   Goniometry*: the same AAOS values, and how each is measured.
//! - J. W. Youdas et al., *Normal range of motion of the cervical spine: an
//!   initial goniometric study*, Physical Therapy (1992): cervical rotation
//!   of roughly 70-90° a side in younger adults, less with age.

use std::fmt::Write as _;

use super::{Figure, Measure};

/// A published typical range for one measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Norm {
    /// Low end of the typical range, degrees.
    pub low_deg: f64,
    /// High end, degrees.
    pub high_deg: f64,
    /// Where the range comes from, by title.
    pub source: &'static str,
}

/// The typical range for a measure, `None` where there is no published norm
/// for what the webcam measures (the chin tuck's range and the silhouette's
/// mid-back curve).
#[must_use]
pub fn norm_of(measure: Measure) -> Option<Norm> {
    match measure {
        // Thoracolumbar rotation; seated, the pelvis held still, the range
        // usually quoted is 30-50° a side (AAOS gives 45°).
        Measure::ThoracicRotation => Some(Norm {
            low_deg: 30.0,
            high_deg: 50.0,
            source: "AAOS, Joint Motion: Method of Measuring and Recording (thoracolumbar rotation about 45°)",
        }),
        Measure::NeckRotation => Some(Norm {
            low_deg: 70.0,
            high_deg: 90.0,
            source: "Youdas et al., Normal range of motion of the cervical spine (Physical Therapy, 1992); less with age",
        }),
        Measure::ArmsOverhead => Some(Norm {
            low_deg: 160.0,
            high_deg: 180.0,
            source: "AAOS and Norkin & White, Measurement of Joint Motion (shoulder flexion 0-180°)",
        }),
        Measure::ChinTuck | Measure::MidBackExtension => None,
    }
}

/// A figure beside its typical range, in one sentence.
#[must_use]
pub fn norm_text(figure: &Figure) -> String {
    let Some(norm) = norm_of(figure.measure) else {
        return "There is no published normal range for this webcam figure; it is compared only with your own checks.".to_owned();
    };
    let range = format!(
        "Typical range {:.0}-{:.0}°{} ({}).",
        norm.low_deg,
        norm.high_deg,
        if figure.measure.sided() {
            " a side"
        } else {
            ""
        },
        norm.source
    );
    let below: Vec<&str> = [("left", figure.left_deg), ("right", figure.right_deg)]
        .iter()
        .filter(|(_, d)| d.is_some_and(|d| d < norm.low_deg))
        .map(|(s, _)| *s)
        .collect();
    if below.is_empty() {
        range
    } else {
        format!(
            "{range} Below it on the {}: worth watching over the weeks, not a diagnosis.",
            below.join(" and the ")
        )
    }
}

/// Smallest change between checks called a change, degrees: a webcam
/// estimate moves by a few degrees from one day to the next on its own.
pub const NOTICEABLE_CHANGE_DEG: f64 = 4.0;

/// Smallest left/right difference worth saying, degrees.
pub const NOTICEABLE_SIDE_GAP_DEG: f64 = 5.0;

/// This check against the first one (`since` names its day, as "3 November"):
/// "Mid-back rotation to the left improved from 31° to 38° since 3 November;
/// the right side is 6° behind." Empty when nothing was measured.
#[must_use]
pub fn comparison_text(now: &Figure, first: Option<&Figure>, since: &str) -> String {
    let label = now.measure.label();
    let mut parts = Vec::new();
    let sides: Vec<(&str, Option<f64>, Option<f64>)> = if now.measure.sided() {
        vec![
            ("left", now.left_deg, first.and_then(|f| f.left_deg)),
            ("right", now.right_deg, first.and_then(|f| f.right_deg)),
        ]
    } else {
        vec![("", now.value_deg, first.and_then(|f| f.value_deg))]
    };
    for (side, now_deg, first_deg) in &sides {
        let Some(now_deg) = now_deg else { continue };
        let what = if side.is_empty() {
            label.to_owned()
        } else if now.measure == Measure::ArmsOverhead {
            format!("{label}, {side} arm,")
        } else {
            format!("{label} to the {side}")
        };
        let Some(first_deg) = first_deg else {
            parts.push(format!("{what}: {now_deg:.0}°"));
            continue;
        };
        let change = now_deg - first_deg;
        parts.push(if change.abs() < NOTICEABLE_CHANGE_DEG {
            format!("{what} is about the same as on {since} ({first_deg:.0}°, now {now_deg:.0}°)")
        } else if change > 0.0 {
            format!("{what} improved from {first_deg:.0}° to {now_deg:.0}° since {since}")
        } else {
            format!("{what} went from {first_deg:.0}° to {now_deg:.0}° since {since}")
        });
    }
    if parts.is_empty() {
        return String::new();
    }
    let mut text = parts.join("; ");
    if let Some(d) = now.difference_deg()
        && d.abs() >= NOTICEABLE_SIDE_GAP_DEG
    {
        let behind = if d > 0.0 { "right" } else { "left" };
        let _ = write!(text, "; the {behind} side is {:.0}° behind", d.abs());
    }
    text.push('.');
    text
}

/// What the figures can and cannot tell, said plainly with every check.
#[must_use]
pub fn limits_text() -> &'static str {
    "These figures are a webcam estimate from a pose model, good to a few degrees at best \
     and best read as a trend over weeks against your own first check. They are not a \
     diagnosis and cannot tell why a movement is limited. Pain, numbness, tingling or \
     weakness mean stop and see a physiotherapist or doctor."
}
