//! Live pipeline: the threads behind the coaching window.
//!
//! Capture (camera or real-time video) writes the newest frame into a
//! single-slot cell, replacing whatever is there, so it never waits for
//! inference. Inference takes the newest frame, runs pose -> smoothing ->
//! coach -> session exactly as `formcoach analyze` does, records the timeline
//! to the history file as it goes, and sends an [`Update`] on a bounded
//! channel before asking for a repaint. The window only ever `try_recv`s.
//!
//! Depends on `source`, `pose`, `motion`, `coach`, `session`, `routine`
//! (a step's progress) and `store`;
//! nothing here knows about egui (a repaint is a plain callback). One
//! module per job: `capture` (camera or paced video), `slot` (the
//! newest-frame cell), `inference` (pose, stepper, cues), `recording` (the
//! history) and `speed` (the figures).

mod capture;
mod error;
mod inference;
mod recording;
mod slot;
mod speed;

pub use error::LiveError;
pub use speed::{SpeedSummary, Stats};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::Duration;

use image::RgbImage;

use crate::audio::AudioSettings;
use crate::coach::{Exercise, Feedback};
use crate::pose::PoseFrame;
use crate::routine::StepProgress;
use crate::session::Report;
use crate::store::{NewSession, Sample, Thumbnail};
use capture::capture_loop;
use inference::Inference;
use slot::Slot;

/// Longer side of a warning picture, pixels.
pub const THUMBNAIL_SIDE: u32 = 192;

/// Updates waiting for the window. Small: only the newest matters, and a
/// backlog would show the person an old picture.
pub const UPDATE_QUEUE: usize = 4;

/// Frame rate assumed for a folder of frames played as a video.
pub const FOLDER_FPS: f64 = 30.0;

/// Where frames come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A webcam by index.
    Camera {
        /// Index from [`crate::source::camera::list_cameras`].
        index: u32,
        /// Flip left-right, like a mirror.
        mirror: bool,
    },
    /// A video file or folder of frames, played in real time.
    Video {
        /// The file or folder.
        path: PathBuf,
    },
}

impl SourceSpec {
    /// A short name for lists and the history.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            SourceSpec::Camera { index, .. } => format!("camera {index}"),
            SourceSpec::Video { path } => path.display().to_string(),
        }
    }
}

/// Everything the pipeline needs to start.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Frames from here.
    pub source: SourceSpec,
    /// Pose model name.
    pub model: String,
    /// The exercise being coached.
    pub exercise: Exercise,
    /// History file; `None` records nothing (read-only or broken history).
    pub db_path: Option<PathBuf>,
    /// What to say and play.
    pub audio: AudioSettings,
}

/// What the pipeline is doing, for the window's messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Loading the model or opening the source.
    Starting(String),
    /// Coaching.
    Running,
    /// Paused by the person: frames are shown, nothing is counted.
    Paused,
    /// The video reached its end.
    Ended,
    /// The camera stopped; it is being retried. Nothing recorded is lost.
    SourceLost(String),
    /// Cannot go on (no model, unreadable video).
    Failed(String),
}

/// One message from the inference thread to the window.
#[derive(Debug, Clone)]
pub struct Update {
    /// The picture the pose was computed on.
    pub image: Option<Arc<RgbImage>>,
    /// The smoothed pose, in the picture's pixels.
    pub pose: Option<PoseFrame>,
    /// What the coach said about it.
    pub feedback: Option<Feedback>,
    /// Speed figures.
    pub stats: Stats,
    /// Pipeline state.
    pub status: Status,
    /// Set when the history stopped accepting the timeline.
    pub store_error: Option<String>,
    /// Why there is no sound (no device, no speech engine, unknown voice).
    pub audio_problem: Option<String>,
    /// Reps and full holds since the start, counted on every frame (the
    /// window sees only the newest update, so it cannot count them itself):
    /// a routine step ends when its dose is reached.
    pub progress: StepProgress,
}

impl Update {
    /// A failure, in the words the window shows.
    fn failed(error: &LiveError) -> Update {
        Update::status(Status::Failed(error.to_string()))
    }

    fn status(status: Status) -> Update {
        Update {
            image: None,
            pose: None,
            feedback: None,
            stats: Stats::default(),
            status,
            store_error: None,
            audio_problem: None,
            progress: StepProgress::default(),
        }
    }
}

/// What a session left behind.
#[derive(Debug, Default)]
pub struct Outcome {
    /// What was known at the start; with `samples` and `thumbnails`, all a
    /// session the history could not take needs to be saved later.
    pub meta: NewSession,
    /// The timeline as recorded (also in the history when it was writable).
    pub samples: Vec<Sample>,
    /// The session's report, when at least one frame was coached.
    pub report: Option<Report>,
    /// Row id in the history.
    pub session_id: Option<i64>,
    /// Why the session is not (fully) in the history.
    pub store_error: Option<String>,
    /// How fast it ran.
    pub speed: SpeedSummary,
    /// A picture of each moment a warning came up.
    pub thumbnails: Vec<Thumbnail>,
}

