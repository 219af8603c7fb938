//! One K-Means run from given centres: Lloyd or Hamerly iterations, scikit-learn's stopping
//! rules, empty-cluster relocation, the final assignment and the inertia.
//!
//! Both algorithms produce the same labels at every iteration (Hamerly only skips distance
//! computations its bounds prove unnecessary), and both recompute the centres from the labels
//! with the same chunked sums, so they give the same centres bit for bit. Per-iteration memory
//! is allocated once per run: labels (4 B/row), Hamerly's two bounds (16 B/row) and, per chunk of
//! rows, the partial sums.

use rayon::prelude::*;

use super::hamerly::{half_gaps, hamerly_pass, HamerlyState, Shifts};
#[cfg(test)]
use super::hartigan::hartigan;
use super::kdtree::Tree;
use super::lloyd::lloyd_pass;
use crate::cluster::distance::{nearest_rows, sq_dist, CHUNK_ROWS};

/// Which iteration to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Iteration {
    Lloyd,
    Hamerly,
    /// Lloyd's labels by kd-tree filtering: `run` iterates over the tree's rows (tree order)
    /// and makes the final assignment over the caller's rows, in row order.
    KdTree,
}

/// What one run produced.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub labels: Vec<u32>,
    pub centers: Vec<f64>,
    pub inertia: f64,
    pub n_iter: usize,
    pub converged: bool,
    pub relocated: usize,
}

/// A chunk's share of an iteration: centre sums and counts of its rows, and scratch space.
pub(super) struct Partial {
    /// `SETS` interleaved sets of k × d sums (row i adds to set i % SETS), folded into set 0:
    /// the chunk's sums after a full pass, their change after an incremental one.
    pub sums: Vec<f64>,
    /// Counts (or their change), in the same sets.
    pub counts: Vec<i64>,
    pub changed: usize,
}

/// A worker's scratch space for the distance kernels (per thread, not per chunk, so it costs
/// O(threads) memory); the seeding uses it too.
#[derive(Default)]
pub(crate) struct Scratch {
    pub labels: Vec<u32>,
    pub dists: Vec<f64>,
    pub second: Vec<f64>,
    /// Hamerly: rows of the chunk whose bounds failed, and their coordinates.
    pub pending: Vec<usize>,
    pub gathered: Vec<f64>,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            labels: vec![0; CHUNK_ROWS],
            dists: vec![0.0; CHUNK_ROWS],
            second: vec![0.0; CHUNK_ROWS],
            ..Default::default()
        }
    }
}

/// Independent sets of sums: consecutive rows of one cluster then add into different memory, so
/// an add never waits for the previous row's store.
pub(super) const SETS: usize = 4;

/// A bound above which a skipped point's distance is treated as uncertain: it absorbs the
/// rounding of the bound updates, so a skip is only taken when it is safe by a wide margin.
pub(super) const SAFE: f64 = 1.0 + 1e-9;

