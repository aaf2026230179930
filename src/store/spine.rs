//! The back's curve in the history: three columns on each timeline sample,
//! so a session reopened from the history gives the same per-rep ranges as
//! the summary did when it ended, and the history can show their trend.

use crate::session::SpineSample;

/// Adds the back's curve to the timeline samples (NULL where no curve was
/// read, and in every session recorded before this). Kept apart from the
/// list of migrations so its number can change when branches meet: it is
/// appended to `schema::MIGRATIONS` as one entry.
pub(super) const SPINE_COLUMNS: &str = "ALTER TABLE samples ADD COLUMN thoracic_deg REAL;
    ALTER TABLE samples ADD COLUMN lumbar_deg REAL;
    ALTER TABLE samples ADD COLUMN spine_confidence REAL;";

/// A sample's curve as the three column values.
pub(super) fn columns(spine: Option<SpineSample>) -> [Option<f64>; 3] {
    spine.map_or([None; 3], |s| {
        [
            Some(f64::from(s.thoracic_deg)),
            Some(f64::from(s.lumbar_deg)),
            Some(f64::from(s.confidence)),
        ]
    })
}

/// The curve back from the three column values: all three or none.
pub(super) fn from_columns(
    thoracic: Option<f64>,
    lumbar: Option<f64>,
    confidence: Option<f64>,
) -> Option<SpineSample> {
    let s = SpineSample {
        thoracic_deg: thoracic? as f32,
        lumbar_deg: lumbar? as f32,
        confidence: confidence? as f32,
    };
    (s.thoracic_deg.is_finite() && s.lumbar_deg.is_finite() && s.confidence.is_finite())
        .then_some(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test should stop loudly at the first surprise
mod tests {
    use super::super::schema::MIGRATIONS;
    use super::super::{NewSession, Recorder, Sample, Store};
    use super::*;

    fn meta() -> NewSession {
        NewSession {
            exercise_id: "cat-cow".to_owned(),
            exercise_name: "Cat-cow".to_owned(),
            source: "test".to_owned(),
            model: "blazepose-full".to_owned(),
            rom_unit: "torso".to_owned(),
            started_unix_s: 1_700_000_000.0,
        }
    }

    /// Two cat-cow reps whose mid-back rounds to 48 and arches to 7.
    fn samples() -> Vec<Sample> {
        (0..90)
            .map(|i| {
                let k = i % 40;
                let curve = if k < 20 { 30.0 } else { -25.0 };
                Sample {
                    t_s: f64::from(i) * 0.1,
                    observable: true,
                    placement_ok: true,
                    reps_left: u32::from(i >= 25) + u32::from(i >= 65),
                    spine: Some(SpineSample {
                        thoracic_deg: 18.0 + curve,
                        lumbar_deg: 5.0,
                        confidence: 0.8,
                    }),
                    ..Sample::default()
                }
            })
            .collect()
    }

    /// A history from before the back's curve keeps its sessions (without
    /// a curve); a session recorded after the update reads back with its
    /// per-rep ranges, as its summary gave them when it ended.
    #[test]
    fn the_curve_is_kept_and_an_older_history_still_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let before = MIGRATIONS.iter().position(|m| *m == SPINE_COLUMNS).unwrap();
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(&format!("PRAGMA user_version = {before}"))
                .unwrap();
        }
        let old = {
            let mut rec = Recorder::start(&path, &meta()).unwrap();
            rec.push(Sample::default()).unwrap();
            rec.finish().unwrap()
        };
        let mut rec = Recorder::start(&path, &meta()).unwrap();
        for s in samples() {
            rec.push(s).unwrap();
        }
        let new = rec.finish().unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.samples(new).unwrap(), samples());
        assert!(store.samples(old).unwrap()[0].spine.is_none());
        let sessions = store.sessions().unwrap();
        let of = |id: i64| sessions.iter().find(|s| s.id == id).unwrap();
        assert!(of(old).spine.is_none());
        let spine = of(new).spine.as_ref().unwrap();
        assert_eq!(
            Some(spine),
            crate::session::SpineRanges::from_samples(&samples()).as_ref()
        );
        assert_eq!(spine.reps.len(), 2);
        assert_eq!(spine.reps[0].thoracic_max_deg, Some(48.0));
        assert_eq!(spine.reps[0].thoracic_min_deg, Some(-7.0));
    }
}
