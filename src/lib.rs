//! formcoach: coaches upper-back, posture and neck stretches through a webcam.
//!
//! One pipeline: frames -> pose -> smoothing -> coach -> session. The window
//! and the command line both drive it, so headless runs prove what the window
//! shows. Dependencies point one way: `source` -> `pose` (with `models`) ->
//! `motion` -> `coach` -> `session`, with `cli` on top.

pub mod audio;
pub mod cli;
pub mod coach;
pub mod labels;
#[cfg(feature = "gui")]
pub mod live;
pub mod models;
pub mod motion;
pub mod pose;
pub mod session;
pub mod source;
pub mod stats;
#[cfg(feature = "gui")]
pub mod store;
pub mod synth;
#[cfg(feature = "gui")]
pub mod ui;
