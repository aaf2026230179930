//! Rule evaluation for one frame: measure the signal, compare it with its
//! threshold (and baseline), say fault / marginal / clear or "can't see".
//!
//! Pure functions over a [`Body`]; the dwell, hysteresis timing and cooldown
//! live in the engine. Nothing here allocates, so a frame costs microseconds.

use super::exercise::{Axis, Direction, Rule, RuleKind, Signal};
use super::geometry::{
    Body, Measure, MeasureCtx, PointRef, Source, Unit, Unseen, Vec3, centroid, horizontal_dir,
    norm, sub,
};

/// Most points a single signal may use (validated when loading).
pub const MAX_POINTS: usize = 8;

/// Fraction of a baseline-relative threshold the value must come back by before a
/// warning clears, so a value hovering at the threshold does not flicker.
pub const CLEAR_FRACTION: f32 = 0.2;
/// Hysteresis for absolute angle thresholds, degrees.
pub const CLEAR_MARGIN_DEG: f32 = 2.0;
/// Hysteresis for absolute length thresholds, torso lengths.
pub const CLEAR_MARGIN_TORSO: f32 = 0.02;

/// One frame's judgement of a form rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Inside the threshold by at least the hysteresis margin.
    Clear,
    /// Inside the threshold but within the margin: a warning stays up.
    Marginal,
    /// Past the threshold.
    Fault,
}

/// A signal made ready against a baseline: torso unit and reference values fixed.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What is measured.
    pub signal: Signal,
    /// Torso length and baseline references.
    pub ctx: MeasureCtx,
    /// The signal's value at baseline, once known.
    pub base: Option<f32>,
    /// What each point was made of when the references were fixed.
    pub sources: Option<[Source; MAX_POINTS]>,
    /// Measured on the frame-pixel landmarks (see [`Body::in_image`]).
    pub image_space: bool,
}

impl Prepared {
    /// Fixes the references from the settled start position. Points not seen then are
    /// captured the first time they are seen later (see [`Prepared::value`]).
    #[must_use]
    pub fn new(signal: &Signal, baseline: &Body, torso_len: f32, min_score: f32) -> Prepared {
        let mut p = Prepared {
            signal: signal.clone(),
            ctx: MeasureCtx {
                torso_len,
                is_3d: baseline.is_3d,
                ..MeasureCtx::default()
            },
            base: None,
            sources: None,
            image_space: false,
        };
        // Ignore "unseen" here: the references fill in lazily.
        let _ = p.value(baseline, min_score);
        p
    }

    /// The body in the space this signal is measured in.
    #[must_use]
    pub fn space<'a>(&self, body: &'a Body) -> &'a Body {
        if self.image_space {
            body.in_image()
        } else {
            body
        }
    }

    /// Locates the signal's points.
    pub fn locate(
        &self,
        body: &Body,
        min_score: f32,
        buf: &mut [Vec3; MAX_POINTS],
    ) -> Result<usize, Unseen> {
        let n = self.signal.points.len().min(MAX_POINTS);
        for (slot, point) in buf.iter_mut().zip(&self.signal.points).take(n) {
            *slot = body.locate(*point, min_score)?;
        }
        Ok(n)
    }

    /// The signal now (absolute). `Ok(None)` when the geometry is degenerate.
    ///
    /// A pair's midpoint that was both joints at baseline and is now one side
    /// standing in (or the other way round) counts as unseen: the two sides sit a
    /// shoulder or hip width apart, so the switch alone would read as movement.
    pub fn value(&mut self, body: &Body, min_score: f32) -> Result<Option<f32>, Unseen> {
        if self.signal.measure.reads_spine() {
            // No points: the back's curve, unseen when not confidently read.
            let v = self.signal.measure.of_back(&body.back()?);
            if self.base.is_none() {
                self.base = v;
            }
            return Ok(v);
        }
        let mut buf = [[0.0; 3]; MAX_POINTS];
        let mut src = [Source::Both; MAX_POINTS];
        let n = self.signal.points.len().min(MAX_POINTS);
        for (i, point) in self.signal.points.iter().take(n).enumerate() {
            (buf[i], src[i]) = match (point, self.sources.map(|s| s[i])) {
                // The baseline saw one joint of a pair (side-on, the far one
                // hidden): keep to that joint when the far one flickers back
                // into view, instead of switching to a midpoint.
                (PointRef::Mid(l), Some(Source::Left)) => {
                    (body.locate(PointRef::Joint(*l), min_score)?, Source::Left)
                }
                (PointRef::Mid(l), Some(Source::Right)) => (
                    body.locate(PointRef::Joint(l.mirrored()), min_score)?,
                    Source::Right,
                ),
                _ => body.locate_from(*point, min_score)?,
            };
        }
        match &self.sources {
            None => self.sources = Some(src),
            Some(base) => {
                if let Some(i) = (0..n).find(|&i| base[i] != src[i]) {
                    return Err(Unseen(match (self.signal.points[i], src[i]) {
                        (PointRef::Mid(l), Source::Left) => PointRef::Joint(l.mirrored()),
                        (PointRef::Mid(l), Source::Right) => PointRef::Joint(l),
                        (p, _) => p,
                    }));
                }
            }
        }
        let pts = &buf[..n];
        if self.ctx.baseline_centroid.is_none() {
            self.ctx.baseline_centroid = Some(centroid(pts));
        }
        if n >= 2 {
            if self.signal.span_baseline && self.ctx.baseline_span.is_none() {
                self.ctx.baseline_span = Some(norm(sub(pts[1], pts[0])));
            }
            if self.ctx.baseline_dx.is_none() {
                self.ctx.baseline_dx = Some((pts[1][0] - pts[0][0]).abs());
            }
        }
        if n >= 3
            && self.ctx.baseline_forward.is_none()
            && matches!(self.signal.measure, Measure::Lean | Measure::Ahead)
        {
            let eps = self.ctx.torso_len * 1e-3;
            self.ctx.baseline_forward = horizontal_dir(sub(pts[2], pts[0]), eps);
        }
        let v = self
            .signal
            .measure
            .eval(pts, self.signal.span_torso, &self.ctx);
        if self.base.is_none() {
            self.base = v;
        }
        Ok(v)
    }

    /// The signal relative to its baseline.
    pub fn delta(&mut self, body: &Body, min_score: f32) -> Result<Option<f32>, Unseen> {
        let v = self.value(body, min_score)?;
        Ok(v.zip(self.base).map(|(v, b)| v - b))
    }
}

