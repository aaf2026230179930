//! The coach on real people: `formcoach eval --labels` coaches every hand-
//! labelled fixture clip through the whole pixel path (video, default pose
//! model, smoothing, coach) and every check of the labels must hold; the
//! labelled faults of `fixtures/semi_real/faults.toml`, injected into the
//! same real tracks, must each warn in time while the clean twin stays quiet.
//!
//! Needs `FORMCOACH_FIXTURES` (the shared fixtures folder) and the models
//! (fetched on first use); without the fixtures it says so and checks nothing.

mod common;

use common::{fixtures, formcoach, stderr, stdout};

/// Checks that do not hold yet, each with its measured reason: (clip, the
/// start of the check's text, why). The test fails if one of them starts
/// holding, so the list cannot go stale.
const KNOWN_FAILURES: [(&str, &str, &str); 0] = [];

#[test]
fn every_labelled_check_and_semi_real_fault_holds_on_the_real_clips() {
    let Some(dir) = fixtures("every_labelled_check_and_semi_real_fault_holds_on_the_real_clips")
    else {
        return;
    };
    let labels = dir.join("video").join("labels.json");
    let recipe = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/semi_real/faults.toml"
    );
    let out = formcoach(&[
        "eval",
        "--labels",
        &labels.display().to_string(),
        "--faults",
        recipe,
    ]);
    let text = stdout(&out);
    eprintln!("{text}");
    let mut clip = "";
    let mut unexpected = Vec::new();
    let mut known_seen = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') {
            clip = line.split(' ').next().unwrap_or_default();
            continue;
        }
        let Some(check) = line.trim_start().strip_prefix("FAIL ") else {
            continue;
        };
        match KNOWN_FAILURES
            .iter()
            .position(|(c, what, _)| *c == clip && check.starts_with(what))
        {
            Some(i) => known_seen.push(i),
            None => unexpected.push(format!("{clip}: {check}")),
        }
    }
    assert!(
        unexpected.is_empty(),
        "checks that do not hold:\n{}\n{}",
        unexpected.join("\n"),
        stderr(&out)
    );
    for (i, (clip, what, why)) in KNOWN_FAILURES.iter().enumerate() {
        assert!(
            known_seen.contains(&i),
            "{clip} `{what}` now holds: remove it from KNOWN_FAILURES ({why})"
        );
    }
    assert!(
        out.status.code() == Some(i32::from(!known_seen.is_empty())),
        "{}",
        stderr(&out)
    );
    // Every clip with expectations was coached, and something was checked.
    let summary = text
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>();
    let held: usize = summary.first().and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(held >= 10, "too few checks ran:\n{text}");
}

#[test]
fn a_labels_file_that_is_not_one_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("labels.json");
    std::fs::write(&bad, "{\"clips\": 3}").expect("written");
    let out = formcoach(&["eval", "--labels", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("labels.json") && stderr(&out).contains("not a labels file"),
        "{}",
        stderr(&out)
    );
}
