//! Snapshot tests of the window's screens, rendered headless with wgpu.
//!
//! Each screen's state is built here: the live screens are driven by a
//! recorded (synthetic) pose track from `fixtures/tracks` through the same
//! smoother and coach the pipeline uses, over a generated frame, with no
//! camera. Update the pictures with `UPDATE_SNAPSHOTS=1 cargo test --test
//! ui_snapshots` and look at them before committing.

// Helpers here run only inside tests: a panic is a failing test with a line number.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui_kittest::kittest::{NodeT as _, Queryable as _};
use egui_kittest::{Harness, SnapshotOptions};

use formcoach::audio::{AudioSettings, AudioStatus};
use formcoach::coach::{Catalogue, Coach, Exercise, Feedback, Severity};
use formcoach::live::{Stats, Status, THUMBNAIL_SIDE, Update};
use formcoach::motion::Smoother;
use formcoach::pose::PoseFrame;
use formcoach::pose::draw::thumbnail_jpeg;
use formcoach::session::{Report, Session, Stepper, read_track, sample_of};
use formcoach::source::camera::CameraInfo;
use formcoach::store::{NewSession, Recorder, Sample, Store, Thumbnail};
use formcoach::ui::history::HistoryView;
use formcoach::ui::live_view::LiveView;
use formcoach::ui::picker::{PickerCommand, PickerView};
use formcoach::ui::reminder::{Reminder, ReminderCommand};
use formcoach::ui::settings::{Settings, SettingsCommand, SettingsView};
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

fn exercise(id: &str) -> Exercise {
    let (cat, errors) = Catalogue::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    cat.get(id).cloned().unwrap()
}

fn track(exercise: &str, name: &str) -> Vec<PoseFrame> {
    read_track(
        &repo()
            .join("fixtures/tracks")
            .join(exercise)
            .join(format!("{name}.jsonl.gz")),
    )
    .unwrap()
    .frames
}

/// Runs frames through smoothing and coaching, as the pipeline does, and
/// returns the first frame (with its feedback) that `pick` accepts.
fn coach_until(
    ex: &Exercise,
    frames: &[PoseFrame],
    pick: impl Fn(&Feedback) -> bool,
) -> (PoseFrame, Feedback) {
    let mut smoother = Smoother::default();
    let mut coach = Coach::new(ex);
    for f in frames {
        let smooth = smoother.smooth(f);
        let fb = coach.step(&smooth);
        if pick(&fb) {
            return (smooth, fb);
        }
    }
    panic!("no frame matched");
}

/// A plain "room" picture the size of the track's frames: the test is about
/// the overlay and the cue, not about photographs.
fn frame_image(pose: &PoseFrame) -> image::RgbImage {
    image::RgbImage::from_fn(pose.width, pose.height, |x, y| {
        let shade = 70 + (y * 60 / pose.height.max(1)) as u8;
        let wall = if x < pose.width / 3 { 8 } else { 0 };
        image::Rgb([shade + wall, shade + wall / 2, shade])
    })
}

/// A screen whose `ui` returns commands; the state keeps the last command.
fn command_harness<V: 'static, C: 'static>(
    view: V,
    ui: fn(&mut V, &mut egui::Ui) -> Option<C>,
) -> Harness<'static, (V, Option<C>)> {
    Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        move |egui_ui, state: &mut (V, Option<C>)| {
            if let Some(c) = ui(&mut state.0, egui_ui) {
                state.1 = Some(c);
            }
        },
        (view, None),
    )
}

fn live_harness(view: LiveView) -> Harness<'static, LiveView> {
    Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, view: &mut LiveView| {
            let _ = view.ui(ui);
        },
        view,
    )
}

fn live_view(ex: Exercise, pose: PoseFrame, fb: Feedback) -> LiveView {
    let mut view = LiveView::new(ex, "recorded track".to_owned());
    view.apply(Update {
        image: Some(Arc::new(frame_image(&pose))),
        pose: Some(pose),
        feedback: Some(fb),
        stats: Stats {
            fps: 24.0,
            latency_ms: 41.0,
            inference_ms: 30.0,
            dropped_frames: 0,
        },
        status: Status::Running,
        store_error: None,
        audio_problem: None,
        progress: formcoach::routine::StepProgress::default(),
    });
    view
}

