//! Coach stage: exercises as data, rule kinds, rep/hold counting and cues.
//!
//! Depends on `pose` (types only). Takes frames already smoothed by `motion`;
//! `session` records what it says.

pub mod engine;
pub mod exercise;
pub mod geometry;
pub mod posture;
pub mod rules;

pub use engine::{
    Coach, Cue, Event, Feedback, HoldProgress, Phase, RepCounts, RuleState, RuleStatus, Severity,
    Side,
};
pub use exercise::{
    Catalogue, Dose, Exercise, ExerciseLoadError, Position, Rule, RuleKind, Space, Stage, View,
};
