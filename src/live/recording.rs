//! What a live session leaves in the history: the timeline, written as it
//! goes so a crash loses little, and a picture of each warning.

use std::path::PathBuf;
use std::sync::Arc;

use image::RgbImage;

use super::{PipelineConfig, THUMBNAIL_SIDE};
use crate::pose::{self, PoseFrame};
use crate::store::{MAX_THUMBNAILS, NewSession, Recorder, Sample, StoreError, Thumbnail};

/// The history side of one session. A history that stops accepting writes
/// only stops the recording: coaching goes on and the error is shown.
pub(super) struct Recording {
    /// History file; `None` records nothing.
    db_path: Option<PathBuf>,
    /// The session's row, written on the first sample.
    meta: NewSession,
    recorder: Option<Recorder>,
    /// Why the history stopped accepting the timeline; kept as the error
    /// itself, and put in words only where the window shows it.
    error: Option<Arc<StoreError>>,
    thumbnails: Vec<Thumbnail>,
    last_cue: Option<String>,
}

/// What the recording left behind.
pub(super) struct Recorded {
    /// What was known at the start (with the wall-clock start of the first
    /// coached frame), so a session the history refused can still be kept.
    pub(super) meta: NewSession,
    /// Row id in the history.
    pub(super) session_id: Option<i64>,
    /// Why the session is not (fully) in the history.
    pub(super) error: Option<Arc<StoreError>>,
    /// A picture of each moment a warning came up.
    pub(super) thumbnails: Vec<Thumbnail>,
}

impl Recording {
    pub(super) fn new(config: &PipelineConfig) -> Recording {
        Recording {
            db_path: config.db_path.clone(),
            meta: NewSession {
                exercise_id: config.exercise.id.clone(),
                exercise_name: config.exercise.name.clone(),
                source: config.source.label(),
                model: config.model.clone(),
                rom_unit: config.exercise.rom_unit().to_owned(),
                started_unix_s: 0.0,
            },
            recorder: None,
            error: None,
            thumbnails: Vec::new(),
            last_cue: None,
        }
    }

    /// Why the history stopped accepting the timeline, if it did.
    pub(super) fn error(&self) -> Option<Arc<StoreError>> {
        self.error.clone()
    }

    /// Records one coached frame, and a picture of it when a new warning
    /// came up on it.
    pub(super) fn frame(&mut self, sample: &Sample, t_s: f64, image: &RgbImage, pose: &PoseFrame) {
        self.record(sample);
        if sample.cue.is_some() && sample.cue != self.last_cue {
            self.keep_picture(t_s, sample.cue.clone(), image, pose);
        }
        self.last_cue.clone_from(&sample.cue);
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
        if self.meta.started_unix_s == 0.0 {
            self.meta.started_unix_s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
        }
        if self.error.is_some() {
            return;
        }
        let Some(path) = self.db_path.clone() else {
            return;
        };
        if self.recorder.is_none() {
            match Recorder::start(&path, &self.meta) {
                Ok(r) => self.recorder = Some(r),
                Err(e) => {
                    self.error = Some(Arc::new(e));
                    return;
                }
            }
        }
        if let Some(rec) = self.recorder.as_mut()
            && let Err(e) = rec.push(sample.clone())
        {
            self.error = Some(Arc::new(e));
            self.recorder = None;
        }
    }

    /// Commits what is buffered (on pause, or when the source goes away).
    pub(super) fn flush(&mut self) {
        if let Some(rec) = self.recorder.as_mut()
            && let Err(e) = rec.flush()
        {
            self.error = Some(Arc::new(e));
            self.recorder = None;
        }
    }

    /// Closes the session in the history.
    pub(super) fn finish(mut self) -> Recorded {
        let session_id = match self.recorder.take().map(Recorder::finish) {
            Some(Ok(id)) => Some(id),
            Some(Err(e)) => {
                self.error = Some(Arc::new(e));
                None
            }
            None => None,
        };
        Recorded {
            meta: self.meta,
            session_id,
            error: self.error,
            thumbnails: self.thumbnails,
        }
    }
}
