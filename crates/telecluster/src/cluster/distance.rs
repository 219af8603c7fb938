//! Distance kernels and the deterministic chunking every parallel pass uses.
//!
//! Distances are the direct `Σ (x − c)²`, summed over features in order: no `‖x‖² − 2x·c`
//! expansion, so there is no cancellation to guard against and every kernel here gives the same
//! bits for the same pair. Parallel passes split the rows into chunks of a fixed size (never
//! "one per thread"), and reduce the chunks' results in chunk order, so the thread count never
//! changes a result.

/// Rows per parallel chunk: large enough to amortise scheduling, small enough to balance
/// two cores on 100k rows.
pub const CHUNK_ROWS: usize = 4096;

/// Points per block in the blocked nearest-centre kernel (the SIMD-friendly inner loop).
const BLOCK: usize = 32;

pub use crate::metric::sq_dist;
use crate::simd::{self, Kernel};

/// Squared Euclidean distance with the features summed in four interleaved lanes (feature `f`
/// into lane `f % 4`), the lanes then combined as `(l0 + l1) + (l2 + l3)`. Written in plain code,
/// this is the order a four-wide vector loop uses, so compiled with or without AVX2 it gives the
/// same bits. For wide rows (d > 4) it vectorises along the features, where the blocked kernels
/// would spend their time transposing.
#[inline(always)]
pub fn sq_dist_lanes(a: &[f64], b: &[f64]) -> f64 {
    let mut lane = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for t in 0..4 {
            let u = x[t] - y[t];
            lane[t] += u * u;
        }
    }
    for (t, (x, y)) in ca.remainder().iter().zip(cb.remainder()).enumerate() {
        let u = x - y;
        lane[t] += u * u;
    }
    (lane[0] + lane[1]) + (lane[2] + lane[3])
}

/// Squared distance of every row of `rows` (width `d`) to `point`, into `out`: the blocked
/// kernel for narrow rows, [`sq_dist_lanes`] for wide ones (d > 4).
pub fn sq_dists_to(rows: &[f64], d: usize, point: &[f64], scratch: &mut [u32], out: &mut [f64]) {
    if d <= 4 {
        nearest_rows(rows, d, point, scratch, out);
        return;
    }
    simd::run(DistsLanes { rows, d, point, out });
}

/// Squared distances by [`sq_dist_lanes`], for [`simd::run`].
struct DistsLanes<'a> {
    rows: &'a [f64],
    d: usize,
    point: &'a [f64],
    out: &'a mut [f64],
}

impl Kernel for DistsLanes<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        for (o, x) in self.out.iter_mut().zip(self.rows.chunks_exact(self.d)) {
            *o = sq_dist_lanes(x, self.point);
        }
    }
}

/// Index and squared distance of the centre nearest to `x` (ties go to the lowest index): the
/// reference the blocked [`nearest_rows`] is tested against.
#[cfg(test)]
pub fn nearest(x: &[f64], centers: &[f64], d: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centers.chunks_exact(d).enumerate() {
        let dist = sq_dist(x, c);
        if dist < best.1 {
            best = (j, dist);
        }
    }
    best
}

/// Nearest centre of every row of `rows` (row-major, width `d`): writes labels and squared
/// distances. Equal to calling [`nearest`] per row, bit for bit, but computed a block of points
/// at a time with the points' coordinates transposed, so the inner loops run over points and
/// vectorise for any `d`.
pub fn nearest_rows(rows: &[f64], d: usize, centers: &[f64], labels: &mut [u32], dists: &mut [f64]) {
    dispatch(rows, d, centers, labels, Some(dists), None);
}

/// As [`nearest_rows`], labels only (saves writing the distances).
pub fn nearest_labels(rows: &[f64], d: usize, centers: &[f64], labels: &mut [u32]) {
    dispatch(rows, d, centers, labels, None, None);
}

/// As [`nearest_rows`], and also the squared distance to the second-nearest centre (infinity
/// with one centre), for Hamerly's lower bounds.
pub fn nearest_two_rows(
    rows: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    dists: &mut [f64],
    second: &mut [f64],
) {
    dispatch(rows, d, centers, labels, Some(dists), Some(second));
}

fn dispatch(
    rows: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    dists: Option<&mut [f64]>,
    second: Option<&mut [f64]>,
) {
    let (mut dists, mut second) = (dists, second);
    let done = simd::nearest_groups(rows, d, centers, labels, dists.as_deref_mut(), second.as_deref_mut());
    if done < labels.len() {
        blocked(
            &rows[done * d..],
            d,
            centers,
            &mut labels[done..],
            dists.map(|s| &mut s[done..]),
            second.map(|s| &mut s[done..]),
        );
    }
}

