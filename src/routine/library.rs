//! The routines the app knows: the built-in files compiled in, then the
//! person's own folder, replacing by id. Found the way exercises are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::coach::Catalogue;

use super::model::Routine;
use super::{MAX_FILE_BYTES, RoutineLoadError};

/// The built-in routines, one file each, in the order they are listed.
const BUILTIN: [(&str, &str); 5] = [
    (
        "upper-back-daily.toml",
        include_str!("routines/upper-back-daily.toml"),
    ),
    ("desk-reset.toml", include_str!("routines/desk-reset.toml")),
    (
        "bedtime-rotation.toml",
        include_str!("routines/bedtime-rotation.toml"),
    ),
    ("desk-neck.toml", include_str!("routines/desk-neck.toml")),
    (
        "mobility-check.toml",
        include_str!("routines/mobility-check.toml"),
    ),
];

/// All routines the app knows, built-in first, user files replacing by id.
#[derive(Debug, Clone, Default)]
pub struct Routines {
    routines: BTreeMap<String, Routine>,
    order: Vec<String>,
}

impl Routines {
    /// Built-in routines plus `.toml` files from `user_dir`, or from the
    /// per-user folder (`<config>/formcoach/routines`) when `None`. Steps are
    /// checked against `catalogue`; broken files are returned as errors and
    /// everything else loads.
    #[must_use]
    pub fn load(
        catalogue: &Catalogue,
        user_dir: Option<&Path>,
    ) -> (Routines, Vec<RoutineLoadError>) {
        let (mut routines, mut errors) = Routines::builtin(catalogue);
        let dir = user_dir
            .map(Path::to_path_buf)
            .or_else(Routines::default_user_dir);
        if let Some(dir) = dir {
            errors.extend(routines.add_dir(&dir, catalogue));
        }
        (routines, errors)
    }

    /// Only the compiled-in routines. An error here means a built-in names
    /// an exercise the catalogue lost (a user file cannot remove one, so
    /// this is a bug the tests catch).
    #[must_use]
    pub fn builtin(catalogue: &Catalogue) -> (Routines, Vec<RoutineLoadError>) {
        let mut routines = Routines::default();
        let mut errors = Vec::new();
        for (file, text) in BUILTIN {
            match Routine::from_toml(text, &format!("builtin:{file}"), catalogue) {
                Ok(r) => routines.insert(r),
                Err(e) => errors.push(e),
            }
        }
        (routines, errors)
    }

    /// Where the person's routine files live by default: beside their
    /// exercises, in the same config folder.
    #[must_use]
    pub fn default_user_dir() -> Option<PathBuf> {
        Catalogue::default_user_dir()
            .and_then(|exercises| exercises.parent().map(|p| p.join("routines")))
    }

    /// Loads every `.toml` file in `dir` (sorted by name). A missing folder is fine.
    pub fn add_dir(&mut self, dir: &Path, catalogue: &Catalogue) -> Vec<RoutineLoadError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(source) => {
                return vec![RoutineLoadError::Io {
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
            .filter_map(|p| self.add_file(p, catalogue).err())
            .collect()
    }

    /// Loads one file; a file with a built-in id replaces the built-in.
    pub fn add_file(&mut self, path: &Path, catalogue: &Catalogue) -> Result<(), RoutineLoadError> {
        let file = path.display().to_string();
        let text = read_routine_file(path)?;
        let routine = Routine::from_toml(&text, &file, catalogue)?;
        self.insert(routine);
        Ok(())
    }

    fn insert(&mut self, routine: Routine) {
        if !self.routines.contains_key(&routine.id) {
            self.order.push(routine.id.clone());
        }
        self.routines.insert(routine.id.clone(), routine);
    }

    /// The routine with this id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Routine> {
        self.routines.get(id)
    }

    /// Routines in order (built-ins as listed, then the person's own).
    pub fn iter(&self) -> impl Iterator<Item = &Routine> {
        self.order.iter().filter_map(|id| self.routines.get(id))
    }

    /// How many routines are known.
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

/// Reads a routine file with the same care as a user exercise file.
fn read_routine_file(path: &Path) -> Result<String, RoutineLoadError> {
    use crate::coach::exercise::{UserFileError, read_user_file};
    let file = path.display().to_string();
    read_user_file(path, MAX_FILE_BYTES).map_err(|e| match e {
        UserFileError::Io(source) => RoutineLoadError::Io { file, source },
        UserFileError::NotAFile => RoutineLoadError::NotAFile { file },
        UserFileError::TooLarge => RoutineLoadError::TooLarge { file },
    })
}
