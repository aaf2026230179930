//! ONNX Runtime: finding the shared library, checking it, and creating the
//! one process-wide environment and sessions.
//!
//! ort's own `init()` panics when the library is missing; everything here
//! goes through `init_from` and returns errors that say what was tried.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use super::fetch::{Progress, run_tool, write_atomically};
use super::hash::sha256_file;
use super::manifest::{Manifest, Wheel};
use super::{ModelError, models_dir};

static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);

/// Environment variables that stop ONNX Runtime's own telemetry before it
/// starts, with the value that does it.
///
/// Since 1.2x the Linux and macOS builds of ONNX Runtime carry Microsoft's
/// 1DS telemetry: creating the environment writes a device id and an event
/// queue under `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` and looks
/// up Microsoft's collector host. The C API's `DisableTelemetryEvents`
/// (ort's `with_telemetry(false)`) needs an environment, so it comes too
/// late; only these variables, read while the environment is created, stop
/// all of it. Releases have used both names, so both are set.
pub const TELEMETRY_OFF_ENV: [(&str, &str); 2] = [
    ("ORT_DISABLE_TELEMETRY", "1"),
    ("ORT_TELEMETRY_DISABLED", "1"),
];

/// Whether every variable in [`TELEMETRY_OFF_ENV`] is set as needed.
#[must_use]
pub fn telemetry_switched_off() -> bool {
    TELEMETRY_OFF_ENV
        .iter()
        .all(|(key, value)| std::env::var_os(key).is_some_and(|v| v == *value))
}

/// Where the runtime library came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeSource {
    /// `ORT_DYLIB_PATH` named it.
    Env(PathBuf),
    /// Read out of the pinned wheel and verified.
    Wheel(PathBuf),
}

impl RuntimeSource {
    /// The library file.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            RuntimeSource::Env(p) | RuntimeSource::Wheel(p) => p,
        }
    }
}

/// Where the verified library from the wheel is kept.
#[must_use]
pub fn runtime_library_path(dir: &Path, wheel: &Wheel) -> PathBuf {
    dir.join("runtime").join(wheel.library_file_name())
}