#[test]
fn picker() {
    let (cat, _) = Catalogue::builtin();
    let exercises: Vec<Exercise> = cat.iter().cloned().collect();
    let cameras = Ok(vec![CameraInfo {
        index: 0,
        name: "Integrated Webcam".to_owned(),
        description: "/dev/video0".to_owned(),
        mode: Some(formcoach::source::mode::Mode {
            width: 1280,
            height: 720,
            fps: 30,
        }),
    }]);
    let view = PickerView::new(exercises, Some("chin-tuck".to_owned()), cameras);
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, v: &mut PickerView| {
            let _ = v.ui(ui);
        },
        view,
    );
    harness.run();
    harness.get_by_label("Start");
    harness.get_by_label("Open a video…");
    // Choosing another exercise shows its details.
    harness.get_by_label("Thread the needle").click();
    harness.run();
    assert_eq!(
        harness.state().selected.as_deref(),
        Some("thread-the-needle")
    );
    harness.get_by_label("Chin tuck").click();
    harness.run();
    snap(&mut harness, "picker");
}

#[test]
fn picker_without_camera_offers_a_video() {
    let (cat, _) = Catalogue::builtin();
    let view = PickerView::new(cat.iter().cloned().collect(), None, Ok(Vec::new()));
    let mut harness = command_harness(view, PickerView::ui);
    harness.run();
    assert!(harness.query_by_label("Start").is_none());
    harness.get_by_label("Open a video…");
    // Where no file dialog can open, a typed path works too.
    harness
        .get_by_role(egui::accesskit::Role::TextInput)
        .focus();
    harness.run();
    harness
        .get_by_role(egui::accesskit::Role::TextInput)
        .type_text("/videos/stretch.mp4");
    harness.run();
    harness.get_by_label("Coach from this file").click();
    harness.run();
    let Some(PickerCommand::StartVideo { path, .. }) = harness.state().1.clone() else {
        panic!("expected StartVideo, got {:?}", harness.state().1);
    };
    assert_eq!(path, PathBuf::from("/videos/stretch.mp4"));
}

#[test]
fn placement_check() {
    // A side-view exercise seen from the front: the coach asks the person to turn.
    let ex = exercise("chin-tuck");
    let frames = track("seated-cervical-rotation", "clean-a");
    let (pose, fb) = coach_until(&ex, &frames, |fb| fb.placement.is_some());
    let text = fb.placement.clone().unwrap();
    let mut harness = live_harness(live_view(ex, pose, fb));
    harness.run();
    harness.get_by_label_contains(&text[..text.len().min(12)]);
    snap(&mut harness, "live_placement");
}

#[test]
fn live_view_with_a_warning() {
    let ex = exercise("chin-tuck");
    let frames = track("chin-tuck", "faults");
    let (pose, fb) = coach_until(&ex, &frames, |fb| {
        fb.cue
            .as_ref()
            .is_some_and(|c| c.severity == Severity::Warning)
    });
    let mut harness = live_harness(live_view(ex, pose, fb));
    harness.run();
    snap(&mut harness, "live_warning");
    // Space-bar handling lives in the app; the button says what it does.
    harness.get_by_label("Pause (Space)");
}

