//! Complete, average and weighted linkage (and Ward, as a cross-check) over one condensed
//! distance matrix, by Müllner's generic algorithm.
//!
//! These distances are not functions of cluster centres, so they live in a matrix of the
//! n(n − 1)/2 pairwise distances, updated in place after each merge with the Lance–Williams
//! formulas scipy uses. The generic algorithm (see [`super::generic`]) keeps every cluster's
//! nearest higher-numbered neighbour and merges the globally closest pair each step. It reads
//! the matrix mostly along rows (contiguous memory) and touches a column once per merge, where
//! the nearest-neighbour chain reads a column on every search: on a matrix far larger than the
//! caches, that is what the time goes to.

use rayon::prelude::*;

use super::generic::{self, Clusters};
use super::{Method, RawMerge};
use crate::metric::sq_dist;

/// Index of pair (i, j), i < j, in the condensed matrix of n rows.
#[inline]
fn idx(n: usize, i: usize, j: usize) -> usize {
    n * i - i * (i + 1) / 2 + (j - i - 1)
}

#[inline]
fn at(n: usize, i: usize, j: usize) -> usize {
    if i < j {
        idx(n, i, j)
    } else {
        idx(n, j, i)
    }
}

/// The condensed Euclidean distance matrix of the rows, or `None` when it cannot be allocated.
pub(crate) fn pdist(data: &[f64], d: usize) -> Option<Vec<f64>> {
    let n = data.len() / d;
    let len = n * (n - 1) / 2;
    let mut dist: Vec<f64> = Vec::new();
    dist.try_reserve_exact(len).ok()?;
    dist.resize(len, 0.0);
    let mut rows: Vec<(usize, &mut [f64])> = Vec::with_capacity(n);
    let mut rest = dist.as_mut_slice();
    for i in 0..n.saturating_sub(1) {
        let (head, tail) = rest.split_at_mut(n - 1 - i);
        rows.push((i, head));
        rest = tail;
    }
    rows.into_par_iter().with_min_len(16).for_each(|(i, row)| {
        let xi = &data[i * d..(i + 1) * d];
        for (k, v) in row.iter_mut().enumerate() {
            let j = i + 1 + k;
            *v = sq_dist(xi, &data[j * d..(j + 1) * d]).sqrt();
        }
    });
    Some(dist)
}

/// Live clusters ahead that the column pass asks the memory for: its reads stride through a
/// matrix far larger than the caches, and the hardware cannot guess the shrinking stride.
const PREFETCH: usize = 32;

/// Hints that `dist[i]` will be read soon (no effect on results).
#[inline(always)]
fn prefetch(dist: &[f64], i: usize) {
    crate::simd::prefetch(dist, i);
}

/// Lance–Williams: the distance from cluster i to the merge of x and y, from its distances to
/// both, the merge height and the sizes (scipy's formulas).
#[inline]
fn merged(method: Method, dxi: f64, dyi: f64, dxy: f64, nx: f64, ny: f64, ni: f64) -> f64 {
    match method {
        Method::Complete => dxi.max(dyi),
        Method::Average => (nx * dxi + ny * dyi) / (nx + ny),
        Method::Weighted => 0.5 * (dxi + dyi),
        Method::Ward => {
            let t = 1.0 / (nx + ny + ni);
            ((ni + nx) * t * dxi * dxi + (ni + ny) * t * dyi * dyi - ni * t * dxy * dxy).sqrt()
        }
        _ => unreachable!("matrix linkage serves complete, average, weighted and ward"),
    }
}

/// The condensed matrix, the sizes and the live slots in increasing order.
struct Condensed {
    n: usize,
    method: Method,
    dist: Vec<f64>,
    size: Vec<f64>,
    live: Vec<u32>,
}

impl Clusters for Condensed {
    fn len(&self) -> usize {
        self.n
    }

    fn dist(&self, x: usize, y: usize) -> f64 {
        self.dist[at(self.n, x, y)]
    }

    /// Reads row x (contiguous memory).
    fn find_min(&self, x: usize) -> (usize, f64) {
        let from = self.live.partition_point(|&j| j as usize <= x);
        let row = &self.dist[idx(self.n, x, x + 1)..];
        let mut best = (usize::MAX, f64::INFINITY);
        for &j in &self.live[from..] {
            let v = row[j as usize - x - 1];
            if v < best.1 {
                best = (j as usize, v);
            }
        }
        best
    }

    fn first_neighbors(&self) -> Vec<(usize, f64)> {
        (0..self.n - 1).into_par_iter().map(|x| self.find_min(x)).collect()
    }

    /// One pass over the other live clusters: their distance to the new cluster, written where
    /// (z, y) was.
    fn merge(&mut self, x: usize, y: usize, s: f64, mut report: impl FnMut(usize, f64)) {
        let n = self.n;
        let (nx, ny) = (self.size[x], self.size[y]);
        self.size[x] = 0.0;
        self.size[y] = nx + ny;
        let pos = self.live.binary_search(&(x as u32)).expect("x is live");
        self.live.remove(pos);
        let dist = &mut self.dist;
        for (i, &z) in self.live.iter().enumerate() {
            if let Some(&ahead) = self.live.get(i + PREFETCH) {
                let ahead = ahead as usize;
                if ahead != y {
                    prefetch(dist, at(n, ahead, x));
                    prefetch(dist, at(n, ahead, y));
                }
            }
            let z = z as usize;
            if z == y {
                continue;
            }
            let (zx, zy) = (at(n, z, x), at(n, z, y));
            let v = merged(self.method, dist[zx], dist[zy], s, nx, ny, self.size[z]);
            dist[zy] = v;
            if z < y {
                report(z, v);
            }
        }
    }

    fn height(&self, s: f64) -> f64 {
        s
    }
}

/// The merges of `method` (complete, average, weighted or ward) over the rows, in merge order;
/// `None` when the matrix cannot be allocated.
pub(crate) fn linkage(data: &[f64], d: usize, method: Method) -> Option<Vec<RawMerge>> {
    let n = data.len() / d;
    Some(generic::run(&mut Condensed {
        n,
        method,
        dist: pdist(data, d)?,
        size: vec![1.0; n],
        live: (0..n as u32).collect(),
    }))
}
