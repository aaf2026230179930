//! The eframe app: which screen is up, the running pipeline, the history, and
//! the commands screens return (applied once per frame, after drawing).

use std::path::PathBuf;
use std::sync::Arc;

use crate::audio::AudioSettings;
use crate::coach::{Catalogue, Exercise};
use crate::live::{LivePipeline, PipelineConfig, SourceSpec, Status};
use crate::store::{Store, StoreError};

use super::WindowOptions;
use super::history::{HistoryCommand, HistoryView};
use super::live_view::{LiveCommand, LiveView};
use super::picker::{PickerCommand, PickerView, RecoveryOffer};
use super::reminder::{Reminder, ReminderCommand};
use super::routine_view::{NextUpView, RoutineCommand, RoutineSummaryCommand, RoutineSummaryView};
use super::safety::SafetyView;
use super::settings::{Settings, SettingsCommand, SettingsView};
use super::summary::{SaveOffer, SummaryCommand, SummaryView};
use super::unsaved::{HistoryTrouble, UnsavedSession};

mod keep;
mod past;
mod routine;

use past::history_problem;

/// The screen showing.
#[derive(Debug)]
pub enum Screen {
    /// The safety notice.
    Safety,
    /// Choosing an exercise.
    Picker,
    /// Coaching (the view and pipeline live in the app).
    Live,
    /// A session's summary.
    Summary(Box<SummaryView>),
    /// All sessions.
    History(HistoryView),
    /// Settings.
    Settings(Box<SettingsView>),
    /// A routine's next step, with the rest before it.
    NextUp(Box<NextUpView>),
    /// A played routine's summary.
    RoutineSummary(Box<RoutineSummaryView>),
}

/// Something to do after this frame's drawing.
#[derive(Debug)]
enum Command {
    AcceptSafety,
    Picker(PickerCommand),
    Live(LiveCommand),
    Summary(SummaryCommand),
    History(HistoryCommand),
    Settings(SettingsCommand),
    Reminder(ReminderCommand),
    Routine(RoutineCommand),
    RoutineSummary(RoutineSummaryCommand),
}

/// What the command line asked to coach.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Exercise(String),
    Routine(String),
}

/// What ending a live session left.
enum LiveEnd {
    /// No session was running.
    NotRunning,
    /// Nothing to show; the notice says why, when there is something to say.
    Nothing(Option<String>),
    /// Its summary and its row in the history.
    Summary {
        view: Box<SummaryView>,
        session_id: Option<i64>,
    },
}

/// The whole window.
pub struct FormcoachApp {
    ctx: egui::Context,
    settings: Settings,
    audio: AudioSettings,
    /// Why the sound settings could not be read or saved.
    audio_notice: Option<String>,
    reminder: Reminder,
    store: Option<Store>,
    exercises: Vec<Exercise>,
    picker: PickerView,
    screen: Screen,
    live: Option<(LiveView, LivePipeline)>,
    /// Why sessions cannot be saved in the history right now.
    trouble: Option<HistoryTrouble>,
    /// Sessions the history did not take, kept until saved or exported.
    unsaved: Vec<UnsavedSession>,
    /// The exercise or routine and video asked for on the command line,
    /// waiting for the safety notice to be accepted.
    pending_start: Option<(Target, Vec<SourceSpec>)>,
    /// The window's size or maximized state changed since settings were read.
    window_moved: bool,
    /// The routine being played.
    routine: Option<routine::RoutineRun>,
    /// The routine summary to go back to from one step's summary.
    routine_back: Option<Box<RoutineSummaryView>>,
}

impl std::fmt::Debug for FormcoachApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormcoachApp")
            .field("screen", &self.screen)
            .finish_non_exhaustive()
    }
}

/// Lists cameras, as text the picker can show.
fn cameras() -> Result<Vec<crate::source::camera::CameraInfo>, String> {
    crate::source::camera::list_cameras().map_err(|e| e.to_string())
}

impl FormcoachApp {
    /// Opens the history, loads the catalogue, and starts on the right screen.
    #[must_use]
    pub fn new(ctx: &egui::Context, options: WindowOptions) -> FormcoachApp {
        FormcoachApp::with_history(ctx, options, Store::open_default())
    }

