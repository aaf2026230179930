//! Skeleton overlays on still images (`formcoach pose --draw`).
//!
//! Joints the model is unsure of are drawn faded rather than hidden, so a
//! person looking at the overlay sees both where the model put them and that
//! it was guessing.

use image::{Rgba, RgbaImage};
use imageproc::drawing::{Blend, draw_filled_circle_mut, draw_polygon_mut};
use imageproc::point::Point;

use super::{Joint, Person};

/// Below this keypoint score a joint and its bones are drawn faded.
pub const CONFIDENT_SCORE: f32 = 0.3;

/// Bones drawn between joints; pairs missing from a model's keypoints are skipped.
pub const BONES: [(Joint, Joint); 22] = [
    (Joint::LeftShoulder, Joint::RightShoulder),
    (Joint::LeftShoulder, Joint::LeftElbow),
    (Joint::LeftElbow, Joint::LeftWrist),
    (Joint::RightShoulder, Joint::RightElbow),
    (Joint::RightElbow, Joint::RightWrist),
    (Joint::LeftShoulder, Joint::LeftHip),
    (Joint::RightShoulder, Joint::RightHip),
    (Joint::LeftHip, Joint::RightHip),
    (Joint::LeftHip, Joint::LeftKnee),
    (Joint::LeftKnee, Joint::LeftAnkle),
    (Joint::RightHip, Joint::RightKnee),
    (Joint::RightKnee, Joint::RightAnkle),
    (Joint::Nose, Joint::LeftEye),
    (Joint::Nose, Joint::RightEye),
    (Joint::LeftEye, Joint::LeftEar),
    (Joint::RightEye, Joint::RightEar),
    (Joint::LeftAnkle, Joint::LeftHeel),
    (Joint::LeftHeel, Joint::LeftFootIndex),
    (Joint::RightAnkle, Joint::RightHeel),
    (Joint::RightHeel, Joint::RightFootIndex),
    (Joint::LeftWrist, Joint::LeftIndex),
    (Joint::RightWrist, Joint::RightIndex),
];

/// Colour-blind-safe colours (colour-universal-design palette): the person's
/// left in orange, right in sky blue, the midline in yellow.
const LEFT: [u8; 3] = [230, 159, 0];
const RIGHT: [u8; 3] = [86, 180, 233];
const MIDDLE: [u8; 3] = [240, 228, 66];

fn side_colour(a: Joint, b: Joint) -> [u8; 3] {
    let left = |j: Joint| j.name().starts_with("left_");
    let right = |j: Joint| j.name().starts_with("right_");
    if left(a) && left(b) {
        LEFT
    } else if right(a) && right(b) {
        RIGHT
    } else {
        MIDDLE
    }
}

/// Draws every person's skeleton over the image.
#[must_use]
pub fn draw_people(image: &image::RgbImage, people: &[Person]) -> RgbaImage {
    let mut canvas = Blend(image::DynamicImage::ImageRgb8(image.clone()).to_rgba8());
    let diag = f32::hypot(image.width() as f32, image.height() as f32);
    let width = (diag / 250.0).clamp(2.0, 12.0);
    for person in people {
        for (a, b) in BONES {
            let (Some(ka), Some(kb)) = (person.keypoint(a), person.keypoint(b)) else {
                continue;
            };
            if !(ka.x.is_finite() && ka.y.is_finite() && kb.x.is_finite() && kb.y.is_finite()) {
                continue;
            }
            let alpha = if ka.score.min(kb.score) >= CONFIDENT_SCORE {
                235
            } else {
                80
            };
            let [r, g, bl] = side_colour(a, b);
            thick_line(
                &mut canvas,
                (ka.x, ka.y),
                (kb.x, kb.y),
                width,
                Rgba([r, g, bl, alpha]),
            );
        }
        for k in &person.keypoints {
            if !(k.x.is_finite() && k.y.is_finite()) {
                continue;
            }
            let alpha = if k.score >= CONFIDENT_SCORE { 255 } else { 80 };
            let radius = (width * 1.3).round() as i32;
            let centre = (k.x.round() as i32, k.y.round() as i32);
            draw_filled_circle_mut(&mut canvas, centre, radius + 1, Rgba([20, 20, 20, alpha]));
            draw_filled_circle_mut(&mut canvas, centre, radius, Rgba([255, 255, 255, alpha]));
        }
    }
    canvas.0
}

/// Colour of the traced back line: bluish green, apart from the skeleton's
/// orange, sky blue and yellow.
const BACK_LINE: [u8; 3] = [0, 158, 115];

