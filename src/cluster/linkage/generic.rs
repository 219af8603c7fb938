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

use super::{Method, RawMerge};
use crate::metric::sq_dist;

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
    /// with its distance to the new cluster.
    fn merge(&mut self, x: usize, y: usize, s: f64, report: &mut dyn FnMut(usize, f64));
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
        c.merge(x, y, s, &mut |z, v| {
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

/// Cluster centres (centroids or medians) and sizes; distances are squared Euclidean.
struct Centres {
    d: usize,
    median: bool,
    centre: Vec<f64>,
    size: Vec<usize>,
}

impl Clusters for Centres {
    fn len(&self) -> usize {
        self.size.len()
    }

    fn dist(&self, a: usize, b: usize) -> f64 {
        let d = self.d;
        sq_dist(&self.centre[a * d..(a + 1) * d], &self.centre[b * d..(b + 1) * d])
    }

    fn find_min(&self, x: usize) -> (usize, f64) {
        let mut best = (usize::MAX, f64::INFINITY);
        for (j, &nj) in self.size.iter().enumerate().skip(x + 1) {
            if nj > 0 {
                let s = self.dist(x, j);
                if s < best.1 {
                    best = (j, s);
                }
            }
        }
        best
    }

    fn merge(&mut self, x: usize, y: usize, _s: f64, report: &mut dyn FnMut(usize, f64)) {
        let d = self.d;
        let (nx, ny) = (self.size[x], self.size[y]);
        for f in 0..d {
            let (a, b) = (self.centre[x * d + f], self.centre[y * d + f]);
            self.centre[y * d + f] = if self.median {
                0.5 * (a + b)
            } else {
                (nx as f64 * a + ny as f64 * b) / (nx + ny) as f64
            };
        }
        self.size[x] = 0;
        self.size[y] = nx + ny;
        for z in 0..y {
            if self.size[z] > 0 {
                report(z, self.dist(z, y));
            }
        }
    }

    fn height(&self, s: f64) -> f64 {
        s.sqrt()
    }
}

/// Centroid or median linkage merges (slots, heights), in merge order.
pub(super) fn linkage(data: &[f64], d: usize, method: Method) -> Vec<RawMerge> {
    let n = data.len() / d;
    run(&mut Centres {
        d,
        median: method == Method::Median,
        centre: data.to_vec(),
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
