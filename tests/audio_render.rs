//! The audio track of a labelled pose track: speech starts within 0.5 s of
//! each warning in the report, and outside announced sounds the track is
//! silent (RMS energy in 50 ms windows of the rendered WAV).
#![allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise

use formcoach::audio::{AudioSettings, Priority, RenderSummary, SAMPLE_RATE, render_session_wav};
use formcoach::coach::Catalogue;
use formcoach::session::read_track;
use std::path::Path;

const WINDOW_S: f64 = 0.05;
/// A 50 ms window louder than this holds sound (-40 dBFS).
const SOUND_RMS: f32 = 0.01;
/// A window quieter than this is silent (-60 dBFS).
const SILENT_RMS: f32 = 0.001;
const MAX_ONSET_S: f64 = 0.5;

fn espeak_missing() -> bool {
    std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .map_or(true, |o| !o.status.success())
}

fn windows_rms(path: &Path) -> Vec<f32> {
    let r = hound::WavReader::open(path).unwrap();
    assert_eq!(r.spec().sample_rate, SAMPLE_RATE);
    assert_eq!(r.spec().channels, 1);
    assert_eq!(r.spec().bits_per_sample, 16);
    let s: Vec<f32> = r
        .into_samples::<i16>()
        .map(|x| f32::from(x.unwrap()) / 32768.0)
        .collect();
    let n = (WINDOW_S * f64::from(SAMPLE_RATE)) as usize;
    s.chunks(n)
        .map(|c| (c.iter().map(|x| x * x).sum::<f32>() / c.len() as f32).sqrt())
        .collect()
}

fn render(exercise: &str, track: &str) -> (RenderSummary, Vec<f32>) {
    let (cat, _) = Catalogue::builtin();
    let ex = cat.get(exercise).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tracks")
        .join(exercise)
        .join(track);
    let frames = read_track(&path).unwrap().frames;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cues.wav");
    // Breathing tones off: the silence check is about cues and counts.
    let settings = AudioSettings {
        breathing_pace: None,
        ..AudioSettings::default()
    };
    let summary = render_session_wav(ex, frames, &settings, &out).unwrap();
    assert!(summary.notes.is_empty(), "{:?}", summary.notes);
    let rms = windows_rms(&out);
    (summary, rms)
}

fn window(t: f64) -> usize {
    (t / WINDOW_S).floor().max(0.0) as usize
}

fn check(exercise: &str, track: &str, expect_warnings: bool) {
    let (summary, rms) = render(exercise, track);
    let report = &summary.report;
    eprintln!(
        "{exercise}/{track}: {:.1} s, {} warnings, {} sounds",
        summary.duration_s,
        report.warnings.len(),
        summary.spans.len()
    );
    for s in &summary.spans {
        eprintln!(
            "  {:6.2}-{:6.2} {:?} {}",
            s.start_s,
            s.end_s,
            s.priority,
            s.text.as_deref().unwrap_or("(tone)")
        );
    }
    assert_eq!(
        !report.warnings.is_empty(),
        expect_warnings,
        "{:?}",
        report.warnings
    );
    check_onsets(&summary, &rms);
    check_silence(&summary, &rms, expect_warnings);
}