pub(crate) use crate::simd::POT_SLOTS;

/// For each candidate centre `t` (rows of `cands`, width `d`): `Σ_i min(closest[i], ‖x_i −
/// cand_t‖²)` over `rows`, written to `out[t]`. One pass over the rows for all candidates (the
/// k-means++ trial step). The summation order is fixed (see `POT_SLOTS`), so the AVX2 and the
/// plain code give the same bits.
pub fn candidate_potentials(rows: &[f64], d: usize, closest: &[f64], cands: &[f64], out: &mut [f64]) {
    let t_count = cands.len() / d;
    let mut slots = vec![0.0; t_count * POT_SLOTS];
    if d > 4 {
        simd::run(PotentialsWide {
            rows,
            d,
            closest,
            cands,
            slots: &mut slots,
        });
        return fold_slots(&slots, t_count, out);
    }
    let done = simd::potential_groups(rows, d, closest, cands, &mut slots);
    // The rows the AVX2 kernel did not do, numbered from `done` (sliced, not skipped: a skip
    // over a zipped iterator is a loop of its own).
    let rest = rows[done * d..].chunks_exact(d).zip(&closest[done..]);
    for (i, (x, &c0)) in (done..).zip(rest) {
        for (t, c) in cands.chunks_exact(d).enumerate() {
            let dist = sq_dist(x, c);
            slots[t * POT_SLOTS + i % POT_SLOTS] += if dist < c0 { dist } else { c0 };
        }
    }
    fold_slots(&slots, t_count, out);
}

/// Sums each candidate's `POT_SLOTS` partial sums, in slot order, into `out`.
pub fn fold_slots(slots: &[f64], t_count: usize, out: &mut [f64]) {
    for (t, o) in out.iter_mut().enumerate().take(t_count) {
        *o = slots[t * POT_SLOTS..(t + 1) * POT_SLOTS].iter().sum();
    }
}

/// [`candidate_potentials`] for wide rows, distances by [`sq_dist_lanes`], for [`simd::run`].
struct PotentialsWide<'a> {
    rows: &'a [f64],
    d: usize,
    closest: &'a [f64],
    cands: &'a [f64],
    slots: &'a mut [f64],
}

impl Kernel for PotentialsWide<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let d = self.d;
        for (i, (x, &c0)) in self.rows.chunks_exact(d).zip(self.closest).enumerate() {
            for (t, c) in self.cands.chunks_exact(d).enumerate() {
                let dist = sq_dist_lanes(x, c);
                self.slots[t * POT_SLOTS + i % POT_SLOTS] += if dist < c0 { dist } else { c0 };
            }
        }
    }
}

