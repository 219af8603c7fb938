//! Single linkage from a Euclidean minimum spanning tree, without a distance matrix.
//!
//! Single linkage merges along the edges of a minimum spanning tree in increasing length
//! (Gower and Ross, 1969), which is how scipy computes it. For narrow data the tree comes from
//! Borůvka's algorithm over a kd-tree: each round, every component finds its shortest edge to
//! another component, and all those edges join the tree. A component's rows search in turn,
//! each bounded by the best edge found so far, and kd-tree nodes that lie wholly inside the
//! searching component are skipped. There are at most log2(n) rounds, and the components
//! search in parallel. Wider data, where a kd-tree prunes little, uses Prim's algorithm with
//! O(n) memory, parallel over the rows.
//!
//! Ties between equal edges are broken by a fixed total order, so the tree (and the output) is
//! the same for any thread count.

use rayon::prelude::*;

use super::{find, RawMerge};
use crate::index::kdtree::KdTree;
use crate::metric::sq_dist;

/// Widest data that goes through the kd-tree.
pub(crate) const MAX_KD_DIM: usize = 8;

/// The merges of single linkage over the rows of `data` (n × d), in increasing height.
pub(super) fn single_linkage(data: &[f64], d: usize) -> Vec<RawMerge> {
    let mut edges = if d <= MAX_KD_DIM {
        boruvka(data, d)
    } else {
        prim(data, d)
    };
    edges.sort_by(|p, q| {
        p.height
            .total_cmp(&q.height)
            .then(p.x.min(p.y).cmp(&q.x.min(q.y)))
            .then(p.x.max(p.y).cmp(&q.x.max(q.y)))
    });
    edges
}

/// An edge as `(squared length, lower position, higher position)`: the total order of edges.
type Edge = (f64, u32, u32);

fn edge(s: f64, p: usize, q: usize) -> Edge {
    (s, p.min(q) as u32, p.max(q) as u32)
}

fn less(a: &Edge, b: &Edge) -> bool {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)).is_lt()
}

pub(crate) fn boruvka(data: &[f64], d: usize) -> Vec<RawMerge> {
    let n = data.len() / d;
    let tree = KdTree::build(data, d);
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut edges: Vec<RawMerge> = Vec::with_capacity(n.saturating_sub(1));
    let mut comp = vec![0u32; n];
    let mut by_comp = vec![0u32; n];
    let mut starts = vec![0usize; n + 1];
    // A stop request leaves the edges unfinished; the caller drops them.
    while edges.len() + 1 < n && !crate::interrupt::requested() {
        // Label every position with its component's root; group the positions by component.
        for (pos, c) in comp.iter_mut().enumerate() {
            *c = find(&mut parent, pos as u32);
        }
        starts.iter_mut().for_each(|s| *s = 0);
        for &c in &comp {
            starts[c as usize + 1] += 1;
        }
        for c in 0..n {
            starts[c + 1] += starts[c];
        }
        let mut fill = starts.clone();
        for (pos, &c) in comp.iter().enumerate() {
            by_comp[fill[c as usize]] = pos as u32;
            fill[c as usize] += 1;
        }
        let groups: Vec<&[u32]> = (0..n)
            .filter(|&c| starts[c + 1] > starts[c])
            .map(|c| &by_comp[starts[c]..starts[c + 1]])
            .collect();
        let node_tag = tree.node_tags(&comp);
        let best: Vec<Option<Edge>> = groups
            .par_iter()
            .map(|members| {
                let own = comp[members[0] as usize];
                let mut best: Option<Edge> = None;
                for &p in members.iter() {
                    let bound = best.map_or(f64::INFINITY, |b| b.0);
                    let q = tree.point(p as usize);
                    if let Some((s, other)) = tree.nearest_other(q, own, &comp, &node_tag, bound) {
                        let e = edge(s, p as usize, other);
                        if best.is_none_or(|b| less(&e, &b)) {
                            best = Some(e);
                        }
                    }
                }
                best
            })
            .collect();
        let before = edges.len();
        for e in best.into_iter().flatten() {
            let (rp, rq) = (find(&mut parent, e.1), find(&mut parent, e.2));
            if rp != rq {
                // The lower root survives: roots stay comparable between rounds.
                let (lo, hi) = (rp.min(rq), rp.max(rq));
                parent[hi as usize] = lo;
                edges.push(RawMerge {
                    x: tree.row(e.1 as usize) as u32,
                    y: tree.row(e.2 as usize) as u32,
                    height: e.0.sqrt(),
                });
            }
        }
        assert!(
            edges.len() > before,
            "every Borůvka round joins at least two components"
        );
    }
    edges
}

/// Rows per parallel task in Prim's scan.
const PRIM_CHUNK: usize = 4096;

/// Prim's algorithm over the rows, O(n) memory: each step adds the row nearest to the tree.
pub(crate) fn prim(data: &[f64], d: usize) -> Vec<RawMerge> {
    let n = data.len() / d;
    let mut dist = vec![f64::INFINITY; n];
    let mut merged = vec![false; n];
    let mut edges = Vec::with_capacity(n.saturating_sub(1));
    let mut x = 0usize;
    for _ in 1..n {
        if crate::interrupt::requested() {
            break;
        }
        merged[x] = true;
        let xr = &data[x * d..(x + 1) * d];
        let (s, y) = dist
            .par_chunks_mut(PRIM_CHUNK)
            .zip(merged.par_chunks(PRIM_CHUNK))
            .enumerate()
            .map(|(c, (dc, mc))| {
                let mut best = (f64::INFINITY, usize::MAX);
                for (j, (dv, &m)) in dc.iter_mut().zip(mc).enumerate() {
                    if m {
                        continue;
                    }
                    let i = c * PRIM_CHUNK + j;
                    let s = sq_dist(xr, &data[i * d..(i + 1) * d]);
                    if s < *dv {
                        *dv = s;
                    }
                    if (*dv, i) < best {
                        best = (*dv, i);
                    }
                }
                best
            })
            .reduce(|| (f64::INFINITY, usize::MAX), |a, b| if b < a { b } else { a });
        edges.push(RawMerge {
            x: x as u32,
            y: y as u32,
            height: s.sqrt(),
        });
        x = y;
    }
    edges
}
