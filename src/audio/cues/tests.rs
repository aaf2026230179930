use super::phrases::FACE;
use super::*;
use crate::audio::UtteranceKind;
use crate::audio::tones::ToneKind;
use crate::coach::{Catalogue, Cue, HoldProgress, RepCounts};

fn ex(id: &str) -> Exercise {
    Catalogue::builtin_exercise(id)
}

fn fb(t: f64) -> Feedback {
    Feedback {
        t_s: t,
        dt_s: 0.1,
        phase: Phase::Rest,
        side: None,
        prompt: String::new(),
        cue: None,
        rules: Vec::new(),
        reps: RepCounts::default(),
        hold: None,
        placement: None,
        observable: true,
        in_position: true,
        position_confidence: 1.0,
        near_side: None,
        setup_progress: 1.0,
        warning_active: false,
        events: Vec::new(),
    }
}

fn warn_cue(rule: &str, message: &str) -> Cue {
    Cue {
        rule: rule.into(),
        message: message.into(),
        side: None,
        severity: Severity::Warning,
    }
}

fn start(t: f64, rule: &str, message: &str) -> Event {
    Event::WarningStart {
        t_s: t,
        rule: rule.into(),
        message: message.into(),
        side: None,
        reopened: false,
    }
}

/// Runs frames at 10 fps from `from` to `to`, with `f` editing each frame.
fn run(
    announcer: &mut Announcer,
    from: f64,
    to: f64,
    mut edit: impl FnMut(&mut Feedback),
) -> Vec<Utterance> {
    let mut out = Vec::new();
    let mut frame = 0;
    loop {
        let t = from + f64::from(frame) * 0.1;
        if t > to + 1e-9 {
            break;
        }
        let mut x = fb(t);
        edit(&mut x);
        out.extend(announcer.step(&x));
        frame += 1;
    }
    out
}

fn speech(u: &[Utterance]) -> Vec<(f64, String)> {
    u.iter()
        .filter_map(|u| {
            u.text()
                .map(|s| ((u.t_s * 10.0).round() / 10.0, s.to_owned()))
        })
        .collect()
}

#[test]
fn numbers_read_as_words() {
    assert_eq!(number_word(3), "three");
    assert_eq!(number_word(21), "twenty-one");
    assert_eq!(number_word(60), "sixty");
    assert_eq!(number_word(130), "130");
}

#[test]
fn warning_said_once_then_praise_when_it_clears_and_cooldown_holds() {
    let e = ex("thread-the-needle");
    let mut a = Announcer::new(&e, AudioSettings::default());
    let msg = "Leave your knees planted.";
    let mut out = run(&mut a, 0.0, 3.0, |x| {
        if (x.t_s - 1.0).abs() < 1e-6 {
            x.events.push(start(1.0, "knees-still", msg));
        }
        if x.t_s >= 1.0 {
            x.cue = Some(warn_cue("knees-still", msg));
        }
    });
    let mut f = fb(3.1);
    f.events.push(Event::WarningEnd {
        t_s: 3.0,
        rule: "knees-still".into(),
    });
    out.extend(a.step(&f));
    out.extend(run(&mut a, 3.2, 4.9, |_| {}));
    // The fault comes back soon after it was said: not said again, nor
    // reminded of before REMIND_S.
    out.extend(run(&mut a, 5.0, 5.0, |x| {
        x.events.push(start(5.0, "knees-still", msg));
    }));
    out.extend(run(&mut a, 5.1, 12.0, |x| {
        x.cue = Some(warn_cue("knees-still", msg));
    }));
    let s = speech(&out);
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(s[0], (1.0, msg.to_owned()));
    assert!(PRAISE.contains(&s[1].1.as_str()));
    assert!((s[1].0 - 3.7).abs() < 0.15, "{s:?}");
}

#[test]
fn persisting_fault_is_reminded_only_after_a_while() {
    let e = ex("thread-the-needle");
    let mut a = Announcer::new(&e, AudioSettings::default());
    let msg = "Leave your knees planted.";
    let out = run(&mut a, 0.0, 40.0, |x| {
        if x.t_s.abs() < 1e-6 {
            x.events.push(start(0.0, "knees-still", msg));
        }
        x.cue = Some(warn_cue("knees-still", msg));
    });
    let times: Vec<f64> = speech(&out).into_iter().map(|(t, _)| t).collect();
    assert_eq!(times, vec![0.0, 15.0, 30.0]);
}

#[test]
fn most_important_first_and_warnings_cut_counts() {
    let e = ex("thread-the-needle");
    let mut a = Announcer::new(&e, AudioSettings::default());
    let mut f = fb(1.0);
    f.reps.left = 1;
    f.events.push(Event::Rep {
        t_s: 1.0,
        rule: "thread".into(),
        side: Some(Side::Left),
        peak: None,
    });
    let mut out = a.step(&f);
    // Two faults at once: hips (priority 1) before knees (priority 2).
    let mut f = fb(1.1);
    f.events
        .push(start(1.1, "knees-still", "Leave your knees planted."));
    f.events.push(start(1.1, "hips-still", "Keep your hips"));
    out.extend(a.step(&f));
    out.extend(run(&mut a, 1.2, 6.0, |_| {}));
    let s = speech(&out);
    assert_eq!(s[0], (1.0, "Left, one.".to_owned()));
    assert_eq!(
        s[1],
        (1.1, "Keep your hips".to_owned()),
        "cuts the count: {s:?}"
    );
    assert_eq!(s[2].1, "Leave your knees planted.");
    assert!(s[2].0 >= 1.1 + estimate_speech_s("Keep your hips", 165) - 0.1);
}