/// Runs K-Means from `centers` (k × d, row-major) on `data` (n × d).
///
/// `tol` is absolute (scikit-learn's `tol × mean feature variance`): the run stops when no label
/// changes (strict convergence) or when the sum of squared centre shifts is ≤ `tol`.
pub(crate) fn run(
    data: &[f64],
    d: usize,
    mut centers: Vec<f64>,
    max_iter: usize,
    tol: f64,
    it: Iteration,
    tree: Option<&Tree>,
) -> Run {
    let rows = data;
    // The kd-tree iterates over its own copy of the rows, in tree order.
    let data: &[f64] = tree.map_or(data, |t| &t.pts);
    let n = data.len() / d;
    let k = centers.len() / d;
    let n_chunks = n.div_ceil(CHUNK_ROWS);
    let mut partials: Vec<Partial> = (0..n_chunks)
        .map(|_| Partial {
            sums: vec![0.0; SETS * k * d],
            counts: vec![0; SETS * k],
            changed: 0,
        })
        .collect();
    let mut labels = vec![u32::MAX; n];
    let (mut upper, mut lower) = match it {
        Iteration::Hamerly => (vec![0.0; n], vec![0.0; n]),
        Iteration::Lloyd | Iteration::KdTree => (Vec::new(), Vec::new()),
    };
    let mut half_gap = vec![0.0; k];
    let mut moved: Option<Shifts> = None;
    let mut new_centers = vec![0.0; k * d];
    let mut shift = vec![0.0; k];
    // Running sums and counts: recomputed from all rows on a full pass (the first, and the one
    // after an empty-cluster relocation, which moves a row's weight without relabelling it),
    // otherwise updated with the rows whose label changed.
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0i64; k];
    let mut full = true;
    // This iteration's totals (or changes), reduced from the chunks.
    let mut total = vec![0.0; k * d];
    let mut total_counts = vec![0i64; k];
    let mut relocated = 0;
    let mut strict = false;
    let mut converged = false;
    let mut n_iter = 0;

    for iter in 0..max_iter {
        if crate::interrupt::requested() {
            break;
        }
        n_iter = iter + 1;
        total.fill(0.0);
        total_counts.fill(0);
        let mut changed = 0;
        match it {
            Iteration::KdTree => {
                // The tree adds whole nodes' sums: every pass gives fresh totals.
                let tree = tree.expect("kd-tree iteration needs its tree");
                changed = tree.assign(&centers, &mut labels, &mut total, &mut total_counts);
                full = true;
            }
            Iteration::Lloyd => lloyd_pass(data, d, &centers, full, &mut labels, &mut partials),
            Iteration::Hamerly => {
                half_gaps(&centers, d, &mut half_gap);
                let state = HamerlyState {
                    centers: &centers,
                    half_gap: &half_gap,
                    moved: moved.as_ref(),
                    full,
                };
                hamerly_pass(data, d, &state, &mut labels, &mut upper, &mut lower, &mut partials)
            }
        }
        // Reduce the chunks in chunk order: the thread count cannot change the sums.
        for p in partials.iter().filter(|_| it != Iteration::KdTree) {
            for (s, v) in total.iter_mut().zip(&p.sums[..k * d]) {
                *s += v;
            }
            for (c, v) in total_counts.iter_mut().zip(&p.counts[..k]) {
                *c += v;
            }
            changed += p.changed;
        }
        if full {
            std::mem::swap(&mut sums, &mut total);
            std::mem::swap(&mut counts, &mut total_counts);
        } else {
            sums.iter_mut().zip(&total).for_each(|(s, v)| *s += v);
            counts.iter_mut().zip(&total_counts).for_each(|(c, v)| *c += v);
        }
        full = false;
        if counts.contains(&0) {
            relocated += relocate_empty(data, d, &labels, &centers, &mut sums, &mut counts);
            full = true;
        }
        for j in 0..k {
            let dst = &mut new_centers[j * d..(j + 1) * d];
            if counts[j] > 0 {
                let c = counts[j] as f64;
                for (v, s) in dst.iter_mut().zip(&sums[j * d..(j + 1) * d]) {
                    *v = s / c;
                }
            } else {
                // Still empty (every point sits on its centre): keep the old centre.
                dst.copy_from_slice(&centers[j * d..(j + 1) * d]);
            }
            shift[j] = sq_dist(dst, &centers[j * d..(j + 1) * d]).sqrt();
        }
        std::mem::swap(&mut centers, &mut new_centers);
        if changed == 0 {
            strict = true;
            converged = true;
            break;
        }
        if shift.iter().map(|s| s * s).sum::<f64>() <= tol {
            converged = true;
            break;
        }
        if it == Iteration::Hamerly {
            moved = Some(Shifts::of(&shift));
        }
    }
    if let (Some(t), true) = (tree, strict) {
        // Labels in tree order: put them back in row order.
        let mut by_row = vec![0; n];
        for (&row, &l) in t.order.iter().zip(&labels) {
            by_row[row as usize] = l;
        }
        labels = by_row;
    }
    let inertia = if strict {
        inertia(rows, d, &centers, &labels)
    } else {
        // The centres moved after the last assignment: assign again so labels match them,
        // summing the inertia in the same pass. Over the caller's rows, so a kd-tree run's
        // labels come out in row order without being moved.
        assign_with_inertia(rows, d, &centers, &mut labels)
    };
    Run {
        labels,
        centers,
        inertia,
        n_iter,
        converged,
        relocated,
    }
}

