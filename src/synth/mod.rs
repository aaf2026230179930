//! Synthetic labelled pose tracks, and the evaluation of the coach on them.
//!
//! Stage: test support beside the pipeline. Depends on `pose` (the track
//! format) and, for the evaluation only, on `coach` and `session`.
//!
//! A track is made in four steps: a body with realistic adult proportions
//! ([`body`]) is animated through an exercise at realistic speeds
//! ([`motions`]), each rule's fault is injected at known times and sizes
//! ([`faults`]), and a webcam ([`camera`]) plus a simulated pose model
//! ([`noise`]) turn the 3D landmarks into the `.jsonl` lines the app reads.
//! Everything draws from one seeded generator, so a seed always gives
//! byte-identical files.

pub mod body;
pub mod camera;
pub mod eval;
pub mod faults;
pub mod motions;
pub mod noise;
mod script;
pub mod spine;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::coach::exercise::motion::CameraView;
use crate::pose::{Joint, PoseFrame};
use body::{Body, Posture, SegRot, Side, Skeleton, Vec3, landmarks};
use camera::{Camera, View};
use faults::{FaultSpec, Mods, RAMP_S};
use motions::Exercise;
use noise::{Noise, Observer, Rng};
use script::{Script, Seg, round3, script};
use spine::{BackAngles, SpineObserver};

pub use noise::Model;

pub use eval::{EvalError, EvalTable, evaluate};

/// The seed of the committed set under `fixtures/tracks`.
pub const DEFAULT_SEED: u64 = 20_251_122;

/// Seconds the person holds the start position before the first rep: the
/// coach needs 1 s of stillness for its baseline; people take a little longer.
const SETTLE_S: f64 = 2.5;
/// Seconds of stillness after the last rep.
const END_S: f64 = 1.5;

/// Something went wrong writing tracks.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A file or folder could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A frame or label could not be encoded.
    #[error("cannot encode {what}: {source}")]
    Encode {
        /// What was being encoded.
        what: String,
        /// Why.
        source: serde_json::Error,
    },
    /// An exercise id the generator does not know.
    #[error("no motion for exercise {0:?}")]
    UnknownExercise(String),
}

/// One labelled fault interval, as written in `<case>.labels.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultLabel {
    /// Rule id.
    pub rule: String,
    /// Seconds: when the fault crosses the rule's threshold.
    pub start_s: f64,
    /// Seconds: when it falls back under the threshold.
    pub end_s: f64,
    /// The rep's side, for sided exercises.
    pub side: Option<String>,
    /// Designed size of the fault in the rule's measure.
    pub size: f64,
    /// Unit of `size`.
    pub unit: String,
    /// Set when this rule is broken only as a side effect of another fault,
    /// near its threshold: a warning counts as correct, silence as no miss.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// The labels of one track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labels {
    /// Exercise id.
    pub exercise: String,
    /// Seed the track was made from.
    pub seed: u64,
    /// Camera view name.
    pub view: String,
    /// Noise level name.
    pub noise: String,
    /// Simulated model.
    pub model: String,
    /// Frames per second.
    pub fps: f64,
    /// Body height, metres.
    pub height_m: f64,
    /// True when no fault was injected.
    pub clean: bool,
    /// The injected faults.
    pub faults: Vec<FaultLabel>,
    /// Reps (or holds) done per side ("left"/"right"), or "both" when unsided.
    pub expected_reps: BTreeMap<String, usize>,
}

/// The start position of an exercise as a camera placed `front` (or side-on,
/// from the person's left) would see it, fitted into `width` x `height`
/// pixels, without noise: key 0 of the exercise file's `[motion]`. The
/// picker draws it so people can see where the camera goes before they lie
/// down. `None` for an exercise whose file has no motion.
#[must_use]
pub fn preview(
    exercise: &crate::coach::Exercise,
    front: bool,
    width: u32,
    height: u32,
) -> Option<PoseFrame> {
    let motion = exercise.motion.as_ref()?;
    let body = Body::adult(1.75);
    let keys = motions::keys(motion, &body, Side::Left, &Mods::default());
    let posture = keys
        .first()
        .cloned()
        .unwrap_or_else(|| Posture::standing(&body));
    let (sk, _) = landmarks(&body, &posture);
    let view = if front {
        View::front()
    } else {
        View::side_left()
    };
    let camera = Camera::fit(&view, &sk.points, width, height);
    let mut observer = Observer::new(Rng::new(0), Noise::none(), Model::Coco17);
    Some(observer.observe(&camera, &sk, body.torso_m, 0.0, 30.0))
}

