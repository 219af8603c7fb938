//! The distance every engine and index shares.

/// Squared Euclidean distance, summed over features in order.
///
/// This is the order scikit-learn's trees use for their reduced distance, so radius tests
/// (`sq_dist <= eps²`) decide ties the same way.
#[inline]
pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let t = x - y;
        s += t * t;
    }
    s
}