#[test]
fn live_view_draws_the_back_line_in_its_rule_colour() {
    // The low-back rule of the bench extension warning, with a traced back
    // line added to the pose (the synthetic tracks carry no silhouette): the
    // line runs from the hips to the shoulders in the warning's colour.
    let ex = exercise("bench-thoracic-extension");
    let frames = track("bench-thoracic-extension", "faults");
    let (mut pose, fb) = coach_until(&ex, &frames, |fb| {
        fb.cue
            .as_ref()
            .is_some_and(|c| c.severity == Severity::Warning && c.rule == "ribs-not-flaring")
    });
    let person = &mut pose.people[0];
    let at = |j: formcoach::pose::Joint| {
        let k = person.keypoint(j).unwrap();
        (k.x, k.y)
    };
    let (hip, shoulder) = (
        at(formcoach::pose::Joint::LeftHip),
        at(formcoach::pose::Joint::LeftShoulder),
    );
    // A sagging arc a fifth of the trunk's length above the hip-shoulder line.
    let (dx, dy) = (shoulder.0 - hip.0, shoulder.1 - hip.1);
    let len = dx.hypot(dy);
    // The normal pointing up the picture, where the back of a body on all
    // fours is.
    let up = if dx > 0.0 { 1.0 } else { -1.0 };
    let line = (0..=20)
        .map(|i| {
            let t = i as f32 / 20.0;
            let bulge = up * 0.2 * len * 4.0 * t * (1.0 - t);
            (
                hip.0 + dx * t + dy / len * bulge,
                hip.1 + dy * t - dx / len * bulge,
            )
        })
        .collect();
    person.spine = Some(formcoach::pose::spine::Spine {
        measure: formcoach::pose::spine::SpineMeasure {
            thoracic_curve_deg: 10.0,
            lumbar_curve_deg: -25.0,
            confidence: 0.9,
        },
        line,
    });
    let mut harness = live_harness(live_view(ex, pose, fb));
    harness.run();
    snap(&mut harness, "live_back_line");
}

/// A made-up timeline for the history screen: three weeks of one exercise.
fn samples() -> Vec<Sample> {
    (0..300)
        .map(|i| {
            let t_s = f64::from(i) * 0.1;
            let seen = !(120..150).contains(&i);
            let cue = ((60..80).contains(&i) || (200..215).contains(&i))
                .then(|| "Keep your hips still while you turn.".to_owned());
            let rep_end = i % 30 == 29;
            Sample {
                t_s,
                observable: seen,
                placement_ok: seen,
                good_form: seen && cue.is_none(),
                reps_left: (i + 1) / 30,
                reps_right: (i + 16) / 30,
                holds_left: 0,
                holds_right: 0,
                cue,
                rom_left: rep_end.then_some(30.0 + (i % 7) as f32),
                rom_right: (i % 30 == 14).then_some(24.0 + (i % 5) as f32),
                spine: None,
            }
        })
        .collect()
}

/// A recorded track with faults coached the way the pipeline does it: the
/// timeline samples and a picture of each moment a warning came up.
fn coached_session(ex: &Exercise, frames: &[PoseFrame]) -> (Vec<Sample>, Vec<Thumbnail>, Report) {
    let mut smoother = Smoother::default();
    let mut coach = Coach::new(ex);
    let mut session = Session::new(ex);
    let mut holds = [0; 2];
    let (mut samples, mut thumbs) = (Vec::new(), Vec::new());
    let mut last_cue: Option<String> = None;
    for f in frames {
        let smooth = smoother.smooth(f);
        let fb = coach.step(&smooth);
        session.record(&fb);
        let sample = sample_of(f.t.unwrap_or(0.0), &fb, &mut holds);
        if let Some(cue) = sample.cue.clone().filter(|c| last_cue.as_ref() != Some(c)) {
            let jpeg =
                thumbnail_jpeg(&frame_image(&smooth), &smooth.people, THUMBNAIL_SIDE).unwrap();
            thumbs.push(Thumbnail {
                t_s: sample.t_s,
                cue,
                jpeg,
            });
        }
        last_cue.clone_from(&sample.cue);
        samples.push(sample);
    }
    (samples, thumbs, session.finish())
}

