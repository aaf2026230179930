//! Holds: a spoken start, a countdown at marks, the end tone, and
//! "two of three" when one is done.

use crate::audio::tones::ToneKind;
use crate::audio::{Priority, Utterance, UtteranceKind};
use crate::coach::{Feedback, Side};

use super::phrases::{RELAX, capitalized, number_word, side_name, strip_count};
use super::{Announcer, CHIME_MIN_HOLD_S, SPOKEN_HOLD_MIN_S, side_index};

#[derive(Debug, Clone)]
pub(super) struct HoldState {
    key: (String, Option<Side>, u64),
    marks: Vec<u32>,
    chimed: bool,
}

pub(super) fn hold_marks(target_s: f64) -> Vec<u32> {
    [30u32, 10, 5]
        .into_iter()
        .filter(|m| target_s >= f64::from(*m) * 1.5)
        .collect()
}

pub(super) fn mark_phrase(mark: u32) -> String {
    match mark {
        5 => "Five.".to_owned(),
        10 => "Ten seconds.".to_owned(),
        m => format!("{} seconds to go.", capitalized(&number_word(m))),
    }
}

/// "Two of three."
pub(super) fn hold_of_phrase(k: u32, of: u32) -> String {
    format!("{} of {}.", capitalized(&number_word(k)), number_word(of))
}

pub(super) fn hold_start_phrase(side: Option<Side>, target_s: f64) -> String {
    let secs = number_word(target_s.round() as u32);
    match side {
        Some(s) => format!("{} side. Hold for {secs} seconds.", side_name(s)),
        None => format!("Hold for {secs} seconds."),
    }
}

impl Announcer {
    /// A finished hold: "two of three", or the side or the whole dose done.
    pub(super) fn hold_done(&mut self, t: f64, side: Option<Side>) {
        let side = if self.exercise.dose.per_side {
            side
        } else {
            None
        };
        let i = side_index(side);
        self.holds_done[i] += 1;
        let k = self.holds_done[i];
        let h = self.exercise.dose.holds;
        if h == 0 {
            return;
        }
        let all = h * self.exercise.dose.sets.max(1);
        let text = if k.is_multiple_of(h) || k >= all {
            // Drop the leading number: the hold tone already marked the end.
            self.count_phrase(side, k, h).map(|p| strip_count(&p))
        } else {
            Some(hold_of_phrase((k - 1) % h + 1, h))
        };
        if let Some(text) = text {
            self.say(t, text, Priority::Count, 2.0, None);
        }
    }

    pub(super) fn holds(&mut self, fb: &Feedback, out: &mut Vec<Utterance>) {
        let t = fb.t_s;
        let Some(h) = &fb.hold else {
            self.hold = None;
            return;
        };
        let key = (h.rule.clone(), h.side, h.start_s.to_bits());
        if self.hold.as_ref().is_none_or(|s| s.key != key) {
            self.hold = Some(HoldState {
                key,
                marks: hold_marks(h.target_s),
                chimed: false,
            });
            if h.target_s >= SPOKEN_HOLD_MIN_S {
                let side = if self.exercise.sided() { h.side } else { None };
                self.say(
                    t,
                    hold_start_phrase(side, h.target_s),
                    Priority::Count,
                    1.5,
                    None,
                );
            }
        }
        let remaining = h.target_s - h.held_s;
        let mut said = Vec::new();
        let mut chime = false;
        if let Some(state) = self.hold.as_mut() {
            while let Some(&m) = state.marks.first() {
                if remaining > f64::from(m) {
                    break;
                }
                state.marks.remove(0);
                if remaining > f64::from(m) - 1.0 {
                    said.push(mark_phrase(m));
                }
            }
            if remaining <= 0.0 && !state.chimed {
                state.chimed = true;
                chime = h.target_s >= CHIME_MIN_HOLD_S;
            }
        }
        for text in said {
            self.say(t, text, Priority::Count, 1.0, None);
        }
        if chime {
            if self.settings.tones_on {
                out.push(Utterance {
                    t_s: t,
                    kind: UtteranceKind::Tone(ToneKind::HoldDone),
                    priority: Priority::Count,
                });
            } else {
                self.say(t, RELAX.to_owned(), Priority::Count, 1.0, None);
            }
            if self.open_holds.contains(&h.rule) {
                self.hold_done(t, h.side);
            }
        }
    }
}
