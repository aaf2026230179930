//! Runs the real program under Xvfb on a fixture video: the window must show
//! something (screenshot not blank), and the session must be in the history
//! after the video ends normally and after the process is killed with -9.
//!
//! Skips (with a message) without `xvfb-run`, the `import` tool of `ImageMagick`, or
//! `FORMCOACH_FIXTURES`.

// Helpers here run only inside tests: a panic is a failing test with a line number.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use formcoach::store::{SessionStatus, Store};

const VIDEO: &str = "video/upper_body_webcam_01.mp4";
const EXERCISE: &str = "chin-tuck";
/// The routine test's second step (a seated neck flexion) plays this clip,
/// beside `VIDEO`.
const SECOND_CLIP: &str = "seated_catcow_chair_side_01.mp4";

fn program() -> PathBuf {
    let exe = option_env!("CARGO_BIN_EXE_formcoach")
        .or(option_env!("CARGO_BIN_EXE_formcoach-ui"))
        .unwrap();
    PathBuf::from(exe)
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The fixture video, or why the test cannot run here.
fn setup() -> Result<PathBuf, String> {
    for tool in ["xvfb-run", "import"] {
        if !have(tool) {
            return Err(format!(
                "`{tool}` is not installed (apt-get install xvfb imagemagick)"
            ));
        }
    }
    let dir = std::env::var_os("FORMCOACH_FIXTURES")
        .filter(|v| !v.is_empty())
        .ok_or("FORMCOACH_FIXTURES is not set")?;
    let video = Path::new(&dir).join(VIDEO);
    if video.is_file() {
        Ok(video)
    } else {
        Err(format!("{} is missing", video.display()))
    }
}

/// The program running on a virtual display.
struct Run {
    child: Child,
    work: PathBuf,
}

impl Run {
    fn start(work: &Path, data: &Path, video: &Path) -> Run {
        Run::start_with(work, data, video, &format!("--exercise {EXERCISE}"))
    }

    /// The program coaching `video` as `what` says (`--exercise ID` or
    /// `--routine ID`), with `work/config` as its config folder.
    fn start_with(work: &Path, data: &Path, video: &Path, what: &str) -> Run {
        // The inner shell records the display and its own pid, then becomes
        // the program (exec keeps the pid), so the test can screenshot and kill it.
        let script = format!(
            "echo \"$DISPLAY\" > '{w}/display'; echo \"$XAUTHORITY\" > '{w}/xauth'; \
             echo $$ > '{w}/pid'; exec '{bin}' --video '{video}' {what} \
             > '{w}/out.log' 2>&1",
            w = work.display(),
            bin = program().display(),
            video = video.display(),
        );
        let child = Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1280x800x24", "sh", "-c", &script])
            .env("FORMCOACH_DATA_DIR", data)
            .env("XDG_CONFIG_HOME", work.join("config"))
            // A fresh data folder would show the safety notice first.
            .env("FORMCOACH_SAFETY_ACCEPTED", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Run {
            child,
            work: work.to_path_buf(),
        }
    }

    /// The program under `strace` (network calls only, into `strace.log`),
    /// with `home` as its home folder and nothing that would switch ONNX
    /// Runtime's telemetry off for it: it has to do that itself.
    fn start_traced(work: &Path, data: &Path, home: &Path, video: &Path) -> Run {
        // strace follows the inner shell, which records its pid and then
        // becomes the program, so killing that pid ends the trace too.
        let script = format!(
            "echo \"$DISPLAY\" > '{w}/display'; echo \"$XAUTHORITY\" > '{w}/xauth'; \
             exec strace -f -qq -e trace=connect,sendto,sendmsg,sendmmsg -o '{w}/strace.log' \
             sh -c 'echo $$ > {w}/pid; exec {bin} --video {video} --exercise {EXERCISE}' \
             > '{w}/out.log' 2>&1",
            w = work.display(),
            bin = program().display(),
            video = video.display(),
        );
        let mut cmd = Command::new("xvfb-run");
        cmd.args(["-a", "-s", "-screen 0 1280x800x24", "sh", "-c", &script])
            .env("FORMCOACH_DATA_DIR", data)
            // A fresh data folder would show the safety notice first.
            .env("FORMCOACH_SAFETY_ACCEPTED", "1")
            .env("HOME", home)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for key in [
            "ORT_DISABLE_TELEMETRY",
            "ORT_TELEMETRY_DISABLED",
            "ORT_RUNNING_UNIT_TESTS",
            "CI",
            "GITHUB_ACTIONS",
            "XDG_CACHE_HOME",
        ] {
            cmd.env_remove(key);
        }
        Run {
            child: cmd.spawn().unwrap(),
            work: work.to_path_buf(),
        }
    }

    fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.work.join(name))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    fn pid(&self) -> String {
        wait_for(Duration::from_secs(20), || self.read("pid")).unwrap()
    }

    fn screenshot(&self, out: &Path) {
        let display = wait_for(Duration::from_secs(20), || self.read("display")).unwrap();
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(out)
            .env("DISPLAY", display)
            .env("XAUTHORITY", self.read("xauth").unwrap_or_default())
            .status()
            .unwrap();
        assert!(status.success(), "import failed");
    }

    fn kill(&mut self, signal: &str) {
        let pid = self.pid();
        let _ = Command::new("kill").args([signal, &pid]).status();
        let _ = self.child.wait();
    }

    fn log(&self) -> String {
        self.read("out.log").unwrap_or_default()
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(pid) = self.read("pid") {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        let _ = self.child.wait();
    }
}

fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

/// Sessions in the history with their sample counts.
fn sessions(data: &Path) -> Vec<(SessionStatus, usize)> {
    let Ok(store) = Store::open_read_only(&data.join(formcoach::store::DB_FILE)) else {
        return Vec::new();
    };
    store
        .sessions()
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.status, store.samples(s.id).map_or(0, |v| v.len())))
        .collect()
}

