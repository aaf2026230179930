//! Body geometry for the rules: named points, torso length, angles and offsets.
//!
//! Every measure is expressed in degrees or in torso lengths so verdicts do not
//! depend on how far the person stands from the camera. 3D world points are used
//! when the pose has them, frame pixels otherwise (with z = 0); both are y-down.

use crate::pose::{Joint, Person};
use serde::{Deserialize, Serialize};

/// A position in pixels (z = 0) or metres, y pointing down.
pub type Vec3 = [f32; 3];

/// Shoulder width (acromion to acromion) over torso length (mid-shoulder to
/// mid-hip) in adults: about 39 cm over 50 cm. Only used when the hips are
/// out of the picture.
const SHOULDER_SPAN_PER_TORSO: f32 = 0.8;

/// Vectors shorter than this fraction of the torso are treated as having no direction.
const DEGENERATE_TORSO: f32 = 1e-3;

/// Below this confidence the back's curve counts as unseen. The estimator
/// scales its confidence by how side-on the view is (0.3 at the edge of a
/// side view, 1 in profile) and cuts it to under 0.3 when an arm lies along
/// the back, so 0.4 keeps clean side views (0.6-0.9 on the seated cat-cow
/// clip) and drops an outline that is an arm's, or a back half turned away.
pub const MIN_BACK_CONFIDENCE: f32 = 0.4;

/// The back's curve as the rules read it, from the person's silhouette
/// (see [`crate::pose::spine`]); degrees, positive = rounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackCurve {
    /// Upper back.
    pub thoracic_deg: f32,
    /// Low back.
    pub lumbar_deg: f32,
    /// 0..1, as the estimator gave it.
    pub confidence: f32,
}

/// A point a rule can ask for: one joint, or the midpoint of a left/right pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PointRef {
    /// A single landmark.
    Joint(Joint),
    /// Midpoint of a pair, stored as its left joint.
    Mid(Joint),
    /// The curve of the back: no landmark, but what a spine measure needs
    /// to see, so a rule reading it says it cannot see it the same way a
    /// rule says so of a hidden joint. Never written in files.
    Back,
}

impl PointRef {
    /// Middle of the shoulders: one end of the torso.
    pub const MID_SHOULDER: PointRef = PointRef::Mid(Joint::LeftShoulder);
    /// Middle of the hips: the other end of the torso.
    pub const MID_HIP: PointRef = PointRef::Mid(Joint::LeftHip);

    /// Parses `left_hip`, `nose` or `mid_hip`-style names used in exercise files.
    #[must_use]
    pub fn parse(name: &str) -> Option<PointRef> {
        if let Some(pair) = name.strip_prefix("mid_") {
            let left = Joint::from_name(&format!("left_{pair}"))?;
            return Some(PointRef::Mid(left));
        }
        Joint::from_name(name).map(PointRef::Joint)
    }

    /// The same point on the other side of the body (midpoints are their own mirror).
    #[must_use]
    pub fn mirrored(self) -> PointRef {
        match self {
            PointRef::Joint(j) => PointRef::Joint(j.mirrored()),
            PointRef::Mid(_) | PointRef::Back => self,
        }
    }

    /// The point as seen from one side: a midpoint becomes that side's joint;
    /// with `any_joint`, a joint of the other side becomes its twin too.
    #[must_use]
    pub fn on_side(self, side: crate::coach::Side, any_joint: bool) -> PointRef {
        let pick = |left: Joint| match side {
            crate::coach::Side::Left => left,
            crate::coach::Side::Right => left.mirrored(),
        };
        match self {
            PointRef::Mid(l) => PointRef::Joint(pick(l)),
            PointRef::Joint(j) if any_joint => match joint_side(j) {
                Some(s) if s != side => PointRef::Joint(j.mirrored()),
                _ => self,
            },
            PointRef::Joint(_) | PointRef::Back => self,
        }
    }

