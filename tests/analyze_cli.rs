//! `formcoach analyze` and `formcoach exercises` through the binary, on good
//! and bad inputs.

mod common;

use common::{fixtures, formcoach, formcoach_env, stderr, stdout};
use serde_json::{Value, json};

/// A kneeling-on-all-fours pose seen from the side, in pixels, with `dx`
/// added to both hips (to fake a hip drift).
fn all_fours_line(t: f64, hip_dx: f64, nan_hips: bool) -> String {
    let joints = [
        ("nose", 470.0, 200.0),
        ("left_eye", 465.0, 195.0),
        ("right_eye", 465.0, 195.0),
        ("left_ear", 450.0, 195.0),
        ("right_ear", 450.0, 195.0),
        ("left_shoulder", 400.0, 220.0),
        ("right_shoulder", 400.0, 220.0),
        ("left_elbow", 400.0, 280.0),
        ("right_elbow", 400.0, 280.0),
        ("left_wrist", 400.0, 340.0),
        ("right_wrist", 400.0, 340.0),
        ("left_hip", 240.0, 225.0),
        ("right_hip", 240.0, 225.0),
        ("left_knee", 240.0, 340.0),
        ("right_knee", 240.0, 340.0),
        ("left_ankle", 140.0, 340.0),
        ("right_ankle", 140.0, 340.0),
    ];
    let kps: Vec<Value> = joints
        .iter()
        .map(|(name, x, y)| {
            let hip = name.ends_with("_hip");
            let x = if hip { x + hip_dx } else { *x };
            if hip && nan_hips {
                json!({"name": name, "x": null, "y": null, "score": 0.0})
            } else {
                json!({"name": name, "x": x, "y": y, "score": 0.9})
            }
        })
        .collect();
    json!({"t": t, "width": 640, "height": 480, "model": "test",
           "people": [{"score": 0.9, "keypoints": kps}]})
    .to_string()
}

fn write_track(dir: &std::path::Path, name: &str, lines: &[String]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n")).expect("temp track written");
    p.display().to_string()
}

/// Runs `formcoach analyze` on a track; returns the JSON report and the printed summary.
fn analyze_to_report(track: &str, exercise: &str, dir: &std::path::Path) -> (Value, String) {
    let report_path = dir.join("report.json");
    let out = formcoach(&[
        "analyze",
        "--exercise",
        exercise,
        track,
        "--out",
        report_path.to_str().expect("utf-8 temp path"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&report_path).expect("report written");
    let report = serde_json::from_str(&text).expect("report is JSON");
    (report, stdout(&out))
}

#[test]
fn lists_all_eighteen_exercises_with_their_rules() {
    let out = formcoach(&["exercises", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.len(), 18);
    let rules = |id: &str| -> Vec<String> {
        let ex = list.iter().find(|e| e["id"] == id).unwrap();
        ex["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(rules("thread-the-needle").contains(&"hips-still".to_owned()));
    for id in [
        "thoracic-extension-chair",
        "bench-thoracic-extension",
        "laying-arm-extensions",
        "desk-reset-reach",
    ] {
        assert!(rules(id).contains(&"ribs-not-flaring".to_owned()), "{id}");
    }
}

#[test]
fn a_hip_drift_on_all_fours_is_warned_about_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    // 3 s still (settling), then the hips drift 0.4 torso lengths and stay there.
    let lines: Vec<String> = (0..150)
        .map(|i| {
            let t = f64::from(i) / 30.0;
            let dx = if t < 3.0 {
                0.0
            } else {
                ((t - 3.0) * 300.0).min(64.0)
            };
            all_fours_line(t, dx, false)
        })
        .collect();
    let track = write_track(dir.path(), "drift.jsonl", &lines);
    let (report, printed) = analyze_to_report(&track, "thread-the-needle", dir.path());
    for key in [
        "exercise",
        "duration_s",
        "frames",
        "reps",
        "holds",
        "good_form_ratio",
        "unobservable_s",
        "warnings",
        "rom",
    ] {
        assert!(report.get(key).is_some(), "report has {key}");
    }
    let warnings = report["warnings"].as_array().unwrap();
    let hips = warnings
        .iter()
        .find(|w| w["rule"] == "hips-still")
        .expect("hips-still warned");
    let t = hips["t_s"].as_f64().unwrap();
    assert!((3.0..3.8).contains(&t), "warned at {t}");
    assert!(printed.contains("hips-still"), "{printed}");
}

#[test]
fn unseen_hips_are_reported_as_unobservable_not_as_faults() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..180)
        .map(|i| {
            let t = f64::from(i) / 30.0;
            all_fours_line(t, 0.0, t >= 3.0)
        })
        .collect();
    let track = write_track(dir.path(), "nan.jsonl", &lines);
    let (report, _) = analyze_to_report(&track, "thread-the-needle", dir.path());
    assert!(report["unobservable_s"].as_f64().unwrap() > 2.0, "{report}");
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["rule"] != "hips-still")
    );
}

