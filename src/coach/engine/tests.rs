//! Coach behaviour on hand-made poses.
#![allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise

use super::*;
use crate::coach::Catalogue;
use crate::pose::{Keypoint, Person, WorldPoint};

/// Side view of someone on all fours facing right; torso = 200 px.
pub(crate) fn all_fours() -> Vec<(Joint, [f32; 2])> {
    let near = [
        ("shoulder", [400.0, 300.0]),
        ("hip", [200.0, 300.0]),
        ("knee", [200.0, 420.0]),
        ("ankle", [80.0, 420.0]),
        ("elbow", [400.0, 360.0]),
        ("wrist", [400.0, 420.0]),
        ("ear", [450.0, 290.0]),
        ("eye", [465.0, 282.0]),
    ];
    let mut out = Vec::new();
    for (name, p) in near {
        for side in ["left", "right"] {
            let j = Joint::from_name(&format!("{side}_{name}")).unwrap();
            out.push((j, p));
        }
    }
    out.push((Joint::Nose, [475.0, 295.0]));
    out
}

pub(crate) fn frame(t: f64, pts: &[(Joint, [f32; 2])], hidden: &[Joint]) -> PoseFrame {
    PoseFrame {
        image: None,
        t: Some(t),
        width: 640,
        height: 480,
        model: "synthetic".into(),
        inference_ms: 0.0,
        people: vec![Person {
            score: 0.9,
            keypoints: pts
                .iter()
                .map(|(j, p)| Keypoint {
                    joint: *j,
                    x: p[0],
                    y: p[1],
                    score: if hidden.contains(j) { 0.05 } else { 0.9 },
                })
                .collect(),
            world: None,
            spine: None,
        }],
        others_present: 0,
    }
}

fn shift(pts: &mut [(Joint, [f32; 2])], joints: &[Joint], dx: f32, dy: f32) {
    for (j, p) in pts.iter_mut() {
        if joints.contains(j) {
            p[0] += dx;
            p[1] += dy;
        }
    }
}

fn exercise(id: &str) -> Exercise {
    let (cat, errors) = Catalogue::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    cat.get(id).unwrap().clone()
}

const FPS: f64 = 30.0;

/// Runs `pose_at(t)` through a coach at 30 fps for `secs`.
fn run(
    ex: &Exercise,
    secs: f64,
    mut pose_at: impl FnMut(f64) -> (Vec<(Joint, [f32; 2])>, Vec<Joint>),
) -> Vec<Feedback> {
    let mut coach = Coach::new(ex);
    (0..(secs * FPS) as usize)
        .map(|i| {
            let t = i as f64 / FPS;
            let (pts, hidden) = pose_at(t);
            coach.step(&frame(t, &pts, &hidden))
        })
        .collect()
}

fn warnings(fb: &[Feedback]) -> Vec<(String, f64)> {
    fb.iter()
        .flat_map(|f| &f.events)
        .filter_map(|e| match e {
            Event::WarningStart {
                t_s,
                rule,
                reopened: false,
                ..
            } => Some((rule.clone(), *t_s)),
            _ => None,
        })
        .collect()
}

const HIPS: [Joint; 2] = [Joint::LeftHip, Joint::RightHip];

#[test]
fn drifting_hips_raise_hips_still_after_the_dwell_and_clear_after() {
    let ex = exercise("thread-the-needle");
    let fb = run(&ex, 7.0, |t| {
        let mut p = all_fours();
        if (3.0..5.0).contains(&t) {
            shift(&mut p, &HIPS, -60.0, 0.0); // 0.3 torso
        }
        (p, vec![])
    });
    let w = warnings(&fb);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "hips-still");
    assert!(w[0].1 >= 3.0 + DWELL_S - 0.01 && w[0].1 <= 3.3, "{w:?}");
    let end = fb.iter().flat_map(|f| &f.events).find_map(|e| match e {
        Event::WarningEnd { t_s, .. } => Some(*t_s),
        _ => None,
    });
    assert!(end.is_some_and(|e| (5.0..5.3).contains(&e)), "{end:?}");
    let during = &fb[(4.0 * FPS) as usize];
    assert_eq!(
        during.cue.as_ref().map(|c| c.rule.as_str()),
        Some("hips-still")
    );
    assert!(
        fb.last()
            .is_some_and(|f| f.cue.is_none() && !f.warning_active)
    );
}

