//! Pose types shared by every stage: what a model saw in one frame.
//!
//! Stage: pose (data only). Depends on nothing but serde. Keypoints are in
//! pixels of the original frame; world points are metres, hip-centred.

use serde::{Deserialize, Serialize};

/// A body landmark, by name.
///
/// The names are MediaPipe's 33 pose landmarks; the 17 COCO joints that
/// MoveNet reports carry the same names, so rules never need to know which
/// model produced a pose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Joint {
    Nose,
    LeftEyeInner,
    LeftEye,
    LeftEyeOuter,
    RightEyeInner,
    RightEye,
    RightEyeOuter,
    LeftEar,
    RightEar,
    MouthLeft,
    MouthRight,
    LeftShoulder,
    RightShoulder,
    LeftElbow,
    RightElbow,
    LeftWrist,
    RightWrist,
    LeftPinky,
    RightPinky,
    LeftIndex,
    RightIndex,
    LeftThumb,
    RightThumb,
    LeftHip,
    RightHip,
    LeftKnee,
    RightKnee,
    LeftAnkle,
    RightAnkle,
    LeftHeel,
    RightHeel,
    LeftFootIndex,
    RightFootIndex,
}

/// COCO-17 order, as MoveNet emits its keypoints.
pub const COCO_17: [Joint; 17] = [
    Joint::Nose,
    Joint::LeftEye,
    Joint::RightEye,
    Joint::LeftEar,
    Joint::RightEar,
    Joint::LeftShoulder,
    Joint::RightShoulder,
    Joint::LeftElbow,
    Joint::RightElbow,
    Joint::LeftWrist,
    Joint::RightWrist,
    Joint::LeftHip,
    Joint::RightHip,
    Joint::LeftKnee,
    Joint::RightKnee,
    Joint::LeftAnkle,
    Joint::RightAnkle,
];

/// MediaPipe's 33 body landmarks, in the order BlazePose emits them.
pub const BLAZEPOSE_33: [Joint; 33] = [
    Joint::Nose,
    Joint::LeftEyeInner,
    Joint::LeftEye,
    Joint::LeftEyeOuter,
    Joint::RightEyeInner,
    Joint::RightEye,
    Joint::RightEyeOuter,
    Joint::LeftEar,
    Joint::RightEar,
    Joint::MouthLeft,
    Joint::MouthRight,
    Joint::LeftShoulder,
    Joint::RightShoulder,
    Joint::LeftElbow,
    Joint::RightElbow,
    Joint::LeftWrist,
    Joint::RightWrist,
    Joint::LeftPinky,
    Joint::RightPinky,
    Joint::LeftIndex,
    Joint::RightIndex,
    Joint::LeftThumb,
    Joint::RightThumb,
    Joint::LeftHip,
    Joint::RightHip,
    Joint::LeftKnee,
    Joint::RightKnee,
    Joint::LeftAnkle,
    Joint::RightAnkle,
    Joint::LeftHeel,
    Joint::RightHeel,
    Joint::LeftFootIndex,
    Joint::RightFootIndex,
];

impl Joint {
    /// The snake_case name used in JSON and in exercise files.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Joint::Nose => "nose",
            Joint::LeftEyeInner => "left_eye_inner",
            Joint::LeftEye => "left_eye",
            Joint::LeftEyeOuter => "left_eye_outer",
            Joint::RightEyeInner => "right_eye_inner",
            Joint::RightEye => "right_eye",
            Joint::RightEyeOuter => "right_eye_outer",
            Joint::LeftEar => "left_ear",
            Joint::RightEar => "right_ear",
            Joint::MouthLeft => "mouth_left",
            Joint::MouthRight => "mouth_right",
            Joint::LeftShoulder => "left_shoulder",
            Joint::RightShoulder => "right_shoulder",
            Joint::LeftElbow => "left_elbow",
            Joint::RightElbow => "right_elbow",
            Joint::LeftWrist => "left_wrist",
            Joint::RightWrist => "right_wrist",
            Joint::LeftPinky => "left_pinky",
            Joint::RightPinky => "right_pinky",
            Joint::LeftIndex => "left_index",
            Joint::RightIndex => "right_index",
            Joint::LeftThumb => "left_thumb",
            Joint::RightThumb => "right_thumb",
            Joint::LeftHip => "left_hip",
            Joint::RightHip => "right_hip",
            Joint::LeftKnee => "left_knee",
            Joint::RightKnee => "right_knee",
            Joint::LeftAnkle => "left_ankle",
            Joint::RightAnkle => "right_ankle",
            Joint::LeftHeel => "left_heel",
            Joint::RightHeel => "right_heel",
            Joint::LeftFootIndex => "left_foot_index",
            Joint::RightFootIndex => "right_foot_index",
        }
    }

    /// Looks a joint up by its snake_case name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Joint> {
        BLAZEPOSE_33.iter().copied().find(|j| j.name() == name)
    }

    /// The same joint on the other side of the body (itself for the nose).
    #[must_use]
    pub fn mirrored(self) -> Joint {
        let name = self.name();
        let swapped = if let Some(rest) = name.strip_prefix("left_") {
            format!("right_{rest}")
        } else if let Some(rest) = name.strip_prefix("right_") {
            format!("left_{rest}")
        } else if name == "mouth_left" {
            "mouth_right".to_owned()
        } else if name == "mouth_right" {
            "mouth_left".to_owned()
        } else {
            return self;
        };
        Joint::from_name(&swapped).unwrap_or(self)
    }
}

