//! Position reading on hand-made bodies.
#![allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
use super::*;
use crate::pose::Keypoint;

/// A side view (facing right) from named points in pixels, y down.
fn person(points: &[(&str, [f32; 2])]) -> Person {
    let mut keypoints = Vec::new();
    for (name, p) in points {
        let names: Vec<String> = if name.starts_with("nose") {
            vec![(*name).to_owned()]
        } else {
            vec![format!("left_{name}"), format!("right_{name}")]
        };
        for n in names {
            keypoints.push(Keypoint {
                joint: Joint::from_name(&n).unwrap(),
                x: p[0],
                y: p[1],
                score: 0.9,
            });
        }
    }
    Person {
        score: 0.9,
        keypoints,
        world: None,
        spine: None,
    }
}

fn best(points: &[(&str, [f32; 2])]) -> Family {
    read(&person(points)).best().0
}

const TABLETOP: [(&str, [f32; 2]); 8] = [
    ("shoulder", [400.0, 300.0]),
    ("hip", [200.0, 300.0]),
    ("knee", [200.0, 420.0]),
    ("ankle", [80.0, 420.0]),
    ("wrist", [400.0, 420.0]),
    ("ear", [450.0, 290.0]),
    ("nose", [475.0, 300.0]),
    ("elbow", [400.0, 360.0]),
];

/// Kneeling upright, arms hanging, side view.
const KNEELING: [(&str, [f32; 2]); 7] = [
    ("shoulder", [200.0, 100.0]),
    ("hip", [200.0, 300.0]),
    ("knee", [200.0, 420.0]),
    ("ankle", [80.0, 420.0]),
    ("wrist", [210.0, 290.0]),
    ("ear", [205.0, 60.0]),
    ("nose", [230.0, 65.0]),
];

#[test]
fn a_tabletop_is_all_fours() {
    assert_eq!(best(&TABLETOP), Family::AllFours);
    assert!(read(&person(&TABLETOP)).matches(Position::AllFours) > ENTER_SCORE);
}

#[test]
fn kneeling_upright_is_not_all_fours() {
    let r = read(&person(&KNEELING));
    assert_eq!(r.best().0, Family::Kneeling);
    assert!(r.matches(Position::AllFours) < EXIT_SCORE);
}

#[test]
fn childs_pose_is_not_all_fours() {
    // Hips back on the heels, chest low, arms long on the floor ahead.
    let child = [
        ("shoulder", [330.0, 390.0]),
        ("hip", [160.0, 340.0]),
        ("knee", [240.0, 420.0]),
        ("ankle", [100.0, 425.0]),
        ("wrist", [520.0, 415.0]),
        ("ear", [380.0, 405.0]),
        ("nose", [400.0, 415.0]),
    ];
    assert!(read(&person(&child)).matches(Position::AllFours) < EXIT_SCORE);
}

#[test]
fn a_bird_dog_reach_is_not_a_tabletop() {
    let mut reach = TABLETOP.to_vec();
    // Leg long behind at hip height, arm long ahead at shoulder height.
    reach[2] = ("knee", [80.0, 305.0]);
    reach[3] = ("ankle", [-20.0, 300.0]);
    let mut p = person(&reach);
    for k in &mut p.keypoints {
        if k.joint == Joint::RightWrist {
            k.x = 580.0;
            k.y = 295.0;
        }
    }
    assert!(read(&p).matches(Position::AllFours) < EXIT_SCORE);
}

/// `image` in pixels, with world points (metres, hip-centred) made
/// from `world` pixels at 200 px to 0.5 m, the left side `near_z`
/// metres nearer the camera than the right.
fn with_world(image: &[(&str, [f32; 2])], world: &[(&str, [f32; 2])], near_z: f32) -> Person {
    let mut p = person(image);
    let w = person(world);
    p.world = Some(
        w.keypoints
            .iter()
            .map(|k| {
                let left = k.joint.name().starts_with("left");
                crate::pose::WorldPoint {
                    joint: k.joint,
                    x: (k.x - 200.0) / 400.0,
                    y: (k.y - 300.0) / 400.0,
                    z: if left { -near_z / 2.0 } else { near_z / 2.0 },
                }
            })
            .collect(),
    );
    p
}

