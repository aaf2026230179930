#![allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise

use super::*;

fn tone(t: f64, kind: ToneKind) -> Utterance {
    Utterance {
        t_s: t,
        kind: UtteranceKind::Tone(kind),
        priority: Priority::Count,
    }
}

#[test]
fn tones_land_at_their_time_and_the_rest_is_silent() {
    let (s, spans, notes) = mix(&[tone(1.0, ToneKind::HoldDone)], None, 1.0, 3.0);
    assert!(notes.is_empty());
    assert_eq!(s.len(), (3.5 * 22_050.0) as usize);
    assert_eq!(spans.len(), 1);
    let first = s.iter().position(|x| x.abs() > 1e-3).unwrap();
    assert!((first as f64 / 22_050.0 - 1.0).abs() < 0.01, "{first}");
    let last = s.iter().rposition(|x| x.abs() > 1e-3).unwrap();
    assert!(last as f64 / 22_050.0 <= spans[0].end_s);
    // Volume scales.
    let (q, _, _) = mix(&[tone(1.0, ToneKind::HoldDone)], None, 0.5, 3.0);
    let peak = |v: &[f32]| v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!((peak(&q) * 2.0 - peak(&s)).abs() < 1e-3);
}

/// Regression (issue 15): a track with a one-week gap asked for 53 GB
/// and aborted; a 1e300 s gap panicked with "capacity overflow". Gaps
/// now become a few seconds of silence with a note.
#[test]
fn huge_gaps_become_short_silences_with_a_note() {
    let ex = crate::coach::Catalogue::builtin_exercise("chin-tuck");
    for jump in [7.0 * 86_400.0, 1e300] {
        let frames = [0.0, 0.1, 0.2, jump, jump + 0.1].map(|t| PoseFrame {
            image: None,
            t: Some(t),
            width: 640,
            height: 480,
            model: "test".to_owned(),
            inference_ms: 0.0,
            people: Vec::new(),
            others_present: 0,
        });
        let (samples, summary) = render_session(&ex, frames, &AudioSettings::default(), None);
        let secs = samples.len() as f64 / f64::from(SAMPLE_RATE);
        assert!(secs < 0.2 + MAX_GAP_S + 0.1 + TAIL_S + 0.01, "{secs} s");
        assert!(
            summary
                .notes
                .iter()
                .any(|n| n.contains("no frames from 0.2 s")),
            "{:?}",
            summary.notes
        );
    }
    // Nothing past the cap, even asked for directly.
    let (s, _, notes) = mix(&[tone(1e300, ToneKind::HoldDone)], None, 1.0, 1e300);
    assert!(s.len() as f64 <= (MAX_TRACK_S + 2.0 * TAIL_S) * 22_050.0);
    assert!(
        notes.iter().any(|n| n.contains("stops at 2 hours")),
        "{notes:?}"
    );
    let mapped = Gaps {
        cuts: vec![(5.2, 100.0)],
        notes: Vec::new(),
    };
    assert!((mapped.map(1.0) - 1.0).abs() < 1e-9);
    assert!((mapped.map(50.0) - 5.2).abs() < 1e-9);
    assert!((mapped.map(106.2) - 6.2).abs() < 1e-9);
}

#[test]
fn wav_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.wav");
    write_wav(&p, &[0.0, 0.5, -0.5, 1.5]).unwrap();
    let r = hound::WavReader::open(&p).unwrap();
    assert_eq!(r.spec().sample_rate, 22_050);
    assert_eq!(r.spec().bits_per_sample, 16);
    assert_eq!(r.spec().channels, 1);
    let v: Vec<i16> = r.into_samples::<i16>().map(Result::unwrap).collect();
    assert_eq!(v, vec![0, 16_384, -16_384, 32_767]);
    let bad = write_wav(Path::new("/nonexistent/dir/a.wav"), &[0.0]).unwrap_err();
    assert!(bad.to_string().contains("/nonexistent/dir/a.wav"), "{bad}");
}

#[test]
fn a_warning_cuts_a_count_and_an_equal_one_waits() {
    let Ok(speech) = Speech::open(None, 165) else {
        eprintln!("skipping: no speech engine");
        return;
    };
    let u = |t: f64, s: &str, p: Priority| Utterance {
        t_s: t,
        kind: UtteranceKind::Speech(s.into()),
        priority: p,
    };
    let (_, spans, notes) = mix(
        &[
            u(1.0, "Seven.", Priority::Count),
            u(1.2, "Leave your knees planted.", Priority::Warning),
            u(1.3, "Eight.", Priority::Count),
        ],
        Some(&speech),
        1.0,
        2.0,
    );
    assert!(notes.is_empty(), "{notes:?}");
    assert!((spans[0].end_s - 1.2).abs() < 1e-6, "{spans:?}");
    assert!((spans[1].start_s - 1.2).abs() < 1e-6);
    assert!((spans[2].start_s - spans[1].end_s).abs() < 1e-6);
}
