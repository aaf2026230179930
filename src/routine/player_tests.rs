//! The routine player's state machine, driven by a made-up clock: what the
//! window does when a person rests, skips, repeats, pauses and finishes.

use super::player::{GET_READY_S, REPEAT_READY_S};
use super::*;
use crate::coach::{Catalogue, Event, Feedback, Phase as CoachPhase, RepCounts, Side};

fn catalogue() -> Catalogue {
    let (cat, errors) = Catalogue::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    cat
}

/// Two holds a side of the open book, left then right, then chin tucks.
const TWO_SIDES: &str = r#"
id = "sides"
name = "Sides"
description = "A test."
[[steps]]
exercise = "side-lying-open-book"
side = "left"
holds = 1
hold_s = 10
rest_s = 15
[[steps]]
exercise = "side-lying-open-book"
side = "right"
holds = 1
hold_s = 10
rest_s = 12
[[steps]]
exercise = "chin-tuck"
reps = 3
rest_s = 5
"#;

fn player() -> RoutinePlayer {
    let cat = catalogue();
    let routine = Routine::from_toml(TWO_SIDES, "sides.toml", &cat).unwrap();
    let exercises: Vec<_> = cat.iter().cloned().collect();
    RoutinePlayer::new(routine, &exercises).unwrap()
}

fn announced(actions: &[Action]) -> Option<(usize, String)> {
    actions.iter().find_map(|a| match a {
        Action::Announce { step, text } => Some((*step, text.clone())),
        _ => None,
    })
}

#[test]
fn steps_rest_then_start_and_the_routine_ends_after_the_last() {
    let mut p = player();
    let first = p.begin(100.0);
    let (step, text) = announced(&first).unwrap();
    assert_eq!(step, 0);
    assert_eq!(
        text,
        "Next: side-lying open book, your left side, lying on your right."
    );
    // The get-ready countdown runs on the clock, not on frames.
    assert!(p.tick(100.0 + GET_READY_S - 1.0).is_empty());
    assert_eq!(p.tick(100.0 + GET_READY_S + 0.1), vec![Action::Start(0)]);
    assert_eq!(p.phase(), Phase::Playing { step: 0 });
    // Dose done: the step ends, its rest (15 s) counts down to the next.
    let actions = p.step_ended(true);
    assert_eq!(actions[0], Action::End(0));
    let (step, text) = announced(&actions).unwrap();
    assert_eq!(step, 1);
    // The side change is said.
    assert_eq!(
        text,
        "Change sides. Next: side-lying open book, your right side, lying on your left."
    );
    match p.phase() {
        Phase::NextUp {
            step: 1,
            remaining_s,
        } => assert!((remaining_s - 15.0).abs() < 1e-9),
        other => panic!("{other:?}"),
    }
    let t = 100.0 + GET_READY_S + 0.1;
    assert!(p.tick(t + 14.0).is_empty());
    assert_eq!(p.tick(t + 15.5), vec![Action::Start(1)]);
    let actions = p.step_ended(true);
    assert_eq!(announced(&actions).unwrap().1, "Last one. Next: chin tuck.");
    p.start_now();
    assert_eq!(p.step_ended(false), vec![Action::End(2), Action::Finish]);
    assert_eq!(p.phase(), Phase::Finished);
    assert_eq!(
        p.ends(),
        &[
            Some(StepEnd::Done),
            Some(StepEnd::Done),
            Some(StepEnd::Partial)
        ]
    );
}

#[test]
fn skipping_an_announced_step_never_starts_it() {
    let mut p = player();
    p.begin(0.0);
    let actions = p.skip();
    assert_eq!(announced(&actions).unwrap().0, 1);
    assert!(!actions.contains(&Action::Start(0)));
    // Skipping a playing step ends it, keeps it, and rests before the next.
    p.start_now();
    let actions = p.skip();
    assert_eq!(actions[0], Action::End(1));
    assert_eq!(announced(&actions).unwrap().0, 2);
    // Skipping the last announced step ends the routine.
    assert_eq!(p.skip(), vec![Action::Finish]);
    assert_eq!(
        p.ends(),
        &[
            Some(StepEnd::Skipped),
            Some(StepEnd::Partial),
            Some(StepEnd::Skipped)
        ]
    );
}

#[test]
fn repeat_plays_a_step_again_and_its_last_attempt_counts() {
    let mut p = player();
    p.begin(0.0);
    p.start_now();
    let actions = p.repeat();
    assert_eq!(actions[0], Action::End(0));
    assert_eq!(announced(&actions).unwrap().0, 0);
    assert_eq!(
        p.phase(),
        Phase::NextUp {
            step: 0,
            remaining_s: REPEAT_READY_S
        }
    );
    assert_eq!(p.tick(0.0), Vec::new());
    assert_eq!(p.tick(REPEAT_READY_S + 0.1), vec![Action::Start(0)]);
    p.step_ended(true);
    assert_eq!(p.ends()[0], Some(StepEnd::Done));
    // While the next is announced, repeat goes back to the one just done.
    assert_eq!(announced(&p.repeat()).unwrap().0, 0);
}

#[test]
fn pause_freezes_the_rest_countdown() {
    let mut p = player();
    p.begin(0.0);
    assert!(p.toggle_pause());
    assert!(p.tick(60.0).is_empty(), "the rest ran on while paused");
    assert!(!p.toggle_pause());
    assert!(p.tick(61.0).is_empty());
    assert_eq!(p.tick(60.0 + GET_READY_S + 0.5), vec![Action::Start(0)]);
}

#[test]
fn stopping_keeps_the_playing_step_and_finishes() {
    let mut p = player();
    p.begin(0.0);
    p.start_now();
    assert_eq!(p.stop(), vec![Action::End(0), Action::Finish]);
    assert_eq!(p.ends(), &[Some(StepEnd::Partial), None, None]);
    assert!(p.stop().is_empty());
}

