//! Semi-real faults: labelled form faults injected into the pose tracks of
//! real clips, so every form rule is also scored on real movement with real
//! keypoint noise, not only on the synthetic generator's.
//!
//! A recipe (TOML) lists injections: a clip, the exercise it is coached as,
//! the rule under test, when, for how long, and what the body does (a group
//! of joints shifts along the trunk or the picture's vertical, turns about a
//! pivot, or narrows across the picture as a trunk turning away would). The
//! same change is made to the frame pixels and, scaled by the torso, to the
//! 3D world points. Each injection is coached twice: the clean track must
//! not raise the rule in the window, the faulty twin must raise it within
//! [`super::FAULT_WINDOW_S`] of the fault's start.

use std::path::Path;

use serde::Deserialize;

use crate::coach::{Catalogue, Event};
use crate::pose::{Joint, PoseFrame};

/// The fault ramps in (and out) over this long, as a person's form drifts.
pub const RAMP_S: f64 = 0.3;

/// A recipe file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The injections.
    pub inject: Vec<Injection>,
}

/// One labelled fault.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Injection {
    /// Clip file name, as in the labels file.
    pub clip: String,
    /// Exercise the clip is coached as.
    pub exercise: String,
    /// The rule that must warn.
    pub rule: String,
    /// Fault start, seconds into the clip.
    pub at: f64,
    /// How long the fault is held at full size.
    pub hold_s: f64,
    /// What the body does.
    pub effect: Effect,
    /// The joints that move.
    pub joints: Vec<Joint>,
    /// Why this fault, in words.
    #[serde(default)]
    pub what: String,
}

/// What the moving joints do.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    /// Moves by `along` torso lengths along the trunk (toward the head is
    /// positive) and `down` torso lengths down the picture.
    Shift {
        /// Along the hip-to-shoulder line.
        #[serde(default)]
        along: f32,
        /// Down the picture (up is negative).
        #[serde(default)]
        down: f32,
    },
    /// Turns by `deg` (clockwise on screen) about `pivot`.
    Turn {
        /// Degrees.
        deg: f32,
        /// The joint turned about.
        pivot: Joint,
    },
    /// Narrows across the picture about the group's middle to `factor` of
    /// its width (a trunk turning away from a facing camera).
    Narrow {
        /// 0..1.
        factor: f32,
    },
}

/// A recipe that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// Unreadable.
    #[error("cannot read the fault recipe {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not a recipe.
    #[error("{file} is not a fault recipe: {source}")]
    Parse {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: Box<toml::de::Error>,
    },
}

impl Recipe {
    /// Reads a recipe file.
    pub fn read(path: &Path) -> Result<Recipe, RecipeError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RecipeError::Io {
            file: file.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| RecipeError::Parse {
            file,
            source: Box::new(e),
        })
    }
}

/// How much of the fault is on at `t`: 0 before, ramping to 1, held, ramping back.
fn envelope(inj: &Injection, t: f64) -> f32 {
    let start = inj.at;
    let end = inj.at + RAMP_S + inj.hold_s;
    let v = if t < start || t > end + RAMP_S {
        0.0
    } else if t < start + RAMP_S {
        (t - start) / RAMP_S
    } else if t <= end {
        1.0
    } else {
        1.0 - (t - end) / RAMP_S
    };
    v as f32
}

fn mid_of(p: &crate::pose::Person, a: Joint) -> Option<[f32; 2]> {
    let l = p.keypoint(a)?;
    let r = p.keypoint(a.mirrored())?;
    Some([f32::midpoint(l.x, r.x), f32::midpoint(l.y, r.y)])
}

fn world_mid(p: &crate::pose::Person, a: Joint) -> Option<[f32; 3]> {
    let l = p.world_point(a)?;
    let r = p.world_point(a.mirrored())?;
    Some([
        f32::midpoint(l.x, r.x),
        f32::midpoint(l.y, r.y),
        f32::midpoint(l.z, r.z),
    ])
}

