//! The routine screens: the picker's list of routines and a routine's
//! details, the "next up" screen shown before each step (with its drawing
//! and the rest's countdown), the bar over live coaching, and the summary
//! with a row per step. The state machine behind them is
//! [`crate::routine::RoutinePlayer`]; the app plays what it says.

use egui::RichText;

use crate::coach::Exercise;
use crate::mobility::Figure;
use crate::pose::PoseFrame;
use crate::routine::{Routine, RoutineStep, SetRest, StepEnd, StepProgress, minutes_text};
use crate::session::SessionTotals;

use super::palette;
use super::picker::{position_text, view_text};

/// Size of the drawing of the next step's start position.
const PREVIEW_SIZE: egui::Vec2 = egui::vec2(320.0, 240.0);

/// What the person asked for while a routine plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutineCommand {
    /// Start the announced step without waiting (Enter).
    StartNow,
    /// Skip the announced or playing step (N).
    Skip,
    /// Play the step again, or the one before the announced one (R).
    Repeat,
    /// Pause or resume (Space).
    TogglePause,
    /// End the routine here and show its summary (Esc).
    Stop,
}

/// The keys of the routine player, on top of the live screen's Space, Esc
/// and M.
pub const KEYS_HELP: &str = "Enter: start now · N: skip · R: repeat · Space: pause · Esc: stop";

/// The picker's "Routines" section; returns the routine clicked.
pub fn routine_list_ui(
    ui: &mut egui::Ui,
    routines: &[Routine],
    selected: Option<&str>,
) -> Option<String> {
    if routines.is_empty() {
        return None;
    }
    let mut clicked = None;
    ui.add_space(10.0);
    ui.separator();
    ui.label(RichText::new("Routines").strong().size(16.0));
    for r in routines {
        let steps = match r.steps.len() {
            1 => "1 step".to_owned(),
            n => format!("{n} steps"),
        };
        let text = format!("{} · {} · {steps}", r.name, minutes_text(r.estimated_s()));
        if ui
            .selectable_label(
                selected == Some(r.id.as_str()),
                RichText::new(text).size(15.0),
            )
            .clicked()
        {
            clicked = Some(r.id.clone());
        }
    }
    clicked
}

/// The name the person knows a step's exercise by.
fn exercise_name<'a>(exercises: &'a [Exercise], id: &'a str) -> &'a str {
    exercises
        .iter()
        .find(|e| e.id == id)
        .map_or(id, |e| e.name.as_str())
}

/// A routine's details in the picker: what it is for, how long, its steps.
pub fn routine_details_ui(ui: &mut egui::Ui, routine: &Routine, exercises: &[Exercise]) {
    ui.heading(RichText::new(&routine.name).size(28.0));
    ui.label(
        RichText::new(format!(
            "Routine · about {} min · {} steps",
            minutes_text(routine.estimated_s()),
            routine.steps.len()
        ))
        .weak(),
    );
    ui.add_space(8.0);
    ui.label(RichText::new(&routine.description).size(17.0));
    ui.add_space(10.0);
    egui::Grid::new("routine_steps")
        .num_columns(3)
        .spacing([16.0, 6.0])
        .striped(true)
        .show(ui, |ui| {
            for (i, step) in routine.steps.iter().enumerate() {
                ui.label(format!("{}", i + 1));
                ui.label(RichText::new(exercise_name(exercises, &step.exercise)).strong());
                ui.label(step.dose_text());
                ui.end_row();
            }
        });
    ui.add_space(6.0);
    ui.label(
        RichText::new(format!(
            "Each step is announced and shown before it starts, with a rest between. \
             Keys: {KEYS_HELP}."
        ))
        .weak(),
    );
    ui.add_space(12.0);
    ui.separator();
    ui.add_space(8.0);
}

