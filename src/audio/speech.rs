//! Speech: renders phrases to PCM with an offline engine and caches them.
//!
//! Engines, in the order they are tried: espeak-ng (or the `FORMCOACH_ESPEAK`
//! program), then `espeak`, then the system voice on macOS (`say`) and Windows
//! (SAPI through PowerShell). Each one writes a WAV file, so every platform can
//! render to a buffer: the headless render, the mixer and the volume control all
//! work on samples. Each distinct phrase is rendered once per text, voice and
//! rate, kept in memory and, when a cache folder is given, on disk.

use super::{AudioError, SAMPLE_RATE};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// Loudness every phrase is brought to (RMS of its voiced part), about -18 dBFS.
pub const TARGET_RMS: f32 = 0.125;
/// Peak ceiling after normalising.
const PEAK_CEILING: f32 = 0.9;
/// Below this a sample counts as silence when trimming a phrase.
const TRIM_LEVEL: f32 = 0.01;
/// Longest phrase spoken, in characters: the longest cue is under 100. Text
/// from user files is capped before it reaches the engine, so a huge cue
/// cannot take minutes and gigabytes to render.
pub const MAX_PHRASE_CHARS: usize = 300;

/// An offline speech engine that writes WAV files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeechEngine {
    /// espeak-ng (or classic espeak) at this path.
    Espeak(PathBuf),
    /// macOS `say`.
    MacSay,
    /// Windows SAPI through PowerShell.
    WindowsSapi,
}

impl SpeechEngine {
    /// A short name for messages.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            SpeechEngine::Espeak(p) => p.file_stem().map_or_else(
                || "espeak-ng".to_owned(),
                |s| s.to_string_lossy().into_owned(),
            ),
            SpeechEngine::MacSay => "say".to_owned(),
            SpeechEngine::WindowsSapi => "Windows speech (SAPI)".to_owned(),
        }
    }

    /// The first engine found on this machine.
    pub fn detect() -> Result<SpeechEngine, AudioError> {
        if let Some(p) = std::env::var_os("FORMCOACH_ESPEAK").filter(|p| !p.is_empty()) {
            return Ok(SpeechEngine::Espeak(PathBuf::from(p)));
        }
        for name in ["espeak-ng", "espeak"] {
            if let Some(p) = find_program(name) {
                return Ok(SpeechEngine::Espeak(p));
            }
        }
        if cfg!(windows) {
            for dir in ["ProgramFiles", "ProgramFiles(x86)"] {
                if let Some(base) = std::env::var_os(dir) {
                    let p = PathBuf::from(base).join("eSpeak NG").join("espeak-ng.exe");
                    if p.is_file() {
                        return Ok(SpeechEngine::Espeak(p));
                    }
                }
            }
            if find_program("powershell").is_some() {
                return Ok(SpeechEngine::WindowsSapi);
            }
        }
        if cfg!(target_os = "macos") && find_program("say").is_some() {
            return Ok(SpeechEngine::MacSay);
        }
        Err(AudioError::NoSpeechEngine {
            tried: if cfg!(windows) {
                "espeak-ng, espeak, Windows speech".to_owned()
            } else if cfg!(target_os = "macos") {
                "espeak-ng, espeak, say".to_owned()
            } else {
                "espeak-ng, espeak".to_owned()
            },
        })
    }

    /// Voices this engine offers for `language` (such as `en`), as
    /// (id to pass back, label to show). Empty when the engine cannot list
    /// them; a voice name can still be typed in.
    #[must_use]
    pub fn voices(&self, language: &str) -> Vec<(String, String)> {
        let SpeechEngine::Espeak(program) = self else {
            return Vec::new();
        };
        let Ok(out) = Command::new(program)
            .arg(format!("--voices={language}"))
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
        else {
            return Vec::new();
        };
        parse_espeak_voices(&String::from_utf8_lossy(&out.stdout))
    }

    /// Speaks `text` into the WAV file `out`.
    fn render_to(
        &self,
        text: &str,
        voice: Option<&str>,
        rate_wpm: u32,
        out: &Path,
    ) -> Result<(), String> {
        let mut cmd = match self {
            SpeechEngine::Espeak(p) => {
                let mut c = Command::new(p);
                if let Some(v) = voice {
                    c.arg("-v").arg(v);
                }
                c.arg("-s")
                    .arg(rate_wpm.to_string())
                    .arg("--stdin")
                    .arg("-w")
                    .arg(out);
                c
            }
            SpeechEngine::MacSay => {
                let mut c = Command::new("say");
                if let Some(v) = voice {
                    c.arg("-v").arg(v);
                }
                c.arg("-r")
                    .arg(rate_wpm.to_string())
                    .arg("-o")
                    .arg(out)
                    .arg(format!("--data-format=LEI16@{SAMPLE_RATE}"))
                    .arg("-f")
                    .arg("-");
                c
            }
            SpeechEngine::WindowsSapi => {
                // Text on stdin and paths in the environment: nothing is quoted.
                let rate = ((i64::from(rate_wpm) - 180) / 20).clamp(-10, 10);
                let script = "Add-Type -AssemblyName System.Speech; \
                    $s = New-Object System.Speech.Synthesis.SpeechSynthesizer; \
                    if ($env:FORMCOACH_VOICE) { $s.SelectVoice($env:FORMCOACH_VOICE) }; \
                    $s.Rate = [int]$env:FORMCOACH_RATE; \
                    $f = New-Object System.Speech.AudioFormat.SpeechAudioFormatInfo(22050, \
                    [System.Speech.AudioFormat.AudioBitsPerSample]::Sixteen, \
                    [System.Speech.AudioFormat.AudioChannel]::Mono); \
                    $s.SetOutputToWaveFile($env:FORMCOACH_OUT, $f); \
                    $s.Speak([Console]::In.ReadToEnd()); $s.Dispose()";
                let mut c = Command::new("powershell");
                c.args(["-NoProfile", "-NonInteractive", "-Command", script])
                    .env("FORMCOACH_RATE", rate.to_string())
                    .env("FORMCOACH_OUT", out)
                    .env("FORMCOACH_VOICE", voice.unwrap_or(""));
                c
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start it: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| format!("cannot send the text: {e}"))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| format!("it did not finish: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            let err = String::from_utf8_lossy(&output.stderr);
            Err(format!(
                "{} ({})",
                err.lines().next().unwrap_or("no message").trim(),
                output.status
            ))
        }
    }
}

