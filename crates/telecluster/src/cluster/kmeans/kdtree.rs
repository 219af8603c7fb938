//! Lloyd's iteration by kd-tree filtering, for narrow data (Kanungo, Mount, Netanyahu, Piatko,
//! Silverman, Wu, "An efficient k-means clustering algorithm: analysis and implementation",
//! IEEE TPAMI 2002).
//!
//! The rows are sorted along a Morton (Z-order) curve and grouped into leaves of [`LEAF`] rows;
//! a balanced binary tree over the leaves keeps each node's bounding box, row count and row sum.
//! An iteration walks the tree with a list of candidate centres. At each node the candidate
//! nearest the box's midpoint is the reference; every other candidate that is farther than the
//! reference from *every* point of the box (tested at the box vertex that favours it most) is
//! dropped. A node left with one candidate gives all its rows to it at once (its precomputed sum
//! goes into the centre's sum); a leaf left with several decides row by row.
//!
//! The labels are exactly Lloyd's: a candidate is dropped only when it is strictly farther for
//! every point of the box, with a margin for rounding, so each row is still decided among all
//! the centres that could be its nearest, by the same distance and the same lowest-index rule.
//! Only the rounding of the centre sums differs (node sums are added whole).

// Box geometry walks several per-feature arrays (lo, hi, sum, the row) in step.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use crate::cluster::distance::sq_dist;
use crate::index::bounding_box;

/// Rows per leaf.
pub(crate) const LEAF: usize = 32;
/// Widest data the tree serves (box corners and sums are fixed-size arrays).
pub(crate) const MAX_D: usize = 4;
/// Depth at which the walk splits into independent subtrees for the threads (2^depth of them).
const SPLIT_DEPTH: u32 = 5;

#[derive(Clone, Copy, Debug, Default)]
struct Node {
    start: u32,
    end: u32,
    lo: [f64; MAX_D],
    hi: [f64; MAX_D],
    sum: [f64; MAX_D],
}

/// The rows in Morton order and the tree over them.
pub(crate) struct Tree {
    d: usize,
    /// Position in the tree -> original row.
    pub order: Vec<u32>,
    /// The rows in tree order (n × d).
    pub pts: Vec<f64>,
    /// Implicit complete binary tree: node 1 is the root, children of i are 2i and 2i + 1, the
    /// leaves are `first_leaf..first_leaf + n_leaves` (a power of two of slots; empty ones have
    /// no rows).
    nodes: Vec<Node>,
    first_leaf: usize,
}

impl Tree {
    /// Builds the tree over `data` (n × d, d ≤ [`MAX_D`]).
    pub fn build(data: &[f64], d: usize) -> Tree {
        assert!((1..=MAX_D).contains(&d), "kd filtering serves 1..=4 features");
        let n = data.len() / d;
        let (lo_v, hi_v) = bounding_box(data, d);
        // Fixed-size copies: the per-row code below indexes them without bounds checks.
        let (mut lo, mut hi) = ([0.0; MAX_D], [0.0; MAX_D]);
        lo[..d].copy_from_slice(&lo_v);
        hi[..d].copy_from_slice(&hi_v);
        // Morton codes only need to keep nearby rows together: a grid of 2^CODE_BITS cells is
        // plenty for leaves of a few dozen rows, and lets one counting pass sort the rows.
        let bits = CODE_BITS / d as u32;
        let mut scale = [0.0; MAX_D];
        for f in 0..d {
            let span = hi[f] - lo[f];
            if span > 0.0 {
                scale[f] = ((1u64 << bits) - 1) as f64 / span;
            }
        }
        // The codes are computed twice (count, then place) rather than stored: cheaper than
        // writing and reading them back. Each width gets its own unrolled code.
        let (order, pts) = match d {
            1 => counting_sort::<1>(data, |x| code::<1>(x, &lo, &scale, bits)),
            2 => counting_sort::<2>(data, |x| code::<2>(x, &lo, &scale, bits)),
            3 => counting_sort::<3>(data, |x| code::<3>(x, &lo, &scale, bits)),
            _ => counting_sort::<4>(data, |x| code::<4>(x, &lo, &scale, bits)),
        };

        let n_leaves = n.div_ceil(LEAF).max(1);
        let first_leaf = n_leaves.next_power_of_two();
        let mut nodes = vec![Node::default(); 2 * first_leaf];
        nodes[first_leaf..].par_iter_mut().enumerate().for_each(|(l, node)| {
            let start = (l * LEAF).min(n);
            let end = ((l + 1) * LEAF).min(n);
            node.start = start as u32;
            node.end = end as u32;
            node.lo = [f64::INFINITY; MAX_D];
            node.hi = [f64::NEG_INFINITY; MAX_D];
            for x in pts[start * d..end * d].chunks_exact(d) {
                for f in 0..d {
                    node.lo[f] = node.lo[f].min(x[f]);
                    node.hi[f] = node.hi[f].max(x[f]);
                    node.sum[f] += x[f];
                }
            }
        });
        for i in (1..first_leaf).rev() {
            let (a, b) = (nodes[2 * i], nodes[2 * i + 1]);
            let mut node = Node {
                start: a.start,
                end: b.end.max(a.end),
                ..Node::default()
            };
            for f in 0..MAX_D {
                node.lo[f] = a.lo[f].min(b.lo[f]);
                node.hi[f] = a.hi[f].max(b.hi[f]);
                node.sum[f] = a.sum[f] + b.sum[f];
            }
            nodes[i] = node;
        }
        Tree {
            d,
            order,
            pts,
            nodes,
            first_leaf,
        }
    }

