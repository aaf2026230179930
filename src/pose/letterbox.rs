//! Letterboxing: fit a frame into a square model input without distorting it,
//! and remember the geometry so keypoints map back to frame pixels.

use fast_image_resize as fir;
use image::RgbImage;

use super::PoseError;

/// How a frame was placed into the square input: `input = frame * scale + pad`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Letterbox {
    /// Input pixels per frame pixel.
    pub scale: f32,
    /// Left padding in input pixels.
    pub pad_x: f32,
    /// Top padding in input pixels.
    pub pad_y: f32,
    /// Side of the square input.
    pub size: u32,
}

impl Letterbox {
    /// Geometry for a `width` x `height` frame in a `size` square.
    #[must_use]
    pub fn new(width: u32, height: u32, size: u32) -> Letterbox {
        let scale = size as f32 / width.max(height).max(1) as f32;
        let scaled_w = (width as f32 * scale).round();
        let scaled_h = (height as f32 * scale).round();
        Letterbox {
            scale,
            pad_x: ((size as f32 - scaled_w) / 2.0).floor(),
            pad_y: ((size as f32 - scaled_h) / 2.0).floor(),
            size,
        }
    }

    /// Maps a point in input pixels back to frame pixels.
    #[must_use]
    pub fn frame_from_input(&self, x_in: f32, y_in: f32) -> (f32, f32) {
        (
            (x_in - self.pad_x) / self.scale,
            (y_in - self.pad_y) / self.scale,
        )
    }

    /// Size of the resized frame inside the square, in input pixels.
    #[must_use]
    pub fn inner_size(&self, width: u32, height: u32) -> (u32, u32) {
        let w = ((width as f32 * self.scale).round() as u32).clamp(1, self.size);
        let h = ((height as f32 * self.scale).round() as u32).clamp(1, self.size);
        (w, h)
    }
}

/// Resizes frames into a square RGB input, reusing its buffers between frames.
pub struct LetterboxResizer {
    resizer: fir::Resizer,
    scratch: fir::images::Image<'static>,
    /// The square input, RGB bytes row-major, padding black.
    pub square: Vec<u8>,
    size: u32,
}

impl LetterboxResizer {
    /// A resizer for a `size` x `size` input.
    #[must_use]
    pub fn new(size: u32) -> Self {
        LetterboxResizer {
            resizer: fir::Resizer::new(),
            scratch: fir::images::Image::new(1, 1, fir::PixelType::U8x3),
            square: vec![0; (size * size * 3) as usize],
            size,
        }
    }

    /// Fits `frame` into `self.square` and returns the geometry used.
    pub fn run(&mut self, frame: &RgbImage) -> Result<Letterbox, PoseError> {
        let (w, h) = frame.dimensions();
        if w == 0 || h == 0 {
            return Err(PoseError::EmptyFrame);
        }
        let lb = Letterbox::new(w, h, self.size);
        let (iw, ih) = lb.inner_size(w, h);
        if self.scratch.width() != iw || self.scratch.height() != ih {
            self.scratch = fir::images::Image::new(iw, ih, fir::PixelType::U8x3);
        }
        let options = fir::ResizeOptions::new()
            .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Bilinear));
        self.resizer
            .resize(frame, &mut self.scratch, &options)
            .map_err(|e| PoseError::Preprocess(e.to_string()))?;
        self.square.fill(0);
        let side = self.size as usize;
        let (px, py) = (lb.pad_x as usize, lb.pad_y as usize);
        let row_len = iw as usize * 3;
        let src = self.scratch.buffer();
        for row in 0..ih as usize {
            let dst_start = ((py + row) * side + px) * 3;
            self.square[dst_start..dst_start + row_len]
                .copy_from_slice(&src[row * row_len..(row + 1) * row_len]);
        }
        Ok(lb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn corners_map_back(w in 1_u32..4000, h in 1_u32..4000, size in prop::sample::select(vec![192_u32, 224, 256])) {
            let lb = Letterbox::new(w, h, size);
            let (iw, ih) = lb.inner_size(w, h);
            prop_assert!(lb.pad_x + iw as f32 <= size as f32 + 0.5);
            prop_assert!(lb.pad_y + ih as f32 <= size as f32 + 0.5);
            let (x, y) = lb.frame_from_input(lb.pad_x + w as f32 * lb.scale, lb.pad_y + h as f32 * lb.scale);
            prop_assert!((x - w as f32).abs() < 1e-2 * w as f32 + 0.01);
            prop_assert!((y - h as f32).abs() < 1e-2 * h as f32 + 0.01);
        }
    }

    #[test]
    fn wide_frame_is_padded_top_and_bottom() {
        let frame = RgbImage::from_pixel(400, 200, image::Rgb([255, 255, 255]));
        let mut r = LetterboxResizer::new(100);
        let lb = r.run(&frame).unwrap();
        assert_eq!((lb.pad_x, lb.pad_y), (0.0, 25.0));
        // Row 10 is padding (black), row 50 is picture (white).
        assert_eq!(r.square[(10 * 100 + 50) * 3], 0);
        assert_eq!(r.square[(50 * 100 + 50) * 3], 255);
    }

    #[test]
    fn empty_frame_is_an_error() {
        let mut r = LetterboxResizer::new(64);
        assert!(r.run(&RgbImage::new(0, 0)).is_err());
    }
}
