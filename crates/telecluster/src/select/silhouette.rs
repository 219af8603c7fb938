//! The silhouette (Rousseeuw 1987): how much closer each row is to its own cluster than to the
//! next one, from −1 (misplaced) through 0 (on a border) to 1 (well inside its cluster).
//!
//! Exact computation needs every pairwise distance, O(n²·d) time, but here only O(n + k) memory
//! per thread: each row's distances are summed per cluster on the fly. Above `max_exact` rows,
//! the mean is computed on a stratified sample (every cluster keeps its share and at least a few
//! rows), as scikit-learn's `sample_size` does with a uniform sample; the result says so.

use rayon::prelude::*;

use crate::matrix::MatrixRef;
use crate::rng::Rng;

/// Rows above which the mean silhouette is computed on a sample.
pub const DEFAULT_MAX_EXACT: usize = 10_000;

/// A mean silhouette and whether it came from a sample.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Silhouette {
    /// Mean silhouette coefficient.
    pub mean: f64,
    /// Rows in the sample, when the mean was computed on one.
    pub sampled: Option<usize>,
}

/// Silhouette of each row, for `labels` in `0..n_labels` (scikit-learn's `silhouette_samples`:
/// rows of single-row clusters score 0). `None` unless 2 ≤ distinct labels ≤ n − 1.
pub fn silhouette_samples<'a>(x: impl Into<MatrixRef<'a>>, labels: &[u32], n_labels: usize) -> Option<Vec<f64>> {
    let x = x.into();
    let n = x.n_rows();
    let d = x.n_cols();
    let mut sizes = vec![0usize; n_labels];
    for &l in labels {
        sizes[l as usize] += 1;
    }
    let distinct = sizes.iter().filter(|&&s| s > 0).count();
    if distinct < 2 || distinct > n - 1 {
        return None;
    }
    // Rows regrouped by cluster, one column per feature: each row's distance sums to a
    // cluster then run over contiguous memory, four lanes at a time.
    let mut start = vec![0usize; n_labels + 1];
    for l in 0..n_labels {
        start[l + 1] = start[l] + sizes[l];
    }
    let mut next = start.clone();
    let mut cols = vec![0.0; n * d];
    for (i, &l) in labels.iter().enumerate() {
        let at = next[l as usize];
        next[l as usize] += 1;
        for f in 0..d {
            cols[f * n + at] = x.row(i)[f];
        }
    }
    let (cols, start, sizes) = (&cols, &start, &sizes);
    let out: Vec<f64> = (0..n)
        .into_par_iter()
        .with_min_len(16)
        .map_init(
            || vec![0.0; n_labels],
            |per_cluster, i| {
                for l in 0..n_labels {
                    per_cluster[l] = crate::simd::run(SumOfDistances {
                        q: x.row(i),
                        cols,
                        n,
                        range: start[l]..start[l + 1],
                    });
                }
                let own = labels[i] as usize;
                if sizes[own] <= 1 {
                    return 0.0;
                }
                let a = per_cluster[own] / (sizes[own] - 1) as f64;
                let b = (0..n_labels)
                    .filter(|&l| l != own && sizes[l] > 0)
                    .map(|l| per_cluster[l] / sizes[l] as f64)
                    .fold(f64::INFINITY, f64::min);
                let m = a.max(b);
                if m > 0.0 {
                    (b - a) / m
                } else {
                    0.0
                }
            },
        )
        .collect();
    Some(out)
}

/// Rows per block of [`SumOfDistances`]: their squared distances are built feature by feature
/// in a buffer on the stack.
const BLOCK: usize = 64;

/// The sum of the distances from `q` to the rows `range` of `cols` (feature `f` of row `j` at
/// `cols[f * n + j]`). Each distance is summed over features in order; the distances are added
/// in four lanes.
struct SumOfDistances<'a> {
    q: &'a [f64],
    cols: &'a [f64],
    n: usize,
    range: std::ops::Range<usize>,
}