    /// One Lloyd assignment over the tree: updates `labels` (tree order), writes the centre sums
    /// and counts, and returns how many labels changed. The subtrees below depth
    /// `SPLIT_DEPTH` go to the threads, and their sums are added in subtree order.
    pub fn assign(&self, centers: &[f64], labels: &mut [u32], sums: &mut [f64], counts: &mut [i64]) -> usize {
        let d = self.d;
        let k = centers.len() / d;
        let depth = SPLIT_DEPTH.min(self.first_leaf.trailing_zeros());
        let first = 1usize << depth;
        let roots: Vec<usize> = (first..2 * first).collect();
        // Each subtree owns a contiguous range of rows: hand each its slice of the labels.
        // Leaves fill left to right, so the subtrees' row ranges follow each other.
        let mut slices = Vec::with_capacity(roots.len());
        let mut rest = labels;
        for &r in &roots {
            let node = &self.nodes[r];
            let (head, tail) = rest.split_at_mut((node.end - node.start) as usize);
            slices.push((r, node.start as usize, head));
            rest = tail;
        }
        let results: Vec<(Vec<f64>, Vec<i64>, usize)> = slices
            .into_par_iter()
            .map(|(r, base, lab)| {
                let mut s = vec![0.0; k * d];
                let mut c = vec![0i64; k];
                let changed = self.walk(r, base, centers, k, lab, &mut s, &mut c);
                (s, c, changed)
            })
            .collect();
        sums.fill(0.0);
        counts.fill(0);
        let mut changed = 0;
        for (s, c, ch) in results {
            sums.iter_mut().zip(&s).for_each(|(a, b)| *a += b);
            counts.iter_mut().zip(&c).for_each(|(a, b)| *a += b);
            changed += ch;
        }
        changed
    }