    /// The landmarks this point is built from, so the UI can colour them.
    #[must_use]
    pub fn joints(self) -> Vec<Joint> {
        match self {
            PointRef::Joint(j) => vec![j],
            PointRef::Mid(l) => vec![l, l.mirrored()],
            PointRef::Back => Vec::new(),
        }
    }

    /// Words for "I can't see your ...".
    #[must_use]
    pub fn spoken(self) -> String {
        match self {
            PointRef::Joint(j) => j.name().replace('_', " "),
            PointRef::Mid(l) => {
                let pair = l.name().trim_start_matches("left_").replace('_', " ");
                format!("{pair}s")
            }
            PointRef::Back => "back".to_owned(),
        }
    }
}

/// The body side a landmark belongs to (`None` for the nose).
#[must_use]
pub fn joint_side(j: Joint) -> Option<crate::coach::Side> {
    let name = j.name();
    if name.starts_with("left_") || name == "mouth_left" {
        Some(crate::coach::Side::Left)
    } else if name.starts_with("right_") || name == "mouth_right" {
        Some(crate::coach::Side::Right)
    } else {
        None
    }
}

impl std::fmt::Display for PointRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PointRef::Joint(j) => f.write_str(j.name()),
            PointRef::Mid(l) => write!(f, "mid_{}", l.name().trim_start_matches("left_")),
            PointRef::Back => f.write_str("back"),
        }
    }
}

impl TryFrom<String> for PointRef {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PointRef::parse(&s).ok_or_else(|| format!("unknown point `{s}`"))
    }
}

impl From<PointRef> for String {
    fn from(p: PointRef) -> String {
        p.to_string()
    }
}

/// What a located point is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The joint itself, or both joints of a pair.
    #[default]
    Both,
    /// Only the left joint of a pair (the right one unseen).
    Left,
    /// Only the right joint of a pair (the left one unseen).
    Right,
}

/// Why a point could not be located: the joint the person should bring into view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unseen(pub PointRef);

impl Unseen {
    /// The message shown instead of a warning.
    #[must_use]
    pub fn message(self) -> String {
        match self.0 {
            PointRef::Back => {
                "I can't see the curve of your back from this angle: turn side-on to the camera."
                    .to_owned()
            }
            p => format!("I can't see your {}", p.spoken()),
        }
    }
}

/// One person's landmarks for one frame, indexed by joint, in the space the rules use.
#[derive(Debug, Clone)]
pub struct Body {
    points: [Option<(Vec3, f32)>; 33],
    /// Whether the points are world metres (true) or frame pixels.
    pub is_3d: bool,
    /// Whether a midpoint may stand in for a pair when only one side is seen
    /// (side views hide the far limb).
    pub mid_fallback: bool,
    /// The back's curve, when the pose carries one (a mask, a side view).
    pub spine: Option<BackCurve>,
    /// The same landmarks in frame pixels, when the points are world metres.
    /// BlazePose's world points are centred on the hips, so a body that
    /// shifts as a whole (hips rocking, sliding off a roller, standing up) does
    /// not move in them; `displacement` is measured here instead.
    image: Option<Box<Body>>,
}

impl Body {
    /// Builds the lookup table; world coordinates win when every keypoint has one.
    #[must_use]
    pub fn from_person(person: &Person, mid_fallback: bool) -> Body {
        let is_3d = person.world.as_ref().is_some_and(|w| !w.is_empty());
        let table = |world: bool| {
            let mut points = [None; 33];
            for k in &person.keypoints {
                let pos = if world {
                    match person.world_point(k.joint) {
                        Some(w) => [w.x, w.y, w.z],
                        None => continue,
                    }
                } else {
                    [k.x, k.y, 0.0]
                };
                if pos.iter().all(|v| v.is_finite()) && k.score.is_finite() {
                    points[k.joint as usize] = Some((pos, k.score));
                }
            }
            points
        };
        let spine = person.spine.as_ref().map(|s| BackCurve {
            thoracic_deg: s.measure.thoracic_curve_deg as f32,
            lumbar_deg: s.measure.lumbar_curve_deg as f32,
            confidence: s.measure.confidence as f32,
        });
        Body {
            points: table(is_3d),
            is_3d,
            mid_fallback,
            spine,
            image: is_3d.then(|| {
                Box::new(Body::from_points(table(false), false, mid_fallback).with_spine(spine))
            }),
        }
    }