/// Clears a chunk's change record before an incremental pass.
pub(super) fn start_changes(p: &mut Partial) {
    p.sums.fill(0.0);
    p.counts.fill(0);
    p.changed = 0;
}

/// Records that row `i` of the chunk moves from cluster `old` to `new` (rows in order; row i
/// uses set i % SETS, as in `accumulate`).
#[inline]
pub(super) fn move_row(p: &mut Partial, i: usize, x: &[f64], old: u32, new: u32, k: usize) {
    let d = x.len();
    let set = i % SETS;
    let (old, new) = (old as usize, new as usize);
    let base = set * k * d;
    for (f, &v) in x.iter().enumerate() {
        p.sums[base + old * d + f] -= v;
        p.sums[base + new * d + f] += v;
    }
    p.counts[set * k + old] -= 1;
    p.counts[set * k + new] += 1;
    p.changed += 1;
}

/// Folds a chunk's change sets into set 0, in set order.
pub(super) fn finish_changes(p: &mut Partial, k: usize, d: usize) {
    let kd = k * d;
    for set in 1..SETS {
        for t in 0..kd {
            p.sums[t] += p.sums[set * kd + t];
        }
        for j in 0..k {
            p.counts[j] += p.counts[set * k + j];
        }
    }
}

/// Copies `new` labels over `old`; returns how many differed.
pub(super) fn update_labels(old: &mut [u32], new: &[u32]) -> usize {
    let mut changed = 0;
    for (o, &n) in old.iter_mut().zip(new) {
        changed += usize::from(*o != n);
        *o = n;
    }
    changed
}

/// The chunk's per-cluster sums and counts: rows are added in order into `SETS` interleaved
/// sets, which are then folded into set 0 in a fixed order. Lloyd and Hamerly both use this, so
/// equal labels give equal bits.
pub(super) fn accumulate(rows: &[f64], d: usize, labels: &[u32], k: usize, p: &mut Partial) {
    match d {
        1 => accumulate_w::<1>(rows, d, labels, k, p),
        2 => accumulate_w::<2>(rows, d, labels, k, p),
        3 => accumulate_w::<3>(rows, d, labels, k, p),
        4 => accumulate_w::<4>(rows, d, labels, k, p),
        _ => accumulate_w::<0>(rows, d, labels, k, p),
    }
}

/// [`accumulate`] for width `W` known at compile time (0: the runtime `d`), so the per-row
/// loop unrolls for the common narrow telemetry.
#[inline(always)]
fn accumulate_w<const W: usize>(rows: &[f64], d: usize, labels: &[u32], k: usize, p: &mut Partial) {
    let d = if W == 0 { d } else { W };
    let kd = k * d;
    p.sums.fill(0.0);
    p.counts.fill(0);
    let (sums, counts) = (&mut p.sums, &mut p.counts);
    let mut add = |set: usize, x: &[f64], l: u32| {
        let j = l as usize;
        let s = &mut sums[set * kd + j * d..set * kd + (j + 1) * d];
        for f in 0..d {
            s[f] += x[f];
        }
        counts[set * k + j] += 1;
    };
    // Row i goes to set i % SETS: whole rounds of SETS rows, then the rest.
    let whole = labels.len() / SETS * SETS;
    for (xs, ls) in rows[..whole * d].chunks_exact(SETS * d).zip(labels.chunks_exact(SETS)) {
        for (set, &l) in ls.iter().enumerate() {
            add(set, &xs[set * d..(set + 1) * d], l);
        }
    }
    for (set, (x, &l)) in rows[whole * d..].chunks_exact(d).zip(&labels[whole..]).enumerate() {
        add(set, x, l);
    }
    finish_changes(p, k, d);
}

