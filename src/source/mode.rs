//! Which of a webcam's modes to stream. Kept apart from the camera code so it
//! can be tested without a camera.
//!
//! The pose models see 192-256 pixel crops, so beyond about 1280x720 more
//! pixels only cost decoding time; below 640x480 a person lying on the floor
//! 2-3 m away becomes a few dozen pixels tall. Frame rate matters more than
//! size up to about 30 per second: the coach's timing (dwell, tempo, holds)
//! and the smoothing are tuned for 25-30 frames per second, and the newest-frame
//! slot simply skips frames when inference is slower.

/// One mode a camera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}×{}, {} fps", self.width, self.height, self.fps)
    }
}

/// Frame rate below which timing-based rules get coarse.
pub const MIN_GOOD_FPS: u32 = 24;
/// The size aimed for (pixels).
pub const TARGET_PIXELS: f64 = 1280.0 * 720.0;
/// Larger than this costs decoding time for nothing.
pub const MAX_USEFUL_PIXELS: u64 = 1920 * 1080;

/// The index of the mode to stream, or `None` for an empty list.
///
/// Prefers modes with at least [`MIN_GOOD_FPS`] frames per second (when any
/// has), then the size closest to 1280x720 on a log scale, never larger than
/// 1920x1080 when a smaller mode exists, then the frame rate closest to 30.
#[must_use]
pub fn choose(modes: &[Mode]) -> Option<usize> {
    let fast_enough = modes.iter().any(|m| m.fps >= MIN_GOOD_FPS);
    let small_enough = modes
        .iter()
        .any(|m| u64::from(m.width) * u64::from(m.height) <= MAX_USEFUL_PIXELS);
    let cost = |m: &Mode| {
        let pixels = (f64::from(m.width) * f64::from(m.height)).max(1.0);
        let slow = fast_enough && m.fps < MIN_GOOD_FPS;
        let huge = small_enough && u64::from(m.width) * u64::from(m.height) > MAX_USEFUL_PIXELS;
        let size = (pixels / TARGET_PIXELS).ln().abs();
        let rate = (f64::from(m.fps) - 30.0).abs() / 30.0;
        (u8::from(slow), u8::from(huge), size + 0.25 * rate)
    };
    modes
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            let (ca, cb) = (cost(a), cost(b));
            ca.0.cmp(&cb.0)
                .then(ca.1.cmp(&cb.1))
                .then(ca.2.total_cmp(&cb.2))
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(width: u32, height: u32, fps: u32) -> Mode {
        Mode { width, height, fps }
    }

    #[test]
    fn picks_720p30_from_a_typical_usb_webcam() {
        // A common list: uncompressed modes are slow at large sizes.
        let modes = [
            m(320, 240, 60),
            m(640, 480, 30),
            m(1280, 720, 10),
            m(1280, 720, 30),
            m(1920, 1080, 30),
            m(1920, 1080, 5),
        ];
        assert_eq!(choose(&modes), Some(3));
    }

    #[test]
    fn takes_a_smaller_fast_mode_over_a_large_slow_one() {
        let modes = [m(1920, 1080, 5), m(1280, 720, 10), m(640, 480, 30)];
        assert_eq!(choose(&modes), Some(2));
    }

    #[test]
    fn a_slow_only_camera_still_gets_a_mode() {
        let modes = [m(2592, 1944, 15), m(1280, 960, 15)];
        assert_eq!(choose(&modes), Some(1));
        assert_eq!(choose(&[]), None);
    }

    proptest! {
        #[test]
        fn the_choice_is_fast_and_not_huge_whenever_possible(
            raw in prop::collection::vec((16u32..4096, 16u32..3072, 1u32..120), 1..20)
        ) {
            let modes: Vec<Mode> = raw.iter().map(|&(w, h, f)| m(w, h, f)).collect();
            let i = choose(&modes).unwrap();
            let chosen = modes[i];
            if modes.iter().any(|x| x.fps >= MIN_GOOD_FPS) {
                prop_assert!(chosen.fps >= MIN_GOOD_FPS);
            }
            let fast_small = modes.iter().any(|x| {
                (x.fps >= MIN_GOOD_FPS || chosen.fps < MIN_GOOD_FPS)
                    && u64::from(x.width) * u64::from(x.height) <= MAX_USEFUL_PIXELS
            });
            if fast_small {
                prop_assert!(u64::from(chosen.width) * u64::from(chosen.height) <= MAX_USEFUL_PIXELS);
            }
        }
    }
}
