//! Live coaching: the picture with the skeleton over it, one big cue, reps,
//! the hold ring and set progress.
//!
//! Only draws what the last [`Update`] said; the work happens on the pipeline
//! threads. The texture is created once and refreshed with `set`.

use std::collections::HashMap;
use std::sync::Arc;

use egui::{Color32, FontId, Pos2, Rect, RichText, Stroke, TextureHandle, Vec2};
use image::RgbImage;

use crate::coach::{Exercise, Feedback, Phase, RuleState, Severity, Side};
use crate::live::{Stats, Status, Update};
use crate::pose::draw::{BONES, CONFIDENT_SCORE};
use crate::pose::{Joint, Person, PoseFrame};

use super::palette;

/// Cue text size: readable from two to three metres on a laptop screen.
pub const CUE_SIZE: f32 = 46.0;
/// Size of the rep numbers.
const COUNT_SIZE: f32 = 40.0;
/// Height of the strip above the picture that holds the cue (two lines).
pub const BANNER_HEIGHT: f32 = 156.0;
/// Space between the banner strip's edge and its coloured box.
const BANNER_GAP: f32 = 10.0;
/// Space between the coloured box and its text.
const BANNER_MARGIN: f32 = 12.0;
/// The smallest cue text: a smaller one is still readable at arm's length,
/// and a cue cut off at the bottom is worse.
const MIN_CUE_SIZE: f32 = 18.0;
/// Width of the side panel.
const PANEL_WIDTH: f32 = 300.0;

/// What the person asked for on this screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveCommand {
    /// Pause or resume counting.
    TogglePause,
    /// End the session and show the summary.
    Stop,
    /// Sound on or off.
    ToggleMute,
}

/// The live screen's state.
#[allow(clippy::struct_excessive_bools)] // Independent switches the screen shows.
pub struct LiveView {
    /// The exercise coached.
    pub exercise: Exercise,
    /// Camera or file, for the header.
    pub source_label: String,
    /// Last coached picture.
    pub image: Option<Arc<RgbImage>>,
    /// Last pose (smoothed), in picture pixels.
    pub pose: Option<PoseFrame>,
    /// Last feedback.
    pub feedback: Option<Feedback>,
    /// Pipeline state.
    pub status: Status,
    /// Speed figures.
    pub stats: Stats,
    /// Whether counting is paused.
    pub paused: bool,
    /// Show the speed figures.
    pub show_stats: bool,
    /// Why the history is not being written, if it is not.
    pub store_note: Option<String>,
    /// Sound is off (M).
    pub muted: bool,
    /// Paused because the camera went away (resumes by itself when it is back).
    pub paused_by_loss: bool,
    /// Why there is no sound, if there is none.
    pub audio_problem: Option<String>,
    texture: Option<TextureHandle>,
    texture_dirty: bool,
}