/// Everything that defines one track.
#[derive(Debug, Clone)]
pub struct TrackSpec {
    /// The exercise.
    pub exercise: Exercise,
    /// File stem.
    pub case: String,
    /// Seed of this track.
    pub seed: u64,
    /// Camera view.
    pub view: View,
    /// Pose model noise.
    pub noise: Noise,
    /// Keypoint set.
    pub model: Model,
    /// Frames per second.
    pub fps: f64,
    /// Side for one-sided exercises, and the first side otherwise.
    pub side: Side,
    /// Faults to inject (each twice); empty for a clean track.
    pub faults: Vec<FaultSpec>,
    /// Reps (per side where sided) of a clean track; faulty tracks do as
    /// many as their faults need.
    pub reps: usize,
    /// Longest hold where no fault is placed: the doses' 20-30 s holds are
    /// shortened so the committed set stays small.
    pub max_hold_s: f64,
}

/// Eases a move: slow start, slow finish, like a controlled stretch.
fn ease(u: f64) -> f64 {
    0.5 - 0.5 * (std::f64::consts::PI * u.clamp(0.0, 1.0)).cos()
}

/// Small movements every living body makes: breathing lifts the chest and
/// shoulders, a standing body sways, the head never stays perfectly still.
#[derive(Debug, Clone, Copy)]
struct Natural {
    breath_period_s: f64,
    breath_phase: f64,
    sway_phase: f64,
    head_phase: f64,
}

impl Natural {
    fn new(rng: &mut Rng) -> Natural {
        Natural {
            breath_period_s: rng.range(4.0, 6.0),
            breath_phase: rng.range(0.0, std::f64::consts::TAU),
            sway_phase: rng.range(0.0, std::f64::consts::TAU),
            head_phase: rng.range(0.0, std::f64::consts::TAU),
        }
    }

    fn apply(&self, p: &mut Posture, t: f64, standing: bool) {
        let tau = std::f64::consts::TAU;
        let breath = (tau * t / self.breath_period_s + self.breath_phase).sin();
        p.thorax = p.thorax.plus(SegRot::deg(-0.8 * breath, 0.0, 0.0));
        for s in &mut p.shrug_m {
            *s += 0.002 * breath;
        }
        let head = (tau * 0.13 * t + self.head_phase).sin() + 0.5 * (tau * 0.31 * t).sin();
        p.head = p.head.plus(SegRot::deg(0.8 * head, 0.4 * head, 0.6 * head));
        if standing {
            let sway = (tau * 0.2 * t + self.sway_phase).sin();
            let sway2 = (tau * 0.11 * t + 2.0 * self.sway_phase).sin();
            p.pelvis = p.pelvis + Vec3::new(0.004 * sway2, 0.0, 0.006 * sway);
        }
    }
}

const LEG_JOINTS: [[Joint; 4]; 2] = [
    [
        Joint::LeftKnee,
        Joint::LeftAnkle,
        Joint::LeftHeel,
        Joint::LeftFootIndex,
    ],
    [
        Joint::RightKnee,
        Joint::RightAnkle,
        Joint::RightHeel,
        Joint::RightFootIndex,
    ],
];

