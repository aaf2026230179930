//! Video files, decoded by the `ffmpeg` program into raw RGB frames.
//!
//! Timestamps come from the container (each frame's presentation time), not
//! from a frame counter, so variable frame-rate phone videos keep their real
//! timing. Frames are streamed: a long video never sits in memory.
//!
//! Nothing the file says is trusted to size a buffer. ffmpeg runs with its
//! log switched off, and its standard error carries only a `framecrc`
//! listing of the very packets written to standard output (one encoder, two
//! muxers through `tee`): a header with the frame size and time base, then
//! one line per frame with its timestamp and byte count. The file's
//! metadata and name never reach that channel, and every size is checked
//! against [`MAX_SIDE_PX`] and [`MAX_PIXELS`] before anything is allocated.
//! The container's own duration comes from `ffprobe`'s JSON and is only
//! used to tell when a file ends early.

use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;

use image::RgbImage;

use super::{Frame, SourceError};

/// Widest or tallest frame accepted (8K UHD is 7680 wide).
pub const MAX_SIDE_PX: u32 = 8192;

/// Most pixels in one frame (8K UHD, 7680x4320): about 100 MB of RGB.
pub const MAX_PIXELS: u64 = 7680 * 4320;

/// Longest line read from ffmpeg or ffprobe; real `framecrc` lines are
/// under 100 bytes.
const MAX_LINE_BYTES: u64 = 4096;

/// Most bytes of `ffprobe` JSON read (a few hundred in practice).
const MAX_PROBE_BYTES: u64 = 64 * 1024;

/// A file whose frames stop this much before its stated duration (seconds,
/// or this share of it when larger) has ended early.
const EARLY_END_MIN_S: f64 = 1.0;
/// See [`EARLY_END_MIN_S`].
const EARLY_END_SHARE: f64 = 0.1;

/// One frame as `framecrc` lists it, with the frame size from its header.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FrameInfo {
    pts_time_s: f64,
    duration_s: f64,
    width: u32,
    height: u32,
}

/// What the `framecrc` header says, filled as its lines arrive.
#[derive(Debug, Default, Clone, Copy)]
struct Header {
    time_base: Option<(i64, i64)>,
    size: Option<(u32, u32)>,
}

/// Streams frames out of a video file.
pub struct VideoReader {
    path: PathBuf,
    child: Child,
    stdout: ChildStdout,
    infos: mpsc::Receiver<Result<FrameInfo, String>>,
    /// The container's duration of the video, when it states one.
    stated_duration_s: Option<f64>,
    first_t_s: Option<f64>,
    last_end_s: f64,
    frames_read: u64,
    finished: bool,
}