impl std::fmt::Debug for LiveView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveView")
            .field("exercise", &self.exercise.id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl LiveView {
    /// A live screen waiting for its first update.
    #[must_use]
    pub fn new(exercise: Exercise, source_label: String) -> LiveView {
        LiveView {
            exercise,
            source_label,
            image: None,
            pose: None,
            feedback: None,
            status: Status::Starting("Starting…".to_owned()),
            stats: Stats::default(),
            paused: false,
            show_stats: true,
            store_note: None,
            muted: false,
            paused_by_loss: false,
            audio_problem: None,
            texture: None,
            texture_dirty: false,
        }
    }

    /// Follows the source: a lost camera pauses the session, and pictures
    /// arriving again resume it (unless the person paused it themselves).
    /// Returns the pause state the pipeline should take, when it changes.
    pub fn follow_source(&mut self, status: &Status, has_picture: bool) -> Option<bool> {
        match status {
            Status::SourceLost(_) if !self.paused => {
                self.paused = true;
                self.paused_by_loss = true;
                Some(true)
            }
            Status::Paused | Status::Running if has_picture && self.paused_by_loss => {
                self.paused = false;
                self.paused_by_loss = false;
                Some(false)
            }
            _ => None,
        }
    }

    /// Takes in one update; status-only updates keep the last picture and pose.
    pub fn apply(&mut self, update: Update) {
        if let Some(image) = update.image {
            self.image = Some(image);
            self.texture_dirty = true;
        }
        if update.pose.is_some() {
            self.pose = update.pose;
        }
        if update.feedback.is_some() {
            self.feedback = update.feedback;
            self.stats = update.stats;
        }
        if let Some(e) = update.store_error {
            self.store_note = Some(e.to_string());
        }
        self.status = update.status;
    }

    /// Refreshes the texture from the newest picture (call from `logic`).
    pub fn refresh_texture(&mut self, ctx: &egui::Context) {
        if !self.texture_dirty {
            return;
        }
        let Some(image) = &self.image else { return };
        let size = [image.width() as usize, image.height() as usize];
        let color = egui::ColorImage::from_rgb(size, image.as_raw());
        match &mut self.texture {
            Some(t) if t.size() == size => t.set(color, egui::TextureOptions::LINEAR),
            _ => {
                self.texture =
                    Some(ctx.load_texture("live-frame", color, egui::TextureOptions::LINEAR));
            }
        }
        self.texture_dirty = false;
    }

    /// Draws the screen.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<LiveCommand> {
        self.refresh_texture(ui.ctx());
        let mut command = None;
        egui::Panel::right("live_panel")
            .resizable(false)
            .exact_size(PANEL_WIDTH)
            .show(ui, |ui| command = self.panel_ui(ui));
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(Color32::from_gray(16)))
            .show(ui, |ui| self.picture_ui(ui));
        command
    }

    fn picture_ui(&self, ui: &mut egui::Ui) {
        let full = ui.available_rect_before_wrap();
        ui.allocate_rect(full, egui::Sense::hover());
        // The cue gets its own strip above the picture so it never hides the
        // head or hands the person is trying to watch.
        let (banner_area, area) = full.split_top_bottom_at_y(full.min.y + BANNER_HEIGHT);
        self.banner_ui(ui, banner_area);
        let painter = ui.painter_at(area);
        let image_rect = if let Some(tex) = &self.texture {
            let size = tex.size_vec2();
            let scale = (area.width() / size.x).min(area.height() / size.y);
            let rect = Rect::from_center_size(area.center(), size * scale);
            painter.image(
                tex.id(),
                rect,
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                Color32::WHITE,
            );
            Some(rect)
        } else {
            None
        };
        if let (Some(rect), Some(pose)) = (image_rect, &self.pose)
            && let Some(person) = pose.people.first()
        {
            let to_screen = |x: f32, y: f32| {
                Pos2::new(
                    rect.min.x + x / pose.width.max(1) as f32 * rect.width(),
                    rect.min.y + y / pose.height.max(1) as f32 * rect.height(),
                )
            };
            let states = joint_states(self.feedback.as_ref());
            let back = back_line::back_state(&self.exercise, self.feedback.as_ref(), person);
            back_line::draw_back_line(&ui.painter_at(rect), person, back, to_screen, rect.width());
            draw_skeleton(
                &ui.painter_at(rect),
                person,
                &states,
                to_screen,
                rect.width(),
            );
        }
    }

    /// The one message: a warning cue, placement help, or the prompt. A real
    /// label (not painted text) so screen readers and tests can find it.
    fn banner_ui(&self, ui: &mut egui::Ui, area: Rect) {
        let (text, fill, text_color, size) = match (&self.status, &self.feedback) {
            (Status::Failed(why), _) => (why.to_string(), palette::WARNING, Color32::WHITE, 22.0),
            (Status::SourceLost(why), _) => (
                format!(
                    "The camera stopped. Paused: nothing recorded is lost, and coaching \
                     carries on by itself when the camera is back.\n{why}"
                ),
                palette::INFO,
                palette::ON_BANNER,
                26.0,
            ),
            (Status::Starting(what), None) => {
                (what.clone(), Color32::from_gray(40), Color32::WHITE, 28.0)
            }
            (Status::Paused, _) => (
                "Paused: press Space to carry on".to_owned(),
                Color32::from_gray(40),
                Color32::WHITE,
                CUE_SIZE,
            ),
            (_, Some(fb)) => cue_of(fb),
            (_, None) => return,
        };
        // A narrow window wraps a long cue onto more lines than the strip
        // holds: smaller text beats a last line hidden behind the picture.
        let room = area.shrink(BANNER_GAP + BANNER_MARGIN).size();
        let size = fitting_size(ui.ctx(), &text, size, room);
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(area.shrink(BANNER_GAP))
                .layout(egui::Layout::top_down(egui::Align::Center)),
        );
        egui::Frame::new()
            .fill(fill)
            .corner_radius(8.0)
            .inner_margin(BANNER_MARGIN)
            .show(&mut child, |ui| {
                ui.label(RichText::new(text).size(size).color(text_color));
            });
    }

    fn panel_ui(&self, ui: &mut egui::Ui) -> Option<LiveCommand> {
        let mut command = None;
        ui.add_space(8.0);
        ui.heading(RichText::new(&self.exercise.name).size(24.0));
        ui.label(RichText::new(&self.source_label).small().weak());
        ui.add_space(8.0);
        let fb = self.feedback.as_ref();
        let phase = match fb.map(|f| (f.phase, f.in_position)) {
            Some((Phase::Setup, _)) | None => "Getting ready",
            Some((_, false)) => "Out of the start position",
            Some((Phase::Rest, true)) => "Ready — go",
            Some((Phase::Position, true)) => "In position",
        };
        ui.label(RichText::new(phase).size(18.0).strong());
        if let Some(side) = fb.and_then(|f| f.near_side) {
            let side = match side {
                Side::Left => "left",
                Side::Right => "right",
            };
            ui.label(
                RichText::new(format!(
                    "Watching your {side} side, the one nearer the camera"
                ))
                .weak(),
            );
        }
        if let Some(fb) = fb.filter(|f| f.phase == Phase::Setup) {
            ui.add(
                egui::ProgressBar::new(fb.setup_progress.clamp(0.0, 1.0))
                    .text("Hold still to start counting"),
            );
        }
        ui.add_space(12.0);
        self.counts_ui(ui);
        ui.add_space(12.0);
        self.hold_ui(ui);
        ui.add_space(12.0);
        self.set_ui(ui);
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            let pause = if self.paused {
                "Resume (Space)"
            } else {
                "Pause (Space)"
            };
            if ui
                .add(
                    egui::Button::new(RichText::new(pause).size(18.0))
                        .min_size(egui::vec2(130.0, 40.0)),
                )
                .clicked()
            {
                command = Some(LiveCommand::TogglePause);
            }
            if ui
                .add(
                    egui::Button::new(RichText::new("Stop (Esc)").size(18.0))
                        .min_size(egui::vec2(130.0, 40.0)),
                )
                .clicked()
            {
                command = Some(LiveCommand::Stop);
            }
        });
        ui.add_space(6.0);
        let sound = if self.muted {
            "Sound off: unmute (M)"
        } else {
            "Sound on: mute (M)"
        };
        if ui.button(RichText::new(sound).size(16.0)).clicked() {
            command = Some(LiveCommand::ToggleMute);
        }
        if let Some(why) = self.audio_problem.as_ref().filter(|_| !self.muted) {
            ui.label(RichText::new(why).small().color(palette::WARNING));
        }
        ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
            if self.show_stats {
                ui.label(
                    RichText::new(format!(
                        "{:.1} fps · {:.0} ms frame to cue · model {:.0} ms",
                        self.stats.fps, self.stats.latency_ms, self.stats.inference_ms
                    ))
                    .small()
                    .weak(),
                );
            }
            if let Some(note) = &self.store_note {
                ui.label(
                    RichText::new(format!("Not saving to history: {note}"))
                        .small()
                        .color(palette::WARNING),
                );
            }
        });
        command
    }

    fn counts_ui(&self, ui: &mut egui::Ui) {
        let dose = &self.exercise.dose;
        let reps = self.feedback.as_ref().map(|f| f.reps).unwrap_or_default();
        let target = dose.reps * dose.sets.max(1);
        let row = |ui: &mut egui::Ui, label: &str, n: u32, colour: Color32| {
            ui.horizontal(|ui| {
                ui.label(RichText::new(label).size(18.0).color(colour));
                ui.label(RichText::new(n.to_string()).size(COUNT_SIZE).strong());
                if target > 0 {
                    ui.label(RichText::new(format!("/ {target}")).size(18.0).weak());
                }
            });
        };
        if self.exercise.sided() {
            row(ui, "Left ", reps.left, palette::LEFT);
            row(ui, "Right", reps.right, palette::RIGHT);
        } else {
            row(ui, "Reps", reps.total(), ui.visuals().text_color());
        }
    }

    fn hold_ui(&self, ui: &mut egui::Ui) {
        let hold = self.feedback.as_ref().and_then(|f| f.hold.as_ref());
        let target_s = hold.map_or(self.exercise.dose.hold_s, |h| h.target_s);
        if target_s <= 0.0 {
            return;
        }
        let in_form_s = hold.map_or(0.0, |h| h.in_form_s);
        let (rect, _) =
            ui.allocate_exact_size(egui::vec2(PANEL_WIDTH - 24.0, 96.0), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let centre = Pos2::new(rect.min.x + 48.0, rect.center().y);
        let fraction = (in_form_s / target_s).clamp(0.0, 1.0) as f32;
        hold_ring(
            &painter,
            centre,
            40.0,
            fraction,
            ui.visuals().weak_text_color(),
        );
        painter.text(
            centre,
            egui::Align2::CENTER_CENTER,
            format!("{in_form_s:.0}"),
            FontId::proportional(26.0),
            ui.visuals().strong_text_color(),
        );
        let side = match hold.and_then(|h| h.side) {
            Some(Side::Left) => " (left)",
            Some(Side::Right) => " (right)",
            None => "",
        };
        painter.text(
            Pos2::new(centre.x + 56.0, centre.y),
            egui::Align2::LEFT_CENTER,
            format!("Hold{side}: {in_form_s:.0} of {target_s:.0} s\nin good form"),
            FontId::proportional(16.0),
            ui.visuals().text_color(),
        );
    }

    fn set_ui(&self, ui: &mut egui::Ui) {
        let dose = &self.exercise.dose;
        let per_set = dose.reps.max(dose.holds) * if dose.per_side { 2 } else { 1 };
        if per_set == 0 {
            return;
        }
        let reps_done = self.feedback.as_ref().map_or(0, |f| f.reps.total());
        let sets = dose.sets.max(1);
        let set = (reps_done / per_set + 1).min(sets);
        let in_set = if reps_done >= per_set * sets {
            per_set
        } else {
            reps_done % per_set
        };
        ui.label(RichText::new(format!("Set {set} of {sets}")).size(16.0));
        ui.add(
            egui::ProgressBar::new(in_set as f32 / per_set as f32)
                .text(format!("{in_set} / {per_set}")),
        );
    }
}

