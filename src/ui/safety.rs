//! The safety notice shown before the first session (and from the menu).

use egui::RichText;

/// Points of the notice, in our own words.
pub const POINTS: [&str; 4] = [
    "Move gently and within a range that feels comfortable. A stretch may feel \
     strong; it should not hurt.",
    "Stop straight away if you feel sharp pain, numbness or tingling running down \
     an arm, or your grip getting weak, and talk to a doctor or physiotherapist \
     before you carry on.",
    "formcoach watches your form through the camera. It cannot examine you and it \
     does not diagnose anything.",
    "Clear some space, and keep the camera where you can see the screen from \
     where you exercise.",
];

/// The notice screen.
#[derive(Debug, Default, Clone, Copy)]
pub struct SafetyView;

impl SafetyView {
    /// Draws the notice; returns true when the person accepts it.
    pub fn ui(self, ui: &mut egui::Ui) -> bool {
        let mut accepted = false;
        ui.vertical_centered(|ui| {
            ui.set_max_width(720.0);
            ui.add_space(32.0);
            ui.heading(RichText::new("Before you start").size(32.0));
            ui.add_space(16.0);
            for point in POINTS {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new("•").size(20.0));
                    ui.label(RichText::new(point).size(18.0));
                });
                ui.add_space(8.0);
            }
            ui.add_space(16.0);
            let button = egui::Button::new(RichText::new("I understand").size(20.0))
                .fill(super::palette::ACCENT)
                .min_size(egui::vec2(200.0, 44.0));
            accepted = ui.add(button).clicked();
        });
        accepted
    }
}
