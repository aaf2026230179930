//! The exercise picker: what each stretch is, how much to do, how the camera
//! should see you, and where it sits in the routine; plus the camera choice.

use egui::RichText;

use crate::coach::{Dose, Exercise, Position, View};
use crate::pose::Joint;
use crate::routine::Routine;
use crate::source::camera::CameraInfo;

use super::palette;

pub use crate::coach::Stage;

/// Heading of a routine stage in the picker.
#[must_use]
pub fn stage_title(stage: Stage) -> &'static str {
    match stage {
        Stage::Assess => "1 · Assess",
        Stage::Move => "2 · Move",
        Stage::Breathe => "3 · Breathe",
        Stage::Strengthen => "4 · Strengthen",
    }
}

/// How the camera should see the person, in words.
#[must_use]
pub fn view_text(view: View) -> &'static str {
    match view {
        View::Side => "Side-on: turn one shoulder toward the camera",
        View::Front => "Facing the camera",
        View::Either => "Side-on or facing the camera",
    }
}

/// The start position, in words.
#[must_use]
pub fn position_text(position: Position) -> &'static str {
    match position {
        Position::AllFours => "On hands and knees",
        Position::Kneeling => "Kneeling",
        Position::Sitting => "Sitting",
        Position::Standing => "Standing",
        Position::StandingOrSitting => "Standing or sitting",
        Position::SideLying => "Lying on your side",
        Position::Supine => "Lying on your back",
        Position::Prone => "Lying face down",
        Position::Any => "Sitting, standing or lying",
    }
}

/// The dose, in words: `10 reps, 2 s pause · 1 set`.
#[must_use]
pub fn dose_text(dose: &Dose) -> String {
    let side = if dose.per_side { " per side" } else { "" };
    let mut parts = Vec::new();
    if dose.reps > 0 {
        let pause = if dose.hold_s > 0.0 {
            format!(", {} s pause in each", trim(dose.hold_s))
        } else {
            String::new()
        };
        parts.push(format!("{} reps{side}{pause}", dose.reps));
    }
    if dose.holds > 0 {
        parts.push(format!(
            "{} holds of {} s{side}",
            dose.holds,
            trim(dose.hold_s)
        ));
    }
    if parts.is_empty() {
        parts.push("at your own pace".to_owned());
    }
    let sets = if dose.sets == 1 {
        "1 set".to_owned()
    } else {
        format!("{} sets", dose.sets)
    };
    format!("{} · {sets}", parts.join(" + "))
}

fn trim(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{secs:.0}")
    } else {
        format!("{secs:.1}")
    }
}

/// What the person asked for on this screen.
#[derive(Debug, Clone, PartialEq)]
pub enum PickerCommand {
    /// Coach the selected exercise from the chosen camera.
    StartCamera {
        /// Exercise id.
        exercise: String,
        /// Camera index.
        camera: u32,
        /// Mirror the picture.
        mirror: bool,
    },
    /// Pick a video file and coach the selected exercise from it.
    OpenVideo {
        /// Exercise id.
        exercise: String,
    },
    /// Coach the selected exercise from this file (typed or dropped).
    StartVideo {
        /// Exercise id.
        exercise: String,
        /// The video file or folder of frames.
        path: std::path::PathBuf,
    },
    /// Play a routine from this source.
    StartRoutine {
        /// Routine id.
        routine: String,
        /// Camera or video.
        source: SourceChoice,
    },
    /// Look for cameras again.
    RefreshCameras,
    /// Open the history.
    History,
    /// Show the safety notice again.
    Safety,
    /// Open the settings.
    Settings,
    /// Show the summary of an unfinished session and keep it.
    Recover(i64),
    /// Forget an unfinished session.
    Discard(i64),
}

/// Where the person chose to be coached from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceChoice {
    /// The chosen camera.
    Camera {
        /// Camera index.
        camera: u32,
        /// Mirror the picture.
        mirror: bool,
    },
    /// A video picked in a file dialog.
    Dialog,
    /// This file (typed or dropped).
    Path(std::path::PathBuf),
}

impl SourceChoice {
    /// The command that coaches exercise `exercise` from here.
    fn command_for(self, exercise: &str) -> PickerCommand {
        let exercise = exercise.to_owned();
        match self {
            SourceChoice::Camera { camera, mirror } => PickerCommand::StartCamera {
                exercise,
                camera,
                mirror,
            },
            SourceChoice::Dialog => PickerCommand::OpenVideo { exercise },
            SourceChoice::Path(path) => PickerCommand::StartVideo { exercise, path },
        }
    }
}

