//! The window's app state, driven without a display.

#![allow(clippy::unwrap_used)]

use super::*;

/// Started with `--video` on a first start, the window went straight to
/// coaching and the safety notice was never shown.
#[test]
fn a_first_start_with_a_video_shows_the_safety_notice_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join(crate::store::DB_FILE));
    let options = WindowOptions {
        video: vec![dir.path().join("clip.mp4")],
        exercise: Some("chin-tuck".to_owned()),
        routine: None,
        // A model that cannot be opened: the start fails at once, with
        // nothing fetched, which is enough to see that it was tried.
        model: Some("no-such-model".to_owned()),
    };
    let mut app = FormcoachApp::with_history(&egui::Context::default(), options, store);
    if safety_accepted_for_this_run() {
        return;
    }
    assert!(matches!(app.screen(), Screen::Safety), "{:?}", app.screen());
    assert!(app.live.is_none(), "coaching began before the notice");
    app.apply(Command::AcceptSafety);
    assert!(app.pending_start.is_none(), "the video was not started");
    assert!(!matches!(app.screen(), Screen::Safety));
    let reopened = Store::open(&dir.path().join(crate::store::DB_FILE)).unwrap();
    assert!(Settings::load(Some(&reopened)).safety_accepted);
}

/// With a damaged history, a session coached from `--video` was lost: the
/// live view said "not writable", the summary nothing. The app now keeps
/// it, and the summary's button moves the damaged file aside and saves it.
#[test]
fn a_session_the_damaged_history_refused_is_kept_and_saved_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(crate::store::DB_FILE);
    std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
    let options = WindowOptions {
        video: Vec::new(),
        exercise: None,
        routine: None,
        model: None,
    };
    let mut app =
        FormcoachApp::with_history(&egui::Context::default(), options, Store::open(&path));
    assert!(app.store.is_none());
    let notice = app.picker.notice.clone().unwrap_or_default();
    assert!(notice.contains(&path.display().to_string()), "{notice}");

    app.unsaved.push(UnsavedSession {
        meta: crate::store::NewSession {
            exercise_id: "chin-tuck".to_owned(),
            ..crate::store::NewSession::default()
        },
        samples: vec![crate::store::Sample::default(); 5],
        thumbnails: Vec::new(),
    });
    app.screen = Screen::Summary(Box::new(SummaryView::new(
        "Chin tuck".to_owned(),
        false,
        String::new(),
        Vec::new(),
    )));
    app.apply(Command::Summary(SummaryCommand::MoveAsideAndSave));
    assert!(app.unsaved.is_empty());
    let store = app.store.as_ref().unwrap();
    let sessions = store.sessions().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(store.samples(sessions[0].id).unwrap().len(), 5);
    let Screen::Summary(view) = &app.screen else {
        panic!("left the summary")
    };
    assert!(view.notes[0].contains("saved"), "{:?}", view.notes);
}

/// A routine opens on its first step's announcement; skipping announces the
/// next, and stopping ends in one summary with a row per step.
#[test]
fn a_routine_is_announced_step_by_step_and_ends_in_one_summary() {
    use super::super::routine_view::RoutineCommand;
    use crate::routine::StepEnd;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join(crate::store::DB_FILE));
    let options = WindowOptions {
        video: Vec::new(),
        exercise: None,
        routine: Some("desk-neck".to_owned()),
        model: Some("no-such-model".to_owned()),
    };
    let mut app = FormcoachApp::with_history(&egui::Context::default(), options, store);
    app.audio.muted = true;
    assert_eq!(app.picker.selected_routine.as_deref(), Some("desk-neck"));
    let source = SourceSpec::Video {
        path: dir.path().join("clip.mp4"),
    };
    app.start_routine("desk-neck", source);
    let Screen::NextUp(view) = app.screen() else {
        panic!("{:?}", app.screen())
    };
    assert_eq!(view.index, 0);
    assert!(view.text.starts_with("Next: "), "{}", view.text);
    let steps = view.total;
    app.apply(Command::Routine(RoutineCommand::Skip));
    let Screen::NextUp(view) = app.screen() else {
        panic!("{:?}", app.screen())
    };
    assert_eq!(view.index, 1);
    app.apply(Command::Routine(RoutineCommand::Stop));
    let Screen::RoutineSummary(summary) = app.screen() else {
        panic!("{:?}", app.screen())
    };
    assert_eq!(summary.rows.len(), steps);
    assert_eq!(summary.rows[0].end, Some(StepEnd::Skipped));
    assert_eq!(summary.rows[1].end, None);
    assert!(app.routine.is_none());
}

/// The hourly desk reminder's "start" offers the desk-reset routine.
#[test]
fn the_desk_reminder_offers_the_desk_reset_routine() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join(crate::store::DB_FILE));
    let mut app =
        FormcoachApp::with_history(&egui::Context::default(), WindowOptions::default(), store);
    assert_eq!(app.picker.selected_routine, None);
    app.apply(Command::Reminder(ReminderCommand::Start));
    assert!(matches!(app.screen(), Screen::Picker));
    assert_eq!(app.picker.selected_routine.as_deref(), Some("desk-reset"));
}

/// Videos for a routine come one for all steps or one per step: a count
/// that fits neither is named on the first screen, and nothing starts.
#[test]
fn a_routine_given_the_wrong_number_of_videos_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join(crate::store::DB_FILE));
    let options = WindowOptions {
        video: Vec::new(),
        exercise: None,
        routine: None,
        model: Some("no-such-model".to_owned()),
    };
    let mut app = FormcoachApp::with_history(&egui::Context::default(), options, store);
    app.audio.muted = true;
    let clips: Vec<SourceSpec> = (0..7)
        .map(|i| SourceSpec::Video {
            path: dir.path().join(format!("clip{i}.mp4")),
        })
        .collect();
    app.start_routine_each("desk-neck", clips);
    assert!(matches!(app.screen(), Screen::Picker), "{:?}", app.screen());
    assert!(app.routine.is_none());
    let notice = app.picker.notice.clone().unwrap_or_default();
    assert!(notice.contains("7 videos"), "{notice}");
}

/// A mobility check played in the window is kept in the history and set
/// beside the first check there; the first check says it is the first.
#[test]
fn a_mobility_check_is_kept_and_compared_with_the_first() {
    use crate::mobility::{Figure, Measure};
    use crate::store::MobilityCheck;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(crate::store::DB_FILE);
    let app = FormcoachApp::with_history(
        &egui::Context::default(),
        WindowOptions::default(),
        Store::open(&path),
    );
    let fig = |left: f64| Figure {
        measure: Measure::ThoracicRotation,
        left_deg: Some(left),
        right_deg: Some(left - 6.0),
        value_deg: None,
        frames_used: 100,
        frames_seen: 120,
        note: None,
    };
    let mut notes = Vec::new();
    let first = app.keep_mobility_check(vec![fig(31.0)], None, &mut notes);
    assert!(
        first.first.is_none(),
        "nothing to compare the first check with"
    );
    assert!(notes.is_empty(), "{notes:?}");
    let store = app.store.as_ref().unwrap();
    let kept = store.mobility_checks().unwrap();
    assert_eq!(kept.len(), 1);
    let now = app.keep_mobility_check(vec![fig(38.0)], None, &mut notes);
    let (_, before) = now.first.expect("compared with the first check");
    assert_eq!(before, vec![fig(31.0)]);
    let all = store.mobility_checks().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all.iter()
            .map(|c: &MobilityCheck| c.figures[0].left_deg)
            .collect::<Vec<_>>(),
        [Some(31.0), Some(38.0)]
    );
}