/// A cat-cow session seen side-on by (simulated) BlazePose with its mask:
/// the summary gives how far the mid-back rounded and extended in each rep,
/// the figures `formcoach analyze` writes.
#[test]
fn summary_with_the_back_per_rep() {
    let ex = exercise("cat-cow");
    let spec = formcoach::synth::specs(
        formcoach::synth::DEFAULT_SEED,
        formcoach::synth::Model::Blaze33,
    )
    .into_iter()
    .find(|s| s.exercise.id == "cat-cow" && s.case == "clean-a")
    .unwrap();
    let frames = formcoach::synth::generate_track(&spec).frames;
    let mut stepper = Stepper::new(&ex);
    let samples: Vec<Sample> = frames.into_iter().map(|f| stepper.step(f).sample).collect();
    let report = stepper.finish();
    let view = SummaryView::new(
        ex.name.clone(),
        ex.sided(),
        ex.rom_unit().to_owned(),
        samples,
    );
    let spine = view.spine.clone().unwrap();
    assert_eq!(Some(&spine), report.spine.as_ref());
    assert_eq!(spine.reps.len(), report.reps.total as usize);
    assert!(spine.reps.len() >= 2);
    for r in &spine.reps {
        // The synthetic cat reads about 50 degrees rounded, the cow 6 arched.
        let (hi, lo) = (r.thoracic_max_deg.unwrap(), r.thoracic_min_deg.unwrap());
        assert!(hi > 40.0 && lo < 5.0, "rep {}: {lo}..{hi}", r.rep);
    }
    let lines = spine.lines();
    let mut harness = Harness::builder()
        .with_size([SIZE[0], 960.0])
        .wgpu()
        .build_ui_state(
            |ui, v: &mut SummaryView| {
                let _ = v.ui(ui);
            },
            view,
        );
    harness.run();
    harness.get_by_label_contains("Your mid-back, rep by rep");
    for line in &lines {
        harness.get_by_label(line);
    }
    snap(&mut harness, "summary_spine");
}

#[test]
fn summary() {
    let ex = exercise("thread-the-needle");
    let (samples, thumbs, report) = coached_session(&ex, &track("thread-the-needle", "faults"));
    let report_ratio = report.good_form_ratio;
    assert!(!thumbs.is_empty(), "the faults track should raise warnings");
    let view = SummaryView::new(
        ex.name.clone(),
        ex.sided(),
        ex.rom_unit().to_owned(),
        samples,
    )
    .with_thumbnails(thumbs);
    // The window's summary and `formcoach analyze` judge form the same way.
    let window_ratio = view.summary.good_form_ratio().unwrap();
    assert!(
        (window_ratio - report_ratio).abs() < 0.02,
        "window {window_ratio} vs report {report_ratio}"
    );
    assert!(view.summary.left.reps + view.summary.left.holds > 0);
    // ... and say the same sentences about it.
    let highlights = view.summary.highlights(ex.sided(), None);
    assert_eq!(highlights, report.highlights);
    assert!(!highlights.went_well.is_empty() && !highlights.to_work_on.is_empty());
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, v: &mut SummaryView| {
            let _ = v.ui(ui);
        },
        view,
    );
    harness.run();
    harness.get_by_label_contains("When the cues came up");
    for line in highlights.went_well.iter().chain(&highlights.to_work_on) {
        harness.get_by_label_contains(line);
    }
    harness.get_by_label_contains("exports leave them out");
    // MoveNet reads no silhouette: no word about the back.
    assert!(harness.query_by_label_contains("Your mid-back").is_none());
    snap(&mut harness, "summary");
}

#[test]
fn history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    for (k, day) in [(0.0_f32, 0.0), (4.0, 1.0), (7.0, 3.0)] {
        let mut rec = Recorder::start(
            &path,
            &NewSession {
                exercise_id: "seated-trunk-rotation".to_owned(),
                exercise_name: "Seated trunk rotation".to_owned(),
                source: "test".to_owned(),
                model: "movenet-thunder".to_owned(),
                rom_unit: "deg".to_owned(),
                started_unix_s: 1_760_000_000.0 + day * 86_400.0,
            },
        )
        .unwrap();
        for mut s in samples() {
            s.rom_left = s.rom_left.map(|v| v + k);
            s.good_form = s.good_form && (s.t_s > f64::from(k) * 2.0);
            rec.push(s).unwrap();
        }
        rec.finish().unwrap();
    }
    let store = Store::open(&path).unwrap();
    // As of Sunday 12 October 2025, in UTC: sessions on the 9th, 10th and 12th.
    let sunday = formcoach::calendar::day_from_civil(2025, 10, 12);
    let view = HistoryView::new(store.sessions().unwrap()).as_of(sunday, 0);
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, v: &mut HistoryView| {
            let _ = v.ui(ui);
        },
        view,
    );
    harness.run();
    harness.get_by_label("Export CSV…");
    // Plain counts of days, and never a streak to lose.
    harness.get_by_label("3 days this week, 3 this month.");
    harness.get_by_label(formcoach::ui::frequency::FREQUENCY_NOTE);
    assert!(harness.query_by_label_contains("streak").is_none());
    assert!(harness.query_by_label_contains("Mid-back").is_none());
    snap(&mut harness, "history");
}

