//! `formcoach routines` and `formcoach analyze --routine` through the binary,
//! on the committed synthetic pose tracks (no models, no camera needed).

mod common;

use std::path::Path;

use common::{formcoach, formcoach_env, stderr, stdout};
use serde_json::Value;

/// A committed clean track of `exercise`.
fn track(exercise: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tracks")
        .join(exercise)
        .join("clean-a.jsonl.gz");
    assert!(p.is_file(), "{} is committed", p.display());
    p.display().to_string()
}

/// Runs the binary with an empty config folder, so the person's own
/// routines and exercises on this machine cannot change the result.
fn run(args: &[&str], config: &Path) -> std::process::Output {
    formcoach_env(
        args,
        &[("XDG_CONFIG_HOME", config.to_str().expect("utf-8 temp path"))],
    )
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("report written");
    serde_json::from_str(&text).expect("report is JSON")
}

#[test]
fn lists_the_builtin_routines_with_their_steps() {
    let config = tempfile::tempdir().unwrap();
    let out = run(&["routines", "--json"], config.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: Vec<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "upper-back-daily",
            "desk-reset",
            "bedtime-rotation",
            "desk-neck",
            "mobility-check"
        ]
    );
    let neck = &list[3];
    assert_eq!(neck["name"], "Neck set for the desk");
    let steps: Vec<&str> = neck["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["exercise"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "chin-tuck",
            "seated-cervical-rotation",
            "neck-flexion-extension"
        ]
    );
    let text = run(&["routines"], config.path());
    assert!(text.status.success());
    assert!(stdout(&text).contains("desk-reset  (One-minute desk reset)"));
}

#[test]
fn a_routine_of_three_clips_gives_one_report_per_step() {
    let config = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("routine.json");
    let clips = [
        track("chin-tuck"),
        track("seated-cervical-rotation"),
        track("neck-flexion-extension"),
    ];
    let out = run(
        &[
            "analyze",
            "--routine",
            "desk-neck",
            &clips[0],
            &clips[1],
            &clips[2],
            "--out",
            report_path.to_str().unwrap(),
        ],
        config.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Routine Neck set for the desk (desk-neck): 3 steps"),
        "{text}"
    );
    for row in [
        " 1  Chin tuck",
        " 2  Seated neck rotation",
        " 3  Neck flexion",
    ] {
        assert!(text.contains(row), "no row `{row}` in:\n{text}");
    }
    let report = read_json(&report_path);
    assert_eq!(report["routine"], "desk-neck");
    let steps = report["steps"].as_array().unwrap();
    let ids: Vec<&str> = steps
        .iter()
        .map(|s| s["exercise"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "chin-tuck",
            "seated-cervical-rotation",
            "neck-flexion-extension"
        ]
    );
    for s in steps {
        assert_eq!(s["report"]["exercise"], s["exercise"]);
        assert!(s["report"]["frames"].as_u64().unwrap() > 100);
    }

    // The chin-tuck step asks for the exercise's own dose, so its report is
    // exactly what `analyze --exercise` writes for the same clip.
    let single_path = dir.path().join("single.json");
    let single = run(
        &[
            "analyze",
            "--exercise",
            "chin-tuck",
            &clips[0],
            "--out",
            single_path.to_str().unwrap(),
        ],
        config.path(),
    );
    assert!(single.status.success(), "{}", stderr(&single));
    assert_eq!(steps[0]["report"], read_json(&single_path));
    assert!(steps[0]["report"]["reps"]["total"].as_u64().unwrap() >= 3);
}

