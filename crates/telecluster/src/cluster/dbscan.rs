//! DBSCAN (Ester, Kriegel, Sander, Xu, KDD 1996) with scikit-learn's exact labels and O(n)
//! memory.
//!
//! A row is **core** when at least `min_samples` rows (itself included) lie within `eps`
//! (inclusive: squared distance ≤ eps², summed over features in order, as scikit-learn's trees
//! compute it). Core rows within `eps` of each other are in the same cluster. A non-core row
//! within `eps` of a core row is a **border** row; every other row is noise.
//!
//! # Which label, exactly
//! scikit-learn scans the rows in order; the first unlabelled core row starts a cluster, whose
//! depth-first expansion labels every core row it reaches and every still-unlabelled row within
//! `eps` of them. So:
//! - clusters are numbered by their lowest-index core row: the cluster holding the first core
//!   row is 0, the cluster whose lowest core row comes next is 1, and so on;
//! - a border row within `eps` of core rows of several clusters goes to the one with the
//!   **lowest number** (it is expanded first and takes the row).
//!
//! telecluster computes those labels without replaying the expansion: core flags from radius
//! counts that stop at `min_samples`, clusters as connected components of core rows
//! (union-find), numbered by their lowest core row, then each border row takes the lowest
//! cluster number among the core rows within `eps`. Every step is a property of the data, not of
//! a visiting order, so the thread count cannot change a label.
//!
//! # Memory
//! No neighbourhood is ever stored. Narrow data (d ≤ 3) uses a [`Grid`] of cells of side
//! `eps/√d`: a cell holding `min_samples` rows makes all of them core without a distance, and
//! two cells join as soon as one pair of their core rows is within `eps`. Wider data uses a
//! [`KdTree`], queried on demand. Either way the extra memory is a sorted copy of the rows plus
//! a few words per row.

use rayon::prelude::*;

use crate::error::{Error, Param, Result};
use crate::index::grid::{self, Grid};
use crate::index::kdtree::KdTree;
use crate::matrix::MatrixRef;
#[cfg(test)]
use crate::metric::sq_dist;

/// A row's DBSCAN label: noise, or a cluster number (0-based, in scikit-learn's order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// Within `eps` of no core row.
    Noise,
    /// Member of a cluster.
    Cluster(u32),
}

impl Label {
    /// The label as written in outputs: −1 for noise, else the cluster number.
    pub fn as_i64(self) -> i64 {
        match self {
            Label::Noise => -1,
            Label::Cluster(c) => i64::from(c),
        }
    }

    /// The cluster number, if any.
    pub fn cluster(self) -> Option<u32> {
        match self {
            Label::Noise => None,
            Label::Cluster(c) => Some(c),
        }
    }
}

impl serde::Serialize for Label {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i64(self.as_i64())
    }
}

/// Which spatial index answers the radius queries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Index {
    /// The grid up to three features (when it fits), the kd-tree above.
    #[default]
    Auto,
    /// The grid (falls back to the kd-tree where the grid declines: d > 3, or too many cells).
    Grid,
    /// The kd-tree.
    KdTree,
}

/// DBSCAN parameters with scikit-learn's names; [`DbscanParams::check`] validates them once.
///
/// # Examples
/// ```
/// use telecluster::{Matrix, cluster::{DbscanParams, Label}};
/// let x = Matrix::from_rows(&[[0.0], [0.1], [0.2], [5.0], [5.1], [5.2], [9.0]]).unwrap();
/// let model = DbscanParams::new(0.15, 2).check()?.fit(&x)?;
/// let l: Vec<i64> = model.labels().iter().map(|l| l.as_i64()).collect();
/// assert_eq!(l, [0, 0, 0, 1, 1, 1, -1]);
/// assert_eq!(model.labels()[6], Label::Noise);
/// # Ok::<(), telecluster::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DbscanParams {
    eps: f64,
    min_samples: usize,
    index: Index,
}

impl DbscanParams {
    /// Radius `eps` (inclusive) and `min_samples` (the row itself counts), automatic index.
    pub fn new(eps: f64, min_samples: usize) -> Self {
        DbscanParams {
            eps,
            min_samples,
            index: Index::Auto,
        }
    }

    /// Which spatial index to use; every choice gives the same labels.
    pub fn index(mut self, index: Index) -> Self {
        self.index = index;
        self
    }

