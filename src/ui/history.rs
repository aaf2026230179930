//! History: days with a session, the mobility checks' trend, every stored
//! session, trends per exercise, and export.

use egui::RichText;

use std::collections::HashMap;

use crate::calendar::{Day, Frequency};
use crate::store::{RoutineLink, SessionRecord, SessionStatus};

use super::mobility_view::MobilityTrend;
use super::{format_duration, line_with_dots, palette, still_plot};

/// Shown instead of the good-form trend when no session reached the start
/// position (form is only judged there).
pub const NO_JUDGED_SESSION: &str =
    "None of these sessions reached the start position, so none was judged for form yet.";
/// Shown instead of the range trend when no rep or hold was counted.
pub const NO_RANGE_YET: &str = "No rep or hold has been counted in these sessions yet.";

/// Height of each trend chart.
const TREND_HEIGHT: f32 = 170.0;

/// What the person asked for on this screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryCommand {
    /// Back to the picker.
    Back,
    /// Show one session's summary.
    Open(i64),
    /// Save everything as JSON.
    ExportJson,
    /// Save one row per session as CSV.
    ExportCsv,
}

/// The history's state.
#[derive(Debug, Clone, Default)]
pub struct HistoryView {
    /// Sessions, newest first.
    pub sessions: Vec<SessionRecord>,
    /// Exercise whose trend is shown.
    pub trend_exercise: Option<String>,
    /// Why the history could not be read, or the last export's result.
    pub notice: Option<String>,
    /// Days with a session this week and this month.
    pub frequency: Option<Frequency>,
    /// The routine run each session played in, by session id.
    pub routine_links: HashMap<i64, RoutineLink>,
    /// The zone start times are shown in, seconds east of UTC; `None` is
    /// this computer's own (set only where screenshots need a fixed place).
    pub clock_offset_s: Option<i32>,
    /// The mobility checks and their trend chart.
    pub mobility: MobilityTrend,
}

impl HistoryView {
    /// A history over `sessions` (newest first).
    #[must_use]
    pub fn new(sessions: Vec<SessionRecord>) -> HistoryView {
        let trend_exercise = sessions.first().map(|s| s.meta.exercise_id.clone());
        let frequency = Frequency::local_now(sessions.iter().map(|s| s.meta.started_unix_s));
        HistoryView {
            sessions,
            trend_exercise,
            notice: None,
            frequency: Some(frequency),
            routine_links: HashMap::new(),
            clock_offset_s: None,
            mobility: MobilityTrend::default(),
        }
    }

    /// Counts the days as of another day than today, in a zone `offset_s`
    /// east of UTC (screenshots must not change with the date and the place
    /// they are taken in).
    #[must_use]
    pub fn as_of(mut self, today: Day, offset_s: i32) -> HistoryView {
        let days = self
            .sessions
            .iter()
            .map(|s| crate::calendar::day_of(s.meta.started_unix_s, offset_s));
        self.frequency = Some(Frequency::from_days(days, today));
        self.clock_offset_s = Some(offset_s);
        self
    }

