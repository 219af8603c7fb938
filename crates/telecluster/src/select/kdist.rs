//! The eps assistant: the sorted k-distance curve and its knee.
//!
//! A row's k-distance is the distance to its k-th nearest other row, with k = `min_samples − 1`
//! (the row itself is the first of its `min_samples`). Sorted ascending, the curve is flat over
//! rows inside dense groups and rises steeply at the sparse ones; its knee (the same Kneedle as
//! for the elbow, [`Shape::ConvexIncreasing`]) is the distance where density gives out, and the
//! suggested `eps`. At that eps, rows at or left of the knee have `min_samples` rows within eps
//! and are core; rows on the steep part are not.
//!
//! Above `max_rows` rows the curve is drawn for a uniform random sample of rows (their
//! k-distances still measured against every row), and says so.

use rayon::prelude::*;

use super::kneedle::{knee, Shape};
use crate::error::{Error, Param, Result};
use crate::index::kdtree::KdTree;
use crate::matrix::Matrix;
use crate::rng::Rng;
use crate::stats::quantile_sorted;

/// Rows above which the curve is drawn for a sample ([`curve`]'s default).
pub const MAX_CURVE_ROWS: usize = 20_000;

/// The k-distance curve and the eps it suggests.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct KDistance {
    /// Neighbours counted (`min_samples − 1`).
    pub k: usize,
    /// Rows in the input.
    pub n_rows: usize,
    /// Rows on the curve: all of them, or a sample above [`MAX_CURVE_ROWS`].
    pub sampled_rows: usize,
    /// The k-distances, ascending.
    pub sorted: Vec<f64>,
    /// Index of the knee on `sorted`, if the curve bends.
    pub knee: Option<usize>,
    /// Suggested eps: the k-distance at the knee, or the median k-distance of a curve without
    /// one (every row about equally dense). Where that is 0 (rows with `k` exact duplicates),
    /// the smallest positive k-distance instead; 0 only when every k-distance is 0.
    pub eps: f64,
}

impl KDistance {
    /// Whether the curve was drawn from a sample of rows.
    pub fn is_sampled(&self) -> bool {
        self.sampled_rows < self.n_rows
    }
}

/// Every row's distance to its `k`-th nearest other row (`k ≥ 1`; infinity with fewer than
/// `k` other rows), over a kd-tree of the rows.
pub fn k_distances(x: &Matrix, k: usize) -> Vec<f64> {
    k_distances_in(&KdTree::build(x.as_slice(), x.n_cols()), k)
}

/// [`k_distances`] over a tree already built on the same rows (shared with DBSCAN and the
/// curve).
pub fn k_distances_in(tree: &KdTree, k: usize) -> Vec<f64> {
    // Queries in tree order: blocks of neighbouring rows share one walk of the tree. The row
    // itself is at distance 0: the k-th other row is the (k + 1)-th overall.
    let by_pos = tree.kth_sq_dists_of_rows(k + 1);
    let mut out = vec![0.0; tree.len()];
    for (p, v) in by_pos.into_iter().enumerate() {
        out[tree.row(p)] = v.sqrt();
    }
    out
}

/// The k-distances of some rows (`rows`, in any order; the result follows it).
fn rows_k_distances(tree: &KdTree, k: usize, rows: &[usize]) -> Vec<f64> {
    let pos = tree.positions();
    let mut by_pos: Vec<u32> = rows.iter().map(|&r| pos[r]).collect();
    by_pos.sort_unstable();
    let found: Vec<f64> = by_pos
        .par_iter()
        .map(|&p| tree.kth_sq_dist(tree.point(p as usize), k + 1).sqrt())
        .collect();
    let mut at = vec![0.0; tree.len()];
    for (&p, v) in by_pos.iter().zip(found) {
        at[p as usize] = v;
    }
    rows.iter().map(|&r| at[pos[r] as usize]).collect()
}