    /// The same body carrying `spine` (also in its frame-pixel twin).
    #[must_use]
    pub fn with_spine(mut self, spine: Option<BackCurve>) -> Body {
        self.spine = spine;
        if let Some(image) = self.image.as_mut() {
            image.spine = spine;
        }
        self
    }

    /// The back's curve when it is seen well enough to judge
    /// ([`MIN_BACK_CONFIDENCE`]); otherwise the back is unseen.
    pub fn back(&self) -> Result<BackCurve, Unseen> {
        self.spine
            .filter(|s| {
                s.confidence >= MIN_BACK_CONFIDENCE
                    && s.thoracic_deg.is_finite()
                    && s.lumbar_deg.is_finite()
            })
            .ok_or(Unseen(PointRef::Back))
    }

    /// The same body with its frame-pixel twin (baselines averaged in both).
    #[must_use]
    pub fn with_image(mut self, image: Option<Body>) -> Body {
        let spine = self.spine;
        self.image = image.map(|b| Box::new(Body { spine, ..b }));
        self
    }

    /// The landmarks in frame pixels: the twin when the points are world
    /// metres, else the body itself (already in pixels).
    #[must_use]
    pub fn in_image(&self) -> &Body {
        self.image.as_deref().unwrap_or(self)
    }

    /// The frame-pixel twin, when the points are world metres.
    #[must_use]
    pub fn image(&self) -> Option<&Body> {
        self.image.as_deref()
    }

    /// Builds a body straight from positions (tests, baselines).
    #[must_use]
    pub fn from_points(points: [Option<(Vec3, f32)>; 33], is_3d: bool, mid_fallback: bool) -> Body {
        Body {
            points,
            is_3d,
            mid_fallback,
            spine: None,
            image: None,
        }
    }

    /// The raw table, for averaging bodies into a baseline.
    #[must_use]
    pub fn points(&self) -> &[Option<(Vec3, f32)>; 33] {
        &self.points
    }

    fn joint(&self, joint: Joint, min_score: f32) -> Option<Vec3> {
        self.points[joint as usize]
            .filter(|(_, s)| *s >= min_score)
            .map(|(p, _)| p)
    }

    /// Where `point` is, if the model is at least `min_score` sure of it.
    pub fn locate(&self, point: PointRef, min_score: f32) -> Result<Vec3, Unseen> {
        self.locate_from(point, min_score).map(|(p, _)| p)
    }

    /// Like [`Body::locate`], also saying what the position is made of: the joint or
    /// both of a pair (`Both`), or one side standing in for a pair's midpoint.
    pub fn locate_from(&self, point: PointRef, min_score: f32) -> Result<(Vec3, Source), Unseen> {
        match point {
            PointRef::Joint(j) => self
                .joint(j, min_score)
                .map(|p| (p, Source::Both))
                .ok_or(Unseen(point)),
            PointRef::Mid(l) => {
                let r = l.mirrored();
                match (self.joint(l, min_score), self.joint(r, min_score)) {
                    (Some(a), Some(b)) => Ok((mid(a, b), Source::Both)),
                    (Some(a), None) if self.mid_fallback => Ok((a, Source::Left)),
                    (None, Some(b)) if self.mid_fallback => Ok((b, Source::Right)),
                    (Some(_), None) => Err(Unseen(PointRef::Joint(r))),
                    (None, Some(_)) => Err(Unseen(PointRef::Joint(l))),
                    (None, None) => Err(Unseen(point)),
                }
            }
            PointRef::Back => Err(Unseen(point)),
        }
    }