/// The 3D landmarks at time `t`, and the back's angles the tracer would see.
fn skeleton_at(
    spec: &TrackSpec,
    body: &Body,
    sc: &Script,
    natural: &Natural,
    t: f64,
) -> (Skeleton, BackAngles) {
    let ex = &spec.exercise;
    let seg = sc
        .segs
        .iter()
        .find(|s| t < s.t1)
        .or_else(|| sc.segs.last())
        .copied()
        .unwrap_or(Seg {
            t0: 0.0,
            t1: 1.0,
            from: 0,
            to: 0,
            side: spec.side,
            range: 1.0,
        });
    let mut mods = Mods::default();
    let mut in_force = Vec::new();
    for p in &sc.placed {
        let level = p.level(t);
        if level > 0.0 {
            mods.push(p.spec.effect, p.spec.amount * level, p.spec.dir);
            in_force.push((p.spec.effect, p.spec.amount * level, p.spec.rule.as_str()));
        }
    }
    let keys = ex.keys(body, seg.side, &mods);
    let key = |i: usize| -> Posture {
        let k = keys.get(i).or(keys.first());
        match (k, keys.first()) {
            (Some(k), Some(k0)) if i != 0 => k0.lerp(k, seg.range),
            (Some(k), _) => k.clone(),
            _ => Posture::standing(body),
        }
    };
    let u = if seg.t1 > seg.t0 {
        (t - seg.t0) / (seg.t1 - seg.t0)
    } else {
        1.0
    };
    let mut posture = key(seg.from).lerp(&key(seg.to), ease(u));
    natural.apply(&mut posture, t, ex.motion.standing);
    faults::apply_spine(&mut posture, &mods, body.torso_m, seg.side);
    let back = BackAngles::of(&posture, &spine::lumbar_faults(in_force.into_iter()));
    let planted = ex.motion.planted_legs.then(|| landmarks(body, &posture).0);
    faults::apply_pelvis(&mut posture, &mods, body.torso_m, body.hip_half_m, seg.side);
    let (mut sk, _) = landmarks(body, &posture);
    if let Some(reference) = planted {
        for leg in LEG_JOINTS {
            for j in leg {
                sk.points[j as usize] = reference.get(j);
            }
        }
    }
    let (both, top) = faults::knee_offsets(&posture, &mods, body.torso_m, seg.side);
    for (i, leg) in LEG_JOINTS.iter().enumerate() {
        let lift = if i == seg.side.idx() { top } else { Vec3::ZERO };
        for (n, &j) in leg.iter().enumerate() {
            // The knee moves fully; the shin and foot follow most of the way.
            let w = if n == 0 { 1.0 } else { 0.8 };
            sk.points[j as usize] = sk.points[j as usize] + (both + lift) * w;
        }
    }
    (sk, back)
}

/// `frame` with the back's curve `tracer` reads for `back` on its person.
fn with_spine(
    mut frame: PoseFrame,
    tracer: Option<&mut SpineObserver>,
    back: BackAngles,
) -> PoseFrame {
    if let Some(tracer) = tracer {
        let spine = tracer.observe(frame.people.first(), back);
        if let Some(person) = frame.people.first_mut() {
            person.spine = spine;
        }
    }
    frame
}

/// A generated track: its frames and labels.
#[derive(Debug, Clone)]
pub struct Track {
    /// File stem.
    pub case: String,
    /// Frames, one per line of the `.jsonl`.
    pub frames: Vec<PoseFrame>,
    /// Labels.
    pub labels: Labels,
}

/// Makes one track.
#[must_use]
pub fn generate_track(spec: &TrackSpec) -> Track {
    let rng = Rng::new(spec.seed);
    let mut body_rng = rng.fork("body");
    let height = body_rng.range(1.55, 1.92);
    let mut f = [0.0; 6];
    for x in &mut f {
        *x = body_rng.range(0.96, 1.04);
    }
    let body = Body::adult(height).with_variation(f);
    let mut script_rng = rng.fork("script");
    let sc = script(spec, &mut script_rng);
    let natural = Natural::new(&mut rng.fork("natural"));
    let dt = 1.0 / spec.fps;
    let n = (sc.duration_s / dt).floor() as usize;
    let (skeletons, backs): (Vec<Skeleton>, Vec<BackAngles>) = (0..n)
        .map(|i| skeleton_at(spec, &body, &sc, &natural, i as f64 * dt))
        .unzip();
    let all: Vec<Vec3> = skeletons.iter().flat_map(|s| s.points).collect();
    let camera = Camera::fit(&spec.view, &all, 640, 480);
    let mut observer = Observer::new(rng.fork("noise"), spec.noise, spec.model);
    // The back's curve comes from BlazePose's mask: MoveNet has none. Its
    // own random stream leaves the landmarks' noise exactly as it was.
    let mut tracer =
        (spec.model == Model::Blaze33).then(|| SpineObserver::new(rng.fork("spine"), spec.noise));
    let frames = skeletons
        .iter()
        .zip(&backs)
        .enumerate()
        .map(|(i, (sk, back))| {
            let frame = observer.observe(&camera, sk, body.torso_m, i as f64 * dt, spec.fps);
            with_spine(frame, tracer.as_mut(), *back)
        })
        .collect();
    let mut sc = sc;
    if !sc.labels.is_empty() {
        let mut exact = Observer::new(rng.fork("exact"), Noise::none(), spec.model);
        let mut exact_tracer = (spec.model == Model::Blaze33)
            .then(|| SpineObserver::new(rng.fork("exact-spine"), Noise::none()));
        let clean: Vec<PoseFrame> = skeletons
            .iter()
            .zip(&backs)
            .enumerate()
            .map(|(i, (sk, back))| {
                let frame = exact.observe(&camera, sk, body.torso_m, i as f64 * dt, spec.fps);
                with_spine(frame, exact_tracer.as_mut(), *back)
            })
            .collect();
        align_label_starts(&mut sc.labels, &spec.exercise.coach, &clean, dt);
    }
    Track {
        case: spec.case.clone(),
        frames,
        labels: Labels {
            exercise: spec.exercise.id.clone(),
            seed: spec.seed,
            view: spec.view.name.to_owned(),
            noise: spec.noise.name.to_owned(),
            model: spec.model.name().to_owned(),
            fps: spec.fps,
            height_m: round3(height),
            clean: spec.faults.is_empty(),
            faults: sc.labels,
            expected_reps: sc.reps,
        },
    }
}