/// The k-distance curve for `min_samples` (≥ 2) and its suggested eps; at most `max_rows`
/// rows on the curve (a seeded uniform sample above).
///
/// # Errors
/// [`Error::InvalidParam`] when `min_samples < 2` (no neighbour to measure) or the input has
/// no more than `min_samples − 1` rows.
///
/// # Examples
/// ```
/// use telecluster::{Matrix, select::kdist::curve};
/// // A tight group of 20 rows and two far ones.
/// let mut rows: Vec<[f64; 1]> = (0..20).map(|i| [i as f64 * 0.01]).collect();
/// rows.push([5.0]);
/// rows.push([9.0]);
/// let c = curve(&Matrix::from_rows(&rows).unwrap(), 3, 1000, 0)?;
/// assert!(c.eps >= 0.02 && c.eps < 1.0, "{}", c.eps);
/// # Ok::<(), telecluster::Error>(())
/// ```
pub fn curve(x: &Matrix, min_samples: usize, max_rows: usize, seed: u64) -> Result<KDistance> {
    curve_in(&KdTree::build(x.as_slice(), x.n_cols()), min_samples, max_rows, seed)
}

/// [`curve`] over a tree already built on the rows (shared with DBSCAN and the scores).
///
/// # Errors
/// As [`curve`].
pub fn curve_in(tree: &KdTree, min_samples: usize, max_rows: usize, seed: u64) -> Result<KDistance> {
    let (n, k) = (tree.len(), curve_k(min_samples, tree.len())?);
    let rows = curve_rows(n, max_rows, seed);
    Ok(finish(k, n, rows.len(), rows_k_distances(tree, k, &rows)))
}

/// The same curve as [`curve`], from every row's k-distance already computed (by
/// [`k_distances`] with `k = min_samples − 1`): the same sampled rows, the same values, without
/// a second index over the rows.
///
/// # Errors
/// As [`curve`].
pub fn curve_from_k_distances(all: &[f64], min_samples: usize, max_rows: usize, seed: u64) -> Result<KDistance> {
    let (n, k) = (all.len(), curve_k(min_samples, all.len())?);
    let rows = curve_rows(n, max_rows, seed);
    Ok(finish(k, n, rows.len(), rows.iter().map(|&r| all[r]).collect()))
}

/// The neighbour counted for `min_samples` on `n` rows, when the curve is defined.
fn curve_k(min_samples: usize, n: usize) -> Result<usize> {
    if min_samples < 2 {
        return Err(Error::invalid(
            Param::MinSamples,
            min_samples,
            "must be >= 2 for a k-distance curve",
        ));
    }
    let k = min_samples - 1;
    if n <= k {
        return Err(Error::invalid(
            Param::MinSamples,
            min_samples,
            format!("needs more rows than min_samples - 1 = {k} (the input has {n})"),
        ));
    }
    Ok(k)
}

/// The rows on the curve: every row, or a seeded sample of `max_rows` (at least 3), ascending.
fn curve_rows(n: usize, max_rows: usize, seed: u64) -> Vec<usize> {
    if n > max_rows.max(3) {
        let mut r = Rng::new(seed).sample_indices(n, max_rows.max(3));
        r.sort_unstable();
        r
    } else {
        (0..n).collect()
    }
}

