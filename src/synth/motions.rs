//! Per-exercise start positions and movements, animated at realistic speeds.
//!
//! Each exercise is a few key postures (index 0 is the start position) and a
//! rep pattern that visits them with move and hold times taken from the
//! exercise descriptions (a rotation rep takes 4-6 s; holds are shortened
//! from the 30 s dose to keep the committed tracks small). Every posture is
//! built for the person facing scene +z, so a camera azimuth means the same
//! view for every exercise.

use super::body::{Body, Dir, Limb, Mat3, Posture, SegRot, Side, Vec3, landmarks};
use super::faults::{Effect, Mods};

/// How an exercise uses sides within one track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    /// No sides (both arms together, or the head in the sagittal plane).
    None,
    /// Left, right, left, right...
    Alternate,
    /// One side per track (lying on one side): the track's side.
    One,
}

/// One leg of a rep: move to `key` in `move_s`, then hold it `hold_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Index into the exercise's key postures.
    pub key: usize,
    /// Seconds spent moving there.
    pub move_s: f64,
    /// Seconds held there.
    pub hold_s: f64,
}

const fn step(key: usize, move_s: f64, hold_s: f64) -> Step {
    Step {
        key,
        move_s,
        hold_s,
    }
}

/// Builds the key postures of an exercise for one side, with the current
/// fault amounts (some faults change the shape of a key, e.g. bent elbows).
pub type KeysFn = fn(&Body, Side, &Mods) -> Vec<Posture>;

/// One exercise as the generator animates it.
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// Catalogue id.
    pub id: &'static str,
    /// Side handling.
    pub sides: Sides,
    /// Reps (or holds) in a clean track, per side where sided.
    pub reps: usize,
    /// The rep pattern, ending back at key 0.
    pub pattern: &'static [Step],
    /// Index into `pattern` of the step whose arrival is the peak of the rep
    /// (where "during" faults are placed).
    pub peak_step: usize,
    /// Knees and feet rest on the floor and stay there when the hips move.
    pub planted_legs: bool,
    /// Breathing moves the chest; standing adds a slow postural sway.
    pub standing: bool,
    /// The key postures.
    pub keys: KeysFn,
}

fn deg(d: f64) -> f64 {
    d.to_radians()
}

fn v(x: f64, y: f64, z: f64) -> Vec3 {
    Vec3::new(x, y, z)
}

fn local(x: f64, y: f64, z: f64) -> Dir {
    Dir::Local(v(x, y, z))
}

fn scene(x: f64, y: f64, z: f64) -> Dir {
    Dir::Scene(v(x, y, z))
}

fn free(upper: Dir, lower: Dir, end: Dir) -> Limb {
    Limb::Free { upper, lower, end }
}

/// An arm for `side` given in "lateral" terms: `lat` is toward that side.
fn arm(side: Side, upper: (f64, f64, f64), lower: (f64, f64, f64)) -> Limb {
    let s = side.sign();
    free(
        local(s * upper.0, upper.1, upper.2),
        local(s * lower.0, lower.1, lower.2),
        local(s * lower.0, lower.1, lower.2),
    )
}

fn both_arms(upper: (f64, f64, f64), lower: (f64, f64, f64)) -> [Limb; 2] {
    [
        arm(Side::Left, upper, lower),
        arm(Side::Right, upper, lower),
    ]
}

fn blend_arm(a: (f64, f64, f64), b: (f64, f64, f64), s: f64) -> (f64, f64, f64) {
    (
        a.0 + (b.0 - a.0) * s,
        a.1 + (b.1 - a.1) * s,
        a.2 + (b.2 - a.2) * s,
    )
}