/// Reads `espeak-ng --voices` output: a header, then columns priority,
/// language, age/gender, voice name, file. The language code is what `-v`
/// takes; voices that share one are told apart by their file.
fn parse_espeak_voices(text: &str) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (lang, gender, name, file) =
                (cols.get(1)?, cols.get(2)?, cols.get(3)?, cols.get(4)?);
            // MBROLA voices need extra data files most installs lack.
            if file.starts_with("mb/") {
                return None;
            }
            let id = (*lang).to_owned();
            seen.insert(id.clone()).then(|| {
                let who = gender.rsplit('/').next().unwrap_or("-");
                (id, format!("{} ({who})", name.replace('_', " ")))
            })
        })
        .collect()
}

/// Finds an executable on `PATH`.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let p = dir.join(name);
        if p.is_file() {
            return Some(p);
        }
        let exe = dir.join(format!("{name}.exe"));
        exe.is_file().then_some(exe)
    })
}

/// Speech rendering with its phrase cache. Shared between threads.
#[derive(Debug)]
pub struct Speech {
    engine: SpeechEngine,
    voice: Option<String>,
    rate_wpm: u32,
    memory: Mutex<HashMap<String, Arc<[f32]>>>,
    disk: Option<PathBuf>,
    /// Set when the voice asked for was unknown and the default is used.
    voice_problem: Option<AudioError>,
}

impl Speech {
    /// Finds an engine and checks the voice. An unknown voice falls back to the
    /// engine's default with one log line; no engine at all is an error.
    pub fn open(voice: Option<&str>, rate_wpm: u32) -> Result<Speech, AudioError> {
        let engine = SpeechEngine::detect()?;
        Speech::with_engine(engine, voice, rate_wpm)
    }

