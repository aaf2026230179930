//! The mobility check's angles on real photographs, against angles measured
//! by hand on the same pictures (within 10°, the bar).
//!
//! The hand figures were read off the images on a 50-pixel grid, from the
//! landmarks as a person sees them (joint centres inside the clothes):
//! - arms overhead (front view): the angle between shoulder-to-elbow and the
//!   trunk line (mid-shoulders to mid-hips) in the picture. 01: right
//!   shoulder (360,290) elbow (365,185), left (490,290)/(495,180), hips'
//!   middle (435,550): 175° and 175°. 02: right (370,260)/(345,160), left
//!   (495,255)/(515,150), hips (442,515): 168° and 167°. 03: right
//!   (365,265)/(337,190), left (478,262)/(520,190), hips (427,470): 161° and
//!   149°. 04 (stick overhead, elbows out): right (355,190)/(255,178), left
//!   (490,190)/(580,175), hips (430,435): 99° and 98°.
//! - standing rotation (the ball held straight ahead): the chest faces
//!   along the arms; the near arm, shoulder (492,160) to wrist (280,190),
//!   is 214 px against the 248 px a full-length arm would be at this trunk
//!   height (215 px; arm 0.332 and trunk 0.288 of body height, Drillis and
//!   Contini's segment proportions), so it points 30° out of the picture
//!   and the chest is turned about 60° to his right; the shorts are about
//!   as wide as a pelvis seen from the front (145 px against about 142),
//!   so the pelvis is turned 0-30°, about 20°: about 40° to the right.
//! - neck turn: head yaw from the eyes (142,165) and (186,155) and the seen
//!   ear (240,170) with a round head (ear 7.5 cm and eyes 9.5 cm from its
//!   centre, eyes 6.4 cm apart): 20° to his right; shoulders from their
//!   span, about (168,312) to (315,296), about 147 px against about 240
//!   (0.32 m at the head's 750 px/m): turned about 52° to his right (his
//!   left forearm crosses in front, so his left side is the nearer); the
//!   head is turned about 31° left of the shoulders (26-36° by the
//!   readings' spread).
//!
//! Needs the fixtures (`FORMCOACH_FIXTURES`) and the models; says so and
//! returns without them.

mod common;

use std::path::Path;

use formcoach::mobility::{Figure, Measure, measure_frames};
use formcoach::models::runtime::SessionOptions;
use formcoach::pose::blazepose::BlazePose;
use formcoach::pose::estimate_frame;

/// Widest gap between the check and the hand measure, degrees.
const TOLERANCE_DEG: f64 = 10.0;

fn open() -> BlazePose {
    formcoach::models::fetch_missing(
        &formcoach::pose::required_models_with("blazepose-full", false),
        &formcoach::models::fetch::Progress::stderr(),
    )
    .expect("models fetched");
    let mut bp = BlazePose::open(
        "blazepose-full",
        SessionOptions {
            intra_threads: 1,
            ..SessionOptions::default()
        },
    )
    .expect("model opens");
    bp.set_tracking(false);
    bp
}

fn figure(bp: &mut BlazePose, path: &Path, measure: Measure) -> Figure {
    let image = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    let (frame, _) = estimate_frame(bp, &image, None).expect("estimate runs");
    let fig = measure_frames(measure, [&frame]);
    eprintln!("{}: {}", path.display(), fig.line());
    fig
}

fn close(name: &str, got: Option<f64>, hand: f64) {
    let got = got.unwrap_or_else(|| panic!("{name}: not measured"));
    assert!(
        (got - hand).abs() <= TOLERANCE_DEG,
        "{name}: the check reads {got:.1}°, measured by hand {hand:.0}°"
    );
}

#[test]
fn the_checks_angles_agree_with_hand_measures_on_stills() {
    let Some(dir) = common::fixtures("the_checks_angles_agree_with_hand_measures_on_stills") else {
        return;
    };
    let images = dir.join("images");
    let mut bp = open();
    // (file, left arm, right arm), degrees by hand.
    for (file, left, right) in [
        ("standing_arms_overhead_01.jpg", 175.0, 175.0),
        ("standing_arms_overhead_02.jpg", 167.0, 168.0),
        ("standing_arms_overhead_03.jpg", 149.0, 161.0),
        ("standing_arms_overhead_04.jpg", 98.0, 99.0),
    ] {
        let fig = figure(&mut bp, &images.join(file), Measure::ArmsOverhead);
        close(&format!("{file} left arm"), fig.left_deg, left);
        close(&format!("{file} right arm"), fig.right_deg, right);
    }
    let rotation = figure(
        &mut bp,
        &images.join("standing_rotation_01.jpg"),
        Measure::ThoracicRotation,
    );
    close(
        "standing_rotation_01 to the right",
        rotation.right_deg,
        40.0,
    );
    assert_eq!(rotation.left_deg, None, "a turn one way only");
    let neck = figure(
        &mut bp,
        &images.join("neck_turn_01.jpg"),
        Measure::NeckRotation,
    );
    close("neck_turn_01 to the left", neck.left_deg, 31.0);
}
