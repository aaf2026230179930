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
use crate::mobility::{Figure, Measure};
use crate::pose::PoseFrame;
use crate::routine::StepProgress;
use crate::session::Report;
use crate::store::{NewSession, Sample, StoreError, Thumbnail};
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
    /// The mobility figure a routine step measures, if any: read here from
    /// every coached frame, as `analyze --routine` reads them, not from the
    /// frames the window happens to draw.
    pub measure: Option<Measure>,
}

/// What the pipeline is doing, for the window's messages.
#[derive(Debug, Clone)]
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
    Failed(LiveError),
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
    pub store_error: Option<Arc<StoreError>>,
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
        Update::status(Status::Failed(error.clone()))
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
    pub store_error: Option<Arc<StoreError>>,
    /// How fast it ran.
    pub speed: SpeedSummary,
    /// A picture of each moment a warning came up.
    pub thumbnails: Vec<Thumbnail>,
    /// The figure of `PipelineConfig::measure`, from every coached frame.
    pub figure: Option<Figure>,
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
                !matches!(n.status, Status::Running) && matches!(u.status, Status::Running)
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
mod tests;
