//! The preprocessing of one 1280 x 720 camera frame, stage by stage: the
//! tracking warp into the 256 landmark input (a small ROI sampled directly,
//! a large one shrunk first, a rotated one, and one far larger than the
//! frame) and the detector's letterbox
//! into 224. Together with `formcoach bench --video`, this is where the
//! "preprocessing at memory speed" figures come from.

use criterion::{Criterion, criterion_group, criterion_main};
use formcoach::pose::blazepose::roi::{Roi, RoiWarper};
use formcoach::pose::letterbox::LetterboxResizer;
use image::RgbImage;
use std::hint::black_box;

/// A camera-sized frame with detail everywhere (a smooth picture would let
/// no stage look faster than it is; the cost does not depend on content).
fn frame() -> RgbImage {
    RgbImage::from_fn(1280, 720, |x, y| {
        image::Rgb([
            (x.wrapping_mul(7) ^ y.wrapping_mul(3)) as u8,
            (x / 3 + y * 5) as u8,
            ((x * y) >> 4) as u8,
        ])
    })
}

fn warp(c: &mut Criterion) {
    let frame = frame();
    let mut warper = RoiWarper::default();
    let mut out = vec![0.0_f32; 256 * 256 * 3];
    let rois = [
        ("warp 256, ROI 300 px (direct)", 300.0, 0.0),
        ("warp 256, ROI 700 px (shrunk first)", 700.0, 0.0),
        (
            "warp 256, ROI 700 px turned 90 deg",
            700.0,
            std::f32::consts::FRAC_PI_2,
        ),
        // Upper body close to a webcam: the hips are below the frame and the
        // ROI is about three frames wide, mostly outside the picture.
        ("warp 256, ROI 4000 px (close to the camera)", 4000.0, 0.0),
    ];
    for (name, side, rotation) in rois {
        let roi = Roi {
            center_x: 640.0,
            center_y: 360.0,
            side,
            rotation,
        };
        c.bench_function(name, |b| {
            b.iter(|| {
                warper
                    .warp_into(black_box(&frame), &roi, 256, (0.0, 1.0), &mut out)
                    .map(|()| black_box(out[0]))
            });
        });
    }
}

fn letterbox(c: &mut Criterion) {
    let frame = frame();
    let mut resizer = LetterboxResizer::new(224);
    let mut out = vec![0.0_f32; 224 * 224 * 3];
    c.bench_function("letterbox 1280x720 into 224", |b| {
        b.iter(|| {
            resizer
                .run_into(black_box(&frame), &mut out, -1.0, |v| {
                    f32::from(v) / 127.5 - 1.0
                })
                .map(|lb| black_box(lb.pad_y))
        });
    });
}

criterion_group!(benches, warp, letterbox);
criterion_main!(benches);