    /// Uses `engine`, checking that it can speak (and knows `voice`).
    pub fn with_engine(
        engine: SpeechEngine,
        voice: Option<&str>,
        rate_wpm: u32,
    ) -> Result<Speech, AudioError> {
        let mut speech = Speech {
            engine,
            voice: voice.map(str::to_owned),
            rate_wpm,
            memory: Mutex::new(HashMap::new()),
            disk: None,
            voice_problem: None,
        };
        if let Err(e) = speech.synthesize("OK") {
            let Some(v) = speech.voice.take() else {
                return Err(e);
            };
            speech.synthesize("OK")?;
            let problem = AudioError::UnknownVoice {
                engine: speech.engine.name(),
                voice: v,
            };
            super::warn_once(&problem.to_string());
            speech.voice_problem = Some(problem);
        }
        Ok(speech)
    }

    /// Why the voice asked for is not the one speaking, if it is not (for the
    /// settings screen).
    #[must_use]
    pub fn voice_problem(&self) -> Option<&AudioError> {
        self.voice_problem.as_ref()
    }

    /// Also keeps rendered phrases in `dir` (created when needed).
    #[must_use]
    pub fn with_disk_cache(mut self, dir: Option<PathBuf>) -> Speech {
        self.disk = dir;
        self
    }

    /// The user cache folder for phrases.
    #[must_use]
    pub fn default_cache_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "formcoach").map(|d| d.cache_dir().join("speech"))
    }

    /// The engine in use.
    #[must_use]
    pub fn engine(&self) -> &SpeechEngine {
        &self.engine
    }

    /// The voice in use (`None`: the engine's default).
    #[must_use]
    pub fn voice(&self) -> Option<&str> {
        self.voice.as_deref()
    }

    /// A phrase as mono samples at [`SAMPLE_RATE`], trimmed of silence at both
    /// ends and brought to [`TARGET_RMS`]. Rendered once, then cached.
    pub fn phrase(&self, text: &str) -> Result<Arc<[f32]>, AudioError> {
        let text = clean_text(text);
        let key = cache_key(&text, self.voice.as_deref(), self.rate_wpm, &self.engine);
        if let Some(s) = self.memory.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(s);
        }
        let disk_file = self.disk.as_ref().map(|d| d.join(format!("{key}.wav")));
        let cached = disk_file.as_deref().and_then(|f| read_wav(f).ok());
        let samples: Arc<[f32]> = if let Some((s, rate)) = cached {
            resample(&s, rate, SAMPLE_RATE).into()
        } else {
            let s: Arc<[f32]> = self.synthesize(&text)?.into();
            if let Some(f) = &disk_file {
                // A cache that cannot be written only costs time later.
                let _ = f
                    .parent()
                    .map(std::fs::create_dir_all)
                    .transpose()
                    .map_err(|e| e.to_string())
                    .and_then(|_| write_wav_f32(f, &s).map_err(|e| e.to_string()));
            }
            s
        };
        if let Ok(mut m) = self.memory.lock() {
            m.insert(key, samples.clone());
        }
        Ok(samples)
    }

    /// Seconds `text` takes to say (renders it when not cached).
    pub fn duration_s(&self, text: &str) -> Result<f64, AudioError> {
        Ok(self.phrase(text)?.len() as f64 / f64::from(SAMPLE_RATE))
    }

    /// Renders without the cache.
    ///
    /// The engine writes into a fresh folder only this user can enter, with
    /// a random name created exclusively (the `tempfile` crate), so no one
    /// else on the computer can plant a link where the file will be written.
    fn synthesize(&self, text: &str) -> Result<Vec<f32>, AudioError> {
        let failed = |message: String| AudioError::SpeechFailed {
            engine: self.engine.name(),
            text: text.to_owned(),
            message,
        };
        let dir = tempfile::Builder::new()
            .prefix("formcoach-speech-")
            .tempdir()
            .map_err(|e| {
                failed(format!(
                    "cannot make a private temporary folder in {}: {e}",
                    std::env::temp_dir().display()
                ))
            })?;
        let tmp = dir.path().join("phrase.wav");
        let result = self
            .engine
            .render_to(text, self.voice.as_deref(), self.rate_wpm, &tmp)
            .map_err(&failed)
            .and_then(|()| read_wav(&tmp).map_err(|e| failed(e.to_string())));
        drop(dir);
        let (raw, rate) = result?;
        let s = resample(&raw, rate, SAMPLE_RATE);
        let s = normalize(&trim(&s));
        if s.is_empty() {
            return Err(failed("it produced no sound".to_owned()));
        }
        Ok(s)
    }
}