impl VideoReader {
    /// Starts decoding `path`.
    pub fn open(path: &Path) -> Result<VideoReader, SourceError> {
        let fail = |reason: String| SourceError::Video {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(fail("no such file".to_owned()));
        }
        let stated_duration_s = probe_duration(path)?;
        let mut child = Command::new("ffmpeg")
            .args(["-hide_banner", "-nostdin", "-nostats", "-loglevel", "quiet"])
            .arg("-i")
            .arg(path)
            .args([
                "-map",
                "0:v:0",
                "-an",
                "-sn",
                "-dn",
                "-fps_mode",
                "passthrough",
            ])
            .args(["-pix_fmt", "rgb24", "-c:v", "rawvideo", "-f", "tee"])
            // The listing first, flushed per packet: each frame's line is out
            // before its pixels, which may not fit the pipe until read.
            .arg("[f=framecrc:flush_packets=1]pipe\\:2|[f=rawvideo]pipe\\:1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    SourceError::FfmpegMissing
                } else {
                    fail(format!("cannot start ffmpeg: {e}"))
                }
            })?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(fail("ffmpeg started without pipes".to_owned()));
        };
        let (tx, rx) = mpsc::sync_channel(256);
        std::thread::Builder::new()
            .name("ffmpeg-framecrc".to_owned())
            .spawn(move || read_framecrc(BufReader::new(stderr), &tx))
            .map_err(|e| fail(format!("cannot start a reader thread: {e}")))?;
        Ok(VideoReader {
            path: path.to_path_buf(),
            child,
            stdout,
            infos: rx,
            stated_duration_s,
            first_t_s: None,
            last_end_s: 0.0,
            frames_read: 0,
            finished: false,
        })
    }

    fn fail(&mut self, reason: String) -> SourceError {
        self.finished = true;
        let _ = self.child.kill();
        let _ = self.child.wait();
        SourceError::Video {
            path: self.path.clone(),
            reason,
        }
    }

    /// The stream is over: says whether it ended cleanly, early or broken.
    fn end(&mut self, problem: Option<String>) -> Result<Option<Frame>, SourceError> {
        self.finished = true;
        let status = self.child.wait().ok();
        if let Some(problem) = problem {
            return Err(self.fail(problem));
        }
        if self.frames_read == 0 {
            return Err(self.fail("no video frames in the file".to_owned()));
        }
        if let Some(status) = status.filter(|s| !s.success()) {
            return Err(self.fail(format!(
                "decoding stopped after {} frames (ffmpeg: {status})",
                self.frames_read
            )));
        }
        if let Some(stated) = self.stated_duration_s
            && ended_early(self.last_end_s, stated)
        {
            return Err(self.fail(format!(
                "the input ended early: frames stop at {:.1} s of a {stated:.1} s video (the \
                 file may be cut short; only what was there is used)",
                self.last_end_s
            )));
        }
        Ok(None)
    }

    fn read_next(&mut self) -> Result<Option<Frame>, SourceError> {
        let info = match self.infos.recv() {
            Ok(Ok(info)) => info,
            Ok(Err(problem)) => return self.end(Some(problem)),
            Err(mpsc::RecvError) => return self.end(None),
        };
        // The reader thread checked the size against MAX_PIXELS.
        let len = info.width as usize * info.height as usize * 3;
        let mut buf = vec![0_u8; len];
        if let Err(e) = self.stdout.read_exact(&mut buf) {
            return Err(self.fail(format!(
                "the decoder stopped in the middle of frame {}: {e}",
                self.frames_read
            )));
        }
        let Some(image) = RgbImage::from_raw(info.width, info.height, buf) else {
            return Err(self.fail("frame size does not match its pixels".to_owned()));
        };
        let first = *self.first_t_s.get_or_insert(info.pts_time_s);
        self.frames_read += 1;
        let t_s = info.pts_time_s - first;
        self.last_end_s = self.last_end_s.max(t_s + info.duration_s);
        Ok(Some(Frame { t_s, image }))
    }
}

impl Iterator for VideoReader {
    type Item = Result<Frame, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        self.read_next().transpose()
    }
}

impl Drop for VideoReader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether frames covering `covered_s` fall clearly short of `stated_s`.
fn ended_early(covered_s: f64, stated_s: f64) -> bool {
    stated_s.is_finite() && stated_s - covered_s > EARLY_END_MIN_S.max(stated_s * EARLY_END_SHARE)
}

/// The video's duration as the container states it, from `ffprobe`'s JSON
/// (the video stream's own when given, else the file's). A file ffprobe
/// cannot read is an error with its words; a missing ffprobe only loses
/// the early-end check.
fn probe_duration(path: &Path) -> Result<Option<f64>, SourceError> {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=duration:format=duration"])
        .args(["-of", "json"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = output else {
        return Ok(None);
    };
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Ok(None);
    };
    let err_thread = std::thread::Builder::new()
        .name("ffprobe-stderr".to_owned())
        .spawn(move || {
            let mut text = Vec::new();
            let _ = err.take(MAX_LINE_BYTES).read_to_end(&mut text);
            text
        });
    let mut json = Vec::new();
    let read = out.take(MAX_PROBE_BYTES).read_to_end(&mut json);
    let _ = child.kill();
    let status = child.wait().ok();
    let err_text = err_thread
        .ok()
        .and_then(|t| t.join().ok())
        .map(|t| printable(&String::from_utf8_lossy(&t)))
        .unwrap_or_default();
    if read.is_err() || status.is_some_and(|s| !s.success()) {
        let reason = if err_text.trim().is_empty() {
            "ffmpeg could not read it".to_owned()
        } else {
            format!("ffmpeg could not read it:\n{}", err_text.trim())
        };
        return Err(SourceError::Video {
            path: path.to_path_buf(),
            reason,
        });
    }
    Ok(parse_probe(&json))
}

/// Reads the duration out of `ffprobe -of json` output.
fn parse_probe(json: &[u8]) -> Option<f64> {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        streams: Vec<Entry>,
        format: Option<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        duration: Option<String>,
    }
    let probe: Probe = serde_json::from_slice(json).ok()?;
    let seconds = |e: &Entry| {
        e.duration
            .as_deref()
            .and_then(|d| d.parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d > 0.0)
    };
    probe
        .streams
        .first()
        .and_then(seconds)
        .or_else(|| probe.format.as_ref().and_then(seconds))
}