/// The largest text size up to `wanted` at which `text`, wrapped to
/// `room.x`, is no taller than `room.y`; never below [`MIN_CUE_SIZE`].
fn fitting_size(ctx: &egui::Context, text: &str, wanted: f32, room: Vec2) -> f32 {
    let mut size = wanted;
    while size > MIN_CUE_SIZE {
        let height = ctx.fonts_mut(|f| {
            f.layout(
                text.to_owned(),
                FontId::proportional(size),
                Color32::WHITE,
                room.x,
            )
            .size()
            .y
        });
        if height <= room.y {
            break;
        }
        size = (size * 0.9).max(MIN_CUE_SIZE);
    }
    size
}

/// The banner text and look for a frame's feedback.
fn cue_of(fb: &Feedback) -> (String, Color32, Color32, f32) {
    if let Some(cue) = &fb.cue {
        let fill = match cue.severity {
            Severity::Warning => palette::LEFT,
            Severity::Info => palette::INFO,
        };
        return (cue.message.clone(), fill, palette::ON_BANNER, CUE_SIZE);
    }
    if let Some(help) = &fb.placement {
        return (help.clone(), palette::INFO, palette::ON_BANNER, CUE_SIZE);
    }
    (
        fb.prompt.clone(),
        Color32::from_gray(40),
        Color32::WHITE,
        34.0,
    )
}