/// Three cat-cow sessions read side-on with the back's curve, the mid-back
/// moving further each time: the history adds its trend beside the others.
#[test]
fn history_with_the_back_trend() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    for (k, day) in [(0.0_f32, 0.0), (5.0, 1.0), (9.0, 3.0)] {
        let mut rec = Recorder::start(
            &path,
            &NewSession {
                exercise_id: "cat-cow".to_owned(),
                exercise_name: "Cat-cow".to_owned(),
                source: "test".to_owned(),
                model: "blazepose-full".to_owned(),
                rom_unit: "torso".to_owned(),
                started_unix_s: 1_760_000_000.0 + day * 86_400.0,
            },
        )
        .unwrap();
        for mut s in samples() {
            // Rounds in the first half of each 3 s rep, arches in the second.
            let phase = (s.t_s / 3.0).fract() as f32;
            let curve = (std::f32::consts::TAU * phase).sin();
            let amplitude = if curve > 0.0 { 25.0 + k } else { 18.0 + k };
            s.spine = s.observable.then_some(formcoach::session::SpineSample {
                thoracic_deg: 18.0 + amplitude * curve,
                lumbar_deg: 5.0,
                confidence: 0.8,
            });
            rec.push(s).unwrap();
        }
        rec.finish().unwrap();
    }
    let store = Store::open(&path).unwrap();
    let sessions = store.sessions().unwrap();
    let typical: Vec<(f32, f32)> = sessions
        .iter()
        .rev()
        .map(|s| s.spine.as_ref().unwrap().typical().unwrap())
        .collect();
    assert!(
        typical[0].0 < typical[2].0 && typical[0].1 > typical[2].1,
        "{typical:?}"
    );
    let sunday = formcoach::calendar::day_from_civil(2025, 10, 12);
    let view = HistoryView::new(sessions).as_of(sunday, 0);
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, v: &mut HistoryView| {
            let _ = v.ui(ui);
        },
        view,
    );
    harness.run();
    harness.get_by_label("Mid-back per session, degrees (rounded +, arched −)");
    snap(&mut harness, "history_spine");
}

/// Sessions where the start position was never reached have no trend to
/// draw: the screen says so instead of showing empty axes.
#[test]
fn history_without_a_judged_session_says_why_there_is_no_trend() {
    use formcoach::ui::history::{NO_JUDGED_SESSION, NO_RANGE_YET};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let mut rec = Recorder::start(
        &path,
        &NewSession {
            exercise_id: "chin-tuck".to_owned(),
            exercise_name: "Chin tuck".to_owned(),
            source: "test".to_owned(),
            model: "blazepose-full".to_owned(),
            rom_unit: "deg".to_owned(),
            started_unix_s: 1_760_000_000.0,
        },
    )
    .unwrap();
    for mut s in samples() {
        s.placement_ok = false;
        s.good_form = false;
        (s.rom_left, s.rom_right) = (None, None);
        rec.push(s).unwrap();
    }
    rec.finish().unwrap();
    let store = Store::open(&path).unwrap();
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, v: &mut HistoryView| {
            let _ = v.ui(ui);
        },
        HistoryView::new(store.sessions().unwrap()),
    );
    harness.run();
    harness.get_by_label(NO_JUDGED_SESSION);
    harness.get_by_label(NO_RANGE_YET);
}

