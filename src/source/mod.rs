//! Frame sources: still images, image folders and video files (and, in the
//! window, cameras). Every source yields RGB frames with timestamps in
//! seconds taken from the source itself, never from the wall clock, so a
//! headless run and the window agree.

#[cfg(feature = "gui")]
pub mod camera;
pub mod images;
pub mod mode;
pub mod video;

use std::path::{Path, PathBuf};

/// What can go wrong reading frames.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The file could not be opened or decoded.
    #[error("cannot read the image {path}: {reason}", path = path.display())]
    Image {
        /// The file.
        path: PathBuf,
        /// Why, in words.
        reason: String,
    },
    /// A video could not be opened or decoded.
    #[error("cannot read the video {path}: {reason}", path = path.display())]
    Video {
        /// The file.
        path: PathBuf,
        /// Why, in words.
        reason: String,
    },
    /// The `ffmpeg` program is needed for video files.
    #[error(
        "reading video files needs the `ffmpeg` program, which is not installed \
         (Debian/Ubuntu: `apt-get install ffmpeg`); a folder of frames works without it"
    )]
    FfmpegMissing,
    /// A folder with no images in it.
    #[error("the folder {path} has no images (JPEG, PNG, WebP, BMP)", path = path.display())]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
    },
    /// Some frames of a folder could not be read; the others were used.
    #[error(
        "{count} of the frames in {path} could not be read and were skipped: {list}",
        path = path.display()
    )]
    SkippedFrames {
        /// The folder.
        path: PathBuf,
        /// How many.
        count: usize,
        /// The first few, each with its reason.
        list: String,
    },
    /// The image decoded to zero pixels.
    #[error("the image {path} is empty (0 pixels wide or high)", path = path.display())]
    EmptyImage {
        /// The file.
        path: PathBuf,
    },
}

/// One frame with its time from the start of the source.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Seconds from the first frame, from the source's own timestamps.
    pub t_s: f64,
    /// The picture.
    pub image: image::RgbImage,
}

/// Opens a video file or a folder of frames as a stream of frames.
///
/// A folder's images are taken in file-name order, `fps` apart.
pub fn open_frames(
    path: &Path,
    fps: f64,
) -> Result<Box<dyn Iterator<Item = Result<Frame, SourceError>> + Send>, SourceError> {
    if path.is_dir() {
        Ok(Box::new(images::FrameFolder::open(path, fps)?))
    } else {
        Ok(Box::new(video::VideoReader::open(path)?))
    }
}