    /// As [`FormcoachApp::new`], with the history already opened (or the
    /// reason it could not be).
    #[must_use]
    pub fn with_history(
        ctx: &egui::Context,
        options: WindowOptions,
        history: Result<Store, StoreError>,
    ) -> FormcoachApp {
        let mut notices = Vec::new();
        let mut trouble = None;
        let store = match history {
            Ok(s) => {
                if s.read_only() {
                    notices.push(format!(
                        "The history file {} is read-only: you can look at it, but new sessions will not be saved.",
                        s.path().display()
                    ));
                    trouble = Some(HistoryTrouble::read_only(s.path()));
                }
                Some(s)
            }
            Err(e) => {
                let t = HistoryTrouble::from_error(&e);
                notices.push(t.text.clone());
                trouble = Some(t);
                None
            }
        };
        let mut settings = Settings::load(store.as_ref());
        let (audio, audio_notice) = match AudioSettings::default_path() {
            Some(path) => match AudioSettings::load(&path) {
                Ok(a) => (a, None),
                Err(e) => (
                    AudioSettings::default(),
                    Some(format!(
                        "The sound settings could not be read ({e}); using the defaults."
                    )),
                ),
            },
            None => (AudioSettings::default(), None),
        };
        if let Some(model) = options.model.clone() {
            settings.model = model;
        }
        let (catalogue, errors) = Catalogue::load(None);
        for e in errors {
            notices.push(format!("An exercise file could not be used: {e}"));
        }
        let exercises: Vec<Exercise> = catalogue.iter().cloned().collect();
        let preselect = options
            .exercise
            .clone()
            .or_else(|| settings.last_exercise.clone());
        let mut picker = PickerView::new(exercises.clone(), preselect, cameras());
        picker.camera_index = settings.camera_index;
        picker.mirror = settings.mirror;
        picker.routines = routine::load_routines(&catalogue, &mut notices);
        picker.selected_routine.clone_from(&options.routine);
        picker.recovery = store
            .as_ref()
            .and_then(|s| s.unfinished().ok())
            .and_then(|v| v.into_iter().next())
            .map(|r| RecoveryOffer {
                id: r.id,
                started: r.meta.started_text(),
                name: r.meta.exercise_name,
            });
        if !notices.is_empty() {
            picker.notice = Some(notices.join("\n"));
        }
        let screen = if settings.safety_accepted {
            Screen::Picker
        } else {
            Screen::Safety
        };
        let mut app = FormcoachApp {
            ctx: ctx.clone(),
            settings,
            audio,
            audio_notice,
            reminder: Reminder::new(),
            store,
            exercises,
            picker,
            screen,
            live: None,
            pending_start: None,
            trouble,
            unsaved: Vec::new(),
            window_moved: false,
            routine: None,
            routine_back: None,
        };
        app.start_from_command_line(options);
        app
    }

    /// The screen showing (for tests).
    #[must_use]
    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    fn save_settings(&mut self) {
        let Err(why) = self.settings.save(self.store.as_ref()) else {
            return;
        };
        // Without a writable history the first screen already says why.
        if self.store.as_ref().is_none_or(Store::read_only) {
            return;
        }
        // Said once: a disk that refuses one save refuses the next ones too.
        let text =
            format!("Your settings could not be saved ({why}); they last until formcoach closes.");
        let notice = self.picker.notice.get_or_insert_default();
        if !notice.contains(&text) {
            if !notice.is_empty() {
                notice.push('\n');
            }
            notice.push_str(&text);
        }
    }

    /// Saves the sound settings; a failure is kept for the settings screen.
    fn save_audio(&mut self) {
        let Some(path) = AudioSettings::default_path() else {
            return;
        };
        self.audio_notice = self.audio.save(&path).err().map(|e| {
            format!(
                "The sound settings could not be saved ({e}); they last until formcoach closes."
            )
        });
    }

    /// Asking for a file on the command line is asking to start now, but a
    /// first start still shows the safety notice first: the video starts
    /// once it is accepted.
    fn start_from_command_line(&mut self, options: WindowOptions) {
        if options.video.is_empty() {
            return;
        }
        let target = match options.routine {
            Some(id) => Target::Routine(id),
            None => Target::Exercise(options.exercise.unwrap_or_default()),
        };
        let sources = options
            .video
            .into_iter()
            .map(|path| SourceSpec::Video { path })
            .collect();
        if self.settings.safety_accepted || safety_accepted_for_this_run() {
            self.start_target(&target, sources);
        } else {
            self.pending_start = Some((target, sources));
        }
    }

    /// Starts from the command line's videos: an exercise takes the one
    /// (the command line refuses more), a routine one per step or one for all.
    fn start_target(&mut self, target: &Target, sources: Vec<SourceSpec>) {
        match target {
            Target::Exercise(id) => {
                if let Some(source) = sources.first() {
                    self.start(id, source);
                }
            }
            Target::Routine(id) => self.start_routine_each(id, sources),
        }
    }