/// The library named by `ORT_DYLIB_PATH`, which wins over the pinned wheel.
fn dylib_override() -> Option<PathBuf> {
    std::env::var_os("ORT_DYLIB_PATH")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// Status of the runtime library without fetching anything.
pub fn runtime_status(manifest: &Manifest, dir: &Path) -> Result<String, ModelError> {
    if let Some(p) = dylib_override() {
        let state = if p.is_file() { "present" } else { "MISSING" };
        return Ok(format!("{state} (ORT_DYLIB_PATH) {}", p.display()));
    }
    let Some(wheel) = manifest.wheel_for_this_machine() else {
        return Ok(format!(
            "no pinned wheel for {}/{}; set ORT_DYLIB_PATH",
            std::env::consts::OS,
            std::env::consts::ARCH
        ));
    };
    let path = runtime_library_path(dir, wheel);
    if !path.is_file() {
        return Ok(format!("missing {}", path.display()));
    }
    let actual = sha256_file(&path)?;
    if actual == wheel.library_sha256 {
        Ok(format!("present {}", path.display()))
    } else {
        Ok(format!("CORRUPT {} (sha256 {actual})", path.display()))
    }
}

/// The pinned wheel for this machine; without one the person brings their own.
fn pinned_wheel(manifest: &Manifest) -> Result<&Wheel, ModelError> {
    manifest
        .wheel_for_this_machine()
        .ok_or_else(|| ModelError::Runtime {
            tried: format!(
                "- no ONNX Runtime wheel is pinned for {}/{} in models/models.toml",
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
            hint: "Install ONNX Runtime 1.31 or newer and set ORT_DYLIB_PATH to its library."
                .to_owned(),
        })
}

/// Finds the ONNX Runtime library without fetching: `ORT_DYLIB_PATH`, else
/// the verified copy from the pinned wheel. Missing or damaged is an error
/// naming the command that fetches it.
pub fn find_runtime_library() -> Result<RuntimeSource, ModelError> {
    if let Some(p) = dylib_override() {
        return Ok(RuntimeSource::Env(p));
    }
    let manifest = Manifest::builtin()?;
    let lib = runtime_library_path(&models_dir(), pinned_wheel(&manifest)?);
    let state = if !lib.is_file() {
        "is not on this computer yet"
    } else if sha256_file(&lib)? == pinned_wheel(&manifest)?.library_sha256 {
        return Ok(RuntimeSource::Wheel(lib));
    } else {
        "is damaged (its hash does not match the manifest)"
    };
    Err(ModelError::Runtime {
        tried: format!("- {} {state}", lib.display()),
        hint: "Run `formcoach models fetch` to get the pinned one, or set ORT_DYLIB_PATH to an \
               installed ONNX Runtime 1.31 library."
            .to_owned(),
    })
}

/// Finds the ONNX Runtime library: `ORT_DYLIB_PATH`, else the verified copy
/// from the pinned wheel, fetching the wheel with pip when needed. For the
/// front doors only (see `models::fetch_missing`).
pub fn ensure_runtime_library(progress: &Progress) -> Result<RuntimeSource, ModelError> {
    if let Some(p) = dylib_override() {
        return Ok(RuntimeSource::Env(p));
    }
    let manifest = Manifest::builtin()?;
    let dir = models_dir();
    let wheel = pinned_wheel(&manifest)?;
    let lib = runtime_library_path(&dir, wheel);
    if lib.is_file() {
        if sha256_file(&lib)? == wheel.library_sha256 {
            return Ok(RuntimeSource::Wheel(lib));
        }
        progress.line(&format!(
            "{} is corrupt; extracting it again",
            lib.display()
        ));
        std::fs::remove_file(&lib).map_err(|e| ModelError::io("cannot remove", &lib, e))?;
    }
    let wheel_path = ensure_wheel(&manifest, wheel, &dir, progress)?;
    extract_library(&wheel_path, wheel, &lib)?;
    Ok(RuntimeSource::Wheel(lib))
}

fn ensure_wheel(
    manifest: &Manifest,
    wheel: &Wheel,
    dir: &Path,
    progress: &Progress,
) -> Result<PathBuf, ModelError> {
    let downloads = dir.join("downloads");
    let path = downloads.join(&wheel.file);
    if path.is_file() {
        if sha256_file(&path)? == wheel.sha256 {
            return Ok(path);
        }
        std::fs::remove_file(&path).map_err(|e| ModelError::io("cannot remove", &path, e))?;
    }
    std::fs::create_dir_all(&downloads)
        .map_err(|e| ModelError::io("cannot create", &downloads, e))?;
    let spec = format!("{}=={}", manifest.runtime.pypi, manifest.runtime.version);
    progress.line(&format!(
        "fetching ONNX Runtime: pip download {spec} ({})",
        wheel.platform
    ));
    let hint = format!(
        "Install Python 3 with pip (Debian/Ubuntu: `apt-get install python3-pip`), or put {} \
         there, or set ORT_DYLIB_PATH to an installed ONNX Runtime 1.31 library.",
        path.display()
    );
    let mut last = None;
    for python in ["python3", "python"] {
        let mut cmd = Command::new(python);
        cmd.args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args(["--platform", &wheel.platform])
            .args(["--python-version", &wheel.python_version])
            .arg("--quiet")
            .arg("-d")
            .arg(&downloads)
            .arg(&spec);
        match run_tool(&mut cmd, "python3 -m pip", "ONNX Runtime", &hint) {
            Ok(()) => {
                last = None;
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    if let Some(err) = last {
        return Err(err);
    }
    let actual = sha256_file(&path)?;
    if actual != wheel.sha256 {
        let _ = std::fs::remove_file(&path);
        return Err(ModelError::HashMismatch(Box::new(super::HashMismatch {
            what: format!("the wheel {}", wheel.file),
            path,
            algorithm: "sha256",
            expected: wheel.sha256.clone(),
            actual,
            hint: "the file was removed; check the PyPI mirror you use".to_owned(),
        })));
    }
    Ok(path)
}

fn extract_library(wheel_path: &Path, wheel: &Wheel, lib: &Path) -> Result<(), ModelError> {
    let damaged = |reason: String| ModelError::Archive {
        path: wheel_path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(wheel_path)
        .map_err(|e| ModelError::io("cannot open", wheel_path, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| damaged(e.to_string()))?;
    let mut entry = zip
        .by_name(&wheel.library)
        .map_err(|e| damaged(format!("{}: {e}", wheel.library)))?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| damaged(format!("{}: {e}", wheel.library)))?;
    let actual = super::hash::sha256_hex(&bytes);
    if actual != wheel.library_sha256 {
        return Err(ModelError::HashMismatch(Box::new(super::HashMismatch {
            what: format!("{} inside the wheel", wheel.library),
            path: wheel_path.to_path_buf(),
            algorithm: "sha256",
            expected: wheel.library_sha256.clone(),
            actual,
            hint: "nothing was written".to_owned(),
        })));
    }
    if let Some(parent) = lib.parent() {
        std::fs::create_dir_all(parent).map_err(|e| ModelError::io("cannot create", parent, e))?;
    }
    write_atomically(lib, &bytes)
}

/// The process-wide ONNX Runtime environment, loading the library on first use.
///
/// ONNX Runtime allows one environment per process, so every session in
/// formcoach is created from this one.
pub fn environment() -> Result<Environment, ModelError> {
    let mut slot = ENVIRONMENT.lock().map_err(|_| ModelError::Runtime {
        tried: "- an earlier attempt to load ONNX Runtime crashed".to_owned(),
        hint: "Restart formcoach.".to_owned(),
    })?;
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    // Setting the variables here would race with other threads reading the
    // environment, so the program sets them first thing in `main`; a caller
    // that did not is refused rather than allowed to phone home.
    if !telemetry_switched_off() {
        return Err(ModelError::Runtime {
            tried: "- ONNX Runtime was not started: its telemetry is not switched off \
                    (ORT_DISABLE_TELEMETRY=1 and ORT_TELEMETRY_DISABLED=1 are not set)"
                .to_owned(),
            hint: "Run the formcoach program, which sets them before anything else; a program \
                   using the library calls `formcoach::models::runtime::switch_telemetry_off` \
                   first thing in `main`."
                .to_owned(),
        });
    }
    let source = find_runtime_library()?;
    let path = source.path();
    let origin = match &source {
        RuntimeSource::Env(_) => "ORT_DYLIB_PATH",
        RuntimeSource::Wheel(_) => "the pinned onnxruntime wheel",
    };
    check_api_base(path).map_err(|reason| ModelError::Runtime {
        tried: format!("- {} (from {origin}): {reason}", path.display()),
        hint: "Set ORT_DYLIB_PATH to a working ONNX Runtime 1.31+ library, or unset it and run \
               `formcoach models fetch` to get the pinned one."
            .to_owned(),
    })?;
    let builder = ort::init_from(path).map_err(|e| ModelError::Runtime {
        // ort's Display says only "dlopen failed"; its Debug text has the reason.
        tried: format!("- {} (from {origin}): {e}\n  detail: {e:?}", path.display()),
        hint: "Set ORT_DYLIB_PATH to a working ONNX Runtime 1.31+ library, or unset it and run \
               `formcoach models fetch` to get the pinned one."
            .to_owned(),
    })?;
    let env = builder
        .with_name("formcoach")
        .with_telemetry(false)
        .build()
        .map_err(|e| ModelError::Runtime {
            tried: format!("- {} loaded but refused to start: {e}", path.display()),
            hint: "Use ONNX Runtime 1.31 or newer.".to_owned(),
        })?;
    *slot = Some(env.clone());
    Ok(env)
}

/// Opens the library and asks it for its API table the way ONNX Runtime's
/// loader does, because ort asserts on what it gets: a library whose
/// `OrtGetApiBase` returned null made formcoach panic instead of saying
/// which file is wrong.
#[allow(unsafe_code)] // loading a foreign library and calling its entry point
fn check_api_base(path: &Path) -> Result<(), String> {
    type GetApiBase = unsafe extern "C" fn() -> *const std::ffi::c_void;
    // SAFETY: loading runs the library's initialisers, as ort's own loader
    // is about to do with the same file.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| e.to_string())?;
    // SAFETY: the symbol is looked up with ONNX Runtime's documented
    // signature, a function without arguments returning a pointer.
    let get: libloading::Symbol<'_, GetApiBase> = unsafe { lib.get(b"OrtGetApiBase") }
        .map_err(|_| "it has no `OrtGetApiBase`, so it is not ONNX Runtime".to_owned())?;
    // SAFETY: ONNX Runtime's `OrtGetApiBase` only returns a pointer to a
    // static table; nothing is read through it here.
    let base = unsafe { get() };
    if base.is_null() {
        return Err("its `OrtGetApiBase` returned nothing (a null API table)".to_owned());
    }
    Ok(())
}

/// Sets [`TELEMETRY_OFF_ENV`] in this process, so ONNX Runtime never
/// starts its telemetry (see there).
///
/// # Safety
///
/// Changing the environment is only sound while no other thread can read
/// it: call this first thing in `main`, before any thread is started.
#[allow(unsafe_code)] // the one place formcoach writes its own environment
pub unsafe fn switch_telemetry_off() {
    for (key, value) in TELEMETRY_OFF_ENV {
        // SAFETY: the caller promises no other thread exists yet.
        unsafe { std::env::set_var(key, value) };
    }
}

/// How a session should run.
#[derive(Debug, Clone, Copy)]
pub struct SessionOptions {
    /// Threads inside one operator; 0 lets ONNX Runtime choose.
    pub intra_threads: usize,
    /// Let idle worker threads spin-wait for the next operator (ONNX
    /// Runtime's own default). Off here: formcoach always shares the cores
    /// with video decoding and drawing, and spinning burns the time those
    /// threads need. Measured in the window on two cores at 30 fps: with
    /// spinning 28.3-29.3 fps and 30-34 ms per model run, without it 30.0 fps
    /// and 25-26 ms.
    pub spin: bool,
}

impl SessionOptions {
    /// The options with the thread count brought within the machine's
    /// cores: ONNX Runtime starts every thread asked for, and `--threads
    /// 100000` made it hang holding 3.6 GB.
    #[must_use]
    pub fn clamped(self) -> SessionOptions {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        SessionOptions {
            intra_threads: self.intra_threads.min(cores),
            ..self
        }
    }
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            intra_threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            spin: false,
        }
    }
}

/// Creates a session for ONNX bytes or a file, with full graph optimisation.
pub fn session_from_file(path: &Path, options: SessionOptions) -> Result<Session, ModelError> {
    let options = options.clamped();
    let env = environment()?;
    let name = path.display().to_string();
    let fail = |e: ort::Error| ModelError::Session {
        model: name.clone(),
        message: e.to_string(),
    };
    let mut builder = Session::builder(&env)
        .map_err(fail)?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| fail(e.into()))?;
    if options.intra_threads > 0 {
        builder = builder
            .with_intra_threads(options.intra_threads)
            .map_err(|e| fail(e.into()))?;
    }
    if !options.spin {
        builder = builder
            .with_intra_op_spinning(false)
            .map_err(|e| fail(e.into()))?;
    }
    builder.commit_from_file(path).map_err(fail)
}

/// Creates a session from ONNX bytes in memory (tests and the converter checks).
pub fn session_from_memory(bytes: &[u8], name: &str) -> Result<Session, ModelError> {
    let env = environment()?;
    let fail = |e: ort::Error| ModelError::Session {
        model: name.to_owned(),
        message: e.to_string(),
    };
    Session::builder(&env)
        .map_err(fail)?
        .with_intra_threads(1)
        .map_err(|e| fail(e.into()))?
        .commit_from_memory(bytes)
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 15): `pose --threads 100000` hung with 3.6 GB.
    #[test]
    fn thread_counts_are_clamped_to_the_cores() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let asked = SessionOptions {
            intra_threads: 100_000,
            spin: false,
        };
        assert_eq!(asked.clamped().intra_threads, cores);
        let auto = SessionOptions {
            intra_threads: 0,
            spin: true,
        };
        assert_eq!(
            auto.clamped().intra_threads,
            0,
            "0 still lets ONNX Runtime choose"
        );
        assert!(auto.clamped().spin);
    }
}
