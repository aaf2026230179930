//! Headless render: the spoken and tonal track of a session, time-aligned to
//! its frames (sample 0 is session time 0), as a mono 16-bit WAV at 22050 Hz.

use super::cues::{Announcer, estimate_speech_s};
use super::speech::Speech;
use super::{
    AudioError, AudioSettings, Priority, SAMPLE_RATE, Utterance, UtteranceKind, warn_once,
};
use crate::audio::tones::ToneKind;
use crate::coach::Exercise;
use crate::pose::PoseFrame;
use crate::session::{Report, Stepper};
use std::path::Path;
use std::sync::Arc;

/// Silence added after the last sound or frame.
const TAIL_S: f64 = 0.5;
/// Fade applied where a phrase is cut short by a more important one.
const CUT_FADE_S: f64 = 0.015;

/// Longest stretch without frames kept in the track, seconds. A longer gap
/// in the input (a track that jumps a week ahead) becomes this much silence,
/// with a note, instead of asking for gigabytes of silent samples.
pub const MAX_GAP_S: f64 = 5.0;

/// Longest track rendered, seconds: two hours, about 640 MB of samples
/// while mixing. What comes later is left out, with a note.
pub const MAX_TRACK_S: f64 = 2.0 * 3600.0;

/// Gaps noted one by one; more are counted in one note.
const MAX_GAP_NOTES: usize = 5;

/// Where the input's long gaps were shortened: (input time where cutting
/// starts, seconds cut). Maps session time to track time.
#[derive(Debug, Default)]
struct Gaps {
    cuts: Vec<(f64, f64)>,
    notes: Vec<String>,
}

impl Gaps {
    /// Takes in the next frame time; remembers a gap longer than [`MAX_GAP_S`].
    fn frame(&mut self, last_t: Option<f64>, t: f64) {
        let Some(last) = last_t else { return };
        let gap = t - last;
        if gap > MAX_GAP_S {
            self.cuts.push((last + MAX_GAP_S, gap - MAX_GAP_S));
            if self.cuts.len() <= MAX_GAP_NOTES {
                self.notes.push(format!(
                    "the input has no frames from {} s to {} s; the track keeps \
                     {MAX_GAP_S:.0} s of silence there",
                    seconds(last),
                    seconds(t)
                ));
            }
        }
    }

    /// Session time to track time.
    fn map(&self, t: f64) -> f64 {
        let mut cut = 0.0;
        for &(at, removed) in &self.cuts {
            if t >= at + removed {
                cut += removed;
            } else if t > at {
                cut += t - at;
            }
        }
        t - cut
    }

    fn into_notes(mut self) -> Vec<String> {
        if self.cuts.len() > MAX_GAP_NOTES {
            self.notes.push(format!(
                "{} more gaps without frames were shortened the same way",
                self.cuts.len() - MAX_GAP_NOTES
            ));
        }
        self.notes
    }
}

/// Seconds for a note: one decimal, or powers of ten when absurdly large.
fn seconds(t: f64) -> String {
    if t.abs() < 1e7 {
        format!("{t:.1}")
    } else {
        format!("{t:.2e}")
    }
}

/// Where one sound sits in the rendered track.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Start, seconds (session time).
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Its priority.
    pub priority: Priority,
    /// The phrase, for speech.
    pub text: Option<String>,
    /// The tone, for tones.
    pub tone: Option<ToneKind>,
}

/// What a render produced.
#[derive(Debug, Clone)]
pub struct RenderSummary {
    /// The session report (the same as `analyze_track` gives).
    pub report: Report,
    /// Everything the announcer asked for.
    pub utterances: Vec<Utterance>,
    /// Where each sound ended up in the track.
    pub spans: Vec<Span>,
    /// Length of the track, seconds.
    pub duration_s: f64,
    /// The speech engine used (`None`: tones only).
    pub speech_engine: Option<String>,
    /// Problems met (missing engine, a phrase that failed).
    pub notes: Vec<String>,
}

