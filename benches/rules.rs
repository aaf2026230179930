//! One frame through every rule of cat-cow (five rules, all live on an all-fours
//! pose; no exercise has more).
//! Rules must cost microseconds so the inference thread never waits on the coach.

use criterion::{Criterion, criterion_group, criterion_main};
use formcoach::coach::{Catalogue, Coach};
use formcoach::pose::{Joint, Keypoint, Person, PoseFrame};
use std::hint::black_box;

fn all_fours(t: f64) -> PoseFrame {
    let near = [
        ("shoulder", [400.0, 300.0]),
        ("hip", [200.0, 300.0]),
        ("knee", [200.0, 420.0]),
        ("elbow", [400.0, 360.0]),
        ("wrist", [400.0, 420.0]),
        ("ear", [450.0, 290.0]),
        ("eye", [465.0, 282.0]),
    ];
    let mut keypoints = vec![Keypoint {
        joint: Joint::Nose,
        x: 475.0,
        y: 295.0,
        score: 0.9,
    }];
    for (name, p) in near {
        for side in ["left", "right"] {
            if let Some(joint) = Joint::from_name(&format!("{side}_{name}")) {
                keypoints.push(Keypoint {
                    joint,
                    x: p[0],
                    y: p[1],
                    score: 0.9,
                });
            }
        }
    }
    PoseFrame {
        image: None,
        t: Some(t),
        width: 640,
        height: 480,
        model: "bench".into(),
        inference_ms: 0.0,
        people: vec![Person {
            score: 0.9,
            keypoints,
            world: None,
            spine: None,
        }],
        others_present: 0,
    }
}

fn busiest(c: &mut Criterion) {
    let (catalogue, _) = Catalogue::builtin();
    let Some(exercise) = catalogue.get("cat-cow") else {
        return;
    };
    let mut coach = Coach::new(exercise);
    // Settle first so every rule is live.
    let mut t = 0.0;
    while t < 2.0 {
        let _ = coach.step(&all_fours(t));
        t += 1.0 / 30.0;
    }
    let mut frame = all_fours(t);
    c.bench_function(
        &format!(
            "coach step, {} ({} rules)",
            exercise.id,
            exercise.rules.len()
        ),
        |b| {
            b.iter(|| {
                t += 1.0 / 30.0;
                frame.t = Some(t);
                black_box(coach.step(black_box(&frame)))
            });
        },
    );
}

criterion_group!(benches, busiest);
criterion_main!(benches);
