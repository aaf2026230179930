use super::*;
use crate::pose::{Joint, Keypoint, Person, PoseFrame, WorldPoint};

/// A person from world points (metres, x to their left when facing the
/// camera, y down, z away), seen by an orthographic camera at 500 px/m.
fn person(points: &[(Joint, [f64; 3])], score: f32) -> Person {
    #[allow(clippy::cast_possible_truncation)]
    let f = |v: f64| v as f32;
    Person {
        score: 0.9,
        keypoints: points
            .iter()
            .map(|(j, p)| Keypoint {
                joint: *j,
                x: f(320.0 + 500.0 * p[0]),
                y: f(240.0 + 500.0 * p[1]),
                score,
            })
            .collect(),
        world: Some(
            points
                .iter()
                .map(|(j, p)| WorldPoint {
                    joint: *j,
                    x: f(p[0]),
                    y: f(p[1]),
                    z: f(p[2]),
                })
                .collect(),
        ),
        spine: None,
    }
}

fn frame(p: Person) -> PoseFrame {
    PoseFrame {
        image: None,
        t: None,
        width: 640,
        height: 480,
        model: "test".into(),
        inference_ms: 0.0,
        people: vec![p],
        others_present: 0,
    }
}

/// Turns a point about the vertical through the hips: positive = the
/// person's left, carrying the left side back (away from the camera).
fn turn(p: [f64; 3], deg: f64) -> [f64; 3] {
    let (s, c) = deg.to_radians().sin_cos();
    [p[0] * c - p[2] * s, p[1], p[0] * s + p[2] * c]
}

/// Seated, facing the camera, trunk turned `trunk` degrees and head a
/// further `head` degrees, arms elevated `arm` degrees in the frontal plane.
fn seated(trunk: f64, head: f64, arm: f64) -> Vec<(Joint, [f64; 3])> {
    let t = |p| turn(p, trunk);
    let h = |p| turn(p, trunk + head);
    let (s, c) = arm.to_radians().sin_cos();
    let elbow = |side: f64| t([side * (0.18 + 0.28 * s), -0.5 + 0.28 * c, 0.0]);
    vec![
        (Joint::LeftHip, [0.1, 0.0, 0.0]),
        (Joint::RightHip, [-0.1, 0.0, 0.0]),
        (Joint::LeftShoulder, t([0.18, -0.5, 0.0])),
        (Joint::RightShoulder, t([-0.18, -0.5, 0.0])),
        (Joint::LeftElbow, elbow(1.0)),
        (Joint::RightElbow, elbow(-1.0)),
        (Joint::Nose, h([0.0, -0.65, -0.1])),
        (Joint::LeftEar, h([0.075, -0.66, 0.0])),
        (Joint::RightEar, h([-0.075, -0.66, 0.0])),
    ]
}

#[test]
fn trunk_rotation_reads_each_side_with_its_sign() {
    let left = thoracic_rotation_deg(&person(&seated(40.0, 0.0, 0.0), 0.9)).unwrap();
    let right = thoracic_rotation_deg(&person(&seated(-25.0, 0.0, 0.0), 0.9)).unwrap();
    assert!((left - 40.0).abs() < 0.5, "{left}");
    assert!((right + 25.0).abs() < 0.5, "{right}");
}

#[test]
fn trunk_rotation_reads_the_same_on_all_fours() {
    // Tip the seated body forward 90° about the x axis: the trunk now lies
    // along z, as in a quadruped rotation seen from the front.
    let tip = |p: [f64; 3]| [p[0], -p[2], p[1]];
    let pts: Vec<_> = seated(30.0, 0.0, 0.0)
        .into_iter()
        .map(|(j, p)| (j, tip(p)))
        .collect();
    let deg = thoracic_rotation_deg(&person(&pts, 0.9)).unwrap();
    assert!((deg - 30.0).abs() < 0.5, "{deg}");
}

#[test]
fn neck_rotation_is_the_head_against_the_shoulders() {
    // The trunk turned 20° right and the head 60° left of it: the camera
    // sees the head 40° left, the neck turned 60°.
    let deg = neck_rotation_deg(&person(&seated(-20.0, 60.0, 0.0), 0.9)).unwrap();
    assert!((deg - 60.0).abs() < 0.5, "{deg}");
}

#[test]
fn arms_read_from_hanging_to_overhead() {
    for want in [0.0, 90.0, 170.0] {
        let [l, r] = arm_elevation_deg(&person(&seated(0.0, 0.0, want), 0.9));
        assert!((l.unwrap() - want).abs() < 0.5, "{want}: {l:?}");
        assert!((r.unwrap() - want).abs() < 0.5, "{want}: {r:?}");
    }
}

#[test]
fn one_wild_frame_does_not_make_the_peak() {
    let mut meter = Meter::new(Measure::ThoracicRotation);
    for i in 0..60 {
        let deg = match i {
            30 => 85.0,
            0..30 => 35.0,
            _ => -28.0,
        };
        meter.push(&frame(person(&seated(deg, 0.0, 0.0), 0.9)));
    }
    let fig = meter.figure();
    assert!((fig.left_deg.unwrap() - 35.0).abs() < 0.5, "{fig:?}");
    assert!((fig.right_deg.unwrap() - 28.0).abs() < 0.5, "{fig:?}");
    assert!((fig.difference_deg().unwrap() - 7.0).abs() < 0.6);
    assert!(fig.line().contains("7° apart"), "{}", fig.line());
}

