//! Rules that read the back's curve: counted and judged from it, "can't
//! see" without it, and the stand-in where the start showed none.
#![allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise

use super::tests::{all_fours, frame};
use super::*;
use crate::coach::Catalogue;
use crate::pose::spine::{Spine, SpineMeasure};

const FPS: f64 = 30.0;

fn with_back(mut f: PoseFrame, back: Option<(f64, f64, f64)>) -> PoseFrame {
    f.people[0].spine = back.map(|(thoracic, lumbar, confidence)| Spine {
        measure: SpineMeasure {
            thoracic_curve_deg: thoracic,
            lumbar_curve_deg: lumbar,
            confidence,
        },
        line: Vec::new(),
    });
    f
}

/// Coaches a still all-fours body for `secs` whose back curve is `back(t)`.
fn run(ex: &Exercise, secs: f64, back: impl Fn(f64) -> Option<(f64, f64, f64)>) -> Vec<Feedback> {
    let mut coach = Coach::new(ex);
    let pts = all_fours();
    (0..(secs * FPS) as usize)
        .map(|i| {
            let t = i as f64 / FPS;
            coach.step(&with_back(frame(t, &pts, &[]), back(t)))
        })
        .collect()
}

fn catalogue_exercise(id: &str) -> Exercise {
    let (cat, errors) = Catalogue::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    cat.get(id).unwrap().clone()
}

/// A hold with nothing to measure, and one low-back rule, with or without
/// a stand-in (the hips-to-shoulders line tipping).
fn low_back_exercise(fallback: bool) -> Exercise {
    let mut text = r#"
id = "low-back-test"
name = "Low back test"
position = "all_fours"
view = "side"
instructions = "Stay on hands and knees."
required = ["mid_shoulder", "mid_hip"]
[dose]
holds = 1
hold_s = 60.0
[phases]
setup = "Get on all fours."
rest = "Stay."
position = "Stay."
[[rules]]
id = "stay"
kind = "hold"
target_s = 60.0
[[rules]]
id = "low-back"
kind = "not_beyond_baseline"
measure = "lumbar_flexion"
direction = "decrease"
max = 20.0
cue = "Keep your low back still."
"#
    .to_owned();
    if fallback {
        text.push_str(
            "[rules.fallback]\nmeasure = \"tilt\"\npoints = [\"mid_hip\", \"mid_shoulder\"]\nmax = 15.0\n",
        );
    }
    Exercise::from_toml(&text, "test").unwrap()
}

fn state(fb: &Feedback, id: &str) -> Option<RuleState> {
    fb.rules.iter().find(|r| r.id == id).map(|r| r.state)
}

fn rep_peaks(fb: &[Feedback]) -> Vec<f32> {
    fb.iter()
        .flat_map(|f| &f.events)
        .filter_map(|e| match e {
            Event::Rep { peak, .. } => *peak,
            _ => None,
        })
        .collect()
}

#[test]
fn cat_cow_counts_reps_from_the_mid_back_curve() {
    let ex = catalogue_exercise("cat-cow");
    assert!(ex.reads_spine());
    // Head and joints still; only the upper back's curve goes round (+25)
    // and arched (-15) about its start (15) twice, after 2 s at the start.
    let fb = run(&ex, 10.5, |t| {
        let swing = if t < 2.0 {
            0.0
        } else {
            (((t - 2.0) / 4.0) * std::f64::consts::TAU).sin()
        };
        let thoracic = 15.0 + if swing > 0.0 { 25.0 } else { 15.0 } * swing;
        Some((thoracic, 0.0, 0.8))
    });
    assert_eq!(fb.last().unwrap().reps.total(), 2);
    // Counted in degrees of curve, not in torso lengths of the head.
    assert!(
        rep_peaks(&fb).iter().all(|p| *p > 15.0),
        "{:?}",
        rep_peaks(&fb)
    );
}

/// Counted from the head's rise where the curve can't be seen, cat-cow's
/// reps carry no range: it would be torso lengths where the history keeps
/// degrees of curve.
#[test]
fn reps_counted_by_a_stand_in_in_another_unit_carry_no_range() {
    let ex = catalogue_exercise("cat-cow");
    let mut coach = Coach::new(&ex);
    let mut fb = Vec::new();
    for i in 0..(10.5 * FPS) as usize {
        let t = i as f64 / FPS;
        let swing = if t < 2.0 {
            0.0
        } else {
            (((t - 2.0) / 4.0) * std::f64::consts::TAU).sin() as f32
        };
        // Head down (cat) by about a third of a torso, up (cow) by a fifth.
        let dy = if swing > 0.0 { 70.0 } else { 45.0 } * swing;
        let mut pts = all_fours();
        for (j, p) in &mut pts {
            if matches!(
                j,
                Joint::Nose | Joint::LeftEar | Joint::RightEar | Joint::LeftEye | Joint::RightEye
            ) {
                p[1] += dy;
            }
        }
        fb.push(coach.step(&frame(t, &pts, &[])));
    }
    let reps = fb.last().unwrap().reps.total();
    assert!(reps >= 1, "the stand-in counted nothing");
    let peaks: Vec<_> = fb
        .iter()
        .flat_map(|f| &f.events)
        .filter_map(|e| match e {
            Event::Rep { peak, .. } => Some(*peak),
            _ => None,
        })
        .collect();
    assert_eq!(peaks.len() as u32, reps);
    assert!(peaks.iter().all(Option::is_none), "{peaks:?}");
}