/// Hands and knees, thighs vertical (or tilted back by `hips_back_deg` when
/// sitting back toward the heels), hands planted under the shoulders with
/// the elbows just short of locked, head in line with the spine.
fn all_fours(body: &Body, hips_back_deg: f64, mods: &Mods) -> Posture {
    let a = deg(hips_back_deg);
    let thigh_up = v(0.0, a.cos(), -a.sin());
    let knee_y = 0.05;
    let pelvis = v(0.0, knee_y, 0.0) + thigh_up * body.thigh_m;
    let hand_y = 0.03;
    let shoulder_y = hand_y + 0.97 * body.arm_m();
    let elev = ((shoulder_y - pelvis.y) / body.torso_m)
        .clamp(-0.9, 0.9)
        .asin();
    let up = v(0.0, elev.sin(), elev.cos());
    let belly = v(0.0, -elev.cos(), elev.sin());
    let mut p = Posture {
        pelvis,
        pelvis_axes: Mat3::from_up_front(up, belly),
        arms: [Limb::straight(-Vec3::Y); 2],
        legs: [free(
            Dir::Scene(-thigh_up),
            scene(0.0, -0.08, -1.0),
            scene(0.0, -0.3, -1.0),
        ); 2],
        ..Posture::standing(body)
    };
    // Plant each hand right under its shoulder (plus any "hands forward"
    // fault), found from the posture's own shoulders.
    let (sk, _) = landmarks(body, &p);
    let forward = mods.get(Effect::HandsForward) * body.torso_m;
    for side in [Side::Left, Side::Right] {
        let sh = sk.get(if side == Side::Left {
            crate::pose::Joint::LeftShoulder
        } else {
            crate::pose::Joint::RightShoulder
        });
        p.arms[side.idx()] = Limb::Planted {
            at: v(sh.x, hand_y, sh.z + forward),
            bend: v(side.sign() * 0.3, 0.0, -1.0),
            end: v(0.0, -0.05, 1.0),
        };
    }
    p
}

/// Sitting upright on a chair, thighs level, feet on the floor, hands on
/// the thighs.
fn seated(body: &Body) -> Posture {
    Posture {
        pelvis: v(0.0, 0.46 + 0.08 * body.height_m / 1.7, 0.0),
        arms: both_arms((0.15, -0.9, 0.35), (0.05, -0.35, 1.0)),
        legs: [free(
            local(0.0, -0.1, 1.0),
            local(0.0, -1.0, 0.05),
            local(0.0, 0.0, 1.0),
        ); 2],
        ..Posture::standing(body)
    }
}

/// Lying on the back, head toward +z, knees bent with the feet flat.
fn supine(body: &Body, lift_m: f64) -> Posture {
    Posture {
        pelvis: v(0.0, body.hip_half_m + 0.04 + lift_m, 0.0),
        pelvis_axes: Mat3::from_up_front(Vec3::Z, Vec3::Y),
        arms: both_arms((0.15, -0.98, 0.0), (0.1, -0.98, 0.0)),
        legs: [free(
            local(0.0, -0.6, 0.8),
            local(0.0, -0.75, -0.65),
            local(0.0, -1.0, 0.0),
        ); 2],
        ..Posture::standing(body)
    }
}

/// Lying face down, head toward +z, forehead just off the floor.
fn prone(body: &Body) -> Posture {
    Posture {
        pelvis: v(0.0, 0.11 * body.height_m / 1.7, 0.0),
        pelvis_axes: Mat3::from_up_front(Vec3::Z, -Vec3::Y),
        neck: SegRot::deg(-8.0, 0.0, 0.0),
        arms: both_arms((0.25, 0.97, 0.0), (0.05, 1.0, 0.0)),
        legs: [free(
            local(0.0, -1.0, 0.0),
            local(0.0, -1.0, -0.05),
            local(0.0, -0.6, -0.8),
        ); 2],
        ..Posture::standing(body)
    }
}

/// Lying on one side with the knees drawn up, chest facing +z; `top` is the
/// upper side. Both arms reach forward in front of the chest.
fn side_lying(body: &Body, top: Side) -> Posture {
    // With the chest toward +z, the top side points up when the head points
    // along -x (left on top) or +x (right on top).
    let head = v(-top.sign(), 0.0, 0.0);
    Posture {
        pelvis: v(0.0, 0.10 + body.hip_half_m, 0.0),
        pelvis_axes: Mat3::from_up_front(head, Vec3::Z),
        neck: SegRot::deg(0.0, -top.sign() * 8.0, 0.0),
        arms: both_arms((0.0, 0.15, 1.0), (0.0, 0.15, 1.0)),
        legs: [free(
            local(0.0, -0.1, 1.0),
            local(0.0, -1.0, 0.1),
            local(0.0, -0.2, 1.0),
        ); 2],
        ..Posture::standing(body)
    }
}