/// The blocked kernel. Every lane is an `f64` (the label too) and every choice a select, so
/// compilers turn the loops over points into packed compares and blends.
#[inline(always)]
fn blocked(
    rows: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    mut dists: Option<&mut [f64]>,
    mut second: Option<&mut [f64]>,
) {
    let mut soa = [0.0f64; 16 * BLOCK];
    let mut soa_heap = Vec::new();
    let soa: &mut [f64] = if d <= 16 {
        &mut soa[..d * BLOCK]
    } else {
        soa_heap.resize(d * BLOCK, 0.0);
        &mut soa_heap
    };
    for (b, (block, lab)) in rows.chunks(d * BLOCK).zip(labels.chunks_mut(BLOCK)).enumerate() {
        let m = lab.len();
        for (p, x) in block.chunks_exact(d).enumerate() {
            for (f, &v) in x.iter().enumerate() {
                soa[f * BLOCK + p] = v;
            }
        }
        let mut best = [f64::INFINITY; BLOCK];
        let mut best2 = [f64::INFINITY; BLOCK];
        let mut best_j = [0.0f64; BLOCK];
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let mut acc = [0.0f64; BLOCK];
            for (col, &cf) in soa.chunks_exact(BLOCK).zip(c) {
                for (a, &x) in acc.iter_mut().zip(col) {
                    let t = x - cf;
                    *a += t * t;
                }
            }
            let jf = j as f64;
            for p in 0..BLOCK {
                let (a, old) = (acc[p], best[p]);
                // Strict: the lowest index wins ties, as in `nearest`.
                let closer = a < old;
                best_j[p] = if closer { jf } else { best_j[p] };
                best[p] = if closer { a } else { old };
                let runner_up = if closer { old } else { a };
                best2[p] = if runner_up < best2[p] { runner_up } else { best2[p] };
            }
        }
        let start = b * BLOCK;
        for p in 0..m {
            lab[p] = best_j[p] as u32;
        }
        if let Some(dst) = dists.as_deref_mut() {
            dst[start..start + m].copy_from_slice(&best[..m]);
        }
        if let Some(s) = second.as_deref_mut() {
            s[start..start + m].copy_from_slice(&best2[..m]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn blocked_kernel_equals_scalar_bit_for_bit() {
        let mut rng = Rng::new(1);
        for d in [1, 2, 3, 7, 16] {
            let n = 100;
            let k = 5;
            let x: Vec<f64> = (0..n * d).map(|_| rng.normal()).collect();
            let c: Vec<f64> = (0..k * d).map(|_| rng.normal()).collect();
            let mut lab = vec![0; n];
            let mut dist = vec![0.0; n];
            nearest_rows(&x, d, &c, &mut lab, &mut dist);
            for i in 0..n {
                let (j, dd) = nearest(&x[i * d..(i + 1) * d], &c, d);
                assert_eq!((lab[i] as usize, dist[i].to_bits()), (j, dd.to_bits()), "d={d} i={i}");
            }
        }
    }

    #[test]
    fn second_nearest_is_the_runner_up() {
        let mut rng = Rng::new(2);
        let (n, d, k) = (77, 3, 6);
        let x: Vec<f64> = (0..n * d).map(|_| rng.normal()).collect();
        let c: Vec<f64> = (0..k * d).map(|_| rng.normal()).collect();
        let (mut lab, mut dist, mut second) = (vec![0; n], vec![0.0; n], vec![0.0; n]);
        nearest_two_rows(&x, d, &c, &mut lab, &mut dist, &mut second);
        for i in 0..n {
            let mut all: Vec<f64> = c
                .chunks_exact(d)
                .map(|cj| sq_dist(&x[i * d..(i + 1) * d], cj))
                .collect();
            all.sort_by(f64::total_cmp);
            assert_eq!((dist[i], second[i]), (all[0], all[1]));
        }
        let (mut lab, mut dist, mut second) = (vec![0; 1], vec![0.0; 1], vec![0.0; 1]);
        nearest_two_rows(&[1.0], 1, &[0.0], &mut lab, &mut dist, &mut second);
        assert_eq!(second[0], f64::INFINITY);
    }

    #[test]
    fn candidate_potentials_match_a_plain_computation() {
        let mut rng = Rng::new(5);
        for d in [1, 2, 3, 4, 7] {
            let n = 1000 + d;
            let x: Vec<f64> = (0..n * d).map(|_| rng.normal()).collect();
            let closest: Vec<f64> = (0..n).map(|_| rng.uniform() * 4.0).collect();
            let cands: Vec<f64> = (0..4 * d).map(|_| rng.normal()).collect();
            let mut out = [0.0; 4];
            candidate_potentials(&x, d, &closest, &cands, &mut out);
            for t in 0..4 {
                let want: f64 = (0..n)
                    .map(|i| sq_dist(&x[i * d..(i + 1) * d], &cands[t * d..(t + 1) * d]).min(closest[i]))
                    .sum();
                assert!((out[t] - want).abs() <= 1e-12 * want, "d={d} t={t}");
            }
        }
    }

    #[test]
    fn lane_distance_is_close_to_the_plain_one_and_used_for_wide_rows() {
        let mut rng = Rng::new(8);
        for d in [1, 3, 4, 5, 16, 17] {
            let a: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
            let b: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
            let (x, y) = (sq_dist_lanes(&a, &b), sq_dist(&a, &b));
            assert!((x - y).abs() <= 1e-14 * y, "d={d}");
        }
        let rows: Vec<f64> = (0..16 * 10).map(|_| rng.normal()).collect();
        let point: Vec<f64> = (0..16).map(|_| rng.normal()).collect();
        let mut out = vec![0.0; 10];
        sq_dists_to(&rows, 16, &point, &mut [0; 10], &mut out);
        for i in 0..10 {
            assert_eq!(
                out[i].to_bits(),
                sq_dist_lanes(&rows[i * 16..(i + 1) * 16], &point).to_bits()
            );
        }
    }

    #[test]
    fn ties_go_to_lowest_index() {
        let c = [1.0, -1.0, 1.0];
        assert_eq!(nearest(&[0.0], &c, 1), (0, 1.0));
        let mut lab = [9];
        let mut dist = [0.0];
        nearest_rows(&[0.0], 1, &c, &mut lab, &mut dist);
        assert_eq!(lab[0], 0);
    }
}