impl crate::simd::Kernel for SumOfDistances<'_> {
    type Output = f64;
    #[inline(always)]
    fn run(self) -> f64 {
        let mut lanes = [0.0f64; 4];
        let mut buf = [0.0f64; BLOCK];
        let mut j0 = self.range.start;
        while j0 < self.range.end {
            let m = (self.range.end - j0).min(BLOCK);
            let b = &mut buf[..m];
            b.fill(0.0);
            for (f, &qf) in self.q.iter().enumerate() {
                let col = &self.cols[f * self.n + j0..f * self.n + j0 + m];
                for (acc, &v) in b.iter_mut().zip(col) {
                    let t = qf - v;
                    *acc += t * t;
                }
            }
            let mut quads = b.chunks_exact(4);
            for c in &mut quads {
                for l in 0..4 {
                    lanes[l] += c[l].sqrt();
                }
            }
            for (l, &v) in quads.remainder().iter().enumerate() {
                lanes[l] += v.sqrt();
            }
            j0 += m;
        }
        (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
    }
}

/// Mean silhouette; exact up to `max_exact` rows, else on a stratified sample of that many
/// rows drawn with `seed`. `None` unless 2 ≤ distinct labels ≤ n − 1.
pub fn mean_silhouette<'a>(
    x: impl Into<MatrixRef<'a>>,
    labels: &[u32],
    n_labels: usize,
    max_exact: usize,
    seed: u64,
) -> Option<Silhouette> {
    let x = x.into();
    let n = x.n_rows();
    if n <= max_exact {
        let s = silhouette_samples(x, labels, n_labels)?;
        return Some(Silhouette {
            mean: crate::stats::mean(&s),
            sampled: None,
        });
    }
    let idx = stratified_sample(labels, n_labels, max_exact, seed);
    let xs = x.select_rows(&idx);
    let ls: Vec<u32> = idx.iter().map(|&i| labels[i]).collect();
    let s = silhouette_samples(&xs, &ls, n_labels)?;
    Some(Silhouette {
        mean: crate::stats::mean(&s),
        sampled: Some(idx.len()),
    })
}

/// About `size` row indices (sorted) with every cluster represented in proportion to its size,
/// and by at least `min(its size, 10)` rows, so small clusters still count.
pub fn stratified_sample(labels: &[u32], n_labels: usize, size: usize, seed: u64) -> Vec<usize> {
    let n = labels.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_labels];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(i);
    }
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(size + 10 * n_labels);
    for m in members.iter().filter(|m| !m.is_empty()) {
        let share = ((m.len() as f64 / n as f64) * size as f64).round() as usize;
        let take = share.max(m.len().min(10)).min(m.len());
        out.extend(rng.sample_indices(m.len(), take).into_iter().map(|j| m[j]));
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;

    #[test]
    fn matches_a_hand_computed_case() {
        // clusters {0, 1} and {4}: row 0: a = 1, b = 4 -> 0.75; row 1: a = 1, b = 3 -> 2/3;
        // row 2 is a singleton -> 0
        let x = Matrix::from_rows(&[[0.0], [1.0], [4.0]]).unwrap();
        let s = silhouette_samples(&x, &[0, 0, 1], 2).unwrap();
        assert!((s[0] - 0.75).abs() < 1e-15);
        assert!((s[1] - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(s[2], 0.0);
    }

    #[test]
    fn undefined_for_one_cluster_or_all_singletons() {
        let x = Matrix::from_rows(&[[0.0], [1.0], [4.0]]).unwrap();
        assert!(silhouette_samples(&x, &[0, 0, 0], 1).is_none());
        assert!(silhouette_samples(&x, &[0, 1, 2], 3).is_none());
    }

    #[test]
    fn sample_keeps_every_cluster_and_is_close_to_exact() {
        let mut rng = Rng::new(2);
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for (c, n) in [(0.0, 3000), (8.0, 1000), (20.0, 15)] {
            for _ in 0..n {
                rows.push([c + rng.normal(), rng.normal()]);
                labels.push(if c == 0.0 {
                    0
                } else if c == 8.0 {
                    1
                } else {
                    2
                });
            }
        }
        let x = Matrix::from_rows(&rows).unwrap();
        let idx = stratified_sample(&labels, 3, 500, 1);
        assert!(idx.iter().filter(|&&i| labels[i] == 2).count() >= 10);
        let exact = mean_silhouette(&x, &labels, 3, usize::MAX, 0).unwrap();
        let approx = mean_silhouette(&x, &labels, 3, 500, 0).unwrap();
        assert_eq!(exact.sampled, None);
        assert!(approx.sampled.is_some());
        assert!((exact.mean - approx.mean).abs() < 0.03, "{exact:?} {approx:?}");
    }
}
