//! The cophenetic correlation coefficient: how faithfully the dendrogram's heights keep the
//! original distances (scipy's `cophenet(Z, pdist(X))[0]`).
//!
//! The cophenetic distance of two rows is the height of the merge that first joins them. The
//! merge of clusters A and B gives that height to exactly the pairs A × B, so walking the
//! merges with their member lists visits every pair once, without an n × n matrix: O(n) memory
//! and O(n²·d) time. Two passes (means, then centred sums) keep the sums accurate.

use rayon::prelude::*;

use super::Dendrogram;
use crate::error::{Error, Result};
use crate::metric::sq_dist;
use crate::Matrix;

/// Pairs above which one merge's pairs are split over the threads.
const PAR_PAIRS: usize = 1 << 15;
/// Rows of A per parallel task (fixed, so the sums do not depend on the thread count).
const ROWS_PER_TASK: usize = 64;

impl Dendrogram {
    /// The cophenetic correlation coefficient against the Euclidean distances of `x`'s rows
    /// (the rows the dendrogram was built from).
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] when `x` does not have one row per observation.
    ///
    /// ```
    /// use telecluster::cluster::linkage::{LinkageParams, Method};
    /// use telecluster::Matrix;
    /// let x = Matrix::from_rows(&[[0.0], [1.0], [10.0], [12.0]]).unwrap();
    /// let tree = LinkageParams::new(Method::Average).check().unwrap().fit(&x).unwrap();
    /// let c = tree.cophenetic_correlation(&x).unwrap();
    /// assert!((c - 0.9777254914156001).abs() < 1e-12); // scipy's cophenet
    /// ```
    pub fn cophenetic_correlation(&self, x: &Matrix) -> Result<f64> {
        self.cophenetic_correlation_over(x, None)
    }

    /// The coefficient over the pairs of the rows marked in `keep` only (their cophenetic
    /// distances still come from the whole tree): an estimate for large inputs.
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] when `x` or `keep` does not have one entry per observation.
    pub fn cophenetic_correlation_over(&self, x: &Matrix, keep: Option<&[bool]>) -> Result<f64> {
        let n = self.n;
        if x.n_rows() != n || keep.is_some_and(|k| k.len() != n) {
            return Err(Error::FeatureMismatch {
                expected: n,
                got: x.n_rows(),
            });
        }
        let kept = keep.map_or(n, |k| k.iter().filter(|&&b| b).count());
        let pairs = kept as f64 * (kept as f64 - 1.0) / 2.0;
        if pairs < 2.0 {
            return Ok(f64::NAN);
        }
        let first = self.pair_sums(x, keep, None);
        let (mean_d, mean_h) = (first.d / pairs, first.h / pairs);
        let second = self.pair_sums(x, keep, Some((mean_d, mean_h)));
        Ok(second.dh / (second.dd * second.hh).sqrt())
    }

    /// Sums over all pairs, raw (`centre` None: Σd, Σh) or centred (Σ(d−d̄)(h−h̄), Σ(d−d̄)²,
    /// Σ(h−h̄)²).
    fn pair_sums(&self, x: &Matrix, keep: Option<&[bool]>, centre: Option<(f64, f64)>) -> Sums {
        let n = self.n;
        let d = x.n_cols();
        let data = x.as_slice();
        let row = |i: u32| &data[i as usize * d..(i as usize + 1) * d];
        let mut members: Vec<Vec<u32>> = (0..n as u32)
            .map(|i| {
                if keep.is_none_or(|k| k[i as usize]) {
                    vec![i]
                } else {
                    Vec::new()
                }
            })
            .collect();
        members.resize(2 * n - 1, Vec::new());
        let mut total = Sums::default();
        for (i, m) in self.merges.iter().enumerate() {
            let a = std::mem::take(&mut members[m.a]);
            let b = std::mem::take(&mut members[m.b]);
            let h = m.height;
            let one_row = |p: &u32| {
                let xp = row(*p);
                let mut s = Sums::default();
                for q in &b {
                    let dist = sq_dist(xp, row(*q)).sqrt();
                    match centre {
                        None => s.d += dist,
                        Some((md, _)) => {
                            let dd = dist - md;
                            s.dd += dd * dd;
                            s.dh += dd;
                        }
                    }
                }
                s
            };
            let part = if a.len() * b.len() >= PAR_PAIRS {
                a.par_chunks(ROWS_PER_TASK)
                    .map(|c| c.iter().map(one_row).fold(Sums::default(), Sums::add))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .fold(Sums::default(), Sums::add)
            } else {
                a.iter().map(one_row).fold(Sums::default(), Sums::add)
            };
            let count = (a.len() * b.len()) as f64;
            match centre {
                None => {
                    total.d += part.d;
                    total.h += count * h;
                }
                Some((_, mh)) => {
                    let dh = h - mh;
                    // Σ (d−d̄)(h−h̄) over the pairs = (h−h̄) Σ (d−d̄): the height is shared.
                    total.dh += dh * part.dh;
                    total.dd += part.dd;
                    total.hh += count * dh * dh;
                }
            }
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            big.extend_from_slice(&small);
            members[n + i] = big;
        }
        total
    }
}

#[derive(Clone, Copy, Default)]
struct Sums {
    d: f64,
    h: f64,
    dh: f64,
    dd: f64,
    hh: f64,
}

impl Sums {
    fn add(self, o: Sums) -> Sums {
        Sums {
            d: self.d + o.d,
            h: self.h + o.h,
            dh: self.dh + o.dh,
            dd: self.dd + o.dd,
            hh: self.hh + o.hh,
        }
    }
}
