//! `formcoach pose` on real photographs and on bad inputs, through the binary.

mod common;

use common::{fixtures, formcoach, formcoach_env, stderr, stdout};
use serde_json::Value;

fn people(line: &Value) -> &Vec<Value> {
    line["people"].as_array().expect("people is an array")
}

#[test]
fn finds_the_person_in_each_pose_family() {
    let Some(fx) = fixtures("finds_the_person_in_each_pose_family") else {
        return;
    };
    let families = [
        "allfours_01.jpg",
        "kneeling_02.jpg",
        "sidelying_01.jpg",
        "prone_02.jpg",
        "seated_chair_03.jpg",
        "seated_floor_02.jpg",
        "standing_arms_overhead_01.jpg",
    ];
    let paths: Vec<String> = families
        .iter()
        .map(|f| fx.join("images").join(f).display().to_string())
        .collect();
    let mut args = vec!["pose", "--model", "movenet-thunder"];
    args.extend(paths.iter().map(String::as_str));
    let out = formcoach(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), families.len());
    for (line, name) in lines.iter().zip(families) {
        let found = people(line);
        assert_eq!(found.len(), 1, "{name}: expected one person");
        let person = &found[0];
        let kps = person["keypoints"].as_array().unwrap();
        assert_eq!(kps.len(), 17);
        assert_eq!(kps[0]["name"], "nose");
        assert_eq!(kps[16]["name"], "right_ankle");
        let (w, h) = (
            line["width"].as_f64().unwrap(),
            line["height"].as_f64().unwrap(),
        );
        // Confident keypoints lie inside the picture (2 % margin).
        for k in kps.iter().filter(|k| k["score"].as_f64().unwrap() > 0.4) {
            let (x, y) = (k["x"].as_f64().unwrap(), k["y"].as_f64().unwrap());
            let inside = (-0.02 * w..=1.02 * w).contains(&x) && (-0.02 * h..=1.02 * h).contains(&y);
            assert!(inside, "{name}: {k}");
        }
        assert!(person["score"].as_f64().unwrap() > 0.3, "{name}: {person}");
    }
}

#[test]
fn a_blank_wall_has_nobody_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("wall.png");
    image::RgbImage::from_pixel(640, 480, image::Rgb([200, 196, 190]))
        .save(&blank)
        .unwrap();
    let out = formcoach(&[
        "pose",
        "--model",
        "movenet-lightning",
        blank.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert!(people(&line).is_empty(), "{line}");
}

#[test]
fn bad_images_are_named_and_the_rest_still_processed() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("notes.png");
    std::fs::write(&text, b"hello").unwrap();
    let tiny = dir.path().join("tiny.png");
    image::RgbImage::new(1, 1).save(&tiny).unwrap();
    let huge = dir.path().join("huge.png");
    image::RgbImage::new(6000, 4000).save(&huge).unwrap();
    let draw = dir.path().join("out");
    let out = formcoach(&[
        "pose",
        "--model",
        "movenet-lightning",
        "--draw",
        draw.to_str().unwrap(),
        empty.to_str().unwrap(),
        tiny.to_str().unwrap(),
        text.to_str().unwrap(),
        huge.to_str().unwrap(),
        dir.path().join("missing.jpg").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for name in ["empty.jpg", "notes.png", "missing.jpg"] {
        assert!(err.contains(name), "stderr names {name}: {err}");
    }
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "the 1x1 and the huge image are processed");
    assert_eq!(lines[0]["width"], 1);
    assert_eq!(lines[1]["width"], 6000);
    assert!(draw.join("tiny.png").is_file() && draw.join("huge.png").is_file());
}

#[test]
fn a_missing_runtime_library_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("a.png");
    image::RgbImage::new(8, 8).save(&img).unwrap();
    let out = formcoach_env(
        &[
            "pose",
            "--model",
            "movenet-lightning",
            img.to_str().unwrap(),
        ],
        &[("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("ONNX Runtime is not available"), "{err}");
    assert!(err.contains("/nonexistent/libonnxruntime.so"), "{err}");
    assert!(err.contains("ORT_DYLIB_PATH"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unknown_model_lists_the_choices() {
    let out = formcoach(&["pose", "--model", "posenet", "x.jpg"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("movenet-thunder"), "{}", stderr(&out));
}

#[test]
fn spine_is_printed_for_side_views_only_when_asked_and_drawn() {
    let Some(fx) = fixtures("spine_is_printed_for_side_views_only_when_asked_and_drawn") else {
        return;
    };
    let cat = fx.join("images/allfours_02.jpg").display().to_string();
    let front = fx
        .join("images/standing_arms_out_01.jpg")
        .display()
        .to_string();
    let dir = std::env::temp_dir().join(format!("formcoach-spine-{}", std::process::id()));
    let dir_s = dir.display().to_string();
    let out = formcoach(&["pose", "--spine", "--draw", &dir_s, &cat, &front]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    let spine = &people(&lines[0])[0]["spine"];
    assert!(
        spine["thoracic_curve_deg"].as_f64().unwrap() > 20.0,
        "{spine}"
    );
    assert!(spine["lumbar_curve_deg"].as_f64().is_some(), "{spine}");
    assert!(spine["confidence"].as_f64().unwrap() > 0.5, "{spine}");
    // A front view shows no curve of the back: no spine at all.
    assert!(people(&lines[1])[0].get("spine").is_none(), "{}", lines[1]);
    assert!(dir.join("allfours_02.png").exists());
    let _ = std::fs::remove_dir_all(&dir);
    // Not asked for: the line is as before.
    let out = formcoach(&["pose", &cat]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("spine"));
}
