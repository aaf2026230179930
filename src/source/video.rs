//! Video files, decoded by the `ffmpeg` program into raw RGB frames.
//!
//! Timestamps come from the container (ffmpeg's `showinfo` filter reports
//! each frame's presentation time), not from a frame counter, so variable
//! frame-rate phone videos keep their real timing. Frames are streamed: a long
//! video never sits in memory.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;

use image::RgbImage;

use super::{Frame, SourceError};

/// Per-frame facts ffmpeg prints on stderr.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FrameInfo {
    pts_time_s: f64,
    width: u32,
    height: u32,
}

/// Streams frames out of a video file.
pub struct VideoReader {
    path: PathBuf,
    child: Child,
    stdout: ChildStdout,
    infos: mpsc::Receiver<Result<FrameInfo, String>>,
    first_t_s: Option<f64>,
    frames_read: u64,
    finished: bool,
}

impl VideoReader {
    /// Starts decoding `path`.
    pub fn open(path: &Path) -> Result<VideoReader, SourceError> {
        if !path.is_file() {
            return Err(SourceError::Video {
                path: path.to_path_buf(),
                reason: "no such file".to_owned(),
            });
        }
        let mut child = Command::new("ffmpeg")
            .args(["-hide_banner", "-nostdin", "-loglevel", "info", "-i"])
            .arg(path)
            .args(["-map", "0:v:0", "-an", "-sn", "-fps_mode", "passthrough"])
            .args([
                "-vf", "showinfo", "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    SourceError::FfmpegMissing
                } else {
                    SourceError::Video {
                        path: path.to_path_buf(),
                        reason: format!("cannot start ffmpeg: {e}"),
                    }
                }
            })?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(SourceError::Video {
                path: path.to_path_buf(),
                reason: "ffmpeg started without pipes".to_owned(),
            });
        };
        let (tx, rx) = mpsc::sync_channel(256);
        std::thread::Builder::new()
            .name("ffmpeg-stderr".to_owned())
            .spawn(move || {
                let mut tail: Vec<String> = Vec::new();
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(info) = parse_showinfo(&line) {
                        if tx.send(Ok(info)).is_err() {
                            return;
                        }
                    } else if !line.contains("Parsed_showinfo") {
                        tail.push(line);
                        if tail.len() > 8 {
                            tail.remove(0);
                        }
                    }
                }
                let _ = tx.send(Err(tail.join("\n")));
            })
            .map_err(|e| SourceError::Video {
                path: path.to_path_buf(),
                reason: format!("cannot start a reader thread: {e}"),
            })?;
        Ok(VideoReader {
            path: path.to_path_buf(),
            child,
            stdout,
            infos: rx,
            first_t_s: None,
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

    fn read_next(&mut self) -> Result<Option<Frame>, SourceError> {
        let info = match self.infos.recv() {
            Ok(Ok(info)) => info,
            Ok(Err(tail)) => {
                self.finished = true;
                let status = self.child.wait().ok();
                if self.frames_read == 0 {
                    let reason = if tail.trim().is_empty() {
                        "no video frames in the file".to_owned()
                    } else {
                        format!("ffmpeg could not decode it:\n{tail}")
                    };
                    return Err(self.fail(reason));
                }
                if status.is_some_and(|s| !s.success()) {
                    return Err(self.fail(format!(
                        "decoding stopped after {} frames:\n{tail}",
                        self.frames_read
                    )));
                }
                return Ok(None);
            }
            Err(mpsc::RecvError) => {
                self.finished = true;
                return Ok(None);
            }
        };
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
        Ok(Some(Frame {
            t_s: info.pts_time_s - first,
            image,
        }))
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

/// Reads `pts_time:` and `s:WxH` from one `showinfo` line.
fn parse_showinfo(line: &str) -> Option<FrameInfo> {
    if !line.contains("Parsed_showinfo") || !line.contains(" n:") {
        return None;
    }
    let pts_time_s = field(line, "pts_time:")?.parse::<f64>().ok()?;
    let size = field(line, " s:")?;
    let (w, h) = size.split_once('x')?;
    let (width, height) = (w.parse().ok()?, h.parse().ok()?);
    if width == 0 || height == 0 || !pts_time_s.is_finite() {
        return None;
    }
    Some(FrameInfo {
        pts_time_s,
        width,
        height,
    })
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(key)? + key.len();
    let rest = line[start..].trim_start();
    Some(rest.split_whitespace().next().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn showinfo_lines_parse() {
        let line = "[Parsed_showinfo_0 @ 0x55d] n:   3 pts:   3003 pts_time:0.1001  duration:1001 duration_time:0.0333667 fmt:yuv420p cl:left sar:1/1 s:640x360 i:P iskey:0 type:P";
        let info = parse_showinfo(line).unwrap();
        assert!((info.pts_time_s - 0.1001).abs() < 1e-9);
        assert_eq!((info.width, info.height), (640, 360));
        assert!(
            parse_showinfo("[Parsed_showinfo_0 @ 0x55d] config in time_base: 1/30000").is_none()
        );
        assert!(parse_showinfo("frame=  10 fps=0.0 q=-0.0 size=").is_none());
    }
}
