//! Exercise definitions: data, not code. Built-in files are compiled in; people can
//! drop their own `.toml` files in a folder to add or adjust exercises without
//! recompiling. A broken file is reported with its line and the rest still load.

mod catalogue;
mod model;
pub mod motion;
mod parse;

pub use catalogue::{Catalogue, UserFileError, read_user_file};
pub use model::{
    Axis, Direction, Dose, Exercise, PhaseText, Position, Progress, Rule, RuleKind, Signal, Space,
    Stage, View,
};

/// Confidence below which a joint counts as not seen, unless a rule says otherwise.
pub const DEFAULT_MIN_SCORE: f32 = 0.3;

/// Largest exercise file read, in bytes: the built-in ones are under 4 KB.
/// Anything bigger is refused before it is read, so a link to `/dev/zero`
/// or a huge file cannot eat the memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Longest line in an exercise file, in bytes.
pub const MAX_LINE_BYTES: usize = 1000;

/// Longest cue, phase text or name, in characters: each is spoken or shown
/// large on screen (the longest built-in cue has under 100).
pub const MAX_TEXT_CHARS: usize = 200;

/// Longest instructions, in characters.
pub const MAX_INSTRUCTIONS_CHARS: usize = 2000;

/// A definition that could not be used, with enough detail to fix the file.
#[derive(Debug, thiserror::Error)]
pub enum ExerciseLoadError {
    /// Not valid TOML, or a field of the wrong type.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid TOML that does not describe a usable exercise.
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
    /// A device, pipe, socket or folder where a file was expected: reading
    /// it could hang or never end.
    #[error("{file}: not a regular file; exercise files must be plain `.toml` files")]
    NotAFile { file: String },
    /// Larger than [`MAX_FILE_BYTES`].
    #[error(
        "{file}: larger than {} KB; an exercise file is a few kilobytes",
        MAX_FILE_BYTES / 1024
    )]
    TooLarge { file: String },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests;