#[test]
fn cat_cow_does_not_count_a_still_back() {
    // The curve seen at the start and never moving: nothing is counted,
    // although the stand-in would have had a head to watch.
    let ex = catalogue_exercise("cat-cow");
    let fb = run(&ex, 8.0, |_| Some((15.0, 0.0, 0.8)));
    assert_eq!(fb.last().unwrap().reps.total(), 0);
}

#[test]
fn a_low_back_arch_from_the_curve_warns() {
    let ex = low_back_exercise(false);
    let fb = run(&ex, 6.0, |t| {
        let lumbar = if t < 3.0 { 5.0 } else { -25.0 };
        Some((20.0, lumbar, 0.9))
    });
    assert_eq!(state(&fb[80], "low-back"), Some(RuleState::Ok));
    assert_eq!(
        state(fb.last().unwrap(), "low-back"),
        Some(RuleState::Warning)
    );
}

#[test]
fn the_curve_unseen_or_unsure_says_so_instead_of_judging() {
    let ex = low_back_exercise(false);
    for back in [None, Some((20.0, -40.0, 0.2))] {
        let fb = run(&ex, 6.0, |t| {
            if t < 3.0 {
                Some((20.0, 5.0, 0.9))
            } else {
                back
            }
        });
        let last = fb.last().unwrap();
        assert_eq!(state(last, "low-back"), Some(RuleState::Unseen), "{back:?}");
        let cue = last.cue.as_ref().unwrap();
        assert!(
            cue.message.contains("curve of your back"),
            "{}",
            cue.message
        );
        assert!(cue.message.contains("side-on"), "{}", cue.message);
        // An arch the coach could not see is never warned.
        assert!(
            fb.iter()
                .all(|f| state(f, "low-back") != Some(RuleState::Warning))
        );
    }
}

#[test]
fn without_a_curve_at_the_start_the_stand_in_judges() {
    let ex = low_back_exercise(true);
    // No curve ever (a front view, a pose without its mask): the rule is
    // judged from the joints, and a tipping trunk warns.
    let mut coach = Coach::new(&ex);
    let mut last = None;
    for i in 0..(6.0 * FPS) as usize {
        let t = i as f64 / FPS;
        let mut pts = all_fours();
        if t > 3.0 {
            for (j, p) in &mut pts {
                if matches!(j, Joint::LeftShoulder | Joint::RightShoulder) {
                    p[1] += 70.0; // shoulders drop a third of a torso: the back sags
                }
            }
        }
        last = Some(coach.step(&frame(t, &pts, &[])));
    }
    assert_eq!(state(&last.unwrap(), "low-back"), Some(RuleState::Warning));
    // The same start with a curve: the curve judges, and a still curve
    // stays quiet whatever the shoulders do.
    let fb = run(&ex, 6.0, |_| Some((20.0, 5.0, 0.9)));
    assert_eq!(state(fb.last().unwrap(), "low-back"), Some(RuleState::Ok));
}

#[test]
fn a_fallback_only_stands_in_for_a_curve() {
    let text = r#"
id = "bad"
name = "Bad"
position = "all_fours"
view = "side"
instructions = "x"
required = ["mid_hip"]
[dose]
holds = 1
[phases]
setup = "x"
rest = "x"
position = "x"
[[rules]]
id = "stay"
kind = "hold"
target_s = 5.0
[[rules]]
id = "tilt"
kind = "not_beyond_baseline"
measure = "tilt"
points = ["mid_hip", "mid_shoulder"]
direction = "decrease"
max = 20.0
cue = "x"
[rules.fallback]
measure = "tilt"
points = ["mid_hip", "mid_shoulder"]
max = 15.0
"#;
    let err = Exercise::from_toml(text, "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("fallback"), "{err}");
}

#[test]
fn only_the_exercises_judging_the_back_need_the_mask() {
    let (cat, errors) = Catalogue::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    let mut spine: Vec<&str> = cat
        .iter()
        .filter(|e| e.reads_spine())
        .map(|e| e.id.as_str())
        .collect();
    spine.sort_unstable();
    // Their "can't see your back" is among what they may say.
    let cat_cow = cat.get("cat-cow").unwrap();
    let points = cat_cow.rule("cat-cow-cycle").unwrap().kind.points();
    assert!(points.contains(&crate::coach::geometry::PointRef::Back));
    assert_eq!(
        spine,
        [
            "bench-thoracic-extension",
            "cat-cow",
            "laying-arm-extensions",
            "prone-w",
            "thoracic-extension-chair"
        ]
    );
}