/// Collapses whitespace, drops control characters and keeps at most
/// [`MAX_PHRASE_CHARS`] characters (cut at a word).
fn clean_text(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        let word: String = word.chars().filter(|c| !c.is_control()).collect();
        let needed = out.chars().count() + usize::from(!out.is_empty()) + word.chars().count();
        if needed > MAX_PHRASE_CHARS {
            if out.is_empty() {
                out = word.chars().take(MAX_PHRASE_CHARS).collect();
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// A stable file name for a phrase: FNV-1a of engine, voice, rate and text.
fn cache_key(text: &str, voice: Option<&str>, rate: u32, engine: &SpeechEngine) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let id = format!(
        "{}\u{1}{}\u{1}{rate}\u{1}{text}",
        engine.name(),
        voice.unwrap_or("")
    );
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Reads a WAV file as mono f32 (channels averaged) and its sample rate.
pub fn read_wav(path: &Path) -> Result<(Vec<f32>, u32), AudioError> {
    let wav = |source| AudioError::Wav {
        path: path.to_owned(),
        source,
    };
    let mut r = hound::WavReader::open(path).map_err(wav)?;
    let spec = r.spec();
    let ch = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().collect::<Result<_, _>>().map_err(wav)?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1i64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(wav)?
        }
    };
    let mono = interleaved
        .chunks(ch)
        .map(|c| c.iter().sum::<f32>() / c.len() as f32)
        .collect();
    Ok((mono, spec.sample_rate))
}

fn write_wav_f32(path: &Path, samples: &[f32]) -> Result<(), hound::Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec)?;
    for s in samples {
        w.write_sample(*s)?;
    }
    w.finalize()
}

/// Linear-interpolation resampling (speech engines already give 16-24 kHz).
#[must_use]
pub fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || from == 0 || samples.is_empty() {
        return samples.to_vec();
    }
    let ratio = f64::from(from) / f64::from(to);
    let len = (samples.len() as f64 / ratio).floor() as usize;
    let last = samples.len() - 1;
    (0..len)
        .map(|i| {
            let pos = i as f64 * ratio;
            let k = pos.floor() as usize;
            let frac = (pos - k as f64) as f32;
            let here = samples[k.min(last)];
            let next = samples[(k + 1).min(last)];
            here + (next - here) * frac
        })
        .collect()
}

/// Cuts leading and trailing silence, keeping 10 ms on each side.
fn trim(s: &[f32]) -> Vec<f32> {
    let keep = (SAMPLE_RATE / 100) as usize;
    let Some(first) = s.iter().position(|x| x.abs() > TRIM_LEVEL) else {
        return Vec::new();
    };
    let last = s
        .iter()
        .rposition(|x| x.abs() > TRIM_LEVEL)
        .unwrap_or(first);
    let mut out = s[first.saturating_sub(keep)..=(last + keep).min(s.len() - 1)].to_vec();
    let fade = keep.min(out.len() / 2);
    let n = out.len();
    for i in 0..fade {
        let g = i as f32 / fade as f32;
        out[i] *= g;
        out[n - 1 - i] *= g;
    }
    out
}

