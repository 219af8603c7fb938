//! Small, careful descriptive statistics shared by scaling, `describe` and the explainers.
//!
//! Sums are compensated (Neumaier), so means and variances of telemetry with a large offset
//! (timestamps, byte counters) keep their digits; quantiles interpolate linearly between order
//! statistics, which is numpy's and pandas' default, so our figures match theirs.

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

/// Arithmetic mean; NaN for no values.
pub fn mean(values: &[f64]) -> f64 {
    sum(values.iter().copied()) / values.len() as f64
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

/// Median and median absolute deviation (unscaled) of `v`, sorting it in place; NaN for no
/// values.
///
/// ```
/// let mut v = [1.0, 9.0, 2.0, 3.0, 4.0];
/// assert_eq!(telecluster::stats::median_and_mad(&mut v), (3.0, 1.0));
/// ```
pub fn median_and_mad(v: &mut [f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let med = quantile_sorted(v, 0.5);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    (med, quantile_sorted(&dev, 0.5))
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