/// A screenshot is "not blank" when it has many distinct colours.
/// A window coaching `video` in fresh folders, once it has recorded at
/// least ten samples: the data folder, the work folder and the run.
fn recording_mid_video(video: &Path) -> (tempfile::TempDir, tempfile::TempDir, Run) {
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = Run::start(work.path(), data.path(), video);
    let started = wait_for(Duration::from_mins(1), || {
        sessions(data.path()).into_iter().find(|(_, n)| *n >= 10)
    });
    assert!(
        started.is_some(),
        "no samples recorded; log:\n{}",
        run.log()
    );
    (data, work, run)
}

fn distinct_colours(path: &Path) -> usize {
    let img = image::open(path).unwrap().to_rgb8();
    let mut seen = std::collections::HashSet::new();
    for p in img.pixels().step_by(7) {
        seen.insert(p.0);
    }
    seen.len()
}

#[test]
fn window_runs_a_video_and_keeps_the_session() {
    let video = match setup() {
        Ok(v) => v,
        Err(why) => {
            eprintln!("skipping the Xvfb window test: {why}");
            return;
        }
    };
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("window_xvfb");
    std::fs::create_dir_all(&shots).unwrap();

    // 1. The video plays to its end; the session is finished in the history.
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut run = Run::start(work.path(), data.path(), &video);
    std::thread::sleep(Duration::from_secs(6));
    let shot = shots.join("live.png");
    run.screenshot(&shot);
    let colours = distinct_colours(&shot);
    assert!(
        colours > 200,
        "the screenshot looks blank ({colours} colours); log:\n{}",
        run.log()
    );
    let finished = wait_for(Duration::from_mins(2), || {
        sessions(data.path())
            .into_iter()
            .find(|(status, n)| *status == SessionStatus::Finished && *n > 0)
    });
    run.screenshot(&shots.join("summary.png"));
    // The speed line the window prints per session (what speed checks read).
    let speed = wait_for(Duration::from_secs(10), || {
        let log = run.log();
        log.lines()
            .find(|l| l.contains("frames coached at"))
            .map(str::to_owned)
    });
    run.kill("-TERM");
    assert!(
        finished.is_some(),
        "no finished session; log:\n{}",
        run.log()
    );
    let speed = speed.unwrap_or_default();
    assert!(
        speed.starts_with(&format!("formcoach: {EXERCISE}: ")) && speed.contains("fps"),
        "no speed line; log:\n{}",
        run.log()
    );

    // 2. Killed with -9 mid-video: what was recorded is there, unfinished.
    let (data, _work, mut run) = recording_mid_video(&video);
    run.kill("-9");
    let after = sessions(data.path());
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].0, SessionStatus::Running);
    assert!(after[0].1 >= 10, "{after:?}");
    let store = Store::open(&data.path().join(formcoach::store::DB_FILE)).unwrap();
    assert_eq!(store.unfinished().unwrap().len(), 1);

    // 3. SIGTERM mid-video (a logout, `kill`) left the session "running",
    //    like a crash: the window now closes as Ctrl+Q does and finishes it.
    let (data, _work, mut run) = recording_mid_video(&video);
    run.kill("-TERM");
    let exited = wait_for(Duration::from_secs(30), || {
        run.child.try_wait().ok().flatten()
    });
    assert!(
        exited.is_some(),
        "still running after SIGTERM; log:\n{}",
        run.log()
    );
    let after = sessions(data.path());
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(
        after[0].0,
        SessionStatus::Finished,
        "SIGTERM left the session unfinished; log:\n{}",
        run.log()
    );
    assert!(after[0].1 >= 10, "{after:?}");
}