#[test]
fn safety_notice() {
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, accepted: &mut bool| {
            *accepted |= egui::CentralPanel::default()
                .show(ui, |ui| formcoach::ui::safety::SafetyView.ui(ui))
                .inner;
        },
        false,
    );
    harness.run();
    harness.get_by_label("I understand").click();
    harness.run();
    assert!(*harness.state());
    snap(&mut harness, "safety");
}

#[test]
fn settings_say_why_there_is_no_sound() {
    let status = AudioStatus {
        device: Some(Err(
            "no sound output (no default output device); coaching goes on in text".to_owned(),
        )),
        speech: Some(Ok("espeak-ng".to_owned())),
        voice: Some(
            "the speech engine espeak-ng has no voice `martian`; using its default voice"
                .to_owned(),
        ),
    };
    let voices = vec![
        ("en-gb".to_owned(), "English (Great Britain) (M)".to_owned()),
        ("en-us".to_owned(), "English (America) (M)".to_owned()),
    ];
    let view = SettingsView::with_status(
        Settings::default(),
        AudioSettings::default(),
        status,
        voices,
    );
    let mut harness = command_harness(view, SettingsView::ui);
    harness.run();
    harness.get_by_label_contains("No sound output");
    harness.get_by_label_contains("has no voice `martian`");
    harness.get_by_label_contains("Spoken cues by espeak-ng");
    // The reminder's quiet hours (21:00 to 08:00 in the picture).
    harness.get_by_label("Quiet hours: no reminder between");
    // Without a device there is nothing to play a sample on.
    assert!(
        harness
            .get_by_label("Play a sample")
            .accesskit_node()
            .is_disabled()
    );
    snap(&mut harness, "settings");
    // Turning the voice off is a change the app saves.
    harness
        .get_by_label("Speak cues, counts and countdowns")
        .click();
    harness.run();
    assert!(!harness.state().0.audio.voice_on);
    assert_eq!(harness.state().1, Some(SettingsCommand::Changed));
}

#[test]
fn desk_reset_reminder_over_the_picker() {
    let (cat, _) = Catalogue::builtin();
    let picker = PickerView::new(cat.iter().cloned().collect(), None, Ok(Vec::new()));
    let mut reminder = Reminder::new();
    reminder.tick(0.0, 3600.0, true, false);
    assert!(reminder.tick(3600.0, 3600.0, true, false));
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, s: &mut (PickerView, Reminder, Option<ReminderCommand>)| {
            if s.1.due()
                && let Some(c) = Reminder::ui(ui, 60)
            {
                s.2 = Some(c);
            }
            let _ = s.0.ui(ui);
        },
        (picker, reminder, None),
    );
    harness.run();
    harness.get_by_label_contains("60 minutes at the computer");
    snap(&mut harness, "reminder");
    harness.get_by_label("Start the desk reset").click();
    harness.run();
    assert_eq!(harness.state().2, Some(ReminderCommand::Start));
}

/// At the smallest window size nothing runs past the window's edge and a
/// long cue stays inside its strip above the picture.
#[test]
fn the_smallest_window_cuts_nothing_off() {
    use formcoach::ui::live_view::BANNER_HEIGHT;
    use formcoach::ui::settings::MIN_WINDOW_SIZE;
    let (cat, _) = Catalogue::builtin();
    let view = PickerView::new(
        cat.iter().cloned().collect(),
        Some("thread-the-needle".to_owned()),
        Ok(Vec::new()),
    );
    let mut harness = Harness::builder()
        .with_size(MIN_WINDOW_SIZE)
        .wgpu()
        .build_ui_state(
            |ui, v: &mut PickerView| {
                let _ = v.ui(ui);
            },
            view,
        );
    harness.run();
    for text in ["No camera found", "Open a video", "Camera"] {
        let rect = harness.get_by_label_contains(text).rect();
        assert!(
            rect.right() <= MIN_WINDOW_SIZE[0],
            "'{text}' runs past the window's edge: {rect:?}"
        );
    }

    let ex = exercise("chin-tuck");
    let frames = track("seated-cervical-rotation", "clean-a");
    let (pose, mut fb) = coach_until(&ex, &frames, |fb| fb.placement.is_some());
    let long = "Stand side-on to the camera with your arms relaxed, then hold still for a moment.";
    fb.placement = Some(long.to_owned());
    fb.cue = None;
    let mut harness = Harness::builder()
        .with_size(MIN_WINDOW_SIZE)
        .wgpu()
        .build_ui_state(
            |ui, view: &mut LiveView| {
                let _ = view.ui(ui);
            },
            live_view(ex, pose, fb),
        );
    harness.run();
    let rect = harness.get_by_label(long).rect();
    assert!(
        rect.bottom() <= BANNER_HEIGHT && rect.right() <= MIN_WINDOW_SIZE[0],
        "the cue does not fit its strip: {rect:?}"
    );
}