/// An unfinished session found at start.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryOffer {
    /// Session row id.
    pub id: i64,
    /// Exercise name.
    pub name: String,
    /// When it started, for the message.
    pub started: String,
}

/// The picker's state.
#[derive(Debug, Clone)]
pub struct PickerView {
    /// Exercises in catalogue order.
    pub exercises: Vec<Exercise>,
    /// Chosen exercise id.
    pub selected: Option<String>,
    /// Cameras found, or why none could be listed.
    pub cameras: Result<Vec<CameraInfo>, String>,
    /// Chosen camera.
    pub camera_index: u32,
    /// Mirror the camera.
    pub mirror: bool,
    /// An unfinished session to offer.
    pub recovery: Option<RecoveryOffer>,
    /// A message about the last attempt (video unreadable, history broken...).
    pub notice: Option<String>,
    /// A video path being typed (for machines without a file dialog).
    pub video_path: String,
    /// Routines, in the order listed.
    pub routines: Vec<Routine>,
    /// Chosen routine id; when set, it is what the details pane shows.
    pub selected_routine: Option<String>,
    /// The camera's view of the selected exercise's start position, by id.
    preview: Option<(String, Option<crate::pose::PoseFrame>)>,
}

impl PickerView {
    /// A picker over `exercises`, preselecting `selected` or the first one.
    #[must_use]
    pub fn new(
        exercises: Vec<Exercise>,
        selected: Option<String>,
        cameras: Result<Vec<CameraInfo>, String>,
    ) -> PickerView {
        let selected = selected
            .filter(|id| exercises.iter().any(|e| &e.id == id))
            .or_else(|| exercises.first().map(|e| e.id.clone()));
        PickerView {
            exercises,
            selected,
            cameras,
            camera_index: 0,
            mirror: true,
            recovery: None,
            notice: None,
            video_path: String::new(),
            routines: Vec::new(),
            selected_routine: None,
            preview: None,
        }
    }

    fn chosen_routine(&self) -> Option<&Routine> {
        let id = self.selected_routine.as_ref()?;
        self.routines.iter().find(|r| &r.id == id)
    }

    fn chosen(&self) -> Option<&Exercise> {
        let id = self.selected.as_ref()?;
        self.exercises.iter().find(|e| &e.id == id)
    }

