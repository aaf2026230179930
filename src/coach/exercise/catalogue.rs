//! The exercises the app knows: the built-in files compiled in, then the
//! person's own folder, overriding by id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::model::Exercise;
use super::{ExerciseLoadError, MAX_FILE_BYTES};

/// The built-in catalogue: every file in `src/coach/exercises/`, listed by
/// the build script in each file's `order`, as in `docs/exercises.md`.
pub(super) const BUILTIN: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/builtin_exercises.rs"));

/// All exercises the app knows, built-in first, user files overriding by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    exercises: BTreeMap<String, Exercise>,
    order: Vec<String>,
}

impl Catalogue {
    /// Built-in exercises plus `.toml` files from `user_dir`, or from the per-user
    /// config folder (`<config>/formcoach/exercises`) when `None`. Broken files are
    /// returned as errors; everything else loads.
    #[must_use]
    pub fn load(user_dir: Option<&Path>) -> (Catalogue, Vec<ExerciseLoadError>) {
        let (mut cat, mut errors) = Catalogue::builtin();
        let dir = user_dir
            .map(Path::to_path_buf)
            .or_else(Catalogue::default_user_dir);
        if let Some(dir) = dir {
            errors.extend(cat.add_dir(&dir));
        }
        (cat, errors)
    }

    /// Only the compiled-in exercises.
    #[must_use]
    pub fn builtin() -> (Catalogue, Vec<ExerciseLoadError>) {
        let mut cat = Catalogue::default();
        let mut errors = Vec::new();
        for &(file, text) in BUILTIN {
            match Exercise::from_toml(text, &format!("builtin:{file}")) {
                Ok(ex) => cat.insert(ex),
                Err(e) => errors.push(e),
            }
        }
        (cat, errors)
    }

    /// A built-in exercise by id, for unit tests across the crate.
    #[cfg(test)]
    #[allow(clippy::panic)] // only tests call it, with ids that exist
    pub(crate) fn builtin_exercise(id: &str) -> Exercise {
        let (cat, _) = Catalogue::builtin();
        cat.get(id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is built in"))
    }

    /// Where user exercise files live by default.
    #[must_use]
    pub fn default_user_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "formcoach")
            .map(|d| d.config_dir().join("exercises"))
    }

    /// Loads every `.toml` file in `dir` (sorted by name). A missing folder is fine.
    pub fn add_dir(&mut self, dir: &Path) -> Vec<ExerciseLoadError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(source) => {
                return vec![ExerciseLoadError::Io {
                    file: dir.display().to_string(),
                    source,
                }];
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| self.add_file(p).err())
            .collect()
    }

    /// Loads one file; a file with a built-in id replaces the built-in.
    pub fn add_file(&mut self, path: &Path) -> Result<&Exercise, ExerciseLoadError> {
        let file = path.display().to_string();
        let text = read_exercise_file(path)?;
        let ex = Exercise::from_toml(&text, &file)?;
        let id = ex.id.clone();
        self.insert(ex);
        self.exercises
            .get(&id)
            .ok_or_else(|| ExerciseLoadError::Invalid {
                file,
                line: 1,
                message: "exercise vanished after loading".to_owned(),
            })
    }

    fn insert(&mut self, ex: Exercise) {
        if !self.exercises.contains_key(&ex.id) {
            self.order.push(ex.id.clone());
        }
        self.exercises.insert(ex.id.clone(), ex);
    }

    /// The exercise with this id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Exercise> {
        self.exercises.get(id)
    }

    /// Exercises in catalogue order (built-ins as in the docs, then user additions).
    pub fn iter(&self) -> impl Iterator<Item = &Exercise> {
        self.order.iter().filter_map(|id| self.exercises.get(id))
    }

    /// How many exercises are known.
    #[must_use]
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none are known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// Reads a user exercise file (see [`read_user_file`]).
fn read_exercise_file(path: &Path) -> Result<String, ExerciseLoadError> {
    let file = path.display().to_string();
    read_user_file(path, MAX_FILE_BYTES).map_err(|e| match e {
        UserFileError::Io(source) => ExerciseLoadError::Io { file, source },
        UserFileError::NotAFile => ExerciseLoadError::NotAFile { file },
        UserFileError::TooLarge => ExerciseLoadError::TooLarge { file },
    })
}

/// Why a file the person put in their config folder could not be read.
#[derive(Debug)]
pub enum UserFileError {
    /// It could not be opened or read, or is not UTF-8 text.
    Io(std::io::Error),
    /// A folder, device or pipe has the file's name.
    NotAFile,
    /// Larger than the limit.
    TooLarge,
}

/// Reads a file from the person's config folder (an exercise, a routine):
/// a regular file (a link to one is fine) of at most `max_bytes`, as UTF-8.
/// Devices, pipes and folders are refused before they are opened, so a FIFO
/// cannot hang the start and `/dev/zero` cannot fill the memory.
pub fn read_user_file(path: &Path, max_bytes: u64) -> Result<String, UserFileError> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(UserFileError::Io)?;
    if !meta.is_file() {
        return Err(UserFileError::NotAFile);
    }
    if meta.len() > max_bytes {
        return Err(UserFileError::TooLarge);
    }
    let handle = std::fs::File::open(path).map_err(UserFileError::Io)?;
    // Checked again on the open file: the name may have been swapped.
    if !handle.metadata().map_err(UserFileError::Io)?.is_file() {
        return Err(UserFileError::NotAFile);
    }
    let mut bytes = Vec::new();
    handle
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(UserFileError::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(UserFileError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|e| {
        UserFileError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ))
    })
}