    /// Mid-shoulder to mid-hip: the body-size unit for every threshold.
    pub fn torso_len(&self, min_score: f32) -> Result<f32, Unseen> {
        let s = self.locate(PointRef::MID_SHOULDER, min_score)?;
        match self.locate(PointRef::MID_HIP, min_score) {
            Ok(h) => Ok(norm(sub(s, h))),
            // Head-and-shoulders framing (a webcam at a desk) hides the
            // hips: the shoulder span stands in for the body's size.
            Err(unseen) => {
                let l = self.joint(Joint::LeftShoulder, min_score);
                let r = self.joint(Joint::RightShoulder, min_score);
                match l.zip(r).map(|(l, r)| norm(sub(l, r))) {
                    Some(span) if span > f32::EPSILON => Ok(span / SHOULDER_SPAN_PER_TORSO),
                    _ => Err(unseen),
                }
            }
        }
    }
}

/// Midpoint of two positions.
#[must_use]
pub fn mid(a: Vec3, b: Vec3) -> Vec3 {
    [
        f32::midpoint(a[0], b[0]),
        f32::midpoint(a[1], b[1]),
        f32::midpoint(a[2], b[2]),
    ]
}

/// `a - b`.
#[must_use]
pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// Dot product.
#[must_use]
pub fn dot(a: Vec3, b: Vec3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Euclidean length.
#[must_use]
pub fn norm(a: Vec3) -> f32 {
    dot(a, a).sqrt()
}

/// Centroid of some positions (origin when empty).
#[must_use]
pub fn centroid(points: &[Vec3]) -> Vec3 {
    if points.is_empty() {
        return [0.0; 3];
    }
    let n = points.len() as f32;
    let mut c = [0.0; 3];
    for p in points {
        for i in 0..3 {
            c[i] += p[i] / n;
        }
    }
    c
}

/// Joint angle at `b` between `a` and `c`, in degrees 0..180.
#[must_use]
#[allow(clippy::many_single_char_names)] // vector maths reads best in its usual letters
pub fn angle_deg(a: Vec3, b: Vec3, c: Vec3) -> Option<f32> {
    let u = sub(a, b);
    let v = sub(c, b);
    let nu = norm(u);
    let nv = norm(v);
    if nu <= f32::EPSILON || nv <= f32::EPSILON {
        return None;
    }
    Some((dot(u, v) / (nu * nv)).clamp(-1.0, 1.0).acos().to_degrees())
}

/// How far the measures need a sense of "before": the settled start position.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeasureCtx {
    /// Body-size unit (pixels or metres).
    pub torso_len: f32,
    /// Baseline centroid of the measured points, for `displacement`.
    pub baseline_centroid: Option<Vec3>,
    /// Baseline pair distance, for `roll` with `span = "baseline"`.
    pub baseline_span: Option<f32>,
    /// Baseline horizontal extent of the pair, for `turn` in 2D.
    pub baseline_dx: Option<f32>,
    /// Horizontal "front" direction fixed at baseline, for `lean` and `ahead`, so
    /// leaning far back (front point passing behind the first point) keeps its sign.
    pub baseline_forward: Option<Vec3>,
    /// Whether positions are 3D.
    pub is_3d: bool,
}

