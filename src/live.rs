//! Live pipeline: the threads behind the coaching window.
//!
//! Capture (camera or real-time video) writes the newest frame into a
//! single-slot cell, replacing whatever is there, so it never waits for
//! inference. Inference takes the newest frame, runs pose -> smoothing ->
//! coach -> session exactly as `formcoach analyze` does, records the timeline
//! to the history file as it goes, and sends an [`Update`] on a bounded
//! channel before asking for a repaint. The window only ever `try_recv`s.
//!
//! Depends on `source`, `pose`, `motion`, `coach`, `session` and `store`;
//! nothing here knows about egui (a repaint is a plain callback).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use image::RgbImage;

use crate::audio::{Announcer, AudioSettings, Player};
use crate::coach::{Exercise, Feedback};
use crate::models::fetch::{Progress, ProgressSink};
use crate::models::runtime::SessionOptions;
use crate::pose::{self, PoseFrame};
use crate::session::{Report, Stepper};
use crate::source::Frame;
use crate::stats::nearest_rank;
use crate::store::{MAX_THUMBNAILS, NewSession, Recorder, Sample, Thumbnail};

/// Longer side of a warning picture, pixels.
pub const THUMBNAIL_SIDE: u32 = 192;

/// Updates waiting for the window. Small: only the newest matters, and a
/// backlog would show the person an old picture.
pub const UPDATE_QUEUE: usize = 4;

/// Frame rate assumed for a folder of frames played as a video.
pub const FOLDER_FPS: f64 = 30.0;

/// How often sleeping threads look at the cancel flag.
const POLL: Duration = Duration::from_millis(50);

/// How long to wait before trying a lost camera again.
const CAMERA_RETRY: Duration = Duration::from_secs(1);

/// Weight of the newest interval in the frame-rate average.
const FPS_SMOOTHING: f64 = 0.1;

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

/// Speed figures, measured with the wall clock (the only place it is read).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    /// Frames coached per second (smoothed).
    pub fps: f64,
    /// From the frame leaving the source to its cue being ready, milliseconds.
    pub latency_ms: f64,
    /// The pose model's own time for the frame, milliseconds.
    pub inference_ms: f64,
    /// Frames replaced in the slot before inference took them.
    pub dropped_frames: u64,
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
}

impl Update {
    fn status(status: Status) -> Update {
        Update {
            image: None,
            pose: None,
            feedback: None,
            stats: Stats::default(),
            status,
            store_error: None,
            audio_problem: None,
        }
    }
}

/// How fast a whole session ran: the figures behind "keeps up with the
/// camera", printed when the window ends a session.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SpeedSummary {
    /// Frames coached.
    pub frames: u64,
    /// Frames coached per second of wall time between the first and last.
    pub fps: f64,
    /// Frame-to-cue latency, median and 95th percentile, milliseconds.
    pub latency_p50_ms: f64,
    /// See `latency_p50_ms`.
    pub latency_p95_ms: f64,
    /// The pose model's own time per frame (median), milliseconds.
    pub inference_p50_ms: f64,
    /// Frames the source delivered that inference never saw (it was busy).
    pub dropped_frames: u64,
}

impl SpeedSummary {
    fn of(latencies_ms: &[f64], inference_ms: &[f64], wall_s: f64, dropped: u64) -> SpeedSummary {
        let frames = latencies_ms.len() as u64;
        SpeedSummary {
            frames,
            fps: if wall_s > 0.0 && frames > 1 {
                (frames - 1) as f64 / wall_s
            } else {
                0.0
            },
            latency_p50_ms: nearest_rank(latencies_ms, 0.5).unwrap_or(0.0),
            latency_p95_ms: nearest_rank(latencies_ms, 0.95).unwrap_or(0.0),
            inference_p50_ms: nearest_rank(inference_ms, 0.5).unwrap_or(0.0),
            dropped_frames: dropped,
        }
    }
}

impl std::fmt::Display for SpeedSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} frames coached at {:.1} fps; frame to cue {:.0} ms median, {:.0} ms 95th \
             percentile; pose model {:.0} ms median; {} frames skipped while busy",
            self.frames,
            self.fps,
            self.latency_p50_ms,
            self.latency_p95_ms,
            self.inference_p50_ms,
            self.dropped_frames
        )
    }
}

