use super::catalogue::BUILTIN;
use super::*;

const DOC_IDS: [&str; 18] = [
    "thread-the-needle",
    "quadruped-rotation",
    "cat-cow",
    "side-lying-open-book",
    "thoracic-rotation-side-lying",
    "seated-trunk-rotation",
    "thoracic-extension-chair",
    "bench-thoracic-extension",
    "backward-shoulder-rolls",
    "laying-arm-extensions",
    "prone-w",
    "thoracic-iyt",
    "desk-reset-reach",
    "chin-tuck",
    "neck-flexion-extension",
    "seated-cervical-rotation",
    "breathing-360",
    "overhead-arm-raise",
];

#[test]
fn all_eighteen_builtins_load_with_doc_ids() {
    let (cat, errors) = Catalogue::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = cat.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, DOC_IDS);
    for (file, _) in BUILTIN {
        assert!(cat.get(file.trim_end_matches(".toml")).is_some(), "{file}");
    }
}

#[test]
fn a_rule_can_wait_longer_before_warning_but_not_for_ever() {
    let (cat, _) = Catalogue::builtin();
    let nod = cat.get("chin-tuck").and_then(|e| e.rule("no-nodding"));
    assert_eq!(nod.and_then(|r| r.dwell_s), Some(0.25));
    let text = BUILTIN
        .iter()
        .find(|(f, _)| *f == "chin-tuck.toml")
        .map(|(_, t)| *t)
        .unwrap_or_default()
        .replace("dwell_s = 0.25", "dwell_s = 5.0");
    let err = Exercise::from_toml(&text, "chin-tuck.toml").unwrap_err();
    assert!(err.to_string().contains("dwell_s"), "{err}");
}

#[test]
fn required_rule_ids_exist() {
    let (cat, _) = Catalogue::builtin();
    assert!(
        cat.get("thread-the-needle")
            .and_then(|e| e.rule("hips-still"))
            .is_some()
    );
    for id in [
        "thoracic-extension-chair",
        "bench-thoracic-extension",
        "laying-arm-extensions",
        "desk-reset-reach",
    ] {
        assert!(
            cat.get(id)
                .and_then(|e| e.rule("ribs-not-flaring"))
                .is_some(),
            "{id}"
        );
    }
}

#[test]
fn broken_user_file_names_file_and_line_and_others_load() {
    let dir = tempfile::tempdir().unwrap();
    let good = BUILTIN[2]
        .1
        .replace("id = \"cat-cow\"", "id = \"my-cat-cow\"");
    std::fs::write(dir.path().join("a-good.toml"), good).unwrap();
    let bad = BUILTIN[0]
        .1
        .replace("max_torso = 0.15", "max_torso = \"lots\"");
    std::fs::write(dir.path().join("b-bad.toml"), &bad).unwrap();
    let wrong_joint = BUILTIN[0].1.replace("\"left_knee\"", "\"left_kneee\"");
    std::fs::write(dir.path().join("c-joint.toml"), &wrong_joint).unwrap();
    let (cat, errors) = Catalogue::load(Some(dir.path()));
    assert_eq!(cat.len(), 19);
    assert!(cat.get("my-cat-cow").is_some());
    assert_eq!(errors.len(), 2, "{errors:?}");
    let first = errors[0].to_string();
    let expected_line = bad.lines().position(|l| l.contains("\"lots\"")).unwrap() + 1;
    assert!(first.contains("b-bad.toml"), "{first}");
    assert!(first.contains(&format!(":{expected_line}:")), "{first}");
    let second = errors[1].to_string();
    assert!(
        second.contains("c-joint.toml") && second.contains("left_kneee"),
        "{second}"
    );
}

/// Regression (issue 15): a user exercise linked to `/dev/zero` ate 18 GB
/// in 30 s, a FIFO hung the start, and a 1 MB cue took 162 s and 18.5 GB
/// to speak. Only regular files of a few kilobytes are read now, and
/// each is named when refused.
#[cfg(unix)]
#[test]
fn user_exercise_files_are_bounded_and_regular() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("a-zero.toml")).unwrap();
    let fifo = dir.path().join("b-fifo.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let big_cue = BUILTIN[0].1.replacen(
        "cue = \"",
        &format!("cue = \"{} ", "very ".repeat(200_000)),
        1,
    );
    std::fs::write(dir.path().join("c-big.toml"), &big_cue).unwrap();
    let long_cue =
        BUILTIN[0]
            .1
            .replacen("cue = \"", &format!("cue = \"{} ", "long ".repeat(60)), 1);
    std::fs::write(dir.path().join("d-cue.toml"), &long_cue).unwrap();
    let (cat, errors) = Catalogue::load(Some(dir.path()));
    assert_eq!(cat.len(), 18);
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 4, "{text:?}");
    assert!(text[0].contains("a-zero.toml") && text[0].contains("not a regular file"));
    assert!(text[1].contains("b-fifo.toml") && text[1].contains("not a regular file"));
    assert!(text[2].contains("c-big.toml") && text[2].contains("larger than"));
    assert!(text[3].contains("d-cue.toml") && text[3].contains("`cue` is longer"));
}

