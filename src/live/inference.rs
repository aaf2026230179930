//! The inference thread: takes the newest frame from the slot, runs pose
//! and the session stepper (the same tail as `formcoach analyze`), speaks
//! the cues, records the timeline and sends the window an [`Update`].

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{SyncSender, TrySendError};

use super::capture::POLL;
use super::recording::Recording;
use super::slot::{Captured, Slot, SlotItem};
use super::speed::SpeedMeter;
use super::{Control, LiveError, Outcome, PipelineConfig, Status, Update};
use crate::audio::{Announcer, Player};
use crate::coach::Feedback;
use crate::mobility::Meter;
use crate::models::fetch::{Progress, ProgressSink};
use crate::models::runtime::SessionOptions;
use crate::pose;
use crate::routine::StepProgress;
use crate::session::Stepper;

/// State owned by the inference thread.
pub(super) struct Inference {
    config: PipelineConfig,
    tx: SyncSender<Update>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    control: Arc<Control>,
    /// Clock, smoothing, coach and session: the same tail as `analyze`.
    stepper: Stepper,
    /// The timeline and pictures going to the history.
    recording: Recording,
    coached_frames: u64,
    speed: SpeedMeter,
    /// Turns feedback into spoken cues, counts and tones.
    announcer: Announcer,
    /// Plays them on its own thread; never blocks this one.
    player: Player,
    /// Reps and full holds so far, for a routine step's end.
    progress: StepProgress,
    /// Reads a routine step's mobility figure from every coached frame.
    meter: Option<Meter>,
}

impl Inference {
    pub(super) fn new(
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
        let recording = Recording::new(&config);
        let meter = config.measure.map(Meter::new);
        Inference {
            config,
            tx,
            repaint,
            control,
            stepper,
            recording,
            coached_frames: 0,
            speed: SpeedMeter::default(),
            announcer,
            player,
            progress: StepProgress::default(),
            meter,
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

    pub(super) fn run(mut self, slot: &Slot, control: &Control) -> Outcome {
        self.send(Update::status(Status::Starting(format!(
            "Loading the pose model {}…",
            self.config.model
        ))));
        if let Err(e) = self.fetch_first() {
            self.send(Update::failed(&LiveError::Fetch {
                model: self.config.model.clone(),
                error: Arc::new(e),
            }));
            return self.finish();
        }
        // The mask graph costs time per frame: only exercises whose rules
        // read the back's curve run it.
        let spine = self.config.exercise.reads_spine();
        let mut estimator =
            match pose::open_estimator_with(&self.config.model, SessionOptions::default(), spine) {
                Ok(e) => e,
                Err(e) => {
                    self.send(Update::failed(&LiveError::Open(Arc::new(e))));
                    return self.finish();
                }
            };
        if let Err(e) = pose::warm_up(estimator.as_mut()) {
            self.send(Update::failed(&LiveError::Open(Arc::new(e))));
            return self.finish();
        }
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
                self.speed.taken(dropped);
                if self.control.paused.load(Ordering::Relaxed) {
                    self.recording.flush();
                    self.send(Update {
                        image: Some(Arc::new(captured.frame.image)),
                        ..Update::status(Status::Paused)
                    });
                } else if let Err(e) = self.coach_frame(estimator, captured) {
                    self.send(Update::failed(&e));
                    return false;
                }
                true
            }
            SlotItem::Ended => {
                self.send(Update::status(Status::Ended));
                false
            }
            SlotItem::Lost(why) => {
                self.recording.flush();
                self.send(Update::status(Status::SourceLost(why.to_string())));
                true
            }
            SlotItem::Failed(why) => {
                self.send(Update::failed(&why));
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
            &pose::required_models_with(&self.config.model, self.config.exercise.reads_spine()),
            &Progress::stderr().with_sink(sink),
        )
    }

    fn coach_frame(
        &mut self,
        estimator: &mut dyn pose::PoseEstimator,
        captured: Captured,
    ) -> Result<(), LiveError> {
        let (raw, timings) =
            pose::estimate_frame(estimator, &captured.frame.image, Some(captured.frame.t_s))
                .map_err(|e| LiveError::Frame(Arc::new(e)))?;
        if let Some(meter) = &mut self.meter {
            // The model's own poses, as `analyze` measures them: the meter
            // smooths them its own way.
            meter.push(&raw);
        }
        let step = self.stepper.step(raw);
        let (smooth, feedback, sample) = (step.pose, step.feedback, step.sample);
        self.announce(&feedback);
        self.progress.observe(&feedback);
        self.recording
            .frame(&sample, feedback.t_s, &captured.frame.image, &smooth);
        self.coached_frames += 1;
        let speed = self.speed.done(captured.at, timings.total_ms());
        let status = if self.control.paused.load(Ordering::Relaxed) {
            Status::Paused
        } else {
            Status::Running
        };
        self.send(Update {
            image: Some(Arc::new(captured.frame.image)),
            pose: Some(smooth),
            feedback: Some(feedback),
            stats: speed,
            status,
            store_error: self.recording.error(),
            audio_problem: self.player.problem(),
            progress: self.progress,
        });
        Ok(())
    }

    fn finish(self) -> Outcome {
        let recorded = self.recording.finish();
        let (report, samples) = self.stepper.finish_with_samples();
        let report = (self.coached_frames > 0).then_some(report);
        Outcome {
            meta: recorded.meta,
            samples,
            report,
            session_id: recorded.session_id,
            store_error: recorded.error,
            speed: self.speed.summary(),
            thumbnails: recorded.thumbnails,
            figure: self.meter.as_ref().map(Meter::figure),
        }
    }
}

#[cfg(test)]
mod tests;