/// The signals rules are built from. Units: degrees or torso lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Joint angle at the middle point.
    Angle,
    /// Segment angle from straight up, unsigned.
    Incline,
    /// Segment angle from straight up, + toward a front reference point.
    Lean,
    /// Segment angle from horizontal, + when the second point is higher.
    Tilt,
    /// How far a pair's line has rolled out of horizontal, from its vertical split.
    Roll,
    /// Head turn seen from the front, from the nose between the ears.
    Yaw,
    /// How far a pair's line has turned out of the picture plane.
    Turn,
    /// Straight-line distance.
    Distance,
    /// Horizontal distance.
    Horizontal,
    /// How far the second point is above the first.
    Rise,
    /// Horizontal offset toward a front reference point.
    Ahead,
    /// Offset along the direction to a third point.
    Toward,
    /// How far the points' centroid moved from its baseline.
    Displacement,
    /// The upper back's curve from the silhouette, degrees, + rounded.
    ThoracicFlexion,
    /// The low back's curve from the silhouette, degrees, + rounded.
    LumbarFlexion,
}

/// What a measure's numbers mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Degrees.
    Deg,
    /// Torso lengths.
    Torso,
}

impl Unit {
    /// Short label for reports.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Unit::Deg => "deg",
            Unit::Torso => "torso",
        }
    }
}

impl Measure {
    /// How many points the measure takes (`None`: one or more).
    #[must_use]
    pub fn arity(self) -> Option<usize> {
        match self {
            Measure::Angle | Measure::Lean | Measure::Yaw | Measure::Ahead | Measure::Toward => {
                Some(3)
            }
            Measure::Incline
            | Measure::Tilt
            | Measure::Roll
            | Measure::Turn
            | Measure::Distance
            | Measure::Horizontal
            | Measure::Rise => Some(2),
            Measure::Displacement => None,
            Measure::ThoracicFlexion | Measure::LumbarFlexion => Some(0),
        }
    }

    /// Whether the measure reads the back's curve (no points: the body's
    /// silhouette), which only a pose with a mask, seen side-on, carries.
    #[must_use]
    pub fn reads_spine(self) -> bool {
        matches!(self, Measure::ThoracicFlexion | Measure::LumbarFlexion)
    }

    /// The measure on the back's curve, for the spine measures.
    #[must_use]
    pub fn of_back(self, back: &BackCurve) -> Option<f32> {
        match self {
            Measure::ThoracicFlexion => Some(back.thoracic_deg),
            Measure::LumbarFlexion => Some(back.lumbar_deg),
            _ => None,
        }
    }

    /// Degrees or torso lengths.
    #[must_use]
    pub fn unit(self) -> Unit {
        match self {
            Measure::Angle
            | Measure::Incline
            | Measure::Lean
            | Measure::Tilt
            | Measure::Roll
            | Measure::Yaw
            | Measure::Turn
            | Measure::ThoracicFlexion
            | Measure::LumbarFlexion => Unit::Deg,
            Measure::Distance
            | Measure::Horizontal
            | Measure::Rise
            | Measure::Ahead
            | Measure::Toward
            | Measure::Displacement => Unit::Torso,
        }
    }

