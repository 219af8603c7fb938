//! A kd-tree: median splits along the widest side of each node's bounding box, leaves of at most
//! [`LEAF`] rows.

use crate::metric::{sq_dist, sq_dists};

/// Rows per leaf at most.
pub const LEAF: usize = 16;

#[derive(Clone, Copy, Debug)]
struct Node {
    start: u32,
    end: u32,
    /// Index of the left child; the right child follows the left subtree. 0 for a leaf.
    left: u32,
    right: u32,
}

/// A kd-tree over the rows of an `n × d` row-major slice.
///
/// # Examples
/// ```
/// use telecluster::index::kdtree::KdTree;
/// let pts = [0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 5.0, 5.0];
/// let tree = KdTree::build(&pts, 2);
/// assert_eq!(tree.count_within(&[0.0, 0.0], 1.0, usize::MAX), 2); // itself and (1, 0)
/// // squared distance to the second nearest row other than the query itself
/// assert_eq!(tree.kth_sq_dist(&[0.0, 0.0], 3), 4.0);
/// ```
#[derive(Clone, Debug)]
pub struct KdTree {
    d: usize,
    /// Tree position -> caller's row.
    order: Vec<u32>,
    /// The rows in tree order.
    pts: Vec<f64>,
    nodes: Vec<Node>,
    /// Bounding boxes: `2 * d` values per node (lows, then highs).
    boxes: Vec<f64>,
}

/// Rows above which the two halves of a node are built on separate threads.
pub const PARALLEL_ROWS: usize = 32_768;

/// Nodes (in preorder, child indices counted from the first) and their boxes, as the build
/// makes them.
struct Subtree {
    nodes: Vec<Node>,
    boxes: Vec<f64>,
}

impl Subtree {
    fn empty() -> Self {
        Subtree {
            nodes: Vec::new(),
            boxes: Vec::new(),
        }
    }

    /// Adds the node over `rows` (positions `start..` in the final order) and its subtree.
    fn split(&mut self, data: &[f64], d: usize, rows: &mut [u32], start: usize) -> u32 {
        let id = self.nodes.len() as u32;
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for &r in rows.iter() {
            let x = &data[r as usize * d..(r as usize + 1) * d];
            for f in 0..d {
                lo[f] = lo[f].min(x[f]);
                hi[f] = hi[f].max(x[f]);
            }
        }
        self.boxes.extend_from_slice(&lo);
        self.boxes.extend_from_slice(&hi);
        self.nodes.push(Node {
            start: start as u32,
            end: (start + rows.len()) as u32,
            left: 0,
            right: 0,
        });
        let (dim, spread) = (0..d)
            .map(|f| (f, hi[f] - lo[f]))
            .fold((0, -1.0), |a, b| if b.1 > a.1 { b } else { a });
        if rows.len() <= LEAF || spread <= 0.0 {
            return id;
        }
        let mid = rows.len() / 2;
        // Ties on the coordinate fall back to the row index: the tree is fully determined. (The
        // data are finite: no NaN to order.)
        let key = |r: &u32| (data[*r as usize * d + dim], *r);
        rows.select_nth_unstable_by(mid, |a, b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.partial_cmp(&kb.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(ka.1.cmp(&kb.1))
        });
        let parallel = rows.len() > PARALLEL_ROWS;
        let (left_rows, right_rows) = rows.split_at_mut(mid);
        let (left, right) = if parallel {
            let (mut l, mut r) = (Subtree::empty(), Subtree::empty());
            rayon::join(
                || l.split(data, d, left_rows, start),
                || r.split(data, d, right_rows, start + mid),
            );
            (self.append(l), self.append(r))
        } else {
            let left = self.split(data, d, left_rows, start);
            (left, self.split(data, d, right_rows, start + mid))
        };
        self.nodes[id as usize].left = left;
        self.nodes[id as usize].right = right;
        id
    }