    /// Draws the picker.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<PickerCommand> {
        let mut command = None;
        egui::Panel::top("picker_top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(RichText::new("Choose a stretch").size(24.0));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("Safety notice").clicked() {
                        command = Some(PickerCommand::Safety);
                    }
                    if ui.button("Settings").clicked() {
                        command = Some(PickerCommand::Settings);
                    }
                    if ui.button("History").clicked() {
                        command = Some(PickerCommand::History);
                    }
                });
            });
            if let Some(offer) = self.recovery.clone() {
                egui::Frame::new()
                    .fill(palette::INFO)
                    .inner_margin(8.0)
                    .corner_radius(4.0)
                    .show(ui, |ui| {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(
                                RichText::new(format!(
                                    "A {} session from {} did not finish.",
                                    offer.name, offer.started
                                ))
                                .color(palette::ON_BANNER),
                            );
                            if ui.button("See what was recorded").clicked() {
                                command = Some(PickerCommand::Recover(offer.id));
                            }
                            if ui.button("Delete it").clicked() {
                                command = Some(PickerCommand::Discard(offer.id));
                            }
                        });
                    });
            }
            if let Some(notice) = &self.notice {
                ui.colored_label(palette::WARNING, notice);
            }
            ui.add_space(4.0);
        });
        egui::Panel::left("picker_list")
            .resizable(false)
            .exact_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.list_ui(ui));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if let Some(c) = self.details_ui(ui) {
                    command = Some(c);
                }
            });
        });
        command
    }

    fn list_ui(&mut self, ui: &mut egui::Ui) {
        for stage in Stage::ALL {
            let items: Vec<(String, String)> = self
                .exercises
                .iter()
                .filter(|e| e.stage == stage)
                .map(|e| (e.id.clone(), e.name.clone()))
                .collect();
            if items.is_empty() {
                continue;
            }
            ui.add_space(6.0);
            ui.label(RichText::new(stage_title(stage)).strong().size(16.0));
            for (id, name) in items {
                let selected = self.selected_routine.is_none()
                    && self.selected.as_deref() == Some(id.as_str());
                if ui
                    .selectable_label(selected, RichText::new(name).size(16.0))
                    .clicked()
                {
                    self.selected = Some(id);
                    self.selected_routine = None;
                }
            }
        }
        if let Some(id) = super::routine_view::routine_list_ui(
            ui,
            &self.routines,
            self.selected_routine.as_deref(),
        ) {
            self.selected_routine = Some(id);
        }
    }

    fn details_ui(&mut self, ui: &mut egui::Ui) -> Option<PickerCommand> {
        if let Some(routine) = self.chosen_routine().cloned() {
            super::routine_view::routine_details_ui(ui, &routine, &self.exercises);
            return self.source_ui(ui, |source| PickerCommand::StartRoutine {
                routine: routine.id.clone(),
                source,
            });
        }
        let Some(ex) = self.chosen().cloned() else {
            ui.label("No exercises could be loaded.");
            return None;
        };
        ui.heading(RichText::new(&ex.name).size(28.0));
        ui.label(RichText::new(stage_title(ex.stage)).weak());
        ui.add_space(8.0);
        ui.label(RichText::new(&ex.instructions).size(17.0));
        ui.add_space(12.0);
        // Side by side when there is room; in a narrow window the drawing
        // goes below, or it would push the whole pane past the window's edge.
        if ui.available_width() >= SIDE_BY_SIDE_WIDTH {
            ui.horizontal_top(|ui| {
                facts_ui(ui, &ex);
                ui.add_space(24.0);
                self.camera_picture_ui(ui, &ex);
            });
        } else {
            facts_ui(ui, &ex);
            ui.add_space(12.0);
            self.camera_picture_ui(ui, &ex);
        }
        ui.add_space(16.0);
        ui.separator();
        ui.add_space(8.0);
        self.source_ui(ui, |choice| choice.command_for(&ex.id))
    }

    /// The camera choice, Start, and the ways to open a video: what an
    /// exercise and a routine both need.
    pub(crate) fn source_ui(
        &mut self,
        ui: &mut egui::Ui,
        make: impl Fn(SourceChoice) -> PickerCommand,
    ) -> Option<PickerCommand> {
        let mut command = None;
        match &self.cameras {
            Ok(cams) if !cams.is_empty() => {
                let current = cams
                    .iter()
                    .find(|c| c.index == self.camera_index)
                    .or_else(|| cams.first());
                if let Some(c) = current {
                    self.camera_index = c.index;
                }
                ui.horizontal(|ui| {
                    egui::ComboBox::from_label("Camera")
                        .selected_text(current.map_or_else(String::new, |c| c.label(false)))
                        .show_ui(ui, |ui| {
                            for cam in cams {
                                ui.selectable_value(
                                    &mut self.camera_index,
                                    cam.index,
                                    cam.label(true),
                                );
                            }
                        });
                    ui.checkbox(&mut self.mirror, "Mirror");
                });
                ui.add_space(8.0);
                let start = egui::Button::new(RichText::new("Start").size(20.0))
                    .fill(palette::ACCENT)
                    .min_size(egui::vec2(160.0, 44.0));
                if ui.add(start).clicked() {
                    command = Some(make(SourceChoice::Camera {
                        camera: self.camera_index,
                        mirror: self.mirror,
                    }));
                }
            }
            Ok(_) => {
                ui.label(
                    RichText::new(
                        "No camera found. Plug one in and look again, or coach yourself \
                         from a video you recorded.",
                    )
                    .size(16.0),
                );
            }
            Err(why) => {
                ui.label(RichText::new(format!("Cameras could not be listed: {why}")).size(16.0));
            }
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Look for cameras again").clicked() {
                command = Some(PickerCommand::RefreshCameras);
            }
            if ui.button("Open a video…").clicked() {
                command = Some(make(SourceChoice::Dialog));
            }
        });
        if let Some(c) = self.video_path_ui(ui).map(&make) {
            command = Some(c);
        }
        command
    }

    /// A small drawing of what the camera should see: the start position,
    /// side-on or from the front, as a stick figure in a picture frame.
    fn camera_picture_ui(&mut self, ui: &mut egui::Ui, ex: &Exercise) {
        const SIZE: egui::Vec2 = egui::vec2(200.0, 150.0);
        if self.preview.as_ref().is_none_or(|(id, _)| *id != ex.id) {
            let front = ex.view == View::Front;
            let frame = crate::synth::preview(ex, front, SIZE.x as u32, SIZE.y as u32);
            self.preview = Some((ex.id.clone(), frame));
        }
        if let Some((_, Some(frame))) = &self.preview {
            ui.vertical(|ui| {
                ui.label(RichText::new("What the camera should see").weak());
                draw_preview(ui, frame, SIZE);
            });
        }
    }

    /// A path field and drag-and-drop: ways to open a video that need no
    /// file dialog (some desktops have none).
    fn video_path_ui(&mut self, ui: &mut egui::Ui) -> Option<SourceChoice> {
        let mut command = None;
        ui.add_space(6.0);
        ui.label(RichText::new("…or drop a video file on this window, or type its path:").weak());
        ui.horizontal(|ui| {
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.video_path)
                    .hint_text("/home/me/Videos/stretch.mp4")
                    .desired_width(360.0),
            );
            let typed = self.video_path.trim();
            let go = ui.add_enabled(!typed.is_empty(), egui::Button::new("Coach from this file"));
            let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if !typed.is_empty() && (go.clicked() || entered) {
                command = Some(SourceChoice::Path(std::path::PathBuf::from(typed)));
            }
        });
        let dropped = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .find(|p| !p.as_os_str().is_empty())
        });
        if let Some(path) = dropped {
            command = Some(SourceChoice::Path(path));
        }
        command
    }
}