    /// Validates the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for an `eps` that is not a finite number > 0, or `min_samples`
    /// of 0.
    pub fn check(self) -> Result<DbscanValidParams> {
        if !(self.eps > 0.0 && self.eps.is_finite()) {
            return Err(Error::invalid(Param::Eps, self.eps, "must be a finite number > 0"));
        }
        if self.min_samples == 0 {
            return Err(Error::invalid(
                Param::MinSamples,
                0,
                "must be >= 1 (it counts the point itself)",
            ));
        }
        Ok(DbscanValidParams(self))
    }
}

/// Validated DBSCAN parameters: getters and [`DbscanValidParams::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct DbscanValidParams(DbscanParams);

impl DbscanValidParams {
    /// The radius.
    pub fn eps(&self) -> f64 {
        self.0.eps
    }
    /// Rows within `eps` (itself included) that make a row core.
    pub fn min_samples(&self) -> usize {
        self.0.min_samples
    }
    /// The spatial index asked for.
    pub fn index(&self) -> Index {
        self.0.index
    }

    /// Clusters the rows of `x` (prepared features).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParam`] when `x` has no rows.
    pub fn fit<'a>(&self, x: impl Into<MatrixRef<'a>>) -> Result<Dbscan> {
        self.fit_inner(x.into(), None)
    }

    /// [`DbscanValidParams::fit`] over a kd-tree already built on the rows of `x` (by
    /// [`KdTree::build`] on `x.as_slice()`), so that the k-distance queries of the eps
    /// assistant and the anomaly scores share one index with the fit. The labels are the same.
    ///
    /// # Errors
    /// As [`DbscanValidParams::fit`].
    pub fn fit_with_tree<'a>(&self, x: impl Into<MatrixRef<'a>>, tree: &KdTree) -> Result<Dbscan> {
        self.fit_inner(x.into(), Some(tree))
    }

    fn fit_inner(&self, x: MatrixRef<'_>, tree: Option<&KdTree>) -> Result<Dbscan> {
        super::require_rows(x)?;
        let (n, d) = (x.n_rows(), x.n_cols());
        let e2 = self.0.eps * self.0.eps;
        let ms = self.0.min_samples;
        let grid = match self.0.index {
            Index::KdTree => None,
            Index::Auto | Index::Grid if d <= grid::MAX_D && n > 0 => Grid::build(x.as_slice(), d, self.0.eps),
            Index::Auto | Index::Grid => None,
        };
        crate::interrupt::check()?;
        let (labels, core) = match grid {
            Some(g) => fit_grid(&g, n, ms, e2),
            None => match tree {
                Some(t) if t.len() == n && t.dim() == d => fit_tree(t, ms, e2),
                _ => fit_tree(&KdTree::build(x.as_slice(), d), ms, e2),
            },
        };
        crate::interrupt::check()?;
        let n_clusters = labels
            .iter()
            .filter_map(|l| l.cluster())
            .max()
            .map_or(0, |c| c as usize + 1);
        Ok(Dbscan {
            eps: self.0.eps,
            min_samples: ms,
            labels,
            core,
            n_clusters,
        })
    }
}

/// A fitted DBSCAN: labels, core flags and the parameters that produced them.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Dbscan {
    eps: f64,
    min_samples: usize,
    labels: Vec<Label>,
    core: Vec<bool>,
    n_clusters: usize,
}

impl Dbscan {
    /// The radius used.
    pub fn eps(&self) -> f64 {
        self.eps
    }
    /// The `min_samples` used.
    pub fn min_samples(&self) -> usize {
        self.min_samples
    }
    /// One label per row.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }
    /// Whether each row is core.
    pub fn is_core(&self) -> &[bool] {
        &self.core
    }
    /// The core rows, ascending (scikit-learn's `core_sample_indices_`).
    pub fn core_indices(&self) -> Vec<usize> {
        self.core
            .iter()
            .enumerate()
            .filter(|(_, &c)| c)
            .map(|(i, _)| i)
            .collect()
    }
    /// Number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }
    /// Number of noise rows.
    pub fn n_noise(&self) -> usize {
        self.labels.iter().filter(|l| **l == Label::Noise).count()
    }
    /// What looks wrong with the result, if anything (see [`RedFlag`]).
    pub fn red_flags(&self) -> Vec<RedFlag> {
        let n = self.labels.len();
        let mut flags = Vec::new();
        if n == 0 {
            return flags;
        }
        let n_core = self.core.iter().filter(|&&c| c).count();
        if n_core == 0 {
            flags.push(RedFlag::NoCore);
            return flags;
        }
        if n_core == n && n > 1 {
            flags.push(RedFlag::AllCore);
        }
        if self.n_clusters == 1 {
            flags.push(RedFlag::SingleCluster);
        }
        let noise = self.n_noise() as f64 / n as f64;
        if noise > 0.5 {
            flags.push(RedFlag::MostlyNoise { fraction: noise });
        }
        flags
    }

