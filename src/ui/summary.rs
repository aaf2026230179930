//! The session summary: what was counted per side, how much of the time was in
//! good form, when the cues came up, range of motion and left/right balance,
//! and how long the person could not be seen (stated, not hidden).

use egui::RichText;
use egui_plot::{Bar, BarChart, Line};

use crate::session::SpineRanges;
use crate::store::{Sample, SessionTotals, Thumbnail};

use super::{format_duration, line_with_dots, palette, still_plot};

/// Height of each chart.
const PLOT_HEIGHT: f32 = 190.0;

/// Uploaded warning pictures (`None`: not decodable).
#[derive(Clone, Default)]
struct Textures(Vec<Option<egui::TextureHandle>>);

impl std::fmt::Debug for Textures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} textures", self.0.len())
    }
}

/// From this width the sentences about the session sit beside the figures.
const SIDE_BY_SIDE_WIDTH: f32 = 1000.0;

/// Width a warning picture is shown at.
const THUMB_WIDTH: f32 = 176.0;

/// What the person asked for on this screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryCommand {
    /// Back to the picker.
    Done,
    /// To the history.
    History,
    /// Move the damaged history file aside and save the kept sessions.
    MoveAsideAndSave,
    /// Export the kept sessions to a JSON file.
    ExportUnsaved,
}

/// What the summary offers for sessions the history did not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveOffer {
    /// How many sessions are waiting (this one included).
    pub waiting: usize,
    /// The history file is damaged and the app may move it aside.
    pub can_move_aside: bool,
}

/// The summary's state.
#[derive(Debug, Clone)]
pub struct SummaryView {
    /// Exercise name.
    pub title: String,
    /// Whether reps and holds are counted per side.
    pub sided: bool,
    /// Unit of the range-of-motion readings (`deg`, `torso`).
    pub rom_unit: String,
    /// Computed summary.
    pub summary: SessionTotals,
    /// The timeline, for the charts.
    pub samples: Vec<Sample>,
    /// The back's curve per rep, when the frames carried one.
    pub spine: Option<SpineRanges>,
    /// Things to say about the record (not saved, recovered after a crash).
    pub notes: Vec<String>,
    /// Pictures of the moments warnings came up.
    pub thumbnails: Vec<Thumbnail>,
    /// Their textures, made on first draw (`None`: not decodable).
    textures: Option<Textures>,
    /// How fast the session ran, shown small when the stats are on.
    pub speed: Option<String>,
    /// The last session of the same exercise before this one, for progress.
    pub previous: Option<SessionTotals>,
    /// Ways to keep a session the history did not take.
    pub save_offer: Option<SaveOffer>,
}

impl SummaryView {
    /// A summary of `samples`.
    #[must_use]
    pub fn new(title: String, sided: bool, rom_unit: String, samples: Vec<Sample>) -> SummaryView {
        SummaryView {
            summary: SessionTotals::from_samples(&samples),
            spine: SpineRanges::from_samples(&samples),
            title,
            sided,
            rom_unit,
            samples,
            notes: Vec::new(),
            thumbnails: Vec::new(),
            textures: None,
            speed: None,
            previous: None,
            save_offer: None,
        }
    }

    /// The same summary compared with the session before it.
    #[must_use]
    pub fn with_previous(mut self, previous: Option<SessionTotals>) -> SummaryView {
        self.previous = previous;
        self
    }

    /// The same summary with warning pictures.
    #[must_use]
    pub fn with_thumbnails(mut self, thumbnails: Vec<Thumbnail>) -> SummaryView {
        self.thumbnails = thumbnails;
        self.textures = None;
        self
    }

