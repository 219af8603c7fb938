//! Centroid and median linkage by Müllner's generic algorithm over the cluster centres: O(n·d)
//! memory.
//!
//! Both distances are Euclidean distances between cluster centres: the centroid (the mean of
//! the members) for centroid linkage, and for median linkage the midpoint of the two merged
//! clusters' centres. Neither is reducible (a merge can bring a cluster closer to the others,
//! and heights can decrease), so the nearest-neighbour chain does not apply. The generic
//! algorithm (Müllner 2011, section 3.1; scipy's `fast_linkage`) keeps, for every cluster, a
//! candidate neighbour among the higher-numbered clusters and a lower bound of the distance to
//! it in a priority queue; a candidate is only trusted when its recomputed distance still
//! equals its bound. Merges come out in the order they happen, as in scipy.

use super::{block_min, Method, RawMerge};
use crate::metric::sq_dist;
use crate::simd::{self, Kernel};

/// What the generic algorithm needs from a representation of the clusters, which occupy slots
/// 0..n (a merge of x < y lives on in slot y). Slot n − 1 is never dropped.
pub(super) trait Clusters {
    /// Number of slots (rows).
    fn len(&self) -> usize;
    /// The distance between live clusters x and y, in the representation's own monotone
    /// scale (see [`Clusters::height`]).
    fn dist(&self, x: usize, y: usize) -> f64;
    /// The nearest live cluster above `x`: `(slot, distance)`, the lowest slot among equals.
    fn find_min(&self, x: usize) -> (usize, f64);
    /// [`Clusters::find_min`] for every slot but the last.
    fn first_neighbors(&self) -> Vec<(usize, f64)> {
        (0..self.len() - 1).map(|x| self.find_min(x)).collect()
    }
    /// Merges x into y (x < y) at distance `s`, then reports every live z < y other than x
    /// with its distance to the new cluster (dropped slots may be reported too, with an
    /// infinite distance).
    fn merge(&mut self, x: usize, y: usize, s: f64, report: impl FnMut(usize, f64));
    /// The merge height scipy reports for distance `s`.
    fn height(&self, s: f64) -> f64;
}

/// Müllner's generic algorithm: merges in the order they happen.
pub(super) fn run<C: Clusters>(c: &mut C) -> Vec<RawMerge> {
    let n = c.len();
    let (mut neighbor, mut min_dist): (Vec<usize>, Vec<f64>) = c.first_neighbors().into_iter().unzip();
    let mut heap = Heap::new(&min_dist);
    let mut merges = Vec::with_capacity(n - 1);
    for k in 0..n - 1 {
        // A stop request leaves the merges unfinished; the caller drops them.
        if crate::interrupt::requested() {
            break;
        }
        let (mut x, mut y, mut s) = (0, 0, 0.0);
        // At most n - k candidates can be stale before the closest pair is confirmed.
        for _ in 0..n - k {
            (x, s) = heap.min();
            y = neighbor[x];
            if s == c.dist(x, y) {
                break;
            }
            (y, s) = c.find_min(x);
            neighbor[x] = y;
            min_dist[x] = s;
            heap.change(x, s);
        }
        heap.remove_min();
        // x's admirers now guess y; y's new distances may undercut lower bounds.
        c.merge(x, y, s, |z, v| {
            if z < x && neighbor[z] == x {
                neighbor[z] = y;
            }
            if v < min_dist[z] {
                neighbor[z] = y;
                min_dist[z] = v;
                heap.change(z, v);
            }
        });
        if y < n - 1 {
            (neighbor[y], min_dist[y]) = c.find_min(y);
            heap.change(y, min_dist[y]);
        }
        merges.push(RawMerge {
            x: x as u32,
            y: y as u32,
            height: c.height(s),
        });
    }
    merges
}

/// Slots per block of a bulk distance computation.
const BLOCK: usize = 256;

/// Cluster centres (centroids or medians) and sizes; distances are squared Euclidean.
///
/// The centres are stored one feature per column (`cols[f * n + i]`) so that distances from one
/// centre to a run of slots vectorise; a dropped slot's centre is set to infinity, so it is
/// never nearest and the scans need no test for it.
struct Centres {
    n: usize,
    d: usize,
    median: bool,
    cols: Vec<f64>,
    size: Vec<usize>,
}

impl Centres {
    fn centre(&self, i: usize) -> Vec<f64> {
        (0..self.d).map(|f| self.cols[f * self.n + i]).collect()
    }

    /// Squared distances from `q` to slots `lo..lo + out.len()`, summed over features in order
    /// (the same arithmetic as [`sq_dist`]).
    fn dists(&self, q: &[f64], lo: usize, out: &mut [f64]) {
        simd::run(Dists {
            centres: self,
            q,
            lo,
            out,
        });
    }

    #[inline(always)]
    fn dists_lanes(&self, q: &[f64], lo: usize, out: &mut [f64]) {
        out.fill(0.0);
        for (f, &qf) in q.iter().enumerate() {
            let col = &self.cols[f * self.n + lo..f * self.n + lo + out.len()];
            for (o, &c) in out.iter_mut().zip(col) {
                let t = c - qf;
                *o += t * t;
            }
        }
    }
}