#[test]
fn a_step_coaches_with_its_own_dose() {
    // The person's own routine: neck turns held 5 s instead of 30.
    let config = tempfile::tempdir().unwrap();
    let folder = config.path().join("formcoach/routines");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("short-turns.toml"),
        "id = \"short-turns\"\nname = \"Short turns\"\ndescription = \"Quick.\"\n\
         [[steps]]\nexercise = \"seated-cervical-rotation\"\nholds = 2\nhold_s = 5\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("r.json");
    let out = run(
        &[
            "analyze",
            "--routine",
            "short-turns",
            &track("seated-cervical-rotation"),
            "--out",
            report_path.to_str().unwrap(),
        ],
        config.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = read_json(&report_path);
    let holds = report["steps"][0]["report"]["holds"].as_array().unwrap();
    assert!(!holds.is_empty());
    for h in holds {
        assert_eq!(h["target_s"], 5.0, "{h}");
    }
    // Holds of 5 s on a clip whose holds are longer than that: all reached.
    assert!(
        stdout(&out).contains("2 x 5 s hold per side"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn wrong_number_of_clips_is_a_clear_error() {
    let config = tempfile::tempdir().unwrap();
    let out = run(
        &[
            "analyze",
            "--routine",
            "desk-neck",
            &track("chin-tuck"),
            &track("seated-cervical-rotation"),
        ],
        config.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("has 3 steps"), "{err}");
    assert!(err.contains("2 input(s)"), "{err}");
    assert!(
        err.contains("1. chin-tuck, 2. seated-cervical-rotation, 3. neck-flexion-extension"),
        "{err}"
    );

    let out = run(
        &["analyze", "--routine", "no-such", &track("chin-tuck")],
        config.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown routine `no-such`; choose one of: upper-back-daily"));

    let out = run(
        &[
            "analyze",
            "--exercise",
            "chin-tuck",
            &track("chin-tuck"),
            &track("chin-tuck"),
        ],
        config.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("use `--routine ID`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_broken_user_routine_is_named_and_skipped() {
    let config = tempfile::tempdir().unwrap();
    let folder = config.path().join("formcoach/routines");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("bad.toml"),
        "id = \"bad\"\nname = \"Bad\"\ndescription = \"\"\n[[steps]]\nexercise = \"chin-tuck\"\nreps = 10\nhold_s = nan\n",
    )
    .unwrap();
    let out = run(&["routines", "--json"], config.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("skipped a routine file"), "{err}");
    assert!(err.contains("bad.toml:7:"), "{err}");
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.len(), 5);
}

#[test]
fn routine_and_exercise_cannot_be_mixed() {
    let out = formcoach(&[
        "analyze",
        "--routine",
        "desk-neck",
        "--exercise",
        "chin-tuck",
        "x.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// The real path: two fixture videos of a person, pose estimated by the
/// default model, coached as a two-step neck routine of the person's own.
#[test]
fn a_routine_of_two_real_clips_gives_a_routine_report() {
    let Some(fx) = common::fixtures("a_routine_of_two_real_clips_gives_a_routine_report") else {
        return;
    };
    let config = tempfile::tempdir().unwrap();
    let folder = config.path().join("formcoach/routines");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("two-neck.toml"),
        "id = \"two-neck\"\nname = \"Two neck steps\"\ndescription = \"Turns, then nods.\"\n\
         [[steps]]\nexercise = \"seated-cervical-rotation\"\nholds = 1\nhold_s = 10\n\
         [[steps]]\nexercise = \"neck-flexion-extension\"\nreps = 3\n",
    )
    .unwrap();
    let video = fx.join("video");
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("r.json");
    let out = run(
        &[
            "analyze",
            "--routine",
            "two-neck",
            video
                .join("seated_sidebend_chair_front_01.mp4")
                .to_str()
                .unwrap(),
            video
                .join("seated_catcow_chair_side_01.mp4")
                .to_str()
                .unwrap(),
            "--out",
            report_path.to_str().unwrap(),
        ],
        config.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = read_json(&report_path);
    let steps = report["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["exercise"], "seated-cervical-rotation");
    assert_eq!(steps[1]["exercise"], "neck-flexion-extension");
    for s in steps {
        assert!(
            s["report"]["frames"].as_u64().unwrap() > 300,
            "{}",
            s["report"]
        );
    }
    // The hand labels of the nodding clip: 1 to 3 reps, and the trunk
    // rounds with the head (the trunk-still rule's fault).
    let reps = steps[1]["report"]["reps"]["total"].as_u64().unwrap();
    assert!((1..=3).contains(&reps), "{reps} reps");
    assert!(
        steps[1]["report"]["warnings_by_rule"]["trunk-still"]["count"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert!(
        stdout(&out).contains(" 2  Neck flexion and extension     3 reps"),
        "{}",
        stdout(&out)
    );
}

/// The mobility check on the synthetic tracks: each measured step's figure
/// is printed and written, and the turns, which need 3D world points these
/// MoveNet-style tracks do not carry, say they could not be measured rather
/// than showing a number.
#[test]
fn the_mobility_check_prints_and_writes_its_figures() {
    let config = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("check.json");
    let clips = [
        track("seated-trunk-rotation"),
        track("seated-cervical-rotation"),
        track("overhead-arm-raise"),
        track("chin-tuck"),
    ];
    let mut args = vec!["analyze", "--routine", "mobility-check"];
    args.extend(clips.iter().map(String::as_str));
    args.extend(["--out", report_path.to_str().unwrap()]);
    let out = run(&args, config.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("\nMobility check\n"), "{text}");
    assert!(
        text.contains("Mid-back rotation: left not measured, right not measured"),
        "{text}"
    );
    assert!(text.contains("not a diagnosis"), "{text}");
    assert!(text.contains("Typical range 160-180°"), "{text}");
    let report = read_json(&report_path);
    let figures: Vec<&Value> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["figure"])
        .collect();
    let measures: Vec<&str> = figures
        .iter()
        .map(|f| f["measure"].as_str().unwrap())
        .collect();
    assert_eq!(
        measures,
        [
            "thoracic-rotation",
            "neck-rotation",
            "arms-overhead",
            "chin-tuck"
        ]
    );
    for turn in &figures[..2] {
        assert!(turn.get("left_deg").is_none(), "{turn}");
        assert!(
            turn["note"].as_str().unwrap().contains("3D points"),
            "{turn}"
        );
    }
    // The raise lifts the arms well above the shoulders; the tucks move the
    // head some degrees.
    let arm = figures[2]["left_deg"]
        .as_f64()
        .or(figures[2]["right_deg"].as_f64())
        .unwrap();
    assert!((100.0..=185.0).contains(&arm), "{}", figures[2]);
    let tuck = figures[3]["value_deg"].as_f64().unwrap();
    assert!((2.0..=60.0).contains(&tuck), "{}", figures[3]);
}