/// A start position as a stick figure with a head, in a picture frame of
/// `size`: what the camera should see (the picker and the routine's next-up
/// screen draw the same one).
pub(crate) fn draw_preview(ui: &mut egui::Ui, frame: &crate::pose::PoseFrame, size: egui::Vec2) {
    let Some(person) = frame.people.first() else {
        return;
    };
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 6.0, egui::Color32::from_gray(45));
    painter.rect_stroke(
        rect,
        6.0,
        egui::Stroke::new(1.0, egui::Color32::from_gray(110)),
        egui::StrokeKind::Inside,
    );
    // Fill the frame with the figure whatever the generator's framing.
    let inner = rect.shrink(24.0);
    let (mut lo, mut hi) = (
        egui::pos2(f32::MAX, f32::MAX),
        egui::pos2(f32::MIN, f32::MIN),
    );
    for k in &person.keypoints {
        lo = lo.min(egui::pos2(k.x, k.y));
        hi = hi.max(egui::pos2(k.x, k.y));
    }
    let span = (hi - lo).max(egui::vec2(1.0, 1.0));
    let scale = (inner.width() / span.x).min(inner.height() / span.y);
    let mid = lo + span / 2.0;
    let to_screen = |x: f32, y: f32| {
        egui::pos2(
            inner.center().x + (x - mid.x) * scale,
            inner.center().y + (y - mid.y) * scale,
        )
    };
    super::live_view::draw_skeleton(
        &painter,
        person,
        &std::collections::HashMap::new(),
        to_screen,
        size.x,
    );
    // A head, so the figure reads as a person and its facing shows.
    let point = |j: Joint| person.keypoint(j).map(|k| to_screen(k.x, k.y));
    let face: Vec<egui::Pos2> = [Joint::Nose, Joint::LeftEar, Joint::RightEar]
        .into_iter()
        .filter_map(point)
        .collect();
    if let (Some(sh), Some(hip), false) = (
        point(Joint::LeftShoulder),
        point(Joint::LeftHip),
        face.is_empty(),
    ) {
        let centre = face.iter().fold(egui::Pos2::ZERO, |a, p| a + p.to_vec2()) / face.len() as f32;
        let radius = (sh.distance(hip) * 0.22).clamp(4.0, 18.0);
        painter.circle_stroke(centre, radius, egui::Stroke::new(2.5, palette::NEUTRAL));
    }
}

/// Width of the details pane from which the facts and the camera drawing
/// sit side by side (the longest facts plus the 200-pt drawing).
const SIDE_BY_SIDE_WIDTH: f32 = 680.0;

/// Dose, start position and camera view of an exercise.
fn facts_ui(ui: &mut egui::Ui, ex: &Exercise) {
    egui::Grid::new("exercise_facts")
        .num_columns(2)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            ui.label(RichText::new("How much").strong());
            ui.label(dose_text(&ex.dose));
            ui.end_row();
            ui.label(RichText::new("Start position").strong());
            ui.label(position_text(ex.position));
            ui.end_row();
            ui.label(RichText::new("Camera").strong());
            ui.label(view_text(ex.view));
            ui.end_row();
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_exercise_has_a_stage_and_a_dose_text() {
        let (cat, errors) = crate::coach::Catalogue::builtin();
        assert!(errors.is_empty(), "{errors:?}");
        for ex in cat.iter() {
            let text = dose_text(&ex.dose);
            assert!(!text.is_empty());
            assert!(!stage_title(ex.stage).is_empty());
        }
        // Each stage of the routine has exercises in it.
        for stage in Stage::ALL {
            assert!(cat.iter().any(|e| e.stage == stage), "{stage:?}");
        }
    }
}
