//! The traced back line over the live picture, in the colour of the rule
//! that reads the back's curve: the person sees which line the coach judges,
//! and whether it judges it at all.

use egui::{Color32, Pos2, Stroke};

use super::{palette, rank};
use crate::coach::geometry::MIN_BACK_CONFIDENCE;
use crate::coach::{Exercise, Feedback, RuleState};
use crate::pose::Person;

/// The state the back line is drawn in: the worst of the form rules that
/// read the curve; when only a rep or hold reads it (they have no state of
/// their own), whether the curve is seen well enough to count from.
#[must_use]
pub fn back_state(exercise: &Exercise, fb: Option<&Feedback>, person: &Person) -> RuleState {
    let seen = person
        .spine
        .as_ref()
        .is_some_and(|s| s.measure.confidence >= f64::from(MIN_BACK_CONFIDENCE));
    let judged = fb
        .map(|f| f.rules.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|st| st.state != RuleState::Inactive)
        .filter(|st| exercise.rule(&st.id).is_some_and(|r| r.kind.reads_spine()))
        .map(|st| st.state)
        .max_by_key(|s| rank(*s));
    match judged {
        Some(state) => state,
        None if !seen => RuleState::Unseen,
        None if exercise.reads_spine() => RuleState::Ok,
        None => RuleState::Inactive,
    }
}

/// The line's colour: ok, pending, warning as the joints are; a curve the
/// coach cannot see (or does not judge) faded.
fn colour(state: RuleState) -> Color32 {
    match state {
        RuleState::Ok => palette::GOOD,
        RuleState::Pending => palette::PENDING,
        RuleState::Warning => palette::WARNING,
        RuleState::Unseen | RuleState::Inactive => palette::NEUTRAL.gamma_multiply(0.5),
    }
}

/// Draws `person`'s traced back line (frame pixels) over the picture.
pub(super) fn draw_back_line(
    painter: &egui::Painter,
    person: &Person,
    state: RuleState,
    to_screen: impl Fn(f32, f32) -> Pos2,
    width_px: f32,
) {
    let Some(spine) = &person.spine else {
        return;
    };
    let points: Vec<Pos2> = spine
        .line
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|&(x, y)| to_screen(x, y))
        .collect();
    if points.len() < 2 {
        return;
    }
    let scale = (width_px / 640.0).clamp(0.6, 2.0);
    painter.add(egui::Shape::line(
        points.clone(),
        Stroke::new(7.0 * scale, Color32::from_black_alpha(140)),
    ));
    painter.add(egui::Shape::line(
        points,
        Stroke::new(4.0 * scale, colour(state)),
    ));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;
    use crate::coach::{Catalogue, RuleStatus};
    use crate::pose::spine::{Spine, SpineMeasure};

    fn exercise(id: &str) -> Exercise {
        let (cat, errors) = Catalogue::builtin();
        assert!(errors.is_empty(), "{errors:?}");
        cat.get(id).unwrap().clone()
    }

    fn person(confidence: Option<f64>) -> Person {
        Person {
            score: 1.0,
            keypoints: Vec::new(),
            world: None,
            spine: confidence.map(|confidence| Spine {
                measure: SpineMeasure {
                    thoracic_curve_deg: 20.0,
                    lumbar_curve_deg: 0.0,
                    confidence,
                },
                line: vec![(0.0, 0.0), (10.0, 10.0)],
            }),
        }
    }

    fn feedback(rules: &[(&str, RuleState)]) -> Feedback {
        let mut coach = crate::coach::Coach::new(&exercise("prone-w"));
        let mut fb = coach.step(&crate::pose::PoseFrame {
            image: None,
            t: Some(0.0),
            width: 640,
            height: 480,
            model: "test".into(),
            inference_ms: 0.0,
            people: Vec::new(),
            others_present: 0,
        });
        fb.rules = rules
            .iter()
            .map(|(id, state)| RuleStatus {
                id: (*id).to_owned(),
                state: *state,
                value: None,
                joints: Vec::new(),
            })
            .collect();
        fb
    }

    #[test]
    fn the_line_takes_the_state_of_the_rule_reading_the_curve() {
        let ex = exercise("prone-w");
        let seen = person(Some(0.9));
        // The low-back rule warns: the line is the warning's colour,
        // whatever the rules on joints say.
        let fb = feedback(&[
            ("low-back-not-overextended", RuleState::Warning),
            ("neck-relaxed", RuleState::Ok),
        ]);
        assert_eq!(back_state(&ex, Some(&fb), &seen), RuleState::Warning);
        let fb = feedback(&[
            ("low-back-not-overextended", RuleState::Ok),
            ("neck-relaxed", RuleState::Warning),
        ]);
        assert_eq!(back_state(&ex, Some(&fb), &seen), RuleState::Ok);
        let fb = feedback(&[("low-back-not-overextended", RuleState::Unseen)]);
        assert_eq!(back_state(&ex, Some(&fb), &seen), RuleState::Unseen);
        assert_ne!(colour(RuleState::Warning), colour(RuleState::Ok));
    }

    #[test]
    fn a_curve_only_counted_from_shows_whether_it_is_seen() {
        // Cat-cow reads the curve in its rep rule only.
        let ex = exercise("cat-cow");
        assert_eq!(back_state(&ex, None, &person(Some(0.9))), RuleState::Ok);
        assert_eq!(back_state(&ex, None, &person(Some(0.2))), RuleState::Unseen);
        assert_eq!(back_state(&ex, None, &person(None)), RuleState::Unseen);
    }
}
