use std::path::PathBuf;
use std::time::Instant;

use image::RgbImage;

use super::super::{FOLDER_FPS, SourceSpec, UPDATE_QUEUE};
use super::*;
use crate::audio::AudioSettings;
use crate::coach::Exercise;
use crate::pose::PoseFrame;
use crate::session::Report;
use crate::source::Frame;

/// Hands back a recorded track's people as if a model had found them,
/// so the window's path runs without pixels or a model file.
struct Replay(std::vec::IntoIter<PoseFrame>);

impl pose::PoseEstimator for Replay {
    fn model_name(&self) -> &'static str {
        "replay"
    }
    fn estimate(&mut self, _frame: &RgbImage) -> Result<pose::Estimate, pose::PoseError> {
        let found = self.0.next();
        Ok(pose::Estimate {
            others_present: found.as_ref().map_or(0, |f| f.others_present),
            people: found.map(|f| f.people).unwrap_or_default(),
            timings: pose::StageTimings::default(),
        })
    }
    fn run_bare(&mut self) -> Result<(), pose::PoseError> {
        Ok(())
    }
}

/// The window's inference path, frame for frame: each frame goes through
/// `Inference::handle` as the slot hands it over, without the real-time
/// pacing that skips frames while inference is busy. Returns the
/// feedback events the window was sent and the session's report.
fn window_path(
    exercise: &Exercise,
    frames: impl Iterator<Item = Frame>,
    estimator: &mut dyn pose::PoseEstimator,
) -> (Vec<crate::coach::Event>, Report) {
    let (events, outcome) = window_outcome(exercise, None, frames, estimator);
    (events, outcome.report.unwrap())
}

/// `window_path` with a mobility measure, returning the whole outcome.
fn window_outcome(
    exercise: &Exercise,
    measure: Option<crate::mobility::Measure>,
    frames: impl Iterator<Item = Frame>,
    estimator: &mut dyn pose::PoseEstimator,
) -> (Vec<crate::coach::Event>, crate::live::Outcome) {
    let (tx, rx) = std::sync::mpsc::sync_channel(UPDATE_QUEUE);
    let config = PipelineConfig {
        source: SourceSpec::Video {
            path: PathBuf::from("parity"),
        },
        model: estimator.model_name().to_owned(),
        exercise: exercise.clone(),
        measure,
        db_path: None,
        audio: AudioSettings {
            muted: true,
            ..AudioSettings::default()
        },
    };
    let mut inference = Inference::new(config, tx, Arc::new(|| {}), Arc::new(Control::default()));
    let mut events = Vec::new();
    let drain = |events: &mut Vec<crate::coach::Event>| {
        while let Ok(u) = rx.try_recv() {
            assert!(!matches!(u.status, Status::Failed(_)), "{:?}", u.status);
            events.extend(u.feedback.into_iter().flat_map(|f| f.events));
        }
    };
    for frame in frames {
        let captured = Captured {
            frame,
            at: Instant::now(),
        };
        assert!(inference.handle(SlotItem::Frame(captured), 0, estimator));
        drain(&mut events);
    }
    assert!(!inference.handle(SlotItem::Ended, 0, estimator));
    drain(&mut events);
    (events, inference.finish())
}

/// `formcoach analyze`'s path over the same frames.
fn analyze_path(
    exercise: &Exercise,
    frames: impl Iterator<Item = Frame> + Send,
    estimator: &mut dyn pose::PoseEstimator,
) -> Report {
    let (report, failure) =
        crate::cli::analyze::coach_frames(exercise, frames.map(Ok), estimator, None).unwrap();
    assert!(failure.is_none(), "{failure:?}");
    report.unwrap()
}

fn assert_same_coaching(window: &(Vec<crate::coach::Event>, Report), analyze: &Report) {
    let (events, report) = window;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, crate::coach::Event::WarningStart { .. })),
        "no warning came up, so the comparison proves little: {events:?}"
    );
    assert_eq!(
        events, &analyze.timeline,
        "the window was sent other events"
    );
    assert_eq!(report.timeline, analyze.timeline);
    assert_eq!(report.to_json().unwrap(), analyze.to_json().unwrap());
}