    fn start(&mut self, exercise_id: &str, source: &SourceSpec) {
        let Some(exercise) = self.exercises.iter().find(|e| e.id == exercise_id).cloned() else {
            self.picker.notice = Some(format!(
                "There is no exercise called “{exercise_id}”. Pick one from the list."
            ));
            self.screen = Screen::Picker;
            return;
        };
        self.start_exercise(exercise, source);
    }

    /// Starts coaching `exercise` (a routine's step passes its own dose).
    fn start_exercise(&mut self, exercise: Exercise, source: &SourceSpec) {
        let exercise_id = exercise.id.clone();
        let db_path = self
            .store
            .as_ref()
            .filter(|s| !s.read_only())
            .map(|s| s.path().to_path_buf());
        let ctx = self.ctx.clone();
        let config = PipelineConfig {
            source: source.clone(),
            model: self.settings.model.clone(),
            exercise: exercise.clone(),
            db_path,
            audio: self.audio.clone(),
            measure: self.routine.as_ref().and_then(|r| r.measure),
        };
        match LivePipeline::start(config, Arc::new(move || ctx.request_repaint())) {
            Ok(pipeline) => {
                let mut view = LiveView::new(exercise, source.label());
                view.show_stats = self.settings.show_stats;
                view.muted = self.audio.muted;
                if self.store.as_ref().is_none_or(Store::read_only) {
                    view.store_note = Some(match self.trouble.as_ref().and_then(|t| t.damaged.as_ref()) {
                        Some(_) => "the history file is damaged: this session is kept in memory, and the summary offers to save it".to_owned(),
                        None => "the history file is not writable: the summary offers to export this session".to_owned(),
                    });
                }
                self.live = Some((view, pipeline));
                self.screen = Screen::Live;
                self.settings.last_exercise = Some(exercise_id);
                self.save_settings();
            }
            Err(e) => {
                self.picker.notice = Some(format!("Could not start coaching: {e}"));
                self.screen = Screen::Picker;
            }
        }
    }

    /// Pauses or resumes live coaching, whether the person asked (Space)
    /// or a routine rests between sets: the view and the pipeline together,
    /// and no longer as a pause the lost camera caused.
    pub(super) fn set_live_paused(&mut self, paused: bool) {
        if let Some((view, pipeline)) = &mut self.live {
            view.paused = paused;
            view.paused_by_loss = false;
            pipeline.set_paused(paused);
        }
    }

    /// Ends the live session and shows what it recorded.
    fn stop_live(&mut self) {
        match self.end_live() {
            LiveEnd::NotRunning => {}
            LiveEnd::Nothing(notice) => {
                if notice.is_some() {
                    self.picker.notice = notice;
                }
                self.screen = Screen::Picker;
            }
            LiveEnd::Summary { view, .. } => self.screen = Screen::Summary(view),
        }
    }