/// Draws a traced back line (frame pixels, hip end first) over an overlay,
/// with a dark outline so it shows on light and dark clothes alike.
pub fn draw_back_line(overlay: &mut RgbaImage, line: &[(f32, f32)]) {
    let diag = f32::hypot(overlay.width() as f32, overlay.height() as f32);
    let width = (diag / 300.0).clamp(2.0, 10.0);
    let mut canvas = Blend(std::mem::take(overlay));
    for (colour, w) in [([20, 20, 20], width + 2.0), (BACK_LINE, width)] {
        for pair in line.windows(2) {
            let [r, g, b] = colour;
            thick_line(&mut canvas, pair[0], pair[1], w, Rgba([r, g, b, 255]));
        }
        for &(x, y) in line {
            if x.is_finite() && y.is_finite() {
                let centre = (x.round() as i32, y.round() as i32);
                let [r, g, b] = colour;
                draw_filled_circle_mut(
                    &mut canvas,
                    centre,
                    (w / 2.0).round() as i32,
                    Rgba([r, g, b, 255]),
                );
            }
        }
    }
    *overlay = canvas.0;
}

/// A small JPEG of `image` with `people` drawn over it, at most `max_side`
/// pixels on its longer side: the summary's picture of the moment a warning
/// came up. Shrinks first and draws after, so lines stay crisp and the cost
/// stays small (a few milliseconds, once per warning).
pub fn thumbnail_jpeg(
    image: &image::RgbImage,
    people: &[Person],
    max_side: u32,
) -> Result<Vec<u8>, image::ImageError> {
    let (w, h) = image.dimensions();
    let scale = (max_side.max(1) as f32 / w.max(h).max(1) as f32).min(1.0);
    let (tw, th) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    let small = image::imageops::thumbnail(image, tw, th);
    let scaled: Vec<Person> = people
        .iter()
        .map(|p| {
            let mut p = p.clone();
            for k in &mut p.keypoints {
                k.x *= tw as f32 / w.max(1) as f32;
                k.y *= th as f32 / h.max(1) as f32;
            }
            p
        })
        .collect();
    let drawn = image::DynamicImage::ImageRgba8(draw_people(&small, &scaled)).to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&drawn)?;
    Ok(jpeg)
}

fn thick_line(
    canvas: &mut Blend<RgbaImage>,
    from: (f32, f32),
    to: (f32, f32),
    width: f32,
    colour: Rgba<u8>,
) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = dx.hypot(dy);
    if len < 1.0 {
        return;
    }
    let (nx, ny) = (-dy / len * width / 2.0, dx / len * width / 2.0);
    let corners = [
        Point::new((from.0 + nx).round() as i32, (from.1 + ny).round() as i32),
        Point::new((to.0 + nx).round() as i32, (to.1 + ny).round() as i32),
        Point::new((to.0 - nx).round() as i32, (to.1 - ny).round() as i32),
        Point::new((from.0 - nx).round() as i32, (from.1 - ny).round() as i32),
    ];
    // imageproc refuses polygons whose first and last points coincide.
    if corners[0] == corners[3] || corners[1] == corners[2] {
        return;
    }
    draw_polygon_mut(canvas, &corners, colour);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::Keypoint;

    #[test]
    fn draws_confident_bones_brighter_than_faded_ones() {
        let img = image::RgbImage::new(100, 100);
        let kp = |joint, x, y, score| Keypoint { joint, x, y, score };
        let person = Person {
            score: 0.8,
            keypoints: vec![
                kp(Joint::LeftShoulder, 10.0, 20.0, 0.9),
                kp(Joint::LeftElbow, 90.0, 20.0, 0.9),
                kp(Joint::RightShoulder, 10.0, 80.0, 0.1),
                kp(Joint::RightElbow, 90.0, 80.0, 0.1),
            ],
            world: None,
            spine: None,
        };
        let out = draw_people(&img, &[person]);
        let bright = out.get_pixel(50, 20).0;
        let faded = out.get_pixel(50, 80).0;
        assert!(bright[0] > faded[0] + 50, "{bright:?} vs {faded:?}");
        assert_eq!(out.get_pixel(50, 50).0[..3], [0, 0, 0]);
    }

    #[test]
    fn thumbnails_are_small_jpegs_with_the_skeleton_where_the_person_was() {
        let img = image::RgbImage::new(1280, 720);
        let kp = |joint, x, y| Keypoint {
            joint,
            x,
            y,
            score: 0.9,
        };
        let person = Person {
            score: 0.9,
            keypoints: vec![
                kp(Joint::LeftShoulder, 200.0, 360.0),
                kp(Joint::LeftElbow, 1000.0, 360.0),
            ],
            world: None,
            spine: None,
        };
        let jpeg = thumbnail_jpeg(&img, &[person], 192).unwrap();
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
        assert!(jpeg.len() < 20_000, "{} bytes", jpeg.len());
        let back = image::load_from_memory(&jpeg).unwrap().to_rgb8();
        assert_eq!(back.dimensions(), (192, 108));
        // The bone runs along the middle row (scaled to 192 wide); above it is dark.
        assert!(
            back.get_pixel(96, 54).0[0] > 150,
            "{:?}",
            back.get_pixel(96, 54)
        );
        assert!(back.get_pixel(96, 20).0[0] < 40);
    }
}