    /// Walks the subtree at `root`, whose rows start at `base`; `lab` holds their labels.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        root: usize,
        base: usize,
        centers: &[f64],
        k: usize,
        lab: &mut [u32],
        sums: &mut [f64],
        counts: &mut [i64],
    ) -> usize {
        let d = self.d;
        let mut changed = 0;
        // (node, offset of its candidates in `cands`, how many)
        let mut stack: Vec<(usize, usize, usize)> = vec![(root, 0, k)];
        let mut cands: Vec<u32> = (0..k as u32).collect();
        while let Some((i, off, len)) = stack.pop() {
            let node = self.nodes[i];
            if node.end <= node.start {
                continue;
            }
            // The candidate nearest the box's midpoint is the reference.
            let mut mid = [0.0; MAX_D];
            for f in 0..d {
                mid[f] = 0.5 * (node.lo[f] + node.hi[f]);
            }
            let mut best = cands[off];
            let mut best_d = f64::INFINITY;
            for &z in &cands[off..off + len] {
                let dz = sq_dist(&mid[..d], &centers[z as usize * d..(z as usize + 1) * d]);
                if dz < best_d {
                    best_d = dz;
                    best = z;
                }
            }
            let cb = &centers[best as usize * d..(best as usize + 1) * d];
            // Keep the candidates that might beat the reference somewhere in the box.
            let new_off = cands.len();
            for t in off..off + len {
                let z = cands[t];
                if z == best || !farther_everywhere(&centers[z as usize * d..(z as usize + 1) * d], cb, &node, d) {
                    cands.push(z);
                }
            }
            let kept = cands.len() - new_off;
            let (start, end) = (node.start as usize, node.end as usize);
            if kept == 1 {
                let j = best as usize;
                for f in 0..d {
                    sums[j * d + f] += node.sum[f];
                }
                counts[j] += (end - start) as i64;
                for l in &mut lab[start - base..end - base] {
                    changed += usize::from(*l != best);
                    *l = best;
                }
            } else if i >= self.first_leaf {
                let kept_list = &cands[new_off..];
                for r in start..end {
                    let x = &self.pts[r * d..(r + 1) * d];
                    let (mut bj, mut bd) = (kept_list[0], f64::INFINITY);
                    // Candidates stay in increasing index order: strict < keeps the lowest.
                    for &z in kept_list {
                        let dz = sq_dist(x, &centers[z as usize * d..(z as usize + 1) * d]);
                        if dz < bd {
                            bd = dz;
                            bj = z;
                        }
                    }
                    let j = bj as usize;
                    for f in 0..d {
                        sums[j * d + f] += x[f];
                    }
                    counts[j] += 1;
                    let l = &mut lab[r - base];
                    changed += usize::from(*l != bj);
                    *l = bj;
                }
            } else {
                stack.push((2 * i + 1, new_off, kept));
                stack.push((2 * i, new_off, kept));
                continue;
            }
            // Candidate lists of finished nodes can go once nothing above them is pending.
            let keep_to = stack.last().map_or(k, |&(_, o, l)| o + l);
            cands.truncate(keep_to.max(k));
        }
        changed
    }
}

/// Bits of a Morton code (all features together): one counting pass over 2^16 cells sorts them.
const CODE_BITS: u32 = 16;

/// The Morton code of a row of `D` features on the grid of `bits` bits per feature.
#[inline(always)]
fn code<const D: usize>(x: &[f64], lo: &[f64; MAX_D], scale: &[f64; MAX_D], bits: u32) -> u16 {
    let mut q = [0u64; D];
    for f in 0..D {
        q[f] = ((x[f] - lo[f]) * scale[f]) as u64;
    }
    morton(&q, bits) as u16
}

/// Interleaves the low `bits` bits of each coordinate, most significant first.
#[inline(always)]
fn morton(q: &[u64], bits: u32) -> u64 {
    if q.len() == 2 {
        // Spread 8 bits to every other position with masks (the usual bit trick).
        let spread = |mut v: u64| {
            v &= 0xFF;
            v = (v | (v << 4)) & 0x0F0F;
            v = (v | (v << 2)) & 0x3333;
            (v | (v << 1)) & 0x5555
        };
        debug_assert_eq!(bits, 8);
        return (spread(q[0]) << 1) | spread(q[1]);
    }
    let mut code = 0u64;
    for b in (0..bits).rev() {
        for &v in q {
            code = (code << 1) | ((v >> b) & 1);
        }
    }
    code
}