    /// Evaluates the measure on located points; `None` when the geometry is degenerate.
    #[must_use]
    #[allow(clippy::many_single_char_names)] // vector maths reads best in its usual letters
    pub fn eval(self, p: &[Vec3], span_torso: f32, ctx: &MeasureCtx) -> Option<f32> {
        let torso = ctx.torso_len;
        if !(torso > 0.0 && torso.is_finite()) {
            return None;
        }
        let eps = torso * DEGENERATE_TORSO;
        let get = |i: usize| p.get(i).copied();
        let value = match self {
            Measure::Angle => angle_deg(get(0)?, get(1)?, get(2)?)?,
            Measure::Incline => {
                let d = sub(get(1)?, get(0)?);
                let n = norm(d);
                if n <= eps {
                    return None;
                }
                (-d[1] / n).clamp(-1.0, 1.0).acos().to_degrees()
            }
            Measure::Lean => {
                let (a, b, f) = (get(0)?, get(1)?, get(2)?);
                let h = forward(ctx, sub(f, a), eps)?;
                let d = sub(b, a);
                if norm(d) <= eps {
                    return None;
                }
                dot(d, h).atan2(-d[1]).to_degrees()
            }
            Measure::Tilt => {
                let d = sub(get(1)?, get(0)?);
                let h = d[0].hypot(d[2]);
                if h <= eps && d[1].abs() <= eps {
                    return None;
                }
                (-d[1]).atan2(h).to_degrees()
            }
            Measure::Roll => {
                let (a, b) = (get(0)?, get(1)?);
                let span = ctx.baseline_span.unwrap_or(span_torso * torso);
                if span <= eps {
                    return None;
                }
                ((a[1] - b[1]) / span).clamp(-1.0, 1.0).asin().to_degrees()
            }
            Measure::Yaw => {
                let (a, b, tip) = (get(0)?, get(1)?, get(2)?);
                let u = [a[0] - b[0], a[1] - b[1], 0.0];
                let half = norm(u) / 2.0;
                if half <= eps {
                    return None;
                }
                let m = mid(a, b);
                let off = ((tip[0] - m[0]) * u[0] + (tip[1] - m[1]) * u[1]) / (2.0 * half);
                off.atan2(half).to_degrees()
            }
            Measure::Turn => {
                let d = sub(get(1)?, get(0)?);
                if ctx.is_3d {
                    d[2].abs().atan2(d[0].abs()).to_degrees()
                } else {
                    match ctx.baseline_dx {
                        Some(base) if base > eps => {
                            (d[0].abs() / base).clamp(0.0, 1.0).acos().to_degrees()
                        }
                        _ => 0.0,
                    }
                }
            }
            Measure::Distance => norm(sub(get(1)?, get(0)?)) / torso,
            Measure::Horizontal => {
                let d = sub(get(1)?, get(0)?);
                d[0].hypot(d[2]) / torso
            }
            Measure::Rise => (get(0)?[1] - get(1)?[1]) / torso,
            Measure::Ahead => {
                let (a, b, f) = (get(0)?, get(1)?, get(2)?);
                let h = forward(ctx, sub(f, a), eps)?;
                dot(sub(b, a), h) / torso
            }
            Measure::Toward => {
                let (a, b, c) = (get(0)?, get(1)?, get(2)?);
                let dir = sub(c, a);
                let n = norm(dir);
                if n <= eps {
                    return None;
                }
                dot(sub(b, a), dir) / n / torso
            }
            Measure::Displacement => match ctx.baseline_centroid {
                Some(base) => norm(sub(centroid(p), base)) / torso,
                None => 0.0,
            },
            // Read off the body's back curve, not its points (`Prepared::value`).
            Measure::ThoracicFlexion | Measure::LumbarFlexion => return None,
        };
        value.is_finite().then_some(value)
    }
}

/// The baseline front direction when known, else the one `d` shows now.
fn forward(ctx: &MeasureCtx, d: Vec3, eps: f32) -> Option<Vec3> {
    ctx.baseline_forward.or_else(|| horizontal_dir(d, eps))
}

