//! The synthetic back reads as the tracer reads a real one.

use crate::pose::{Joint, PoseFrame};
use crate::synth::camera::View;
use crate::synth::{DEFAULT_SEED, Model, TrackSpec, generate_track, specs};

fn spec(exercise: &str, case: &str, model: Model) -> TrackSpec {
    specs(DEFAULT_SEED, model)
        .into_iter()
        .find(|s| s.exercise.id == exercise && s.case == case)
        .unwrap_or_else(|| panic!("no {exercise} {case}"))
}

fn spines(frames: &[PoseFrame]) -> Vec<(f64, f64, f64, f64)> {
    frames
        .iter()
        .filter_map(|f| {
            let p = f.people.first()?;
            let s = p.spine.as_ref()?;
            Some((
                f.t?,
                s.measure.thoracic_curve_deg,
                s.measure.lumbar_curve_deg,
                s.measure.confidence,
            ))
        })
        .collect()
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// In the cat the head drops below the shoulders and the back rounds; in
/// the cow the head lifts and the back extends. The thoracic curve must
/// follow the head, which the person's own keypoints show.
#[test]
fn cat_cow_rounds_and_extends_the_mid_back_in_phase_with_the_motion() {
    let track = generate_track(&spec("cat-cow", "clean-a", Model::Blaze33));
    let mut curve = Vec::new();
    let mut head_drop = Vec::new();
    for f in &track.frames {
        let Some(p) = f.people.first() else { continue };
        let (Some(s), Some(nose), Some(sh)) = (
            p.spine.as_ref(),
            p.keypoint(Joint::Nose),
            p.keypoint(Joint::LeftShoulder),
        ) else {
            continue;
        };
        curve.push(s.measure.thoracic_curve_deg);
        head_drop.push(f64::from(nose.y - sh.y));
    }
    assert!(
        curve.len() * 10 >= track.frames.len() * 9,
        "spine on most frames"
    );
    let r = pearson(&curve, &head_drop);
    assert!(r > 0.8, "thoracic curve against head drop: r = {r:.2}");
    let max = curve.iter().copied().fold(f64::MIN, f64::max);
    let min = curve.iter().copied().fold(f64::MAX, f64::min);
    // The real seated clip swings from about -6 to +51.
    assert!(max > 40.0 && min < 5.0, "range {min:.1}..{max:.1}");
}

/// Seen from the front the back's curve is not in the silhouette: the
/// tracer reports nothing there, less trust half-way round, and little for
/// a person lying on their side facing the camera.
#[test]
fn a_front_view_hides_the_curve_and_an_oblique_one_trusts_it_less() {
    let side = spec("cat-cow", "clean-a", Model::Blaze33);
    let conf = |view: View| {
        let mut s = side.clone();
        s.view = view;
        let track = generate_track(&s);
        let seen = spines(&track.frames);
        let mean = seen.iter().map(|s| s.3).sum::<f64>() / seen.len().max(1) as f64;
        (seen.len() as f64 / track.frames.len() as f64, mean)
    };
    let (side_seen, side_conf) = conf(View::side_left());
    let (front_seen, _) = conf(View::front());
    let (oblique_seen, oblique_conf) = conf(View::oblique());
    assert!(
        side_seen > 0.9 && side_conf > 0.65,
        "{side_seen} {side_conf}"
    );
    assert!(
        front_seen < 0.05,
        "front view: spine on {front_seen} of frames"
    );
    assert!(oblique_seen > 0.5, "{oblique_seen}");
    assert!(
        oblique_conf < side_conf - 0.1,
        "45 degrees {oblique_conf:.2} against side {side_conf:.2}"
    );
    // Lying on one side, filmed from the front: the back faces away and is
    // read only where the opening turns the trunk, and little trusted.
    let track = generate_track(&spec("side-lying-open-book", "clean-a", Model::Blaze33));
    let seen = spines(&track.frames);
    let mean = seen.iter().map(|s| s.3).sum::<f64>() / seen.len().max(1) as f64;
    assert!(
        seen.len() * 3 < track.frames.len() && mean < 0.45,
        "side-lying: spine on {} of {} frames, confidence {mean:.2}",
        seen.len(),
        track.frames.len()
    );
}

/// A low back that sags or arches reads as lumbar extension, whichever
/// way the kinematic stand-in bends: the bench extension's stand-in flexes
/// the lumbar segment (+30), prone W's extends it (-42).
#[test]
fn an_arching_fault_shows_as_lumbar_extension() {
    for (exercise, rule) in [
        ("bench-thoracic-extension", "ribs-not-flaring"),
        ("prone-w", "low-back-not-overextended"),
    ] {
        let track = generate_track(&spec(exercise, "faults", Model::Blaze33));
        let seen = spines(&track.frames);
        let labels: Vec<_> = track
            .labels
            .faults
            .iter()
            .filter(|l| l.rule == rule && !l.optional)
            .collect();
        assert_eq!(labels.len(), 2);
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let during = median(
            seen.iter()
                .filter(|s| {
                    labels
                        .iter()
                        .any(|l| s.0 >= l.start_s + 0.3 && s.0 <= l.end_s)
                })
                .map(|s| s.2)
                .collect(),
        );
        let clean = median(
            seen.iter()
                .filter(|s| {
                    labels
                        .iter()
                        .all(|l| s.0 < l.start_s - 1.0 || s.0 > l.end_s + 1.0)
                })
                .map(|s| s.2)
                .collect(),
        );
        assert!(
            during < clean - 15.0,
            "{exercise}: lumbar {during:.1} during the fault, {clean:.1} without"
        );
    }
}

/// MoveNet has no mask: its tracks carry no spine (the committed set is
/// unchanged, which `committed_set_is_reproducible` checks byte for byte).
#[test]
fn movenet_tracks_carry_no_spine() {
    let track = generate_track(&spec("cat-cow", "clean-a", Model::Coco17));
    assert!(spines(&track.frames).is_empty());
}