#[test]
fn unseen_joints_say_they_could_not_be_measured() {
    let mut meter = Meter::new(Measure::NeckRotation);
    for _ in 0..10 {
        meter.push(&frame(person(&seated(0.0, 50.0, 0.0), 0.2)));
    }
    let fig = meter.figure();
    assert!(!fig.measured());
    assert_eq!(fig.frames_used, 0);
    assert_eq!(fig.frames_seen, 10);
    assert!(
        fig.note.as_deref().unwrap().contains("couldn't measure"),
        "{fig:?}"
    );
    assert!(fig.line().contains("not measured"));
}

#[test]
fn a_turn_to_one_side_only_names_the_side_missing() {
    let fig = measure_frames(
        Measure::NeckRotation,
        &[frame(person(&seated(0.0, 45.0, 0.0), 0.9))],
    );
    assert!((fig.left_deg.unwrap() - 45.0).abs() < 0.5);
    assert_eq!(fig.right_deg, None);
    assert!(fig.note.unwrap().contains("right"));
}

/// A side view facing the picture's right: the ear `ahead` metres in front
/// of the shoulder and 0.15 m above it.
fn side_view(ahead: f64) -> Person {
    person(
        &[
            (Joint::LeftShoulder, [0.0, -0.5, -0.02]),
            (Joint::RightShoulder, [0.02, -0.5, 0.2]),
            (Joint::LeftEar, [ahead, -0.65, 0.0]),
            (Joint::RightEar, [ahead, -0.65, 0.15]),
            (Joint::Nose, [ahead + 0.1, -0.64, 0.07]),
        ],
        0.9,
    )
}

#[test]
fn chin_tuck_range_is_the_change_in_head_position() {
    let forward = head_position_deg(&side_view(0.15)).unwrap();
    let tucked = head_position_deg(&side_view(0.0)).unwrap();
    assert!((forward - 45.0).abs() < 0.5, "{forward}");
    assert!((tucked - 90.0).abs() < 0.5, "{tucked}");
    let frames: Vec<_> = (0..40)
        .map(|i| frame(side_view(if i % 20 < 10 { 0.15 } else { 0.0 })))
        .collect();
    let fig = measure_frames(Measure::ChinTuck, &frames);
    assert!((fig.value_deg.unwrap() - 45.0).abs() < 1.0, "{fig:?}");
    // One photo shows a position, not a range.
    let one = measure_frames(Measure::ChinTuck, &frames[..1]);
    assert_eq!(one.value_deg, None);
    assert!(one.note.unwrap().contains("needs the movement"));
    // Facing the camera is not a side view: no number.
    assert_eq!(
        head_position_deg(&person(&seated(0.0, 0.0, 0.0), 0.9)),
        None
    );
}

#[test]
fn comparison_says_what_changed_since_the_first_check() {
    let fig = |l: f64, r: f64| Figure {
        measure: Measure::ThoracicRotation,
        left_deg: Some(l),
        right_deg: Some(r),
        value_deg: None,
        frames_used: 1,
        frames_seen: 1,
        note: None,
    };
    let text = comparison_text(&fig(38.0, 32.0), Some(&fig(31.0, 33.0)), "3 November");
    assert_eq!(
        text,
        "Mid-back rotation to the left improved from 31° to 38° since 3 November; \
         Mid-back rotation to the right is about the same as on 3 November (33°, now 32°); \
         the right side is 6° behind."
    );
    assert_eq!(
        comparison_text(&fig(38.0, 36.0), None, "today"),
        "Mid-back rotation to the left: 38°; Mid-back rotation to the right: 36°."
    );
    assert!(norm_text(&fig(20.0, 40.0)).contains("Below it on the left"));
    assert!(limits_text().contains("not a diagnosis"));
}

#[test]
fn measure_ids_round_trip() {
    for m in MEASURES {
        assert_eq!(Measure::from_id(m.id()), Some(m));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, format!("\"{}\"", m.id()));
    }
}

#[test]
fn mid_back_extension_reads_the_spine_curve_when_it_is_there() {
    use crate::pose::spine::{Spine, SpineMeasure};
    let with_curve = |deg: f64, confidence: f64| {
        let mut p = side_view(0.0);
        p.spine = Some(Spine {
            measure: SpineMeasure {
                thoracic_curve_deg: deg,
                lumbar_curve_deg: 0.0,
                confidence,
            },
            line: Vec::new(),
        });
        frame(p)
    };
    // Rounded to 35°, arched to -10°: a 45° range; unsure frames are left out.
    let mut frames: Vec<_> = (0..40)
        .map(|i| with_curve(if i % 20 < 10 { 35.0 } else { -10.0 }, 0.8))
        .collect();
    frames.push(with_curve(-80.0, 0.2));
    let fig = measure_frames(Measure::MidBackExtension, &frames);
    assert!((fig.value_deg.unwrap() - 45.0).abs() < 0.5, "{fig:?}");
    assert_eq!(fig.frames_used, 40);
    // Without the mask there is no curve, and the figure says how to get one.
    let plain = measure_frames(Measure::MidBackExtension, &[frame(side_view(0.0))]);
    assert!(!plain.measured());
    assert!(plain.note.unwrap().contains("pose --spine"));
}