    fn rom_label(&self) -> &'static str {
        match self.rom_unit.as_str() {
            "deg" => "degrees",
            "torso" => "torso lengths",
            _ => "",
        }
    }

    /// Draws the summary.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<SummaryCommand> {
        let mut command = None;
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.heading(RichText::new(format!("{} — how it went", self.title)).size(26.0));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button(RichText::new("Done").size(18.0)).clicked() {
                            command = Some(SummaryCommand::Done);
                        }
                        if ui.button(RichText::new("History").size(18.0)).clicked() {
                            command = Some(SummaryCommand::History);
                        }
                    });
                });
                for note in &self.notes {
                    ui.colored_label(palette::INFO, note);
                }
                if let Some(offer) = self.save_offer {
                    command = save_offer_ui(ui, offer).or(command);
                }
                ui.add_space(8.0);
                // The sentences sit beside the figures when there is room.
                if ui.available_width() >= SIDE_BY_SIDE_WIDTH {
                    ui.horizontal_top(|ui| {
                        self.figures_ui(ui);
                        ui.add_space(40.0);
                        ui.vertical(|ui| self.highlights_ui(ui));
                    });
                } else {
                    self.figures_ui(ui);
                    ui.add_space(8.0);
                    self.highlights_ui(ui);
                }
                ui.add_space(12.0);
                ui.columns(2, |cols| {
                    self.rom_plot_ui(&mut cols[0]);
                    self.balance_plot_ui(&mut cols[1]);
                });
                ui.add_space(8.0);
                self.spine_ui(ui);
                self.warnings_ui(ui);
                self.pictures_ui(ui);
                if let Some(speed) = &self.speed {
                    ui.add_space(8.0);
                    ui.label(RichText::new(speed).small().weak());
                }
            });
        });
        command
    }

    fn figures_ui(&self, ui: &mut egui::Ui) {
        let s = &self.summary;
        egui::Grid::new("summary_figures")
            .num_columns(2)
            .spacing([24.0, 6.0])
            .show(ui, |ui| {
                let big = |t: String| RichText::new(t).size(18.0);
                ui.label(big("Time coached".to_owned()));
                ui.label(big(format_duration(s.duration_s)).strong());
                ui.end_row();
                ui.label(big("In good form".to_owned()));
                let text = s.good_form_ratio().map_or_else(
                    || "— you were not seen in the start position".to_owned(),
                    |r| {
                        format!(
                            "{} ({:.0}% of the time you were seen in position)",
                            format_duration(s.good_form_s),
                            r * 100.0
                        )
                    },
                );
                ui.label(big(text).strong());
                ui.end_row();
                if s.getting_ready_s() >= 0.5 {
                    ui.label(big("Getting into position".to_owned()));
                    ui.label(big(format!(
                        "{} — not judged as form",
                        format_duration(s.getting_ready_s())
                    )));
                    ui.end_row();
                }
                ui.label(big("Could not see you".to_owned()));
                let unseen = s.unobservable_s();
                let text = if unseen < 0.5 {
                    "never — every moment was judged".to_owned()
                } else {
                    format!(
                        "{} — that time was not judged either way",
                        format_duration(unseen)
                    )
                };
                ui.label(big(text));
                ui.end_row();
                if self.sided {
                    for (name, side, colour) in [
                        ("Left side", &s.left, palette::LEFT),
                        ("Right side", &s.right, palette::RIGHT),
                    ] {
                        ui.label(big(name.to_owned()).color(colour));
                        ui.label(
                            big(format!("{} reps · {} holds", side.reps, side.holds)).strong(),
                        );
                        ui.end_row();
                    }
                } else {
                    ui.label(big("Counted".to_owned()));
                    ui.label(
                        big(format!("{} reps · {} holds", s.left.reps, s.left.holds)).strong(),
                    );
                    ui.end_row();
                }
                ui.label(big("Form cues".to_owned()));
                ui.label(big(s.warnings.len().to_string()).strong());
                ui.end_row();
            });
    }

    /// What went well and what to work on, in plain sentences.
    fn highlights_ui(&self, ui: &mut egui::Ui) {
        let h = self.summary.highlights(self.sided, self.previous.as_ref());
        for ((title, lines), colour) in h.sections().into_iter().zip([palette::GOOD, palette::LEFT])
        {
            if lines.is_empty() {
                continue;
            }
            ui.label(RichText::new(title).size(18.0).strong().color(colour));
            for line in lines {
                ui.label(RichText::new(format!("•  {line}")).size(16.0));
            }
            ui.add_space(8.0);
        }
    }

    fn rom_plot_ui(&self, ui: &mut egui::Ui) {
        ui.label(RichText::new(format!("Range reached per rep ({})", self.rom_label())).strong());
        let series = |pick: fn(&Sample) -> Option<f32>| -> Vec<[f64; 2]> {
            self.samples
                .iter()
                .filter_map(|s| pick(s).map(|v| [s.t_s, f64::from(v.abs())]))
                .collect()
        };
        let left = series(|s| s.rom_left);
        let right = series(|s| s.rom_right);
        if left.is_empty() && right.is_empty() {
            // Empty axes look like a broken chart; say why there is nothing.
            ui.label(
                RichText::new("No rep or hold was counted, so there is no range to show.").weak(),
            );
            return;
        }
        still_plot("rom_plot", PLOT_HEIGHT)
            .legend(super::range_legend())
            .x_axis_label("seconds")
            .include_y(0.0)
            .show(ui, |p| {
                let (ln, rn) = if self.sided {
                    ("left", "right")
                } else {
                    ("reps", "right")
                };
                // Right first: a legend in a bottom corner lists bottom-up, so
                // this reads "left" above "right".
                if !right.is_empty() {
                    line_with_dots(p, rn, right, palette::RIGHT);
                }
                if !left.is_empty() {
                    line_with_dots(p, ln, left, palette::LEFT);
                }
            });
    }

    fn balance_plot_ui(&self, ui: &mut egui::Ui) {
        let s = &self.summary;
        let title = match s.rom_asymmetry() {
            Some(a) => format!("Left and right: {:.0}% apart in range", a * 100.0),
            None if self.sided => "Left and right: not enough reps on both sides".to_owned(),
            None => "Left and right: this exercise is not sided".to_owned(),
        };
        ui.label(RichText::new(title).strong());
        if s.rom_asymmetry().is_none() {
            // Nothing to compare: the title says why, bars of zero would not.
            return;
        }
        let bars = |x: f64, v: Option<f32>, name: &str, colour| {
            Bar::new(x, f64::from(v.unwrap_or(0.0)))
                .name(name)
                .fill(colour)
                .width(0.6)
        };
        still_plot("balance_plot", PLOT_HEIGHT)
            .show_x(false)
            .include_y(0.0)
            .x_axis_formatter(|mark, _| match mark.value.round() as i64 {
                0 => "left".to_owned(),
                1 => "right".to_owned(),
                _ => String::new(),
            })
            .show(ui, |p| {
                p.bar_chart(BarChart::new(
                    "range",
                    vec![
                        bars(0.0, s.left.rom, "left", palette::LEFT),
                        bars(1.0, s.right.rom, "right", palette::RIGHT),
                    ],
                ));
            });
    }

    /// How far the mid-back rounded and extended in each rep: a line per
    /// rep and a chart of both extremes. Nothing when no curve was read.
    fn spine_ui(&self, ui: &mut egui::Ui) {
        let Some(spine) = &self.spine else {
            return;
        };
        ui.label(RichText::new("Your mid-back, rep by rep").strong());
        ui.label(
            RichText::new(
                "The curve of your upper back as the camera saw it from the side: \
                 rounded is positive, arched (extended) negative.",
            )
            .small()
            .weak(),
        );
        for line in spine.lines() {
            ui.label(RichText::new(line).size(16.0));
        }
        let series = |pick: fn(&crate::session::RepSpine) -> Option<f32>| -> Vec<[f64; 2]> {
            spine
                .reps
                .iter()
                .filter_map(|r| pick(r).map(|v| [f64::from(r.rep), f64::from(v)]))
                .collect()
        };
        let rounded = series(|r| r.thoracic_max_deg);
        let extended = series(|r| r.thoracic_min_deg);
        if rounded.len() < 2 {
            // One point is a line's worth of nothing: the sentence says it.
            ui.add_space(8.0);
            return;
        }
        // Room right of the last rep for the legend, so it covers no reading.
        let last = rounded.last().map_or(1.0, |p| p[0]);
        still_plot("spine_plot", PLOT_HEIGHT)
            .legend(
                egui_plot::Legend::default()
                    .position(egui_plot::Corner::RightTop)
                    .follow_insertion_order(true),
            )
            .x_axis_label(if spine.holds { "hold" } else { "rep" })
            .y_axis_label("degrees")
            .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
            .x_axis_formatter(move |mark, _| {
                let v = mark.value.round();
                if (1.0..=last).contains(&v) {
                    format!("{v:.0}")
                } else {
                    String::new()
                }
            })
            .include_x(0.5)
            .include_x(last + 1.5)
            .include_y(0.0)
            .show(ui, |p| {
                line_with_dots(p, "most rounded", rounded, palette::LEFT);
                line_with_dots(p, "most extended", extended, palette::RIGHT);
            });
        ui.add_space(8.0);
    }

    fn warnings_ui(&self, ui: &mut egui::Ui) {
        let s = &self.summary;
        ui.label(RichText::new("When the cues came up").strong());
        if s.warnings.is_empty() {
            ui.label("No form cues this session.");
            return;
        }
        let mut kinds: Vec<&str> = Vec::new();
        for w in &s.warnings {
            if !kinds.contains(&w.cue.as_str()) {
                kinds.push(&w.cue);
            }
        }
        let end = s
            .warnings
            .iter()
            .map(|w| w.end_s)
            .chain(self.samples.last().map(|x| x.t_s))
            .fold(0.0, f64::max);
        still_plot("warning_timeline", 40.0 + 28.0 * kinds.len() as f32)
            .show_y(false)
            .include_x(0.0)
            .include_x(end)
            .include_y(-0.5)
            .include_y(kinds.len() as f64 - 0.5)
            .x_axis_label("seconds")
            .y_axis_formatter(|_, _| String::new())
            .show(ui, |p| {
                for w in &s.warnings {
                    let row = kinds.iter().position(|k| *k == w.cue).unwrap_or(0) as f64;
                    p.line(
                        Line::new(
                            w.cue.clone(),
                            vec![[w.start_s, row], [w.end_s.max(w.start_s + 0.2), row]],
                        )
                        .color(palette::WARNING)
                        .width(10.0),
                    );
                }
            });
        for (i, kind) in kinds.iter().enumerate() {
            let count = s.warnings.iter().filter(|w| w.cue == *kind).count();
            ui.label(format!("Row {}: “{kind}” — {count}×", i + 1));
        }
    }

    /// The moments themselves: a row of small pictures with the time and cue.
    fn pictures_ui(&mut self, ui: &mut egui::Ui) {
        if self.thumbnails.is_empty() {
            return;
        }
        let textures = self.textures.get_or_insert_with(|| {
            Textures(
                self.thumbnails
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let img = image::load_from_memory(&t.jpeg).ok()?.to_rgba8();
                        let size = [img.width() as usize, img.height() as usize];
                        let color = egui::ColorImage::from_rgba_unmultiplied(size, img.as_raw());
                        Some(ui.ctx().load_texture(
                            format!("warning-picture-{i}"),
                            color,
                            egui::TextureOptions::LINEAR,
                        ))
                    })
                    .collect(),
            )
        });
        ui.add_space(8.0);
        ui.label(RichText::new("The moments, as the camera saw them").strong());
        ui.label(
            RichText::new(
                "These pictures stay in the history on this computer; exports leave them out.",
            )
            .small()
            .weak(),
        );
        egui::ScrollArea::horizontal()
            .id_salt("warning_pictures")
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    for (t, tex) in self.thumbnails.iter().zip(textures.0.iter()) {
                        ui.vertical(|ui| {
                            ui.set_width(THUMB_WIDTH);
                            if let Some(tex) = tex {
                                let size = tex.size_vec2();
                                let scale = THUMB_WIDTH / size.x.max(1.0);
                                ui.image((tex.id(), size * scale));
                            } else {
                                ui.label("(picture unreadable)");
                            }
                            ui.label(
                                RichText::new(format!("{} · {}", format_duration(t.t_s), t.cue))
                                    .small(),
                            );
                        });
                    }
                });
            });
    }
}

/// The buttons that keep a session the history did not take.
fn save_offer_ui(ui: &mut egui::Ui, offer: SaveOffer) -> Option<SummaryCommand> {
    let mut command = None;
    let what = if offer.waiting == 1 {
        "this session".to_owned()
    } else {
        format!("the {} sessions not yet saved", offer.waiting)
    };
    ui.horizontal_wrapped(|ui| {
        if offer.can_move_aside
            && ui
                .button(format!("Move the damaged file aside and save {what}"))
                .clicked()
        {
            command = Some(SummaryCommand::MoveAsideAndSave);
        }
        if ui.button(format!("Export {what}…")).clicked() {
            command = Some(SummaryCommand::ExportUnsaved);
        }
    });
    command
}
