//! Cat-cow counted from the curve of the back on a real side-view clip.
//!
//! The only cat-cow clip of the fixtures is seated (on a chair, side-on:
//! round, extend, round, extend). The catalogue's cat-cow starts on all
//! fours, so the clip is coached with the catalogue's cat-cow rules from a
//! sitting start, as a file in the user's exercise folder would. Needs
//! `FORMCOACH_FIXTURES` (the shared fixtures folder) and the models
//! (fetched on first use); without the fixtures it says so and checks nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test should stop loudly at the first surprise

mod common;

use std::path::PathBuf;

use common::{fixtures, formcoach, stderr};
use formcoach::coach::Exercise;
use formcoach::pose::{BLAZEPOSE_33, Joint, PoseFrame};
use formcoach::session::{analyze_track, read_track};

/// The face and ears: the eleven landmarks BlazePose lists first.
const HEAD: &[Joint] = BLAZEPOSE_33.split_at(11).0;

/// The catalogue's cat-cow, started sitting and needing only the trunk and head.
fn seated_cat_cow() -> Exercise {
    let text = include_str!("../src/coach/exercises/cat-cow.toml")
        .replace("position = \"all_fours\"", "position = \"sitting\"")
        .lines()
        .map(|l| {
            if l.starts_with("required = ") {
                "required = [\"mid_shoulder\", \"mid_hip\", \"mid_ear\"]".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let ex = Exercise::from_toml(&text, "seated cat-cow").unwrap();
    assert!(ex.reads_spine());
    ex
}

/// The head held where it was on the first frame, relative to the near
/// shoulder, in pixels and world points: the stand-in (the head dropping
/// and rising) then has nothing to count.
fn head_held_still(frames: &[PoseFrame]) -> Vec<PoseFrame> {
    let first = &frames[0].people[0];
    let sh = first.keypoint(Joint::LeftShoulder).unwrap();
    let offsets: Vec<(Joint, f32, f32)> = HEAD
        .iter()
        .filter_map(|j| first.keypoint(*j).map(|k| (*j, k.x - sh.x, k.y - sh.y)))
        .collect();
    let wsh = first.world_point(Joint::LeftShoulder).unwrap();
    let world_offsets: Vec<(Joint, [f32; 3])> = HEAD
        .iter()
        .filter_map(|j| {
            first
                .world_point(*j)
                .map(|w| (*j, [w.x - wsh.x, w.y - wsh.y, w.z - wsh.z]))
        })
        .collect();
    let mut out = frames.to_vec();
    for f in &mut out {
        for p in &mut f.people {
            let Some(sh) = p.keypoint(Joint::LeftShoulder).copied() else {
                continue;
            };
            for k in &mut p.keypoints {
                if let Some((_, dx, dy)) = offsets.iter().find(|(j, ..)| *j == k.joint) {
                    k.x = sh.x + dx;
                    k.y = sh.y + dy;
                }
            }
            let wsh = p.world_point(Joint::LeftShoulder).copied();
            if let (Some(ws), Some(world)) = (wsh, p.world.as_mut()) {
                for w in world.iter_mut() {
                    if let Some((_, d)) = world_offsets.iter().find(|(j, _)| *j == w.joint) {
                        w.x = ws.x + d[0];
                        w.y = ws.y + d[1];
                        w.z = ws.z + d[2];
                    }
                }
            }
        }
    }
    out
}

fn without_curve(frames: &[PoseFrame]) -> Vec<PoseFrame> {
    let mut out = frames.to_vec();
    for f in &mut out {
        for p in &mut f.people {
            p.spine = None;
        }
    }
    out
}

#[test]
fn a_side_view_cat_cow_counts_its_reps_from_the_curve_of_the_back() {
    let Some(dir) = fixtures("a_side_view_cat_cow_counts_its_reps_from_the_curve_of_the_back")
    else {
        return;
    };
    let clip = dir.join("video").join("seated_catcow_chair_side_01.mp4");
    let out = formcoach(&[
        "pose",
        "--spine",
        "--threads",
        "1",
        "--video",
        &clip.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path: PathBuf =
        std::env::temp_dir().join(format!("formcoach-spine-reps-{}.jsonl", std::process::id()));
    std::fs::write(&path, &out.stdout).unwrap();
    let frames = read_track(&path).unwrap().frames;
    let _ = std::fs::remove_file(&path);

    // The curve follows the labelled phases: rounded 1.0-4.0 s and
    // 8.5-13.0 s, extended 5.5-7.5 s and 14.0-16.1 s.
    let curve_in = |from: f64, to: f64| -> Vec<f64> {
        frames
            .iter()
            .filter(|f| f.t.is_some_and(|t| (from..to).contains(&t)))
            .filter_map(|f| f.people.first()?.spine.as_ref())
            .map(|s| s.measure.thoracic_curve_deg)
            .collect()
    };
    let median = |mut v: Vec<f64>| {
        assert!(!v.is_empty());
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let rounded = median(curve_in(1.5, 4.0)).min(median(curve_in(9.0, 13.0)));
    let extended = median(curve_in(5.5, 7.5)).max(median(curve_in(14.5, 16.1)));
    eprintln!("thoracic curve: rounded >= {rounded:.0}, extended <= {extended:.0}");
    assert!(rounded - extended > 30.0, "{rounded} vs {extended}");

    let ex = seated_cat_cow();
    let reps = |frames: Vec<PoseFrame>| analyze_track(&ex, frames).reps.total;
    let with_curve = reps(frames.clone());
    let head_still = reps(head_held_still(&frames));
    let neither = reps(without_curve(&head_held_still(&frames)));
    let stand_in = reps(without_curve(&frames));
    eprintln!(
        "reps: with the curve {with_curve}, head held still {head_still}, \
         head still and no curve {neither}, stand-in alone {stand_in}"
    );
    // Two cycles are done; the first round is where the coach takes its
    // start (the clip opens with under a second upright), so one is counted.
    assert!((1..=2).contains(&with_curve), "{with_curve}");
    // It comes from the curve: holding the head still changes nothing,
    // while without the curve the stand-in has nothing left to count.
    assert_eq!(head_still, with_curve);
    assert_eq!(neither, 0);
    // Without the curve, the head stand-in still counts the clip.
    assert!(stand_in >= 1, "{stand_in}");
}
