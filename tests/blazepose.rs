//! BlazePose on real photographs and videos: landmarks land on the body,
//! rotating the picture does not move them, tracking skips the detector, and
//! bad inputs give honest empty answers instead of panics.
//!
//! Needs the fixtures (`FORMCOACH_FIXTURES`, e.g. /work/shared/fixtures) and
//! the converted models; each test says so and returns when the fixtures are
//! missing.

use std::path::{Path, PathBuf};

use formcoach::models::runtime::SessionOptions;
use formcoach::pose::blazepose::BlazePose;
use formcoach::pose::{BLAZEPOSE_33, Joint, Person, PoseEstimator};
use image::RgbImage;

fn fixtures(test: &str) -> Option<PathBuf> {
    match std::env::var_os("FORMCOACH_FIXTURES") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => {
            eprintln!(
                "{test}: skipped, FORMCOACH_FIXTURES is not set (point it at the fixtures folder)"
            );
            None
        }
    }
}

fn open(model: &str, tracking: bool) -> BlazePose {
    // Fetched here as the commands do: the estimator itself never fetches.
    formcoach::models::fetch_missing(
        &formcoach::pose::required_models(model),
        &formcoach::models::fetch::Progress::stderr(),
    )
    .expect("models fetched");
    // One thread per session: tests run in parallel on a small machine.
    let mut bp = BlazePose::open(
        model,
        SessionOptions {
            intra_threads: 1,
            ..SessionOptions::default()
        },
    )
    .expect("model opens");
    bp.set_tracking(tracking);
    bp
}

