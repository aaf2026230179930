//! Session stage: records the coach's feedback into a timeline and a report.
//!
//! Depends on `pose`, `motion` and `coach`. [`Stepper`] is the one pipeline
//! tail (clock -> smoother -> coach -> session) shared by the command line,
//! the window, the audio render and the labelled-clip checks.

pub mod report;
pub mod spine;
pub mod stepper;
pub mod summary;
pub mod timeline;
pub mod track;

pub use report::{Asymmetry, RepSummary, Report, RomRecord, RuleWarnings};
pub use spine::{RepSpine, SpineRanges, SpineSample};
pub use stepper::{Step, Stepper};
pub use summary::{Highlights, Sample, SessionTotals, SideStats, WarningSpan, sample_of};
pub use timeline::{HoldRecord, Timeline, WarningRecord};
pub use track::{Track, TrackError, parse_track, read_track};

use crate::coach::exercise::RuleKind;
use crate::coach::{Event, Exercise, Feedback, HoldProgress, Phase, RepCounts, RuleState, Side};
use crate::pose::PoseFrame;
use std::collections::BTreeMap;

/// Collects one exercise session.
#[derive(Debug, Clone)]
pub struct Session {
    exercise: Exercise,
    frames: u64,
    first_t: Option<f64>,
    last_t: f64,
    active_s: f64,
    observable_active_s: f64,
    good_s: f64,
    unobservable_s: f64,
    rule_unseen_s: BTreeMap<String, f64>,
    timeline: Timeline,
    reps: RepCounts,
    open_hold: Option<HoldProgress>,
    peaks: BTreeMap<(String, Option<Side>), f32>,
    notes: Vec<String>,
    /// The per-frame timeline the window keeps, for the same summary sentences.
    samples: Vec<Sample>,
    /// Finished holds per side, for the samples.
    holds: [u32; 2],
}

impl Session {
    /// An empty session for `exercise`.
    #[must_use]
    pub fn new(exercise: &Exercise) -> Session {
        Session {
            exercise: exercise.clone(),
            frames: 0,
            first_t: None,
            last_t: 0.0,
            active_s: 0.0,
            observable_active_s: 0.0,
            good_s: 0.0,
            unobservable_s: 0.0,
            rule_unseen_s: BTreeMap::new(),
            timeline: Timeline::default(),
            reps: RepCounts::default(),
            open_hold: None,
            peaks: BTreeMap::new(),
            notes: Vec::new(),
            samples: Vec::new(),
            holds: [0; 2],
        }
    }

    /// Adds a note to the report (for example, frames skipped while reading a track).
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Records one frame's feedback; returns the frame's timeline sample
    /// (what the window's history keeps for it).
    pub fn record(&mut self, feedback: &Feedback) -> &Sample {
        self.record_with_spine(feedback, None)
    }

    /// Records one frame's feedback with the back's curve read on the same
    /// (smoothed) frame, which the timeline keeps for the per-rep ranges.
    pub fn record_with_spine(
        &mut self,
        feedback: &Feedback,
        spine: Option<&crate::pose::spine::SpineMeasure>,
    ) -> &Sample {
        self.frames += 1;
        let mut sample = sample_of(feedback.t_s, feedback, &mut self.holds);
        sample.spine = spine.and_then(SpineSample::of);
        self.first_t.get_or_insert(feedback.t_s);
        self.last_t = feedback.t_s;
        let dt = feedback.dt_s;
        if !feedback.observable {
            self.unobservable_s += dt;
        }
        if feedback.phase != Phase::Setup {
            self.active_s += dt;
            // Form is judged only when seen and placed as the exercise needs
            // (the window's summary counts the same way).
            if feedback.observable && feedback.placement.is_none() {
                self.observable_active_s += dt;
                if !feedback.warning_active {
                    self.good_s += dt;
                }
            }
            for r in &feedback.rules {
                if r.state == RuleState::Unseen {
                    *self.rule_unseen_s.entry(r.id.clone()).or_default() += dt;
                }
            }
        }
        for e in &feedback.events {
            match e {
                Event::Rep {
                    rule,
                    side,
                    peak: Some(p),
                    ..
                } => self.peak(rule, *side, *p),
                Event::Hold {
                    rule, side, peak, ..
                } => {
                    self.open_hold = None;
                    if let Some(p) = peak {
                        self.peak(rule, *side, *p);
                    }
                }
                _ => {}
            }
            self.timeline.push(e);
        }
        self.reps = feedback.reps;
        if let Some(h) = &feedback.hold {
            self.open_hold = Some(h.clone());
        }
        self.samples.push(sample);
        // Just pushed: the last one is there.
        &self.samples[self.samples.len() - 1]
    }