/// Stable sort of the rows (`D` features each) by their 16-bit `code`: returns the rows in
/// sorted order and their points gathered in that order. Equal codes keep row order, so the
/// result is the one stable order, whatever the thread count.
///
/// Two counting passes (most significant byte first): the rows are scattered into 256 buckets
/// by the high byte, each bucket then sorted in place by the low byte in a small scratch
/// buffer that stays in the cache. Scattering straight into 65,536 cells would write through
/// far more streams than the caches and TLB hold.
fn counting_sort<const D: usize>(data: &[f64], code: impl Fn(&[f64]) -> u16 + Sync) -> (Vec<u32>, Vec<f64>) {
    const PARTS: usize = 4;
    const B: usize = 256;
    let n = data.len() / D;
    let part = n.div_ceil(PARTS).max(1);
    let counts: Vec<[u32; B]> = data
        .par_chunks(part * D)
        .map(|c| {
            let mut h = [0u32; B];
            for x in c.chunks_exact(D) {
                h[(code(x) >> 8) as usize] += 1;
            }
            h
        })
        .collect();
    // A part's rows of one bucket go after the earlier parts' rows of that bucket: exactly
    // where a sequential stable pass would put them.
    let mut offsets = vec![[0usize; B]; counts.len()];
    let mut starts = [0usize; B + 1];
    let mut pos = 0;
    for b in 0..B {
        starts[b] = pos;
        for (p, h) in counts.iter().enumerate() {
            offsets[p][b] = pos;
            pos += h[b] as usize;
        }
    }
    starts[B] = pos;
    let mut order = vec![0u32; n];
    let mut pts = vec![0.0; n * D];
    // The low byte of each placed row's code, for the second pass.
    let mut low = vec![0u8; n];
    {
        // Each part writes a disjoint set of positions; hand out the writes through raw
        // pointers wrapped so that threads may share them.
        struct Out(*mut u32, *mut f64, *mut u8);
        // SAFETY: the threads write through these pointers only at the disjoint positions of
        // their own parts (see below), and nothing reads them until every part is done.
        unsafe impl Sync for Out {}
        let dst = Out(order.as_mut_ptr(), pts.as_mut_ptr(), low.as_mut_ptr());
        let dst = &dst;
        data.par_chunks(part * D)
            .zip(offsets.par_iter_mut())
            .enumerate()
            .for_each(|(p, (c, off))| {
                for (r, x) in c.chunks_exact(D).enumerate() {
                    let row = p * part + r;
                    let k = code(x);
                    let b = (k >> 8) as usize;
                    let o = off[b];
                    off[b] += 1;
                    // SAFETY: `o` walks this part's own range of bucket b, computed above from
                    // the counts; the ranges of all parts and buckets tile 0..n exactly, and
                    // `pts` holds n * D values.
                    unsafe {
                        *dst.0.add(o) = row as u32;
                        *dst.2.add(o) = (k & 0xFF) as u8;
                        // A fixed-size copy: no call per row.
                        let src: [f64; D] = x.try_into().expect("D values per row");
                        std::ptr::write(dst.1.add(o * D).cast::<[f64; D]>(), src);
                    }
                }
            });
    }
    // Second pass: each bucket by the low byte, stably, through a per-thread scratch copy.
    let mut buckets: Vec<(&mut [u32], &mut [f64], &[u8])> = Vec::with_capacity(B);
    let (mut rest_o, mut rest_p, mut rest_l) = (order.as_mut_slice(), pts.as_mut_slice(), low.as_slice());
    for b in 0..B {
        let len = starts[b + 1] - starts[b];
        let (o, to) = rest_o.split_at_mut(len);
        let (p, tp) = rest_p.split_at_mut(len * D);
        let (l, tl) = rest_l.split_at(len);
        buckets.push((o, p, l));
        (rest_o, rest_p, rest_l) = (to, tp, tl);
    }
    buckets.into_par_iter().for_each_init(
        || (Vec::new(), Vec::new()),
        |(so, sp): &mut (Vec<u32>, Vec<[f64; D]>), (o, p, l)| {
            so.clear();
            so.extend_from_slice(o);
            sp.clear();
            sp.extend(
                p.chunks_exact(D)
                    .map(|x| <[f64; D]>::try_from(x).expect("D values per row")),
            );
            let mut at = [0usize; B];
            for &k in l {
                at[k as usize] += 1;
            }
            let mut sum = 0;
            for a in at.iter_mut() {
                (*a, sum) = (sum, sum + *a);
            }
            for ((&row, x), &k) in so.iter().zip(sp.iter()).zip(l) {
                let j = at[k as usize];
                at[k as usize] += 1;
                o[j] = row;
                p[j * D..(j + 1) * D].copy_from_slice(x);
            }
        },
    );
    (order, pts)
}

