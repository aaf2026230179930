//! formcoach: coaches upper-back, posture and neck stretches through a webcam.
//!
//! One pipeline: frames -> pose -> smoothing -> coach -> session. The window
//! and the command line both drive it, so headless runs prove what the window
//! shows. Dependencies point one way: `source` -> `pose` (with `models`) ->
//! `motion` -> `coach` -> `session`, with `cli` on top.
//!
//! # Layers
//!
//! A module may use only modules on a lower layer, never one on its own layer
//! or above, so each can be read, tested and built without what sits above it.
//! The crates in the last column may be used only in the modules (or the one
//! file) that list them: swapping the camera, the runtime, the window toolkit
//! or the database then touches one place. `.ci/layers.sh` reads this table
//! (one line per module) and fails the build when the code disagrees with it.
//!
//! | layer | module | what it holds | crates only it uses |
//! |-------|--------|---------------|---------------------|
//! | 0 | `stats` | order statistics | |
//! | 0 | `calendar` | local days, days with a session, quiet hours | `chrono` |
//! | 0 | `source` | frames from images, folders, videos and webcams | `nokhwa` (`camera.rs`) |
//! | 0 | `models` | pinned pose models: fetch, verify, convert, run | `ort` |
//! | 1 | `pose` | frames to named keypoints | `ort` |
//! | 2 | `motion` | smoothing keypoints over time | |
//! | 2 | `mobility` | the mobility check's angles and their typical ranges | |
//! | 3 | `coach` | exercises as data, rules, counting, cues | |
//! | 4 | `session` | the coach's feedback as a timeline and a report | |
//! | 5 | `audio` | spoken cues and tones, live and rendered | |
//! | 5 | `routine` | exercises in order with their doses, as data | |
//! | 5 | `labels` | hand labels of real clips and their checks | |
//! | 5 | `synth` | synthetic labelled tracks and the rule evaluation | |
//! | 5 | `store` | the history file | `rusqlite` |
//! | 6 | `live` | the threads behind the window | |
//! | 7 | `ui` | the window | `eframe`, `egui`, `egui_plot`, `rfd`, `signal_hook` |
//! | 8 | `cli` | the command line, the front door | |

pub mod audio;
pub mod calendar;
pub mod cli;
pub mod coach;
pub mod labels;
#[cfg(feature = "gui")]
pub mod live;
pub mod mobility;
pub mod models;
pub mod motion;
pub mod pose;
pub mod routine;
pub mod session;
pub mod source;
pub mod stats;
#[cfg(feature = "gui")]
pub mod store;
pub mod synth;
#[cfg(feature = "gui")]
pub mod ui;