// ---------------------------------------------------------------- exercises

fn thread_the_needle(body: &Body, side: Side, mods: &Mods) -> Vec<Posture> {
    let s = side.sign();
    let start = all_fours(body, 0.0, mods);
    let mut open = start.clone();
    open.thorax = SegRot::deg(0.0, 0.0, s * 35.0);
    open.lumbar = SegRot::deg(0.0, 0.0, s * 6.0);
    open.neck = SegRot::deg(0.0, 0.0, s * 20.0);
    open.arms[side.idx()] = arm(side, (1.0, 0.05, -0.45), (1.0, 0.1, -0.45));
    let mut thread = start.clone();
    thread.thorax = SegRot::deg(18.0, 0.0, -s * 45.0);
    thread.lumbar = SegRot::deg(8.0, 0.0, -s * 8.0);
    thread.neck = SegRot::deg(5.0, 0.0, -s * 25.0);
    thread.arms[side.idx()] = arm(side, (-1.0, 0.05, 0.4), (-1.0, 0.05, 0.3));
    vec![start, open, thread]
}

const THREAD_PATTERN: &[Step] = &[step(1, 1.2, 0.2), step(2, 1.5, 1.2), step(0, 1.3, 0.5)];

/// The hand behind the head for quadruped rotation: elbow out to the side.
fn hand_behind_head(side: Side) -> Limb {
    arm(side, (0.95, 0.3, 0.0), (-0.55, 0.6, -0.45))
}

fn quadruped_rotation(body: &Body, side: Side, mods: &Mods) -> Vec<Posture> {
    let s = side.sign();
    let mut start = all_fours(body, 28.0, mods);
    start.arms[side.idx()] = hand_behind_head(side);
    let mut up = start.clone();
    up.thorax = SegRot::deg(0.0, 0.0, s * 48.0);
    up.lumbar = SegRot::deg(0.0, 0.0, s * 5.0);
    up.neck = SegRot::deg(0.0, 0.0, s * 25.0);
    let mut down = start.clone();
    down.thorax = SegRot::deg(8.0, 0.0, -s * 22.0);
    down.neck = SegRot::deg(0.0, 0.0, -s * 12.0);
    vec![start, up, down]
}

const QUAD_PATTERN: &[Step] = &[step(1, 1.4, 0.5), step(2, 1.8, 0.3), step(0, 1.0, 0.4)];

fn cat_cow(body: &Body, _side: Side, mods: &Mods) -> Vec<Posture> {
    let start = all_fours(body, 0.0, mods);
    let tilt = |p: &Posture, d: f64| p.pelvis_axes.then(&Mat3::rot_x(deg(d)));
    let mut cat = start.clone();
    cat.pelvis_axes = tilt(&start, -18.0);
    cat.lumbar = SegRot::deg(10.0, 0.0, 0.0);
    cat.thorax = SegRot::deg(16.0, 0.0, 0.0);
    cat.neck = SegRot::deg(25.0, 0.0, 0.0);
    cat.head = SegRot::deg(20.0, 0.0, 0.0);
    // Pushing the floor away lifts the chest off the shoulder blades.
    cat.protract_m = [-0.015; 2];
    let mut cow = start.clone();
    cow.pelvis_axes = tilt(&start, 12.0);
    cow.lumbar = SegRot::deg(-8.0, 0.0, 0.0);
    cow.thorax = SegRot::deg(-12.0, 0.0, 0.0);
    cow.neck = SegRot::deg(-25.0, 0.0, 0.0);
    cow.head = SegRot::deg(-15.0, 0.0, 0.0);
    vec![start, cat, cow]
}

const CAT_COW_PATTERN: &[Step] = &[step(1, 1.8, 1.0), step(2, 2.4, 1.0), step(0, 1.4, 0.4)];