    /// Appends a subtree built on its own, shifting its child indices; returns its root's index.
    fn append(&mut self, sub: Subtree) -> u32 {
        let base = self.nodes.len() as u32;
        self.nodes.extend(sub.nodes.into_iter().map(|mut node| {
            if node.left != 0 {
                node.left += base;
                node.right += base;
            }
            node
        }));
        self.boxes.extend_from_slice(&sub.boxes);
        base
    }
}

impl KdTree {
    /// Builds the tree over `data` (`n × d`, row-major, `d ≥ 1`). Subtrees of more than
    /// [`PARALLEL_ROWS`] rows are built side by side; the tree is the same for any thread count.
    pub fn build(data: &[f64], d: usize) -> KdTree {
        assert!(d >= 1, "a kd-tree needs at least one feature");
        let n = data.len() / d;
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut sub = Subtree::empty();
        if n > 0 {
            sub.nodes.reserve(2 * n.div_ceil(LEAF) + 1);
            sub.split(data, d, &mut order, 0);
        }
        let mut pts = Vec::with_capacity(n * d);
        for &r in &order {
            pts.extend_from_slice(&data[r as usize * d..(r as usize + 1) * d]);
        }
        KdTree {
            d,
            order,
            pts,
            nodes: sub.nodes,
            boxes: sub.boxes,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the tree holds no rows.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Features per row.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// The caller's row at tree position `pos`.
    pub fn row(&self, pos: usize) -> usize {
        self.order[pos] as usize
    }

    /// The point at tree position `pos`.
    pub fn point(&self, pos: usize) -> &[f64] {
        &self.pts[pos * self.d..(pos + 1) * self.d]
    }

    /// The tree position of each of the caller's rows (the inverse of [`KdTree::row`]).
    pub fn positions(&self) -> Vec<u32> {
        let mut pos = vec![0u32; self.len()];
        for (p, &r) in self.order.iter().enumerate() {
            pos[r as usize] = p as u32;
        }
        pos
    }

    /// Calls `f(pos, sq_dist)` for the positions of `range` in order, distances computed
    /// several rows at a time ([`sq_dists`]); stops and returns `false` when `f` does.
    #[inline]
    fn scan(&self, q: &[f64], range: std::ops::Range<usize>, mut f: impl FnMut(usize, f64) -> bool) -> bool {
        let d = self.d;
        let mut buf = [0.0f64; LEAF];
        let mut start = range.start;
        while start < range.end {
            let end = (start + LEAF).min(range.end);
            let out = &mut buf[..end - start];
            sq_dists(q, &self.pts[start * d..end * d], out);
            for (pos, &s) in (start..end).zip(out.iter()) {
                if !f(pos, s) {
                    return false;
                }
            }
            start = end;
        }
        true
    }

    /// Squared distance from `q` to the nearest point of node `i`'s box.
    fn box_sq_dist(&self, i: usize, q: &[f64]) -> f64 {
        let d = self.d;
        let b = &self.boxes[2 * d * i..2 * d * (i + 1)];
        let (lo, hi) = b.split_at(d);
        let mut s = 0.0;
        // Branch-free: the query is inside the box on most axes, which a branch mispredicts.
        for ((&q, &lo), &hi) in q.iter().zip(lo).zip(hi) {
            let v = (lo - q).max(q - hi).max(0.0);
            s += v * v;
        }
        s
    }

    /// A node's children with their box distances to `q`, the farther first: pushed in this
    /// order, the nearer is visited first.
    fn children_far_near(&self, node: Node, q: &[f64]) -> [(u32, f64); 2] {
        let (a, b) = (node.left, node.right);
        let (da, db) = (self.box_sq_dist(a as usize, q), self.box_sq_dist(b as usize, q));
        if da <= db {
            [(b, db), (a, da)]
        } else {
            [(a, da), (b, db)]
        }
    }

    /// Squared distance from `q` to the farthest corner of node `i`'s box: every point of the
    /// node is at most this far. Each term is rounded from a difference at least as large as
    /// any point's, and rounding is monotonic, so `sq_dist(q, p)` never exceeds it.
    fn box_max_sq_dist(&self, i: usize, q: &[f64]) -> f64 {
        let d = self.d;
        let b = &self.boxes[2 * d * i..2 * d * (i + 1)];
        let mut s = 0.0;
        for f in 0..d {
            let v = (q[f] - b[f]).abs().max((b[d + f] - q[f]).abs());
            s += v * v;
        }
        s
    }

    /// Number of rows within squared distance `r2` of `q` (inclusive), counting stops at `cap`
    /// (returns at most `cap`). A node whose whole box
    /// lies within `r2` counts its rows without a distance: in dense regions most of the count
    /// comes from such nodes.
    pub fn count_within(&self, q: &[f64], r2: f64, cap: usize) -> usize {
        if cap == 0 || self.is_empty() {
            return 0;
        }
        let mut count = 0;
        let mut stack = [0u32; 64];
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let i = stack[top] as usize;
            if self.box_sq_dist(i, q) > r2 {
                continue;
            }
            let node = self.nodes[i];
            if self.box_max_sq_dist(i, q) <= r2 {
                count += (node.end - node.start) as usize;
            } else if node.left == 0 {
                self.scan(q, node.start as usize..node.end as usize, |_, s| {
                    count += usize::from(s <= r2);
                    true
                });
            } else {
                [stack[top], stack[top + 1]] = self.children_far_near(node, q).map(|c| c.0);
                top += 2;
            }
            if count >= cap {
                return cap;
            }
        }
        count
    }

    /// Number of nodes: node 0 is the root, and every node comes before its children.
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The tree positions node `i` holds.
    pub fn node_range(&self, i: usize) -> std::ops::Range<usize> {
        self.nodes[i].start as usize..self.nodes[i].end as usize
    }

    /// Node `i`'s children, `None` for a leaf.
    pub fn children(&self, i: usize) -> Option<(usize, usize)> {
        let node = self.nodes[i];
        (node.left != 0).then_some((node.left as usize, node.right as usize))
    }

    /// An upper bound on the squared distance between any two points of node `i`: the sum of
    /// its box's squared sides, in feature order, so no `sq_dist` between its points exceeds
    /// it (each rounded term is monotonic in the difference).
    pub fn box_sq_diameter(&self, i: usize) -> f64 {
        let d = self.d;
        let b = &self.boxes[2 * d * i..2 * d * (i + 1)];
        let mut s = 0.0;
        for f in 0..d {
            let v = b[d + f] - b[f];
            s += v * v;
        }
        s
    }

    /// Visits the rows within squared distance `r2` of `q` (inclusive) nearer nodes first,
    /// skipping the nodes `skip_node` names (asked again each time a node comes up, so it may
    /// depend on what `visit` has seen). `visit(pos, sq_dist)` returns `false` to stop.
    pub fn visit_within(
        &self,
        q: &[f64],
        r2: f64,
        skip_node: impl Fn(usize) -> bool,
        mut visit: impl FnMut(usize, f64) -> bool,
    ) {
        if self.is_empty() {
            return;
        }
        let mut stack = [(0u32, 0.0f64); 64];
        stack[0].1 = self.box_sq_dist(0, q);
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let (i, lb) = stack[top];
            if lb > r2 || skip_node(i as usize) {
                continue;
            }
            let node = self.nodes[i as usize];
            if node.left == 0 {
                let go_on = self.scan(q, node.start as usize..node.end as usize, |pos, s| {
                    s > r2 || visit(pos, s)
                });
                if !go_on {
                    return;
                }
            } else {
                [stack[top], stack[top + 1]] = self.children_far_near(node, q);
                top += 2;
            }
        }
    }

