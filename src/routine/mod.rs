//! Routines: several exercises played in order, each with its own dose, as
//! data. A routine is a TOML file naming catalogue exercises step by step
//! (reps or timed holds, sets, which side, rests and side changes), so a
//! practice from the source articles can be shipped or adjusted without
//! recompiling.
//!
//! Depends on `coach` (a step's exercise must be in the catalogue) and
//! `session` (a played routine's report is one session report per step).
//! Built-in routines are compiled in from `routines/`; the person's own go in
//! `<config>/formcoach/routines/`, beside their exercises, and replace a
//! built-in with the same id. A broken file is named with its line and
//! skipped; the rest still load.

mod library;
mod model;
mod parse;
pub mod player;
mod progress;
mod report;

pub use library::Routines;
pub use model::{Routine, RoutineStep, StepSide, minutes_text};
pub use player::{Action, Phase, RoutinePlayer, SetRest, StepEnd};
pub use progress::StepProgress;
pub use report::{RoutineReport, StepReport};

/// Largest routine file read, in bytes: the built-in ones are under 4 KB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Longest line in a routine file, in bytes.
pub const MAX_LINE_BYTES: usize = 1000;

/// Longest name, in characters (it is shown large and spoken).
pub const MAX_NAME_CHARS: usize = 200;

/// Longest description or step note, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// Most steps in one routine: the longest built-in has a handful; a routine
/// of a hundred steps is a mistake, not a practice.
pub const MAX_STEPS: usize = 40;

/// Most reps or holds per set in a step.
pub const MAX_COUNT: u32 = 100;

/// Most sets in a step.
pub const MAX_SETS: u32 = 10;

/// Longest hold, rest or side change, in seconds.
pub const MAX_SECONDS: f64 = 600.0;

/// Longest routine, in estimated seconds: the articles ask for short,
/// frequent practice, and two hours is far past any of their doses.
pub const MAX_ROUTINE_S: f64 = 2.0 * 3600.0;

/// A routine file that could not be used, with enough detail to fix it.
#[derive(Debug, thiserror::Error)]
pub enum RoutineLoadError {
    /// Not valid TOML, or a field of the wrong type.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid TOML that does not describe a usable routine.
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    /// The file or folder could not be read.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A device, pipe, socket or folder where a file was expected.
    #[error("{file}: not a regular file; routine files must be plain `.toml` files")]
    NotAFile { file: String },
    /// Larger than [`MAX_FILE_BYTES`].
    #[error(
        "{file}: larger than {} KB; a routine file is a few kilobytes",
        MAX_FILE_BYTES / 1024
    )]
    TooLarge { file: String },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod player_tests;