/// What a session left behind.
#[derive(Debug, Default)]
pub struct Outcome {
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

/// A frame with the moment it left the source.
struct Captured {
    frame: Frame,
    at: Instant,
}

/// What the capture thread hands over.
enum SlotItem {
    Frame(Captured),
    Ended,
    Lost(String),
    Failed(String),
}

/// The single-slot cell: the newest item replaces the old one.
#[derive(Default)]
struct Slot {
    item: Mutex<Option<SlotItem>>,
    ready: Condvar,
    dropped: AtomicU64,
}

impl Slot {
    fn put(&self, item: SlotItem) {
        let mut guard = self.item.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(guard.replace(item), Some(SlotItem::Frame(_))) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.ready.notify_one();
    }

    fn take(&self, timeout: Duration) -> Option<SlotItem> {
        let guard = self.item.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut guard, _) = self
            .ready
            .wait_timeout_while(guard, timeout, |item| item.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        guard.take()
    }
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

/// Sleeps up to `d`, waking early on cancel; returns whether cancelled.
fn nap(control: &Control, d: Duration) -> bool {
    let until = Instant::now() + d;
    while Instant::now() < until {
        if control.cancel.load(Ordering::Relaxed) {
            return true;
        }
        std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
    }
    control.cancel.load(Ordering::Relaxed)
}

fn capture_loop(source: &SourceSpec, slot: &Slot, control: &Control) {
    match source {
        SourceSpec::Video { path } => play_video(path, slot, control),
        SourceSpec::Camera { index, mirror } => run_camera(*index, *mirror, slot, control),
    }
}

/// Plays a file at its own pace: frame `t_s` is released `t_s` after the
/// start, with paused time added, so the window sees what a camera would give.
fn play_video(path: &std::path::Path, slot: &Slot, control: &Control) {
    let frames = match crate::source::open_frames(path, FOLDER_FPS) {
        Ok(f) => f,
        Err(e) => return slot.put(SlotItem::Failed(e.to_string())),
    };
    while !control.model_ready.load(Ordering::Relaxed) {
        if nap(control, POLL) {
            return;
        }
    }
    let mut start = Instant::now();
    for frame in frames {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => return slot.put(SlotItem::Failed(e.to_string())),
        };
        loop {
            if control.cancel.load(Ordering::Relaxed) {
                return;
            }
            let paused_at = Instant::now();
            if control.paused.load(Ordering::Relaxed) {
                std::thread::sleep(POLL);
                start += paused_at.elapsed();
                continue;
            }
            let due = start + Duration::from_secs_f64(frame.t_s.max(0.0));
            let now = Instant::now();
            if now >= due {
                break;
            }
            std::thread::sleep((due - now).min(POLL));
        }
        slot.put(SlotItem::Frame(Captured {
            frame,
            at: Instant::now(),
        }));
    }
    slot.put(SlotItem::Ended);
}

/// Reads a camera, reopening it when it goes away.
fn run_camera(index: u32, mirror: bool, slot: &Slot, control: &Control) {
    use crate::source::camera::Camera;
    while !control.cancel.load(Ordering::Relaxed) {
        let mut camera = match Camera::open(index, mirror) {
            Ok(c) => c,
            Err(e) => {
                slot.put(SlotItem::Lost(e.to_string()));
                if nap(control, CAMERA_RETRY) {
                    return;
                }
                continue;
            }
        };
        while !control.cancel.load(Ordering::Relaxed) {
            match camera.next_frame() {
                Ok(frame) => slot.put(SlotItem::Frame(Captured {
                    frame,
                    at: Instant::now(),
                })),
                Err(e) => {
                    slot.put(SlotItem::Lost(e.to_string()));
                    break;
                }
            }
        }
        drop(camera);
        if nap(control, CAMERA_RETRY) {
            return;
        }
    }
}

/// The unit of the exercise's first progress measure, for the history.
#[must_use]
pub fn rom_unit(exercise: &Exercise) -> String {
    exercise
        .rules
        .iter()
        .find_map(|r| r.kind.progress().and_then(|p| p.signal.as_ref()))
        .map(|s| s.measure.unit().label().to_owned())
        .unwrap_or_default()
}

/// State owned by the inference thread.
struct Inference {
    config: PipelineConfig,
    tx: SyncSender<Update>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    control: Arc<Control>,
    /// Clock, smoothing, coach and session: the same tail as `analyze`.
    stepper: Stepper,
    recorder: Option<Recorder>,
    store_error: Option<String>,
    coached_frames: u64,
    stats: Stats,
    last_done: Option<Instant>,
    first_done: Option<Instant>,
    latencies_ms: Vec<f64>,
    model_times_ms: Vec<f64>,
    /// The slot's drop counter when coaching began.
    dropped_before: u64,
    dropped_now: u64,
    thumbnails: Vec<Thumbnail>,
    last_cue: Option<String>,
    /// Turns feedback into spoken cues, counts and tones.
    announcer: Announcer,
    /// Plays them on its own thread; never blocks this one.
    player: Player,
}

impl Inference {
    fn new(
        config: PipelineConfig,
        tx: SyncSender<Update>,
        repaint: Arc<dyn Fn() + Send + Sync>,
        control: Arc<Control>,
    ) -> Inference {
        let stepper = Stepper::new(&config.exercise);
        let audio_settings = config.audio.sanitized();
        control.muted.store(audio_settings.muted, Ordering::Relaxed);
        let player = Player::start(&audio_settings);
        let announcer = Announcer::new(&config.exercise, audio_settings.clone());
        player.prepare(announcer.phrases());
        Inference {
            config,
            tx,
            repaint,
            control,
            stepper,
            recorder: None,
            store_error: None,
            coached_frames: 0,
            stats: Stats::default(),
            last_done: None,
            first_done: None,
            latencies_ms: Vec::new(),
            model_times_ms: Vec::new(),
            dropped_before: 0,
            dropped_now: 0,
            thumbnails: Vec::new(),
            last_cue: None,
            announcer,
            player,
        }
    }