/// BlazePose's world points are centred on the hips, so hips that drift
/// as a whole only move in the picture: `hips-still` must still see it.
#[test]
fn drifting_hips_are_seen_with_hip_centred_world_points() {
    let ex = exercise("thread-the-needle");
    let mut coach = Coach::new(&ex);
    let fb: Vec<Feedback> = (0..(7.0 * FPS) as usize)
        .map(|i| {
            let t = i as f64 / FPS;
            let mut pts = all_fours();
            if (3.0..5.0).contains(&t) {
                shift(&mut pts, &HIPS, -60.0, 0.0); // 0.3 torso in the picture
            }
            let mut f = frame(t, &pts, &[]);
            // World: the still pose, hip-centred, in metres (200 px = 0.5 m).
            let still = all_fours();
            let hip = [200.0_f32, 300.0];
            f.people[0].world = Some(
                still
                    .iter()
                    .map(|(j, p)| WorldPoint {
                        joint: *j,
                        x: (p[0] - hip[0]) / 400.0,
                        y: (p[1] - hip[1]) / 400.0,
                        z: 0.0,
                    })
                    .collect(),
            );
            coach.step(&f)
        })
        .collect();
    let w = warnings(&fb);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "hips-still");
    assert!(w[0].1 >= 3.0 && w[0].1 <= 3.3, "{w:?}");
}

#[test]
fn faults_while_getting_into_position_are_not_warned() {
    let ex = exercise("thread-the-needle");
    let fb = run(&ex, 3.0, |t| {
        let mut p = all_fours();
        // Shuffling around for the first second and a half.
        shift(&mut p, &HIPS, (t * 40.0).sin() as f32 * 60.0, 0.0);
        if t > 1.5 {
            p = all_fours();
        }
        (p, vec![])
    });
    assert!(warnings(&fb).is_empty());
    assert!(fb[20].phase == Phase::Setup && fb[20].cue.is_some());
    assert_eq!(fb.last().map(|f| f.phase), Some(Phase::Rest));
}

#[test]
fn threads_are_counted_per_side() {
    let ex = exercise("thread-the-needle");
    // After settling: left threads start at 2, 4, 6 s; right threads at 8, 10 s.
    let fb = run(&ex, 12.0, |t| {
        let mut p = all_fours();
        let k = ((t - 2.0) / 2.0).floor();
        let phase = (t - 2.0) - k * 2.0;
        if t >= 2.0 && phase < 1.0 {
            let drop = 0.5 * 200.0 * (phase * std::f64::consts::PI).sin() as f32;
            let (down, up) = if k < 3.0 {
                (Joint::LeftShoulder, Joint::RightShoulder)
            } else {
                (Joint::RightShoulder, Joint::LeftShoulder)
            };
            shift(&mut p, &[down], 0.0, drop);
            shift(&mut p, &[up], 0.0, -drop);
        }
        (p, vec![])
    });
    let reps = fb.last().map(|f| f.reps).unwrap_or_default();
    assert_eq!((reps.left, reps.right), (3, 2));
    assert!(warnings(&fb).is_empty(), "{:?}", warnings(&fb));
}

#[test]
fn unseen_hips_say_so_instead_of_warning() {
    let ex = exercise("thread-the-needle");
    let fb = run(&ex, 5.0, |t| {
        let mut p = all_fours();
        let hidden = if (2.5..4.0).contains(&t) {
            shift(&mut p, &HIPS, -80.0, 0.0);
            HIPS.to_vec()
        } else {
            vec![]
        };
        (p, hidden)
    });
    assert!(warnings(&fb).is_empty());
    let f = &fb[(3.0 * FPS) as usize];
    assert!(!f.observable);
    assert_eq!(
        f.cue.as_ref().map(|c| c.message.as_str()),
        Some("I can't see your hips")
    );
    let hips = f
        .rules
        .iter()
        .find(|r| r.id == "hips-still")
        .map(|r| r.state);
    assert_eq!(hips, Some(RuleState::Unseen));
}