/// Smooths, coaches, records and announces a whole pose track, and mixes its
/// audio. `speech: None` renders tones only (speech is then only timed).
#[must_use]
pub fn render_session(
    exercise: &Exercise,
    frames: impl IntoIterator<Item = PoseFrame>,
    settings: &AudioSettings,
    speech: Option<&Arc<Speech>>,
) -> (Vec<f32>, RenderSummary) {
    let settings = settings.sanitized();
    let rate = settings.rate_wpm;
    let timer_speech = speech.cloned();
    let mut announcer =
        Announcer::new(exercise, settings.clone()).with_timer(Box::new(move |text| {
            timer_speech
                .as_ref()
                .and_then(|s| s.duration_s(text).ok())
                .unwrap_or_else(|| estimate_speech_s(text, rate))
        }));
    let mut stepper = Stepper::new(exercise);
    let mut utterances = Vec::new();
    let mut last_t: Option<f64> = None;
    let mut gaps = Gaps::default();
    for frame in frames {
        let feedback = stepper.step(frame).feedback;
        gaps.frame(last_t, feedback.t_s);
        last_t = Some(last_t.map_or(feedback.t_s, |l| l.max(feedback.t_s)));
        utterances.extend(announcer.step(&feedback));
    }
    let report = stepper.finish();
    // The track runs on its own clock: the session's, with long gaps cut.
    let placed: Vec<Utterance> = utterances
        .iter()
        .map(|u| Utterance {
            t_s: gaps.map(u.t_s),
            ..u.clone()
        })
        .collect();
    let end_s = gaps.map(last_t.unwrap_or(0.0));
    let (samples, spans, mix_notes) = mix(&placed, speech.map(|s| &**s), settings.volume, end_s);
    let mut notes = gaps.into_notes();
    notes.extend(mix_notes);
    let summary = RenderSummary {
        report,
        utterances,
        spans,
        duration_s: samples.len() as f64 / f64::from(SAMPLE_RATE),
        speech_engine: speech.map(|s| s.engine().name()),
        notes,
    };
    (samples, summary)
}

/// Renders a session's audio track into the WAV file `out`. A missing speech
/// engine is logged once and gives a tones-only track (noted in the summary).
pub fn render_session_wav(
    exercise: &Exercise,
    frames: impl IntoIterator<Item = PoseFrame>,
    settings: &AudioSettings,
    out: &Path,
) -> Result<RenderSummary, AudioError> {
    let mut notes = Vec::new();
    let speech = if settings.voice_on {
        match Speech::open(settings.voice.as_deref(), settings.sanitized().rate_wpm) {
            Ok(s) => Some(Arc::new(s.with_disk_cache(Speech::default_cache_dir()))),
            Err(e) => {
                warn_once(&e.to_string());
                notes.push(format!("{e}; the track has tones only"));
                None
            }
        }
    } else {
        None
    };
    let (samples, mut summary) = render_session(exercise, frames, settings, speech.as_ref());
    write_wav(out, &samples)?;
    notes.append(&mut summary.notes);
    summary.notes = notes;
    Ok(summary)
}

struct Placed {
    start: usize,
    samples: Arc<[f32]>,
    len: usize,
    cut: bool,
    span: Span,
}