#[test]
fn counts_sides_and_done() {
    let e = ex("thread-the-needle");
    let mut a = Announcer::new(&e, AudioSettings::default());
    let mut said = Vec::new();
    let mut reps = RepCounts::default();
    for i in 0..16u32 {
        let side = if i < 8 { Side::Left } else { Side::Right };
        match side {
            Side::Left => reps.left += 1,
            Side::Right => reps.right += 1,
        }
        let mut f = fb(f64::from(i) * 5.0);
        f.reps = reps;
        f.events.push(Event::Rep {
            t_s: f.t_s,
            rule: "thread".into(),
            side: Some(side),
            peak: None,
        });
        said.extend(speech(&a.step(&f)));
    }
    assert_eq!(said[2].1, "Left, three.");
    assert_eq!(said[8].1, "Right, one.");
    assert_eq!(said[7].1, "Eight. Left side done. Now the right side.");
    assert_eq!(said[15].1, "Eight. Right side done. All done. Well done.");
    // Every phrase said is one the announcer lists for pre-rendering.
    let all = Announcer::new(&e, AudioSettings::default()).phrases();
    for (_, s) in &said {
        assert!(all.contains(s), "{s}");
    }
}

#[test]
fn hold_countdown_and_tone_and_breathing() {
    let e = ex("backward-shoulder-rolls");
    assert_eq!(breathing_mode(&e), BreathingMode::DuringHolds);
    assert_eq!(breathing_mode(&ex("breathing-360")), BreathingMode::Always);
    assert_eq!(
        breathing_mode(&ex("laying-arm-extensions")),
        BreathingMode::Always
    );
    assert_eq!(breathing_mode(&ex("thread-the-needle")), BreathingMode::Off);
    let mut a = Announcer::new(&e, AudioSettings::default());
    let out = run(&mut a, 0.0, 32.0, |x| {
        if x.t_s >= 1.0 {
            x.phase = Phase::Position;
            x.hold = Some(HoldProgress {
                rule: "hold".into(),
                side: None,
                start_s: 1.0,
                held_s: x.t_s - 1.0,
                target_s: 30.0,
                in_form_s: x.t_s - 1.0,
            });
        }
    });
    let s = speech(&out);
    assert_eq!(s[0], (1.0, "Hold for thirty seconds.".to_owned()));
    assert_eq!(s[1], (21.0, "Ten seconds.".to_owned()));
    assert_eq!(s[2], (26.0, "Five.".to_owned()));
    let tones: Vec<(f64, ToneKind)> = out
        .iter()
        .filter_map(|u| match u.kind {
            UtteranceKind::Tone(k) => Some(((u.t_s * 10.0).round() / 10.0, k)),
            UtteranceKind::Speech(_) => None,
        })
        .collect();
    assert!(tones.contains(&(31.0, ToneKind::HoldDone)), "{tones:?}");
    let pace: Vec<f64> = tones
        .iter()
        .filter(|(_, k)| !matches!(k, ToneKind::HoldDone))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(&pace[..4], &[1.0, 5.0, 11.0, 15.0]);
    assert!(matches!(tones[0].1, ToneKind::Inhale { .. }));
    // Voice off: tones only. Pace off: no swells.
    let quiet = AudioSettings {
        voice_on: false,
        breathing_pace: None,
        ..AudioSettings::default()
    };
    let mut a = Announcer::new(&e, quiet);
    let out = run(&mut a, 0.0, 32.0, |x| {
        x.hold = Some(HoldProgress {
            rule: "hold".into(),
            side: None,
            start_s: 0.0,
            held_s: x.t_s,
            target_s: 30.0,
            in_form_s: x.t_s,
        });
    });
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].kind, UtteranceKind::Tone(ToneKind::HoldDone));
}

#[test]
fn placement_said_after_it_persists_not_on_flicker() {
    let e = ex("chin-tuck");
    let mut a = Announcer::new(&e, AudioSettings::default());
    let out = run(&mut a, 0.0, 20.0, |x| {
        x.phase = Phase::Setup;
        let msg = if x.t_s < 0.5 {
            FACE
        } else {
            "I can't see your hips"
        };
        x.cue = Some(Cue {
            rule: "placement".into(),
            message: msg.into(),
            side: None,
            severity: Severity::Info,
        });
    });
    let s = speech(&out);
    assert_eq!(
        s,
        vec![
            (1.5, "I can't see your hips".to_owned()),
            (13.5, "I can't see your hips".to_owned())
        ]
    );
}
