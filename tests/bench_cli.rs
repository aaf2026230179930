//! `formcoach bench --video` through the binary: the JSON line's shape, not
//! its timings (speed is reported by the bench, never asserted in tests).

mod common;

use std::process::Command;

use common::{fixtures, formcoach, stderr, stdout};
use serde_json::Value;

#[test]
fn video_bench_ends_with_one_json_object() {
    let Some(fx) = fixtures("video_bench_ends_with_one_json_object") else {
        return;
    };
    // A short clip cut from a fixture video: a dozen frames are enough to
    // see the detector run once and tracking take over.
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.avi");
    let cut = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(fx.join("video").join("upper_body_webcam_01.mp4"))
        .args(["-t", "0.5", "-an", "-c:v", "mjpeg", "-q:v", "3"])
        .arg(&clip)
        .output()
        .expect("ffmpeg runs");
    assert!(
        cut.status.success(),
        "{}",
        String::from_utf8_lossy(&cut.stderr)
    );

    let out = formcoach(&[
        "bench",
        "--video",
        clip.to_str().unwrap(),
        "--model",
        "blazepose-lite",
        "--threads",
        "1",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let last = text.lines().last().expect("some output");
    let line: Value = serde_json::from_str(last).expect("the last line is JSON");
    assert_eq!(line["model"], "blazepose-lite");
    let frames = line["frames"].as_u64().expect("frames");
    assert!(frames >= 10, "{line}");
    let detector_runs = line["detector_runs"].as_u64().expect("detector_runs");
    // The person is in view from the first frame: the detector finds them
    // once, then the landmarks carry the crop from frame to frame.
    assert!(detector_runs >= 1 && detector_runs < frames, "{line}");
    for key in ["whole_frame_ms", "bare_run_ms", "preprocess_ms"] {
        for stat in ["median", "p95"] {
            let v = line[key][stat].as_f64();
            assert!(v.is_some_and(|v| v >= 0.0), "{key}.{stat}: {line}");
        }
    }
    // The human-readable table comes first and names the tracking frames.
    assert!(text.contains("tracking"), "{text}");
}

#[test]
fn video_bench_names_a_missing_file() {
    let out = formcoach(&["bench", "--video", "/no/such/clip.mp4", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/no/such/clip.mp4"),
        "{}",
        stderr(&out)
    );
}
