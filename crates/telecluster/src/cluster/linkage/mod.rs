//! Agglomerative (hierarchical) clustering: scipy's seven linkages with scipy's linkage matrix.
//!
//! `LinkageParams::new(method).check()?.fit(&x)` returns a [`Dendrogram`]: the n − 1 merges of
//! scipy's `linkage(x, method)`, in scipy's order and numbering. Merge `i` creates cluster
//! `n + i`; each merge names its two clusters `a < b`, its height and the size of the new
//! cluster. Distances are Euclidean.
//!
//! Each method runs the algorithm that needs the least memory for it (after Müllner, "Modern
//! hierarchical, agglomerative clustering algorithms", 2011, and fastcluster):
//!
//! | method | algorithm | memory |
//! |---|---|---|
//! | single | minimum spanning tree: Borůvka over a kd-tree (Prim's for wide data) | O(n·d) |
//! | ward | nearest-neighbour chain over the cluster centroids | O(n·d) |
//! | centroid, median | Müllner's generic algorithm over the cluster centres | O(n·d) |
//! | complete, average, weighted | nearest-neighbour chain over a condensed distance matrix | 4·n(n−1) bytes |
//!
//! The matrix methods check the memory they need against
//! [`LinkageParams::max_memory`] before allocating, and refuse with
//! [`Error::TooMuchMemory`] past it.
//!
//! Heights are scipy's: Euclidean distances between clusters, and for Ward
//! `sqrt(2·|A|·|B| / (|A| + |B|)) · ‖c_A − c_B‖`. Where scipy sorts the merges by height
//! (every method but centroid and median, whose heights can decrease), so does this module,
//! stably, before numbering the clusters with a union-find, as scipy does.
//!
//! ```
//! use telecluster::cluster::linkage::{LinkageParams, Method};
//! use telecluster::Matrix;
//!
//! let x = Matrix::from_rows(&[[0.0, 0.0], [0.0, 1.0], [5.0, 0.0], [5.0, 2.0]]).unwrap();
//! let tree = LinkageParams::new(Method::Single).check().unwrap().fit(&x).unwrap();
//! let z = tree.merges();
//! assert_eq!((z[0].a, z[0].b, z[0].height, z[0].size), (0, 1, 1.0, 2));
//! assert_eq!((z[1].a, z[1].b, z[1].height, z[1].size), (2, 3, 2.0, 2));
//! assert_eq!((z[2].a, z[2].b, z[2].height, z[2].size), (4, 5, 5.0, 4));
//! assert_eq!(tree.leaves(), vec![0, 1, 2, 3]);
//! ```

mod chain;
mod cophenet;
mod cut;
mod generic;
mod matrix;
mod mst;

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Param, Result};
use crate::MatrixRef;

pub use cut::Cut;

/// How the distance between two clusters is defined (scipy's `method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The closest pair of members.
    Single,
    /// The farthest pair of members.
    Complete,
    /// The mean distance over all pairs of members (UPGMA).
    Average,
    /// The mean of the two merged clusters' distances (WPGMA).
    Weighted,
    /// The distance between the clusters' centroids (UPGMC).
    Centroid,
    /// The distance between the clusters' centres, a merged cluster's centre being the
    /// midpoint of its two parts' centres (WPGMC).
    Median,
    /// The increase of the within-cluster sum of squares (Ward's minimum variance).
    Ward,
}

impl Method {
    /// Every method, in scipy's documentation order.
    pub const ALL: [Method; 7] = [
        Method::Single,
        Method::Complete,
        Method::Average,
        Method::Weighted,
        Method::Centroid,
        Method::Median,
        Method::Ward,
    ];

    /// The method's name as scipy spells it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Single => "single",
            Method::Complete => "complete",
            Method::Average => "average",
            Method::Weighted => "weighted",
            Method::Centroid => "centroid",
            Method::Median => "median",
            Method::Ward => "ward",
        }
    }

    /// Whether the method runs over a condensed distance matrix (n(n − 1)/2 distances).
    pub fn needs_matrix(self) -> bool {
        matches!(self, Method::Complete | Method::Average | Method::Weighted)
    }

    /// Whether merge heights can decrease (centroid and median), so that the merges stay in the
    /// order they happen instead of being sorted by height.
    pub fn can_invert(self) -> bool {
        matches!(self, Method::Centroid | Method::Median)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Method::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
            Error::invalid(
                Param::Method,
                s,
                "must be one of single, complete, average, weighted, centroid, median, ward",
            )
        })
    }
}

/// Bytes of the condensed distance matrix of `n` rows (f64), saturating.
pub fn condensed_bytes(n: usize) -> u64 {
    let n = n as u64;
    (n.saturating_mul(n.saturating_sub(1)) / 2).saturating_mul(8)
}

/// Parameters of a hierarchical clustering; [`LinkageParams::check`] validates them.
#[derive(Clone, Debug)]
pub struct LinkageParams {
    method: Method,
    max_memory: Option<u64>,
}