#[test]
fn front_view_names_the_missing_side() {
    let ex = exercise("breathing-360");
    let mut coach = Coach::new(&ex);
    let pts = vec![
        (Joint::LeftShoulder, [380.0, 200.0]),
        (Joint::RightShoulder, [260.0, 200.0]),
        (Joint::LeftHip, [350.0, 380.0]),
        (Joint::RightHip, [290.0, 380.0]),
        (Joint::LeftEar, [340.0, 120.0]),
        (Joint::RightEar, [300.0, 120.0]),
    ];
    let f = coach.step(&frame(0.0, &pts, &[Joint::LeftShoulder]));
    assert_eq!(
        f.cue.map(|c| c.message),
        Some("I can't see your left shoulder".to_owned())
    );
}

#[test]
fn every_builtin_exercise_runs_on_any_pose() {
    let (cat, _) = Catalogue::builtin();
    for ex in cat.iter() {
        let fb = run(ex, 3.0, |t| {
            let mut p = all_fours();
            shift(
                &mut p,
                &[Joint::LeftWrist],
                0.0,
                (t * 3.0).sin() as f32 * 50.0,
            );
            (p, vec![])
        });
        assert_eq!(fb.len(), 90, "{}", ex.id);
    }
}

#[test]
fn verdicts_do_not_depend_on_body_size() {
    let ex = exercise("thread-the-needle");
    let track = |scale: f32, dx: f32| {
        run(&ex, 6.0, move |t| {
            let mut p = all_fours();
            if (3.0..4.5).contains(&t) {
                shift(&mut p, &HIPS, -40.0, 0.0);
            }
            for (_, q) in &mut p {
                q[0] = q[0] * scale + dx;
                q[1] *= scale;
            }
            (p, vec![])
        })
    };
    let base = warnings(&track(1.0, 0.0));
    assert_eq!(base.len(), 1);
    for (s, dx) in [(0.4, 30.0), (2.5, -300.0)] {
        assert_eq!(warnings(&track(s, dx)), base, "scale {s}");
    }
}

/// Head and shoulders raised (`lift` > 0, a cow) or lowered (a cat), in
/// torso lengths.
fn cat_cow_at(lift: f32) -> Vec<(Joint, [f32; 2])> {
    let mut p = all_fours();
    let head = [
        Joint::LeftEar,
        Joint::RightEar,
        Joint::LeftEye,
        Joint::RightEye,
        Joint::Nose,
    ];
    shift(&mut p, &head, 0.0, -lift * 200.0);
    p
}

#[test]
fn cat_cow_reps_count_when_the_baseline_falls_in_a_cow() {
    // Regression: the setup took its baseline mid-cow, so the cows that
    // followed never rose past it and a correct session got no reps.
    let ex = exercise("cat-cow");
    let fb = run(&ex, 10.0, |t| {
        // Held in a cow for 1 s, then two full cycles cow -> cat -> cow.
        let lift = if t < 1.0 {
            0.2
        } else {
            0.2 * (((t - 1.0) / 4.0) * std::f64::consts::TAU).cos() as f32
        };
        (cat_cow_at(lift), vec![])
    });
    let reps = fb.last().map(|f| f.reps.total()).unwrap_or_default();
    assert_eq!(reps, 2);
}

#[test]
fn kneeling_upright_is_guided_onto_hands_and_knees_not_judged() {
    // Regression: someone kneeling before coming onto all fours was told to
    // put their hands under their shoulders.
    let ex = exercise("cat-cow");
    let kneeling = || {
        let mut out = Vec::new();
        for (name, p) in [
            ("shoulder", [200.0, 100.0]),
            ("hip", [200.0, 300.0]),
            ("knee", [200.0, 420.0]),
            ("ankle", [80.0, 420.0]),
            ("elbow", [205.0, 200.0]),
            ("wrist", [210.0, 290.0]),
            ("ear", [205.0, 60.0]),
            ("eye", [220.0, 55.0]),
        ] {
            for side in ["left", "right"] {
                out.push((Joint::from_name(&format!("{side}_{name}")).unwrap(), p));
            }
        }
        out.push((Joint::Nose, [230.0, 65.0]));
        out
    };
    let fb = run(&ex, 4.0, |_| (kneeling(), vec![]));
    assert!(warnings(&fb).is_empty(), "{:?}", warnings(&fb));
    assert!(fb.iter().all(|f| f.phase == Phase::Setup && !f.in_position));
    let last = fb.last().unwrap();
    assert_eq!(
        last.cue.as_ref().map(|c| c.message.as_str()),
        Some("You're kneeling: come onto your hands and knees.")
    );
}