/// True when centre `z` is farther than centre `r` from every point of the node's box, by more
/// than rounding could hide. The box point that favours `z` most is the vertex on `z`'s side of
/// `r` in every coordinate.
#[inline]
fn farther_everywhere(z: &[f64], r: &[f64], node: &Node, d: usize) -> bool {
    let mut dz = 0.0;
    let mut dr = 0.0;
    for f in 0..d {
        let v = if z[f] > r[f] { node.hi[f] } else { node.lo[f] };
        let a = v - z[f];
        let b = v - r[f];
        dz += a * a;
        dr += b * b;
    }
    dz > dr * (1.0 + 1e-9) + 1e-300
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::distance::nearest;
    use crate::rng::Rng;

    #[test]
    fn counting_sort_orders_by_code_then_row() {
        let codes: Vec<u16> = vec![5, 1, 5, 0, u16::MAX, 1, 0];
        let data: Vec<f64> = (0..codes.len() * 2).map(|v| v as f64).collect();
        let (order, pts) = counting_sort::<2>(&data, |x| codes[x[0] as usize / 2]);
        // equal codes keep row order
        assert_eq!(order, vec![3, 6, 1, 5, 0, 2, 4]);
        for (t, &row) in order.iter().enumerate() {
            assert_eq!(&pts[t * 2..t * 2 + 2], &data[row as usize * 2..row as usize * 2 + 2]);
        }
        // more rows than one part holds, against a plain stable sort
        let codes: Vec<u16> = (0..10_007u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 20) as u16)
            .collect();
        let data: Vec<f64> = (0..codes.len()).map(|v| v as f64).collect();
        let (order, pts) = counting_sort::<1>(&data, |x| codes[x[0] as usize]);
        let mut want: Vec<u32> = (0..codes.len() as u32).collect();
        want.sort_by_key(|&i| codes[i as usize]);
        assert_eq!(order, want);
        assert!(order.iter().zip(&pts).all(|(&r, &p)| p == r as f64));
    }

    #[test]
    fn morton_interleaves_bits() {
        // x = 0b11, y = 0b01 -> x1 y1 x0 y0 = 1 0 1 1
        assert_eq!(morton(&[0b11, 0b01], 8), 0b1011);
        assert_eq!(morton(&[0b1, 0b0, 0b1], 7), 0b101);
    }

    #[test]
    fn assignment_equals_brute_force() {
        let mut rng = Rng::new(3);
        for d in 1..=4 {
            let n = 5000 + d;
            let x: Vec<f64> = (0..n * d).map(|i| rng.normal() + (i % 7) as f64).collect();
            let tree = Tree::build(&x, d);
            let k = 9;
            let centers: Vec<f64> = (0..k * d).map(|_| rng.normal() * 3.0).collect();
            let mut labels = vec![u32::MAX; n];
            let mut sums = vec![0.0; k * d];
            let mut counts = vec![0i64; k];
            let changed = tree.assign(&centers, &mut labels, &mut sums, &mut counts);
            assert_eq!(changed, n);
            let mut want_sums = vec![0.0; k * d];
            for (t, &row) in tree.order.iter().enumerate() {
                let xr = &x[row as usize * d..(row as usize + 1) * d];
                let (j, _) = nearest(xr, &centers, d);
                assert_eq!(labels[t] as usize, j, "d={d} row {row}");
                for f in 0..d {
                    want_sums[j * d + f] += xr[f];
                }
            }
            for (a, b) in sums.iter().zip(&want_sums) {
                assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0));
            }
            assert_eq!(counts.iter().sum::<i64>(), n as i64);
            assert_eq!(tree.assign(&centers, &mut labels, &mut sums, &mut counts), 0);
        }
    }
}
