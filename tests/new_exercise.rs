//! "Adding an exercise needs no new Rust": a file that is not built in,
//! dropped into the person's exercise folder, shows in the picker with its
//! drawing, is coached, and is scored by `formcoach synth` + `formcoach eval`.

// Helpers here run only inside tests: a panic is a failing test with a line number.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use common::{formcoach_env, stderr, stdout};
use formcoach::coach::{Catalogue, Exercise, Stage};
use formcoach::synth::{self, DEFAULT_SEED, Model};
use formcoach::ui::picker::PickerView;

const ID: &str = "overhead-reach";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A config folder (`XDG_CONFIG_HOME`) whose exercise folder holds the new file.
fn config_with_the_new_exercise() -> tempfile::TempDir {
    let config = tempfile::tempdir().unwrap();
    let folder = exercises_folder(config.path());
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(
        repo().join("tests/data/overhead-reach.toml"),
        folder.join("overhead-reach.toml"),
    )
    .unwrap();
    config
}

fn exercises_folder(config: &Path) -> PathBuf {
    config.join("formcoach").join("exercises")
}

fn catalogue(config: &Path) -> Catalogue {
    let (cat, errors) = Catalogue::load(Some(&exercises_folder(config)));
    assert!(errors.is_empty(), "{errors:?}");
    cat
}

fn new_exercise(cat: &Catalogue) -> Exercise {
    cat.get(ID).cloned().unwrap()
}

#[test]
fn the_new_exercise_is_not_built_in() {
    assert!(Catalogue::builtin().0.get(ID).is_none());
}

#[test]
fn the_picker_lists_the_new_exercise_under_its_stage_and_draws_it() {
    let config = config_with_the_new_exercise();
    let cat = catalogue(config.path());
    let ex = new_exercise(&cat);
    assert_eq!(ex.stage, Stage::Move);
    // The start position, as the picker's camera picture draws it.
    let frame = synth::preview(&ex, false, 200, 150).unwrap();
    let person = &frame.people[0];
    assert!(person.keypoints.len() >= 17);
    for k in &person.keypoints {
        assert!(
            (0.0..=200.0).contains(&k.x) && (0.0..=150.0).contains(&k.y),
            "{k:?}"
        );
    }
    let view = PickerView::new(cat.iter().cloned().collect(), None, Ok(Vec::new()));
    let mut harness = Harness::builder()
        .with_size([1280.0, 760.0])
        .wgpu()
        .build_ui_state(
            |ui, v: &mut PickerView| {
                let _ = v.ui(ui);
            },
            view,
        );
    harness.run();
    harness.get_by_label("Overhead reach").click();
    harness.run();
    assert_eq!(harness.state().selected.as_deref(), Some(ID));
    // Its stage heads its group in the list and is named in its details;
    // the snapshot shows the drawing of its start position.
    assert_eq!(harness.query_all_by_label("2 · Move").count(), 2);
    let options = egui_kittest::SnapshotOptions::new().output_path(repo().join("tests/snapshots"));
    harness.snapshot_options("picker_user_exercise", &options);
}

#[test]
fn the_new_exercise_is_coached_on_its_synthetic_track() {
    let config = config_with_the_new_exercise();
    let cat = catalogue(config.path());
    let ex = new_exercise(&cat);
    let specs: Vec<_> = synth::specs_in(&cat, DEFAULT_SEED, Model::Coco17)
        .into_iter()
        .filter(|s| s.exercise.id == ID)
        .collect();
    assert_eq!(specs.len(), 3, "two clean tracks and one with its fault");
    for spec in specs {
        let track = synth::generate_track(&spec);
        let expected = track.labels.expected_reps["both"];
        assert!(expected > 0);
        let report = formcoach::session::analyze_track(&ex, track.frames);
        assert_eq!(report.reps.total as usize, expected, "{}", spec.case);
        if spec.case == "faults" {
            assert!(
                report.warnings.iter().any(|w| w.rule == "ribs-down"),
                "the leaning-back fault is warned about"
            );
        }
    }
}

#[test]
fn formcoach_synth_and_eval_score_the_new_exercise() {
    let config = config_with_the_new_exercise();
    let env = [("XDG_CONFIG_HOME", config.path().to_str().unwrap())];
    let out = tempfile::tempdir().unwrap();
    let all = out.path().join("all");
    let made = formcoach_env(&["synth", "--out", all.to_str().unwrap()], &env);
    assert!(made.status.success(), "{}", stderr(&made));
    // Only the new exercise's tracks, so the table is about it alone.
    let only = out.path().join("only");
    std::fs::create_dir_all(&only).unwrap();
    std::fs::rename(all.join(ID), only.join(ID)).unwrap();
    let scored = formcoach_env(&["eval", only.to_str().unwrap()], &env);
    let table = stdout(&scored);
    assert!(scored.status.success(), "{table}\n{}", stderr(&scored));
    assert!(table.contains("3 tracks"), "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with("overhead-reach/ribs-down"))
        .unwrap_or_else(|| panic!("no row for the new rule:\n{table}"));
    assert!(row.ends_with("ok"), "{row}");
    assert!(table.contains("every rule meets the targets"), "{table}");
}