    /// Rows per cluster, by cluster number.
    pub fn cluster_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.n_clusters];
        for c in self.labels.iter().filter_map(|l| l.cluster()) {
            sizes[c as usize] += 1;
        }
        sizes
    }
}

/// Union-find over `0..n` with path halving; the root of a union is the smaller root, so the
/// structure does not depend on the order of unions beyond its partition.
struct Components {
    parent: Vec<u32>,
}

impl Components {
    fn new(n: usize) -> Self {
        Components {
            parent: (0..n as u32).collect(),
        }
    }

    fn find(&mut self, mut i: u32) -> u32 {
        while self.parent[i as usize] != i {
            let grand = self.parent[self.parent[i as usize] as usize];
            self.parent[i as usize] = grand;
            i = grand;
        }
        i
    }

    /// The root without shortening paths (for readers that share the structure).
    fn root(&self, mut i: u32) -> u32 {
        while self.parent[i as usize] != i {
            i = self.parent[i as usize];
        }
        i
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }
}

/// Cluster numbers for the components: `member` lists (node, lowest original core row it
/// holds) for every node that holds core rows; components are numbered by their lowest row.
/// Returns the cluster of each node (`u32::MAX` for nodes without core rows).
fn number_components(comps: &mut Components, member: &[(u32, u32)], n_nodes: usize) -> Vec<u32> {
    let mut lowest: Vec<u32> = vec![u32::MAX; n_nodes];
    for &(node, row) in member {
        let r = comps.find(node) as usize;
        lowest[r] = lowest[r].min(row);
    }
    let mut roots: Vec<(u32, u32)> = (0..n_nodes as u32)
        .filter(|&r| lowest[r as usize] != u32::MAX)
        .map(|r| (lowest[r as usize], r))
        .collect();
    roots.sort_unstable();
    let mut number = vec![u32::MAX; n_nodes];
    for (c, &(_, r)) in roots.iter().enumerate() {
        number[r as usize] = c as u32;
    }
    let mut cluster = vec![u32::MAX; n_nodes];
    for &(node, _) in member {
        cluster[node as usize] = number[comps.find(node) as usize];
    }
    cluster
}

/// A border row's label from the lowest cluster number among its core neighbours
/// (`u32::MAX`: none, so noise).
fn lowest_cluster(best: u32) -> Label {
    if best == u32::MAX {
        Label::Noise
    } else {
        Label::Cluster(best)
    }
}

/// Labels and core flags from an index's order (position `p` holds row `row(p)`) to row order.
fn by_row(n: usize, row: impl Fn(usize) -> usize, labels_pos: &[Label], core_pos: &[bool]) -> (Vec<Label>, Vec<bool>) {
    let mut labels = vec![Label::Noise; n];
    let mut core = vec![false; n];
    for p in 0..n {
        labels[row(p)] = labels_pos[p];
        core[row(p)] = core_pos[p];
    }
    (labels, core)
}