/// Mixes utterances into one track lasting at least to `end_s` (plus a short
/// tail). Speech is one lane: a phrase waits for the one before it unless it is
/// more important, in which case the one before is cut short with a fade.
/// Returns the samples, where each sound went, and notes about phrases that
/// could not be rendered.
#[must_use]
pub fn mix(
    utterances: &[Utterance],
    speech: Option<&Speech>,
    volume: f32,
    end_s: f64,
) -> (Vec<f32>, Vec<Span>, Vec<String>) {
    let sr = f64::from(SAMPLE_RATE);
    let mut ordered: Vec<&Utterance> = utterances.iter().collect();
    ordered.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    let mut placed: Vec<Placed> = Vec::new();
    let mut notes = Vec::new();
    let mut lane: Option<usize> = None;
    notes.extend(beyond_the_end(&ordered, end_s));
    for u in ordered.into_iter().filter(|u| placeable(u.t_s)) {
        let t = u.t_s.max(0.0);
        match &u.kind {
            UtteranceKind::Tone(kind) => {
                let samples: Arc<[f32]> = kind.synth(SAMPLE_RATE).into();
                let len = samples.len();
                placed.push(Placed {
                    start: (t * sr).round() as usize,
                    len,
                    samples,
                    cut: false,
                    span: Span {
                        start_s: t,
                        end_s: t + len as f64 / sr,
                        priority: u.priority,
                        text: None,
                        tone: Some(*kind),
                    },
                });
            }
            UtteranceKind::Speech(text) => {
                let Some(speech) = speech else { continue };
                let samples = match speech.phrase(text) {
                    Ok(s) => s,
                    Err(e) => {
                        warn_once(&e.to_string());
                        notes.push(e.to_string());
                        continue;
                    }
                };
                let mut start = t;
                if let Some(prev) = lane.and_then(|i| placed.get_mut(i))
                    && prev.span.end_s > t
                {
                    if u.priority > prev.span.priority {
                        prev.len = ((t - prev.span.start_s) * sr).round().max(0.0) as usize;
                        prev.span.end_s = t;
                        prev.cut = true;
                    } else {
                        start = prev.span.end_s;
                    }
                }
                let len = samples.len();
                lane = Some(placed.len());
                placed.push(Placed {
                    start: (start * sr).round() as usize,
                    len,
                    samples,
                    cut: false,
                    span: Span {
                        start_s: start,
                        end_s: start + len as f64 / sr,
                        priority: u.priority,
                        text: Some(text.clone()),
                        tone: None,
                    },
                });
            }
        }
    }
    let end_s = if end_s.is_finite() { end_s } else { 0.0 }.clamp(0.0, MAX_TRACK_S);
    let last = placed
        .iter()
        .map(|p| p.span.end_s)
        .fold(end_s, f64::max)
        .min(MAX_TRACK_S + TAIL_S);
    let mut out = vec![0.0f32; ((last + TAIL_S) * sr).ceil() as usize];
    let fade = (CUT_FADE_S * sr) as usize;
    let gain = volume.clamp(0.0, 1.0);
    for p in &placed {
        let len = p.len.min(p.samples.len());
        for (i, s) in p.samples[..len].iter().enumerate() {
            let g = if p.cut && len - i <= fade {
                (len - i) as f32 / fade.max(1) as f32
            } else {
                1.0
            };
            if let Some(o) = out.get_mut(p.start + i) {
                *o += s * g * gain;
            }
        }
    }
    for o in &mut out {
        *o = o.clamp(-1.0, 1.0);
    }
    let spans = placed
        .into_iter()
        .filter(|p| p.len > 0)
        .map(|p| p.span)
        .collect();
    (out, spans, notes)
}

/// Whether a time fits in the track (NaN and infinities do not).
fn placeable(t: f64) -> bool {
    t.is_finite() && t < MAX_TRACK_S
}

/// A note when sounds or the end lie past [`MAX_TRACK_S`].
fn beyond_the_end(ordered: &[&Utterance], end_s: f64) -> Option<String> {
    let beyond = ordered.iter().filter(|u| !placeable(u.t_s)).count();
    (beyond > 0 || !placeable(end_s)).then(|| {
        format!(
            "the track stops at {:.0} hours; {beyond} sounds after that are left out",
            MAX_TRACK_S / 3600.0
        )
    })
}

/// Writes mono samples as a 16-bit WAV at [`SAMPLE_RATE`].
pub fn write_wav(path: &Path, samples: &[f32]) -> Result<(), AudioError> {
    let err = |source| AudioError::Wav {
        path: path.to_owned(),
        source,
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(err)?;
    for s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16)
            .map_err(err)?;
    }
    w.finalize().map_err(err)
}

#[cfg(test)]
mod tests;