fn open_book(body: &Body, top: Side, _mods: &Mods) -> Vec<Posture> {
    let s = top.sign();
    let start = side_lying(body, top);
    // The top arm sweeps up over the body (local lateral = up for the top
    // side) and behind, while the chest turns to face the ceiling.
    let mut mid = start.clone();
    mid.thorax = SegRot::deg(0.0, 0.0, s * 35.0);
    mid.neck = SegRot::deg(0.0, -s * 8.0, s * 20.0);
    mid.arms[top.idx()] = arm(top, (1.0, 0.2, 0.2), (1.0, 0.2, 0.2));
    let mut open = start.clone();
    open.thorax = SegRot::deg(0.0, 0.0, s * 70.0);
    open.lumbar = SegRot::deg(0.0, 0.0, s * 8.0);
    open.neck = SegRot::deg(0.0, -s * 8.0, s * 35.0);
    open.arms[top.idx()] = arm(top, (0.55, 0.15, -0.85), (0.5, 0.15, -0.85));
    vec![start, mid, open]
}

const OPEN_BOOK_PATTERN: &[Step] = &[
    step(1, 2.4, 0.0),
    step(2, 2.4, 6.0),
    step(1, 2.2, 0.0),
    step(0, 2.2, 1.5),
];

fn thoracic_rotation_side_lying(body: &Body, top: Side, _mods: &Mods) -> Vec<Posture> {
    let s = top.sign();
    let mut start = side_lying(body, top);
    // Top hand on the side of the ribs.
    start.arms[top.idx()] = arm(top, (0.35, -0.9, 0.25), (0.1, 0.35, 0.95));
    let mut open = start.clone();
    open.thorax = SegRot::deg(0.0, 0.0, s * 55.0);
    open.lumbar = SegRot::deg(0.0, 0.0, s * 8.0);
    open.neck = SegRot::deg(0.0, -s * 8.0, s * 25.0);
    vec![start, open]
}

const ROTATION_SIDE_LYING_PATTERN: &[Step] = &[step(1, 3.0, 7.0), step(0, 3.0, 1.5)];

fn seated_trunk_rotation(body: &Body, side: Side, _mods: &Mods) -> Vec<Posture> {
    let s = side.sign();
    let mut start = seated(body);
    // Hands clasped in front of the chest.
    start.arms = both_arms((0.1, -0.75, 0.65), (-0.75, 0.3, 0.6));
    let mut down = start.clone();
    down.lumbar = SegRot::deg(22.0, 12.0 * s, s * 20.0);
    down.thorax = SegRot::deg(15.0, 8.0 * s, s * 15.0);
    down.arms = [
        free(
            local(s * 0.45, -0.85, 0.3),
            local(s * 0.35, -0.9, 0.2),
            local(s * 0.3, -0.9, 0.2),
        ),
        free(
            local(s * 0.45, -0.85, 0.3),
            local(s * 0.35, -0.9, 0.2),
            local(s * 0.3, -0.9, 0.2),
        ),
    ];
    let mut up = start.clone();
    up.lumbar = SegRot::deg(-5.0, -6.0 * s, -s * 20.0);
    up.thorax = SegRot::deg(-5.0, -4.0 * s, -s * 18.0);
    up.arms = [
        free(
            local(-s * 0.45, 0.85, 0.25),
            local(-s * 0.45, 0.85, 0.2),
            local(-s * 0.45, 0.85, 0.2),
        ),
        free(
            local(-s * 0.45, 0.85, 0.25),
            local(-s * 0.45, 0.85, 0.2),
            local(-s * 0.45, 0.85, 0.2),
        ),
    ];
    vec![start, down, up]
}

const SEATED_ROTATION_PATTERN: &[Step] = &[step(1, 1.8, 0.3), step(2, 2.6, 0.4), step(0, 1.6, 0.5)];

/// Elbows out wide with the hands behind the head, blended toward elbows
/// pointing forward by `narrow` in 0..1.
fn hands_behind_head_wide(narrow: f64) -> [Limb; 2] {
    let upper = blend_arm((0.92, 0.38, -0.05), (0.25, 0.4, 0.88), narrow);
    let lower = blend_arm((-0.6, 0.35, -0.7), (-0.45, 0.55, -0.7), narrow);
    both_arms(upper, lower)
}

fn thoracic_extension_chair(body: &Body, _side: Side, mods: &Mods) -> Vec<Posture> {
    let mut start = seated(body);
    start.arms = hands_behind_head_wide(mods.get(Effect::ElbowsForward));
    let mut back = start.clone();
    back.thorax = SegRot::deg(-24.0, 0.0, 0.0);
    back.lumbar = SegRot::deg(-3.0, 0.0, 0.0);
    back.neck = SegRot::deg(-8.0, 0.0, 0.0);
    vec![start, back]
}