/// DBSCAN over a grid. Returns labels and core flags in the caller's row order.
fn fit_grid(g: &Grid, n: usize, ms: usize, e2: f64) -> (Vec<Label>, Vec<bool>) {
    let n_cells = g.n_cells();
    // 1. Core flags, by sorted position (cells are contiguous and in position order).
    let core_pos: Vec<bool> = (0..n_cells)
        .into_par_iter()
        .flat_map_iter(|c| {
            let own = g.cell(c).len();
            g.cell(c).map(move |p| {
                // Every row of the own cell is within eps: a full cell is core outright.
                let mut count = own;
                'cells: for &nb in g.neighbours(c) {
                    if count >= ms {
                        break;
                    }
                    if nb as usize == c {
                        continue;
                    }
                    for q in g.cell(nb as usize) {
                        if g.sq_dist(p, q) <= e2 {
                            count += 1;
                            if count >= ms {
                                break 'cells;
                            }
                        }
                    }
                }
                count >= ms
            })
        })
        .collect();
    let has_core: Vec<bool> = (0..n_cells).map(|c| g.cell(c).any(|p| core_pos[p])).collect();

    // 2. Join cells with core rows: one pair of core rows within eps joins two cells (the core
    // rows of one cell are all within eps of each other). Candidate pairs are found in
    // parallel; pairs already joined by the time they are applied cost nothing more.
    let mut comps = Components::new(n_cells);
    let joined = |a: usize, b: usize| {
        g.cell(a)
            .filter(|&p| core_pos[p])
            .any(|p| g.cell(b).any(|q| core_pos[q] && g.sq_dist(p, q) <= e2))
    };
    const BATCH: usize = 4096;
    for start in (0..n_cells).step_by(BATCH) {
        let end = (start + BATCH).min(n_cells);
        let comps_ref = &comps;
        let has_core = &has_core;
        let joined = &joined;
        let edges: Vec<(u32, u32)> = (start..end)
            .into_par_iter()
            .filter(|&c| has_core[c])
            .flat_map_iter(|c| {
                g.neighbours(c)
                    .iter()
                    .filter(move |&&nb| nb as usize > c && has_core[nb as usize])
                    .filter(move |&&nb| comps_ref.root(c as u32) != comps_ref.root(nb))
                    .filter(move |&&nb| joined(c, nb as usize))
                    .map(move |&nb| (c as u32, nb))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (a, b) in edges {
            comps.union(a, b);
        }
    }

    // 3. Number the clusters by their lowest core row.
    let member: Vec<(u32, u32)> = (0..n_cells)
        .filter(|&c| has_core[c])
        .map(|c| {
            let low = g.cell(c).filter(|&p| core_pos[p]).map(|p| g.row(p) as u32).min();
            (c as u32, low.expect("a core cell has a core row"))
        })
        .collect();
    let cell_cluster = number_components(&mut comps, &member, n_cells);

    // 4. Labels: core rows take their cell's cluster; border rows the lowest cluster among the
    // core rows within eps.
    let (core_ref, cluster_ref) = (&core_pos, &cell_cluster);
    let labels_pos: Vec<Label> = (0..n_cells)
        .into_par_iter()
        .flat_map_iter(|c| {
            g.cell(c).map(move |p| {
                if core_ref[p] {
                    return Label::Cluster(cluster_ref[c]);
                }
                let mut best = u32::MAX;
                for &nb in g.neighbours(c) {
                    let nb = nb as usize;
                    let cl = cluster_ref[nb];
                    if cl >= best {
                        continue;
                    }
                    // A core row in the own cell is within eps by construction.
                    if nb == c || g.cell(nb).any(|q| core_ref[q] && g.sq_dist(p, q) <= e2) {
                        best = cl;
                    }
                }
                lowest_cluster(best)
            })
        })
        .collect();
    by_row(n, |p| g.row(p), &labels_pos, &core_pos)
}

/// Tag of a non-core position in the component search: it joins nothing and is never a partner.
const NOT_CORE: u32 = u32::MAX - 1;
/// Node tag: the node's core positions lie in different components.
const MIXED: u32 = u32::MAX;

/// The maximal nodes whose box diameter is within eps (every pair of their rows is within
/// eps), outermost first.
fn tight_nodes(t: &KdTree, e2: f64) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![0usize];
    while let Some(i) = stack.pop() {
        if t.box_sq_diameter(i) <= e2 {
            out.push(i);
        } else if let Some((l, r)) = t.children(i) {
            stack.push(r);
            stack.push(l);
        }
    }
    out
}

/// For every node, the one tag its positions share ignoring [`NOT_CORE`] positions
/// ([`NOT_CORE`] when it holds no core position, [`MIXED`] when tags differ).
fn node_tags(t: &KdTree, tag: &[u32]) -> Vec<u32> {
    let join = |a: u32, b: u32| match (a, b) {
        (NOT_CORE, x) | (x, NOT_CORE) => x,
        (x, y) if x == y => x,
        _ => MIXED,
    };
    let mut out = vec![NOT_CORE; t.n_nodes()];
    // Children come after their parent: a reverse walk sees them first.
    for i in (0..t.n_nodes()).rev() {
        out[i] = match t.children(i) {
            Some((l, r)) => join(out[l], out[r]),
            None => t.node_range(i).fold(NOT_CORE, |acc, p| join(acc, tag[p])),
        };
    }
    out
}

