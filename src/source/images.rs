//! Still images and folders of frames.

use std::path::Path;

use image::RgbImage;

use super::SourceError;

/// Largest image we agree to decode, in pixels per side. Bigger photos are
/// rarer than broken files claiming absurd sizes, and pose models see a
/// 256-pixel square anyway.
pub const MAX_SIDE_PX: u32 = 16_384;

/// Reads an image file as RGB, with errors that name the file.
pub fn read_rgb(path: &Path) -> Result<RgbImage, SourceError> {
    let fail = |reason: String| SourceError::Image {
        path: path.to_path_buf(),
        reason,
    };
    let mut reader = image::ImageReader::open(path)
        .map_err(|e| fail(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| fail(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    reader.limits(limits);
    if reader.format().is_none() {
        return Err(fail(
            "not a known image format (JPEG, PNG, WebP or BMP expected)".to_owned(),
        ));
    }
    let image = reader.decode().map_err(|e| fail(e.to_string()))?;
    if image.width() == 0 || image.height() == 0 {
        return Err(SourceError::EmptyImage {
            path: path.to_path_buf(),
        });
    }
    Ok(image.to_rgb8())
}

/// File extensions read as frames.
pub const IMAGE_EXTENSIONS: [&str; 5] = ["jpg", "jpeg", "png", "webp", "bmp"];

/// Skipped frames named one by one in the final error; more are counted.
const MAX_NAMED_SKIPS: usize = 5;

/// A folder of frames in file-name order, spaced `1 / fps` seconds apart.
///
/// A frame that cannot be read (a damaged file, or a pipe or device with an
/// image's name, which could block for ever) is skipped and its slot of
/// time left empty; after the last frame one error names what was skipped,
/// so one bad file no longer ends the whole folder.
pub struct FrameFolder {
    dir: std::path::PathBuf,
    paths: std::vec::IntoIter<std::path::PathBuf>,
    index: u64,
    fps: f64,
    skipped: Vec<String>,
    reported: bool,
}

impl FrameFolder {
    /// Lists the images in `dir`.
    pub fn open(dir: &Path, fps: f64) -> Result<FrameFolder, SourceError> {
        let entries = std::fs::read_dir(dir).map_err(|e| SourceError::Image {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut paths: Vec<std::path::PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            })
            .collect();
        if paths.is_empty() {
            return Err(SourceError::EmptyFolder {
                path: dir.to_path_buf(),
            });
        }
        paths.sort();
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            30.0
        };
        Ok(FrameFolder {
            dir: dir.to_path_buf(),
            paths: paths.into_iter(),
            index: 0,
            fps,
            skipped: Vec::new(),
            reported: false,
        })
    }
}

impl Iterator for FrameFolder {
    type Item = Result<super::Frame, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        for path in self.paths.by_ref() {
            let t_s = self.index as f64 / self.fps;
            self.index += 1;
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            // Opening a FIFO for reading waits for a writer: never open one.
            if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                self.skipped.push(format!("{name} (not a regular file)"));
                continue;
            }
            match read_rgb(&path) {
                Ok(image) => return Some(Ok(super::Frame { t_s, image })),
                Err(e) => self.skipped.push(format!("{name} ({})", reason(&e))),
            }
        }
        if self.skipped.is_empty() || self.reported {
            return None;
        }
        self.reported = true;
        let count = self.skipped.len();
        let mut list = self.skipped[..count.min(MAX_NAMED_SKIPS)].join(", ");
        if count > MAX_NAMED_SKIPS {
            list = format!("{list} and {} more", count - MAX_NAMED_SKIPS);
        }
        Some(Err(SourceError::SkippedFrames {
            path: self.dir.clone(),
            count,
            list,
        }))
    }
}

/// An image error's reason without the path (the list names the file).
fn reason(e: &SourceError) -> String {
    match e {
        SourceError::Image { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 15): a frames folder stopped at its first bad frame
    /// (2 of 10 frames used), and a FIFO among the frames hung. Bad frames
    /// are now skipped, their time slots kept, and named at the end.
    #[cfg(unix)]
    #[test]
    fn frames_folder_skips_bad_frames_and_names_them() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..10 {
            let p = dir.path().join(format!("f{i:02}.png"));
            if i == 2 || i == 6 {
                std::fs::write(&p, b"not a picture").unwrap();
            } else {
                RgbImage::new(4, 3).save(&p).unwrap();
            }
        }
        let fifo = dir.path().join("f05b.png");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let items: Vec<Result<super::super::Frame, SourceError>> =
            FrameFolder::open(dir.path(), 10.0).unwrap().collect();
        let (last, frames) = items.split_last().unwrap();
        let times: Vec<f64> = frames.iter().map(|f| f.as_ref().unwrap().t_s).collect();
        assert_eq!(times.len(), 8, "{times:?}");
        // f05b.png sorts after f05.png: slots 2, 6 (the FIFO) and 7 are empty.
        assert!(
            (times[2] - 0.3).abs() < 1e-9 && (times[7] - 1.0).abs() < 1e-9,
            "{times:?}"
        );
        let err = last.as_ref().unwrap_err().to_string();
        assert!(
            err.contains("3 of the frames")
                && err.contains("f02.png")
                && err.contains("f06.png")
                && err.contains("f05b.png (not a regular file)"),
            "{err}"
        );
    }

    #[test]
    fn unreadable_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.jpg");
        std::fs::write(&empty, b"").unwrap();
        let text = read_rgb(&empty).unwrap_err().to_string();
        assert!(text.contains("empty.jpg"), "{text}");

        let garbage = dir.path().join("garbage.png");
        std::fs::write(&garbage, b"\x89PNG\r\n\x1a\nnot really").unwrap();
        let text = read_rgb(&garbage).unwrap_err().to_string();
        assert!(text.contains("garbage.png"), "{text}");

        let missing = dir.path().join("missing.jpg");
        assert!(
            read_rgb(&missing)
                .unwrap_err()
                .to_string()
                .contains("missing.jpg")
        );
    }

    #[test]
    fn tiny_image_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("one.png");
        RgbImage::new(1, 1).save(&p).unwrap();
        assert_eq!(read_rgb(&p).unwrap().dimensions(), (1, 1));
    }
}
