//! Cue choice: one message on screen, the most important first.

use super::Coach;
use super::feedback::{Cue, RuleState, RuleStatus, Severity, Side};

impl Coach {
    pub(super) fn pick_cue(
        &self,
        statuses: &[RuleStatus],
        placement: Option<&String>,
        side: Option<Side>,
    ) -> Option<Cue> {
        let rule_of = |id: &str| self.exercise.rule(id);
        let warning = self
            .form
            .iter()
            .zip(statuses)
            .filter(|(_, s)| s.state == RuleState::Warning)
            .min_by(|(fa, sa), (fb, sb)| {
                let pa = rule_of(&sa.id).map_or(u32::MAX, |r| r.priority);
                let pb = rule_of(&sb.id).map_or(u32::MAX, |r| r.priority);
                pa.cmp(&pb)
                    .then(fa.warning.started_s().total_cmp(&fb.warning.started_s()))
            });
        if let Some((_, s)) = warning {
            return Some(Cue {
                rule: s.id.clone(),
                message: rule_of(&s.id).map(|r| r.cue.clone()).unwrap_or_default(),
                side,
                severity: Severity::Warning,
            });
        }
        if let Some(p) = placement {
            return Some(Cue {
                rule: "placement".to_owned(),
                message: p.clone(),
                side: None,
                severity: Severity::Info,
            });
        }
        // A rule that can't see its joints says so instead of warning.
        let body_missing = statuses.iter().find(|s| s.state == RuleState::Unseen)?;
        let rule = rule_of(&body_missing.id)?;
        let point = rule.kind.points().into_iter().next()?;
        Some(Cue {
            rule: rule.id.clone(),
            message: crate::coach::geometry::Unseen(point).message(),
            side: None,
            severity: Severity::Info,
        })
    }
}
