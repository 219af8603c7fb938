//! One K-Means run from given centres: Lloyd or Hamerly iterations, scikit-learn's stopping
//! rules, empty-cluster relocation, the final assignment and the inertia.
//!
//! Both algorithms produce the same labels at every iteration (Hamerly only skips distance
//! computations its bounds prove unnecessary), and both recompute the centres from the labels
//! with the same chunked sums, so they give the same centres bit for bit. Per-iteration memory
//! is allocated once per run: labels (4 B/row), Hamerly's two bounds (16 B/row) and, per chunk of
//! rows, the partial sums.

use rayon::prelude::*;

use super::distance::{nearest_labels, nearest_rows, nearest_two_rows, sq_dist, CHUNK_ROWS};
use super::kmeans_filter::Tree;

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
struct Partial {
    /// `SETS` interleaved sets of k × d sums (row i adds to set i % SETS), folded into set 0:
    /// the chunk's sums after a full pass, their change after an incremental one.
    sums: Vec<f64>,
    /// Counts (or their change), in the same sets.
    counts: Vec<i64>,
    changed: usize,
}

/// A worker's scratch space for the distance kernels (per thread, not per chunk, so it costs
/// O(threads) memory); the seeding uses it too.
#[derive(Default)]
pub(crate) struct Scratch {
    pub labels: Vec<u32>,
    pub dists: Vec<f64>,
    second: Vec<f64>,
    /// Hamerly: rows of the chunk whose bounds failed, and their coordinates.
    pending: Vec<usize>,
    gathered: Vec<f64>,
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
const SETS: usize = 4;

/// A bound above which a skipped point's distance is treated as uncertain: it absorbs the
/// rounding of the bound updates, so a skip is only taken when it is safe by a wide margin.
const SAFE: f64 = 1.0 + 1e-9;

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

/// Assigns every row to its nearest centre and accumulates the chunk sums.
fn lloyd_pass(data: &[f64], d: usize, centers: &[f64], full: bool, labels: &mut [u32], partials: &mut [Partial]) {
    let k = centers.len() / d;
    partials
        .par_iter_mut()
        .zip(data.par_chunks(CHUNK_ROWS * d))
        .zip(labels.par_chunks_mut(CHUNK_ROWS))
        .for_each_init(Scratch::new, |w, ((p, rows), lab)| {
            let m = lab.len();
            nearest_labels(rows, d, centers, &mut w.labels[..m]);
            if full {
                p.changed = update_labels(lab, &w.labels[..m]);
                accumulate(rows, d, lab, k, p);
            } else {
                start_changes(p);
                for i in 0..m {
                    if lab[i] != w.labels[i] {
                        move_row(p, i, &rows[i * d..(i + 1) * d], lab[i], w.labels[i], k);
                        lab[i] = w.labels[i];
                    }
                }
                finish_changes(p, k, d);
            }
        });
}

/// Clears a chunk's change record before an incremental pass.
fn start_changes(p: &mut Partial) {
    p.sums.fill(0.0);
    p.counts.fill(0);
    p.changed = 0;
}

/// Records that row `i` of the chunk moves from cluster `old` to `new` (rows in order; row i
/// uses set i % SETS, as in `accumulate`).
#[inline]
fn move_row(p: &mut Partial, i: usize, x: &[f64], old: u32, new: u32, k: usize) {
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
fn finish_changes(p: &mut Partial, k: usize, d: usize) {
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
fn update_labels(old: &mut [u32], new: &[u32]) -> usize {
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
fn accumulate(rows: &[f64], d: usize, labels: &[u32], k: usize, p: &mut Partial) {
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

/// How far the centres moved in the last update: each centre's shift, and the largest two.
struct Shifts {
    shift: Vec<f64>,
    max1: f64,
    arg1: usize,
    max2: f64,
}

impl Shifts {
    fn of(shift: &[f64]) -> Shifts {
        let (mut max1, mut arg1, mut max2) = (0.0f64, 0usize, 0.0f64);
        for (j, &s) in shift.iter().enumerate() {
            if s > max1 {
                max2 = max1;
                max1 = s;
                arg1 = j;
            } else if s > max2 {
                max2 = s;
            }
        }
        Shifts {
            shift: shift.to_vec(),
            max1,
            arg1,
            max2,
        }
    }
}

/// What Hamerly's pass reads: the centres, their half gaps, and the last move (none at first).
struct HamerlyState<'a> {
    centers: &'a [f64],
    half_gap: &'a [f64],
    moved: Option<&'a Shifts>,
    /// Recompute the chunk sums from all rows (else record only the rows that change).
    full: bool,
}

/// For each centre, half the distance to its nearest other centre (`s(j)` in Hamerly's paper):
/// a point closer than that to its centre cannot be closer to any other.
fn half_gaps(centers: &[f64], d: usize, out: &mut [f64]) {
    let k = out.len();
    out.fill(f64::INFINITY);
    for a in 0..k {
        for b in a + 1..k {
            let g = 0.5 * sq_dist(&centers[a * d..(a + 1) * d], &centers[b * d..(b + 1) * d]).sqrt();
            out[a] = out[a].min(g);
            out[b] = out[b].min(g);
        }
    }
}

/// Hamerly's assignment. The bounds first follow the last move of the centres (the distance to
/// the own centre grows by at most its shift, to any other by at most the largest other shift).
/// A row keeps its label without any distance computation when its upper bound is below both
/// its lower bound and its centre's half gap; otherwise the bound is tightened, and only if that
/// is not enough is the row rescanned against all centres (a chunk's rescans go through the
/// blocked kernel together). The sums are accumulated afterwards, in row order.
fn hamerly_pass(
    data: &[f64],
    d: usize,
    state: &HamerlyState,
    labels: &mut [u32],
    upper: &mut [f64],
    lower: &mut [f64],
    partials: &mut [Partial],
) {
    let centers = state.centers;
    let k = centers.len() / d;
    partials
        .par_iter_mut()
        .zip(data.par_chunks(CHUNK_ROWS * d))
        .zip(labels.par_chunks_mut(CHUNK_ROWS))
        .zip(upper.par_chunks_mut(CHUNK_ROWS))
        .zip(lower.par_chunks_mut(CHUNK_ROWS))
        .for_each_init(Scratch::new, |w, ((((p, rows), lab), up), lo)| {
            let m = lab.len();
            p.changed = 0;
            let Some(moved) = state.moved else {
                // First pass: every row is scanned.
                nearest_two_rows(rows, d, centers, &mut w.labels[..m], up, lo);
                for i in 0..m {
                    up[i] = up[i].sqrt();
                    lo[i] = lo[i].sqrt();
                }
                p.changed = update_labels(lab, &w.labels[..m]);
                accumulate(rows, d, lab, k, p);
                return;
            };
            match d {
                1 => bound_checks::<1>(rows, d, state, moved, lab, up, lo, &mut w.pending),
                2 => bound_checks::<2>(rows, d, state, moved, lab, up, lo, &mut w.pending),
                3 => bound_checks::<3>(rows, d, state, moved, lab, up, lo, &mut w.pending),
                4 => bound_checks::<4>(rows, d, state, moved, lab, up, lo, &mut w.pending),
                _ => bound_checks::<0>(rows, d, state, moved, lab, up, lo, &mut w.pending),
            }
            let np = w.pending.len();
            if !state.full {
                start_changes(p);
            }
            if np > 0 {
                w.gathered.clear();
                for &i in &w.pending {
                    w.gathered.extend_from_slice(&rows[i * d..(i + 1) * d]);
                }
                nearest_two_rows(
                    &w.gathered,
                    d,
                    centers,
                    &mut w.labels[..np],
                    &mut w.dists[..np],
                    &mut w.second[..np],
                );
                for (t, &i) in w.pending.iter().enumerate() {
                    let new = w.labels[t];
                    if lab[i] != new {
                        if state.full {
                            p.changed += 1;
                        } else {
                            move_row(p, i, &rows[i * d..(i + 1) * d], lab[i], new, k);
                        }
                        lab[i] = new;
                    }
                    up[i] = w.dists[t].sqrt();
                    lo[i] = w.second[t].sqrt();
                }
            }
            if state.full {
                accumulate(rows, d, lab, k, p);
            } else {
                finish_changes(p, k, d);
            }
        });
}

/// Moves a chunk's bounds by the last shifts and collects the rows that must be rescanned;
/// `W` is the width when known at compile time (0: the runtime `d`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn bound_checks<const W: usize>(
    rows: &[f64],
    d: usize,
    state: &HamerlyState,
    moved: &Shifts,
    lab: &[u32],
    up: &mut [f64],
    lo: &mut [f64],
    pending: &mut Vec<usize>,
) {
    let d = if W == 0 { d } else { W };
    // First the bounds of every row move and the rows they no longer clear are collected (in
    // row order); only those rows' coordinates are read.
    pending.clear();
    move_bounds(moved, state.half_gap, lab, up, lo, pending);
    let mut kept = 0;
    for t in 0..pending.len() {
        let i = pending[t];
        let a = lab[i] as usize;
        let bound = state.half_gap[a].max(lo[i]);
        up[i] = sq_dist(&rows[i * d..(i + 1) * d], &state.centers[a * d..(a + 1) * d]).sqrt();
        if up[i] * SAFE < bound {
            continue;
        }
        pending[kept] = i;
        kept += 1;
    }
    pending.truncate(kept);
}

/// Moves every row's bounds by the last shifts and collects the rows whose upper bound no
/// longer clears `max(half gap, lower bound)`. The AVX2 path does four rows at a time with the
/// same operations (add, subtract, max, multiply, compare), so it finds the same rows.
fn move_bounds(moved: &Shifts, half_gap: &[f64], lab: &[u32], up: &mut [f64], lo: &mut [f64], out: &mut Vec<usize>) {
    let k = half_gap.len();
    assert!(moved.shift.len() == k && up.len() == lab.len() && lo.len() == lab.len());
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && k > 0 && k <= i32::MAX as usize {
        // SAFETY: the CPU has AVX2, as just checked; the lengths are asserted above and the
        // gathers clamp every label into 0..k.
        done = unsafe { move_bounds_avx2(moved, half_gap, lab, up, lo, out) };
    }
    for i in done..lab.len() {
        let a = lab[i] as usize;
        up[i] += moved.shift[a];
        lo[i] -= if a == moved.arg1 { moved.max2 } else { moved.max1 };
        let bound = half_gap[a].max(lo[i]);
        if up[i] * SAFE >= bound {
            out.push(i);
        }
    }
}

/// Four rows at a time of [`move_bounds`]; returns how many rows it did.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn move_bounds_avx2(
    moved: &Shifts,
    half_gap: &[f64],
    lab: &[u32],
    up: &mut [f64],
    lo: &mut [f64],
    out: &mut Vec<usize>,
) -> usize {
    use std::arch::x86_64::*;
    let n = lab.len();
    let whole = n / 4 * 4;
    let safe = _mm256_set1_pd(SAFE);
    let max1 = _mm256_set1_pd(moved.max1);
    let max2 = _mm256_set1_pd(moved.max2);
    let arg1 = _mm_set1_epi32(moved.arg1 as i32);
    // Labels are always < k; clamping keeps the gathers in bounds even if they were not.
    let last = _mm_set1_epi32((half_gap.len() - 1) as i32);
    for q in (0..whole).step_by(4) {
        let a = _mm_min_epu32(_mm_loadu_si128(lab.as_ptr().add(q).cast()), last);
        let shift = _mm256_i32gather_pd::<8>(moved.shift.as_ptr(), a);
        let gap = _mm256_i32gather_pd::<8>(half_gap.as_ptr(), a);
        let is_arg1 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(a, arg1)));
        let u = _mm256_add_pd(_mm256_loadu_pd(up.as_ptr().add(q)), shift);
        let l = _mm256_sub_pd(
            _mm256_loadu_pd(lo.as_ptr().add(q)),
            _mm256_blendv_pd(max1, max2, is_arg1),
        );
        _mm256_storeu_pd(up.as_mut_ptr().add(q), u);
        _mm256_storeu_pd(lo.as_mut_ptr().add(q), l);
        // `f64::max(gap, l)` is `gap` unless `l` is larger: the same as max_pd(l, gap) here.
        let bound = _mm256_max_pd(l, gap);
        let clear = _mm256_cmp_pd::<_CMP_LT_OQ>(_mm256_mul_pd(u, safe), bound);
        let mut failing = !_mm256_movemask_pd(clear) & 0xF;
        while failing != 0 {
            out.push(q + failing.trailing_zeros() as usize);
            failing &= failing - 1;
        }
    }
    whole
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

/// Hartigan's refinement of a partition: moves a row from cluster `a` to `b` when that lowers
/// the total inertia, i.e. when `n_b/(n_b+1)·‖x − c_b‖² < n_a/(n_a−1)·‖x − c_a‖²`, updating both
/// means at once, until no row moves (or `max_passes`). Every partition this leaves is also a
/// fixed point of Lloyd's iteration, and usually a better one (Telgarsky & Vattani, "Hartigan's
/// method: k-means clustering without Voronoi", AISTATS 2010). Returns the number of moves.
///
/// Moves are serial by nature, but only rows near a boundary can move (the size factors are
/// within `1/n` of 1). Each pass therefore first finds, in parallel with the blocked kernel,
/// the rows that could move under the current means (a superset: nearest and second-nearest
/// distances against the extreme size factors), and visits only those, in row order. A pass
/// that moves nothing leaves the means unchanged, so then no row at all can move.
pub(crate) fn hartigan(data: &[f64], d: usize, labels: &mut [u32], k: usize, max_passes: usize) -> usize {
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0.0f64; k];
    for (x, &l) in data.chunks_exact(d).zip(labels.iter()) {
        let j = l as usize;
        for (s, v) in sums[j * d..(j + 1) * d].iter_mut().zip(x) {
            *s += v;
        }
        counts[j] += 1.0;
    }
    let mut means: Vec<f64> = (0..k * d).map(|i| sums[i] / counts[i / d].max(1.0)).collect();
    let mut moves = 0;
    let mut passes = 0;
    // Detection is a full pass over the data; moves touch only the candidates. So the moves
    // repeat over one candidate list until it is quiet, and a fresh detection then either finds
    // more to do or confirms the partition: when the first pass after a detection moves
    // nothing, the means are those the detection saw, so no row anywhere can move.
    'detect: while passes < max_passes {
        let candidates = hartigan_candidates(data, d, labels, &means, &counts);
        let mut first = true;
        while passes < max_passes {
            passes += 1;
            let mut moved = 0;
            for &i in &candidates {
                let x = &data[i * d..(i + 1) * d];
                let a = labels[i] as usize;
                if counts[a] <= 1.0 {
                    continue;
                }
                let cost = counts[a] / (counts[a] - 1.0) * sq_dist(x, &means[a * d..(a + 1) * d]);
                let mut best = (a, cost);
                for b in (0..k).filter(|&b| b != a) {
                    let gain = counts[b] / (counts[b] + 1.0) * sq_dist(x, &means[b * d..(b + 1) * d]);
                    if gain < best.1 {
                        best = (b, gain);
                    }
                }
                // A relative margin keeps rounding from moving a row back and forth forever.
                let b = best.0;
                if b == a || best.1 >= cost * (1.0 - 1e-12) {
                    continue;
                }
                for f in 0..d {
                    sums[a * d + f] -= x[f];
                    sums[b * d + f] += x[f];
                }
                counts[a] -= 1.0;
                counts[b] += 1.0;
                for j in [a, b] {
                    for f in 0..d {
                        means[j * d + f] = sums[j * d + f] / counts[j];
                    }
                }
                labels[i] = b as u32;
                moved += 1;
            }
            moves += moved;
            if moved == 0 {
                if first {
                    break 'detect;
                }
                continue 'detect;
            }
            first = false;
        }
    }
    moves
}

