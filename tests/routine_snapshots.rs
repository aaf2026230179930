//! Snapshot tests of the routine screens, rendered headless with wgpu: the
//! "next up" screen before the first step, the rest before a side change,
//! the rest between two sets of a step, and the routine's summary. The screens' state comes from the real
//! routine player and built-in routines. Update the pictures with
//! `UPDATE_SNAPSHOTS=1 cargo test --test routine_snapshots` and look at
//! them before committing.

// Helpers here run only inside tests: a panic is a failing test with a line number.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use egui_kittest::kittest::Queryable as _;
use egui_kittest::{Harness, SnapshotOptions};

use formcoach::coach::{Catalogue, Exercise};
use formcoach::routine::{Action, Routine, RoutinePlayer, Routines, StepEnd, StepProgress};
use formcoach::store::Sample;
use formcoach::ui::routine_view::{
    NextUpView, RoutineCommand, RoutineSummaryCommand, RoutineSummaryView, StepRow,
};
use formcoach::ui::summary::SummaryView;

const SIZE: [f32; 2] = [1280.0, 760.0];

/// The repository's root, whether this file is compiled in place or elsewhere.
fn repo() -> PathBuf {
    let here = Path::new(file!());
    let file = if here.is_absolute() {
        here.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(here)
    };
    file.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap()
}

fn snap(harness: &mut Harness<'_, impl Sized>, name: &str) {
    let options = SnapshotOptions::new().output_path(repo().join("tests/snapshots"));
    harness.snapshot_options(name, &options);
}

fn exercises() -> Vec<Exercise> {
    let (cat, errors) = Catalogue::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    cat.iter().cloned().collect()
}

fn routine(id: &str) -> Routine {
    let (cat, _) = Catalogue::builtin();
    let (routines, errors) = Routines::builtin(&cat);
    assert!(errors.is_empty(), "{errors:?}");
    routines.get(id).cloned().unwrap()
}

/// The announcement the player makes in `actions`.
fn announced(actions: &[Action]) -> (usize, String) {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Announce { step, text } => Some((*step, text.clone())),
            _ => None,
        })
        .unwrap()
}

fn next_up_harness(view: NextUpView) -> Harness<'static, (NextUpView, Option<RoutineCommand>)> {
    Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, state: &mut (NextUpView, Option<RoutineCommand>)| {
            if let Some(c) = state.0.ui(ui) {
                state.1 = Some(c);
            }
        },
        (view, None),
    )
}

#[test]
fn next_up_before_the_first_step() {
    let exercises = exercises();
    let routine = routine("upper-back-daily");
    let mut player = RoutinePlayer::new(routine.clone(), &exercises).unwrap();
    let (step, text) = announced(&player.begin(0.0));
    assert_eq!(step, 0);
    let ex = player.exercise(0).cloned().unwrap();
    let view = NextUpView::new(&routine, 0, ex, text.clone(), 10.0).unwrap();
    let mut harness = next_up_harness(view);
    harness.run();
    harness.get_by_label(&text);
    harness.get_by_label("Starts in 10 s");
    harness.get_by_label_contains("step 1 of 6");
    harness.get_by_label_contains(&routine.steps[0].note);
    snap(&mut harness, "routine_next_up");
    harness.get_by_label("Skip (N)").click();
    harness.run();
    assert_eq!(harness.state().1, Some(RoutineCommand::Skip));
    harness.get_by_label("Start now").click();
    harness.run();
    assert_eq!(harness.state().1, Some(RoutineCommand::StartNow));
}

#[test]
fn the_rest_before_a_side_change() {
    let exercises = exercises();
    let routine = routine("bedtime-rotation");
    let mut player = RoutinePlayer::new(routine.clone(), &exercises).unwrap();
    player.begin(0.0);
    player.start_now();
    let (step, text) = announced(&player.step_ended(true));
    assert_eq!(step, 1);
    assert!(text.starts_with("Change sides. Last one. Next: "), "{text}");
    assert!(
        text.contains("your right side, lying on your left"),
        "{text}"
    );
    let ex = player.exercise(1).cloned().unwrap();
    let rest = routine.steps[0].rest_s;
    let mut view = NextUpView::new(&routine, 1, ex, text, rest).unwrap();
    view.remaining_s = rest * 0.4;
    view.paused = true;
    let mut harness = next_up_harness(view);
    harness.run();
    harness.get_by_label("Paused · starts 6 s after you carry on");
    harness.get_by_label("Carry on");
    snap(&mut harness, "routine_rest");
}

/// A short coached step's timeline: good form most of the time, reps
/// counted every 3 s.
fn samples() -> Vec<Sample> {
    (0..200)
        .map(|i| {
            let cue = (60..80)
                .contains(&i)
                .then(|| "Keep your chin level.".to_owned());
            Sample {
                t_s: f64::from(i) * 0.1,
                observable: true,
                placement_ok: true,
                good_form: cue.is_none(),
                reps_left: (i + 1) / 30,
                cue,
                ..Sample::default()
            }
        })
        .collect()
}