    /// Speaks what the feedback calls for, following the window's mute switch
    /// (the window saves the choice).
    fn announce(&mut self, feedback: &Feedback) {
        let muted = self.control.muted.load(Ordering::Relaxed);
        if muted != self.player.is_muted() {
            self.player.set_muted(muted);
        }
        self.player.play_all(self.announcer.step(feedback));
    }

    fn send(&self, update: Update) {
        if matches!(update.status, Status::Running | Status::Paused) {
            match self.tx.try_send(update) {
                // The window is behind; it will pick up a newer picture.
                Ok(()) | Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {}
            }
        } else {
            // A change of state (the video ended, the camera went away, a
            // failure) must reach the window even when it is behind: dropping
            // "ended" once left the window on a finished video for good. The
            // window drains the queue every frame, so this waits a frame at most;
            // a closed window returns at once.
            (self.repaint)();
            let _ = self.tx.send(update);
        }
        (self.repaint)();
    }

    fn run(mut self, slot: &Slot, control: &Control) -> Outcome {
        self.send(Update::status(Status::Starting(format!(
            "Loading the pose model {}…",
            self.config.model
        ))));
        if let Err(e) = self.fetch_first() {
            self.send(Update::status(Status::Failed(format!(
                "The pose model {} could not be fetched: {e}",
                self.config.model
            ))));
            return self.finish();
        }
        let mut estimator =
            match pose::open_estimator(&self.config.model, SessionOptions::default()) {
                Ok(e) => e,
                Err(e) => {
                    // Debug text carries the runtime's real reason (see build notes).
                    self.send(Update::status(Status::Failed(format!(
                        "The pose model could not be started: {e}\n\n{e:?}"
                    ))));
                    return self.finish();
                }
            };
        control.model_ready.store(true, Ordering::Relaxed);
        self.send(Update::status(Status::Starting(
            "Waiting for the first picture…".to_owned(),
        )));
        while !control.cancel.load(Ordering::Relaxed) {
            let Some(item) = slot.take(POLL) else {
                continue;
            };
            let dropped = slot.dropped.load(Ordering::Relaxed);
            if !self.handle(item, dropped, estimator.as_mut()) {
                break;
            }
        }
        self.finish()
    }

