//! Days with a session, drawn as two strips of days (this week, this month)
//! above the history's trends.
//!
//! Frequency, not intensity: a few minutes on most days does more for a
//! stiff back than an hour once a week. So the strip marks the days that had
//! a session and counts them; a day without one is drawn like any other day,
//! never in red, and there is no streak to lose.

use egui::{Color32, RichText, Sense, Stroke, StrokeKind, vec2};

use crate::calendar::{Frequency, civil, month_name};

use super::palette;

/// Said under the counts: why days matter more than minutes.
pub const FREQUENCY_NOTE: &str =
    "A few minutes on most days helps a stiff back more than a long session now and then.";

/// Side of one day's square, points.
const CELL: f32 = 26.0;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Draws the counts and the two strips.
pub fn frequency_ui(ui: &mut egui::Ui, f: &Frequency) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Days with a session:").strong().size(18.0));
        let mut text = f.sentence();
        text.push('.');
        ui.label(RichText::new(text).size(18.0));
    });
    ui.label(RichText::new(FREQUENCY_NOTE).weak());
    ui.add_space(4.0);
    let monday = f.today - i64::from(crate::calendar::weekday(f.today));
    ui.horizontal(|ui| {
        ui.add_sized(vec2(90.0, CELL), egui::Label::new("This week"));
        for (i, (done, name)) in f.week.iter().zip(WEEKDAYS).enumerate() {
            let day = monday + i as i64;
            day_cell(ui, name, *done, day == f.today, CELL * 1.6);
        }
    });
    let (year, month, _) = civil(f.today);
    ui.horizontal(|ui| {
        ui.add_sized(
            vec2(90.0, CELL),
            egui::Label::new(format!("{} {year}", month_name(month))),
        );
        ui.spacing_mut().item_spacing.x = 3.0;
        for (i, done) in f.month.iter().enumerate() {
            let day = f.month_start + i as i64;
            day_cell(ui, &(i + 1).to_string(), *done, day == f.today, CELL);
        }
    });
}

/// One day: filled when it had a session, plain otherwise; today is outlined.
fn day_cell(ui: &mut egui::Ui, text: &str, done: bool, today: bool, width: f32) {
    let (rect, response) = ui.allocate_exact_size(vec2(width, CELL), Sense::hover());
    let visuals = ui.visuals();
    let (fill, text_colour) = if done {
        (palette::GOOD, Color32::WHITE)
    } else {
        (visuals.faint_bg_color, visuals.weak_text_color())
    };
    let painter = ui.painter();
    painter.rect_filled(rect, 4.0, fill);
    if today {
        painter.rect_stroke(
            rect,
            4.0,
            Stroke::new(2.0, visuals.strong_text_color()),
            StrokeKind::Inside,
        );
    }
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        text,
        egui::FontId::proportional(12.0),
        text_colour,
    );
    response.on_hover_text(if done {
        "At least one session"
    } else {
        "No session"
    });
}
