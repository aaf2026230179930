//! The capture thread: a camera, or a video played at its own pace, into
//! the slot.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::slot::{Captured, Slot, SlotItem};
use super::{Control, FOLDER_FPS, LiveError, SourceSpec};

/// How often sleeping threads look at the cancel flag.
pub(super) const POLL: Duration = Duration::from_millis(50);

/// How long to wait before trying a lost camera again.
const CAMERA_RETRY: Duration = Duration::from_secs(1);

/// Sleeps up to `d`, waking early on cancel; returns whether cancelled.
pub(super) fn nap(control: &Control, d: Duration) -> bool {
    let until = Instant::now() + d;
    while Instant::now() < until {
        if control.cancel.load(Ordering::Relaxed) {
            return true;
        }
        std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
    }
    control.cancel.load(Ordering::Relaxed)
}

pub(super) fn capture_loop(source: &SourceSpec, slot: &Slot, control: &Control) {
    match source {
        SourceSpec::Video { path } => play_video(path, slot, control),
        SourceSpec::Camera { index, mirror } => run_camera(*index, *mirror, slot, control),
    }
}

/// Plays a file at its own pace: frame `t_s` is released `t_s` after the
/// start, with paused time added, so the window sees what a camera would give.
pub(super) fn play_video(path: &std::path::Path, slot: &Slot, control: &Control) {
    let frames = match crate::source::open_frames(path, FOLDER_FPS) {
        Ok(f) => f,
        Err(e) => return slot.put(SlotItem::Failed(LiveError::Video(Arc::new(e)))),
    };
    while !control.model_ready.load(Ordering::Relaxed) {
        if nap(control, POLL) {
            return;
        }
    }
    let mut start = Instant::now();
    for frame in frames {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => return slot.put(SlotItem::Failed(LiveError::Video(Arc::new(e)))),
        };
        loop {
            if control.cancel.load(Ordering::Relaxed) {
                return;
            }
            let paused_at = Instant::now();
            if control.paused.load(Ordering::Relaxed) {
                std::thread::sleep(POLL);
                start += paused_at.elapsed();
                continue;
            }
            let due = start + Duration::from_secs_f64(frame.t_s.max(0.0));
            let now = Instant::now();
            if now >= due {
                break;
            }
            std::thread::sleep((due - now).min(POLL));
        }
        slot.put(SlotItem::Frame(Captured {
            frame,
            at: Instant::now(),
        }));
    }
    slot.put(SlotItem::Ended);
}

/// Reads a camera, reopening it when it goes away.
fn run_camera(index: u32, mirror: bool, slot: &Slot, control: &Control) {
    use crate::source::camera::Camera;
    while !control.cancel.load(Ordering::Relaxed) {
        let mut camera = match Camera::open(index, mirror) {
            Ok(c) => c,
            Err(e) => {
                slot.put(SlotItem::Lost(LiveError::Camera(Arc::new(e))));
                if nap(control, CAMERA_RETRY) {
                    return;
                }
                continue;
            }
        };
        while !control.cancel.load(Ordering::Relaxed) {
            match camera.next_frame() {
                Ok(frame) => slot.put(SlotItem::Frame(Captured {
                    frame,
                    at: Instant::now(),
                })),
                Err(e) => {
                    slot.put(SlotItem::Lost(LiveError::Camera(Arc::new(e))));
                    break;
                }
            }
        }
        drop(camera);
        if nap(control, CAMERA_RETRY) {
            return;
        }
    }
}
