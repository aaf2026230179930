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

use std::path::{Path, PathBuf};

use formcoach::synth::{self, DEFAULT_SEED};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("tracks")
}

/// Rules that detect their faults but warn falsely on the noisiest clean
/// tracks; `formcoach eval` shows the figures.
const KNOWN_MISSES: [(&str, &str); 1] = [(
    "seated-cervical-rotation/shoulders-square",
    "a trunk turn seen from the front shrinks the shoulders' width by only 1 - cos: the \
     20-degree limit is a 6 % shrink, inside the width error of high-noise tracks \
     (baseline over 1 s keeps the slow drift; the far shoulder is noisier at 45 degrees), \
     which reads 15-25 degrees for seconds on clean holds; MoveNet tracks carry no depth",
)];

#[test]
fn targets_are_met() {
    let table = synth::evaluate(&fixtures()).expect("the committed tracks evaluate");
    println!("{}", table.to_text());
    assert!(
        table.tracks >= 17 * 2,
        "every exercise has clean and faulty tracks"
    );
    let known = |rule: &str| KNOWN_MISSES.iter().any(|(r, _)| *r == rule);
    let misses = table.meets_targets();
    let unexpected: Vec<String> = misses
        .iter()
        .filter(|m| !known(&m.rule))
        .map(|m| format!("  {}: {}", m.rule, m.reasons.join("; ")))
        .collect();
    assert!(
        unexpected.is_empty(),
        "rules missing targets:\n{}",
        unexpected.join("\n")
    );
    for (rule, why) in KNOWN_MISSES {
        assert!(
            misses.iter().any(|m| m.rule == rule),
            "{rule} now meets the targets: remove it from KNOWN_MISSES"
        );
        let row = table
            .rows
            .iter()
            .find(|r| format!("{}/{}", r.exercise, r.rule) == rule)
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
            let rel = Path::new(spec.exercise.id).join(format!("{}.{ext}", spec.case));
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