/// The track with the fault applied.
#[must_use]
pub fn apply(inj: &Injection, frames: &[PoseFrame]) -> Vec<PoseFrame> {
    frames
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let k = envelope(inj, f.t.unwrap_or(0.0));
            if k > 0.0 {
                for person in f.people.iter_mut().take(1) {
                    apply_person(inj, k, person);
                }
            }
            f
        })
        .collect()
}

// Image and world twins of the same quantity; vector maths in its usual letters.
#[allow(clippy::similar_names, clippy::many_single_char_names)]
fn apply_person(inj: &Injection, k: f32, person: &mut crate::pose::Person) {
    let (Some(s), Some(h)) = (
        mid_of(person, Joint::LeftShoulder),
        mid_of(person, Joint::LeftHip),
    ) else {
        return;
    };
    let axis = [s[0] - h[0], s[1] - h[1]];
    let torso = axis[0].hypot(axis[1]);
    if torso <= f32::EPSILON {
        return;
    }
    let unit = [axis[0] / torso, axis[1] / torso];
    let world_torso = world_mid(person, Joint::LeftShoulder)
        .zip(world_mid(person, Joint::LeftHip))
        .map(|(a, b)| (a[0] - b[0]).hypot(a[1] - b[1]).hypot(a[2] - b[2]));
    let pivot_px = |j: Joint| person.keypoint(j).map(|p| [p.x, p.y]);
    let pivot_w = |j: Joint| person.world_point(j).map(|p| [p.x, p.y]);
    let centre_px = {
        let pts: Vec<[f32; 2]> = inj
            .joints
            .iter()
            .filter_map(|j| person.keypoint(*j).map(|p| [p.x, p.y]))
            .collect();
        let n = pts.len().max(1) as f32;
        pts.iter()
            .fold([0.0, 0.0], |c, p| [c[0] + p[0] / n, c[1] + p[1] / n])
    };
    let centre_w = {
        let pts: Vec<[f32; 2]> = inj
            .joints
            .iter()
            .filter_map(|j| person.world_point(*j).map(|p| [p.x, p.y]))
            .collect();
        let n = pts.len().max(1) as f32;
        pts.iter()
            .fold([0.0, 0.0], |c, p| [c[0] + p[0] / n, c[1] + p[1] / n])
    };
    let (piv_px, piv_w) = match inj.effect {
        Effect::Turn { pivot, .. } => (pivot_px(pivot), pivot_w(pivot)),
        _ => (None, None),
    };
    let moved =
        |p: [f32; 2], scale: f32, pivot: Option<[f32; 2]>, centre: [f32; 2]| match inj.effect {
            Effect::Shift { along, down } => [
                p[0] + k * scale * along * unit[0],
                p[1] + k * scale * (along * unit[1] + down),
            ],
            Effect::Turn { deg, .. } => {
                let Some(c) = pivot else { return p };
                let a = (k * deg).to_radians();
                let (sin, cos) = a.sin_cos();
                let d = [p[0] - c[0], p[1] - c[1]];
                [
                    c[0] + d[0] * cos - d[1] * sin,
                    c[1] + d[0] * sin + d[1] * cos,
                ]
            }
            Effect::Narrow { factor } => {
                let f = 1.0 - k * (1.0 - factor);
                [centre[0] + (p[0] - centre[0]) * f, p[1]]
            }
        };
    for kp in &mut person.keypoints {
        if inj.joints.contains(&kp.joint) {
            let q = moved([kp.x, kp.y], torso, piv_px, centre_px);
            kp.x = q[0];
            kp.y = q[1];
        }
    }
    if let (Some(world), Some(wt)) = (person.world.as_mut(), world_torso) {
        let centre_z = {
            let zs: Vec<f32> = world
                .iter()
                .filter(|w| inj.joints.contains(&w.joint))
                .map(|w| w.z)
                .collect();
            zs.iter().sum::<f32>() / zs.len().max(1) as f32
        };
        for w in world.iter_mut() {
            if !inj.joints.contains(&w.joint) {
                continue;
            }
            if let Effect::Narrow { factor } = inj.effect {
                // In 3D a narrowing seen from the front is a turn about the
                // vertical: what leaves the picture's width goes into depth.
                let f = 1.0 - k * (1.0 - factor.clamp(0.0, 1.0));
                let dx = w.x - centre_w[0];
                let dz = w.z - centre_z;
                let (sin, cos) = (1.0 - f * f).sqrt().atan2(f).sin_cos();
                w.x = centre_w[0] + dx * cos - dz * sin;
                w.z = centre_z + dx * sin + dz * cos;
            } else {
                let q = moved([w.x, w.y], wt, piv_w, centre_w);
                w.x = q[0];
                w.y = q[1];
            }
        }
    }
}

