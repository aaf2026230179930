//! What the announcer says, in words: fixed phrases, numbers, counts, and
//! the list of every phrase an exercise may need (rendered ahead).

use std::fmt::Write as _;

use crate::coach::Side;
use crate::coach::geometry::Unseen;

use super::holds::{hold_marks, hold_of_phrase, hold_start_phrase, mark_phrase};
use super::{Announcer, SPOKEN_HOLD_MIN_S, other, side_index};

pub(super) const PRAISE: [&str; 4] = ["That's it.", "Better.", "Nice, keep that.", "Good."];
pub(super) const NOBODY: &str = "I can't see anyone. Step into the picture.";
pub(super) const FACE: &str = "Face the camera.";
pub(super) const SIDE_ON: &str = "Turn side-on to the camera.";
pub(super) const START: &str = "Ready. Let's start.";
pub(super) const RESUME: &str = "Got you. Carry on.";
pub(super) const ALL_DONE: &str = "All done. Well done.";
pub(super) const RELAX: &str = "And relax.";

pub(super) fn side_name(side: Side) -> &'static str {
    match side {
        Side::Left => "Left",
        Side::Right => "Right",
    }
}

/// A number in words ("three", "twenty-one"); digits past 99.
#[must_use]
pub fn number_word(n: u32) -> String {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    match n {
        0..=19 => ONES[n as usize].to_owned(),
        20..=99 if n.is_multiple_of(10) => TENS[(n / 10) as usize].to_owned(),
        20..=99 => format!("{}-{}", TENS[(n / 10) as usize], ONES[(n % 10) as usize]),
        _ => n.to_string(),
    }
}

/// `s` with its first letter in capitals (words built for the middle of a
/// sentence, said or shown on their own).
pub(crate) fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A count phrase without its leading number ("Set one done. ...").
pub(super) fn strip_count(p: &str) -> String {
    p.split_once(". ")
        .map_or_else(|| p.to_owned(), |(_, rest)| rest.to_owned())
}

impl Announcer {
    /// Every phrase this announcer may say for its exercise, to render ahead.
    #[must_use]
    pub fn phrases(&self) -> Vec<String> {
        let ex = &self.exercise;
        let mut out: Vec<String> = vec![
            NOBODY.into(),
            FACE.into(),
            SIDE_ON.into(),
            START.into(),
            RESUME.into(),
            ALL_DONE.into(),
            ex.phases.setup.clone(),
        ];
        out.extend(PRAISE.iter().map(|s| (*s).to_owned()));
        for r in &ex.rules {
            if !r.cue.is_empty() {
                out.push(r.cue.clone());
            }
            out.extend(r.kind.points().into_iter().map(|p| Unseen(p).message()));
        }
        out.extend(ex.required.iter().map(|p| Unseen(*p).message()));
        let mut holds = Vec::new();
        for r in &ex.rules {
            if let Some(p) = r.kind.progress().filter(|p| p.hold_s > 0.0) {
                holds.push(p.hold_s);
            }
        }
        for target in holds {
            for m in hold_marks(target) {
                out.push(mark_phrase(m));
            }
            if target >= SPOKEN_HOLD_MIN_S {
                out.push(hold_start_phrase(None, target));
                out.push(hold_start_phrase(Some(Side::Left), target));
                out.push(hold_start_phrase(Some(Side::Right), target));
            }
        }
        let mut tmp = Announcer::new(ex, self.settings.clone());
        for done in [[false, false], [true, false], [false, true]] {
            for side in [Some(Side::Left), Some(Side::Right), None] {
                for n in 1..=(ex.dose.reps.max(ex.dose.holds) * ex.dose.sets.max(1)) {
                    tmp.side_done = done;
                    out.extend(tmp.count_phrase(side, n, ex.dose.reps));
                    tmp.side_done = done;
                    if ex.dose.holds > 0 {
                        out.extend(
                            tmp.count_phrase(side, n, ex.dose.holds)
                                .map(|p| strip_count(&p)),
                        );
                    }
                }
            }
        }
        for k in 1..ex.dose.holds {
            out.push(hold_of_phrase(k, ex.dose.holds));
        }
        out.push(RELAX.to_owned());
        out.sort();
        out.dedup();
        out
    }

    /// The count for the `n`th rep (or hold) of a dose of `per_set` per set.
    pub(super) fn count_phrase(
        &mut self,
        side: Option<Side>,
        n: u32,
        per_set: u32,
    ) -> Option<String> {
        if n == 0 {
            return None;
        }
        let sets = self.exercise.dose.sets.max(1);
        if per_set == 0 || n > per_set * sets {
            return Some(format!("{}.", capitalized(&number_word(n))));
        }
        let in_set = (n - 1) % per_set + 1;
        let set_no = (n - 1) / per_set + 1;
        let mut text = match side {
            // Sides often alternate: say which one was counted.
            Some(s) if in_set < per_set => format!("{}, {}.", side_name(s), number_word(in_set)),
            _ => format!("{}.", capitalized(&number_word(in_set))),
        };
        if in_set == per_set {
            if set_no < sets {
                let _ = write!(
                    text,
                    " Set {} done. Rest, then go again.",
                    number_word(set_no)
                );
            } else if let Some(s) = side {
                self.side_done[side_index(Some(s))] = true;
                let _ = write!(text, " {} side done.", side_name(s));
                if self.side_done[side_index(Some(other(s)))] {
                    text.push(' ');
                    text.push_str(ALL_DONE);
                } else {
                    let _ = write!(
                        text,
                        " Now the {} side.",
                        side_name(other(s)).to_lowercase()
                    );
                }
            } else {
                text.push(' ');
                text.push_str(ALL_DONE);
            }
        }
        Some(text)
    }
}
