use super::capture::play_video;
use super::slot::SlotItem;
use super::*;
use std::time::Instant;

/// A folder of `n` plain frames, played as a 30 fps video.
fn frames_folder(n: u8) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    for i in 0..n {
        let img = RgbImage::from_pixel(64, 48, image::Rgb([i.wrapping_mul(10), 80, 120]));
        img.save(frames.join(format!("{i:03}.png"))).unwrap();
    }
    (dir, frames)
}

/// A video must not start playing while the model loads (or downloads):
/// its first seconds would be skipped, never coached.
#[test]
fn a_video_plays_from_its_start_once_the_model_is_ready() {
    let (_dir, frames) = frames_folder(5);
    let control = Arc::new(Control::default());
    let slot = Arc::new(Slot::default());
    let capture = {
        let (control, slot) = (control.clone(), slot.clone());
        std::thread::spawn(move || play_video(&frames, &slot, &control))
    };
    assert!(
        slot.take(Duration::from_millis(500)).is_none(),
        "the video played before the model was ready"
    );
    control.model_ready.store(true, Ordering::Relaxed);
    match slot.take(Duration::from_secs(10)) {
        Some(SlotItem::Frame(c)) => {
            assert!(c.frame.t_s < 0.1, "first frame at {}", c.frame.t_s);
        }
        Some(_) => panic!("expected the first frame, got the end or a failure"),
        None => panic!("no frame within 10 s of the model being ready"),
    }
    control.cancel.store(true, Ordering::Relaxed);
    capture.join().unwrap();
}

/// A pipeline playing `n` plain frames from a folder, muted, with no
/// history: the shape of a short video without needing a fixture.
fn pipeline_on_frames(n: u8) -> (tempfile::TempDir, LivePipeline) {
    let exercise = crate::coach::Catalogue::builtin_exercise("chin-tuck");
    let (dir, frames) = frames_folder(n);
    let pipeline = LivePipeline::start(
        PipelineConfig {
            source: SourceSpec::Video { path: frames },
            model: "movenet-lightning".to_owned(),
            exercise,
            measure: None,
            db_path: None,
            audio: AudioSettings {
                muted: true,
                ..AudioSettings::default()
            },
        },
        Arc::new(|| {}),
    )
    .unwrap();
    (dir, pipeline)
}

/// The window may be busy and not read updates for a while; the end of
/// the video must still reach it (it once got lost in a full queue and
/// the window sat on the finished video).
#[test]
fn the_end_of_a_video_reaches_a_window_that_was_not_reading() {
    let (_dir, pipeline) = pipeline_on_frames(20);
    // Not reading for a while: more updates than the queue holds pile up
    // (the 20 frames play in under a second once the model is loaded).
    let quiet = Instant::now() + Duration::from_secs(10);
    while !pipeline.finished() && Instant::now() < quiet {
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut last = None;
    let deadline = Instant::now() + Duration::from_mins(1);
    while Instant::now() < deadline {
        if let Some(u) = pipeline.latest() {
            last = Some(u.status);
        }
        if matches!(last, Some(Status::Ended | Status::Failed(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // Ended, or Failed when the models are not fetched: either way, said.
    assert!(
        matches!(last, Some(Status::Ended | Status::Failed(_))),
        "last status seen: {last:?}"
    );
}

/// Stopping while the inference thread waits to hand over "ended" (the
/// window not reading, as while it handles Esc or closes) must not hang.
#[test]
fn stopping_never_waits_on_a_window_that_is_not_reading() {
    let (_dir, pipeline) = pipeline_on_frames(12);
    // Long enough for the frames to fill the queue and "ended" (or
    // "failed", without models) to wait behind them.
    std::thread::sleep(Duration::from_secs(8));
    let (done_tx, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(pipeline.stop());
    });
    assert!(
        done.recv_timeout(Duration::from_secs(30)).is_ok(),
        "stopping the pipeline hung"
    );
}

#[test]
fn an_unreadable_video_fails_without_panicking() {
    let exercise = crate::coach::Catalogue::builtin_exercise("chin-tuck");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("not-a-video.mp4");
    std::fs::write(&bad, b"nonsense").unwrap();
    let pipeline = LivePipeline::start(
        PipelineConfig {
            source: SourceSpec::Video { path: bad },
            model: "movenet-thunder".to_owned(),
            exercise,
            measure: None,
            db_path: Some(dir.path().join("h.sqlite3")),
            audio: AudioSettings::default(),
        },
        Arc::new(|| {}),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_mins(1);
    let mut failed = false;
    while Instant::now() < deadline && !failed {
        if let Some(u) = pipeline.latest() {
            failed = matches!(u.status, Status::Failed(_));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(failed, "no failure status reported");
    let outcome = pipeline.stop();
    assert!(outcome.samples.is_empty());
    assert!(outcome.session_id.is_none());
}