/// Side-on, the picture is trusted for the limbs' directions: a leg
/// stretched back in the picture is a reach, even while the world
/// points' depth guess still has its knee planted.
#[test]
fn side_on_the_picture_decides_a_lifted_leg() {
    let mut reach = TABLETOP.to_vec();
    reach[2] = ("knee", [80.0, 305.0]);
    reach[3] = ("ankle", [-20.0, 300.0]);
    let p = with_world(&reach, &TABLETOP, 0.3);
    assert!(read(&p).side_on.is_some_and(|s| s > 0.8));
    assert!(read(&p).matches(Position::AllFours) < EXIT_SCORE);
    let p = with_world(&TABLETOP, &TABLETOP, 0.3);
    assert!(read(&p).matches(Position::AllFours) > ENTER_SCORE);
}

/// Lying on the back seen from the side by a camera above the floor:
/// the far shoulder shows above the near one in the picture, yet only
/// depth separates them, and the world points say so.
#[test]
fn a_side_view_from_above_is_not_lying_on_one_side() {
    let supine = [
        ("shoulder", [400.0, 400.0]),
        ("hip", [200.0, 405.0]),
        ("knee", [280.0, 320.0]),
        ("ankle", [330.0, 410.0]),
        ("wrist", [300.0, 410.0]),
        ("ear", [460.0, 395.0]),
        ("nose", [475.0, 370.0]),
    ];
    let mut p = with_world(&supine, &supine, 0.35);
    for k in &mut p.keypoints {
        if matches!(k.joint, Joint::RightShoulder | Joint::RightHip) {
            k.y -= 60.0; // 0.3 torso higher in the picture
        }
    }
    assert_eq!(read(&p).best().0, Family::Supine);
}

#[test]
fn standing_and_sitting_are_told_apart() {
    let standing = [
        ("shoulder", [200.0, 100.0]),
        ("hip", [200.0, 300.0]),
        ("knee", [205.0, 460.0]),
        ("ankle", [200.0, 620.0]),
        ("wrist", [205.0, 300.0]),
        ("ear", [205.0, 60.0]),
        ("nose", [230.0, 65.0]),
    ];
    assert_eq!(best(&standing), Family::Standing);
    let sitting = [
        ("shoulder", [200.0, 100.0]),
        ("hip", [200.0, 300.0]),
        ("knee", [360.0, 310.0]),
        ("ankle", [360.0, 470.0]),
        ("wrist", [300.0, 290.0]),
        ("ear", [205.0, 60.0]),
        ("nose", [230.0, 65.0]),
    ];
    assert_eq!(best(&sitting), Family::Sitting);
}

#[test]
fn lying_face_up_and_face_down_differ() {
    let supine = [
        ("shoulder", [400.0, 400.0]),
        ("hip", [200.0, 405.0]),
        ("knee", [280.0, 320.0]),
        ("ankle", [330.0, 410.0]),
        ("wrist", [300.0, 410.0]),
        ("ear", [460.0, 395.0]),
        ("nose", [475.0, 370.0]),
    ];
    assert_eq!(best(&supine), Family::Supine);
    let prone = [
        ("shoulder", [400.0, 400.0]),
        ("hip", [200.0, 405.0]),
        ("knee", [90.0, 410.0]),
        ("ankle", [-10.0, 410.0]),
        ("wrist", [520.0, 410.0]),
        ("ear", [460.0, 395.0]),
        ("nose", [480.0, 415.0]),
    ];
    assert_eq!(best(&prone), Family::Prone);
}

#[test]
fn the_tracker_waits_out_a_one_frame_glitch() {
    let good = read(&person(&TABLETOP));
    let mut bad = good;
    bad.scores = [0.0; 7];
    let mut tracker = PositionTracker::default();
    for i in 0..30 {
        tracker.step(f64::from(i) / 30.0, Position::AllFours, Some(good));
    }
    assert!(tracker.inside());
    tracker.step(1.0, Position::AllFours, Some(bad));
    assert!(
        tracker.inside(),
        "one bad frame must not throw the person out"
    );
    for i in 31..60 {
        tracker.step(f64::from(i) / 30.0, Position::AllFours, Some(bad));
    }
    assert!(!tracker.inside());
    assert_eq!(
        tracker.guidance(Position::AllFours).as_deref(),
        Some("Come onto your hands and knees.")
    );
}

#[test]
fn guidance_names_the_position_it_sees() {
    let mut tracker = PositionTracker::default();
    for i in 0..30 {
        tracker.step(
            f64::from(i) / 30.0,
            Position::AllFours,
            Some(read(&person(&KNEELING))),
        );
    }
    assert_eq!(
        tracker.guidance(Position::AllFours).as_deref(),
        Some("You're kneeling: come onto your hands and knees.")
    );
}