/// Unit horizontal (x, z) direction of `d`, if it has one.
#[must_use]
pub fn horizontal_dir(d: Vec3, eps: f32) -> Option<Vec3> {
    let h = d[0].hypot(d[2]);
    (h > eps).then(|| [d[0] / h, 0.0, d[2] / h])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tf(p: Vec3, s: f32, t: Vec3) -> Vec3 {
        [p[0] * s + t[0], p[1] * s + t[1], p[2] * s + t[2]]
    }

    fn ctx(torso: f32) -> MeasureCtx {
        MeasureCtx {
            torso_len: torso,
            ..MeasureCtx::default()
        }
    }

    #[test]
    fn right_angle_is_ninety() {
        let a = angle_deg([1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]);
        assert!((a.unwrap_or(0.0) - 90.0).abs() < 1e-4);
    }

    #[test]
    fn names_parse_and_speak() {
        assert_eq!(PointRef::parse("mid_hip"), Some(PointRef::MID_HIP));
        assert_eq!(PointRef::MID_HIP.spoken(), "hips");
        assert_eq!(
            PointRef::parse("left_hip").map(PointRef::spoken).as_deref(),
            Some("left hip")
        );
        assert_eq!(PointRef::parse("mid_nose"), None);
        assert_eq!(
            Unseen(PointRef::Joint(Joint::LeftHip)).message(),
            "I can't see your left hip"
        );
        let back = Unseen(PointRef::Back).message();
        assert!(
            back.contains("curve of your back") && back.contains("side-on"),
            "{back}"
        );
        // Not a name a file may use as a point.
        assert_eq!(PointRef::parse("back"), None);
    }

    #[test]
    fn back_is_unseen_without_a_confident_curve() {
        let curve = |confidence| BackCurve {
            thoracic_deg: 30.0,
            lumbar_deg: -5.0,
            confidence,
        };
        let body = |s| Body::from_points([None; 33], false, true).with_spine(s);
        assert_eq!(body(None).back(), Err(Unseen(PointRef::Back)));
        assert_eq!(body(Some(curve(0.2))).back(), Err(Unseen(PointRef::Back)));
        let seen = body(Some(curve(0.8))).back().unwrap();
        assert_eq!(Measure::ThoracicFlexion.of_back(&seen), Some(30.0));
        assert_eq!(Measure::LumbarFlexion.of_back(&seen), Some(-5.0));
    }

    #[test]
    fn lean_sign_follows_front() {
        // Trunk leaning toward the knees (front) is positive, whichever way the person faces.
        let hip = [0.0, 0.0, 0.0];
        let shoulder = [1.0, -10.0, 0.0];
        for flip in [1.0_f32, -1.0] {
            let sh = [shoulder[0] * flip, shoulder[1], 0.0];
            let knee = [5.0 * flip, 0.0, 0.0];
            let v = Measure::Lean.eval(&[hip, sh, knee], 0.8, &ctx(10.0));
            assert!(v.unwrap_or(0.0) > 5.0);
        }
    }

    proptest! {
        #[test]
        fn angles_ignore_translation_and_scale(
            pts in prop::array::uniform3(prop::array::uniform3(-100.0f32..100.0)),
            s in 0.1f32..10.0,
            t in prop::array::uniform3(-500.0f32..500.0),
        ) {
            let (a, b, c) = (pts[0], pts[1], pts[2]);
            prop_assume!(norm(sub(a, b)) > 1.0 && norm(sub(c, b)) > 1.0);
            let before = angle_deg(a, b, c);
            let after = angle_deg(tf(a, s, t), tf(b, s, t), tf(c, s, t));
            prop_assert!(before.is_some() && after.is_some());
            prop_assert!((before.unwrap_or(0.0) - after.unwrap_or(0.0)).abs() < 0.05);
        }

        #[test]
        fn torso_measures_ignore_body_size(
            pts in prop::array::uniform3(prop::array::uniform3(-100.0f32..100.0)),
            s in 0.1f32..10.0,
            t in prop::array::uniform3(-500.0f32..500.0),
        ) {
            let moved: Vec<Vec3> = pts.iter().map(|p| tf(*p, s, t)).collect();
            prop_assume!(norm(sub(pts[2], pts[0])) > 1.0 && norm(sub(pts[1], pts[0])) > 1.0);
            for m in [Measure::Distance, Measure::Rise, Measure::Toward, Measure::Lean, Measure::Tilt] {
                let a = m.eval(&pts, 0.8, &ctx(50.0));
                let b = m.eval(&moved, 0.8, &ctx(50.0 * s));
                if let (Some(a), Some(b)) = (a, b) {
                    let tol = if m.unit() == Unit::Deg { 0.05 } else { 1e-3 };
                    prop_assert!((a - b).abs() < tol, "{m:?}: {a} vs {b}");
                }
            }
        }
    }
}
