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

/// A folder of frames in file-name order, spaced `1 / fps` seconds apart.
pub struct FrameFolder {
    paths: std::vec::IntoIter<std::path::PathBuf>,
    index: u64,
    fps: f64,
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
            paths: paths.into_iter(),
            index: 0,
            fps,
        })
    }
}

impl Iterator for FrameFolder {
    type Item = Result<super::Frame, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.paths.next()?;
        let t_s = self.index as f64 / self.fps;
        self.index += 1;
        Some(read_rgb(&path).map(|image| super::Frame { t_s, image }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
