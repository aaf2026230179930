//! Webcams, through nokhwa. The only file in the project that uses nokhwa, so
//! a change of camera library touches nothing else.
//!
//! Cameras carry no presentation timestamps through nokhwa's portable API, so
//! a frame's time is when its buffer arrived, measured from the moment the
//! stream opened: that is the camera's own clock as far as the pipeline can
//! see it, and the pipeline never reads the wall clock itself.

use std::time::Instant;

use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{ApiBackend, CameraFormat, CameraIndex, RequestedFormat, RequestedFormatType};

use crate::source::Frame;
use crate::source::mode::{self, Mode};

/// What can go wrong with a camera.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CameraError {
    /// Listing the cameras failed (no driver, no permission).
    #[error("cannot list cameras: {0}")]
    Query(String),
    /// The camera could not be opened or started.
    #[error("cannot open camera {index}: {reason}")]
    Open {
        /// Its position in the list.
        index: u32,
        /// nokhwa's words.
        reason: String,
    },
    /// The camera stopped delivering frames (unplugged, taken by another program).
    #[error("camera {index} stopped sending pictures: {reason}")]
    Lost {
        /// Its position in the list.
        index: u32,
        /// nokhwa's words.
        reason: String,
    },
}

/// One camera as listed to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraInfo {
    /// Index to open it by.
    pub index: u32,
    /// The name the driver gives.
    pub name: String,
    /// Driver details (bus, path), for telling two identical cameras apart.
    pub description: String,
    /// The mode formcoach would stream (`None`: the camera could not be
    /// asked, for example because another program is using it).
    pub mode: Option<Mode>,
}

/// Lists every camera the platform's native backend can see. No camera is an
/// empty list, not an error.
pub fn list_cameras() -> Result<Vec<CameraInfo>, CameraError> {
    let infos = nokhwa::query(ApiBackend::Auto).map_err(|e| CameraError::Query(e.to_string()))?;
    Ok(infos
        .iter()
        .enumerate()
        .map(|(i, info)| {
            let index = match info.index() {
                CameraIndex::Index(n) => *n,
                CameraIndex::String(_) => i as u32,
            };
            // Asking for the modes opens the device briefly; a busy camera
            // still gets listed, just without them.
            let mode = nokhwa::Camera::new(
                CameraIndex::Index(index),
                RequestedFormat::new::<RgbFormat>(RequestedFormatType::None),
            )
            .and_then(|mut cam| cam.compatible_camera_formats())
            .ok()
            .and_then(|formats| best_format(&formats))
            .map(|f| as_mode(&f));
            CameraInfo {
                index,
                name: info.human_name(),
                description: info.description().to_owned(),
                mode,
            }
        })
        .collect())
}

impl CameraInfo {
    /// `Name (1280×720, 30 fps)`, with the driver details when `detailed`.
    #[must_use]
    pub fn label(&self, detailed: bool) -> String {
        let mode = self.mode.map(|m| format!(" ({m})")).unwrap_or_default();
        if detailed {
            format!("{}{mode} · {}", self.name, self.description)
        } else {
            format!("{}{mode}", self.name)
        }
    }
}

fn as_mode(f: &CameraFormat) -> Mode {
    Mode {
        width: f.width(),
        height: f.height(),
        fps: f.frame_rate(),
    }
}

/// The format to stream, by [`mode::choose`].
fn best_format(formats: &[CameraFormat]) -> Option<CameraFormat> {
    let modes: Vec<Mode> = formats.iter().map(as_mode).collect();
    mode::choose(&modes).and_then(|i| formats.get(i).copied())
}

/// An open camera stream that hands out RGB frames.
pub struct Camera {
    index: u32,
    inner: nokhwa::Camera,
    opened_at: Instant,
    mirror: bool,
}

impl std::fmt::Debug for Camera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Camera")
            .field("index", &self.index)
            .field("mirror", &self.mirror)
            .finish_non_exhaustive()
    }
}

impl Camera {
    /// Opens camera `index` in the mode [`mode::choose`] prefers (about
    /// 1280x720 at 30 fps) and starts streaming.
    ///
    /// `mirror` flips frames left-right, as people expect from a front view
    /// (it then behaves like a mirror); the pose is computed on the flipped
    /// frame so the overlay and the cue's "left" match what the person sees.
    pub fn open(index: u32, mirror: bool) -> Result<Camera, CameraError> {
        let open_err = |e: nokhwa::NokhwaError| CameraError::Open {
            index,
            reason: e.to_string(),
        };
        let any = RequestedFormat::new::<RgbFormat>(RequestedFormatType::None);
        let mut inner = nokhwa::Camera::new(CameraIndex::Index(index), any).map_err(open_err)?;
        let chosen = inner
            .compatible_camera_formats()
            .ok()
            .and_then(|formats| best_format(&formats));
        if let Some(format) = chosen {
            // A mode the driver listed but then refuses: keep its default.
            let _ = inner.set_camera_requset(RequestedFormat::new::<RgbFormat>(
                RequestedFormatType::Exact(format),
            ));
        }
        inner.open_stream().map_err(open_err)?;
        Ok(Camera {
            index,
            inner,
            opened_at: Instant::now(),
            mirror,
        })
    }

    /// Waits for the next frame and decodes it to RGB.
    pub fn next_frame(&mut self) -> Result<Frame, CameraError> {
        let lost = |e: nokhwa::NokhwaError| CameraError::Lost {
            index: self.index,
            reason: e.to_string(),
        };
        let buffer = self.inner.frame().map_err(lost)?;
        // The buffer's arrival is the frame's time on the camera's clock.
        let t_s = self.opened_at.elapsed().as_secs_f64();
        let decoded = buffer.decode_image::<RgbFormat>().map_err(lost)?;
        let mut image =
            image::RgbImage::from_raw(decoded.width(), decoded.height(), decoded.into_raw())
                .ok_or_else(|| CameraError::Lost {
                    index: self.index,
                    reason: "the decoded picture had the wrong size".to_owned(),
                })?;
        if self.mirror {
            image::imageops::flip_horizontal_in_place(&mut image);
        }
        Ok(Frame { t_s, image })
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        // Stopping can fail when the device is already gone; nothing to do then.
        let _ = self.inner.stop_stream();
    }
}