    /// The nearest position to `q` that `keep` accepts, as `(sq_dist, pos)` (the lowest
    /// position among equals), skipping the nodes `skip_node` names (nodes with no position to
    /// keep, so that the search does not scan them); `None` when no position is kept.
    pub fn nearest_matching(
        &self,
        q: &[f64],
        skip_node: impl Fn(usize) -> bool,
        keep: impl Fn(usize) -> bool,
    ) -> Option<(f64, usize)> {
        let best = self.nearest_where(q, f64::INFINITY, skip_node, keep);
        (best.1 != usize::MAX).then_some(best)
    }

    /// Tree position of the row nearest to `q` (the lowest position among equals); the tree
    /// must not be empty.
    pub fn nearest(&self, q: &[f64]) -> usize {
        self.nearest_where(q, f64::INFINITY, |_| false, |_| true).1
    }

    /// The nearest position to `q` that `keep` accepts, within squared distance `bound`
    /// (inclusive), as `(sq_dist, pos)`, lowest among equals; `pos` is `usize::MAX` when none
    /// is. Nodes that `skip_node` names are not visited.
    fn nearest_where(
        &self,
        q: &[f64],
        bound: f64,
        skip_node: impl Fn(usize) -> bool,
        keep: impl Fn(usize) -> bool,
    ) -> (f64, usize) {
        let mut best = (bound, usize::MAX);
        if self.is_empty() {
            return best;
        }
        let mut stack = [(0u32, 0.0f64); 64];
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let (i, lb) = stack[top];
            if lb > best.0 || skip_node(i as usize) {
                continue;
            }
            let node = self.nodes[i as usize];
            if node.left == 0 {
                for pos in node.start as usize..node.end as usize {
                    if keep(pos) {
                        let s = sq_dist(q, self.point(pos));
                        if (s, pos) < best {
                            best = (s, pos);
                        }
                    }
                }
            } else {
                [stack[top], stack[top + 1]] = self.children_far_near(node, q);
                top += 2;
            }
        }
        best
    }

    /// The `k`-th smallest squared distance from `q` to the rows (1-based, duplicates and `q`
    /// itself included); infinity when there are fewer than `k` rows.
    pub fn kth_sq_dist(&self, q: &[f64], k: usize) -> f64 {
        self.kth_with(k, |offer| {
            self.kth_walk(q, 0, f64::INFINITY, offer);
        })
    }

    /// [`KdTree::kth_sq_dist`] of every row, by tree position, each searched outward from its
    /// own leaf: the leaf first, then the sibling of each ancestor in turn, stopping as soon as
    /// the k-th distance so far fits inside an ancestor's box (nothing outside it can be
    /// nearer). The values are the same as from the root; most rows never go above a few
    /// levels.
    pub fn kth_sq_dists_of_rows(&self, k: usize) -> Vec<f64> {
        use rayon::prelude::*;
        let mut parent = vec![0u32; self.nodes.len()];
        let mut leaf_of = vec![0u32; self.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if node.left == 0 {
                leaf_of[node.start as usize..node.end as usize].fill(i as u32);
            } else {
                parent[node.left as usize] = i as u32;
                parent[node.right as usize] = i as u32;
            }
        }
        (0..self.len())
            .into_par_iter()
            .map(|pos| {
                let q = self.point(pos);
                self.kth_with(k, |offer| {
                    let mut node = leaf_of[pos] as usize;
                    let mut bound = self.kth_walk(q, node, f64::INFINITY, offer);
                    while node != 0 && self.inner_margin_sq(node, q) < bound {
                        let p = parent[node] as usize;
                        let n = self.nodes[p];
                        let sibling = if n.left as usize == node { n.right } else { n.left } as usize;
                        if self.box_sq_dist(sibling, q) <= bound {
                            bound = self.kth_walk(q, sibling, bound, offer);
                        }
                        node = p;
                    }
                })
            })
            .collect()
    }

    /// The squared distance from `q` (inside node `i`'s box) to the nearest face of the box:
    /// every row outside the box is at least this far, as computed by `sq_dist` (each rounded
    /// term is monotonic, and adding non-negative terms never lowers a sum).
    fn inner_margin_sq(&self, i: usize, q: &[f64]) -> f64 {
        let d = self.d;
        let b = &self.boxes[2 * d * i..2 * d * (i + 1)];
        let (lo, hi) = b.split_at(d);
        let mut m = f64::INFINITY;
        for f in 0..d {
            m = m.min(q[f] - lo[f]).min(hi[f] - q[f]);
        }
        let m = m.max(0.0);
        m * m
    }

    /// Keeps the k smallest distances `walk` offers (sorted on the stack for small k, a heap
    /// above) and returns the k-th; `walk` gets the offer function, which returns the bound.
    fn kth_with(&self, k: usize, walk: impl FnOnce(&mut dyn FnMut(f64) -> f64)) -> f64 {
        if k == 0 || k > self.len() {
            return f64::INFINITY;
        }
        if k <= SMALL_K {
            let mut best = [f64::INFINITY; SMALL_K];
            walk(&mut |s| {
                if s < best[k - 1] {
                    let at = best[..k - 1].partition_point(|&x| x <= s);
                    best.copy_within(at..k - 1, at + 1);
                    best[at] = s;
                }
                best[k - 1]
            });
            return best[k - 1];
        }
        let mut heap: std::collections::BinaryHeap<OrdF64> = std::collections::BinaryHeap::with_capacity(k + 1);
        walk(&mut |s| {
            if heap.len() < k || s < heap.peek().map_or(f64::INFINITY, |v| v.0) {
                heap.push(OrdF64(s));
                if heap.len() > k {
                    heap.pop();
                }
            }
            if heap.len() == k {
                heap.peek().map_or(f64::INFINITY, |v| v.0)
            } else {
                f64::INFINITY
            }
        });
        heap.peek().map_or(f64::INFINITY, |v| v.0)
    }

    /// Walks the subtree of `root` nearest node first, offering every distance below the bound
    /// (the k-th best so far, starting at `bound`); returns the bound at the end.
    fn kth_walk(&self, q: &[f64], root: usize, mut bound: f64, offer: &mut dyn FnMut(f64) -> f64) -> f64 {
        let mut stack = [(0u32, 0.0f64); 64];
        stack[0] = (root as u32, 0.0);
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let (i, lb) = stack[top];
            if lb > bound {
                continue;
            }
            let node = self.nodes[i as usize];
            if node.left == 0 {
                self.scan(q, node.start as usize..node.end as usize, |_, s| {
                    if s < bound {
                        bound = offer(s);
                    }
                    true
                });
            } else {
                [stack[top], stack[top + 1]] = self.children_far_near(node, q);
                top += 2;
            }
        }
        bound
    }
}