    /// Ends the live session and returns its summary (or why there is none).
    fn end_live(&mut self) -> LiveEnd {
        let Some((view, pipeline)) = self.live.take() else {
            return LiveEnd::NotRunning;
        };
        let failed = match &view.status {
            Status::Failed(why) => Some(why.to_string()),
            _ => None,
        };
        if matches!(view.status, Status::Starting(_)) {
            // Nothing is coached before the first picture, and a first start
            // may be in the middle of fetching the model: winding down on
            // another thread keeps the window responsive. Files are written
            // whole or not at all, so a fetch cut short leaves nothing broken.
            let spawned = std::thread::Builder::new()
                .name("stopping".to_owned())
                .spawn(move || drop(pipeline));
            drop(spawned);
            return LiveEnd::Nothing(None);
        }
        let outcome = pipeline.stop();
        if let Some(run) = &mut self.routine {
            run.figure.clone_from(&outcome.figure);
        }
        if outcome.speed.frames > 0 {
            // One line per session on stderr: what `--video` checks measure.
            eprintln!("formcoach: {}: {}", view.exercise.id, outcome.speed);
        }
        if view.exercise.reminder && outcome.speed.frames > 0 {
            let now = self.ctx.input(|i| i.time);
            self.reminder
                .restart(now, f64::from(self.settings.reminder_every_min) * 60.0);
        }
        if outcome.samples.is_empty() {
            return LiveEnd::Nothing(Some(failed.unwrap_or_else(|| {
                "Nothing was recorded: the session ended before the first picture was coached."
                    .to_owned()
            })));
        }
        let unit = view.exercise.rom_unit().to_owned();
        if outcome.session_id.is_none() {
            // Not in the history: kept here until it is saved or exported.
            self.unsaved.push(UnsavedSession {
                meta: outcome.meta.clone(),
                samples: outcome.samples.clone(),
                thumbnails: outcome.thumbnails.clone(),
            });
        }
        let mut summary = SummaryView::new(
            view.exercise.name.clone(),
            view.exercise.sided(),
            unit,
            outcome.samples,
        )
        .with_thumbnails(outcome.thumbnails)
        .with_previous(self.previous_summary(&view.exercise.id, outcome.session_id));
        if self.settings.show_stats {
            summary.speed = Some(format!("Speed: {}.", outcome.speed));
        }
        if let Some(why) = &outcome.store_error {
            summary.notes.push(format!(
                "This session could not be saved in the history: {why}"
            ));
        }
        if let Some(why) = failed {
            summary.notes.push(why);
        }
        if !self.unsaved.is_empty() {
            if outcome.store_error.is_none()
                && let Some(t) = &self.trouble
            {
                summary.notes.push(t.text.clone());
            }
            summary.save_offer = Some(SaveOffer {
                waiting: self.unsaved.len(),
                can_move_aside: self.trouble.as_ref().is_some_and(|t| t.damaged.is_some()),
            });
        }
        LiveEnd::Summary {
            view: Box::new(summary),
            session_id: outcome.session_id,
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::AcceptSafety => {
                self.settings.safety_accepted = true;
                self.save_settings();
                self.screen = Screen::Picker;
                if let Some((target, sources)) = self.pending_start.take() {
                    self.start_target(&target, sources);
                }
            }
            Command::Picker(c) => self.apply_picker(c),
            // "Resume" during a rest between sets ends the rest.
            Command::Live(LiveCommand::TogglePause) if self.resting_between_sets() => {
                self.apply_routine(RoutineCommand::StartNow);
            }
            Command::Live(LiveCommand::TogglePause) => {
                let paused = self.live.as_ref().is_some_and(|(view, _)| !view.paused);
                self.set_live_paused(paused);
            }
            Command::Live(LiveCommand::Stop) if self.routine.is_some() => {
                self.apply_routine(RoutineCommand::Stop);
            }
            Command::Live(LiveCommand::Stop) => self.stop_live(),
            Command::Routine(c) => self.apply_routine(c),
            Command::RoutineSummary(c) => self.apply_routine_summary(c),
            Command::Summary(SummaryCommand::Done) if self.back_to_routine_summary() => {}
            Command::Live(LiveCommand::ToggleMute) => {
                self.audio.muted = !self.audio.muted;
                if let Some((view, pipeline)) = &mut self.live {
                    pipeline.set_muted(self.audio.muted);
                    view.muted = self.audio.muted;
                }
                self.save_audio();
            }
            Command::Settings(SettingsCommand::Back) => self.screen = Screen::Picker,
            Command::Settings(SettingsCommand::Changed) => {
                if let Screen::Settings(view) = &mut self.screen {
                    let previous = std::mem::replace(&mut self.audio, view.audio.clone());
                    view.refresh_player(&previous);
                    self.settings = view.settings.clone();
                    self.picker.mirror = self.settings.mirror;
                }
                self.save_settings();
                self.save_audio();
                if let (Screen::Settings(view), Some(why)) = (&mut self.screen, &self.audio_notice)
                {
                    view.notice = Some(why.clone());
                }
            }
            Command::Reminder(c) => {
                let now = self.ctx.input(|i| i.time);
                let every = f64::from(self.settings.reminder_every_min) * 60.0;
                match c {
                    ReminderCommand::Start => {
                        self.reminder.restart(now, every);
                        if let Some(id) = super::reminder::exercise_id(&self.picker.exercises) {
                            self.picker.selected = Some(id.to_owned());
                        }
                        self.select_desk_reset_routine();
                        self.screen = Screen::Picker;
                    }
                    ReminderCommand::Later => self.reminder.snooze(now),
                    ReminderCommand::Dismiss => self.reminder.restart(now, every),
                }
            }
            Command::Summary(SummaryCommand::Done) | Command::History(HistoryCommand::Back) => {
                if !self.unsaved.is_empty() {
                    self.picker.notice = Some(format!(
                        "{} session(s) not saved yet. The next summary offers to save or export \
                         them; they are lost when formcoach closes.",
                        self.unsaved.len()
                    ));
                }
                self.screen = Screen::Picker;
            }
            Command::Summary(SummaryCommand::MoveAsideAndSave) => self.move_aside_and_save(),
            Command::Summary(SummaryCommand::ExportUnsaved) => self.export_unsaved(),
            Command::Summary(SummaryCommand::History) => self.open_history(),
            Command::History(HistoryCommand::Open(id)) => match self.session_summary(id) {
                Ok(view) => self.screen = Screen::Summary(Box::new(view)),
                Err(e) => {
                    if let Screen::History(h) = &mut self.screen {
                        h.notice = Some(history_problem(&e));
                    }
                }
            },
            Command::History(HistoryCommand::ExportJson) => self.export(true),
            Command::History(HistoryCommand::ExportCsv) => self.export(false),
        }
    }

