//! Tracks are reproducible and labelled; previews draw every exercise.

use super::*;

#[test]
fn same_seed_same_track() {
    let specs = committed_specs(7);
    let a = generate_track(&specs[2]);
    let b = generate_track(&specs[2]);
    assert_eq!(to_jsonl(&a.frames).unwrap(), to_jsonl(&b.frames).unwrap());
    assert_eq!(a.labels, b.labels);
}

#[test]
fn faulty_tracks_label_every_rule_twice() {
    for spec in committed_specs(7)
        .into_iter()
        .filter(|s| !s.faults.is_empty())
    {
        let track = generate_track(&spec);
        for f in &spec.faults {
            let n = track
                .labels
                .faults
                .iter()
                .filter(|l| l.rule == f.rule && !l.optional)
                .count();
            assert_eq!(n, 2, "{} {}", spec.exercise.id, f.rule);
        }
    }
}

#[test]
fn previews_fit_their_box_and_lie_down_where_the_exercise_does() {
    let (cat, _) = crate::coach::Catalogue::builtin();
    for ex in cat.iter() {
        let frame =
            preview(ex, false, 160, 120).unwrap_or_else(|| panic!("no preview for {}", ex.id));
        let person = &frame.people[0];
        for k in &person.keypoints {
            assert!(
                (0.0..=160.0).contains(&k.x) && (0.0..=120.0).contains(&k.y),
                "{}: {k:?}",
                ex.id
            );
        }
    }
    // On all fours the body is wider than tall from the side; standing, taller.
    let spread = |id: &str| {
        let f = preview(cat.get(id).unwrap(), false, 400, 400).unwrap();
        let xs: Vec<f32> = f.people[0].keypoints.iter().map(|k| k.x).collect();
        let ys: Vec<f32> = f.people[0].keypoints.iter().map(|k| k.y).collect();
        let w = xs.iter().copied().fold(f32::MIN, f32::max)
            - xs.iter().copied().fold(f32::MAX, f32::min);
        let h = ys.iter().copied().fold(f32::MIN, f32::max)
            - ys.iter().copied().fold(f32::MAX, f32::min);
        w / h
    };
    assert!(spread("thread-the-needle") > 1.0);
    assert!(spread("desk-reset-reach") < 1.0);
    let mut no_motion = cat.get("chin-tuck").unwrap().clone();
    no_motion.motion = None;
    assert!(preview(&no_motion, true, 10, 10).is_none());
}