/// The largest `k` that [`KdTree::kth_sq_dist`] keeps in a sorted array on the stack.
const SMALL_K: usize = 64;

impl KdTree {
    /// For every node, the tag all its positions share, or `u32::MAX` when they differ
    /// (`tag` is indexed by tree position). Lets [`KdTree::nearest_other`] skip whole nodes.
    pub fn node_tags(&self, tag: &[u32]) -> Vec<u32> {
        let mut out = vec![u32::MAX; self.nodes.len()];
        // Children come after their parent: a reverse walk sees them first.
        for i in (0..self.nodes.len()).rev() {
            let node = self.nodes[i];
            out[i] = if node.left == 0 {
                let t = &tag[node.start as usize..node.end as usize];
                if t.iter().all(|&v| v == t[0]) {
                    t[0]
                } else {
                    u32::MAX
                }
            } else if out[node.left as usize] == out[node.right as usize] {
                out[node.left as usize]
            } else {
                u32::MAX
            };
        }
        out
    }

    /// The position nearest to `q` among those whose tag is not `own`, as `(sq_dist, pos)`
    /// (the lowest pair among equals), if one lies within squared distance `bound`
    /// (inclusive). `node_tag` comes from [`KdTree::node_tags`] over the same `tag`.
    pub fn nearest_other(
        &self,
        q: &[f64],
        own: u32,
        tag: &[u32],
        node_tag: &[u32],
        bound: f64,
    ) -> Option<(f64, usize)> {
        let best = self.nearest_where(q, bound, |i| node_tag[i] == own, |pos| tag[pos] != own);
        (best.1 != usize::MAX).then_some(best)
    }
}

