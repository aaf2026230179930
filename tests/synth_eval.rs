//! The coach's rules against the committed labelled synthetic tracks
//! (`fixtures/tracks`, made by `formcoach synth`).
//!
//! `targets_are_met` asserts the targets: F1 >= 0.95 per rule,
//! <= 0.2 false warnings per minute of clean movement, median delay
//! <= 300 ms. It prints the whole table first so a failure shows which rule
//! misses and by how much. The rules in `KNOWN_MISSES` do not meet them yet
//! (each with the measured reason); they must still catch their faults, and
//! the test fails if one of them starts meeting the targets, so the list
//! cannot go stale.
//!
//! `targets_are_met_in_3d` does the same on the same tracks seen by a
//! simulated BlazePose, generated afresh (a few seconds, so not committed):
//! the committed MoveNet set has no world points, and the rules switch to
//! world metres whenever a model gives them, as the default model does.

use std::path::{Path, PathBuf};

use formcoach::synth::{self, DEFAULT_SEED};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("tracks")
}

/// Rules that detect their faults but warn falsely on the noisiest clean
/// tracks; `formcoach eval` shows the figures.
const KNOWN_MISSES: [(&str, bool, &str); 1] = [(
    "seated-cervical-rotation/shoulders-square",
    true,
    "a trunk turn seen from the front shrinks the shoulders' width by only 1 - cos: the \
     20-degree limit is a 6 % shrink, inside the width error of high-noise tracks \
     (baseline over 1 s keeps the slow drift; the far shoulder is noisier at 45 degrees), \
     which reads 15-25 degrees for seconds on clean holds; MoveNet tracks carry no depth",
)];

#[test]
fn targets_are_met() {
    let table = synth::evaluate(&fixtures()).expect("the committed tracks evaluate");
    check_targets(&table, &KNOWN_MISSES, "KNOWN_MISSES");
}

/// Rules that miss the targets on the BlazePose-style set, where they read
/// 3D world points instead of pixels: (rule, still catches every fault, why).
/// "Noise-free" figures come from the same set with the world noise turned
/// off, which separates the frame's geometry from the measured noise.
const KNOWN_MISSES_3D: [(&str, bool, &str); 2] = [
    (
        "quadruped-rotation/knees-still",
        false,
        "knees are measured from the hips, so a hip shift or the rotation's own turn looks \
         like the knees moving; with measured noise 1 of 2 faults caught, no false warning",
    ),
    (
        "seated-cervical-rotation/head-level",
        true,
        "ear-to-ear roll from baseline: noise-free already over 400 ms median delay; with the \
         ears' measured depth noise (9.5 mm jitter, 12 mm drift, far ear hidden at 45 degrees \
         so 1.8 times that) 2.5 false warnings/min and 500 ms",
    ),
];

/// The same tracks seen by a simulated BlazePose (world points with the
/// jitter and drift measured on real video, see `synth::noise`), generated
/// afresh: the rules as the default model drives them.
#[test]
fn targets_are_met_in_3d() {
    let dir = std::env::temp_dir().join(format!("formcoach-synth3d-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let started = std::time::Instant::now();
    synth::generate_set(&dir, DEFAULT_SEED, synth::Model::Blaze33).expect("tracks generate");
    let generated = started.elapsed();
    let started = std::time::Instant::now();
    let table = synth::evaluate(&dir);
    let evaluated = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    let table = table.expect("the BlazePose-style tracks evaluate");
    println!(
        "generated in {:.1} s, evaluated in {:.1} s",
        generated.as_secs_f64(),
        evaluated.as_secs_f64()
    );
    check_targets(&table, &KNOWN_MISSES_3D, "KNOWN_MISSES_3D");
}

/// Prints the table, then fails on a rule missing the targets that is not
/// listed in `known`, on a listed rule that meets them (the list must not go
/// stale), and on a listed rule that stops catching its faults when it is
/// marked as still catching them.
#[allow(clippy::print_stdout)] // the table is what a person reads when this fails
fn check_targets(table: &synth::EvalTable, known: &[(&str, bool, &str)], list: &str) {
    println!("{}", table.to_text());
    assert!(
        table.tracks >= 17 * 2,
        "every exercise has clean and faulty tracks"
    );
    let is_known = |rule: &str| known.iter().any(|(r, _, _)| *r == rule);
    let misses = table.meets_targets();
    let unexpected: Vec<String> = misses
        .iter()
        .filter(|m| !is_known(&m.rule))
        .map(|m| format!("  {}: {}", m.rule, m.reasons.join("; ")))
        .collect();
    assert!(
        unexpected.is_empty(),
        "rules missing targets:\n{}",
        unexpected.join("\n")
    );
    for (rule, catches, why) in known {
        assert!(
            misses.iter().any(|m| m.rule == *rule),
            "{rule} now meets the targets: remove it from {list}"
        );
        if !catches {
            continue;
        }
        let row = table
            .rows
            .iter()
            .find(|r| format!("{}/{}", r.exercise, r.rule) == *rule)
            .expect("known miss is evaluated");
        assert!(
            row.recall() >= 0.95,
            "{rule} no longer catches its faults (recall {:.2}); known issue: {why}",
            row.recall()
        );
    }
}

fn read_plain(path: &Path) -> Vec<u8> {
    use std::io::Read as _;
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut plain)
            .expect("valid gzip");
        plain
    } else {
        bytes
    }
}

#[test]
fn committed_set_is_reproducible() {
    let dir = std::env::temp_dir().join(format!("formcoach-synth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    synth::generate_all(&dir, DEFAULT_SEED).expect("tracks generate");
    let mut compared = 0;
    for spec in synth::committed_specs(DEFAULT_SEED) {
        for ext in ["jsonl.gz", "labels.json"] {
            let rel = Path::new(&spec.exercise.id).join(format!("{}.{ext}", spec.case));
            // Compared after decompression: gzip bytes depend on which
            // deflate backend a build links, the tracks themselves must not.
            let fresh = read_plain(&dir.join(&rel));
            let committed = read_plain(&fixtures().join(&rel));
            assert!(
                fresh == committed,
                "{} differs from a fresh `formcoach synth`",
                rel.display()
            );
            compared += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(compared > 0);
}
