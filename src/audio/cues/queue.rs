//! The single speech lane: what waits, what expires, what may cut what.

use crate::audio::{Priority, Utterance, UtteranceKind};

use super::Announcer;

/// Estimates how long a phrase takes to say at `rate_wpm` (about 7 characters
/// a word with spaces and punctuation, as espeak-ng measures, plus a little for
/// pauses); used when no engine measures it.
#[must_use]
pub fn estimate_speech_s(text: &str, rate_wpm: u32) -> f64 {
    let chars_per_s = f64::from(rate_wpm.max(60)) * 7.0 / 60.0;
    let pauses = text
        .chars()
        .filter(|c| matches!(c, '.' | ',' | ':' | ';'))
        .count();
    0.15 + text.chars().count() as f64 / chars_per_s + 0.1 * pauses as f64
}

/// Seconds a phrase takes to say.
pub type SpeechTimer = Box<dyn FnMut(&str) -> f64 + Send>;

#[derive(Debug, Clone)]
pub(super) struct Pending {
    text: String,
    priority: Priority,
    /// Rule priority among warnings (lower first).
    rank: u32,
    queued: f64,
    expires: f64,
    pub(super) rule: Option<String>,
}

impl Announcer {
    pub(super) fn say(
        &mut self,
        t: f64,
        text: String,
        priority: Priority,
        wait_s: f64,
        rule: Option<&str>,
    ) {
        if !self.settings.voice_on || text.is_empty() {
            return;
        }
        if self.queue.iter().any(|p| p.text == text) {
            return;
        }
        let rank = rule
            .and_then(|r| self.rule_rank.get(r))
            .copied()
            .unwrap_or(u32::MAX);
        self.queue.push(Pending {
            text,
            priority,
            rank,
            queued: t,
            expires: t + wait_s,
            rule: rule.map(str::to_owned),
        });
    }

    /// Picks the one phrase to start now, if the lane is free (or may be cut).
    pub(super) fn next_speech(&mut self, t: f64) -> Option<Utterance> {
        let warnings = &self.warnings;
        self.queue.retain(|p| {
            p.expires >= t
                && p.rule
                    .as_ref()
                    .is_none_or(|r| r == "placement" || warnings.contains_key(r))
        });
        self.queue.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.rank.cmp(&b.rank))
                .then(a.queued.total_cmp(&b.queued))
        });
        let best = self.queue.first()?;
        let free = match self.speaking {
            None => true,
            Some((_, cur)) => best.priority > cur && best.priority >= Priority::Placement,
        };
        if !free {
            return None;
        }
        let p = self.queue.remove(0);
        let secs = (self.timer)(&p.text);
        self.speaking = Some((t + secs, p.priority));
        if let Some(rule) = &p.rule {
            self.last_said_rule.insert(rule.clone(), t);
            if let Some(w) = self.warnings.get_mut(rule) {
                w.said = Some(t);
            }
        }
        Some(Utterance {
            t_s: t,
            kind: UtteranceKind::Speech(p.text),
            priority: p.priority,
        })
    }
}