fn read(fx: &Path, name: &str) -> RgbImage {
    image::open(fx.join("images").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .to_rgb8()
}

fn kp(p: &Person, j: Joint) -> (f32, f32) {
    let k = p.keypoint(j).expect("every BlazePose joint is reported");
    (k.x, k.y)
}

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// Shoulder-to-hip length, the body scale errors are measured against.
fn torso_px(p: &Person) -> f32 {
    let mid = |a: (f32, f32), b: (f32, f32)| (f32::midpoint(a.0, b.0), f32::midpoint(a.1, b.1));
    dist(
        mid(kp(p, Joint::LeftShoulder), kp(p, Joint::RightShoulder)),
        mid(kp(p, Joint::LeftHip), kp(p, Joint::RightHip)),
    )
}

#[test]
fn landmarks_match_hand_labels_on_a_standing_photo() {
    let Some(fx) = fixtures("landmarks_match_hand_labels_on_a_standing_photo") else {
        return;
    };
    let mut bp = open("blazepose-full", false);
    let img = read(&fx, "standing_coco_01.jpg");
    let est = bp.estimate(&img).expect("runs");
    assert_eq!(est.people.len(), 1);
    let p = &est.people[0];
    assert_eq!(p.keypoints.len(), 33);
    assert!(p.score > 0.9, "pose flag {}", p.score);
    // COCO's human labels for image 785 (annotations/mmpose_test_coco.json),
    // all 17 joints visible: x, y pairs in COCO order.
    let truth = [
        367, 81, 374, 73, 360, 75, 386, 78, 356, 81, 399, 108, 358, 129, 433, 142, 341, 159, 449,
        165, 309, 178, 424, 203, 393, 214, 429, 294, 367, 273, 466, 362, 396, 341,
    ];
    let errors: Vec<f32> = formcoach::pose::COCO_17
        .iter()
        .zip(truth.chunks(2))
        .map(|(&j, t)| dist(kp(p, j), (t[0] as f32, t[1] as f32)))
        .collect();
    let torso = torso_px(p);
    eprintln!("standing_coco_01: torso {torso:.0} px, errors {errors:.0?}");
    assert!(
        median(errors.clone()) < 0.1 * torso,
        "median error too large"
    );
    assert!(
        errors.iter().all(|&e| e < 0.3 * torso),
        "a joint is far off"
    );

    // World points: metres, hip-centred, 33 of them, the head above the hips.
    let img = read(&fx, "standing_neutral_01.jpg");
    let est = bp.estimate(&img).expect("runs");
    let p = est.people.first().expect("person");
    let world = p.world.as_ref().expect("world points");
    assert_eq!(world.len(), 33);
    let nose = p.world_point(Joint::Nose).expect("nose");
    assert!(nose.y < -0.3 && nose.y > -1.2, "nose {nose:?}");
    let lh = p.world_point(Joint::LeftHip).expect("hip");
    let rh = p.world_point(Joint::RightHip).expect("hip");
    assert!(f32::midpoint(lh.x, rh.x).abs() < 0.05 && f32::midpoint(lh.y, rh.y).abs() < 0.05);
}

#[test]
fn finds_the_person_in_every_family_blazepose_handles() {
    let Some(fx) = fixtures("finds_the_person_in_every_family_blazepose_handles") else {
        return;
    };
    let mut bp = open("blazepose-full", false);
    // One photo per family; lying and kneeling bodies are where the rotated
    // crop matters.
    let photos = [
        "allfours_01.jpg",
        "kneeling_02.jpg",
        "sidelying_01.jpg",
        "prone_01.jpg",
        "seated_chair_03.jpg",
        "seated_floor_02.jpg",
        "standing_arms_overhead_01.jpg",
        "neck_tilt_01.jpg",
    ];
    for name in photos {
        let img = read(&fx, name);
        let est = bp.estimate(&img).expect("runs");
        assert_eq!(est.people.len(), 1, "{name}: expected one person");
        let p = &est.people[0];
        let (w, h) = (img.width() as f32, img.height() as f32);
        let torso = torso_px(p);
        assert!(
            torso > 0.05 * w.max(h) && torso < w.max(h),
            "{name}: torso {torso}"
        );
        // Shoulders and hips are confident and inside the picture.
        for j in [
            Joint::LeftShoulder,
            Joint::RightShoulder,
            Joint::LeftHip,
            Joint::RightHip,
        ] {
            let k = p.keypoint(j).expect("joint");
            assert!(
                k.x > -0.02 * w && k.x < 1.02 * w && k.y > -0.02 * h && k.y < 1.02 * h,
                "{name}: {k:?}"
            );
        }
        let visible = p.keypoints.iter().filter(|k| k.score > 0.5).count();
        eprintln!(
            "{name}: pose flag {:.2}, {visible} of 33 visible, torso {torso:.0} px",
            p.score
        );
        assert!(visible >= 10, "{name}: only {visible} visible joints");
    }
}

/// Maps a point of an image rotated by `quarter_turns` x 90 degrees
/// clockwise back to the original image (continuous pixel coordinates).
fn unrotate(p: (f32, f32), quarter_turns: u32, w: f32, h: f32) -> (f32, f32) {
    match quarter_turns % 4 {
        1 => (p.1, h - p.0),
        2 => (w - p.0, h - p.1),
        3 => (w - p.1, p.0),
        _ => p,
    }
}

#[test]
fn rotating_the_photo_barely_moves_the_landmarks() {
    let Some(fx) = fixtures("rotating_the_photo_barely_moves_the_landmarks") else {
        return;
    };
    let mut bp = open("blazepose-full", false);
    for name in [
        "standing_neutral_01.jpg",
        "sidelying_01.jpg",
        "allfours_01.jpg",
    ] {
        let img = read(&fx, name);
        let (w, h) = (img.width() as f32, img.height() as f32);
        let base = bp.estimate(&img).expect("runs");
        let base = base.people.first().expect("person upright").clone();
        let scale = torso_px(&base);
        for turns in [1_u32, 2] {
            let rotated = if turns == 1 {
                image::imageops::rotate90(&img)
            } else {
                image::imageops::rotate180(&img)
            };
            let est = bp.estimate(&rotated).expect("runs");
            let p = est.people.first().expect("person rotated");
            let moved: Vec<f32> = BLAZEPOSE_33
                .iter()
                .filter(|&&j| base.keypoint(j).is_some_and(|k| k.score > 0.5))
                .map(|&j| dist(kp(&base, j), unrotate(kp(p, j), turns, w, h)))
                .collect();
            let med = median(moved.clone());
            let worst = moved.iter().copied().fold(0.0, f32::max);
            eprintln!(
                "{name} rotated {}: median move {med:.1} px, worst {worst:.1} px (torso {scale:.0} px)",
                turns * 90
            );
            assert!(med < 0.04 * scale + 2.0, "{name}: median move {med}");
            assert!(worst < 0.25 * scale, "{name}: worst move {worst}");
        }
    }
}

fn video_frames(path: &Path) -> Vec<RgbImage> {
    formcoach::source::open_frames(path, 30.0)
        .expect("video opens")
        .map(|f| f.expect("frame decodes").image)
        .collect()
}

#[test]
fn tracking_skips_the_detector_and_recovers() {
    let Some(fx) = fixtures("tracking_skips_the_detector_and_recovers") else {
        return;
    };
    let frames = video_frames(&fx.join("video/exercise_squats_01.mp4"));
    assert!(frames.len() > 40, "{} frames", frames.len());
    let mut bp = open("blazepose-full", true);

    // Against the published BlazePose reference for this clip (TF.js, full).
    let text =
        std::fs::read_to_string(fx.join("annotations/tfjs_pose_squats_blazepose_reference.json"))
            .expect("reference");
    let reference: Vec<Vec<[f32; 3]>> = serde_json::from_str(&text).expect("reference parses");
    let mut errors = Vec::new();
    let mut torso = 0.0;
    for (frame, refs) in frames.iter().zip(&reference) {
        let est = bp.estimate(frame).expect("runs");
        let p = est.people.first().expect("the squatting person is tracked");
        torso = torso_px(p);
        for (k, r) in p.keypoints.iter().zip(refs) {
            errors.push(dist((k.x, k.y), (r[0], r[1])));
        }
    }
    let runs = bp.detector_runs();
    let n = frames.len().min(reference.len());
    let med = median(errors);
    eprintln!(
        "exercise_squats_01: {n} frames, detector ran {runs} times, median distance to the reference {med:.1} px (torso {torso:.0} px)"
    );
    assert!(runs <= 3, "detector ran {runs} times in {n} frames");
    assert!(med < 0.05 * torso, "median {med} px from the reference");

    // The person leaves (10 empty frames) and comes back.
    bp.reset();
    let before = bp.detector_runs();
    let empty = RgbImage::from_pixel(
        frames[0].width(),
        frames[0].height(),
        image::Rgb([90, 90, 90]),
    );
    let mut seen = Vec::new();
    for frame in frames[..15]
        .iter()
        .chain(std::iter::repeat_n(&empty, 10))
        .chain(&frames[15..30])
    {
        seen.push(!bp.estimate(frame).expect("runs").people.is_empty());
    }
    let runs = bp.detector_runs() - before;
    eprintln!("leave and come back: 40 frames, detector ran {runs} times, seen {seen:?}");
    assert!(seen[..15].iter().all(|&s| s), "tracked before leaving");
    assert!(seen[15..25].iter().all(|&s| !s), "nobody while empty");
    assert!(seen[25..].iter().all(|&s| s), "found again on return");
    // Once at the start, about once per empty frame, once on return.
    assert!(runs <= 14, "detector ran {runs} times");
}

#[test]
fn warming_up_changes_no_landmark() {
    // The window warms the model up on a blank picture before the first
    // frame; what it then sees must be what a cold model sees.
    let Some(fx) = fixtures("warming_up_changes_no_landmark") else {
        return;
    };
    let frames = video_frames(&fx.join("video/exercise_squats_01.mp4"));
    let mut cold = open("blazepose-full", true);
    let mut warm = open("blazepose-full", true);
    formcoach::pose::warm_up(&mut warm).expect("warms up");
    for (i, frame) in frames.iter().take(5).enumerate() {
        let (a, b) = (
            cold.estimate(frame).expect("runs"),
            warm.estimate(frame).expect("runs"),
        );
        assert_eq!(a.people.len(), b.people.len(), "frame {i}");
        for (p, q) in a.people.iter().zip(&b.people) {
            for (k, l) in p.keypoints.iter().zip(&q.keypoints) {
                let d = dist((k.x, k.y), (l.x, l.y));
                assert!(d < 0.01, "frame {i}, {:?} moved {d} px", k.joint);
            }
        }
    }
}

#[test]
fn detector_runs_on_every_fixture_video() {
    let Some(fx) = fixtures("detector_runs_on_every_fixture_video") else {
        return;
    };
    let mut dir: Vec<PathBuf> = std::fs::read_dir(fx.join("video"))
        .expect("video folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    dir.sort();
    let mut bp = open("blazepose-lite", true);
    for path in dir {
        bp.reset();
        let before = bp.detector_runs();
        // The first five seconds of each clip: the person is found, then
        // tracked. `real_clips.rs` tracks the labelled clips whole with the
        // default model; going through them twice in a debug build cost CI
        // minutes.
        let frames: Vec<RgbImage> = formcoach::source::open_frames(&path, 30.0)
            .expect("video opens")
            .take(150)
            .map(|f| f.expect("frame decodes").image)
            .collect();
        let mut with_person = 0;
        for frame in &frames {
            if !bp.estimate(frame).expect("runs").people.is_empty() {
                with_person += 1;
            }
        }
        let runs = bp.detector_runs() - before;
        eprintln!(
            "{}: {} frames, person in {with_person}, detector ran {runs} times",
            path.display(),
            frames.len()
        );
        // Tracking must skip the detector on most frames with a person.
        assert!(runs as usize <= frames.len() - with_person + with_person / 4 + 1);
    }
}

#[test]
fn bad_inputs_give_honest_answers() {
    let Some(fx) = fixtures("bad_inputs_give_honest_answers") else {
        return;
    };
    let mut bp = open("blazepose-full", false);

    // Nobody there.
    let wall = RgbImage::from_pixel(640, 480, image::Rgb([200, 190, 180]));
    assert!(bp.estimate(&wall).expect("runs").people.is_empty());
    let mut noise = RgbImage::new(320, 240);
    let mut seed = 12345_u32;
    for p in noise.pixels_mut() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let v = (seed >> 16) as u8;
        *p = image::Rgb([v, v.wrapping_mul(3), v.wrapping_add(77)]);
    }
    let est = bp.estimate(&noise).expect("runs");
    assert!(est.people.iter().all(|p| p.score < 1.0));

    // Degenerate sizes.
    assert!(bp.estimate(&RgbImage::new(0, 0)).is_err());
    for (w, h) in [(1, 1), (3, 500), (500, 2)] {
        let est = bp.estimate(&RgbImage::new(w, h)).expect("tiny frames run");
        assert!(est.people.is_empty());
    }

    // Two people: one followed, the other reported.
    let couple = read(&fx, "multi_partner_03.jpg");
    let est = bp.estimate(&couple).expect("runs");
    eprintln!(
        "multi_partner_03: {} people, others_present {}",
        est.people.len(),
        est.others_present
    );
    assert_eq!(est.people.len(), 1);
    assert!(est.others_present >= 1);

    // Cut off at the edge: the top half of a standing person.
    let img = read(&fx, "standing_neutral_01.jpg");
    let top = image::imageops::crop_imm(&img, 0, 0, img.width(), img.height() / 2).to_image();
    let est = bp.estimate(&top).expect("runs");
    if let Some(p) = est.people.first() {
        let ankle = p.keypoint(Joint::LeftAnkle).expect("ankle");
        eprintln!(
            "cut at the waist: pose flag {:.2}, left ankle visibility {:.2}",
            p.score, ankle.score
        );
        assert!(
            ankle.score < 0.5,
            "an ankle outside the picture cannot be visible"
        );
    } else {
        eprintln!("cut at the waist: nobody found");
    }

    // Tiny and far: the standing photo shrunk to 1/10 into a large frame.
    let small = image::imageops::resize(&img, 40, 64, image::imageops::FilterType::Triangle);
    let mut far = RgbImage::from_pixel(1280, 720, image::Rgb([240, 240, 240]));
    image::imageops::overlay(&mut far, &small, 700, 400);
    let est = bp.estimate(&far).expect("runs");
    for p in &est.people {
        assert!((0.0..=1.0).contains(&p.score));
        assert!(
            p.keypoints
                .iter()
                .all(|k| k.x.is_finite() && k.y.is_finite())
        );
        assert!(p.keypoints.iter().all(|k| (0.0..=1.0).contains(&k.score)));
    }
    eprintln!(
        "tiny far person: {}",
        est.people.first().map_or_else(
            || "not found".to_owned(),
            |p| format!("found, pose flag {:.2}", p.score)
        )
    );
}
