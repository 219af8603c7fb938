//! Small, careful descriptive statistics shared by scaling, `describe` and the explainers.
//!
//! Sums are compensated (Neumaier), so means and variances of telemetry with a large offset
//! (timestamps, byte counters) keep their digits; quantiles interpolate linearly between order
//! statistics, which is numpy's and pandas' default, so our figures match theirs.

mod moments;
pub use moments::Moments;

/// Compensated sum of `values` (Neumaier's variant of Kahan summation).
pub fn sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut s = 0.0f64;
    let mut c = 0.0f64;
    for v in values {
        let t = s + v;
        if s.abs() >= v.abs() {
            c += (s - t) + v;
        } else {
            c += (v - t) + s;
        }
        s = t;
    }
    s + c
}

/// Arithmetic mean; NaN for no values. Finite for any finite values: when the sum overflows
/// (values near 1e308), the values are averaged scaled down by the largest magnitude.
pub fn mean(values: &[f64]) -> f64 {
    let m = sum(values.iter().copied()) / values.len() as f64;
    if m.is_finite() || values.iter().any(|v| !v.is_finite()) {
        return m;
    }
    let s = max_abs(values.iter().copied());
    s * (sum(values.iter().map(|v| v / s)) / values.len() as f64)
}

fn max_abs(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |m: f64, v| m.max(v.abs()))
}

/// Population standard deviation (ddof = 0) around `mean`: the square root of [`variance`],
/// and where squaring would overflow (deviations above about 1e154) or underflow (below about
/// 1e-154), the same computed on deviations scaled by the largest one, so it is right from
/// 1e-300 to 1e300.
///
/// ```
/// use telecluster::stats::{mean, std};
/// let v = [1e300, 3e300];
/// assert!((std(&v, mean(&v)) / 1e300 - 1.0).abs() < 1e-12);
/// let w = [1e-300, 3e-300];
/// assert!((std(&w, mean(&w)) / 1e-300 - 1.0).abs() < 1e-12);
/// ```
pub fn std(values: &[f64], mean: f64) -> f64 {
    let var = variance(values, mean);
    if var.is_finite() && (var >= f64::MIN_POSITIVE || values.iter().all(|&v| v == mean)) {
        return var.sqrt();
    }
    let s = max_abs(values.iter().map(|v| v - mean));
    if !(s > 0.0 && s.is_finite()) {
        return if s == 0.0 { 0.0 } else { var.sqrt() };
    }
    let scaled: Vec<f64> = values.iter().map(|v| (v - mean) / s).collect();
    s * variance(&scaled, 0.0).sqrt()
}

/// Population variance (ddof = 0) around `mean`, with the two-pass correction term that removes
/// the rounding error left in `mean` (the "corrected two-pass" algorithm of Chan, Golub and LeVeque).
pub fn variance(values: &[f64], mean: f64) -> f64 {
    let n = values.len() as f64;
    let correction = sum(values.iter().map(|v| v - mean));
    let sq = sum(values.iter().map(|v| (v - mean) * (v - mean)));
    ((sq - correction * correction / n) / n).max(0.0)
}

/// The `q`-quantile (0 ≤ q ≤ 1) of already sorted values, linearly interpolated between order
/// statistics (numpy's `method="linear"`); NaN for no values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let t = h - lo as f64;
    lerp(sorted[lo], sorted[hi], t)
}

/// Linear interpolation written as numpy writes it (from the nearer end), so results agree to the bit.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The median of `v`, reordering it: the same value, to the bit, as [`quantile_sorted`] at 0.5
/// on the sorted values, found by selection in linear time; NaN for no values.
///
/// ```
/// let mut v = [4.0, 1.0, 3.0, 2.0];
/// assert_eq!(telecluster::stats::median(&mut v), 2.5);
/// ```
pub fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let lo = (n - 1) / 2;
    let t = (n - 1) as f64 * 0.5 - lo as f64;
    let (_, &mut a, above) = v.select_nth_unstable_by(lo, f64::total_cmp);
    // The next order statistic is the smallest value above the selected one.
    let b = above.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
    lerp(a, b, t)
}

/// Median and median absolute deviation (unscaled) of `v`, reordering it; NaN for no values.
///
/// ```
/// let mut v = [1.0, 9.0, 2.0, 3.0, 4.0];
/// assert_eq!(telecluster::stats::median_and_mad(&mut v), (3.0, 1.0));
/// ```
pub fn median_and_mad(v: &mut [f64]) -> (f64, f64) {
    let med = median(v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
    (med, median(&mut dev))
}

/// A typical (median) distance to divide by: the median of `v`, or where that is 0 (more than
/// half the rows sit on exact duplicates, as long runs of repeated values do) the median of the
/// positive values; 0 only when no value is positive. Non-finite values are ignored.
///
/// ```
/// use telecluster::stats::typical;
/// assert_eq!(typical(&[0.0, 0.0, 0.0, 2.0, 4.0]), 3.0);
/// assert_eq!(typical(&[1.0, 2.0, 3.0]), 2.0);
/// assert_eq!(typical(&[0.0, 0.0]), 0.0);
/// ```
pub fn typical(v: &[f64]) -> f64 {
    let mut finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    let m = median(&mut finite);
    if m > 0.0 {
        return m;
    }
    let mut positive: Vec<f64> = finite.into_iter().filter(|&x| x > 0.0).collect();
    if positive.is_empty() {
        0.0
    } else {
        median(&mut positive)
    }
}

/// Sorts a copy of `values` (total order; callers pass finite values).
pub fn sorted(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_unstable_by(f64::total_cmp);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_keeps_small_terms() {
        let v = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(sum(v), 2.0);
    }

    #[test]
    fn variance_is_population_variance() {
        let v = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let m = mean(&v);
        assert_eq!(m, 5.0);
        assert_eq!(variance(&v, m), 4.0);
        let offset: Vec<f64> = v.iter().map(|x| x + 1e9).collect();
        let mo = mean(&offset);
        assert!((variance(&offset, mo) - 4.0).abs() < 1e-6);
    }

    proptest::proptest! {
        #[test]
        fn median_by_selection_equals_the_sorted_quantile(
            v in proptest::collection::vec(-1e6f64..1e6, 1..60),
            dup in 0usize..4,
        ) {
            let mut v = v;
            let extra: Vec<f64> = v.iter().take(dup).copied().collect();
            v.extend(extra);
            let sorted = sorted(v.iter().copied());
            let mut w = v.clone();
            proptest::prop_assert_eq!(median(&mut w).to_bits(), quantile_sorted(&sorted, 0.5).to_bits());
        }
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        // numpy: np.percentile([1,2,3,4], 95) == 3.85
        assert!((quantile_sorted(&s, 0.95) - 3.85).abs() < 1e-15);
        assert_eq!(quantile_sorted(&[7.0], 0.3), 7.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }
}