/// scikit-learn's relocation: each empty cluster takes the row farthest from its current centre
/// (farthest first; ties to the lower row), moving that row's weight out of its old cluster's
/// sums. Labels are not changed; the next assignment settles them. Returns how many moved.
fn relocate_empty(
    data: &[f64],
    d: usize,
    labels: &[u32],
    centers: &[f64],
    sums: &mut [f64],
    counts: &mut [i64],
) -> usize {
    let empty: Vec<usize> = (0..counts.len()).filter(|&j| counts[j] == 0).collect();
    let dist: Vec<f64> = data
        .par_chunks(d)
        .zip(labels.par_iter())
        .map(|(x, &j)| sq_dist(x, &centers[j as usize * d..(j as usize + 1) * d]))
        .collect();
    let mut order: Vec<usize> = (0..dist.len()).collect();
    let take = empty.len().min(order.len());
    let by_distance = |a: &usize, b: &usize| dist[*b].total_cmp(&dist[*a]).then(a.cmp(b));
    if take < order.len() {
        order.select_nth_unstable_by(take, by_distance);
    }
    order.truncate(take);
    order.sort_unstable_by(by_distance);
    for (&e, &far) in empty.iter().zip(&order) {
        let old = labels[far] as usize;
        let x = &data[far * d..(far + 1) * d];
        for f in 0..d {
            sums[old * d + f] -= x[f];
            sums[e * d + f] = x[f];
        }
        counts[old] -= 1;
        counts[e] = 1;
    }
    take
}

/// The mean of each cluster's rows (chunked sums reduced in order); an empty cluster keeps
/// `fallback`'s centre.
pub(crate) fn means_of(data: &[f64], d: usize, labels: &[u32], fallback: &[f64]) -> Vec<f64> {
    let k = fallback.len() / d;
    let partial: Vec<(Vec<f64>, Vec<u64>)> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(labels.par_chunks(CHUNK_ROWS))
        .map(|(rows, lab)| {
            let mut sums = vec![0.0; k * d];
            let mut counts = vec![0u64; k];
            for (x, &l) in rows.chunks_exact(d).zip(lab) {
                let j = l as usize;
                for (s, v) in sums[j * d..(j + 1) * d].iter_mut().zip(x) {
                    *s += v;
                }
                counts[j] += 1;
            }
            (sums, counts)
        })
        .collect();
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0u64; k];
    for (s, c) in &partial {
        sums.iter_mut().zip(s).for_each(|(a, b)| *a += b);
        counts.iter_mut().zip(c).for_each(|(a, b)| *a += b);
    }
    (0..k * d)
        .map(|i| {
            if counts[i / d] > 0 {
                sums[i] / counts[i / d] as f64
            } else {
                fallback[i]
            }
        })
        .collect()
}

/// Assigns every row to its nearest centre and returns the inertia, summed as [`inertia`] sums
/// it (the kernel's distance to the nearest centre is `sq_dist` to it, bit for bit).
fn assign_with_inertia(data: &[f64], d: usize, centers: &[f64], labels: &mut [u32]) -> f64 {
    let per_chunk: Vec<f64> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(labels.par_chunks_mut(CHUNK_ROWS))
        .map_init(Scratch::new, |w, (rows, lab)| {
            let m = lab.len();
            nearest_rows(rows, d, centers, lab, &mut w.dists[..m]);
            w.dists[..m].iter().sum::<f64>()
        })
        .collect();
    per_chunk.iter().sum()
}