/// How much wider than strictly needed the candidate net is cast. Moves shift the boundaries,
/// and rows just beyond them become movable in turn; a net this wide lets those waves run
/// through one candidate list instead of costing a full detection pass each (on 1M × 2 rows,
/// 16 detections become 2). Any superset of the movable rows is correct.
const CANDIDATE_SLACK: f64 = 0.1;

/// Rows that might gain from a Hartigan move under `means`: not at their nearest mean, or with
/// a second-nearest mean close enough that the most favourable size factors could make a move
/// pay. In row order.
fn hartigan_candidates(data: &[f64], d: usize, labels: &[u32], means: &[f64], counts: &[f64]) -> Vec<usize> {
    let low = counts.iter().map(|&c| c / (c + 1.0)).fold(f64::INFINITY, f64::min);
    let high = counts
        .iter()
        .filter(|&&c| c > 1.0)
        .map(|&c| c / (c - 1.0))
        .fold(0.0f64, f64::max)
        * (1.0 + CANDIDATE_SLACK);
    let per_chunk: Vec<Vec<usize>> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(labels.par_chunks(CHUNK_ROWS))
        .enumerate()
        .map_init(Scratch::new, |w, (c, (rows, lab))| {
            let m = lab.len();
            nearest_two_rows(
                rows,
                d,
                means,
                &mut w.labels[..m],
                &mut w.dists[..m],
                &mut w.second[..m],
            );
            (0..m)
                .filter(|&i| lab[i] != w.labels[i] || low * w.second[i] < high * w.dists[i])
                .map(|i| c * CHUNK_ROWS + i)
                .collect()
        })
        .collect();
    per_chunk.concat()
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
            hartigan(&x, 2, &mut labels, 6, 100);
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
