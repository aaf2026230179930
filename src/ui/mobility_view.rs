//! The mobility check in the window: a check's figures beside their typical
//! ranges and the person's first check, and the trend of each figure over
//! the weeks in the history.

use egui::RichText;

use crate::mobility::{
    Figure, MEASURES, Measure, comparison_text, limits_text, norm_of, norm_text,
};
use crate::store::MobilityCheck;

use super::{line_with_dots, palette, still_plot};

/// Height of the trend chart.
const TREND_HEIGHT: f32 = 190.0;

/// A day as "3 November", in a zone `offset_s` east of UTC.
#[must_use]
pub fn date_text(unix_s: f64, offset_s: i32) -> String {
    let (_, month, day) = crate::calendar::civil(crate::calendar::day_of(unix_s, offset_s));
    format!("{day} {}", crate::calendar::month_name(month))
}

/// A check's figures, each beside its typical range and the first check
/// (`first`: its day in words and its figures), then what they can and
/// cannot tell.
pub fn check_ui(ui: &mut egui::Ui, figures: &[Figure], first: Option<(&str, &[Figure])>) {
    ui.group(|ui| {
        ui.label(RichText::new("Mobility check").size(20.0).strong());
        for f in figures {
            ui.add_space(4.0);
            ui.label(RichText::new(f.line()).size(16.0));
            let before = first.and_then(|(_, figs)| figs.iter().find(|g| g.measure == f.measure));
            let since = first.map_or("", |(day, _)| day);
            let compared = comparison_text(f, before, since);
            if before.is_some() && !compared.is_empty() {
                ui.label(compared);
            }
            ui.label(RichText::new(norm_text(f)).weak());
        }
        if first.is_none() {
            ui.label("This is your first check: the next ones are compared with it.");
        }
        ui.add_space(6.0);
        ui.colored_label(palette::INFO, limits_text());
    });
}

/// The history's chart of one mobility figure over the weeks.
#[derive(Debug, Clone)]
pub struct MobilityTrend {
    /// Every check, oldest first.
    pub checks: Vec<MobilityCheck>,
    /// The figure shown.
    pub measure: Measure,
    /// The zone the dates are written in, seconds east of UTC.
    pub offset_s: i32,
}

impl Default for MobilityTrend {
    fn default() -> MobilityTrend {
        MobilityTrend::new(Vec::new(), 0)
    }
}

impl MobilityTrend {
    /// A trend over `checks` (oldest first), dates in a zone `offset_s` east of UTC.
    #[must_use]
    pub fn new(checks: Vec<MobilityCheck>, offset_s: i32) -> MobilityTrend {
        MobilityTrend {
            checks,
            measure: Measure::ThoracicRotation,
            offset_s,
        }
    }

    /// The figure's points as `[weeks since the first check, degrees]`:
    /// left, right (or the unsided value in the left slot).
    #[must_use]
    pub fn points(&self) -> [Vec<[f64; 2]>; 2] {
        let start = self.checks.first().map_or(0.0, |c| c.measured_unix_s);
        let mut out = [Vec::new(), Vec::new()];
        for c in &self.checks {
            let Some(f) = c.figure(self.measure) else {
                continue;
            };
            let week = (c.measured_unix_s - start) / (7.0 * 86_400.0);
            let left = if self.measure.sided() {
                f.left_deg
            } else {
                f.value_deg
            };
            if let Some(v) = left {
                out[0].push([week, v]);
            }
            if let Some(v) = f.right_deg.filter(|_| self.measure.sided()) {
                out[1].push([week, v]);
            }
        }
        out
    }

    /// Draws the chart with its choice of figure and the latest check
    /// against the first.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Mobility over the weeks").size(18.0).strong());
            egui::ComboBox::from_label("Figure shown")
                .selected_text(self.measure.label())
                .show_ui(ui, |ui| {
                    for m in MEASURES {
                        ui.selectable_value(&mut self.measure, m, m.label());
                    }
                });
            ui.label(format!("{} checks", self.checks.len()));
        });
        let [left, right] = self.points();
        if left.is_empty() && right.is_empty() {
            ui.label(RichText::new("No check has measured this yet.").weak());
            return;
        }
        let norm = norm_of(self.measure);
        let mut plot = still_plot("mobility_trend", TREND_HEIGHT)
            .legend(super::range_legend())
            .include_y(0.0)
            .x_axis_label("weeks since your first check")
            .y_axis_label("degrees");
        if let Some(n) = norm {
            plot = plot.include_y(n.high_deg);
        }
        let sided = self.measure.sided();
        plot.show(ui, |p| {
            if let Some(n) = norm {
                for (name, y) in [("typical range", n.low_deg), ("typical range", n.high_deg)] {
                    p.hline(
                        egui_plot::HLine::new(name, y)
                            .color(palette::GOOD)
                            .style(egui_plot::LineStyle::dashed_loose()),
                    );
                }
            }
            if sided {
                line_with_dots(p, "right", right, palette::RIGHT);
                line_with_dots(p, "left", left, palette::LEFT);
            } else {
                line_with_dots(p, "range", left, palette::LEFT);
            }
        });
        if let (Some(first), Some(last)) = (self.checks.first(), self.checks.last())
            && self.checks.len() > 1
            && let Some(now) = last.figure(self.measure)
        {
            let since = date_text(first.measured_unix_s, self.offset_s);
            let text = comparison_text(now, first.figure(self.measure), &since);
            if !text.is_empty() {
                ui.label(text);
            }
        }
        if let Some(n) = norm {
            ui.label(
                RichText::new(format!(
                    "Dashed lines: the typical range, {:.0}-{:.0}° ({}). A webcam estimate, not a diagnosis.",
                    n.low_deg, n.high_deg, n.source
                ))
                .weak(),
            );
        }
    }
}