#[test]
fn bad_tracks_give_clear_errors_or_notes() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write_track(dir.path(), "empty.jsonl", &[]);
    let out = formcoach(&["analyze", "--exercise", "chin-tuck", &empty]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("empty.jsonl"), "{}", stderr(&out));

    let broken = write_track(
        dir.path(),
        "broken.jsonl",
        &["{\"t\": 0.0, \"wid".to_owned()],
    );
    let out = formcoach(&["analyze", "--exercise", "chin-tuck", &broken]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.jsonl:1"), "{}", stderr(&out));

    let mut lines: Vec<String> = (0..60)
        .map(|i| all_fours_line(f64::from(i) / 30.0, 0.0, false))
        .collect();
    lines.insert(30, all_fours_line(0.1, 0.0, false));
    let backwards = write_track(dir.path(), "backwards.jsonl", &lines);
    let out = formcoach(&["analyze", "--exercise", "thread-the-needle", &backwards]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));

    let out = formcoach(&["analyze", "--exercise", "no-such-stretch", &backwards]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("chin-tuck"),
        "lists the ids: {}",
        stderr(&out)
    );
}

#[test]
fn a_broken_user_exercise_file_is_named_and_the_rest_still_load() {
    let config = tempfile::tempdir().unwrap();
    let folder = config.path().join("formcoach").join("exercises");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("mine.toml"), "id = \"mine\"\nname = [broken\n").unwrap();
    let out = formcoach_env(
        &["exercises", "--json"],
        &[("XDG_CONFIG_HOME", config.path().to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("mine.toml"), "{}", stderr(&out));
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.len(), 18);
}

#[test]
fn analyzes_a_real_video_and_a_frame_folder() {
    let Some(fx) = fixtures("analyzes_a_real_video_and_a_frame_folder") else {
        return;
    };
    let video = fx.join("video").join("exercise_arms_overhead_01.mp4");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("video.json");
    let out = formcoach(&[
        "analyze",
        "--exercise",
        "desk-reset-reach",
        "--model",
        "movenet-lightning",
        video.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(r["frames"].as_u64().unwrap() > 10, "{r}");
    assert!(r["duration_s"].as_f64().unwrap() > 0.5, "{r}");

    let frames = dir.path().join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    for (i, name) in ["seated_chair_01.jpg", "seated_chair_03.jpg"]
        .iter()
        .enumerate()
    {
        std::fs::copy(
            fx.join("images").join(name),
            frames.join(format!("{i:03}.jpg")),
        )
        .unwrap();
    }
    let out = formcoach(&[
        "analyze",
        "--exercise",
        "chin-tuck",
        "--model",
        "movenet-lightning",
        "--fps",
        "2",
        frames.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("2 frames"), "{}", stdout(&out));
}

#[test]
fn an_unreadable_video_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("clip.mp4");
    std::fs::write(&bad, b"this is not a video").unwrap();
    let out = formcoach(&["analyze", "--exercise", "chin-tuck", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("clip.mp4"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
