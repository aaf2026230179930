//! Playing a routine in the window: the app does what the
//! [`RoutinePlayer`] says. Each step is an ordinary live session (the same
//! pipeline, its exercise carrying the step's dose), announced before it
//! starts, linked to the routine's run in the history, and gathered into
//! one summary with a row per step.

use crate::audio::{Player, Priority, Utterance, UtteranceKind};
use crate::coach::Catalogue;
use crate::live::SourceSpec;
use crate::mobility::{Figure, Measure, Meter};
use crate::routine::{Action, Phase, Routine, RoutinePlayer, Routines, StepProgress};
use crate::store::MobilityCheck;

use super::super::live_view::LiveCommand;
use super::super::mobility_view::date_text;
use super::super::picker::SourceChoice;
use super::super::routine_view::{
    MobilitySummary, NextUpView, RoutineCommand, RoutineSummaryCommand, RoutineSummaryView, StepRow,
};
use super::{Command, FormcoachApp, LiveEnd, Screen};

/// A routine being played.
pub(super) struct RoutineRun {
    player: RoutinePlayer,
    /// Where each step's frames come from: one per step, or one for all.
    sources: Vec<SourceSpec>,
    /// Says the announcements (the live pipeline has its own player).
    speaker: Player,
    /// One row per step, filled in as steps end.
    rows: Vec<StepRow>,
    /// Reps and holds of the playing step so far.
    progress: StepProgress,
    /// The run's row in the history, when the history is writable.
    run_id: Option<i64>,
    /// Things to say on the summary.
    notes: Vec<String>,
    /// The mobility figure the playing step measures, if any (the pipeline
    /// reads it from every coached frame).
    pub(super) measure: Option<Measure>,
    /// The playing step's figure, once its pipeline has stopped.
    pub(super) figure: Option<Figure>,
    /// Each step's mobility figure, once it has ended.
    figures: Vec<Option<Figure>>,
}

/// The built-in and the person's routines; a broken file is named in
/// `notices` and left out.
pub(super) fn load_routines(catalogue: &Catalogue, notices: &mut Vec<String>) -> Vec<Routine> {
    let (routines, errors) = Routines::load(catalogue, None);
    for e in errors {
        notices.push(format!("A routine file could not be used: {e}"));
    }
    routines.iter().cloned().collect()
}

/// The routine the hourly desk reminder offers: the one-minute reset.
pub(super) const DESK_RESET_ROUTINE: &str = "desk-reset";

impl FormcoachApp {
    /// The reminder's "start" offers the desk-reset routine in the picker,
    /// ready to play, when it is loaded (the exercise stays chosen otherwise).
    pub(super) fn select_desk_reset_routine(&mut self) {
        if self
            .picker
            .routines
            .iter()
            .any(|r| r.id == DESK_RESET_ROUTINE)
        {
            self.picker.selected_routine = Some(DESK_RESET_ROUTINE.to_owned());
        }
    }

    /// The picker's "play this routine" from a camera or a video.
    pub(super) fn start_routine_from(&mut self, id: &str, choice: SourceChoice) {
        let source = match choice {
            SourceChoice::Camera { camera, mirror } => {
                self.settings.camera_index = camera;
                self.settings.mirror = mirror;
                SourceSpec::Camera {
                    index: camera,
                    mirror,
                }
            }
            SourceChoice::Dialog => {
                let Some(path) = rfd::FileDialog::new()
                    .set_title("Open a video to play the routine from")
                    .add_filter("Video", &["mp4", "mkv", "mov", "webm", "avi"])
                    .pick_file()
                else {
                    self.picker.notice = Some(
                        "No video was chosen. If no file window appeared, type the video's path \
                         below or drop the file on this window."
                            .to_owned(),
                    );
                    return;
                };
                SourceSpec::Video { path }
            }
            SourceChoice::Path(path) => {
                if !path.exists() {
                    self.picker.notice = Some(format!(
                        "There is no file {}. Check the path and try again.",
                        path.display()
                    ));
                    return;
                }
                SourceSpec::Video { path }
            }
        };
        self.start_routine(id, source);
    }

    /// Starts playing routine `id`, every step from `source`.
    pub(super) fn start_routine(&mut self, id: &str, source: SourceSpec) {
        self.start_routine_each(id, vec![source]);
    }