/// Squared distances from one centre to a run of slots, for [`simd::run`].
struct Dists<'a> {
    centres: &'a Centres,
    q: &'a [f64],
    lo: usize,
    out: &'a mut [f64],
}

impl Kernel for Dists<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        self.centres.dists_lanes(self.q, self.lo, self.out);
    }
}

impl Clusters for Centres {
    fn len(&self) -> usize {
        self.n
    }

    fn dist(&self, a: usize, b: usize) -> f64 {
        sq_dist(&self.centre(a), &self.centre(b))
    }

    fn find_min(&self, x: usize) -> (usize, f64) {
        let q = self.centre(x);
        let mut best = (usize::MAX, f64::INFINITY);
        let mut buf = [0.0; BLOCK];
        let mut lo = x + 1;
        while lo < self.n {
            let out = &mut buf[..BLOCK.min(self.n - lo)];
            self.dists(&q, lo, out);
            // The block's minimum, then its first slot.
            let m = block_min(out);
            if m < best.1 {
                let j = out.iter().position(|&v| v == m).expect("the minimum is in the block");
                best = (lo + j, m);
            }
            lo += out.len();
        }
        best
    }

    fn merge(&mut self, x: usize, y: usize, _s: f64, mut report: impl FnMut(usize, f64)) {
        let n = self.n;
        let (nx, ny) = (self.size[x], self.size[y]);
        for f in 0..self.d {
            let (a, b) = (self.cols[f * n + x], self.cols[f * n + y]);
            self.cols[f * n + y] = if self.median {
                0.5 * (a + b)
            } else {
                (nx as f64 * a + ny as f64 * b) / (nx + ny) as f64
            };
            self.cols[f * n + x] = f64::INFINITY;
        }
        self.size[x] = 0;
        self.size[y] = nx + ny;
        let q = self.centre(y);
        let mut buf = [0.0; BLOCK];
        let mut lo = 0;
        while lo < y {
            let out = &mut buf[..BLOCK.min(y - lo)];
            self.dists(&q, lo, out);
            // Dropped slots report an infinite distance, which changes nothing: no test needed.
            for (j, &v) in out.iter().enumerate() {
                report(lo + j, v);
            }
            lo += out.len();
        }
    }

    fn height(&self, s: f64) -> f64 {
        s.sqrt()
    }
}

/// Centroid or median linkage merges (slots, heights), in merge order.
pub(super) fn linkage(data: &[f64], d: usize, method: Method) -> Vec<RawMerge> {
    let n = data.len() / d;
    let mut cols = vec![0.0; n * d];
    for (i, row) in data.chunks_exact(d).enumerate() {
        for (f, &v) in row.iter().enumerate() {
            cols[f * n + i] = v;
        }
    }
    run(&mut Centres {
        n,
        d,
        median: method == Method::Median,
        cols,
        size: vec![1; n],
    })
}

/// A binary min-heap over keys 0..m with values that can change.
pub(super) struct Heap {
    /// Keys in heap order.
    keys: Vec<usize>,
    /// Position of each key in `keys` (usize::MAX once removed).
    pos: Vec<usize>,
    vals: Vec<f64>,
}

impl Heap {
    pub(super) fn new(vals: &[f64]) -> Heap {
        let m = vals.len();
        let mut h = Heap {
            keys: (0..m).collect(),
            pos: (0..m).collect(),
            vals: vals.to_vec(),
        };
        for i in (0..m / 2).rev() {
            h.down(i);
        }
        h
    }

    pub(super) fn min(&self) -> (usize, f64) {
        let k = self.keys[0];
        (k, self.vals[k])
    }

    pub(super) fn remove_min(&mut self) {
        let last = self.keys.len() - 1;
        self.swap(0, last);
        let k = self.keys.pop().expect("heap not empty");
        self.pos[k] = usize::MAX;
        if !self.keys.is_empty() {
            self.down(0);
        }
    }

    pub(super) fn change(&mut self, key: usize, v: f64) {
        let i = self.pos[key];
        if i == usize::MAX {
            return;
        }
        let old = self.vals[key];
        self.vals[key] = v;
        if v < old {
            self.up(i);
        } else {
            self.down(i);
        }
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.keys.swap(i, j);
        self.pos[self.keys[i]] = i;
        self.pos[self.keys[j]] = j;
    }

    fn val(&self, i: usize) -> f64 {
        self.vals[self.keys[i]]
    }

    fn up(&mut self, mut i: usize) {
        while i > 0 {
            let p = (i - 1) / 2;
            if self.val(i) < self.val(p) {
                self.swap(i, p);
                i = p;
            } else {
                break;
            }
        }
    }

    fn down(&mut self, mut i: usize) {
        let m = self.keys.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut s = i;
            if l < m && self.val(l) < self.val(s) {
                s = l;
            }
            if r < m && self.val(r) < self.val(s) {
                s = r;
            }
            if s == i {
                break;
            }
            self.swap(i, s);
            i = s;
        }
    }
}