/// Regression (issue 15): `enter = nan` was accepted, and the exercise
/// then never counted a rep while reporting "Good form 100 %".
#[test]
fn non_finite_thresholds_are_errors_naming_file_and_line() {
    let base = BUILTIN[0].1;
    for bad in ["nan", "inf", "-inf"] {
        let text = base.replacen("max_torso = 0.15", &format!("max_torso = {bad}"), 1);
        assert_ne!(text, base, "the fixture has the threshold");
        let err = Exercise::from_toml(&text, "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_torso") && err.contains("finite"), "{err}");
        let header = text
            .lines()
            .position(|l| l.contains("id = \"hips-still\""))
            .unwrap();
        assert!(
            err.starts_with(&format!("mine.toml:{header}:"))
                || err.starts_with(&format!("mine.toml:{}:", header + 1)),
            "{err}"
        );
    }
}

// Fuzzing: user exercise files are outside data; any text, or a
// built-in with a stretch replaced by junk, gives a value, never a panic.
proptest::proptest! {
    #[test]
    fn any_exercise_text_loads_or_is_an_error(
        junk in "\\PC{0,300}",
        at in 0usize..4000,
    ) {
        let _ = Exercise::from_toml(&junk, "fuzz.toml");
        let base = BUILTIN[0].1;
        let mut cut = at.min(base.len());
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        let mixed = format!("{}{junk}{}", &base[..cut], &base[cut..]);
        if let Ok(ex) = Exercise::from_toml(&mixed, "fuzz.toml") {
            for r in &ex.rules {
                proptest::prop_assert!(r.cue.chars().count() <= MAX_TEXT_CHARS);
                proptest::prop_assert!(!r.cue.chars().any(char::is_control));
            }
        }
    }
}

/// Regression (issue 15): escape codes in a cue reached the terminal raw.
#[test]
fn control_characters_are_stripped_from_user_text() {
    let text = BUILTIN[0]
        .1
        .replacen("cue = \"", "cue = \"\\u001b[2J\\u0007", 1);
    let ex = Exercise::from_toml(&text, "x.toml").unwrap();
    assert!(
        ex.rules
            .iter()
            .all(|r| !r.cue.chars().any(char::is_control))
    );
    assert!(
        ex.rules.iter().any(|r| r.cue.starts_with("[2J")),
        "{:?}",
        ex.rules
    );
}

#[test]
fn semantic_error_points_at_the_rule() {
    let text = BUILTIN[0]
        .1
        .replace("kind = \"still\"", "kind = \"wobble\"");
    let err = Exercise::from_toml(&text, "x.toml")
        .unwrap_err()
        .to_string();
    let rule_line = text
        .lines()
        .position(|l| l.contains("id = \"hips-still\""))
        .unwrap();
    assert!(err.contains("wobble"), "{err}");
    // The span of the [[rules]] table starts on its header or first key.
    assert!(
        err.contains(&format!("x.toml:{rule_line}:"))
            || err.contains(&format!("x.toml:{}:", rule_line + 1)),
        "{err}"
    );
}

#[test]
fn range_of_motion_units_are_read_from_the_first_progress_measure() {
    let (cat, _) = Catalogue::builtin();
    let unit = |id: &str| cat.get(id).map(Exercise::rom_unit);
    // Angles, distances in torso lengths, and breathing, which measures none.
    assert_eq!(unit("thread-the-needle"), Some("deg"));
    assert_eq!(unit("chin-tuck"), Some("torso"));
    assert_eq!(unit("breathing-360"), Some(""));
}

#[test]
fn a_motion_that_names_what_is_not_there_is_refused_with_its_line() {
    let text = BUILTIN
        .iter()
        .find(|(f, _)| *f == "chin-tuck.toml")
        .map(|(_, t)| *t)
        .unwrap_or_default();
    let motion_line = text.lines().position(|l| l == "[motion]").unwrap() + 1;
    for (from, to, says) in [
        ("rule = \"no-nodding\"", "rule = \"no-noding\"", "no-noding"),
        ("{ key = 1,", "{ key = 7,", "key 7"),
        ("base = \"seated\"", "like = 0", "base"),
        ("hold_s = 2.5 }", "hold_s = nan }", "0 to 120 s"),
        (
            "neck = [-22.0, 0.0, 0.0]",
            "neck = [-22.0, inf, 0.0]",
            "not finite",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let err = Exercise::from_toml(&text.replacen(from, to, 1), "chin-tuck.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(says), "{from}: {msg}");
        assert!(
            msg.contains(&format!("chin-tuck.toml:{motion_line}:")),
            "{msg}"
        );
    }
    // An unknown base position is a parse error naming its line.
    let err = Exercise::from_toml(
        &text.replacen("base = \"seated\"", "base = \"hanging\"", 1),
        "chin-tuck.toml",
    )
    .unwrap_err();
    assert!(err.to_string().contains("hanging"), "{err}");
    // A file without a motion is still coached; it just has no drawing.
    let cut = text.find("\n# How a synthetic person").unwrap();
    let ex = Exercise::from_toml(&text[..cut], "chin-tuck.toml").unwrap();
    assert!(ex.motion.is_none());
}

/// `during_out` names the way out of a rep, so it needs `during` to say
/// which rep; without it the file is refused, naming the rule.
#[test]
fn during_out_without_during_is_an_error() {
    let (_, cat_cow) = BUILTIN
        .iter()
        .find(|(name, _)| name.starts_with("cat-cow"))
        .unwrap();
    let text = cat_cow.replace("during = \"cat-cow-cycle\"\n", "");
    let err = Exercise::from_toml(&text, "cat-cow.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("push-floor-away") && err.contains("during_out"),
        "{err}"
    );
    assert!(Exercise::from_toml(cat_cow, "cat-cow.toml").is_ok());
}