impl std::fmt::Display for Joint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One keypoint in pixels of the original frame, with the model's confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Keypoint {
    /// Which landmark this is.
    #[serde(rename = "name")]
    pub joint: Joint,
    /// Horizontal position in original-frame pixels.
    pub x: f32,
    /// Vertical position in original-frame pixels (down is positive).
    pub y: f32,
    /// Confidence in 0..1; low means the model is guessing.
    pub score: f32,
}

/// One landmark in metres, hip-centred (BlazePose's world coordinates).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorldPoint {
    /// Which landmark this is.
    #[serde(rename = "name")]
    pub joint: Joint,
    /// Metres, to the person's left in the camera picture is negative x.
    pub x: f32,
    /// Metres, down is positive (image convention).
    pub y: f32,
    /// Metres, away from the camera is positive.
    pub z: f32,
}

/// One person as a model saw them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// How sure the model is that a person is there at all (0..1).
    pub score: f32,
    /// Keypoints in the model's own order.
    pub keypoints: Vec<Keypoint>,
    /// 3D world coordinates when the model gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world: Option<Vec<WorldPoint>>,
    /// The back's curve read from the person's silhouette, when the
    /// estimator ran its mask and the view showed the back (side views).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spine: Option<crate::pose::spine::Spine>,
}

impl Person {
    /// The keypoint for `joint`, whatever its score.
    #[must_use]
    pub fn keypoint(&self, joint: Joint) -> Option<&Keypoint> {
        self.keypoints.iter().find(|k| k.joint == joint)
    }

    /// The keypoint for `joint` only when the model is at least `min_score` sure of it
    /// and its coordinates are finite.
    #[must_use]
    pub fn confident(&self, joint: Joint, min_score: f32) -> Option<&Keypoint> {
        self.keypoint(joint)
            .filter(|k| k.score >= min_score && k.x.is_finite() && k.y.is_finite())
    }

    /// The world point for `joint`, when the model gives 3D coordinates.
    #[must_use]
    pub fn world_point(&self, joint: Joint) -> Option<&WorldPoint> {
        self.world.as_ref()?.iter().find(|w| w.joint == joint)
    }
}

/// Everything the pose stage learned from one frame: the line format of
/// `formcoach pose` and of pose tracks (`.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoseFrame {
    /// The image path as given, for still images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Seconds from the start of the video or track.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// The model that produced the people.
    pub model: String,
    /// Time spent in the model for this frame.
    #[serde(default)]
    pub inference_ms: f64,
    /// People found; empty when nobody is there.
    pub people: Vec<Person>,
    /// How many other people the tracker saw but did not follow.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub others_present: u32,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_mirror() {
        for j in BLAZEPOSE_33 {
            assert_eq!(Joint::from_name(j.name()), Some(j));
            assert_eq!(j.mirrored().mirrored(), j);
        }
        assert_eq!(Joint::LeftHip.mirrored(), Joint::RightHip);
        assert_eq!(Joint::Nose.mirrored(), Joint::Nose);
    }

    #[test]
    fn pose_line_parses() {
        let line = r#"{"t":0.5,"width":640,"height":480,"model":"movenet-thunder","people":[{"score":0.7,"keypoints":[{"name":"nose","x":1.0,"y":2.0,"score":0.9}]}]}"#;
        let frame: PoseFrame = serde_json::from_str(line).unwrap();
        assert_eq!(frame.people[0].keypoints[0].joint, Joint::Nose);
        assert_eq!(frame.t, Some(0.5));
    }
}