/// Moves each fault label's start to where the rule's own measure, on the exact
/// (noise-free) landmarks, first crosses its threshold, when that is later than
/// the linear-ramp estimate. The estimate assumes the measure starts the ramp at
/// its baseline value and changes by the designed size; when it starts elsewhere
/// (a rep position already using part of the allowance) or the geometry is
/// non-linear (a roll seen as a shrinking split), the estimate runs ahead of the
/// real crossing and the time in between would be counted as coach delay. Only
/// ever moved later and within one ramp, so a rule that cannot see its fault
/// still has the full label to miss. Speed faults (whole rushed reps) are left
/// as designed.
fn align_label_starts(
    labels: &mut [FaultLabel],
    ex: &crate::coach::Exercise,
    exact: &[PoseFrame],
    dt: f64,
) {
    use crate::coach::{Coach, RuleState};
    let mut coach = Coach::new(ex);
    // Per rule: times at which it turns faulty (first faulty frame).
    let mut onsets: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut faulty: BTreeMap<String, bool> = BTreeMap::new();
    for frame in exact {
        let fb = coach.step(frame);
        for r in &fb.rules {
            let now = matches!(r.state, RuleState::Pending | RuleState::Warning);
            let before = faulty.insert(r.id.clone(), now).unwrap_or(false);
            if now && !before {
                onsets.entry(r.id.clone()).or_default().push(fb.t_s);
            }
        }
    }
    for l in labels.iter_mut() {
        if l.optional || l.unit.ends_with("/s") {
            continue;
        }
        let Some(times) = onsets.get(&l.rule) else {
            continue;
        };
        let first = times
            .iter()
            .copied()
            .find(|t| *t >= l.start_s - RAMP_S && *t <= l.start_s + RAMP_S);
        if let Some(t) = first {
            // The crossing happened between the previous frame and this one.
            let cross = round3(t - dt);
            if cross > l.start_s {
                l.start_s = cross.min(l.end_s);
            }
        }
    }
}

/// The camera of a file's `views`.
fn view_of(v: CameraView) -> View {
    match v {
        CameraView::SideLeft => View::side_left(),
        CameraView::SideRight => View::side_right(),
        CameraView::Front => View::front(),
        CameraView::FrontAbove => View::front_above(),
        CameraView::Oblique => View::oblique(),
    }
}

/// The committed set: per exercise a clean track in the main view (low
/// noise, 10 fps), a clean track in the second view (high noise, 10 fps)
/// and a faulty track with every rule's fault twice (12 fps, where the
/// delay is measured: a frame period is part of every delay). Frame rates
/// and hold lengths are what keeps the set near 15 MB.
#[must_use]
pub fn committed_specs(seed: u64) -> Vec<TrackSpec> {
    specs(seed, Model::Coco17)
}

/// The same tracks as [`committed_specs`] (bodies, motions, faults, views
/// and image noise), seen by simulated `model`. `Model::Blaze33` adds world
/// points, which the rules prefer, so its set scores the 3D path of the
/// rules that the committed MoveNet set never reaches.
#[must_use]
pub fn specs(seed: u64, model: Model) -> Vec<TrackSpec> {
    specs_in(&crate::coach::Catalogue::builtin().0, seed, model)
}

