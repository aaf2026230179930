//! The back's curve read from BlazePose's silhouette on real photographs:
//! the rounded cat reads more flexion than the flat tabletop it starts from,
//! and the prone chest lift's low back reads extension.
//!
//! Needs the fixtures (`FORMCOACH_FIXTURES`, e.g. /work/shared/fixtures) and
//! the converted models; each test says so and returns when the fixtures are
//! missing.

mod common;

use std::path::Path;

use formcoach::models::runtime::SessionOptions;
use formcoach::pose::PoseEstimator;
use formcoach::pose::blazepose::BlazePose;
use formcoach::pose::spine::{self, SpineMeasure};

fn spine_of(bp: &mut BlazePose, path: &Path) -> SpineMeasure {
    let image = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    bp.reset();
    let estimate = bp.estimate(&image).expect("estimate runs");
    let person = estimate.people.first().expect("a person is found");
    let mask = bp.segmentation().expect("the mask graph keeps a mask");
    let measure = spine::measure(person, mask)
        .unwrap_or_else(|| panic!("{}: no spine in a side view", path.display()))
        .measure;
    eprintln!("{}: {measure:?}", path.display());
    measure
}

/// Fetches what `blazepose-full` needs, with or without its mask graph, as
/// the commands do: the estimator itself never fetches.
fn fetch(segmentation: bool) {
    formcoach::models::fetch_missing(
        &formcoach::pose::required_models_with("blazepose-full", segmentation),
        &formcoach::models::fetch::Progress::stderr(),
    )
    .expect("models fetched");
}

fn open() -> BlazePose {
    fetch(true);
    // One thread: tests run in parallel on a small machine.
    let mut bp = BlazePose::open_with(
        "blazepose-full",
        SessionOptions {
            intra_threads: 1,
            ..SessionOptions::default()
        },
        true,
    )
    .expect("model opens");
    bp.set_tracking(false);
    bp
}

#[test]
fn the_rounded_cat_reads_more_flexion_than_the_flat_tabletop() {
    let Some(dir) = common::fixtures("the_rounded_cat_reads_more_flexion_than_the_flat_tabletop")
    else {
        return;
    };
    let images = dir.join("images");
    let mut bp = open();
    let flat = spine_of(&mut bp, &images.join("allfours_01.jpg"));
    let cat = spine_of(&mut bp, &images.join("allfours_02.jpg"));
    assert!(
        flat.confidence >= 0.5 && cat.confidence >= 0.5,
        "{flat:?} {cat:?}"
    );
    // Measured: tabletop about 15 degrees, cat about 36.
    assert!(
        cat.thoracic_curve_deg >= flat.thoracic_curve_deg + 12.0,
        "cat {cat:?} against tabletop {flat:?}"
    );
    assert!(cat.thoracic_curve_deg > 20.0, "{cat:?}");
}

#[test]
fn the_prone_chest_lift_reads_low_back_extension() {
    let Some(dir) = common::fixtures("the_prone_chest_lift_reads_low_back_extension") else {
        return;
    };
    let path = dir.join("images/prone_02.jpg");
    if !path.exists() {
        eprintln!("SKIPPED: {} is not in the fixtures", path.display());
        return;
    }
    let mut bp = open();
    let lift = spine_of(&mut bp, &path);
    // Measured: about -43 degrees (the upper back's silhouette stays convex
    // over the shoulder blades, so the thoracic value is not asserted).
    assert!(lift.lumbar_curve_deg < -15.0, "{lift:?}");
}

#[test]
fn without_the_mask_graph_there_is_no_mask() {
    let Some(dir) = common::fixtures("without_the_mask_graph_there_is_no_mask") else {
        return;
    };
    let image = image::open(dir.join("images/allfours_01.jpg"))
        .expect("fixture opens")
        .to_rgb8();
    fetch(false);
    let mut bp = BlazePose::open(
        "blazepose-full",
        SessionOptions {
            intra_threads: 1,
            ..SessionOptions::default()
        },
    )
    .expect("model opens");
    bp.set_tracking(false);
    let estimate = bp.estimate(&image).expect("estimate runs");
    assert_eq!(estimate.people.len(), 1);
    assert!(bp.segmentation().is_none());
}