#[test]
fn routine_summary_has_a_row_per_step() {
    let routine = routine("desk-neck");
    let exercises = exercises();
    let name = |id: &str| {
        exercises
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.name.clone())
            .unwrap()
    };
    let step_view = SummaryView::new(
        name(&routine.steps[0].exercise),
        false,
        "deg".to_owned(),
        samples(),
    );
    let rows = vec![
        StepRow {
            exercise: name(&routine.steps[0].exercise),
            step: routine.steps[0].clone(),
            end: Some(StepEnd::Done),
            progress: StepProgress {
                reps_both: 10,
                ..StepProgress::default()
            },
            totals: Some(step_view.summary.clone()),
            summary: Some(Box::new(step_view)),
        },
        StepRow {
            exercise: name(&routine.steps[1].exercise),
            step: routine.steps[1].clone(),
            end: Some(StepEnd::Partial),
            progress: StepProgress {
                holds_left: 2,
                holds_right: 1,
                ..StepProgress::default()
            },
            totals: None,
            summary: None,
        },
        StepRow {
            exercise: name(&routine.steps[2].exercise),
            step: routine.steps[2].clone(),
            end: Some(StepEnd::Skipped),
            progress: StepProgress::default(),
            totals: None,
            summary: None,
        },
    ];
    let view = RoutineSummaryView {
        name: routine.name.clone(),
        rows,
        notes: Vec::new(),
        mobility: None,
    };
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, state: &mut (RoutineSummaryView, Option<RoutineSummaryCommand>)| {
            if let Some(c) = state.0.ui(ui) {
                state.1 = Some(c);
            }
        },
        (view, None),
    );
    harness.run();
    harness.get_by_label("1 of 3 steps done in full.");
    harness.get_by_label("Done · 10 of 10 reps");
    harness.get_by_label("Part · L 2 R 1 of 2 holds");
    harness.get_by_label("Skipped");
    snap(&mut harness, "routine_summary");
    // Only a coached step has its own summary to open.
    harness.get_by_label("See this step").click();
    harness.run();
    assert_eq!(harness.state().1, Some(RoutineSummaryCommand::Open(0)));
}

#[test]
fn picker_lists_routines_and_plays_one_from_a_file() {
    use formcoach::ui::picker::{PickerCommand, PickerView, SourceChoice};
    let (cat, _) = Catalogue::builtin();
    let (routines, _) = Routines::builtin(&cat);
    let mut view = PickerView::new(exercises(), Some("chin-tuck".to_owned()), Ok(Vec::new()));
    view.routines = routines.iter().cloned().collect();
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, state: &mut (PickerView, Option<PickerCommand>)| {
            if let Some(c) = state.0.ui(ui) {
                state.1 = Some(c);
            }
        },
        (view, None),
    );
    harness.run();
    harness
        .get_by_label_contains("Upper back, in order ·")
        .click();
    harness.run();
    assert_eq!(
        harness.state().0.selected_routine.as_deref(),
        Some("upper-back-daily")
    );
    harness.get_by_label_contains("Routine · about");
    snap(&mut harness, "picker_routine");
    harness
        .get_by_role(egui::accesskit::Role::TextInput)
        .focus();
    harness.run();
    harness
        .get_by_role(egui::accesskit::Role::TextInput)
        .type_text("/videos/routine.mp4");
    harness.run();
    harness.get_by_label("Coach from this file").click();
    harness.run();
    assert_eq!(
        harness.state().1,
        Some(PickerCommand::StartRoutine {
            routine: "upper-back-daily".to_owned(),
            source: SourceChoice::Path("/videos/routine.mp4".into()),
        })
    );
    // Choosing an exercise again leaves the routine.
    harness.get_by_label("Chin tuck").click();
    harness.run();
    assert_eq!(harness.state().0.selected_routine, None);
}