const EXTENSION_CHAIR_PATTERN: &[Step] = &[step(1, 2.0, 5.0), step(0, 2.0, 1.0)];

fn bench_thoracic_extension(body: &Body, _side: Side, _mods: &Mods) -> Vec<Posture> {
    // Kneeling upright on the thighs, trunk folded forward to horizontal,
    // elbows on a bench in front, hands holding a stick behind the head.
    let mut start = all_fours(body, 0.0, &Mods::default());
    start.pelvis_axes = Mat3::from_up_front(v(0.0, 0.25, 1.0), v(0.0, -1.0, 0.25));
    start.arms = both_arms((0.12, 0.98, 0.1), (-0.25, 0.35, -0.9));
    start.neck = SegRot::deg(-5.0, 0.0, 0.0);
    let mut sink = start.clone();
    sink.thorax = SegRot::deg(-12.0, 0.0, 0.0);
    sink.neck = SegRot::deg(35.0, 0.0, 0.0);
    sink.head = SegRot::deg(15.0, 0.0, 0.0);
    vec![start, sink]
}

const BENCH_PATTERN: &[Step] = &[step(1, 2.5, 8.0), step(0, 2.5, 1.5)];

fn backward_shoulder_rolls(body: &Body, _side: Side, mods: &Mods) -> Vec<Posture> {
    let bend = mods.get(Effect::ElbowBend);
    let mut start = Posture::standing(body);
    // Hands clasped behind the back, arms hanging.
    start.arms = both_arms((0.1, -0.95, -0.25), (-0.15, -0.95, -0.2));
    let mut open = start.clone();
    open.thorax = SegRot::deg(-10.0, 0.0, 0.0);
    open.protract_m = [-0.025; 2];
    // Straight arms lifted back; a bent-elbow fault folds the forearms up.
    let fore = blend_arm((-0.12, -0.7, -0.7), (-0.15, 0.2, -0.98), bend);
    open.arms = both_arms((0.1, -0.72, -0.7), fore);
    vec![start, open]
}

const SHOULDER_ROLLS_PATTERN: &[Step] = &[step(1, 2.0, 9.0), step(0, 2.0, 2.0)];

fn laying_arm_extensions(body: &Body, _side: Side, mods: &Mods) -> Vec<Posture> {
    let apart = mods.get(Effect::ArmsApart).to_radians();
    let mut start = supine(body, 0.05);
    start.arms = both_arms((0.1, 0.0, 1.0), (0.1, 0.0, 1.0));
    let mut mid = start.clone();
    let a = apart * 0.6;
    mid.arms = both_arms((0.1 + a.sin(), 0.7, 0.7), (0.1 + a.sin(), 0.7, 0.7));
    let mut over = start.clone();
    over.arms = both_arms(
        (0.12 + apart.sin(), 0.98, 0.1),
        (0.12 + apart.sin(), 0.98, 0.1),
    );
    vec![start, mid, over]
}

const ARM_EXTENSION_PATTERN: &[Step] = &[
    step(1, 2.0, 0.0),
    step(2, 2.0, 0.6),
    step(1, 2.0, 0.0),
    step(0, 2.0, 0.6),
];

fn prone_w(body: &Body, _side: Side, mods: &Mods) -> Vec<Posture> {
    let straight = mods.get(Effect::ElbowStraighten);
    let start = prone(body);
    let mut w = start.clone();
    w.thorax = SegRot::deg(-6.0, 0.0, 0.0);
    w.lumbar = SegRot::deg(-4.0, 0.0, 0.0);
    w.neck = SegRot::deg(-2.0, 0.0, 0.0);
    w.protract_m = [-0.02; 2];
    // Elbows drawn down toward the hips, forearms pointing forward: the W.
    // The straight-arm fault swings the forearm in line with the upper arm.
    let upper = (0.9, -0.35, -0.2);
    let fore = blend_arm((0.35, 0.9, -0.2), upper, straight);
    w.arms = both_arms(upper, fore);
    vec![start, w]
}

const PRONE_W_PATTERN: &[Step] = &[step(1, 1.5, 2.5), step(0, 1.5, 1.0)];