    /// Starts playing routine `id`: its first step is announced. `sources`
    /// holds one source for every step, or one per step in order (recorded
    /// clips of each exercise).
    pub(super) fn start_routine_each(&mut self, id: &str, sources: Vec<SourceSpec>) {
        let Some(routine) = self.picker.routines.iter().find(|r| r.id == id).cloned() else {
            self.picker.notice = Some(format!(
                "There is no routine called “{id}”. Pick one from the list."
            ));
            self.screen = Screen::Picker;
            return;
        };
        let player = match RoutinePlayer::new(routine, &self.exercises) {
            Ok(p) => p,
            Err(why) => {
                self.picker.notice = Some(format!("This routine cannot be played: {why}"));
                self.screen = Screen::Picker;
                return;
            }
        };
        let routine = player.routine();
        if sources.is_empty() || (sources.len() > 1 && sources.len() != routine.steps.len()) {
            self.picker.notice = Some(format!(
                "“{}” has {} steps but {} videos were given: give one video for every step, \
                 or one per step in order.",
                routine.name,
                routine.steps.len(),
                sources.len()
            ));
            self.screen = Screen::Picker;
            return;
        }
        let run_id = self
            .store
            .as_ref()
            .filter(|s| !s.read_only())
            .and_then(|s| s.start_routine_run(&routine.id, &routine.name).ok());
        let rows = routine
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| StepRow {
                exercise: player
                    .exercise(i)
                    .map_or_else(|| step.exercise.clone(), |e| e.name.clone()),
                step: step.clone(),
                end: None,
                progress: StepProgress::default(),
                totals: None,
                summary: None,
            })
            .collect();
        let steps = routine.steps.len();
        let mut run = RoutineRun {
            player,
            sources,
            speaker: Player::start(&self.audio),
            rows,
            progress: StepProgress::default(),
            run_id,
            notes: Vec::new(),
            measure: None,
            figure: None,
            figures: vec![None; steps],
        };
        let actions = run.player.begin(self.ctx.input(|i| i.time));
        self.routine = Some(run);
        self.routine_actions(actions);
    }

    /// Skip, repeat, pause, start now, stop.
    pub(super) fn apply_routine(&mut self, command: RoutineCommand) {
        let Some(run) = &mut self.routine else {
            return;
        };
        let actions = match command {
            RoutineCommand::StartNow => run.player.start_now(),
            RoutineCommand::Skip => run.player.skip(),
            RoutineCommand::Repeat => run.player.repeat(),
            RoutineCommand::Stop => run.player.stop(),
            RoutineCommand::TogglePause => {
                let paused = run.player.toggle_pause();
                if let Screen::NextUp(view) = &mut self.screen {
                    view.paused = paused;
                }
                Vec::new()
            }
        };
        self.routine_actions(actions);
    }

    /// The routine summary's buttons.
    pub(super) fn apply_routine_summary(&mut self, command: RoutineSummaryCommand) {
        match command {
            RoutineSummaryCommand::Done => self.screen = Screen::Picker,
            RoutineSummaryCommand::History => self.open_history(),
            RoutineSummaryCommand::Open(i) => {
                let placeholder = Screen::Picker;
                let Screen::RoutineSummary(view) = std::mem::replace(&mut self.screen, placeholder)
                else {
                    return;
                };
                match view.rows.get(i).and_then(|r| r.summary.clone()) {
                    Some(step) => {
                        self.routine_back = Some(view);
                        self.screen = Screen::Summary(step);
                    }
                    None => self.screen = Screen::RoutineSummary(view),
                }
            }
        }
    }

    /// Back from a step's own summary to the routine's.
    pub(super) fn back_to_routine_summary(&mut self) -> bool {
        match self.routine_back.take() {
            Some(view) => {
                self.screen = Screen::RoutineSummary(view);
                true
            }
            None => false,
        }
    }

    /// Once a frame: the rest's countdown, and the playing step's end when
    /// its dose is done (`progress`, from the newest update) or its video
    /// `ended`.
    pub(super) fn pump_routine(
        &mut self,
        ctx: &egui::Context,
        ended: bool,
        progress: Option<StepProgress>,
    ) {
        let Some(run) = &mut self.routine else {
            return;
        };
        if let Some(p) = progress {
            run.progress = p;
        }
        let mut actions = run.player.tick(ctx.input(|i| i.time));
        if let (true, Phase::Playing { step }) = (actions.is_empty(), run.player.phase()) {
            let done = run
                .player
                .routine()
                .steps
                .get(step)
                .is_some_and(|s| s.is_done(&run.progress));
            if done || ended {
                actions = run.player.step_ended(done);
            } else if let Some(s) = run.player.routine().steps.get(step) {
                let sets = s.sets_done(&run.progress);
                actions = run.player.sets_completed(sets);
            }
        }
        if run.player.set_rest().is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }
        if let (Phase::NextUp { remaining_s, .. }, Screen::NextUp(view)) =
            (run.player.phase(), &mut self.screen)
        {
            view.remaining_s = remaining_s;
            view.paused = run.player.paused();
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }
        self.routine_actions(actions);
    }

    /// The routine's keys: N skips, R repeats; before a step, Enter starts
    /// it, Space pauses the countdown, M mutes and Esc stops (while a step plays, the
    /// live screen's own Space, Esc and M apply, Esc stopping the routine).
    pub(super) fn routine_keys(&self, ctx: &egui::Context) -> Option<Command> {
        self.routine.as_ref()?;
        let next_up = matches!(self.screen, Screen::NextUp(_));
        if !next_up && !matches!(self.screen, Screen::Live) {
            return None;
        }
        ctx.input(|i| {
            let command = if i.key_pressed(egui::Key::N) {
                RoutineCommand::Skip
            } else if i.key_pressed(egui::Key::R) {
                RoutineCommand::Repeat
            } else if (next_up || self.resting_between_sets()) && i.key_pressed(egui::Key::Enter) {
                RoutineCommand::StartNow
            } else if next_up && i.key_pressed(egui::Key::Space) {
                RoutineCommand::TogglePause
            } else if next_up && i.key_pressed(egui::Key::Escape) {
                RoutineCommand::Stop
            } else if next_up && i.key_pressed(egui::Key::M) {
                // Sound off for the announcements too, as on the live screen.
                return Some(Command::Live(LiveCommand::ToggleMute));
            } else {
                return None;
            };
            Some(Command::Routine(command))
        })
    }

    /// The strip over the live screen while a step plays.
    pub(super) fn routine_bar_ui(&self, ui: &mut egui::Ui) -> Option<RoutineCommand> {
        let run = self.routine.as_ref()?;
        let Phase::Playing { step } = run.player.phase() else {
            return None;
        };
        let routine = run.player.routine();
        super::super::routine_view::playing_bar_ui(
            ui,
            &routine.name,
            step,
            routine.steps.len(),
            run.player.set_rest(),
        )
    }

    fn routine_actions(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Announce { step, text } => self.announce_step(step, text),
                Action::Start(step) => self.start_step(step),
                Action::End(step) => self.end_step(step),
                Action::Finish => self.finish_routine(),
                // Coaching pauses through a rest between sets, so moving
                // about while resting is neither counted nor corrected (the
                // coach's own count already said the set was done).
                Action::RestBetweenSets { .. } => self.set_live_paused(true),
                Action::Resume(_) => {
                    self.set_live_paused(false);
                    self.say_next_set();
                }
            }
        }
    }

    /// "Set two. Go." as the rest between sets ends.
    fn say_next_set(&self) {
        let Some(run) = &self.routine else { return };
        if self.audio.muted {
            return;
        }
        let next = run.player.sets_seen() + 1;
        run.speaker.play(Utterance {
            t_s: 0.0,
            kind: UtteranceKind::Speech(format!(
                "Set {}. Go.",
                crate::audio::cues::number_word(next)
            )),
            priority: Priority::Count,
        });
    }

    /// Whether a rest between sets is under way (the live screen's pause
    /// then ends it, Enter too).
    pub(super) fn resting_between_sets(&self) -> bool {
        self.routine
            .as_ref()
            .is_some_and(|r| r.player.set_rest().is_some())
    }

    fn announce_step(&mut self, step: usize, text: String) {
        let Some(run) = &self.routine else { return };
        let rest_s = match run.player.phase() {
            Phase::NextUp { remaining_s, .. } => remaining_s,
            _ => 0.0,
        };
        if !self.audio.muted {
            run.speaker.play(Utterance {
                t_s: 0.0,
                kind: UtteranceKind::Speech(text.clone()),
                priority: Priority::Count,
            });
        }
        let view = run
            .player
            .exercise(step)
            .cloned()
            .and_then(|ex| NextUpView::new(run.player.routine(), step, ex, text, rest_s));
        if let Some(view) = view {
            self.screen = Screen::NextUp(Box::new(view));
        }
    }

    fn start_step(&mut self, step: usize) {
        let Some(run) = &mut self.routine else { return };
        run.progress = StepProgress::default();
        run.figure = None;
        run.measure = run.player.routine().steps.get(step).and_then(|s| s.measure);
        let Some(exercise) = run.player.exercise(step).cloned() else {
            return;
        };
        let Some(source) = run.sources.get(step).or(run.sources.last()).cloned() else {
            return;
        };
        self.start_exercise(exercise, &source);
        if self.live.is_none() {
            // Could not start (the picker says why): the routine ends here.
            self.routine = None;
        }
    }

    fn end_step(&mut self, step: usize) {
        let ended = self.end_live();
        let Some(run) = &mut self.routine else { return };
        if let (Some(measure), Some(slot)) = (run.measure.take(), run.figures.get_mut(step)) {
            // A step stopped before its first picture measured nothing; the
            // empty meter's figure says why.
            *slot = Some(
                run.figure
                    .take()
                    .unwrap_or_else(|| Meter::new(measure).figure()),
            );
        }
        let Some(row) = run.rows.get_mut(step) else {
            return;
        };
        row.progress = run.progress;
        match ended {
            LiveEnd::Summary { view, session_id } => {
                row.totals = Some(view.summary.clone());
                row.summary = Some(view);
                if let (Some(store), Some(run_id), Some(session)) =
                    (&self.store, run.run_id, session_id)
                    && let Err(e) = store.link_routine_session(session, run_id, step)
                {
                    run.notes.push(format!(
                        "Step {} could not be linked to this routine in the history: {e}",
                        step + 1
                    ));
                }
            }
            LiveEnd::Nothing(Some(why)) => run.notes.push(format!("Step {}: {why}", step + 1)),
            LiveEnd::Nothing(None) | LiveEnd::NotRunning => {}
        }
    }

    fn finish_routine(&mut self) {
        let Some(run) = self.routine.take() else {
            return;
        };
        let mut rows = run.rows;
        for (row, end) in rows.iter_mut().zip(run.player.ends()) {
            row.end = *end;
        }
        let mut notes = run.notes;
        if run.run_id.is_none() {
            notes.push("This routine is not linked in the history (it is not writable).".into());
        }
        let figures: Vec<Figure> = run.figures.into_iter().flatten().collect();
        let mobility = (!figures.is_empty())
            .then(|| self.keep_mobility_check(figures, run.run_id, &mut notes));
        self.screen = Screen::RoutineSummary(Box::new(RoutineSummaryView {
            name: run.player.routine().name.clone(),
            rows,
            notes,
            mobility,
        }));
    }

    /// Sets a check beside the person's first one and keeps it in the
    /// history (a history that cannot take it is said in `notes`).
    pub(super) fn keep_mobility_check(
        &self,
        figures: Vec<Figure>,
        run_id: Option<i64>,
        notes: &mut Vec<String>,
    ) -> MobilitySummary {
        let now = crate::calendar::now_unix_s();
        let offset = crate::calendar::local_offset_s(now);
        let Some(store) = &self.store else {
            notes.push("This check is not kept: the history is not available.".into());
            return MobilitySummary {
                figures,
                first: None,
            };
        };
        let first = store.mobility_checks().ok().and_then(|checks| {
            checks
                .into_iter()
                .next()
                .map(|c| (date_text(c.measured_unix_s, offset), c.figures))
        });
        let check = MobilityCheck {
            measured_unix_s: now,
            routine_run_id: run_id,
            figures,
        };
        if let Err(e) = store.save_mobility_check(&check) {
            notes.push(format!("This check could not be kept in the history: {e}"));
        }
        MobilitySummary {
            figures: check.figures,
            first,
        }
    }
}
