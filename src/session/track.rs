//! Reading pose tracks (`.jsonl`, one `PoseFrame` per line) with errors that say
//! which line is wrong and why.

use crate::pose::PoseFrame;
use serde_json::Value;
use std::io::{BufRead, Read as _};
use std::path::Path;

/// Longest line read, in bytes: a frame with several people is a few
/// kilobytes; a longer line is refused before it fills the memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Latest frame time accepted, seconds (about 11 days): later times are not
/// from a recording and would make every duration absurd.
pub const MAX_T_S: f64 = 1e6;

/// A jump in time longer than this between frames is noted, seconds.
pub const NOTED_GAP_S: f64 = 60.0;

/// A track that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A line is not a pose frame.
    #[error("{file}:{line}: not a pose frame: {message}")]
    BadLine {
        file: String,
        line: usize,
        message: String,
    },
    /// No frames at all.
    #[error("{file}: the track has no frames")]
    Empty { file: String },
}

/// Frames read from a track plus notes about lines that were skipped or patched.
#[derive(Debug, Clone, Default)]
pub struct Track {
    /// Frames in time order.
    pub frames: Vec<PoseFrame>,
    /// What was skipped or patched, with line numbers.
    pub notes: Vec<String>,
}

/// Reads a `.jsonl` track from disk; a name ending in `.gz` is gunzipped first.
pub fn read_track(path: &Path) -> Result<Track, TrackError> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| TrackError::Io {
        file: file.clone(),
        source,
    })?;
    if path.extension().is_some_and(|e| e == "gz") {
        parse_track(
            std::io::BufReader::new(flate2::read::GzDecoder::new(f)),
            &file,
        )
    } else {
        parse_track(std::io::BufReader::new(f), &file)
    }
}

/// Parses a track. Blank lines are ignored; NaN/Infinity coordinates (or `null`) make
/// that joint unseen; a frame whose time goes backwards (or repeats) is skipped with a note.
///
/// A file that breaks off (a truncated `.gz`) keeps the frames read before
/// the break, with a note; a line over [`MAX_LINE_BYTES`], a time over
/// [`MAX_T_S`] and a non-finite time are errors naming the line.
pub fn parse_track(mut reader: impl BufRead, file: &str) -> Result<Track, TrackError> {
    let mut track = Track::default();
    let mut last_t: Option<f64> = None;
    let mut missing_t = false;
    let mut bytes = Vec::new();
    for line_no in 1.. {
        bytes.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut bytes);
        let bad = |message: String| TrackError::BadLine {
            file: file.to_owned(),
            line: line_no,
            message,
        };
        match read {
            Ok(0) => break,
            Ok(n) if n > MAX_LINE_BYTES => {
                return Err(bad(format!(
                    "the line is longer than {} KB",
                    MAX_LINE_BYTES / 1024
                )));
            }
            Ok(_) => {}
            Err(source) if track.frames.is_empty() => {
                return Err(TrackError::Io {
                    file: file.to_owned(),
                    source,
                });
            }
            Err(e) => {
                track.notes.push(format!(
                    "{file}:{line_no}: the file breaks off here ({e}); the frames before it are used"
                ));
                break;
            }
        }
        let Ok(line) = std::str::from_utf8(&bytes) else {
            return Err(bad("not UTF-8 text".to_owned()));
        };
        if line.trim().is_empty() {
            continue;
        }
        let cleaned = replace_non_finite(line);
        let mut value: Value = serde_json::from_str(&cleaned).map_err(|e| bad(e.to_string()))?;
        let unseen = mark_unseen(&mut value);
        let mut frame: PoseFrame = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if !unseen.is_empty() {
            apply_unseen(&mut frame, &unseen);
        }
        match (frame.t, last_t) {
            (Some(t), _) if !t.is_finite() => {
                return Err(bad("`t` is not a finite number".to_owned()));
            }
            (Some(t), _) if t.abs() > MAX_T_S => {
                return Err(bad(format!(
                    "`t` is {t:.3e} s; times over {MAX_T_S:.0} s are not from a recording"
                )));
            }
            (Some(t), Some(prev)) if t <= prev => {
                track.notes.push(format!(
                    "{file}:{line_no}: time {t} s does not follow {prev} s; frame skipped"
                ));
                continue;
            }
            (Some(t), prev) => {
                if let Some(prev) = prev
                    && t - prev > NOTED_GAP_S
                {
                    track.notes.push(format!(
                        "{file}:{line_no}: time jumps from {prev:.1} s to {t:.1} s with no frames between"
                    ));
                }
                last_t = Some(t);
            }
            (None, _) => missing_t = true,
        }
        track.frames.push(frame);
    }
    if track.frames.is_empty() {
        return Err(TrackError::Empty {
            file: file.to_owned(),
        });
    }
    if missing_t {
        track.notes.push(format!(
            "{file}: some frames have no time `t`; 30 frames per second assumed"
        ));
    }
    Ok(track)
}

