//! Cue choice: one message on screen, the most important first.

use super::Coach;
use super::feedback::{Cue, RuleState, RuleStatus, Severity, Side};
use crate::coach::geometry::{PointRef, joint_side};

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
        // A rule that can't see its joints says which one instead of
        // warning, unless it is on the far side in a side view: hidden
        // behind the body there, it is no placement the person can fix,
        // and the panel already shows the rule as not judged.
        let far_side = |point: PointRef| match (self.near, point) {
            (Some(near), PointRef::Joint(j)) => joint_side(j).is_some_and(|s| s != near),
            _ => false,
        };
        let (f, point) = self
            .form
            .iter()
            .zip(statuses)
            .filter(|(_, s)| s.state == RuleState::Unseen)
            .find_map(|(f, _)| f.unseen.filter(|p| !far_side(*p)).map(|p| (f, p)))?;
        let rule = &self.exercise.rules[f.index];
        Some(Cue {
            rule: rule.id.clone(),
            message: crate::coach::geometry::Unseen(point).message(),
            side: None,
            severity: Severity::Info,
        })
    }
}
