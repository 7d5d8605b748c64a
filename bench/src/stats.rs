//! Order statistics used by every benchmark: medians and nearest-rank percentiles.

/// The `q`-quantile (`0.0..=1.0`) of `sorted` by the nearest-rank method: the smallest value
/// such that at least `q` of the samples are less than or equal to it. `None` when empty.
pub(crate) fn percentile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let q = q.clamp(0.0, 1.0);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The median of `values` (the mean of the two middle values for an even count). `None` when
/// empty.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// The latency summary of a set of samples in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Summary {
    /// Number of samples.
    pub(crate) calls: u64,
    /// Median.
    pub(crate) p50_ns: u64,
    /// 99th percentile.
    pub(crate) p99_ns: u64,
    /// 99.9th percentile.
    pub(crate) p999_ns: u64,
    /// Largest sample.
    pub(crate) max_ns: u64,
}

impl Summary {
    /// Summarizes `samples`, sorting them in place.
    pub(crate) fn of(samples: &mut [u64]) -> Summary {
        samples.sort_unstable();
        let p = |q| percentile(samples, q).unwrap_or(0);
        Summary {
            calls: samples.len() as u64,
            p50_ns: p(0.5),
            p99_ns: p(0.99),
            p999_ns: p(0.999),
            max_ns: samples.last().copied().unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&v, 0.5), Some(500));
        assert_eq!(percentile(&v, 0.99), Some(990));
        assert_eq!(percentile(&v, 0.999), Some(999));
        assert_eq!(percentile(&v, 1.0), Some(1000));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[7], 0.999), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn summary_sorts_and_keeps_the_maximum() {
        let mut v = vec![5, 1, 9, 3, 7];
        let s = Summary::of(&mut v);
        assert_eq!(
            s,
            Summary {
                calls: 5,
                p50_ns: 5,
                p99_ns: 9,
                p999_ns: 9,
                max_ns: 9
            }
        );
    }
}