/// Validated [`LinkageParams`], ready to [`fit`](LinkageValidParams::fit).
#[derive(Clone, Debug)]
pub struct LinkageValidParams(LinkageParams);

impl LinkageParams {
    /// A clustering with `method` and the default memory limit (75 % of the machine's RAM).
    pub fn new(method: Method) -> Self {
        LinkageParams {
            method,
            max_memory: None,
        }
    }

    /// The most memory the condensed distance matrix of complete, average and weighted linkage
    /// may take, in bytes. `None` (the default) allows 75 % of the machine's RAM.
    pub fn max_memory(mut self, bytes: Option<u64>) -> Self {
        self.max_memory = bytes;
        self
    }

    /// Validates the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a memory limit of 0 bytes.
    pub fn check(self) -> Result<LinkageValidParams> {
        if self.max_memory == Some(0) {
            return Err(Error::invalid(Param::MaxMemory, 0, "must be > 0 bytes"));
        }
        Ok(LinkageValidParams(self))
    }
}

impl LinkageValidParams {
    /// The linkage method.
    pub fn method(&self) -> Method {
        self.0.method
    }

    /// The memory limit in bytes that applies (the given one, or 75 % of the machine's RAM).
    pub fn memory_limit(&self) -> u64 {
        self.0.max_memory.unwrap_or_else(default_memory_limit)
    }

    /// Clusters the rows of `x` hierarchically.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a matrix with no rows; [`Error::TooMuchMemory`] when the
    /// method needs a condensed distance matrix larger than the memory limit.
    pub fn fit<'a>(&self, x: impl Into<MatrixRef<'a>>) -> Result<Dendrogram> {
        let x = x.into();
        super::require_rows(x)?;
        let n = x.n_rows();
        let method = self.0.method;
        let d = x.n_cols();
        let data = x.as_slice();
        if n == 1 {
            return Ok(Dendrogram {
                n,
                method,
                merges: Vec::new(),
            });
        }
        let raw = match method {
            Method::Single => mst::single_linkage(data, d),
            Method::Ward => chain::ward(data, d),
            Method::Centroid | Method::Median => generic::linkage(data, d, method),
            Method::Complete | Method::Average | Method::Weighted => {
                let needed = condensed_bytes(n);
                let limit = self.memory_limit();
                if needed > limit || u32::try_from(n).is_err() {
                    return Err(Error::TooMuchMemory {
                        what: "the condensed distance matrix",
                        n,
                        needed,
                        limit,
                        allocation_failed: false,
                    });
                }
                matrix::linkage(data, d, method).ok_or(Error::TooMuchMemory {
                    what: "the condensed distance matrix",
                    n,
                    needed,
                    limit,
                    allocation_failed: true,
                })?
            }
        };
        // A stop request ends the algorithms early, with merges missing.
        crate::interrupt::check()?;
        Ok(Dendrogram::from_raw(n, method, raw))
    }
}

/// scipy's `linkage(x, method)` with the default memory limit: a shorthand for
/// `LinkageParams::new(method).check()?.fit(x)`.
///
/// # Errors
/// As [`LinkageValidParams::fit`].
///
/// ```
/// use telecluster::cluster::linkage::{linkage, Method};
/// use telecluster::Matrix;
/// let x = Matrix::from_rows(&[[0.0], [1.0], [10.0]]).unwrap();
/// assert_eq!(linkage(&x, Method::Complete).unwrap().merges()[1].height, 10.0);
/// ```
pub fn linkage<'a>(x: impl Into<MatrixRef<'a>>, method: Method) -> Result<Dendrogram> {
    LinkageParams::new(method).check()?.fit(x)
}

/// 75 % of the machine's RAM (from `/proc/meminfo`; 12 GiB when it cannot be read).
pub fn default_memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    total.unwrap_or(16 << 30) / 4 * 3
}

/// One merge: clusters `a < b` joined at `height` into a cluster of `size` rows.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Merge {
    /// The smaller cluster id (rows are 0..n, merge i creates n + i).
    pub a: usize,
    /// The larger cluster id.
    pub b: usize,
    /// The distance between the two clusters, as scipy reports it.
    pub height: f64,
    /// Rows in the merged cluster.
    pub size: usize,
}

/// A merge as the algorithms record it: two slots (row indices standing for the clusters that
/// currently occupy them) and the height.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawMerge {
    pub x: u32,
    pub y: u32,
    pub height: f64,
}

/// The smallest value of `v` (infinity when empty), over four independent lanes so the loop
/// vectorises; values are never NaN here.
#[inline(always)]
pub(crate) fn block_min(v: &[f64]) -> f64 {
    let mut lanes = [f64::INFINITY; 4];
    let mut quads = v.chunks_exact(4);
    for c in &mut quads {
        for l in 0..4 {
            lanes[l] = if c[l] < lanes[l] { c[l] } else { lanes[l] };
        }
    }
    quads
        .remainder()
        .iter()
        .chain(&lanes)
        .fold(f64::INFINITY, |m, &x| if x < m { x } else { m })
}