/// The window and `analyze` coach a recorded track alike, event for
/// event: they step the same code. Runs everywhere (a committed track).
#[test]
fn the_window_and_analyze_coach_a_track_alike() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let track =
        crate::session::read_track(&dir.join("fixtures/tracks/thread-the-needle/faults.jsonl.gz"))
            .unwrap();
    let exercise = crate::coach::Catalogue::builtin_exercise("thread-the-needle");
    let frames = || {
        track.frames.iter().map(|f| Frame {
            t_s: f.t.unwrap(),
            image: RgbImage::new(f.width, f.height),
        })
    };
    let window = window_path(
        &exercise,
        frames(),
        &mut Replay(track.frames.clone().into_iter()),
    );
    let analyze = analyze_path(
        &exercise,
        frames(),
        &mut Replay(track.frames.clone().into_iter()),
    );
    assert_eq!(analyze.frames, track.frames.len() as u64);
    assert_same_coaching(&window, &analyze);
}

/// A routine step's mobility figure is read from every frame the coach
/// sees, as `analyze --routine` reads it: the same figure, not one from
/// the fewer frames the window happens to draw.
#[test]
fn the_window_measures_a_mobility_figure_as_analyze_does() {
    use crate::mobility::{Measure, Meter};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let track = crate::session::read_track(
        &dir.join("fixtures/tracks/overhead-arm-raise/clean-a.jsonl.gz"),
    )
    .unwrap();
    let exercise = crate::coach::Catalogue::builtin_exercise("overhead-arm-raise");
    let frames = track.frames.iter().map(|f| Frame {
        t_s: f.t.unwrap(),
        image: RgbImage::new(f.width, f.height),
    });
    let (_, outcome) = window_outcome(
        &exercise,
        Some(Measure::ArmsOverhead),
        frames,
        &mut Replay(track.frames.clone().into_iter()),
    );
    let mut meter = Meter::new(Measure::ArmsOverhead);
    for f in &track.frames {
        meter.push(f);
    }
    let analyze = meter.figure();
    assert_eq!(analyze.frames_seen, track.frames.len());
    assert!(
        analyze.left_deg.is_some() || analyze.right_deg.is_some(),
        "{analyze:?}"
    );
    assert_eq!(outcome.figure, Some(analyze));
}

/// The same over a real video through the default pose model (a clip
/// labelled with a head-level fault, so a warning comes up). Needs
/// `FORMCOACH_FIXTURES` (the shared fixtures folder) and the models
/// (fetched first when missing); without the fixtures it says so and passes.
#[test]
fn the_window_and_analyze_coach_a_real_video_alike() {
    let Some(dir) = std::env::var_os("FORMCOACH_FIXTURES").filter(|d| !d.is_empty()) else {
        eprintln!(
            "SKIPPED the_window_and_analyze_coach_a_real_video_alike: FORMCOACH_FIXTURES \
             is not set (point it at the shared fixtures folder; .ci/run does)"
        );
        return;
    };
    let video = PathBuf::from(dir).join("video/seated_sidebend_chair_front_01.mp4");
    let exercise = crate::coach::Catalogue::builtin_exercise("seated-cervical-rotation");
    let model = pose::DEFAULT_MODEL;
    crate::models::fetch_missing(&pose::required_models(model), &Progress::stderr()).unwrap();
    let open = || {
        crate::source::open_frames(&video, FOLDER_FPS)
            .unwrap()
            .map(Result::unwrap)
    };
    let mut estimator = pose::open_estimator(model, SessionOptions::default()).unwrap();
    let window = window_path(&exercise, open(), estimator.as_mut());
    let mut estimator = pose::open_estimator(model, SessionOptions::default()).unwrap();
    let analyze = analyze_path(&exercise, open(), estimator.as_mut());
    assert_same_coaching(&window, &analyze);
}