/// The screen before each step: what is next, how to stand, the countdown.
#[derive(Debug, Clone)]
pub struct NextUpView {
    /// Routine name.
    pub routine_name: String,
    /// Index of the announced step.
    pub index: usize,
    /// Steps in the routine.
    pub total: usize,
    /// The step's exercise as coached (its dose applied).
    pub exercise: Exercise,
    /// The step.
    pub step: RoutineStep,
    /// The announcement ("Next: …"), as spoken.
    pub text: String,
    /// Seconds left of the rest.
    pub remaining_s: f64,
    /// Length of the rest, for the bar.
    pub rest_s: f64,
    /// The countdown is paused.
    pub paused: bool,
    /// The start position, drawn as the picker draws it.
    preview: Option<PoseFrame>,
}

impl NextUpView {
    /// The screen announcing step `index` with `text` (`None` past the
    /// routine's last step).
    #[must_use]
    pub fn new(
        routine: &Routine,
        index: usize,
        exercise: Exercise,
        text: String,
        rest_s: f64,
    ) -> Option<NextUpView> {
        let step = routine.steps.get(index)?.clone();
        let front = exercise.view == crate::coach::View::Front;
        let preview = crate::synth::preview(
            &exercise,
            front,
            PREVIEW_SIZE.x as u32,
            PREVIEW_SIZE.y as u32,
        );
        Some(NextUpView {
            routine_name: routine.name.clone(),
            index,
            total: routine.steps.len(),
            step,
            exercise,
            text,
            remaining_s: rest_s,
            rest_s,
            paused: false,
            preview,
        })
    }

    /// Draws the screen.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<RoutineCommand> {
        let mut command = None;
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.label(
                    RichText::new(format!(
                        "{} · step {} of {}",
                        self.routine_name,
                        self.index + 1,
                        self.total
                    ))
                    .size(18.0)
                    .weak(),
                );
                ui.add_space(6.0);
                ui.heading(RichText::new(&self.text).size(34.0).strong());
                ui.add_space(12.0);
                ui.horizontal_top(|ui| {
                    if let Some(frame) = &self.preview {
                        ui.vertical(|ui| {
                            ui.label(RichText::new("What the camera should see").weak());
                            super::picker::draw_preview(ui, frame, PREVIEW_SIZE);
                        });
                        ui.add_space(24.0);
                    }
                    ui.vertical(|ui| self.facts_ui(ui));
                });
                ui.add_space(16.0);
                self.countdown_ui(ui);
                ui.add_space(12.0);
                command = buttons_ui(ui, self.paused, true, self.index > 0);
                ui.add_space(6.0);
                ui.label(RichText::new(KEYS_HELP).weak());
            });
        });
        command
    }

    fn facts_ui(&self, ui: &mut egui::Ui) {
        egui::Grid::new("next_up_facts")
            .num_columns(2)
            .spacing([16.0, 8.0])
            .show(ui, |ui| {
                ui.label(RichText::new("How much").strong().size(17.0));
                ui.label(RichText::new(self.step.dose_text()).size(17.0));
                ui.end_row();
                ui.label(RichText::new("Start position").strong().size(17.0));
                ui.label(RichText::new(position_text(self.exercise.position)).size(17.0));
                ui.end_row();
                ui.label(RichText::new("Camera").strong().size(17.0));
                ui.label(RichText::new(view_text(self.exercise.view)).size(17.0));
                ui.end_row();
            });
        if !self.step.note.is_empty() {
            ui.add_space(8.0);
            ui.label(RichText::new(&self.step.note).size(17.0));
        }
        ui.add_space(8.0);
        ui.label(RichText::new(&self.exercise.instructions).size(15.0).weak());
    }

    fn countdown_ui(&self, ui: &mut egui::Ui) {
        let left = self.remaining_s.max(0.0).ceil();
        let text = if self.paused {
            format!("Paused · starts {left:.0} s after you carry on")
        } else {
            format!("Starts in {left:.0} s")
        };
        ui.label(RichText::new(text).size(28.0).color(palette::ACCENT));
        let fraction = if self.rest_s > 0.0 {
            (1.0 - self.remaining_s / self.rest_s).clamp(0.0, 1.0) as f32
        } else {
            1.0
        };
        ui.add(egui::ProgressBar::new(fraction).desired_width(480.0));
    }
}