/// The history marks the sessions of a routine run with the routine, the
/// step and the run, and leaves a session coached on its own unmarked.
#[test]
fn history_shows_which_sessions_belong_to_a_routine_run() {
    use formcoach::store::{NewSession, Recorder, Store};
    use formcoach::ui::history::HistoryView;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let mut ids = Vec::new();
    for (i, (id, name)) in [
        ("chin-tuck", "Chin tuck"),
        ("chin-tuck", "Chin tuck"),
        ("seated-cervical-rotation", "Seated neck rotation"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut rec = Recorder::start(
            &path,
            &NewSession {
                exercise_id: id.to_owned(),
                exercise_name: name.to_owned(),
                source: "test".to_owned(),
                model: "movenet-thunder".to_owned(),
                rom_unit: "deg".to_owned(),
                started_unix_s: 1_760_000_000.0 + i as f64 * 120.0,
            },
        )
        .unwrap();
        for s in samples() {
            rec.push(s).unwrap();
        }
        ids.push(rec.finish().unwrap());
    }
    let store = Store::open(&path).unwrap();
    let run = store
        .start_routine_run("desk-neck", "Neck set for the desk")
        .unwrap();
    store.link_routine_session(ids[1], run, 0).unwrap();
    store.link_routine_session(ids[2], run, 1).unwrap();
    // The day strips as of the sessions' own day (9 October 2025, UTC), so
    // the picture does not change with the date the test runs.
    let today = formcoach::calendar::day_from_civil(2025, 10, 9);
    let mut view = HistoryView::new(store.sessions().unwrap()).as_of(today, 0);
    view.routine_links = store.routine_links().unwrap();
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, v: &mut HistoryView| {
            let _ = v.ui(ui);
        },
        view,
    );
    harness.run();
    harness.get_by_label(&format!("Neck set for the desk, step 1 · run {run}"));
    harness.get_by_label(&format!("Neck set for the desk, step 2 · run {run}"));
    assert!(
        harness.query_by_label_contains("step 3").is_none(),
        "the session of its own was marked"
    );
    snap(&mut harness, "history_routine");
}

/// The rest between two sets of one step (the desk reset's two rounds):
/// the strip over the live screen counts it down and offers to go now.
#[test]
fn the_rest_between_sets() {
    let exercises = exercises();
    let routine = routine("desk-reset");
    let mut player = RoutinePlayer::new(routine.clone(), &exercises).unwrap();
    player.begin(0.0);
    player.start_now();
    player.tick(0.0);
    assert_eq!(
        player.sets_completed(1),
        vec![Action::RestBetweenSets {
            step: 0,
            next_set: 2
        }]
    );
    player.tick(2.0);
    let rest = player.set_rest().unwrap();
    let name = routine.name.clone();
    let total = routine.steps.len();
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        move |ui, command: &mut Option<RoutineCommand>| {
            if let Some(c) =
                formcoach::ui::routine_view::playing_bar_ui(ui, &name, 0, total, Some(rest))
            {
                *command = Some(c);
            }
        },
        None,
    );
    harness.run();
    harness.get_by_label("Rest · set 2 of 2 in 3 s");
    snap(&mut harness, "routine_set_rest");
    harness.get_by_label("Go now (Enter)").click();
    harness.run();
    assert_eq!(*harness.state(), Some(RoutineCommand::StartNow));
}

/// The mobility check's summary: each figure beside its typical range and
/// the first check, and what the numbers cannot tell.
#[test]
fn routine_summary_shows_the_mobility_figures() {
    use formcoach::mobility::{Figure, Measure};
    use formcoach::ui::routine_view::MobilitySummary;
    let routine = routine("mobility-check");
    let fig = |measure, left: Option<f64>, right: Option<f64>, value: Option<f64>| Figure {
        measure,
        left_deg: left,
        right_deg: right,
        value_deg: value,
        frames_used: 200,
        frames_seen: 240,
        note: None,
    };
    let mut neck = fig(Measure::NeckRotation, None, None, None);
    neck.frames_used = 0;
    neck.note =
        Some("couldn't measure: the shoulders, nose and an ear were not seen clearly".into());
    let figures = vec![
        fig(Measure::ThoracicRotation, Some(38.0), Some(32.0), None),
        neck,
        fig(Measure::ArmsOverhead, Some(171.0), Some(158.0), None),
        fig(Measure::ChinTuck, None, None, Some(14.0)),
    ];
    let first = vec![
        fig(Measure::ThoracicRotation, Some(31.0), Some(33.0), None),
        fig(Measure::ArmsOverhead, Some(170.0), Some(150.0), None),
        fig(Measure::ChinTuck, None, None, Some(9.0)),
    ];
    let rows = routine
        .steps
        .iter()
        .map(|step| StepRow {
            exercise: step.exercise.clone(),
            step: step.clone(),
            end: Some(StepEnd::Done),
            progress: StepProgress::default(),
            totals: None,
            summary: None,
        })
        .collect();
    let view = RoutineSummaryView {
        name: routine.name.clone(),
        rows,
        notes: Vec::new(),
        mobility: Some(MobilitySummary {
            figures,
            first: Some(("3 November".to_owned(), first)),
        }),
    };
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, state: &mut RoutineSummaryView| {
            let _ = state.ui(ui);
        },
        view,
    );
    harness.run();
    harness.get_by_label_contains(
        "Mid-back rotation to the left improved from 31° to 38° since 3 November",
    );
    harness.get_by_label_contains("the right side is 6° behind");
    harness.get_by_label_contains("Neck rotation: left not measured");
    harness.get_by_label_contains("Typical range 160-180°");
    harness.get_by_label_contains("They are not a diagnosis");
    harness.get_by_label_contains("Pain, numbness, tingling or weakness mean stop");
    snap(&mut harness, "routine_summary_mobility");
}