/// Speech starts within 0.5 s of every warning: energy rises above the sound
/// level in the WAV, and it is the warning's own phrase.
fn check_onsets(summary: &RenderSummary, rms: &[f32]) {
    let report = &summary.report;
    for w in &report.warnings {
        // The warning's own phrase starts within 0.5 s, or is already being
        // said (the same fault came back while its cue was still playing).
        let phrase = summary
            .spans
            .iter()
            .find(|s| {
                s.text.as_deref() == Some(w.message.as_str())
                    && s.start_s <= w.t_s + MAX_ONSET_S
                    && s.end_s > w.t_s
            })
            .unwrap_or_else(|| panic!("no spoken cue for {w:?}"));
        if phrase.start_s < w.t_s - 1e-6 {
            eprintln!(
                "  warning {} at {:.2} s: its phrase is already playing (since {:.2} s)",
                w.rule, w.t_s, phrase.start_s
            );
            let audible = (window(w.t_s)..window(phrase.end_s))
                .any(|i| rms.get(i).is_some_and(|r| *r > SOUND_RMS));
            assert!(audible, "{w:?}");
            continue;
        }
        let from = window(w.t_s);
        let onset = (from..rms.len())
            .find(|&i| rms[i] > SOUND_RMS && (i as f64 + 1.0) * WINDOW_S > phrase.start_s)
            .map(|i| i as f64 * WINDOW_S)
            .unwrap();
        let delay = onset - w.t_s;
        eprintln!(
            "  warning {} at {:.2} s: phrase at +{:.3} s, energy at +{delay:.3} s",
            w.rule,
            w.t_s,
            phrase.start_s - w.t_s
        );
        assert!(delay <= MAX_ONSET_S, "{w:?}: speech {delay:.3} s late");
        // Something loud within the phrase's first 0.3 s.
        let loud = (window(phrase.start_s)..window(phrase.start_s + 0.3))
            .any(|i| rms.get(i).is_some_and(|r| *r > 0.05));
        assert!(loud, "{w:?}: the phrase is too quiet");
    }
}

/// Outside announced sounds the track is silent; clean stretches carry counts
/// and announcements only.
fn check_silence(summary: &RenderSummary, rms: &[f32], expect_warnings: bool) {
    let report = &summary.report;
    let mut covered = vec![false; rms.len()];
    for s in &summary.spans {
        for c in covered
            .iter_mut()
            .take(window(s.end_s + WINDOW_S) + 1)
            .skip(window(s.start_s))
        {
            *c = true;
        }
    }
    let mut loud_outside = 0;
    for (i, (r, c)) in rms.iter().zip(&covered).enumerate() {
        if !c && *r > SILENT_RMS {
            loud_outside += 1;
            eprintln!(
                "  sound at {:.2} s outside any cue: rms {r}",
                i as f64 * WINDOW_S
            );
        }
    }
    assert_eq!(loud_outside, 0);
    // Every announced sound is audible.
    for s in &summary.spans {
        let peak = (window(s.start_s)..=window(s.end_s))
            .filter_map(|i| rms.get(i))
            .fold(0.0f32, |m, r| m.max(*r));
        assert!(peak > SOUND_RMS, "{s:?} is silent");
    }
    // 3. Clean stretches carry counts and announcements only: no warning is
    //    spoken outside a warning (plus the time it takes to say it).
    for s in summary
        .spans
        .iter()
        .filter(|s| s.priority == Priority::Warning)
    {
        let inside = report
            .warnings
            .iter()
            .any(|w| s.start_s >= w.t_s - 1e-6 && s.start_s <= w.end_s.unwrap_or(f64::MAX));
        assert!(inside, "warning speech in a clean stretch: {s:?}");
    }
    let warn_s: f64 = summary
        .spans
        .iter()
        .filter(|s| s.priority == Priority::Warning)
        .map(|s| s.end_s - s.start_s)
        .sum();
    assert!(expect_warnings || warn_s == 0.0);
    // Counts were spoken.
    if report.reps.total > 0 {
        let counts = summary
            .spans
            .iter()
            .filter(|s| s.priority == Priority::Count && s.text.is_some())
            .count();
        assert!(
            counts as u32 >= report.reps.total,
            "{counts} counts for {:?}",
            report.reps
        );
    }
}

#[test]
fn thread_the_needle_faults_are_spoken_on_time() {
    if espeak_missing() {
        eprintln!("skipping: espeak-ng is not installed (apt-get install espeak-ng)");
        return;
    }
    check("thread-the-needle", "faults.jsonl.gz", true);
}

#[test]
fn chin_tuck_faults_are_spoken_on_time() {
    if espeak_missing() {
        eprintln!("skipping: espeak-ng is not installed (apt-get install espeak-ng)");
        return;
    }
    check("chin-tuck", "faults.jsonl.gz", true);
}

#[test]
fn clean_track_is_silent_apart_from_counts() {
    if espeak_missing() {
        eprintln!("skipping: espeak-ng is not installed (apt-get install espeak-ng)");
        return;
    }
    check("thread-the-needle", "clean-a.jsonl.gz", false);
}