/// Hysteresis margin for a threshold of this unit and size.
#[must_use]
pub fn margin(unit: Unit, threshold: f32, relative: bool) -> f32 {
    if relative {
        CLEAR_FRACTION * threshold.abs()
    } else {
        match unit {
            Unit::Deg => CLEAR_MARGIN_DEG,
            Unit::Torso => CLEAR_MARGIN_TORSO,
        }
    }
}

/// Judges `value` against "must stay at or below `limit`".
#[must_use]
pub fn at_most(value: f32, limit: f32, margin: f32) -> Verdict {
    if value > limit {
        Verdict::Fault
    } else if value > limit - margin {
        Verdict::Marginal
    } else {
        Verdict::Clear
    }
}

/// Judges `value` against an optional `[min, max]` range.
#[must_use]
pub fn within(
    value: f32,
    min: Option<f32>,
    max: Option<f32>,
    margin_min: f32,
    margin_max: f32,
) -> Verdict {
    let lo = min.map_or(Verdict::Clear, |m| at_most(-value, -m, margin_min));
    let hi = max.map_or(Verdict::Clear, |m| at_most(value, m, margin_max));
    match (lo, hi) {
        (Verdict::Fault, _) | (_, Verdict::Fault) => Verdict::Fault,
        (Verdict::Marginal, _) | (_, Verdict::Marginal) => Verdict::Marginal,
        _ => Verdict::Clear,
    }
}

/// The number a form rule compares (after baseline), for the UI and for tests.
/// `speed` is the tempo rules' measured speed, supplied by the engine.
#[must_use]
pub fn judge(rule: &Rule, value: f32, speed: f32) -> Verdict {
    match &rule.kind {
        RuleKind::Still { max_torso, .. } => at_most(value, *max_torso, CLEAR_FRACTION * max_torso),
        RuleKind::Angle {
            signal,
            min,
            max,
            baseline,
        }
        | RuleKind::Distance {
            signal,
            min,
            max,
            baseline,
        } => {
            let unit = signal.measure.unit();
            let mm = margin(unit, min.unwrap_or(0.0), *baseline);
            let mx = margin(unit, max.unwrap_or(0.0), *baseline);
            within(value, *min, *max, mm, mx)
        }
        RuleKind::Level { axis, max_deg, .. } => {
            let dev = match axis {
                Axis::Horizontal => value.abs(),
                Axis::Vertical => 90.0 - value.abs(),
            };
            at_most(dev.abs(), *max_deg, CLEAR_FRACTION * max_deg)
        }
        RuleKind::NotBeyondBaseline { direction, max, .. } => {
            let excess = match direction {
                Direction::Increase => value,
                Direction::Decrease => -value,
            };
            at_most(excess, *max, CLEAR_FRACTION * max)
        }
        RuleKind::Tempo { max_per_s, .. } => {
            at_most(speed.abs(), *max_per_s, CLEAR_FRACTION * max_per_s)
        }
        RuleKind::Rep(_) | RuleKind::Hold(_) => Verdict::Clear,
    }
}

/// Whether a form rule compares its signal against the baseline.
#[must_use]
pub fn uses_baseline(kind: &RuleKind) -> bool {
    match kind {
        RuleKind::Still { .. } | RuleKind::NotBeyondBaseline { .. } => true,
        RuleKind::Angle { baseline, .. }
        | RuleKind::Distance { baseline, .. }
        | RuleKind::Level { baseline, .. } => *baseline,
        RuleKind::Tempo { .. } | RuleKind::Rep(_) | RuleKind::Hold(_) => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    #[test]
    fn hysteresis_band() {
        assert_eq!(at_most(0.16, 0.15, 0.03), Verdict::Fault);
        assert_eq!(at_most(0.14, 0.15, 0.03), Verdict::Marginal);
        assert_eq!(at_most(0.10, 0.15, 0.03), Verdict::Clear);
        assert_eq!(within(100.0, Some(150.0), None, 2.0, 2.0), Verdict::Fault);
        assert_eq!(
            within(151.0, Some(150.0), None, 2.0, 2.0),
            Verdict::Marginal
        );
        assert_eq!(
            within(160.0, Some(150.0), Some(170.0), 2.0, 2.0),
            Verdict::Clear
        );
    }
}