/// Reads ffmpeg's `framecrc` listing and sends one [`FrameInfo`] per frame,
/// then an error if the listing was not what ffmpeg writes.
fn read_framecrc(mut reader: impl BufRead, tx: &mpsc::SyncSender<Result<FrameInfo, String>>) {
    let mut header = Header::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES)
            .read_until(b'\n', &mut line);
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) if line.last() != Some(&b'\n') && line.len() as u64 >= MAX_LINE_BYTES => {
                let _ = tx.send(Err("ffmpeg wrote an overlong line".to_owned()));
                return;
            }
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        match parse_framecrc_line(text.trim_end(), &mut header) {
            Ok(None) => {}
            Ok(Some(info)) => {
                if tx.send(Ok(info)).is_err() {
                    return;
                }
            }
            Err(problem) => {
                let _ = tx.send(Err(problem));
                return;
            }
        }
    }
}

/// One line of `framecrc` output: a `#` header line (kept in `header`), or
/// `stream, dts, pts, duration, size, checksum`. Frames must match the
/// header's size, which must be within [`MAX_SIDE_PX`] and [`MAX_PIXELS`].
fn parse_framecrc_line(line: &str, header: &mut Header) -> Result<Option<FrameInfo>, String> {
    if let Some(rest) = line.strip_prefix("#tb 0:") {
        let (num, den) = rest
            .trim()
            .split_once('/')
            .and_then(|(n, d)| Some((n.parse::<i64>().ok()?, d.parse::<i64>().ok()?)))
            .filter(|&(n, d)| n > 0 && d > 0)
            .ok_or_else(|| format!("ffmpeg reported an unusable time base `{rest}`"))?;
        header.time_base = Some((num, den));
        return Ok(None);
    }
    if let Some(rest) = line.strip_prefix("#dimensions 0:") {
        let (w, h) = rest
            .trim()
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
            .ok_or_else(|| format!("ffmpeg reported an unusable frame size `{rest}`"))?;
        check_size(w, h)?;
        header.size = Some((w, h));
        return Ok(None);
    }
    if line.starts_with('#') || line.is_empty() {
        return Ok(None);
    }
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let parsed = match fields.as_slice() {
        ["0", _dts, pts, duration, size, _crc, ..] => pts
            .parse::<i64>()
            .ok()
            .zip(duration.parse::<i64>().ok())
            .zip(size.parse::<u64>().ok())
            .map(|((p, d), s)| (p, d, s)),
        _ => None,
    };
    let Some((pts, duration, size)) = parsed else {
        return Err(format!(
            "ffmpeg wrote something unexpected: {}",
            printable(line)
        ));
    };
    let (Some((num, den)), Some((width, height))) = (header.time_base, header.size) else {
        return Err("ffmpeg listed a frame before its size and time base".to_owned());
    };
    if size != u64::from(width) * u64::from(height) * 3 {
        return Err(format!(
            "ffmpeg wrote a frame of {size} bytes where {width}x{height} RGB needs {}",
            u64::from(width) * u64::from(height) * 3
        ));
    }
    let tb = num as f64 / den as f64;
    let pts_time_s = pts as f64 * tb;
    if !pts_time_s.is_finite() {
        return Err(format!("ffmpeg reported an unusable timestamp {pts}"));
    }
    Ok(Some(FrameInfo {
        pts_time_s,
        duration_s: (duration.max(0) as f64 * tb).min(1.0),
        width,
        height,
    }))
}