/// The tracks of every exercise in `catalogue` whose file has a motion,
/// made as [`specs`] makes the built-in ones: an exercise's seeds follow
/// from its place in the catalogue.
#[must_use]
pub fn specs_in(catalogue: &crate::coach::Catalogue, seed: u64, model: Model) -> Vec<TrackSpec> {
    let mut out = Vec::new();
    for (i, ex) in motions::all(catalogue).into_iter().enumerate() {
        let base = seed.wrapping_mul(1000).wrapping_add(i as u64 * 10);
        let [main, other] = ex.motion.views.map(view_of);
        let faults = faults::for_motion(&ex.motion);
        let first = if i % 2 == 0 { Side::Left } else { Side::Right };
        let reps = ex.motion.reps;
        out.push(TrackSpec {
            exercise: ex.clone(),
            case: "clean-a".to_owned(),
            seed: base + 1,
            view: main,
            noise: Noise::low(),
            model,
            fps: 10.0,
            side: first,
            faults: Vec::new(),
            reps: (reps * 3).div_ceil(4),
            max_hold_s: 4.0,
        });
        out.push(TrackSpec {
            exercise: ex.clone(),
            case: "clean-b".to_owned(),
            seed: base + 2,
            view: other,
            noise: Noise::high(),
            model,
            fps: 10.0,
            side: first.other(),
            faults: Vec::new(),
            reps: reps.div_ceil(2),
            max_hold_s: 3.0,
        });
        if !faults.is_empty() {
            out.push(TrackSpec {
                exercise: ex,
                case: "faults".to_owned(),
                seed: base + 3,
                view: main,
                noise: Noise::low(),
                model,
                fps: 12.0,
                side: first.other(),
                faults,
                reps: 1,
                max_hold_s: 2.0,
            });
        }
    }
    out
}

/// Encodes a track as `.jsonl` text.
pub fn to_jsonl(frames: &[PoseFrame]) -> Result<String, SynthError> {
    let mut s = String::new();
    for f in frames {
        let line = serde_json::to_string(f).map_err(|source| SynthError::Encode {
            what: "frame".to_owned(),
            source,
        })?;
        let _ = writeln!(s, "{line}");
    }
    Ok(s)
}

/// What `generate_all` wrote.
#[derive(Debug, Clone, Default)]
pub struct GenSummary {
    /// Tracks written.
    pub tracks: usize,
    /// Frames written.
    pub frames: usize,
    /// Bytes written.
    pub bytes: u64,
}

fn write_gz(path: &Path, text: &str) -> Result<(), SynthError> {
    use std::io::Write as _;
    let err = |source| SynthError::Write {
        path: path.to_owned(),
        source,
    };
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(text.as_bytes()).map_err(err)?;
    let bytes = enc.finish().map_err(err)?;
    std::fs::write(path, bytes).map_err(err)
}

fn write(path: &Path, text: &str) -> Result<(), SynthError> {
    std::fs::write(path, text).map_err(|source| SynthError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Writes the whole labelled set under `out_dir`: `<exercise>/<case>.jsonl.gz`
/// (gzip, no timestamp or name in the header, so the bytes are reproducible)
/// plus `<case>.labels.json`. `GenSummary::bytes` counts the uncompressed text.
pub fn generate_all(out_dir: &Path, seed: u64) -> Result<GenSummary, SynthError> {
    generate_set(out_dir, seed, Model::Coco17)
}

/// Writes the labelled set of [`specs`] for `model` under `out_dir`, laid
/// out as [`generate_all`] does.
pub fn generate_set(out_dir: &Path, seed: u64, model: Model) -> Result<GenSummary, SynthError> {
    write_set(out_dir, specs(seed, model))
}

/// Writes the tracks of [`specs_in`] (every exercise of `catalogue` with a
/// motion, a person's own files included) under `out_dir`.
pub fn generate_set_in(
    catalogue: &crate::coach::Catalogue,
    out_dir: &Path,
    seed: u64,
    model: Model,
) -> Result<GenSummary, SynthError> {
    write_set(out_dir, specs_in(catalogue, seed, model))
}

fn write_set(out_dir: &Path, specs: Vec<TrackSpec>) -> Result<GenSummary, SynthError> {
    let mut summary = GenSummary::default();
    for spec in specs {
        let track = generate_track(&spec);
        let dir = out_dir.join(&spec.exercise.id);
        std::fs::create_dir_all(&dir).map_err(|source| SynthError::Write {
            path: dir.clone(),
            source,
        })?;
        let jsonl = to_jsonl(&track.frames)?;
        let labels =
            serde_json::to_string_pretty(&track.labels).map_err(|source| SynthError::Encode {
                what: format!("labels of {}", spec.case),
                source,
            })?;
        write_gz(&dir.join(format!("{}.jsonl.gz", spec.case)), &jsonl)?;
        write(
            &dir.join(format!("{}.labels.json", spec.case)),
            &(labels + "\n"),
        )?;
        summary.tracks += 1;
        summary.frames += track.frames.len();
        summary.bytes += jsonl.len() as u64;
    }
    Ok(summary)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test should stop loudly at the first surprise
mod tests;