    fn apply_picker(&mut self, command: PickerCommand) {
        match command {
            PickerCommand::StartCamera {
                exercise,
                camera,
                mirror,
            } => {
                self.settings.camera_index = camera;
                self.settings.mirror = mirror;
                self.start(
                    &exercise,
                    &SourceSpec::Camera {
                        index: camera,
                        mirror,
                    },
                );
            }
            PickerCommand::OpenVideo { exercise } => {
                // Without a desktop portal or zenity the dialog cannot open and
                // rfd answers as if cancelled; say what else works.
                if let Some(path) = rfd::FileDialog::new()
                    .set_title("Open a video to coach from")
                    .add_filter("Video", &["mp4", "mkv", "mov", "webm", "avi"])
                    .pick_file()
                {
                    self.start(&exercise, &SourceSpec::Video { path });
                } else {
                    self.picker.notice = Some(
                        "No video was chosen. If no file window appeared, type the video's path \
                         below or drop the file on this window."
                            .to_owned(),
                    );
                }
            }
            PickerCommand::StartVideo { exercise, path } => {
                if path.exists() {
                    self.start(&exercise, &SourceSpec::Video { path });
                } else {
                    self.picker.notice = Some(format!(
                        "There is no file {}. Check the path and try again.",
                        path.display()
                    ));
                }
            }
            PickerCommand::StartRoutine { routine, source } => {
                self.start_routine_from(&routine, source);
            }
            PickerCommand::RefreshCameras => self.picker.cameras = cameras(),
            PickerCommand::History => self.open_history(),
            PickerCommand::Safety => self.screen = Screen::Safety,
            PickerCommand::Settings => {
                let mut view = SettingsView::open(self.settings.clone(), self.audio.clone());
                view.notice.clone_from(&self.audio_notice);
                self.screen = Screen::Settings(Box::new(view));
            }
            PickerCommand::Recover(id) => {
                self.picker.recovery = None;
                // A read-only history cannot mark it (the first screen says
                // so): it is shown anyway and stays unfinished.
                let unmarked = match &self.store {
                    Some(store) if !store.read_only() => store.mark_recovered(id).err(),
                    _ => None,
                };
                match self.session_summary(id) {
                    Ok(mut view) => {
                        if let Some(e) = unmarked {
                            view.notes.push(format!(
                                "This session could not be marked as kept, so it will be \
                                 offered again next time: {e}"
                            ));
                        }
                        self.screen = Screen::Summary(Box::new(view));
                    }
                    Err(e) => self.picker.notice = Some(history_problem(&e)),
                }
            }
            PickerCommand::Discard(id) => {
                self.picker.recovery = None;
                if let Some(Err(e)) = self.store.as_ref().map(|s| s.delete(id)) {
                    self.picker.notice = Some(history_problem(&e));
                }
            }
        }
    }

