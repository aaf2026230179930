//! The coaching window (eframe/egui): safety notice, exercise picker, live
//! coaching over the picture, session summary and history, and routines
//! played step by step (`routine_view`).
//!
//! Sits on top of everything: it starts the [`crate::live`] pipeline (the same
//! stages `formcoach analyze` runs) and reads the [`crate::store`] history.
//! Each screen is its own struct with a `ui` method so tests can build its
//! state directly; screens return commands that the app applies once per frame.

pub mod app;
pub mod frequency;
pub mod history;
pub mod live_view;
pub mod mobility_view;
pub mod picker;
pub mod quiet_hours;
pub mod reminder;
pub mod routine_view;
pub mod safety;
pub mod settings;
pub mod summary;
pub mod unsaved;

use std::path::PathBuf;

use anyhow::Context as _;

pub use app::FormcoachApp;
pub use settings::Settings;

/// How the window should start.
#[derive(Debug, Clone, Default)]
pub struct WindowOptions {
    /// Coach from this video (or folder of frames) straight away; a routine
    /// may have one per step.
    pub video: Vec<PathBuf>,
    /// Exercise id to start with (needed with `video`; preselects otherwise).
    pub exercise: Option<String>,
    /// Routine id to play from `video` (instead of one exercise); preselects
    /// it in the picker otherwise.
    pub routine: Option<String>,
    /// Pose model; `None` keeps the saved choice.
    pub model: Option<String>,
}

/// What to tell someone who ran the window without a display.
pub const NO_DISPLAY: &str = "no display to open the window on (DISPLAY and WAYLAND_DISPLAY \
     are unset); for headless runs use `formcoach analyze`";

/// Makes SIGTERM, SIGINT and SIGHUP (a logout, `kill`, Ctrl+C in the
/// terminal) close the window as Ctrl+Q does, so a running session is
/// finished and saved rather than left looking like a crash. A second signal
/// ends the process at once, for a window that does not close.
#[cfg(unix)]
fn close_on_termination(ctx: &egui::Context) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    const SIGNALS: [i32; 3] = [SIGTERM, SIGINT, SIGHUP];
    let again = Arc::new(AtomicBool::new(false));
    for signal in SIGNALS {
        // The order is the library's recipe: the first signal only sets the
        // flag; once it is set, the next one exits.
        let registered = signal_hook::flag::register_conditional_shutdown(signal, 1, again.clone())
            .and_then(|_| signal_hook::flag::register(signal, again.clone()));
        if let Err(e) = registered {
            eprintln!("formcoach: signal {signal} will end the window without saving: {e}");
        }
    }
    let signals = match signal_hook::iterator::Signals::new(SIGNALS) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("formcoach: cannot watch for signals to close cleanly: {e}");
            return;
        }
    };
    let ctx = ctx.clone();
    let spawned = std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            let mut signals = signals;
            for _ in signals.forever() {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                ctx.request_repaint();
            }
        });
    if let Err(e) = spawned {
        eprintln!("formcoach: cannot watch for signals to close cleanly: {e}");
    }
}

#[cfg(not(unix))]
fn close_on_termination(_ctx: &egui::Context) {}

/// Opens the window and runs until it is closed.
pub fn run_window(options: WindowOptions) -> anyhow::Result<()> {
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        anyhow::bail!(NO_DISPLAY);
    }
    // Only the window's size is needed before it opens; the app opens the
    // history for real (and explains any problem with it) once it runs.
    let saved = crate::store::default_db_path()
        .ok()
        .filter(|p| p.exists())
        .and_then(|p| crate::store::Store::open_read_only(&p).ok());
    let saved = settings::Settings::load(saved.as_ref());
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("formcoach")
            .with_inner_size(saved.initial_window_size())
            .with_maximized(saved.maximized)
            .with_min_inner_size(settings::MIN_WINDOW_SIZE),
        ..Default::default()
    };
    let result = eframe::run_native(
        "formcoach",
        native,
        Box::new(move |cc| {
            close_on_termination(&cc.egui_ctx);
            Ok(Box::new(FormcoachApp::new(&cc.egui_ctx, options)))
        }),
    );
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let text = e.to_string();
            if text.contains("DISPLAY") || text.contains("display") {
                Err(anyhow::anyhow!("{NO_DISPLAY} ({text})"))
            } else {
                Err(anyhow::anyhow!(text)).context("the window could not be opened")
            }
        }
    }
}

/// Colours from the colour-universal-design palette (eight hues chosen to stay
/// apart for the common kinds of colour blindness).
pub mod palette {
    use egui::Color32;

    /// The person's left side (charts, overlay).
    pub const LEFT: Color32 = Color32::from_rgb(230, 159, 0);
    /// The person's right side.
    pub const RIGHT: Color32 = Color32::from_rgb(86, 180, 233);
    /// A rule in good form.
    pub const GOOD: Color32 = Color32::from_rgb(0, 158, 115);
    /// A rule about to warn.
    pub const PENDING: Color32 = Color32::from_rgb(240, 228, 66);
    /// A rule warning.
    pub const WARNING: Color32 = Color32::from_rgb(213, 94, 0);
    /// Help with placement.
    pub const INFO: Color32 = Color32::from_rgb(86, 180, 233);
    /// Joints no rule reads, and unseen ones.
    pub const NEUTRAL: Color32 = Color32::from_rgb(220, 220, 220);
    /// Text on the bright cue banners.
    pub const ON_BANNER: Color32 = Color32::BLACK;
    /// Accent for buttons that start things.
    pub const ACCENT: Color32 = Color32::from_rgb(0, 114, 178);
}

/// A chart for reading, not exploring: fixed in place (no drag, zoom or
/// scroll), so scrolling the page never moves the axes instead.
pub(crate) fn still_plot(id: &'static str, height: f32) -> egui_plot::Plot<'static> {
    egui_plot::Plot::new(id)
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
}

/// The left/right legend of a range chart. Ranges are positive and the
/// charts start at zero, so the bottom corner is empty while the newest
/// reading, top right, stays visible.
pub(crate) fn range_legend() -> egui_plot::Legend {
    // A bottom-corner legend lists its entries bottom-up; the charts add the
    // right side first so it reads "left" above "right".
    egui_plot::Legend::default()
        .position(egui_plot::Corner::RightBottom)
        .follow_insertion_order(true)
}

/// One series as a line with a dot on each reading (sessions and reps are
/// few, so each one should be visible).
pub(crate) fn line_with_dots(
    plot: &mut egui_plot::PlotUi<'_>,
    name: &str,
    points: Vec<[f64; 2]>,
    colour: egui::Color32,
) {
    plot.line(
        egui_plot::Line::new(name, points.clone())
            .color(colour)
            .width(2.0),
    );
    plot.points(
        egui_plot::Points::new(name, points)
            .color(colour)
            .radius(4.0),
    );
}

/// Seconds as `1 min 05 s` or `42 s`.
#[must_use]
pub fn format_duration(secs: f64) -> String {
    let total = secs.max(0.0).round() as u64;
    if total >= 60 {
        format!("{} min {:02} s", total / 60, total % 60)
    } else {
        format!("{total} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(42.4), "42 s");
        assert_eq!(format_duration(65.0), "1 min 05 s");
    }
}