/// Refuses frame sizes no camera or phone makes before they size a buffer.
fn check_size(width: u32, height: u32) -> Result<(), String> {
    if width == 0
        || height == 0
        || width > MAX_SIDE_PX
        || height > MAX_SIDE_PX
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(format!(
            "its frames are {width}x{height}; formcoach reads videos up to 8K \
             ({MAX_SIDE_PX} pixels a side, 7680x4320 in all)"
        ));
    }
    Ok(())
}

/// Text from a tool with control characters (terminal escapes) replaced.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    fn parse(lines: &[&str]) -> Vec<Result<Option<FrameInfo>, String>> {
        let mut header = Header::default();
        lines
            .iter()
            .map(|l| parse_framecrc_line(l, &mut header))
            .collect()
    }

    #[test]
    fn framecrc_lines_parse() {
        let out = parse(&[
            "#software: Lavf59.27.100",
            "#tb 0: 1/15360",
            "#media_type 0: video",
            "#dimensions 0: 64x48",
            "0,          0,          0,      512,     9216, 0xcd51850b",
            "0,        512,        512,      512,     9216, 0x195e8700",
        ]);
        assert!(out[..4].iter().all(|r| matches!(r, Ok(None))), "{out:?}");
        let second = out[5].as_ref().unwrap().unwrap();
        assert!((second.pts_time_s - 512.0 / 15360.0).abs() < 1e-12);
        assert_eq!((second.width, second.height), (64, 48));
    }

    /// A frame size beyond 8K, or bytes that do not match the size, never
    /// reach an allocation.
    #[test]
    fn framecrc_sizes_are_bounded_and_checked() {
        let huge = parse(&["#tb 0: 1/10", "#dimensions 0: 100000x100000"]);
        assert!(huge[1].as_ref().unwrap_err().contains("100000x100000"));
        let wide = parse(&["#dimensions 0: 8192x8192"]);
        assert!(wide[0].is_err(), "{wide:?}");
        let mismatch = parse(&[
            "#tb 0: 1/10",
            "#dimensions 0: 64x48",
            "0, 0, 0, 1, 999999, 0x0",
        ]);
        assert!(mismatch[2].as_ref().unwrap_err().contains("999999"));
        let early = parse(&["0, 0, 0, 1, 9216, 0x0"]);
        assert!(early[0].is_err());
        let zero_tb = parse(&["#tb 0: 1/0"]);
        assert!(zero_tb[0].is_err());
    }

    #[test]
    fn probe_json_gives_the_stream_duration_first() {
        let json = br#"{"programs":[],"streams":[{"duration":"7.8"}],"format":{"duration":"9.0"}}"#;
        assert_eq!(parse_probe(json), Some(7.8));
        let json = br#"{"streams":[{}],"format":{"duration":"9.0"}}"#;
        assert_eq!(parse_probe(json), Some(9.0));
        assert_eq!(parse_probe(br#"{"streams":[{"duration":"N/A"}]}"#), None);
        assert_eq!(parse_probe(b"not json"), None);
    }

    #[test]
    fn early_end_needs_a_clear_shortfall() {
        assert!(ended_early(2.2, 7.8));
        assert!(!ended_early(7.7, 7.8));
        assert!(!ended_early(9.5, 10.0));
        assert!(!ended_early(1.0, f64::NAN));
    }

    // Fuzzing: ffmpeg's listing is outside data; whatever it holds, the
    // parser returns a value and never lets a frame past the size bounds.
    proptest::proptest! {
        #[test]
        fn any_listing_parses_without_panic_or_oversized_frames(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000),
            w in proptest::prelude::any::<u32>(),
            h in proptest::prelude::any::<u32>(),
        ) {
            let header = format!("#tb 0: 1/30\n#dimensions 0: {w}x{h}\n");
            let bytes_wh = u64::from(w).wrapping_mul(u64::from(h)).wrapping_mul(3);
            let frame = format!("0, 0, 0, 1, {bytes_wh}, 0x0\n");
            let mut input = header.into_bytes();
            input.extend(frame.as_bytes());
            input.extend(&bytes);
            let (tx, rx) = mpsc::sync_channel(10_000);
            read_framecrc(&input[..], &tx);
            drop(tx);
            for info in rx.iter().flatten() {
                proptest::prop_assert!(
                    u64::from(info.width) * u64::from(info.height) <= MAX_PIXELS
                );
                proptest::prop_assert!(info.pts_time_s.is_finite());
            }
        }
    }

    /// A short synthetic clip made by ffmpeg, or `None` (with a note) when
    /// ffmpeg is not installed.
    fn make_clip(dir: &Path, name: &str, seconds: u32, extra: &[&str]) -> Option<PathBuf> {
        let path = dir.join(name);
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi"])
            .arg("-i")
            // 320x240 RGB is more than a pipe holds: one frame must be read
            // before ffmpeg can write the next line.
            .arg(format!("testsrc=size=320x240:rate=10:duration={seconds}"))
            .args(["-pix_fmt", "yuv420p"])
            .args(extra)
            .arg(&path)
            .status();
        if status.is_ok_and(|s| s.success()) {
            Some(path)
        } else {
            eprintln!("SKIPPED: ffmpeg cannot make a test clip here");
            None
        }
    }

    /// Regression (issue 15): a video whose title metadata looked like a
    /// `showinfo` line claiming 100000x100000 frames made the reader
    /// allocate 30 GB and the program abort. Sizes now come only from
    /// ffmpeg's own listing, so the crafted file reads as the 320x240 clip it is.
    #[test]
    fn crafted_video_metadata_cannot_size_frames() {
        let dir = tempfile::tempdir().unwrap();
        let fake = "[Parsed_showinfo_0 @ 0x1] n:   0 pts:      0 pts_time:0 s:100000x100000 i:P";
        let title = format!("title={fake}");
        let Some(clip) = make_clip(dir.path(), "m.mp4", 2, &["-metadata", &title]) else {
            return;
        };
        // The file name carries the same lie.
        let named = dir
            .path()
            .join("clip Parsed_showinfo n:0 pts_time:0 s:100000x100000 .mp4");
        std::fs::copy(&clip, &named).unwrap();
        for path in [&clip, &named] {
            let frames: Vec<Frame> = VideoReader::open(path)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(frames.len(), 20, "{}", path.display());
            assert!(
                frames.iter().all(|f| f.image.dimensions() == (320, 240)),
                "{}",
                path.display()
            );
            assert!((frames[19].t_s - 1.9).abs() < 1e-6, "{}", frames[19].t_s);
        }
    }

    /// Regression (issue 15): a video cut to its first part gave a report
    /// of what was left with no word that the rest was missing.
    #[test]
    fn truncated_video_says_the_input_ended_early() {
        let dir = tempfile::tempdir().unwrap();
        // moov first, so the cut file still opens and states its full length.
        let Some(clip) = make_clip(
            dir.path(),
            "whole.mp4",
            6,
            &["-movflags", "+faststart", "-g", "1"],
        ) else {
            return;
        };
        let bytes = std::fs::read(&clip).unwrap();
        let cut = dir.path().join("cut.mp4");
        std::fs::write(&cut, &bytes[..bytes.len() * 4 / 10]).unwrap();
        let results: Vec<Result<Frame, SourceError>> = VideoReader::open(&cut).unwrap().collect();
        let (last, frames) = results.split_last().unwrap();
        assert!(!frames.is_empty() && frames.iter().all(Result::is_ok));
        let err = last.as_ref().unwrap_err().to_string();
        assert!(
            err.contains("ended early") && err.contains("cut.mp4"),
            "{err}"
        );
    }
}