/// Σ ‖x − c(label)‖², summed per chunk and then over chunks in order.
pub(crate) fn inertia(data: &[f64], d: usize, centers: &[f64], labels: &[u32]) -> f64 {
    let per_chunk: Vec<f64> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(labels.par_chunks(CHUNK_ROWS))
        .map(|(rows, lab)| {
            rows.chunks_exact(d)
                .zip(lab)
                .map(|(x, &j)| sq_dist(x, &centers[j as usize * d..(j as usize + 1) * d]))
                .sum::<f64>()
        })
        .collect();
    per_chunk.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        let centres: Vec<f64> = (0..k * d).map(|_| rng.uniform_in(-10.0, 10.0)).collect();
        let mut x = Vec::with_capacity(n * d);
        for _ in 0..n {
            let c = rng.below(k);
            for f in 0..d {
                x.push(centres[c * d + f] + rng.normal());
            }
        }
        x
    }

    #[test]
    fn hamerly_equals_lloyd_bit_for_bit() {
        for (n, d, k, seed) in [(5000, 2, 8, 1), (3000, 5, 12, 2), (9000, 1, 3, 3), (2000, 16, 32, 4)] {
            let x = blobs(n, d, k, seed);
            let init = x[..k * d].to_vec();
            for (max_iter, tol) in [(300, 0.0), (5, 0.0), (300, 1e-4)] {
                let a = run(&x, d, init.clone(), max_iter, tol, Iteration::Lloyd, None);
                let b = run(&x, d, init.clone(), max_iter, tol, Iteration::Hamerly, None);
                assert_eq!(a.labels, b.labels, "n={n} d={d} k={k}");
                assert_eq!(a.centers, b.centers);
                assert_eq!(a.inertia.to_bits(), b.inertia.to_bits());
                assert_eq!((a.n_iter, a.converged), (b.n_iter, b.converged));
            }
        }
    }

    #[test]
    fn empty_cluster_takes_the_farthest_row() {
        // Two centres on the left group; the third, far away, owns nothing at first.
        let x = [0.0, 0.1, 0.2, 10.0];
        let r = run(&x, 1, vec![0.0, 0.1, 100.0], 300, 0.0, Iteration::Lloyd, None);
        assert_eq!(r.relocated, 1);
        assert_eq!(r.labels[3], 2);
        assert!(r.converged);
        let h = run(&x, 1, vec![0.0, 0.1, 100.0], 300, 0.0, Iteration::Hamerly, None);
        assert_eq!(h.labels, r.labels);
    }

    #[test]
    fn hartigan_only_lowers_inertia_and_leaves_a_lloyd_fixed_point() {
        for seed in 0..20 {
            let x = blobs(300, 2, 6, seed);
            let init = x[..6 * 2].to_vec();
            let r = run(&x, 2, init, 300, 0.0, Iteration::Lloyd, None);
            let mut labels = r.labels.clone();
            hartigan(&x, 2, &mut labels, 6, 100, 0.0);
            let centers = means_of(&x, 2, &labels, &r.centers);
            let refined = inertia(&x, 2, &centers, &labels);
            assert!(refined <= r.inertia * (1.0 + 1e-12), "seed {seed}");
            let again = run(&x, 2, centers, 300, 0.0, Iteration::Lloyd, None);
            assert_eq!(again.labels, labels, "seed {seed}: not a Lloyd fixed point");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

        #[test]
        fn inertia_never_increases_across_lloyd_iterations(seed in 0u64..10_000, d in 1usize..5, k in 1usize..8) {
            let x = blobs(600, d, 4, seed);
            let init = x[..k * d].to_vec();
            let mut last = f64::INFINITY;
            for iters in 1..12 {
                let r = run(&x, d, init.clone(), iters, 0.0, Iteration::Lloyd, None);
                proptest::prop_assert!(r.inertia <= last * (1.0 + 1e-12), "iteration {}: {} > {}", iters, r.inertia, last);
                last = r.inertia;
            }
        }
    }
}