fn thoracic_iyt(body: &Body, _side: Side, _mods: &Mods) -> Vec<Posture> {
    let mut front = supine(body, 0.15);
    front.arms = both_arms((0.1, 0.0, 1.0), (0.1, 0.0, 1.0));
    let mut t = front.clone();
    t.arms = both_arms((1.0, 0.0, 0.1), (1.0, 0.0, 0.1));
    let mut y = front.clone();
    y.arms = both_arms((0.7, 0.7, 0.05), (0.7, 0.7, 0.05));
    let mut i = front.clone();
    i.arms = both_arms((0.12, 1.0, 0.05), (0.12, 1.0, 0.05));
    vec![front, t, y, i]
}

const IYT_PATTERN: &[Step] = &[
    step(1, 1.8, 0.6),
    step(0, 1.8, 0.3),
    step(2, 1.8, 0.6),
    step(0, 1.8, 0.3),
    step(3, 1.8, 0.6),
    step(0, 1.8, 0.5),
];

fn desk_reset_reach(body: &Body, _side: Side, mods: &Mods) -> Vec<Posture> {
    let up_fault = mods.get(Effect::ElbowsUp);
    let fwd_fault = mods.get(Effect::ElbowsForward);
    let start = Posture::standing(body);
    let mut reach = start.clone();
    reach.arms = both_arms((0.1, 1.0, 0.02), (0.1, 1.0, 0.0));
    reach.shrug_m = [0.02; 2];
    let mut w = start.clone();
    // The W: elbows down and back, hands up by the shoulders. Faults lift
    // the elbows to shoulder height or let them drift forward.
    let good = (0.75, -0.45, -0.45);
    let upper = blend_arm(
        blend_arm(good, (0.9, 0.25, -0.2), up_fault),
        (0.6, -0.3, 0.6),
        fwd_fault,
    );
    w.arms = both_arms(upper, (0.2, 0.95, -0.1));
    w.protract_m = [-0.02; 2];
    vec![start, reach, w]
}

const DESK_RESET_PATTERN: &[Step] = &[step(1, 2.0, 2.0), step(2, 2.0, 8.0), step(0, 2.0, 2.0)];

fn seated_neutral_head(body: &Body) -> Posture {
    let mut p = seated(body);
    p.arms = both_arms((0.15, -0.9, 0.35), (0.05, -0.35, 1.0));
    p
}

fn chin_tuck(body: &Body, _side: Side, _mods: &Mods) -> Vec<Posture> {
    let start = seated_neutral_head(body);
    let mut tuck = start.clone();
    tuck.neck = SegRot::deg(-22.0, 0.0, 0.0);
    tuck.head = SegRot::deg(22.0, 0.0, 0.0);
    vec![start, tuck]
}

const CHIN_TUCK_PATTERN: &[Step] = &[step(1, 1.0, 2.5), step(0, 1.0, 1.2)];

fn neck_flexion_extension(body: &Body, _side: Side, _mods: &Mods) -> Vec<Posture> {
    let start = seated_neutral_head(body);
    let mut down = start.clone();
    down.neck = SegRot::deg(30.0, 0.0, 0.0);
    down.head = SegRot::deg(22.0, 0.0, 0.0);
    let mut up = start.clone();
    up.neck = SegRot::deg(-25.0, 0.0, 0.0);
    up.head = SegRot::deg(-25.0, 0.0, 0.0);
    vec![start, down, up]
}

const NECK_PATTERN: &[Step] = &[step(1, 2.2, 1.0), step(2, 3.0, 1.0), step(0, 2.0, 0.8)];

fn seated_cervical_rotation(body: &Body, side: Side, _mods: &Mods) -> Vec<Posture> {
    let start = seated_neutral_head(body);
    let mut turn = start.clone();
    turn.neck = SegRot::deg(0.0, 0.0, side.sign() * 40.0);
    turn.head = SegRot::deg(0.0, 0.0, side.sign() * 18.0);
    vec![start, turn]
}

const CERVICAL_PATTERN: &[Step] = &[step(1, 2.0, 8.0), step(0, 2.0, 2.0)];

