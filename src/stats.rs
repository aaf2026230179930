//! Small order statistics shared by the evaluation and the live speed figures.

/// The `q` quantile of `values` by nearest rank (no interpolation: with a
/// handful of readings, interpolating would only pretend to precision);
/// `None` when there are none.
#[must_use]
pub fn nearest_rank(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn picks_the_nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 0.5), Some(5.0));
        assert_eq!(nearest_rank(&v, 0.9), Some(9.0));
        assert_eq!(nearest_rank(&v, 0.0), Some(1.0));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }

    proptest! {
        #[test]
        fn the_answer_is_one_of_the_values(
            v in prop::collection::vec(-1e6f64..1e6, 1..50),
            q in 0.0f64..=1.0,
        ) {
            let got = nearest_rank(&v, q).unwrap();
            prop_assert!(v.contains(&got));
        }
    }
}