/// A two-step routine played from two fixture clips, one per step: each
/// step is announced, coached from its own clip to its end, linked to one
/// run in the history, and the window ends on the routine's summary.
#[test]
fn window_plays_a_two_step_routine_to_its_summary() {
    let video = match setup() {
        Ok(v) => v,
        Err(why) => {
            eprintln!("skipping the Xvfb routine test: {why}");
            return;
        }
    };
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("window_xvfb");
    std::fs::create_dir_all(&shots).unwrap();
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    // Doses no clip reaches, so each step runs to the video's end.
    let routines = work.path().join("config/formcoach/routines");
    std::fs::create_dir_all(&routines).unwrap();
    std::fs::write(
        routines.join("two.toml"),
        "id = \"two\"\nname = \"Two steps\"\ndescription = \"A test.\"\n\
         [[steps]]\nexercise = \"chin-tuck\"\nreps = 50\nrest_s = 2\n\
         [[steps]]\nexercise = \"neck-flexion-extension\"\nreps = 50\n",
    )
    .unwrap();
    let second = video.with_file_name(SECOND_CLIP);
    if !second.is_file() {
        eprintln!(
            "skipping the Xvfb routine test: {} is missing",
            second.display()
        );
        return;
    }
    let mut run = Run::start_with(
        work.path(),
        data.path(),
        &video,
        &format!("--video '{}' --routine two", second.display()),
    );
    std::thread::sleep(Duration::from_secs(4));
    run.screenshot(&shots.join("routine_next_up.png"));
    // The first step plays once the 10 s to get ready are over.
    std::thread::sleep(Duration::from_secs(10));
    run.screenshot(&shots.join("routine_live.png"));
    let linked = wait_for(Duration::from_mins(3), || {
        let store = Store::open_read_only(&data.path().join(formcoach::store::DB_FILE)).ok()?;
        let links = store.routine_links().ok()?;
        let finished = store
            .sessions()
            .ok()?
            .into_iter()
            .filter(|s| s.status == SessionStatus::Finished && links.contains_key(&s.id))
            .count();
        (finished == 2).then_some(links)
    });
    // The summary is up once the second step is linked.
    std::thread::sleep(Duration::from_secs(2));
    run.screenshot(&shots.join("routine_summary.png"));
    run.kill("-TERM");
    let links =
        linked.unwrap_or_else(|| panic!("the two steps were not linked; log:\n{}", run.log()));
    let mut steps: Vec<_> = links.values().map(|l| (l.run_id, l.step)).collect();
    steps.sort_unstable();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].0, steps[1].0, "two runs: {steps:?}");
    assert_eq!((steps[0].1, steps[1].1), (0, 1));
    let log = run.log();
    assert!(log.contains("formcoach: chin-tuck: "), "log:\n{log}");
    assert!(
        log.contains("formcoach: neck-flexion-extension: "),
        "log:\n{log}"
    );
    // Each step ran to the end of its own clip (7.8 s and 16.2 s long).
    let store = Store::open_read_only(&data.path().join(formcoach::store::DB_FILE)).unwrap();
    let mut by_step: Vec<_> = store
        .sessions()
        .unwrap()
        .into_iter()
        .filter_map(|s| links.get(&s.id).map(|l| (l.step, s)))
        .collect();
    by_step.sort_by_key(|(step, _)| *step);
    let lengths: Vec<f64> = by_step.iter().map(|(_, s)| s.summary.duration_s).collect();
    assert_eq!(by_step[0].1.meta.exercise_id, "chin-tuck");
    assert_eq!(by_step[1].1.meta.exercise_id, "neck-flexion-extension");
    assert!(
        lengths[0] < 10.0 && lengths[1] > 13.0,
        "steps did not play their own clips: {lengths:?} s"
    );
}

#[test]
fn no_display_points_to_analyze() {
    let out = Command::new(program())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("FORMCOACH_DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("formcoach analyze"), "{err}");
}

/// Regression (issue 15): the window's ONNX Runtime looked up Microsoft's
/// telemetry host and wrote a device id under `~/.cache/Microsoft`. The
/// window now starts on a generated clip under `strace` and must not reach
/// beyond the machine while the model loads and coaches.
#[test]
fn window_start_uses_no_network() {
    for tool in ["xvfb-run", "strace", "ffmpeg"] {
        if !have(tool) {
            eprintln!("skipping the window network test: `{tool}` is not installed");
            return;
        }
    }
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let clip = work.path().join("clip.mp4");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc=size=320x240:rate=10:duration=4"])
        .args(["-pix_fmt", "yuv420p"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(made.success());
    let mut run = Run::start_traced(work.path(), data.path(), home.path(), &clip);
    // Samples in the history mean the model ran on frames.
    let coached = wait_for(Duration::from_mins(2), || {
        sessions(data.path()).into_iter().find(|(_, n)| *n > 0)
    });
    run.kill("-9");
    assert!(
        coached.is_some(),
        "nothing was coached; log:\n{}",
        run.log()
    );
    let trace = run.read("strace.log").unwrap_or_default();
    let remote: Vec<&str> = trace
        .lines()
        .filter(|l| {
            l.contains("AF_INET")
                && (l.contains("htons(53)") || !(l.contains("127.0.0.1") || l.contains("\"::1\"")))
        })
        .collect();
    assert!(remote.is_empty(), "network use:\n{}", remote.join("\n"));
    let microsoft = home.path().join(".cache").join("Microsoft");
    assert!(
        !microsoft.exists(),
        "telemetry files in {}",
        microsoft.display()
    );
}
