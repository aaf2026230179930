#![allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise

use super::*;
use crate::coach::Catalogue;
use crate::coach::engine::tests::{all_fours, frame};
use crate::pose::Joint;

#[test]
fn smoothed_pipeline_reports_warning_unseen_time_and_json_fields() {
    let (cat, _) = Catalogue::builtin();
    let ex = cat.get("thread-the-needle").unwrap();
    let frames = (0..240).map(|i| {
        let t = f64::from(i) / 30.0;
        let mut p = all_fours();
        if (3.0..5.0).contains(&t) {
            for (j, q) in &mut p {
                if matches!(j, Joint::LeftHip | Joint::RightHip) {
                    q[0] -= 60.0;
                }
            }
        }
        let hidden = if (6.0..7.0).contains(&t) {
            vec![Joint::LeftHip, Joint::RightHip]
        } else {
            vec![]
        };
        frame(t, &p, &hidden)
    });
    let report = analyze_track(ex, frames);
    assert_eq!(report.frames, 240);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let w = &report.warnings[0];
    assert_eq!(w.rule, "hips-still");
    // Smoothing adds a little lag on top of the dwell; still well under 300 ms.
    assert!(w.t_s > 3.0 && w.t_s < 3.3, "{w:?}");
    assert!(w.end_s.is_some_and(|e| e > 5.0 && e < 5.4), "{w:?}");
    assert!(
        (report.unobservable_s - 1.0).abs() < 0.1,
        "{}",
        report.unobservable_s
    );
    assert!(report.good_form_ratio > 0.5 && report.good_form_ratio < 0.9);
    let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    for key in [
        "exercise",
        "duration_s",
        "frames",
        "reps",
        "holds",
        "good_form_ratio",
        "unobservable_s",
        "warnings",
        "rom",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    for key in ["t_s", "end_s", "rule", "message", "side"] {
        assert!(json["warnings"][0].get(key).is_some(), "{key}");
    }
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
    assert!(report.summary_text().contains("hips-still"));
}