/// JSON has no NaN; trackers that write it anyway get it read as `null` (unseen).
fn replace_non_finite(line: &str) -> String {
    if !(line.contains("NaN") || line.contains("Infinity")) {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        if let Some(t) = token {
            out.push_str("null");
            rest = &rest[t.len()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Replaces `null` coordinates with 0 and remembers them: (person, list, index).
fn mark_unseen(value: &mut Value) -> Vec<(usize, bool, usize)> {
    let mut unseen = Vec::new();
    let Some(people) = value.get_mut("people").and_then(Value::as_array_mut) else {
        return unseen;
    };
    for (pi, person) in people.iter_mut().enumerate() {
        for (is_world, key, fields) in [
            (false, "keypoints", &["x", "y", "score"][..]),
            (true, "world", &["x", "y", "z"][..]),
        ] {
            let Some(list) = person.get_mut(key).and_then(Value::as_array_mut) else {
                continue;
            };
            for (ki, k) in list.iter_mut().enumerate() {
                let Some(obj) = k.as_object_mut() else {
                    continue;
                };
                let mut bad = false;
                for f in fields {
                    if obj.get(*f).is_some_and(Value::is_null) {
                        obj.insert((*f).to_owned(), Value::from(0.0));
                        bad = true;
                    }
                }
                if bad {
                    unseen.push((pi, is_world, ki));
                }
            }
        }
    }
    unseen
}

fn apply_unseen(frame: &mut PoseFrame, unseen: &[(usize, bool, usize)]) {
    for &(pi, is_world, ki) in unseen {
        let Some(person) = frame.people.get_mut(pi) else {
            continue;
        };
        if is_world {
            if let Some(w) = person.world.as_mut().and_then(|w| w.get_mut(ki)) {
                w.x = f32::NAN;
                w.y = f32::NAN;
                w.z = f32::NAN;
            }
        } else if let Some(k) = person.keypoints.get_mut(ki) {
            k.x = f32::NAN;
            k.y = f32::NAN;
            k.score = 0.0;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    const FRAME: &str = r#"{"t":T,"width":640,"height":480,"model":"m","people":[{"score":0.9,"keypoints":[{"name":"left_hip","x":X,"y":2.0,"score":0.9}]}]}"#;

    fn line(t: &str, x: &str) -> String {
        FRAME.replace('T', t).replace('X', x)
    }

    #[test]
    fn nan_is_unseen_backwards_time_is_skipped() {
        let text = [
            line("0.0", "1.0"),
            line("0.1", "NaN"),
            line("0.05", "1.0"),
            String::new(),
            line("0.2", "1.0"),
        ]
        .join("\n");
        let track = parse_track(text.as_bytes(), "t.jsonl").unwrap();
        assert_eq!(track.frames.len(), 3);
        let k = track.frames[1].people[0].keypoints[0];
        assert!(k.x.is_nan() && k.score == 0.0);
        assert!(track.notes[0].contains("t.jsonl:3"), "{:?}", track.notes);
    }

    /// Regression (issue 15): a truncated `.gz` track threw away every frame
    /// read so far, and a track with an enormous time gap was accepted
    /// without a note (one printed a 300-digit duration).
    #[test]
    fn truncated_gz_keeps_its_frames_and_time_jumps_are_noted() {
        use std::io::Write as _;
        let text: String = (0..400)
            .map(|i| line(&format!("{:.1}", f64::from(i) * 0.1), "1.0") + "\n")
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let cut = &bytes[..bytes.len() / 2];
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(cut));
        let track = parse_track(reader, "t.jsonl.gz").unwrap();
        assert!(!track.frames.is_empty() && track.frames.len() < 400);
        assert!(
            track.notes.iter().any(|n| n.contains("breaks off")),
            "{:?}",
            track.notes
        );

        let jump = [
            line("0.0", "1.0"),
            line("0.1", "1.0"),
            line("604800.1", "1.0"),
        ]
        .join("\n");
        let track = parse_track(jump.as_bytes(), "j.jsonl").unwrap();
        assert!(
            track
                .notes
                .iter()
                .any(|n| n.starts_with("j.jsonl:3:") && n.contains("jumps")),
            "{:?}",
            track.notes
        );
        let absurd = [line("0.0", "1.0"), line("1e300", "1.0")].join("\n");
        let err = parse_track(absurd.as_bytes(), "a.jsonl")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("a.jsonl:2:"), "{err}");
    }

    // Fuzzing: pose tracks are outside data; any bytes give a value.
    proptest::proptest! {
        #[test]
        fn any_track_bytes_parse_without_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000),
            junk in "\\PC{0,200}",
        ) {
            let _ = parse_track(&bytes[..], "fuzz.jsonl");
            let mixed = format!("{}\n{junk}\n{}", line("0.0", "1.0"), line("0.1", "NaN"));
            if let Ok(track) = parse_track(mixed.as_bytes(), "fuzz.jsonl") {
                for f in &track.frames {
                    proptest::prop_assert!(f.t.is_none_or(|t| t.abs() <= MAX_T_S));
                }
            }
        }
    }

    #[test]
    fn bad_json_names_the_line_and_empty_is_an_error() {
        let text = format!("{}\n{{\"t\": oops}}\n", line("0.0", "1.0"));
        let err = parse_track(text.as_bytes(), "t.jsonl")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("t.jsonl:2:"), "{err}");
        let err = parse_track("\n\n".as_bytes(), "e.jsonl").unwrap_err();
        assert!(matches!(err, TrackError::Empty { .. }));
    }
}
