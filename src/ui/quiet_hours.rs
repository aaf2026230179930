//! The quiet-hours line of the settings screen: when the desk-reset
//! reminder keeps quiet, as two local times of day.

use crate::calendar::{MINUTES_PER_DAY, QuietHours};

/// A checkbox and the two times, each dragged (a minute a point) or typed.
pub fn quiet_hours_ui(ui: &mut egui::Ui, q: &mut QuietHours) {
    ui.checkbox(&mut q.on, "Quiet hours: no reminder between");
    ui.add_enabled_ui(q.on, |ui| {
        ui.horizontal(|ui| {
            time_field(ui, &mut q.start_min, "quiet hours start");
            ui.label("and");
            time_field(ui, &mut q.end_min, "quiet hours end");
            ui.label("(your local time)");
        });
    });
}

/// A time of day as "HH:MM", dragged or typed.
fn time_field(ui: &mut egui::Ui, minutes: &mut u32, what: &str) {
    let last = f64::from(MINUTES_PER_DAY - 1);
    ui.add(
        egui::DragValue::new(minutes)
            .range(0.0..=last)
            .speed(1.0)
            .custom_formatter(|v, _| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let m = v.round().clamp(0.0, last) as u32; // 0..1440 by the clamp.
                format!("{:02}:{:02}", m / 60, m % 60)
            })
            .custom_parser(parse_time)
            .update_while_editing(false),
    )
    .on_hover_text(format!("{what} (drag, or type a time such as 21:30)"));
}

/// "21:30", "8:00" or "21" as minutes after midnight.
fn parse_time(text: &str) -> Option<f64> {
    let text = text.trim();
    let (h, m) = match text.split_once(':') {
        Some((h, m)) => (h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?),
        None => (text.parse::<u32>().ok()?, 0),
    };
    (h < 24 && m < 60).then(|| f64::from(h * 60 + m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_times_are_read_as_hours_and_minutes() {
        assert_eq!(parse_time("21:30"), Some(1290.0));
        assert_eq!(parse_time(" 8:05 "), Some(485.0));
        assert_eq!(parse_time("7"), Some(420.0));
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("12:60"), None);
        assert_eq!(parse_time("noon"), None);
    }
}
