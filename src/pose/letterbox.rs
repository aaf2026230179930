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

/// Resizes frames into a square model input, reusing its buffers between
/// frames.
///
/// The frame is read once, by `fast_image_resize`'s SIMD convolution, into a
/// buffer the size of the resized picture (224 x 126 for a 720p frame into
/// 224); that small picture is then written straight into the input tensor,
/// padding included, in the tensor's own element type. No copy or
/// conversion of the whole frame is made on the way.
pub struct LetterboxResizer {
    resizer: fir::Resizer,
    scratch: fir::images::Image<'static>,
    size: u32,
}

impl LetterboxResizer {
    /// A resizer for a `size` x `size` input.
    #[must_use]
    pub fn new(size: u32) -> Self {
        LetterboxResizer {
            resizer: fir::Resizer::new(),
            scratch: fir::images::Image::new(1, 1, fir::PixelType::U8x3),
            size,
        }
    }

    /// Fits `frame` into `out`, a `size x size x 3` RGB tensor (row-major,
    /// NHWC without the batch), converting each byte with `convert` and
    /// filling the border with `pad`; returns the geometry used.
    pub fn run_into<T: Copy>(
        &mut self,
        frame: &RgbImage,
        out: &mut [T],
        pad: T,
        convert: impl Fn(u8) -> T,
    ) -> Result<Letterbox, PoseError> {
        let (w, h) = frame.dimensions();
        if w == 0 || h == 0 {
            return Err(PoseError::EmptyFrame);
        }
        let side = self.size as usize;
        let Some(out) = out.get_mut(..side * side * 3) else {
            return Err(PoseError::Preprocess(format!(
                "the input tensor holds {} values, a {side} x {side} RGB input needs {}",
                out.len(),
                side * side * 3
            )));
        };
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
        let (px, py) = (lb.pad_x as usize, lb.pad_y as usize);
        let row_len = iw as usize * 3;
        let src = self.scratch.buffer();
        for (y, dst_row) in out.chunks_exact_mut(side * 3).enumerate() {
            let picture_row = y
                .checked_sub(py)
                .filter(|&r| r < ih as usize)
                .and_then(|r| src.get(r * row_len..(r + 1) * row_len));
            let Some(src_row) = picture_row else {
                dst_row.fill(pad);
                continue;
            };
            let (left, rest) = dst_row.split_at_mut((px * 3).min(dst_row.len()));
            left.fill(pad);
            let (middle, right) = rest.split_at_mut(row_len.min(rest.len()));
            for (d, &s) in middle.iter_mut().zip(src_row) {
                *d = convert(s);
            }
            right.fill(pad);
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
        let mut square = vec![7_u8; 100 * 100 * 3];
        let lb = r.run_into(&frame, &mut square, 0, |v| v).unwrap();
        assert_eq!((lb.pad_x, lb.pad_y), (0.0, 25.0));
        // Row 10 is padding (black), row 50 is picture (white).
        assert_eq!(square[(10 * 100 + 50) * 3], 0);
        assert_eq!(square[(50 * 100 + 50) * 3], 255);
        assert_eq!(square[(99 * 100 + 99) * 3 + 2], 0);
    }

    #[test]
    fn tall_frame_is_padded_left_and_right_in_tensor_units() {
        let frame = RgbImage::from_pixel(100, 400, image::Rgb([255, 0, 51]));
        let mut r = LetterboxResizer::new(64);
        let mut input = vec![0.0_f32; 64 * 64 * 3];
        let lb = r
            .run_into(&frame, &mut input, -1.0, |v| f32::from(v) / 127.5 - 1.0)
            .unwrap();
        assert_eq!((lb.pad_x, lb.pad_y), (24.0, 0.0));
        let at = |x: usize, y: usize, c: usize| input[(y * 64 + x) * 3 + c];
        assert!((at(3, 30, 0) + 1.0).abs() < 1e-6, "left border");
        assert!((at(60, 30, 0) + 1.0).abs() < 1e-6, "right border");
        assert!((at(32, 30, 0) - 1.0).abs() < 1e-6, "red inside");
        assert!((at(32, 30, 2) - (51.0 / 127.5 - 1.0)).abs() < 1e-6);
    }

    #[test]
    fn empty_frame_and_short_tensor_are_errors() {
        let mut r = LetterboxResizer::new(64);
        let mut input = vec![0_u8; 64 * 64 * 3];
        assert!(
            r.run_into(&RgbImage::new(0, 0), &mut input, 0, |v| v)
                .is_err()
        );
        let frame = RgbImage::new(10, 10);
        assert!(r.run_into(&frame, &mut input[..10], 0, |v| v).is_err());
    }
}