/// Flags shared by the threads.
#[derive(Default)]
struct Control {
    cancel: AtomicBool,
    paused: AtomicBool,
    /// Sound off: cues stay on screen only (M in the window).
    muted: AtomicBool,
    /// The pose model is open: a video starts playing only then, so its
    /// first seconds are coached rather than skipped while the model loads
    /// (or, on a first start, downloads).
    model_ready: AtomicBool,
}

/// The running pipeline; dropping it stops and joins the threads.
pub struct LivePipeline {
    control: Arc<Control>,
    slot: Arc<Slot>,
    updates: Receiver<Update>,
    capture: Option<JoinHandle<()>>,
    inference: Option<JoinHandle<Outcome>>,
}

impl std::fmt::Debug for LivePipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivePipeline").finish_non_exhaustive()
    }
}

impl LivePipeline {
    /// Starts the capture and inference threads.
    ///
    /// `repaint` is called after every update (the window passes
    /// `ctx.request_repaint`).
    pub fn start(
        config: PipelineConfig,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<LivePipeline> {
        let control = Arc::new(Control::default());
        let slot = Arc::new(Slot::default());
        let (tx, updates) = std::sync::mpsc::sync_channel(UPDATE_QUEUE);
        let capture = {
            let (control, slot, source) = (control.clone(), slot.clone(), config.source.clone());
            std::thread::Builder::new()
                .name("capture".to_owned())
                .spawn(move || capture_loop(&source, &slot, &control))?
        };
        let inference = {
            let (shared, slot) = (control.clone(), slot.clone());
            let spawned = std::thread::Builder::new()
                .name("inference".to_owned())
                .spawn(move || {
                    Inference::new(config, tx, repaint, shared.clone()).run(&slot, &shared)
                });
            match spawned {
                Ok(handle) => handle,
                Err(e) => {
                    control.cancel.store(true, Ordering::Relaxed);
                    let _ = capture.join();
                    return Err(e);
                }
            }
        };
        Ok(LivePipeline {
            control,
            slot,
            updates,
            capture: Some(capture),
            inference: Some(inference),
        })
    }

    /// The newest update waiting, if any, dropping older ones (never blocks).
    #[must_use]
    pub fn latest(&self) -> Option<Update> {
        let mut newest = None;
        while let Ok(u) = self.updates.try_recv() {
            // A status change must not be lost under a newer plain frame.
            if newest.as_ref().is_some_and(|n: &Update| {
                n.status != Status::Running && u.status == Status::Running
            }) {
                continue;
            }
            newest = Some(u);
        }
        newest
    }

    /// Pauses or resumes counting (a video also stops playing).
    pub fn set_paused(&self, paused: bool) {
        self.control.paused.store(paused, Ordering::Relaxed);
        self.slot.ready.notify_all();
    }

    /// Turns spoken cues and tones off or on (the caller saves the choice).
    pub fn set_muted(&self, muted: bool) {
        self.control.muted.store(muted, Ordering::Relaxed);
    }

    /// Whether sound is off.
    #[must_use]
    pub fn muted(&self) -> bool {
        self.control.muted.load(Ordering::Relaxed)
    }

    /// Whether the inference thread has finished (the source ended or failed,
    /// or the pipeline was stopped).
    #[must_use]
    pub fn finished(&self) -> bool {
        self.inference.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Whether counting is paused.
    #[must_use]
    pub fn paused(&self) -> bool {
        self.control.paused.load(Ordering::Relaxed)
    }

    /// Stops both threads and returns what the session recorded.
    #[must_use]
    pub fn stop(mut self) -> Outcome {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Outcome {
        self.control.cancel.store(true, Ordering::Relaxed);
        self.slot.ready.notify_all();
        if let Some(c) = self.capture.take() {
            // A panicked capture thread has nothing left to give back.
            let _ = c.join();
        }
        let Some(inference) = self.inference.take() else {
            return Outcome::default();
        };
        // The inference thread may be waiting to hand over a change of state
        // (state changes are never dropped); keep the queue moving until it
        // is done, or stopping would wait on it forever.
        while !inference.is_finished() {
            while self.updates.try_recv().is_ok() {}
            std::thread::sleep(Duration::from_millis(2));
        }
        inference.join().unwrap_or_default()
    }
}

impl Drop for LivePipeline {
    fn drop(&mut self) {
        drop(self.shutdown());
    }
}

#[cfg(test)]
mod tests {
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
}