/// One injection's result.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The injection.
    pub injection: Injection,
    /// Delay from the fault's start to the rule's warning on the faulty
    /// track, when it warned in time.
    pub delay_s: Option<f64>,
    /// Warnings of the rule on the clean track within the fault's window.
    pub clean_warnings: usize,
}

impl Scored {
    /// Whether the faulty twin warned in time and the clean one did not.
    #[must_use]
    pub fn pass(&self) -> bool {
        self.delay_s.is_some() && self.clean_warnings == 0
    }
}

/// Warning starts of `rule` coached on `frames`.
fn warning_starts(exercise: &crate::coach::Exercise, frames: &[PoseFrame], rule: &str) -> Vec<f64> {
    let coached = super::coach_events(exercise, frames);
    coached
        .iter()
        .filter_map(|e| match e {
            Event::WarningStart { t_s, rule: r, .. } if r == rule => Some(*t_s),
            _ => None,
        })
        .collect()
}

/// Scores one injection on a clip's track; `None` when the exercise is
/// unknown.
#[must_use]
pub fn score(catalogue: &Catalogue, inj: &Injection, frames: &[PoseFrame]) -> Option<Scored> {
    let exercise = catalogue.get(&inj.exercise)?;
    let window = (inj.at, inj.at + 2.0 * RAMP_S + inj.hold_s);
    let clean = warning_starts(exercise, frames, &inj.rule);
    let faulty = warning_starts(exercise, &apply(inj, frames), &inj.rule);
    let clean_warnings = clean
        .iter()
        .filter(|t| (window.0..=window.1).contains(*t))
        .count();
    let delay_s = faulty
        .iter()
        .map(|t| t - inj.at)
        .find(|d| (0.0..=super::FAULT_WINDOW_S).contains(d));
    Some(Scored {
        injection: inj.clone(),
        delay_s,
        clean_warnings,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;

    #[test]
    fn the_recipe_in_the_repo_parses_and_names_real_rules() {
        let text = include_str!("../../fixtures/semi_real/faults.toml");
        let recipe: Recipe = toml::from_str(text).unwrap();
        let (cat, _) = Catalogue::builtin();
        assert!(recipe.inject.len() >= 8);
        for inj in &recipe.inject {
            let ex = cat.get(&inj.exercise).unwrap();
            assert!(
                ex.rule(&inj.rule).is_some(),
                "{}: {}",
                inj.exercise,
                inj.rule
            );
        }
    }

    #[test]
    fn the_envelope_ramps_in_holds_and_ramps_out() {
        let inj = Injection {
            clip: String::new(),
            exercise: String::new(),
            rule: String::new(),
            at: 1.0,
            hold_s: 1.0,
            effect: Effect::Narrow { factor: 0.5 },
            joints: vec![],
            what: String::new(),
        };
        assert!(envelope(&inj, 0.9).abs() < 1e-6);
        assert!((envelope(&inj, 1.15) - 0.5).abs() < 1e-3);
        assert!((envelope(&inj, 2.0) - 1.0).abs() < 1e-6);
        assert!(envelope(&inj, 2.7).abs() < 1e-6);
    }
}