/// The curve from its rows' k-distances: sorted, its knee and the eps it suggests.
fn finish(k: usize, n: usize, sampled_rows: usize, mut sorted: Vec<f64>) -> KDistance {
    sorted.sort_by(f64::total_cmp);
    let xs: Vec<f64> = (0..sorted.len()).map(|i| i as f64).collect();
    let knee_at = knee(&xs, &sorted, 1.0, Shape::ConvexIncreasing);
    let eps = match knee_at {
        Some(i) => sorted[i],
        None => quantile_sorted(&sorted, 0.5),
    };
    // A radius of 0 joins only exact duplicates: take the first scale at which rows meet.
    let eps = if eps > 0.0 {
        eps
    } else {
        sorted.iter().copied().find(|&v| v > 0.0).unwrap_or(0.0)
    };
    KDistance {
        k,
        n_rows: n,
        sampled_rows,
        sorted,
        knee: knee_at,
        eps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::sq_dist;

    #[test]
    fn the_curve_from_computed_k_distances_is_the_same_curve() {
        let mut rng = Rng::new(8);
        let x = Matrix::new((0..900 * 2).map(|_| rng.normal()).collect(), 900, 2).unwrap();
        for (min_samples, max_rows) in [(4, 10_000), (4, 300), (9, 50)] {
            let all = k_distances(&x, min_samples - 1);
            assert_eq!(
                curve_from_k_distances(&all, min_samples, max_rows, 3).unwrap(),
                curve(&x, min_samples, max_rows, 3).unwrap()
            );
        }
        assert!(curve_from_k_distances(&[0.0; 3], 4, 10, 0).is_err());
    }

    #[test]
    fn k_distances_equal_brute_force() {
        let mut rng = Rng::new(4);
        let x = Matrix::new((0..300 * 3).map(|_| rng.normal()).collect(), 300, 3).unwrap();
        for k in [1, 4, 299] {
            let got = k_distances(&x, k);
            for (i, &g) in got.iter().enumerate() {
                let mut d: Vec<f64> = (0..300)
                    .filter(|&j| j != i)
                    .map(|j| sq_dist(x.row(i), x.row(j)).sqrt())
                    .collect();
                d.sort_by(f64::total_cmp);
                assert_eq!(g, d[k - 1]);
            }
        }
        assert_eq!(k_distances(&x, 300)[0], f64::INFINITY);
    }

    #[test]
    fn knee_separates_dense_rows_from_outliers() {
        let mut rng = Rng::new(8);
        let mut v = Vec::new();
        for _ in 0..500 {
            v.extend([rng.normal() * 0.1, rng.normal() * 0.1]);
        }
        for i in 0..10 {
            v.extend([3.0 + i as f64, -3.0 - i as f64]);
        }
        let x = Matrix::new(v, 510, 2).unwrap();
        let c = curve(&x, 4, MAX_CURVE_ROWS, 0).unwrap();
        assert_eq!(c.k, 3);
        assert!(!c.is_sampled());
        let outlier_kdist = 2.0f64.sqrt();
        assert!(c.eps < outlier_kdist, "{}", c.eps);
        let dense = c.sorted[250];
        assert!(c.eps >= dense, "eps {} below the median k-distance {dense}", c.eps);
        // sampling keeps the answer in the same range
        let s = curve(&x, 4, 200, 1).unwrap();
        assert!(s.is_sampled() && s.sorted.len() == 200);
        assert!(s.eps < outlier_kdist);
    }

    #[test]
    fn rejects_what_has_no_curve() {
        let x = Matrix::from_rows(&[[0.0], [1.0]]).unwrap();
        assert!(curve(&x, 1, 100, 0).is_err());
        assert!(curve(&x, 3, 100, 0).is_err());
        let flat = Matrix::from_rows(&[[0.0], [1.0], [2.0], [3.0]]).unwrap();
        let c = curve(&flat, 2, 100, 0).unwrap();
        assert_eq!((c.knee, c.eps), (None, 1.0));
        // mostly duplicates: the knee sits on 0, the suggestion moves to the first positive
        let dups = Matrix::from_rows(&[[0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [3.0], [3.5]]).unwrap();
        let c = curve(&dups, 2, 100, 0).unwrap();
        assert_eq!(c.eps, 0.5);
        let same = Matrix::from_rows(&[[1.0], [1.0], [1.0]]).unwrap();
        assert_eq!(curve(&same, 2, 100, 0).unwrap().eps, 0.0);
    }
}