/// Start now (only while a step is announced), skip, repeat (only when
/// there is a step to repeat: not before the first), pause, stop.
fn buttons_ui(
    ui: &mut egui::Ui,
    paused: bool,
    announced: bool,
    can_repeat: bool,
) -> Option<RoutineCommand> {
    let mut command = None;
    ui.horizontal(|ui| {
        if announced {
            let start = egui::Button::new(RichText::new("Start now").size(18.0))
                .fill(palette::ACCENT)
                .min_size(egui::vec2(140.0, 36.0));
            if ui.add(start).clicked() {
                command = Some(RoutineCommand::StartNow);
            }
        }
        if ui.button(RichText::new("Skip (N)").size(18.0)).clicked() {
            command = Some(RoutineCommand::Skip);
        }
        let repeat = if announced {
            "Repeat the last step (R)"
        } else {
            "Repeat this step (R)"
        };
        if can_repeat && ui.button(RichText::new(repeat).size(18.0)).clicked() {
            command = Some(RoutineCommand::Repeat);
        }
        if announced {
            let pause = if paused { "Carry on" } else { "Pause" };
            if ui.button(RichText::new(pause).size(18.0)).clicked() {
                command = Some(RoutineCommand::TogglePause);
            }
        }
        if ui
            .button(RichText::new("Stop the routine").size(18.0))
            .clicked()
        {
            command = Some(RoutineCommand::Stop);
        }
    });
    command
}

/// The strip over live coaching: which step of which routine, and the
/// routine's buttons (the live screen keeps its own pause and stop).
pub fn playing_bar_ui(
    ui: &mut egui::Ui,
    routine_name: &str,
    index: usize,
    total: usize,
    set_rest: Option<SetRest>,
) -> Option<RoutineCommand> {
    let mut command = None;
    egui::Panel::top("routine_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("{routine_name} · step {} of {total}", index + 1))
                    .size(17.0)
                    .strong(),
            );
            ui.add_space(16.0);
            command = buttons_ui(ui, false, false, true);
        });
        if let Some(rest) = set_rest {
            ui.horizontal(|ui| {
                let left = rest.remaining_s.max(0.0).ceil();
                ui.label(
                    RichText::new(format!(
                        "Rest · set {} of {} in {left:.0} s",
                        rest.next_set, rest.sets
                    ))
                    .size(22.0)
                    .color(palette::ACCENT),
                );
                let fraction = if rest.rest_s > 0.0 {
                    (1.0 - rest.remaining_s / rest.rest_s).clamp(0.0, 1.0) as f32
                } else {
                    1.0
                };
                ui.add(egui::ProgressBar::new(fraction).desired_width(240.0));
                if ui
                    .button(RichText::new("Go now (Enter)").size(17.0))
                    .clicked()
                {
                    command = Some(RoutineCommand::StartNow);
                }
            });
        }
    });
    command
}

/// One step as the routine's summary shows it.
#[derive(Debug, Clone)]
pub struct StepRow {
    /// Exercise name.
    pub exercise: String,
    /// The step (side and dose asked).
    pub step: RoutineStep,
    /// How it ended; `None` when the routine stopped before it.
    pub end: Option<StepEnd>,
    /// Reps and full holds counted.
    pub progress: StepProgress,
    /// Its session's figures, when it was coached.
    pub totals: Option<SessionTotals>,
    /// Its session's own summary, to open.
    pub summary: Option<Box<super::summary::SummaryView>>,
}

/// What the person asked for on the routine's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutineSummaryCommand {
    /// Open step `n`'s own summary.
    Open(usize),
    /// Back to the picker.
    Done,
    /// To the history.
    History,
}

/// The routine's summary: a row per step.
#[derive(Debug, Clone)]
pub struct RoutineSummaryView {
    /// Routine name.
    pub name: String,
    /// One row per step, in order.
    pub rows: Vec<StepRow>,
    /// Things to say (not saved in the history, stopped early).
    pub notes: Vec<String>,
    /// The mobility check's figures, when the routine measured any.
    pub mobility: Option<MobilitySummary>,
}

/// A mobility check's figures on the routine's summary.
#[derive(Debug, Clone)]
pub struct MobilitySummary {
    /// This check's figures, in step order.
    pub figures: Vec<Figure>,
    /// The person's first check: its day in words ("3 November") and figures.
    pub first: Option<(String, Vec<Figure>)>,
}

