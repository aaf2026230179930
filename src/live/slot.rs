//! The single-slot cell between capture and inference: the newest frame
//! replaces the old one, so capture never waits for inference.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::LiveError;
use crate::source::Frame;

/// A frame with the moment it left the source.
pub(super) struct Captured {
    pub(super) frame: Frame,
    pub(super) at: Instant,
}

/// What the capture thread hands over.
pub(super) enum SlotItem {
    Frame(Captured),
    Ended,
    Lost(LiveError),
    Failed(LiveError),
}

/// The single-slot cell: the newest item replaces the old one.
#[derive(Default)]
pub(super) struct Slot {
    item: Mutex<Option<SlotItem>>,
    pub(super) ready: Condvar,
    pub(super) dropped: AtomicU64,
}

impl Slot {
    pub(super) fn put(&self, item: SlotItem) {
        let mut guard = self.item.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(guard.replace(item), Some(SlotItem::Frame(_))) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.ready.notify_one();
    }

    pub(super) fn take(&self, timeout: Duration) -> Option<SlotItem> {
        let guard = self.item.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut guard, _) = self
            .ready
            .wait_timeout_while(guard, timeout, |item| item.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        guard.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    #[test]
    fn the_slot_keeps_only_the_newest_frame() {
        let slot = Slot::default();
        for i in 0..3 {
            slot.put(SlotItem::Frame(Captured {
                frame: Frame {
                    t_s: f64::from(i),
                    image: RgbImage::new(1, 1),
                },
                at: Instant::now(),
            }));
        }
        assert_eq!(slot.dropped.load(Ordering::Relaxed), 2);
        let Some(SlotItem::Frame(c)) = slot.take(Duration::ZERO) else {
            panic!("expected a frame");
        };
        assert!((c.frame.t_s - 2.0).abs() < f64::EPSILON);
        assert!(slot.take(Duration::from_millis(1)).is_none());
    }
}