/// A made-up history of 30 mobility checks, twice a week for about fifteen
/// weeks: the trunk turns further each month, the right side lags, and a
/// few checks could not see the neck.
fn thirty_checks() -> Vec<formcoach::store::MobilityCheck> {
    use formcoach::mobility::{Figure, Measure};
    let start = 1_762_128_000.0; // Monday 3 November 2025, 00:00 UTC
    (0..30)
        .map(|i| {
            let i_f = f64::from(i);
            let wobble = (i_f * 1.7).sin() * 2.0;
            let fig = |measure, left: Option<f64>, right: Option<f64>| Figure {
                measure,
                left_deg: left,
                right_deg: right,
                value_deg: None,
                frames_used: 300,
                frames_seen: 320,
                note: None,
            };
            let trunk = 31.0 + i_f * 0.3 + wobble;
            let neck_seen = i % 7 != 3;
            formcoach::store::MobilityCheck {
                measured_unix_s: start + i_f * 3.5 * 86_400.0 + 9.0 * 3600.0,
                routine_run_id: None,
                figures: vec![
                    fig(Measure::ThoracicRotation, Some(trunk), Some(trunk - 6.0)),
                    fig(
                        Measure::NeckRotation,
                        neck_seen.then_some(62.0 + i_f * 0.2 + wobble),
                        neck_seen.then_some(66.0 + wobble),
                    ),
                    fig(Measure::ArmsOverhead, Some(165.0 + wobble), Some(168.0)),
                ],
            }
        })
        .collect()
}

#[test]
fn history_plots_thirty_mobility_checks_over_the_weeks() {
    use formcoach::ui::mobility_view::MobilityTrend;
    let checks = thirty_checks();
    // Sunday 22 February 2026, in UTC: after the last check.
    let sunday = formcoach::calendar::day_from_civil(2026, 2, 22);
    let mut view = HistoryView::new(Vec::new()).as_of(sunday, 0);
    view.mobility = MobilityTrend::new(checks, 0);
    let [left, right] = view.mobility.points();
    assert_eq!((left.len(), right.len()), (30, 30));
    // Weeks since the first check: 29 checks later at 3.5 days apart.
    assert!((left[29][0] - 14.5).abs() < 1e-9, "{:?}", left[29]);
    let mut harness = Harness::builder().with_size(SIZE).wgpu().build_ui_state(
        |ui, v: &mut HistoryView| {
            let _ = v.ui(ui);
        },
        view,
    );
    harness.run();
    harness.get_by_label("30 checks");
    harness.get_by_label_contains(
        "Mid-back rotation to the left improved from 31° to 38° since 3 November",
    );
    harness.get_by_label_contains("the right side is 6° behind");
    harness.get_by_label_contains("not a diagnosis");
    snap(&mut harness, "history_mobility");
    // Checks that could not see the neck leave gaps, not zeros.
    harness.state_mut().mobility.measure = formcoach::mobility::Measure::NeckRotation;
    let [left, right] = harness.state().mobility.points();
    assert_eq!((left.len(), right.len()), (26, 26));
    assert!(left.iter().all(|p| p[1] > 50.0));
}
