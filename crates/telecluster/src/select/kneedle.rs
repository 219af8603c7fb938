//! Kneedle: where a curve bends most (Satopää, Albrecht, Irwin, Raghavan, "Finding a 'Kneedle'
//! in a Haystack", ICDCS workshops 2011).
//!
//! Both axes are scaled onto [0, 1] and the curve is flipped so that its knee is the maximum of
//! the *difference curve* (its distance above the diagonal). A local maximum of the difference
//! curve counts as a knee once the curve, further on, falls below
//! `maximum − sensitivity × mean x-spacing`: the bend must be followed by a flattening.
//!
//! **Sensitivity** (`S`, default 1): 0 accepts every local maximum; larger values demand a
//! flatter curve after the bend and so find fewer, clearer knees. With several confirmed knees the
//! sharpest (largest difference) wins; with none, the largest positive difference is taken, so a
//! short curve (an elbow sweep of 10 values) still gets an answer.

/// The shape of the curve whose knee is sought.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Falls steeply, then flattens (inertia against k: the elbow).
    ConvexDecreasing,
    /// Flat, then rises steeply (sorted k-distances: the eps knee).
    ConvexIncreasing,
}

/// Index of the knee of `(x[i], y[i])` (x strictly increasing), or `None` for fewer than three
/// points, a flat curve, or one with no bend in the expected direction.
///
/// # Examples
/// ```
/// use telecluster::select::kneedle::{knee, Shape};
/// let k = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
/// let inertia = [640.0, 266.7, 48.5, 15.9, 10.5, 6.6, 4.7];
/// assert_eq!(knee(&k, &inertia, 1.0, Shape::ConvexDecreasing), Some(2)); // k = 3
/// ```
pub fn knee(x: &[f64], y: &[f64], sensitivity: f64, shape: Shape) -> Option<usize> {
    let n = x.len().min(y.len());
    if n < 3 {
        return None;
    }
    let (x0, x1) = (x[0], x[n - 1]);
    let (ylo, yhi) = y[..n]
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    // Also rejects NaN spans: a span that is not positive leaves nothing to normalise.
    let spans_positive = (x1 - x0) > 0.0 && (yhi - ylo) > 0.0;
    if !spans_positive {
        return None;
    }
    let xn = |i: usize| (x[i] - x0) / (x1 - x0);
    let yn = |i: usize| (y[i] - ylo) / (yhi - ylo);
    // Flip into "concave increasing": the knee is then the maximum of y' − x'.
    let diff: Vec<f64> = (0..n)
        .map(|i| match shape {
            Shape::ConvexDecreasing => (1.0 - yn(i)) - xn(i),
            Shape::ConvexIncreasing => xn(i) - yn(i),
        })
        .collect();
    let spacing = 1.0 / (n - 1) as f64;
    let is_local_max = |i: usize| {
        let left = i == 0 || diff[i] >= diff[i - 1];
        let right = i == n - 1 || diff[i] > diff[i + 1];
        left && right && diff[i] > 1e-9
    };
    // Scan in the direction of the flipped curve: increasing x for the elbow, decreasing x
    // (from the steep end) for the increasing curve.
    let order: Vec<usize> = match shape {
        Shape::ConvexDecreasing => (0..n).collect(),
        Shape::ConvexIncreasing => (0..n).rev().collect(),
    };
    let mut best: Option<usize> = None;
    for (pos, &i) in order.iter().enumerate() {
        if !is_local_max(i) {
            continue;
        }
        let threshold = diff[i] - sensitivity * spacing;
        let confirmed = order[pos + 1..]
            .iter()
            .take_while(|&&j| !is_local_max(j))
            .any(|&j| diff[j] < threshold);
        if confirmed && best.is_none_or(|b| diff[i] > diff[b]) {
            best = Some(i);
        }
    }
    best.or_else(|| {
        (0..n)
            .filter(|&i| diff[i] > 1e-9)
            .max_by(|&a, &b| diff[a].total_cmp(&diff[b]).then(b.cmp(&a)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elbow_of_a_clear_curve() {
        let k: Vec<f64> = (1..=10).map(f64::from).collect();
        let y: Vec<f64> = k
            .iter()
            .map(|&k| if k <= 4.0 { 100.0 - 24.0 * k } else { 4.0 - 0.1 * k })
            .collect();
        assert_eq!(knee(&k, &y, 1.0, Shape::ConvexDecreasing), Some(3));
    }

    #[test]
    fn knee_of_an_increasing_curve() {
        // flat k-distances, then a steep rise at the outliers
        let y: Vec<f64> = (0..100)
            .map(|i| {
                if i < 90 {
                    0.1 + 0.001 * i as f64
                } else {
                    0.2 + (i - 89) as f64
                }
            })
            .collect();
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let k = knee(&x, &y, 1.0, Shape::ConvexIncreasing).unwrap();
        assert!((88..=90).contains(&k), "{k}");
    }

    #[test]
    fn degenerate_curves_have_no_knee() {
        assert_eq!(knee(&[1.0, 2.0], &[2.0, 1.0], 1.0, Shape::ConvexDecreasing), None);
        assert_eq!(
            knee(&[1.0, 2.0, 3.0], &[1.0, 1.0, 1.0], 1.0, Shape::ConvexDecreasing),
            None
        );
        // a straight line has no bend
        assert_eq!(
            knee(
                &[1.0, 2.0, 3.0, 4.0],
                &[4.0, 3.0, 2.0, 1.0],
                1.0,
                Shape::ConvexDecreasing
            ),
            None
        );
        assert_eq!(
            knee(&[1.0, 1.0, 1.0], &[3.0, 2.0, 1.0], 1.0, Shape::ConvexDecreasing),
            None
        );
    }
}