fn breathing_360(body: &Body, _side: Side, _mods: &Mods) -> Vec<Posture> {
    let mut start = seated_neutral_head(body);
    // Hands hold the towel ends in front of the lower ribs.
    start.arms = both_arms((0.12, -0.85, 0.5), (-0.6, 0.1, 0.8));
    // A slow breath: only the chest moves a little (the rib expansion is not
    // visible to keypoints).
    let mut inhale = start.clone();
    inhale.thorax = SegRot::deg(-1.5, 0.0, 0.0);
    vec![start, inhale]
}

const BREATHING_PATTERN: &[Step] = &[step(1, 2.5, 0.5), step(0, 3.0, 0.5)];

/// Every exercise in the catalogue, in the catalogue's order.
#[must_use]
#[allow(clippy::too_many_lines)] // a table: one entry per exercise
pub fn all() -> Vec<Exercise> {
    let ex = |id, sides, reps, pattern, peak_step, planted_legs, standing, keys| Exercise {
        id,
        sides,
        reps,
        pattern,
        peak_step,
        planted_legs,
        standing,
        keys,
    };
    vec![
        ex(
            "thread-the-needle",
            Sides::Alternate,
            2,
            THREAD_PATTERN,
            1,
            true,
            false,
            thread_the_needle as KeysFn,
        ),
        ex(
            "quadruped-rotation",
            Sides::One,
            3,
            QUAD_PATTERN,
            0,
            true,
            false,
            quadruped_rotation,
        ),
        ex(
            "cat-cow",
            Sides::None,
            4,
            CAT_COW_PATTERN,
            0,
            true,
            false,
            cat_cow,
        ),
        ex(
            "side-lying-open-book",
            Sides::One,
            2,
            OPEN_BOOK_PATTERN,
            1,
            false,
            false,
            open_book,
        ),
        ex(
            "thoracic-rotation-side-lying",
            Sides::One,
            2,
            ROTATION_SIDE_LYING_PATTERN,
            0,
            false,
            false,
            thoracic_rotation_side_lying,
        ),
        ex(
            "seated-trunk-rotation",
            Sides::Alternate,
            2,
            SEATED_ROTATION_PATTERN,
            1,
            false,
            false,
            seated_trunk_rotation,
        ),
        ex(
            "thoracic-extension-chair",
            Sides::None,
            3,
            EXTENSION_CHAIR_PATTERN,
            0,
            false,
            false,
            thoracic_extension_chair,
        ),
        ex(
            "bench-thoracic-extension",
            Sides::None,
            2,
            BENCH_PATTERN,
            0,
            true,
            false,
            bench_thoracic_extension,
        ),
        ex(
            "backward-shoulder-rolls",
            Sides::None,
            2,
            SHOULDER_ROLLS_PATTERN,
            0,
            false,
            true,
            backward_shoulder_rolls,
        ),
        ex(
            "laying-arm-extensions",
            Sides::None,
            3,
            ARM_EXTENSION_PATTERN,
            1,
            false,
            false,
            laying_arm_extensions,
        ),
        ex(
            "prone-w",
            Sides::None,
            4,
            PRONE_W_PATTERN,
            0,
            false,
            false,
            prone_w,
        ),
        ex(
            "thoracic-iyt",
            Sides::None,
            1,
            IYT_PATTERN,
            4,
            false,
            false,
            thoracic_iyt,
        ),
        ex(
            "desk-reset-reach",
            Sides::None,
            1,
            DESK_RESET_PATTERN,
            1,
            false,
            true,
            desk_reset_reach,
        ),
        ex(
            "chin-tuck",
            Sides::None,
            5,
            CHIN_TUCK_PATTERN,
            0,
            false,
            false,
            chin_tuck,
        ),
        ex(
            "neck-flexion-extension",
            Sides::None,
            3,
            NECK_PATTERN,
            0,
            false,
            false,
            neck_flexion_extension,
        ),
        ex(
            "seated-cervical-rotation",
            Sides::Alternate,
            1,
            CERVICAL_PATTERN,
            0,
            false,
            false,
            seated_cervical_rotation,
        ),
        ex(
            "breathing-360",
            Sides::None,
            4,
            BREATHING_PATTERN,
            0,
            false,
            false,
            breathing_360,
        ),
    ]
}

/// Looks an exercise up by id.
#[must_use]
pub fn get(id: &str) -> Option<Exercise> {
    all().into_iter().find(|e| e.id == id)
}