/// An f64 with a total order, for the heap (distances are never NaN).
#[derive(Clone, Copy, PartialEq)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn brute(data: &[f64], d: usize, q: &[f64]) -> Vec<f64> {
        let mut v: Vec<f64> = data.chunks_exact(d).map(|x| sq_dist(q, x)).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn queries_equal_brute_force() {
        let mut rng = Rng::new(11);
        for d in 1..=5 {
            let n = 700;
            // Clumps and exact duplicates, to exercise ties and zero-spread nodes.
            let data: Vec<f64> = (0..n * d)
                .map(|i| {
                    if i % 5 == 0 {
                        1.0
                    } else {
                        (rng.normal() * 2.0).round() * 0.25
                    }
                })
                .collect();
            let tree = KdTree::build(&data, d);
            assert_eq!(tree.len(), n);
            for qi in (0..n).step_by(37) {
                let q = &data[qi * d..(qi + 1) * d];
                let all = brute(&data, d, q);
                for r2 in [0.0, 0.0625, 0.3, 2.0] {
                    let want = all.iter().filter(|&&s| s <= r2).count();
                    assert_eq!(tree.count_within(q, r2, usize::MAX), want, "d={d} r2={r2}");
                    assert_eq!(tree.count_within(q, r2, 3), want.min(3));
                    let mut seen = Vec::new();
                    tree.visit_within(
                        q,
                        r2,
                        |_| false,
                        |pos, s| {
                            assert_eq!(s, sq_dist(q, tree.point(pos)));
                            seen.push(tree.row(pos));
                            true
                        },
                    );
                    seen.sort_unstable();
                    seen.dedup();
                    assert_eq!(seen.len(), want);
                }
                // Nearest-first visits see the same rows; skipping a node skips exactly its rows.
                let mut visited = Vec::new();
                tree.visit_within(
                    q,
                    2.0,
                    |_| false,
                    |pos, _| {
                        visited.push(pos);
                        true
                    },
                );
                assert_eq!(visited.len(), all.iter().filter(|&&s| s <= 2.0).count());
                if let Some((l, _)) = tree.children(0) {
                    let mut kept = 0;
                    tree.visit_within(
                        q,
                        2.0,
                        |i| i == l,
                        |pos, _| {
                            assert!(!tree.node_range(l).contains(&pos));
                            kept += 1;
                            true
                        },
                    );
                    let in_l = visited.iter().filter(|p| tree.node_range(l).contains(p)).count();
                    assert_eq!(kept, visited.len() - in_l);
                }
                let near = tree.nearest(q);
                assert_eq!(sq_dist(q, tree.point(near)), all[0]);
                for k in [1, 2, 5, 17, n] {
                    assert_eq!(tree.kth_sq_dist(q, k), all[k - 1], "d={d} k={k}");
                }
                assert_eq!(tree.kth_sq_dist(q, n + 1), f64::INFINITY);
            }
        }
    }

    #[test]
    fn no_two_rows_of_a_node_are_farther_apart_than_its_diameter() {
        let mut rng = Rng::new(5);
        let d = 7;
        let data: Vec<f64> = (0..300 * d).map(|_| rng.normal() * 1e3).collect();
        let tree = KdTree::build(&data, d);
        for i in 0..tree.n_nodes() {
            let r = tree.node_range(i);
            let diam = tree.box_sq_diameter(i);
            for a in r.clone() {
                for b in r.clone() {
                    assert!(sq_dist(tree.point(a), tree.point(b)) <= diam);
                }
            }
        }
    }

    #[test]
    fn empty_and_single_row() {
        let tree = KdTree::build(&[], 2);
        assert!(tree.is_empty());
        assert_eq!(tree.count_within(&[0.0, 0.0], 1.0, 10), 0);
        assert_eq!(tree.kth_sq_dist(&[0.0, 0.0], 1), f64::INFINITY);
        let tree = KdTree::build(&[3.0, 4.0], 2);
        assert_eq!(tree.kth_sq_dist(&[0.0, 0.0], 1), 25.0);
    }
}