    /// Handles one item from the slot, `dropped` being the slot's drop
    /// counter when it was taken; returns whether to go on. Everything the
    /// window sees of a frame passes through here, so the parity test can
    /// drive it frame for frame without the real-time slot in between.
    fn handle(
        &mut self,
        item: SlotItem,
        dropped: u64,
        estimator: &mut dyn pose::PoseEstimator,
    ) -> bool {
        match item {
            SlotItem::Frame(captured) => {
                if self.first_done.is_none() {
                    self.dropped_before = dropped;
                }
                self.dropped_now = dropped;
                if self.control.paused.load(Ordering::Relaxed) {
                    self.flush_store();
                    self.send(Update {
                        image: Some(Arc::new(captured.frame.image)),
                        ..Update::status(Status::Paused)
                    });
                } else if let Err(e) = self.coach_frame(estimator, captured) {
                    self.send(Update::status(Status::Failed(e)));
                    return false;
                }
                true
            }
            SlotItem::Ended => {
                self.send(Update::status(Status::Ended));
                false
            }
            SlotItem::Lost(why) => {
                self.flush_store();
                self.send(Update::status(Status::SourceLost(why)));
                true
            }
            SlotItem::Failed(why) => {
                self.send(Update::status(Status::Failed(why)));
                false
            }
        }
    }

    /// On a first start the model and ONNX Runtime are fetched and converted
    /// (about 170 MB from the registries); the banner says which step that
    /// is on instead of a bare "loading" for minutes.
    fn fetch_first(&self) -> Result<(), crate::models::ModelError> {
        let (tx, repaint) = (self.tx.clone(), self.repaint.clone());
        let model = self.config.model.clone();
        let sink: ProgressSink = Arc::new(move |step: &str| {
            let _ = tx.send(Update::status(Status::Starting(format!(
                "Getting the pose model {model} ready. This happens once and can take a few \
                 minutes.\n{step}"
            ))));
            repaint();
        });
        crate::models::fetch_missing(
            &pose::required_models(&self.config.model),
            &Progress::stderr().with_sink(sink),
        )
    }

    fn coach_frame(
        &mut self,
        estimator: &mut dyn pose::PoseEstimator,
        captured: Captured,
    ) -> Result<(), String> {
        let (raw, timings) =
            pose::estimate_frame(estimator, &captured.frame.image, Some(captured.frame.t_s))
                .map_err(|e| format!("The pose model failed on a frame: {e}"))?;
        let step = self.stepper.step(raw);
        let (smooth, feedback, sample) = (step.pose, step.feedback, step.sample);
        self.announce(&feedback);
        self.record(&sample);
        if sample.cue.is_some() && sample.cue != self.last_cue {
            self.keep_picture(
                feedback.t_s,
                sample.cue.clone(),
                &captured.frame.image,
                &smooth,
            );
        }
        self.last_cue = sample.cue;
        self.coached_frames += 1;

        let now = Instant::now();
        if let Some(prev) = self.last_done {
            let dt = now.duration_since(prev).as_secs_f64();
            if dt > 0.0 {
                let fps = 1.0 / dt;
                self.stats.fps = if self.stats.fps == 0.0 {
                    fps
                } else {
                    self.stats.fps + FPS_SMOOTHING * (fps - self.stats.fps)
                };
            }
        }
        self.last_done = Some(now);
        self.first_done.get_or_insert(now);
        self.stats.latency_ms = captured.at.elapsed().as_secs_f64() * 1000.0;
        self.stats.inference_ms = timings.total_ms();
        self.stats.dropped_frames = self.dropped_now.saturating_sub(self.dropped_before);
        self.latencies_ms.push(self.stats.latency_ms);
        self.model_times_ms.push(self.stats.inference_ms);
        let status = if self.control.paused.load(Ordering::Relaxed) {
            Status::Paused
        } else {
            Status::Running
        };
        self.send(Update {
            image: Some(Arc::new(captured.frame.image)),
            pose: Some(smooth),
            feedback: Some(feedback),
            stats: self.stats,
            status,
            store_error: self.store_error.clone(),
            audio_problem: self.player.problem(),
        });
        Ok(())
    }

    /// Keeps a small picture of the moment a warning came up (for the summary).
    fn keep_picture(&mut self, t_s: f64, cue: Option<String>, image: &RgbImage, pose: &PoseFrame) {
        let Some(cue) = cue else { return };
        if self.thumbnails.len() >= MAX_THUMBNAILS {
            return;
        }
        // A picture that cannot be encoded only loses the picture.
        let Ok(jpeg) = pose::draw::thumbnail_jpeg(image, &pose.people, THUMBNAIL_SIDE) else {
            return;
        };
        let thumb = Thumbnail { t_s, cue, jpeg };
        if let Some(rec) = self.recorder.as_mut() {
            rec.push_thumbnail(thumb.clone());
        }
        self.thumbnails.push(thumb);
    }

