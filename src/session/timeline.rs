//! The session timeline: what happened when, built from the coach's events.

use crate::coach::{Event, Side};
use serde::{Deserialize, Serialize};

/// One warning as it appeared to the person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningRecord {
    /// When the cue went up (after the dwell).
    pub t_s: f64,
    /// When the fault ended (`None` while still up).
    pub end_s: Option<f64>,
    /// Rule id.
    pub rule: String,
    /// The cue text.
    pub message: String,
    /// Side being worked when it fired.
    pub side: Option<Side>,
}

/// One hold (or a rep's pause).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldRecord {
    /// Progress rule id.
    pub rule: String,
    /// Side held.
    pub side: Option<Side>,
    /// When it started.
    pub start_s: f64,
    /// Seconds aimed for.
    pub target_s: f64,
    /// Seconds held.
    pub held_s: f64,
    /// Seconds held with no warning up.
    pub in_form_s: f64,
}

/// Ordered events plus the warnings and holds assembled from them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Every coach event, in order.
    pub events: Vec<Event>,
    /// Warnings, in start order.
    pub warnings: Vec<WarningRecord>,
    /// Holds, in start order.
    pub holds: Vec<HoldRecord>,
}

impl Timeline {
    /// Adds one event, opening, closing or reopening warnings and recording holds.
    pub fn push(&mut self, event: &Event) {
        match event {
            Event::WarningStart {
                t_s,
                rule,
                message,
                side,
                reopened,
            } => {
                let reopen = reopened
                    .then(|| self.warnings.iter_mut().rev().find(|w| &w.rule == rule))
                    .flatten();
                match reopen {
                    Some(w) => w.end_s = None,
                    None => self.warnings.push(WarningRecord {
                        t_s: *t_s,
                        end_s: None,
                        rule: rule.clone(),
                        message: message.clone(),
                        side: *side,
                    }),
                }
            }
            Event::WarningEnd { t_s, rule } => {
                if let Some(w) = self
                    .warnings
                    .iter_mut()
                    .rev()
                    .find(|w| &w.rule == rule && w.end_s.is_none())
                {
                    w.end_s = Some(*t_s);
                }
            }
            Event::Hold {
                rule,
                side,
                start_s,
                target_s,
                held_s,
                in_form_s,
                ..
            } => {
                self.holds.push(HoldRecord {
                    rule: rule.clone(),
                    side: *side,
                    start_s: *start_s,
                    target_s: *target_s,
                    held_s: *held_s,
                    in_form_s: *in_form_s,
                });
            }
            _ => {}
        }
        self.events.push(event.clone());
    }

    /// Closes everything still open at `t_s` (end of the session).
    pub fn close(&mut self, t_s: f64) {
        for w in &mut self.warnings {
            if w.end_s.is_none() {
                w.end_s = Some(t_s);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    #[test]
    fn reopened_warning_extends_the_previous_one() {
        let mut tl = Timeline::default();
        let start = |t: f64, reopened: bool| Event::WarningStart {
            t_s: t,
            rule: "hips-still".into(),
            message: "m".into(),
            side: None,
            reopened,
        };
        tl.push(&start(1.0, false));
        tl.push(&Event::WarningEnd {
            t_s: 2.0,
            rule: "hips-still".into(),
        });
        tl.push(&start(2.3, true));
        tl.push(&Event::WarningEnd {
            t_s: 3.0,
            rule: "hips-still".into(),
        });
        assert_eq!(tl.warnings.len(), 1);
        assert_eq!(tl.warnings[0].end_s, Some(3.0));
    }
}
