//! Webcams, through nokhwa. The only file in the project that uses nokhwa, so
//! a change of camera library touches nothing else.
//!
//! Cameras carry no presentation timestamps through nokhwa's portable API, so
//! a frame's time is when its buffer arrived, measured from the moment the
//! stream opened: that is the camera's own clock as far as the pipeline can
//! see it, and the pipeline never reads the wall clock itself.

use std::time::Instant;

use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{ApiBackend, CameraIndex, RequestedFormat, RequestedFormatType};

use crate::source::Frame;

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
}

/// Lists every camera the platform's native backend can see. No camera is an
/// empty list, not an error.
pub fn list_cameras() -> Result<Vec<CameraInfo>, CameraError> {
    let infos = nokhwa::query(ApiBackend::Auto).map_err(|e| CameraError::Query(e.to_string()))?;
    Ok(infos
        .iter()
        .enumerate()
        .map(|(i, info)| CameraInfo {
            index: match info.index() {
                CameraIndex::Index(n) => *n,
                CameraIndex::String(_) => i as u32,
            },
            name: info.human_name(),
            description: info.description().to_owned(),
        })
        .collect())
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
    /// Opens camera `index` at its highest frame rate and starts streaming.
    ///
    /// `mirror` flips frames left-right, as people expect from a front view
    /// (it then behaves like a mirror); the pose is computed on the flipped
    /// frame so the overlay and the cue's "left" match what the person sees.
    pub fn open(index: u32, mirror: bool) -> Result<Camera, CameraError> {
        let open_err = |e: nokhwa::NokhwaError| CameraError::Open {
            index,
            reason: e.to_string(),
        };
        let format =
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate);
        let mut inner = nokhwa::Camera::new(CameraIndex::Index(index), format).map_err(open_err)?;
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