impl RoutineSummaryView {
    /// Draws the screen.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<RoutineSummaryCommand> {
        let mut command = None;
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.heading(RichText::new(format!("{} — how it went", self.name)).size(26.0));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button(RichText::new("Done").size(18.0)).clicked() {
                            command = Some(RoutineSummaryCommand::Done);
                        }
                        if ui.button(RichText::new("History").size(18.0)).clicked() {
                            command = Some(RoutineSummaryCommand::History);
                        }
                    });
                });
                let done = self
                    .rows
                    .iter()
                    .filter(|r| r.end == Some(StepEnd::Done))
                    .count();
                ui.label(
                    RichText::new(format!("{done} of {} steps done in full.", self.rows.len()))
                        .size(18.0),
                );
                for note in &self.notes {
                    ui.colored_label(palette::INFO, note);
                }
                ui.add_space(10.0);
                if let Some(c) = self.table_ui(ui) {
                    command = Some(c);
                }
                if let Some(m) = &self.mobility {
                    ui.add_space(12.0);
                    let first = m.first.as_ref().map(|(d, f)| (d.as_str(), f.as_slice()));
                    super::mobility_view::check_ui(ui, &m.figures, first);
                }
            });
        });
        command
    }

    fn table_ui(&self, ui: &mut egui::Ui) -> Option<RoutineSummaryCommand> {
        let mut command = None;
        egui::Grid::new("routine_summary")
            .num_columns(7)
            .spacing([18.0, 8.0])
            .striped(true)
            .show(ui, |ui| {
                for head in ["#", "Exercise", "Side", "Asked", "Done", "Good form", ""] {
                    ui.label(RichText::new(head).strong().size(16.0));
                }
                ui.end_row();
                let cell = |ui: &mut egui::Ui, text: String| {
                    ui.label(RichText::new(text).size(16.0));
                };
                for (i, row) in self.rows.iter().enumerate() {
                    cell(ui, format!("{}", i + 1));
                    ui.label(RichText::new(&row.exercise).size(16.0).strong());
                    cell(ui, side_text(&row.step).to_owned());
                    cell(ui, row.step.dose_text());
                    cell(ui, done_text(row));
                    cell(
                        ui,
                        row.totals
                            .as_ref()
                            .and_then(SessionTotals::good_form_ratio)
                            .map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0)),
                    );
                    if row.summary.is_some() {
                        if ui
                            .button(RichText::new("See this step").size(16.0))
                            .clicked()
                        {
                            command = Some(RoutineSummaryCommand::Open(i));
                        }
                    } else {
                        ui.label("");
                    }
                    ui.end_row();
                }
            });
        command
    }
}

/// The side a step worked, in words.
fn side_text(step: &RoutineStep) -> &'static str {
    match step.side.word() {
        Some("left") => "Left",
        Some(_) => "Right",
        None if step.per_side => "Both",
        None => "—",
    }
}

/// What was done against the dose: `Done`, `Skipped`, or the counts so far.
#[must_use]
pub fn done_text(row: &StepRow) -> String {
    let p = &row.progress;
    let s = &row.step;
    let count = |left: u32, right: u32, both: u32| {
        if s.per_side {
            format!("L {left} R {right}")
        } else {
            match s.side.word() {
                Some("left") => (left + both).to_string(),
                Some(_) => (right + both).to_string(),
                None => (left + right + both).to_string(),
            }
        }
    };
    let mut parts = Vec::new();
    if s.reps > 0 {
        parts.push(format!(
            "{} of {} reps",
            count(p.reps_left, p.reps_right, p.reps_both),
            s.reps * s.sets
        ));
    }
    if s.holds > 0 {
        parts.push(format!(
            "{} of {} holds",
            count(p.holds_left, p.holds_right, p.holds_both),
            s.holds * s.sets
        ));
    }
    let counts = parts.join(", ");
    match row.end {
        Some(StepEnd::Done) => format!("Done · {counts}"),
        Some(StepEnd::Partial) => format!("Part · {counts}"),
        Some(StepEnd::Skipped) => "Skipped".to_owned(),
        None => "Not reached".to_owned(),
    }
}