/// DBSCAN over a kd-tree (any width). Returns labels and core flags in the caller's row order.
///
/// 1. Core flags: radius counts that stop at `min_samples`, whole nodes counted at once when
///    their box lies within eps; a node of at least `min_samples` rows whose diameter is within
///    eps makes all of them core without a query.
/// 2. Clusters: the connected components of the core rows under "within eps", found Borůvka
///    style without listing neighbourhoods. Core rows of a node of diameter within eps start in
///    one component. Then, each round, every component looks for one core row of another
///    component within eps of one of its rows (a search that skips the tree nodes wholly of its
///    own component and stops at the first hit); the pairs found are joined. A row whose search
///    found nothing never searches again (components only grow, so its neighbours stay in its
///    own). Rounds end when no pair is found: each joins every component that has a partner
///    with at least one other, so there are O(log n) of them.
/// 3. Border rows: the lowest cluster number among the core rows within eps, pruning nodes
///    whose lowest cluster cannot improve on the best so far.
///
/// Every step computes a property of the data (counts, a partition, a minimum), so the thread
/// count and the order in which pairs are found change nothing.
fn fit_tree(t: &KdTree, ms: usize, e2: f64) -> (Vec<Label>, Vec<bool>) {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    let n = t.len();
    let tight = tight_nodes(t, e2);
    let mut core_pos = vec![false; n];
    for &i in &tight {
        if t.node_range(i).len() >= ms {
            core_pos[t.node_range(i)].fill(true);
        }
    }
    let core_pos: Vec<bool> = core_pos
        .into_par_iter()
        .enumerate()
        .map(|(p, known)| known || t.count_within(t.point(p), e2, ms) >= ms)
        .collect();

    let mut comps = Components::new(n);
    for &i in &tight {
        let mut first = None;
        for p in t.node_range(i).filter(|&p| core_pos[p]) {
            match first {
                None => first = Some(p as u32),
                Some(f) => comps.union(f, p as u32),
            }
        }
    }
    let mut searching: Vec<u32> = (0..n as u32).filter(|&p| core_pos[p as usize]).collect();
    let found: Vec<AtomicBool> = (0..n).map(|_| AtomicBool::new(false)).collect();
    loop {
        let tag: Vec<u32> = (0..n as u32)
            .map(|p| if core_pos[p as usize] { comps.find(p) } else { NOT_CORE })
            .collect();
        let ntag = node_tags(t, &tag);
        // Per searching row: Some(partner), Some(u32::MAX) when its component already found one
        // this round (it searches again next round), or None (retired: no partner, ever).
        let (tag, ntag, found) = (&tag, &ntag, &found);
        let results: Vec<(u32, Option<u32>)> = searching
            .par_iter()
            .map(|&p| {
                let own = tag[p as usize];
                if found[own as usize].load(Relaxed) {
                    return (p, Some(u32::MAX));
                }
                let mut partner = None;
                t.visit_within(
                    t.point(p as usize),
                    e2,
                    |i| ntag[i] == own || ntag[i] == NOT_CORE,
                    |q, _| {
                        let tq = tag[q];
                        if tq != own && tq != NOT_CORE {
                            partner = Some(q as u32);
                            return false;
                        }
                        true
                    },
                );
                if partner.is_some() {
                    found[own as usize].store(true, Relaxed);
                }
                (p, partner)
            })
            .collect();
        let mut joined = false;
        searching.clear();
        for (p, partner) in results {
            match partner {
                None => {}
                Some(u32::MAX) => searching.push(p),
                Some(q) => {
                    comps.union(p, q);
                    searching.push(p);
                    joined = true;
                }
            }
        }
        if !joined {
            break;
        }
        for f in found {
            f.store(false, Relaxed);
        }
    }

    let member: Vec<(u32, u32)> = (0..n)
        .filter(|&p| core_pos[p])
        .map(|p| (p as u32, t.row(p) as u32))
        .collect();
    let pos_cluster = number_components(&mut comps, &member, n);
    // Lowest cluster number per node (u32::MAX: no core row), to prune the border searches.
    let mut node_low = vec![u32::MAX; t.n_nodes()];
    for i in (0..t.n_nodes()).rev() {
        node_low[i] = match t.children(i) {
            Some((l, r)) => node_low[l].min(node_low[r]),
            None => t.node_range(i).map(|p| pos_cluster[p]).min().unwrap_or(u32::MAX),
        };
    }
    let labels_pos: Vec<Label> = (0..n)
        .into_par_iter()
        .map(|p| {
            if core_pos[p] {
                return Label::Cluster(pos_cluster[p]);
            }
            let best = std::cell::Cell::new(u32::MAX);
            t.visit_within(
                t.point(p),
                e2,
                |i| node_low[i] >= best.get(),
                |q, _| {
                    if core_pos[q] && pos_cluster[q] < best.get() {
                        best.set(pos_cluster[q]);
                    }
                    true
                },
            );
            lowest_cluster(best.get())
        })
        .collect();
    by_row(n, |p| t.row(p), &labels_pos, &core_pos)
}

mod advice;
#[cfg(test)]
mod tests;

pub use advice::{estimate_work, RedFlag, WorkEstimate};
