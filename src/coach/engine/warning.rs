//! The warning state machine of one form rule: dwell, hysteresis and cooldown.
//!
//! A fault must last its dwell before it is said; a warning clears only after
//! [`CLEAR_S`] back inside the hysteresis band; a fault coming back within
//! [`COOLDOWN_S`] of clearing reopens the same warning instead of starting a
//! new one, so a wobble around a threshold is one warning, not a stutter.

use super::feedback::{Event, RuleState, Side};
use super::{CLEAR_S, COOLDOWN_S};
use crate::coach::rules::Verdict;

#[derive(Debug, Clone, Copy)]
enum Fsm {
    Idle,
    Pending { since: f64 },
    Active,
    Clearing { since: f64 },
    Cooling { ended: f64 },
}

/// What a warning says when it starts: the rule's id, its cue and the side.
#[derive(Debug, Clone, Copy)]
pub(super) struct Said<'a> {
    /// Rule id.
    pub id: &'a str,
    /// The rule's cue.
    pub cue: &'a str,
    /// Side being worked, if any.
    pub side: Option<Side>,
}

/// One form rule's warning, stepped once per frame with that frame's verdict.
#[derive(Debug, Clone, Copy)]
pub(super) struct Warning {
    fsm: Fsm,
    /// When the warning last started (older warnings win ties in cue choice).
    started_s: f64,
}

impl Default for Warning {
    fn default() -> Self {
        Warning {
            fsm: Fsm::Idle,
            started_s: 0.0,
        }
    }
}

impl Warning {
    /// The state the UI shows.
    pub fn state(&self) -> RuleState {
        match self.fsm {
            Fsm::Idle | Fsm::Cooling { .. } => RuleState::Ok,
            Fsm::Pending { .. } => RuleState::Pending,
            Fsm::Active | Fsm::Clearing { .. } => RuleState::Warning,
        }
    }

    /// Whether the warning is up (or still clearing).
    pub fn is_up(&self) -> bool {
        matches!(self.fsm, Fsm::Active | Fsm::Clearing { .. })
    }

    /// When the warning last started.
    pub fn started_s(&self) -> f64 {
        self.started_s
    }

    /// Ends a warning that is up (the rule stopped being judged) and forgets
    /// any fault in waiting.
    pub fn close(&mut self, t: f64, id: &str, events: &mut Vec<Event>) {
        match self.fsm {
            Fsm::Active => events.push(Event::WarningEnd {
                t_s: t,
                rule: id.to_owned(),
            }),
            Fsm::Clearing { since } => events.push(Event::WarningEnd {
                t_s: since,
                rule: id.to_owned(),
            }),
            _ => {}
        }
        self.fsm = Fsm::Idle;
    }

    /// Ends a warning that is up at `t` itself (the coach went back to setup).
    pub fn end_now(&mut self, t: f64, id: &str, events: &mut Vec<Event>) {
        if self.is_up() {
            events.push(Event::WarningEnd {
                t_s: t,
                rule: id.to_owned(),
            });
        }
        self.fsm = Fsm::Idle;
    }

    /// Advances by one frame's verdict.
    pub fn step(
        &mut self,
        v: Verdict,
        t: f64,
        dwell: f64,
        said: Said<'_>,
        events: &mut Vec<Event>,
    ) -> RuleState {
        let start = |reopened: bool, events: &mut Vec<Event>| {
            events.push(Event::WarningStart {
                t_s: t,
                rule: said.id.to_owned(),
                message: said.cue.to_owned(),
                side: said.side,
                reopened,
            });
        };
        self.fsm = match (self.fsm, v) {
            (Fsm::Idle, Verdict::Fault) => {
                if dwell <= 0.0 {
                    start(false, events);
                    self.started_s = t;
                    Fsm::Active
                } else {
                    Fsm::Pending { since: t }
                }
            }
            (Fsm::Pending { since }, Verdict::Fault) => {
                if t - since >= dwell - 1e-9 {
                    start(false, events);
                    self.started_s = t;
                    Fsm::Active
                } else {
                    Fsm::Pending { since }
                }
            }
            (Fsm::Pending { .. } | Fsm::Idle, _) => Fsm::Idle,
            (Fsm::Active, Verdict::Clear) => Fsm::Clearing { since: t },
            (Fsm::Clearing { .. }, Verdict::Fault | Verdict::Marginal) | (Fsm::Active, _) => {
                Fsm::Active
            }
            (Fsm::Clearing { since }, Verdict::Clear) => {
                if t - since >= CLEAR_S - 1e-9 {
                    events.push(Event::WarningEnd {
                        t_s: since,
                        rule: said.id.to_owned(),
                    });
                    Fsm::Cooling { ended: since }
                } else {
                    Fsm::Clearing { since }
                }
            }
            (Fsm::Cooling { ended }, Verdict::Fault) => {
                if t - ended <= COOLDOWN_S {
                    start(true, events);
                    Fsm::Active
                } else {
                    Fsm::Pending { since: t }
                }
            }
            (Fsm::Cooling { ended }, _) => {
                if t - ended > COOLDOWN_S {
                    Fsm::Idle
                } else {
                    Fsm::Cooling { ended }
                }
            }
        };
        self.state()
    }
}