    fn peak(&mut self, rule: &str, side: Option<Side>, v: f32) {
        let down = self.direction_down(rule);
        let e = self.peaks.entry((rule.to_owned(), side)).or_insert(v);
        if (down && v < *e) || (!down && v > *e) {
            *e = v;
        }
    }

    fn direction_down(&self, rule: &str) -> bool {
        self.exercise
            .rule(rule)
            .and_then(|r| r.kind.progress())
            .is_some_and(|p| p.enter < p.exit)
    }

    /// The furthest reading of each progress rule and side, with its unit.
    fn rom_records(&self) -> Vec<RomRecord> {
        self.peaks
            .iter()
            .map(|((rule, side), peak)| {
                let (unit, rel) = self
                    .exercise
                    .rule(rule)
                    .and_then(|r| match &r.kind {
                        RuleKind::Rep(p) | RuleKind::Hold(p) => p
                            .signal
                            .as_ref()
                            .map(|s| (s.measure.unit().label(), p.baseline)),
                        _ => None,
                    })
                    .unwrap_or(("", false));
                RomRecord {
                    rule: rule.clone(),
                    side: *side,
                    peak: *peak,
                    unit: unit.to_owned(),
                    relative_to_baseline: rel,
                }
            })
            .collect()
    }

    /// Closes open warnings and holds and builds the report.
    #[must_use]
    pub fn finish(self) -> Report {
        self.finish_with_samples().0
    }

    /// The report and the per-frame timeline it was summarised from.
    #[must_use]
    pub fn finish_with_samples(mut self) -> (Report, Vec<Sample>) {
        let end = self.last_t;
        self.timeline.close(end);
        if let Some(h) = self.open_hold.take() {
            self.timeline.holds.push(HoldRecord {
                rule: h.rule,
                side: h.side,
                start_s: h.start_s,
                target_s: h.target_s,
                held_s: h.held_s,
                in_form_s: h.in_form_s,
            });
        }
        let mut by_rule: BTreeMap<String, RuleWarnings> = BTreeMap::new();
        for w in &self.timeline.warnings {
            let e = by_rule.entry(w.rule.clone()).or_default();
            e.count += 1;
            e.total_s += w.end_s.unwrap_or(end) - w.t_s;
            e.times_s.push(w.t_s);
        }
        let rom = self.rom_records();
        let hold_in_form_s = self.timeline.holds.iter().map(|h| h.in_form_s).sum();
        let asymmetry = self.exercise.sided().then(|| {
            let held = |s: Side| {
                self.timeline
                    .holds
                    .iter()
                    .filter(|h| h.side == Some(s))
                    .map(|h| h.held_s)
                    .sum::<f64>()
            };
            let rom_of = |s: Side| {
                rom.iter()
                    .find(|r| r.side == Some(s))
                    .map(|r| (r.rule.clone(), r.peak))
            };
            let rom_diff = match (rom_of(Side::Left), rom_of(Side::Right)) {
                (Some((a, l)), Some((b, r))) if a == b => Some(l - r),
                _ => None,
            };
            Asymmetry {
                reps_diff: i64::from(self.reps.left) - i64::from(self.reps.right),
                held_diff_s: held(Side::Left) - held(Side::Right),
                rom_diff,
            }
        });
        let good_form_ratio = if self.observable_active_s > 0.0 {
            self.good_s / self.observable_active_s
        } else {
            0.0
        };
        if self.frames > 0 && self.active_s <= 0.0 {
            self.notes
                .push("never settled into the start position, so nothing was counted".to_owned());
        }
        let highlights =
            SessionTotals::from_samples(&self.samples).highlights(self.exercise.sided(), None);
        let spine = SpineRanges::from_samples(&self.samples);
        let report = Report {
            exercise: self.exercise.id.clone(),
            name: self.exercise.name.clone(),
            duration_s: self.first_t.map_or(0.0, |f| end - f),
            frames: self.frames,
            reps: self.reps.into(),
            target_reps: self.exercise.dose.reps,
            holds: self.timeline.holds,
            hold_in_form_s,
            good_form_ratio,
            active_s: self.active_s,
            unobservable_s: self.unobservable_s,
            rule_unseen_s: self.rule_unseen_s,
            warnings: self.timeline.warnings,
            warnings_by_rule: by_rule,
            rom,
            asymmetry,
            timeline: self.timeline.events,
            notes: self.notes,
            highlights,
            spine,
        };
        (report, self.samples)
    }
}

/// Smooths, coaches and records a whole pose track.
#[must_use]
pub fn analyze_track(exercise: &Exercise, frames: impl IntoIterator<Item = PoseFrame>) -> Report {
    let mut stepper = Stepper::new(exercise);
    for frame in frames {
        stepper.step(frame);
    }
    stepper.finish()
}

#[cfg(test)]
mod tests;
