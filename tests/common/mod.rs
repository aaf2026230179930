//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::process::{Command, Output};

/// The fixtures folder, or `None` after saying clearly that the test is skipped.
pub fn fixtures(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("FORMCOACH_FIXTURES").filter(|v| !v.is_empty());
    if dir.is_none() {
        eprintln!(
            "SKIPPED {test}: FORMCOACH_FIXTURES is not set (point it at the shared \
             fixtures folder; .ci/run does)"
        );
    }
    dir.map(PathBuf::from)
}

/// Runs the real binary.
pub fn formcoach(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_formcoach"))
        .args(args)
        .output()
        .expect("the formcoach binary runs")
}

/// Runs the real binary with extra environment variables.
pub fn formcoach_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_formcoach"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the formcoach binary runs")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
