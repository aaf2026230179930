//! The routines the app knows: the built-in files compiled in, then the
//! person's own folder, replacing by id. Found the way exercises are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::coach::Catalogue;

use super::model::Routine;
use super::{MAX_FILE_BYTES, RoutineLoadError};

/// The built-in routines, one file each, in the order they are listed.
const BUILTIN: [(&str, &str); 4] = [
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

/// Reads a routine file: a regular file (a link to one is fine) of at most
/// [`MAX_FILE_BYTES`], as UTF-8. Devices, pipes and folders are refused
/// before they are opened, so a FIFO cannot hang the start and `/dev/zero`
/// cannot fill the memory.
fn read_routine_file(path: &Path) -> Result<String, RoutineLoadError> {
    use std::io::Read as _;
    let file = path.display().to_string();
    let io = |source| RoutineLoadError::Io {
        file: file.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(RoutineLoadError::NotAFile { file });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(RoutineLoadError::TooLarge { file });
    }
    let handle = std::fs::File::open(path).map_err(io)?;
    // Checked again on the open file: the name may have been swapped.
    if !handle.metadata().map_err(io)?.is_file() {
        return Err(RoutineLoadError::NotAFile { file });
    }
    let mut bytes = Vec::new();
    handle
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(RoutineLoadError::TooLarge { file });
    }
    String::from_utf8(bytes).map_err(|e| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ))
    })
}
