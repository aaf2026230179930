//! Embeds every exercise file in `src/coach/exercises/` so the built-in
//! catalogue is the folder itself: adding an exercise is adding a file, and
//! no list in Rust has to be kept in step with it.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("src/coach/exercises");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(u32, String)> = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            println!("cargo:warning=cannot read {}: {e}", dir.display());
            write_list(&[]);
            return;
        }
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        files.push((order_of(&text), name.to_owned()));
    }
    files.sort();
    write_list(&files);
}

/// The file's `order = N` line: the catalogue (and the picker) list the
/// built-ins in this order; files without one come last, by name.
fn order_of(text: &str) -> u32 {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("order"))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .find_map(|n| n.trim().parse().ok())
        .unwrap_or(u32::MAX)
}

fn write_list(files: &[(u32, String)]) {
    let mut out = String::from("&[\n");
    for (_, name) in files {
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/src/coach/exercises/{name}\"))),"
        );
    }
    out.push(']');
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        println!("cargo:warning=OUT_DIR is not set");
        return;
    };
    let target = Path::new(&out_dir).join("builtin_exercises.rs");
    if let Err(e) = std::fs::write(&target, out) {
        println!("cargo:warning=cannot write {}: {e}", target.display());
    }
}