    /// Writes a sample to the history, opening the session on the first one
    /// (so a source that never delivers leaves no empty session behind).
    fn record(&mut self, sample: &Sample) {
        if self.store_error.is_some() {
            return;
        }
        let Some(path) = self.config.db_path.clone() else {
            return;
        };
        if self.recorder.is_none() {
            let started_unix_s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            let meta = NewSession {
                exercise_id: self.config.exercise.id.clone(),
                exercise_name: self.config.exercise.name.clone(),
                source: self.config.source.label(),
                model: self.config.model.clone(),
                rom_unit: rom_unit(&self.config.exercise),
                started_unix_s,
            };
            match Recorder::start(&path, &meta) {
                Ok(r) => self.recorder = Some(r),
                Err(e) => {
                    self.store_error = Some(e.to_string());
                    return;
                }
            }
        }
        if let Some(rec) = self.recorder.as_mut()
            && let Err(e) = rec.push(sample.clone())
        {
            self.store_error = Some(e.to_string());
            self.recorder = None;
        }
    }

    fn flush_store(&mut self) {
        if let Some(rec) = self.recorder.as_mut()
            && let Err(e) = rec.flush()
        {
            self.store_error = Some(e.to_string());
            self.recorder = None;
        }
    }

    fn finish(mut self) -> Outcome {
        let session_id = match self.recorder.take().map(Recorder::finish) {
            Some(Ok(id)) => Some(id),
            Some(Err(e)) => {
                self.store_error = Some(e.to_string());
                None
            }
            None => None,
        };
        let (report, samples) = self.stepper.finish_with_samples();
        let report = (self.coached_frames > 0).then_some(report);
        let wall_s = match (self.first_done, self.last_done) {
            (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
            _ => 0.0,
        };
        let speed = SpeedSummary::of(
            &self.latencies_ms,
            &self.model_times_ms,
            wall_s,
            self.dropped_now.saturating_sub(self.dropped_before),
        );
        Outcome {
            samples,
            report,
            session_id,
            store_error: self.store_error,
            speed,
            thumbnails: self.thumbnails,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_keeps_only_the_newest_frame() {
        let slot = Slot::default();
        for i in 0..3 {
            slot.put(SlotItem::Frame(Captured {
                frame: Frame {
                    t_s: f64::from(i),
                    image: RgbImage::new(1, 1),
                },
                at: Instant::now(),
            }));
        }
        assert_eq!(slot.dropped.load(Ordering::Relaxed), 2);
        let Some(SlotItem::Frame(c)) = slot.take(Duration::ZERO) else {
            panic!("expected a frame");
        };
        assert!((c.frame.t_s - 2.0).abs() < f64::EPSILON);
        assert!(slot.take(Duration::from_millis(1)).is_none());
    }

    #[test]
    fn speed_figures_use_nearest_rank_percentiles() {
        let lat: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = SpeedSummary::of(&lat, &[5.0, 7.0, 6.0], 9.9, 3);
        assert_eq!(s.frames, 100);
        assert!((s.fps - 10.0).abs() < 1e-9);
        assert!((s.latency_p50_ms - 50.0).abs() < 1e-9);
        assert!((s.latency_p95_ms - 95.0).abs() < 1e-9);
        assert!((s.inference_p50_ms - 6.0).abs() < 1e-9);
        assert!(SpeedSummary::of(&[], &[], 0.0, 0).fps.abs() < f64::EPSILON);
        assert!(s.to_string().contains("10.0 fps"));
    }

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
        let (tx, rx) = std::sync::mpsc::sync_channel(UPDATE_QUEUE);
        let config = PipelineConfig {
            source: SourceSpec::Video {
                path: PathBuf::from("parity"),
            },
            model: estimator.model_name().to_owned(),
            exercise: exercise.clone(),
            db_path: None,
            audio: AudioSettings {
                muted: true,
                ..AudioSettings::default()
            },
        };
        let mut inference =
            Inference::new(config, tx, Arc::new(|| {}), Arc::new(Control::default()));
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
        let report = inference.finish().report.unwrap();
        (events, report)
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
        let track = crate::session::read_track(
            &dir.join("fixtures/tracks/thread-the-needle/faults.jsonl.gz"),
        )
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

    /// The same over a real video through the default pose model (a clip
    /// labelled with a head-level fault, so a warning comes up). Needs
    /// `FORMCOACH_FIXTURES` (the shared fixtures folder) and the models
    /// (fetched on first use); without the fixtures it says so and passes.
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