/// The root of `v` in a union-find forest, compressing the path on the way.
pub(crate) fn find(parent: &mut [u32], mut v: u32) -> u32 {
    let mut root = v;
    while parent[root as usize] != root {
        root = parent[root as usize];
    }
    while parent[v as usize] != root {
        let next = parent[v as usize];
        parent[v as usize] = root;
        v = next;
    }
    root
}

/// The result of a hierarchical clustering: scipy's linkage matrix and what derives from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Dendrogram {
    n: usize,
    method: Method,
    merges: Vec<Merge>,
}

impl Dendrogram {
    /// Numbers raw merges as scipy does: sorted stably by height (unless the method's heights
    /// can decrease), then each slot replaced by the id of the cluster that holds it.
    fn from_raw(n: usize, method: Method, mut raw: Vec<RawMerge>) -> Dendrogram {
        if !method.can_invert() {
            raw.sort_by(|p, q| p.height.total_cmp(&q.height));
        }
        // Union-find over cluster ids: a merged cluster becomes the parent of both parts.
        let mut parent: Vec<u32> = (0..(2 * n - 1) as u32).collect();
        let mut size = vec![1usize; 2 * n - 1];
        let merges = raw
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let rx = find(&mut parent, m.x);
                let ry = find(&mut parent, m.y);
                let id = (n + i) as u32;
                parent[rx as usize] = id;
                parent[ry as usize] = id;
                size[id as usize] = size[rx as usize] + size[ry as usize];
                Merge {
                    a: rx.min(ry) as usize,
                    b: rx.max(ry) as usize,
                    height: m.height,
                    size: size[id as usize],
                }
            })
            .collect();
        Dendrogram { n, method, merges }
    }

    /// Builds a dendrogram from a linkage matrix (for example one read back from CSV), checking
    /// that it describes a tree over `n_observations` rows.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when a merge uses a cluster that does not exist yet or twice,
    /// when `a >= b`, when a size does not add up, or when a height is not finite.
    pub fn from_merges(n_observations: usize, method: Method, merges: Vec<Merge>) -> Result<Dendrogram> {
        let n = n_observations;
        if n == 0 || merges.len() + 1 != n {
            return Err(Error::invalid(
                Param::Linkage,
                merges.len(),
                format!("must have n - 1 = {} merges", n.saturating_sub(1)),
            ));
        }
        let mut used = vec![false; 2 * n - 1];
        let mut sizes = vec![1usize; 2 * n - 1];
        for (i, m) in merges.iter().enumerate() {
            let id = n + i;
            let ok = m.a < m.b && m.b < id && !used[m.a] && !used[m.b] && m.height.is_finite();
            if !ok || sizes[m.a] + sizes[m.b] != m.size {
                return Err(Error::invalid(
                    Param::Linkage,
                    format!("row {i}"),
                    "is not a valid merge",
                ));
            }
            used[m.a] = true;
            used[m.b] = true;
            sizes[id] = m.size;
        }
        Ok(Dendrogram { n, method, merges })
    }

    /// Number of observations (leaves).
    pub fn n_observations(&self) -> usize {
        self.n
    }

    /// The linkage method that built the tree.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The n − 1 merges: scipy's linkage matrix Z, one row per merge.
    pub fn merges(&self) -> &[Merge] {
        &self.merges
    }

    /// Whether no merge is lower than a merge below it (false only for centroid and median
    /// linkage, whose merges can invert).
    pub fn is_monotonic(&self) -> bool {
        self.merges.windows(2).all(|w| w[0].height <= w[1].height)
    }

    /// The two children of cluster `id` (≥ n).
    pub(crate) fn children(&self, id: usize) -> (usize, usize) {
        let m = &self.merges[id - self.n];
        (m.a, m.b)
    }

    /// Rows in cluster `id` (1 for a row).
    pub fn size_of(&self, id: usize) -> usize {
        if id < self.n {
            1
        } else {
            self.merges[id - self.n].size
        }
    }

    /// The order of the leaves of scipy's `dendrogram(Z)` (its `leaves`): each merge's `a`
    /// subtree left of its `b` subtree. Computed without recursion.
    pub fn leaves(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.n);
        if self.n == 1 {
            out.push(0);
            return out;
        }
        let mut stack = vec![2 * self.n - 2];
        while let Some(id) = stack.pop() {
            if id < self.n {
                out.push(id);
            } else {
                let (a, b) = self.children(id);
                stack.push(b);
                stack.push(a);
            }
        }
        out
    }

    /// For every merge, the largest height in its subtree (scipy's `maxdists`): the heights
    /// themselves for a monotonic tree.
    pub fn max_heights(&self) -> Vec<f64> {
        let mut out: Vec<f64> = Vec::with_capacity(self.merges.len());
        for m in &self.merges {
            let mut h = m.height;
            for c in [m.a, m.b] {
                if c >= self.n {
                    h = h.max(out[c - self.n]);
                }
            }
            out.push(h);
        }
        out
    }
}

#[cfg(test)]
mod tests;