/// The baseline is where the person rests, not where they first paused:
/// hips that settle back a little within the still start (less than the
/// stillness tolerance) do not make a small later shift look like a fault.
#[test]
fn the_baseline_keeps_averaging_while_the_person_stays_still() {
    let ex = exercise("thread-the-needle");
    let fb = run(&ex, 6.0, |t| {
        let mut p = all_fours();
        let dx = if t < 1.0 {
            16.0 // inside the settle tolerance (0.1 torso, 18 px)
        } else if t < 4.0 {
            0.0
        } else {
            -13.0 // 0.16 torso from the first second, 0.10 from the rest
        };
        shift(&mut p, &HIPS, dx, 0.0);
        (p, vec![])
    });
    let w = warnings(&fb);
    assert!(w.is_empty(), "{w:?}");

    // A real shift after the still start still warns.
    let fb = run(&ex, 6.0, |t| {
        let mut p = all_fours();
        let dx = if t < 1.0 {
            16.0
        } else if t < 4.0 {
            0.0
        } else {
            -40.0
        };
        shift(&mut p, &HIPS, dx, 0.0);
        (p, vec![])
    });
    let w = warnings(&fb);
    assert_eq!(w.first().map(|w| w.0.as_str()), Some("hips-still"), "{w:?}");
}

/// Lying on the back, side view, arms pointing at the ceiling (the start
/// of laying-arm-extensions); torso = 200 px.
fn supine_arms_up() -> Vec<(Joint, [f32; 2])> {
    let supine = [
        ("shoulder", [400.0, 400.0]),
        ("hip", [200.0, 405.0]),
        ("knee", [280.0, 320.0]),
        ("ankle", [330.0, 410.0]),
        ("elbow", [400.0, 325.0]),
        ("wrist", [400.0, 250.0]),
        ("ear", [460.0, 395.0]),
    ];
    let mut pts = Vec::new();
    for (name, p) in supine {
        for side in ["left", "right"] {
            pts.push((Joint::from_name(&format!("{side}_{name}")).unwrap(), p));
        }
    }
    pts.push((Joint::Nose, [475.0, 370.0]));
    pts
}

/// Someone lying still is not kept waiting because the far wrist's guessed
/// position wanders: the pair's midpoint stands in for it while settling.
#[test]
fn a_wandering_far_wrist_does_not_hold_up_the_baseline() {
    let ex = exercise("laying-arm-extensions");
    let pts = supine_arms_up();
    let fb = run(&ex, 3.0, |t| {
        let mut p = pts.clone();
        // 30 px back and forth, frame by frame: more than the settle
        // tolerance (0.1 torso, 20 px) for the wrist, half that for the
        // midpoint.
        let dx = if ((t * FPS).round() as i64) % 2 == 0 {
            30.0
        } else {
            0.0
        };
        shift(&mut p, &[Joint::RightWrist], dx, 0.0);
        (p, vec![])
    });
    let baseline = fb.iter().flat_map(|f| &f.events).find_map(|e| match e {
        Event::Baseline { t_s, .. } => Some(*t_s),
        _ => None,
    });
    assert!(baseline.is_some_and(|t| t <= 1.5), "{baseline:?}");
}

/// Side-on, a far joint hidden behind the body is no placement the person
/// can fix: the cue strip said "I can't see your left wrist" all through a
/// real supine clip. A hidden near joint is still named.
#[test]
fn a_hidden_far_wrist_is_not_asked_for_side_on() {
    let ex = exercise("laying-arm-extensions");
    let far = [
        Joint::LeftShoulder,
        Joint::LeftHip,
        Joint::LeftKnee,
        Joint::LeftWrist,
    ];
    let cues = |hidden: Vec<Joint>| -> Vec<String> {
        run(&ex, 4.0, |_| (supine_arms_up(), hidden.clone()))
            .iter()
            .filter(|f| f.phase != Phase::Setup)
            .filter_map(|f| f.cue.as_ref().map(|c| c.message.clone()))
            .collect()
    };
    let quiet = cues(far.to_vec());
    assert!(!quiet.iter().any(|c| c.contains("left wrist")), "{quiet:?}");
    let mut near_hidden = far[..3].to_vec();
    near_hidden.push(Joint::RightWrist);
    let named = cues(near_hidden);
    assert!(
        named.iter().any(|c| c == "I can't see your right wrist"),
        "{named:?}"
    );
}