#[test]
fn each_step_coaches_its_own_dose() {
    let p = player();
    assert_eq!(p.exercise(0).unwrap().dose.holds, 1);
    assert!((p.exercise(0).unwrap().dose.hold_s - 10.0).abs() < 1e-9);
    assert_eq!(p.exercise(2).unwrap().dose.reps, 3);
}

fn feedback(reps: RepCounts, events: Vec<Event>) -> Feedback {
    Feedback {
        t_s: 0.0,
        dt_s: 0.0,
        phase: CoachPhase::Rest,
        side: None,
        prompt: String::new(),
        cue: None,
        rules: Vec::new(),
        reps,
        hold: None,
        placement: None,
        observable: true,
        in_position: true,
        position_confidence: 1.0,
        near_side: None,
        setup_progress: 1.0,
        warning_active: false,
        events,
    }
}

fn hold(side: Option<Side>, held_s: f64) -> Event {
    Event::Hold {
        rule: "r".to_owned(),
        side,
        start_s: 0.0,
        end_s: held_s,
        target_s: 10.0,
        held_s,
        in_form_s: held_s,
        peak: None,
    }
}

#[test]
fn a_step_is_done_when_its_dose_is_reached_on_its_side() {
    let cat = catalogue();
    let routine = Routine::from_toml(TWO_SIDES, "sides.toml", &cat).unwrap();
    let right = &routine.steps[1];
    let mut progress = StepProgress::default();
    // A short hold and a full one on the wrong side do not finish it.
    progress.observe(&feedback(
        RepCounts::default(),
        vec![hold(Some(Side::Right), 6.0), hold(Some(Side::Left), 10.0)],
    ));
    assert!(!right.is_done(&progress));
    progress.observe(&feedback(
        RepCounts::default(),
        vec![hold(Some(Side::Right), 10.0)],
    ));
    assert!(right.is_done(&progress));
    let tucks = &routine.steps[2];
    let mut progress = StepProgress::default();
    progress.observe(&feedback(
        RepCounts {
            left: 0,
            right: 0,
            both: 2,
        },
        Vec::new(),
    ));
    assert!(!tucks.is_done(&progress));
    progress.observe(&feedback(
        RepCounts {
            left: 0,
            right: 0,
            both: 3,
        },
        Vec::new(),
    ));
    assert!(tucks.is_done(&progress));
}

/// Three sets of four chin tucks with 20 s between sets.
const SETS: &str = r#"
id = "sets"
name = "Sets"
description = "A test."
[[steps]]
exercise = "chin-tuck"
reps = 4
sets = 3
rest_s = 20
"#;

fn sets_player() -> (RoutinePlayer, RoutineStep) {
    let cat = catalogue();
    let routine = Routine::from_toml(SETS, "sets.toml", &cat).unwrap();
    let step = routine.steps[0].clone();
    let exercises: Vec<_> = cat.iter().cloned().collect();
    (RoutinePlayer::new(routine, &exercises).unwrap(), step)
}

fn reps(both: u32) -> StepProgress {
    let mut p = StepProgress::default();
    p.observe(&feedback(
        RepCounts {
            left: 0,
            right: 0,
            both,
        },
        Vec::new(),
    ));
    p
}

/// Between sets the person rests on a countdown with coaching paused; the
/// last set ends the step without a rest, and "start now" cuts a rest short.
#[test]
fn sets_are_separated_by_a_timed_rest() {
    let (mut p, step) = sets_player();
    p.begin(0.0);
    assert_eq!(p.start_now(), vec![Action::Start(0)]);
    assert_eq!(step.sets_done(&reps(3)), 0);
    assert!(p.sets_completed(step.sets_done(&reps(3))).is_empty());
    let done = step.sets_done(&reps(4));
    assert_eq!(done, 1);
    assert_eq!(
        p.sets_completed(done),
        vec![Action::RestBetweenSets {
            step: 0,
            next_set: 2
        }]
    );
    // The same count seen again on the next frame starts nothing new.
    assert!(p.sets_completed(done).is_empty());
    let rest = p.set_rest().unwrap();
    assert_eq!((rest.next_set, rest.sets, rest.rest_s), (2, 3, 20.0));
    assert!(p.tick(0.0).is_empty());
    assert!(p.tick(19.0).is_empty());
    assert!((p.set_rest().unwrap().remaining_s - 1.0).abs() < 1e-9);
    assert_eq!(p.tick(20.5), vec![Action::Resume(0)]);
    assert!(p.set_rest().is_none());
    // Second set: rest again, ended early.
    assert_eq!(p.sets_completed(step.sets_done(&reps(8))).len(), 1);
    assert_eq!(p.start_now(), vec![Action::Resume(0)]);
    // The third set is the last: no rest inside the step; its dose is done.
    assert!(p.sets_completed(step.sets_done(&reps(12))).is_empty());
    assert!(step.is_done(&reps(12)));
    assert!(!step.is_done(&reps(11)));
}

/// Pausing freezes the rest between sets; skipping the step ends it.
#[test]
fn a_rest_between_sets_pauses_and_ends_with_its_step() {
    let (mut p, step) = sets_player();
    p.begin(0.0);
    p.start_now();
    p.tick(0.0);
    p.sets_completed(step.sets_done(&reps(4)));
    assert!(p.toggle_pause());
    assert!(p.tick(100.0).is_empty());
    assert!((p.set_rest().unwrap().remaining_s - 20.0).abs() < 1e-9);
    p.toggle_pause();
    let skipped = p.skip();
    assert!(skipped.contains(&Action::End(0)), "{skipped:?}");
    assert!(p.set_rest().is_none());
}