    /// Draws the history.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<HistoryCommand> {
        let mut command = None;
        egui::Panel::top("history_top").show(ui, |ui| {
            ui.horizontal(|ui| {
                if ui.button(RichText::new("Back").size(16.0)).clicked() {
                    command = Some(HistoryCommand::Back);
                }
                ui.heading(RichText::new("Your sessions").size(24.0));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let any = !self.sessions.is_empty();
                    if ui
                        .add_enabled(any, egui::Button::new("Export CSV…"))
                        .clicked()
                    {
                        command = Some(HistoryCommand::ExportCsv);
                    }
                    if ui
                        .add_enabled(any, egui::Button::new("Export JSON…"))
                        .clicked()
                    {
                        command = Some(HistoryCommand::ExportJson);
                    }
                });
            });
            if let Some(n) = &self.notice {
                ui.colored_label(palette::INFO, n);
            }
            ui.add_space(4.0);
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if self.sessions.is_empty() && self.mobility.checks.is_empty() {
                ui.label(
                    RichText::new("No sessions yet. They appear here as soon as you start one.")
                        .size(18.0),
                );
                return;
            }
            if let Some(f) = &self.frequency {
                super::frequency::frequency_ui(ui, f);
                ui.add_space(10.0);
            }
            if !self.mobility.checks.is_empty() {
                self.mobility.ui(ui);
                ui.add_space(10.0);
            }
            if self.sessions.is_empty() {
                return;
            }
            self.trend_ui(ui);
            ui.add_space(8.0);
            if let Some(c) = self.table_ui(ui) {
                command = Some(c);
            }
        });
        command
    }

    fn trend_ui(&mut self, ui: &mut egui::Ui) {
        let mut ids: Vec<(String, String)> = Vec::new();
        for s in &self.sessions {
            if !ids.iter().any(|(id, _)| *id == s.meta.exercise_id) {
                ids.push((s.meta.exercise_id.clone(), s.meta.exercise_name.clone()));
            }
        }
        let current = self.trend_exercise.clone().unwrap_or_default();
        let name = ids
            .iter()
            .find(|(id, _)| *id == current)
            .map_or(current.clone(), |(_, n)| n.clone());
        egui::ComboBox::from_label("Trend for this exercise")
            .selected_text(name)
            .show_ui(ui, |ui| {
                for (id, name) in &ids {
                    ui.selectable_value(&mut self.trend_exercise, Some(id.clone()), name);
                }
            });
        // Oldest first, numbered, so the x axis reads "session 1, 2, 3…".
        let mine: Vec<&SessionRecord> = self
            .sessions
            .iter()
            .rev()
            .filter(|s| s.meta.exercise_id == current)
            .collect();
        let ratio: Vec<[f64; 2]> = mine
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.summary
                    .good_form_ratio()
                    .map(|r| [i as f64 + 1.0, r * 100.0])
            })
            .collect();
        let rom = |pick: fn(&SessionRecord) -> Option<f32>| -> Vec<[f64; 2]> {
            mine.iter()
                .enumerate()
                .filter_map(|(i, s)| pick(s).map(|v| [i as f64 + 1.0, f64::from(v)]))
                .collect()
        };
        let (rom_l, rom_r) = (rom(|s| s.summary.left.rom), rom(|s| s.summary.right.rom));
        let (rounded, extended): (Vec<[f64; 2]>, Vec<[f64; 2]>) = mine
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let (hi, lo) = s.spine.as_ref()?.typical()?;
                let x = i as f64 + 1.0;
                Some(([x, f64::from(hi)], [x, f64::from(lo)]))
            })
            .unzip();
        // A third chart only where a session read the back's curve.
        let columns = if rounded.is_empty() { 2 } else { 3 };
        // Empty axes look like a broken chart: say why there is nothing.
        ui.columns(columns, |cols| {
            cols[0].label("Good form, % of the time you were seen in position");
            if ratio.is_empty() {
                cols[0].label(RichText::new(NO_JUDGED_SESSION).weak());
            } else {
                still_plot("trend_ratio", TREND_HEIGHT)
                    .include_y(0.0)
                    .include_y(100.0)
                    .x_axis_label("session")
                    .show(&mut cols[0], |p| {
                        line_with_dots(p, "good form", ratio, palette::GOOD);
                    });
            }
            cols[1].label("Best range reached per session");
            if rom_l.is_empty() && rom_r.is_empty() {
                cols[1].label(RichText::new(NO_RANGE_YET).weak());
            } else {
                still_plot("trend_rom", TREND_HEIGHT)
                    .legend(super::range_legend())
                    .include_y(0.0)
                    .x_axis_label("session")
                    .show(&mut cols[1], |p| {
                        // Right first so the bottom-corner legend reads left, right.
                        line_with_dots(p, "right", rom_r, palette::RIGHT);
                        line_with_dots(p, "left", rom_l, palette::LEFT);
                    });
            }
            if let Some(col) = cols.get_mut(2) {
                spine_trend_ui(col, rounded, extended);
            }
        });
    }

    fn table_ui(&self, ui: &mut egui::Ui) -> Option<HistoryCommand> {
        let mut command = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Grid::new("history_table")
                .num_columns(7)
                .striped(true)
                .spacing([18.0, 6.0])
                .show(ui, |ui| {
                    for h in [
                        "When",
                        "Exercise",
                        "Time",
                        "Good form",
                        "Reps L / R",
                        "Cues",
                        "",
                    ] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for s in &self.sessions {
                        let m = &s.summary;
                        ui.label(match self.clock_offset_s {
                            Some(offset) => {
                                crate::calendar::clock_text(s.meta.started_unix_s, offset)
                            }
                            None => s.meta.started_text(),
                        });
                        let name = match s.status {
                            SessionStatus::Finished => s.meta.exercise_name.clone(),
                            SessionStatus::Recovered => {
                                format!("{} (recovered)", s.meta.exercise_name)
                            }
                            SessionStatus::Running => {
                                format!("{} (unfinished)", s.meta.exercise_name)
                            }
                        };
                        if let Some(link) = self.routine_links.get(&s.id) {
                            // Sessions of one run share its number.
                            ui.vertical(|ui| {
                                // A cell in a column grows to fit; it must not wrap.
                                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                                ui.label(name);
                                ui.label(
                                    RichText::new(format!(
                                        "{}, step {} · run {}",
                                        link.routine_name,
                                        link.step + 1,
                                        link.run_id
                                    ))
                                    .small()
                                    .weak(),
                                );
                            });
                        } else {
                            ui.label(name);
                        }
                        ui.label(format_duration(m.duration_s));
                        ui.label(
                            m.good_form_ratio()
                                .map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0)),
                        );
                        ui.label(format!("{} / {}", m.left.reps, m.right.reps));
                        ui.label(m.warnings.len().to_string());
                        if ui.button("Open").clicked() {
                            command = Some(HistoryCommand::Open(s.id));
                        }
                        ui.end_row();
                    }
                });
        });
        command
    }
}

/// The mid-back's range per session: the mean over each session's reps of
/// the most rounded and the most extended reading (rounded positive).
fn spine_trend_ui(ui: &mut egui::Ui, rounded: Vec<[f64; 2]>, extended: Vec<[f64; 2]>) {
    ui.label("Mid-back per session, degrees (rounded +, arched −)");
    // Room right of the newest session for the legend, so it covers no reading.
    let last = rounded.last().map_or(1.0, |p| p[0]);
    still_plot("trend_spine", TREND_HEIGHT)
        .include_x(1.0)
        .include_x(last + 1.0)
        .x_axis_formatter(move |mark, _| {
            let v = mark.value;
            if v.fract() == 0.0 && (1.0..=last).contains(&v) {
                format!("{v:.0}")
            } else {
                String::new()
            }
        })
        .legend(
            egui_plot::Legend::default()
                .position(egui_plot::Corner::RightTop)
                .follow_insertion_order(true),
        )
        .include_y(0.0)
        .x_axis_label("session")
        .show(ui, |p| {
            line_with_dots(p, "most rounded", rounded, palette::LEFT);
            line_with_dots(p, "most extended", extended, palette::RIGHT);
        });
}