/// How much a state matters when two rules share a joint.
fn rank(state: RuleState) -> u8 {
    match state {
        RuleState::Inactive => 0,
        RuleState::Ok => 1,
        RuleState::Unseen => 2,
        RuleState::Pending => 3,
        RuleState::Warning => 4,
    }
}

/// The colour of each joint some active rule reads (the worst state wins).
#[must_use]
pub fn joint_states(fb: Option<&Feedback>) -> HashMap<Joint, RuleState> {
    let mut out: HashMap<Joint, RuleState> = HashMap::new();
    for rule in fb.map(|f| f.rules.as_slice()).unwrap_or_default() {
        if rule.state == RuleState::Inactive {
            continue;
        }
        for joint in &rule.joints {
            let e = out.entry(*joint).or_insert(rule.state);
            if rank(rule.state) > rank(*e) {
                *e = rule.state;
            }
        }
    }
    out
}

fn state_colour(state: Option<RuleState>) -> Color32 {
    match state {
        Some(RuleState::Ok) => palette::GOOD,
        Some(RuleState::Pending) => palette::PENDING,
        Some(RuleState::Warning) => palette::WARNING,
        Some(RuleState::Unseen | RuleState::Inactive) | None => palette::NEUTRAL,
    }
}

/// Draws bones and joints; rule joints in their state's colour, unsure ones faded.
pub(crate) fn draw_skeleton(
    painter: &egui::Painter,
    person: &Person,
    states: &HashMap<Joint, RuleState>,
    to_screen: impl Fn(f32, f32) -> Pos2,
    width_px: f32,
) {
    let scale = (width_px / 640.0).clamp(0.6, 2.0);
    let fade = |c: Color32, score: f32| {
        if score < CONFIDENT_SCORE {
            c.gamma_multiply(0.3)
        } else {
            c
        }
    };
    for (a, b) in BONES {
        let (Some(ka), Some(kb)) = (person.keypoint(a), person.keypoint(b)) else {
            continue;
        };
        let sa = states.get(&a).copied();
        let sb = states.get(&b).copied();
        let state = if sa.is_some() && sb.is_some() {
            if rank(sa.unwrap_or(RuleState::Inactive)) >= rank(sb.unwrap_or(RuleState::Inactive)) {
                sa
            } else {
                sb
            }
        } else {
            None
        };
        let colour = fade(state_colour(state), ka.score.min(kb.score));
        let (pa, pb) = (to_screen(ka.x, ka.y), to_screen(kb.x, kb.y));
        painter.line_segment(
            [pa, pb],
            Stroke::new(5.0 * scale, Color32::from_black_alpha(120)),
        );
        painter.line_segment([pa, pb], Stroke::new(3.0 * scale, colour));
    }
    for kp in &person.keypoints {
        let state = states.get(&kp.joint).copied();
        let colour = fade(state_colour(state), kp.score);
        let radius = if state.is_some() { 7.0 } else { 4.5 } * scale;
        let p = to_screen(kp.x, kp.y);
        painter.circle(
            p,
            radius,
            colour,
            Stroke::new(1.5, Color32::from_black_alpha(160)),
        );
    }
}

/// A ring filled clockwise from the top by `fraction`.
fn hold_ring(painter: &egui::Painter, centre: Pos2, radius: f32, fraction: f32, track: Color32) {
    painter.circle_stroke(centre, radius, Stroke::new(8.0, track.gamma_multiply(0.4)));
    if fraction <= 0.0 {
        return;
    }
    let steps = (64.0 * fraction).ceil().max(2.0) as usize;
    let points: Vec<Pos2> = (0..=steps)
        .map(|i| {
            let a = -std::f32::consts::FRAC_PI_2
                + std::f32::consts::TAU * fraction * i as f32 / steps as f32;
            centre + radius * Vec2::new(a.cos(), a.sin())
        })
        .collect();
    painter.add(egui::Shape::line(points, Stroke::new(8.0, palette::GOOD)));
}

mod back_line;
#[cfg(test)]
mod tests;