/// Brings the voiced part (20 ms blocks above -40 dBFS) to [`TARGET_RMS`],
/// never past [`PEAK_CEILING`].
fn normalize(s: &[f32]) -> Vec<f32> {
    let block = (SAMPLE_RATE / 50) as usize;
    let (sum, count) = s
        .chunks(block)
        .map(rms)
        .filter(|r| *r > 0.01)
        .fold((0.0f32, 0usize), |(a, n), r| (a + r * r, n + 1));
    if count == 0 {
        return s.to_vec();
    }
    let voiced = (sum / count as f32).sqrt();
    let peak = s.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let gain = (TARGET_RMS / voiced).min(PEAK_CEILING / peak.max(1e-6));
    s.iter().map(|x| x * gain).collect()
}

/// Root mean square of a block.
#[must_use]
pub fn rms(s: &[f32]) -> f32 {
    if s.is_empty() {
        return 0.0;
    }
    (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    fn espeak() -> Option<Speech> {
        match Speech::open(None, super::super::DEFAULT_RATE_WPM) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("skipping: {e}");
                None
            }
        }
    }

    #[test]
    fn espeak_voice_lists_are_read_without_mbrola_or_repeats() {
        let text =
            "Pty Language       Age/Gender VoiceName          File                 Other Languages
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 3  en-uk           --/M      english-mb-en1     mb/mb-en1            (en-gb 3)(en 2)
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  en-us           --/F      us-mbrola-1        mb/mb-us1            (en 8)
 5  en-us           --/M      other-us           gmw/en-US-x          (en 9)
 garbage
";
        let v = parse_espeak_voices(text);
        assert_eq!(
            v,
            vec![
                ("en-gb".to_owned(), "English (Great Britain) (M)".to_owned()),
                ("en-us".to_owned(), "English (America) (M)".to_owned()),
            ]
        );
        assert!(parse_espeak_voices("").is_empty());
    }

    #[test]
    fn an_unknown_voice_falls_back_and_says_so() {
        let Ok(engine) = SpeechEngine::detect() else {
            eprintln!("skipping: no speech engine (install espeak-ng)");
            return;
        };
        let s = Speech::with_engine(engine.clone(), Some("xx-no-such-voice"), 165).unwrap();
        assert!(s.voice().is_none());
        let why = s
            .voice_problem()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(why.contains("xx-no-such-voice"), "{why}");
        let ok = Speech::with_engine(engine, None, 165).unwrap();
        assert!(ok.voice_problem().is_none());
    }

    #[test]
    fn helpers_trim_normalize_resample() {
        let mut raw = vec![0.0f32; 1000];
        raw.extend((0..2205).map(|i| 0.5 * (i as f32 * 0.1).sin()));
        raw.extend(vec![0.0; 3000]);
        let trimmed = trim(&raw);
        let len = trimmed.len();
        assert!(len < 2205 + 2 * 221 + 10 && len > 2205, "{len}");
        let norm = normalize(&trimmed);
        let voiced = rms(&norm[300..norm.len() - 300]);
        assert!((voiced - TARGET_RMS).abs() < 0.02, "{voiced}");
        let r = resample(&[0.0, 1.0, 0.0, -1.0], 16_000, 32_000);
        assert_eq!(r.len(), 8);
        assert!((r[1] - 0.5).abs() < 1e-6);
        assert_eq!(clean_text("  Keep\n your\thips\u{7} "), "Keep your hips");
        let e = SpeechEngine::Espeak(PathBuf::from("espeak-ng"));
        assert_eq!(cache_key("a", None, 160, &e), cache_key("a", None, 160, &e));
        assert_ne!(cache_key("a", None, 160, &e), cache_key("a", None, 170, &e));
        assert_ne!(
            cache_key("a", None, 160, &e),
            cache_key("a", Some("en"), 160, &e)
        );
    }

    /// Regression (issue 15): speech was rendered to the predictable
    /// `/tmp/formcoach-speech-<pid>-<n>.wav`, so another local user could
    /// plant links there and have the file they point at overwritten. The
    /// old names are planted here as links to a file that must survive.
    #[cfg(unix)]
    #[test]
    fn speech_temp_files_cannot_be_planted() {
        let Some(s) = espeak() else { return };
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        let mut planted = Vec::new();
        // The counter is shared with the other tests in this process.
        for n in 0..2048 {
            let link = std::env::temp_dir()
                .join(format!("formcoach-speech-{}-{n}.wav", std::process::id()));
            if std::os::unix::fs::symlink(&victim, &link).is_ok() {
                planted.push(link);
            }
        }
        let spoken = s.phrase("Planted links are not followed.");
        for link in &planted {
            let _ = std::fs::remove_file(link);
        }
        assert!(!spoken.unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }

    #[test]
    fn huge_phrases_are_cut_to_a_sentence() {
        let long = "word ".repeat(1_000_000);
        let cut = clean_text(&long);
        assert!(cut.chars().count() <= MAX_PHRASE_CHARS);
        assert!(cut.ends_with("word") && cut.starts_with("word word"));
        let one = "x".repeat(10_000);
        assert_eq!(clean_text(&one).chars().count(), MAX_PHRASE_CHARS);
    }

    #[test]
    fn missing_engine_is_a_clear_error() {
        let e = Speech::with_engine(
            SpeechEngine::Espeak(PathBuf::from("/nonexistent/espeak-ng")),
            None,
            160,
        )
        .unwrap_err();
        assert!(e.to_string().contains("cannot start"), "{e}");
        let none = AudioError::NoSpeechEngine {
            tried: "espeak-ng".into(),
        };
        assert!(none.to_string().contains("install espeak-ng"));
    }

    #[test]
    fn unknown_voice_falls_back_and_phrases_are_cached() {
        let Some(_) = espeak() else { return };
        let s = Speech::open(Some("xyzzy-voice"), 165).unwrap();
        assert_eq!(s.voice(), None);
        let dir = tempfile::tempdir().unwrap();
        let s = s.with_disk_cache(Some(dir.path().to_owned()));
        let t0 = std::time::Instant::now();
        let a = s.phrase("Leave your knees planted.").unwrap();
        let first = t0.elapsed();
        let t1 = std::time::Instant::now();
        let b = s.phrase("Leave  your knees planted.").unwrap();
        assert!(Arc::ptr_eq(&a, &b), "same text renders once");
        assert!(t1.elapsed() < first);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A fresh cache in memory reads the disk copy.
        let s2 = Speech::open(None, 165)
            .unwrap()
            .with_disk_cache(Some(dir.path().to_owned()));
        let c = s2.phrase("Leave your knees planted.").unwrap();
        assert_eq!(c.len(), a.len());
    }

    /// Every cue the catalogue has, rendered: length and loudness in range.
    #[test]
    fn every_cue_renders_with_sane_length_and_loudness() {
        let Some(s) = espeak() else { return };
        let (cat, _) = crate::coach::Catalogue::builtin();
        let mut phrases: Vec<String> = Vec::new();
        for ex in cat.iter() {
            phrases.extend(
                super::super::cues::Announcer::new(ex, super::super::AudioSettings::default())
                    .phrases(),
            );
        }
        phrases.sort();
        phrases.dedup();
        assert!(phrases.len() > 40, "{}", phrases.len());
        for p in &phrases {
            let samples = s.phrase(p).unwrap();
            let secs = samples.len() as f32 / SAMPLE_RATE as f32;
            let block = (SAMPLE_RATE / 50) as usize;
            let voiced: Vec<f32> = samples
                .chunks(block)
                .map(rms)
                .filter(|r| *r > 0.01)
                .collect();
            let level = (voiced.iter().map(|r| r * r).sum::<f32>() / voiced.len() as f32).sqrt();
            let db = 20.0 * level.log10();
            let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            eprintln!("{secs:5.2} s {db:6.1} dBFS peak {peak:.2}  {p}");
            let max_s = 1.0 + 0.09 * p.len() as f32;
            assert!(secs > 0.15 && secs < max_s, "{p}: {secs} s");
            assert!((-24.0..=-15.0).contains(&db), "{p}: {db} dBFS");
            assert!(peak <= PEAK_CEILING + 1e-3, "{p}: peak {peak}");
        }
    }
}