    /// Takes in pipeline updates (never blocks) and reacts to the source's state.
    fn pump(&mut self, ctx: &egui::Context) {
        let mut ended = false;
        let mut progress = None;
        if let Some((view, pipeline)) = &mut self.live {
            if let Some(update) = pipeline.latest() {
                progress = Some(update.progress);
                if let Some(paused) = view.follow_source(&update.status, update.image.is_some()) {
                    pipeline.set_paused(paused);
                }
                ended = matches!(update.status, Status::Ended);
                if update.image.is_some() {
                    // Pictures carry the sound's current state (a device may come back).
                    view.audio_problem.clone_from(&update.audio_problem);
                }
                view.apply(update);
            }
            view.refresh_texture(ctx);
        }
        if ended && self.routine.is_none() {
            self.stop_live();
        }
        self.pump_routine(ctx, ended, progress);
        let now = ctx.input(|i| i.time);
        let every = f64::from(self.settings.reminder_every_min) * 60.0;
        let coaching = matches!(
            self.screen,
            Screen::Live | Screen::Safety | Screen::NextUp(_)
        );
        let quiet = self.settings.quiet_hours.contains_now();
        self.reminder.quiet(now, every, quiet);
        if self
            .reminder
            .tick(now, every, self.settings.desk_reminder, coaching)
        {
            // Flash the taskbar entry when the window is in the background.
            ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
                egui::UserAttentionType::Informational,
            ));
        }
        if let Some(left) = self.reminder.remaining_s(now) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(left + 0.5));
        }
    }

    fn keys(&self, ctx: &egui::Context) -> Option<Command> {
        if let Some(c) = self.routine_keys(ctx) {
            return Some(c);
        }
        if !matches!(self.screen, Screen::Live) {
            return None;
        }
        ctx.input(|i| {
            if i.key_pressed(egui::Key::Escape) {
                Some(Command::Live(LiveCommand::Stop))
            } else if i.key_pressed(egui::Key::Space) {
                Some(Command::Live(LiveCommand::TogglePause))
            } else if i.key_pressed(egui::Key::M) {
                Some(Command::Live(LiveCommand::ToggleMute))
            } else {
                None
            }
        })
    }

    /// Draws the current screen and returns what the person asked for.
    fn screen_ui(&mut self, ui: &mut egui::Ui) -> Option<Command> {
        if self.reminder.due()
            && !matches!(
                self.screen,
                Screen::Live | Screen::Safety | Screen::NextUp(_)
            )
            && let Some(c) = Reminder::ui(ui, self.settings.reminder_every_min)
        {
            return Some(Command::Reminder(c));
        }
        match &mut self.screen {
            Screen::Safety => egui::CentralPanel::default()
                .show(ui, |ui| SafetyView.ui(ui))
                .inner
                .then_some(Command::AcceptSafety),
            Screen::Picker => self.picker.ui(ui).map(Command::Picker),
            Screen::Live => {
                let bar = self.routine_bar_ui(ui).map(Command::Routine);
                if let Some((view, _)) = &mut self.live {
                    view.ui(ui).map(Command::Live).or(bar)
                } else {
                    self.screen = Screen::Picker;
                    None
                }
            }
            Screen::Summary(view) => view.ui(ui).map(Command::Summary),
            Screen::History(view) => view.ui(ui).map(Command::History),
            Screen::Settings(view) => view.ui(ui).map(Command::Settings),
            Screen::NextUp(view) => view.ui(ui).map(Command::Routine),
            Screen::RoutineSummary(view) => view.ui(ui).map(Command::RoutineSummary),
        }
    }
}

/// Environment variable for scripted runs (speed checks, tests) on a fresh
/// data folder: set to `1` by someone who has read the safety notice, it
/// skips the notice for this run only and saves nothing.
pub const SAFETY_ACCEPTED_ENV: &str = "FORMCOACH_SAFETY_ACCEPTED";

fn safety_accepted_for_this_run() -> bool {
    std::env::var_os(SAFETY_ACCEPTED_ENV).is_some_and(|v| v == "1")
}

/// The history file this app would use (for tests and messages).
#[must_use]
pub fn default_history_path() -> Option<PathBuf> {
    crate::store::default_db_path().ok()
}

impl eframe::App for FormcoachApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let (size, maximized) = ctx.input(|i| {
            let v = i.viewport();
            (v.inner_rect.map(|r| [r.width(), r.height()]), v.maximized)
        });
        self.window_moved |= self.settings.note_window(size, maximized);
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Q)) {
            // The usual way out on every desktop; a running session is saved
            // as it would be on Esc (the pipeline finishes it on drop).
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.pump(ctx);
        if let Some(c) = self.keys(ctx) {
            self.apply(c);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if let Some(c) = self.screen_ui(ui) {
            self.apply(c);
        }
    }

    fn on_exit(&mut self) {
        // Closing with a session running (Ctrl+Q, the window's close button,
        // a SIGTERM) finishes it in the history before the process ends,
        // linked to its routine run when it is a routine's step.
        if self.routine.is_some() {
            self.apply_routine(RoutineCommand::Stop);
        }
        if let Some((_, pipeline)) = self.live.take() {
            drop(pipeline.stop());
        }
        if self.window_moved {
            self.save_settings();
        }
    }
}

#[cfg(test)]
mod tests;
