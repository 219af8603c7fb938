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
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, as just checked.
        return unsafe { dists_lanes_avx2(rows, d, point, out) };
    }
    dists_lanes(rows, d, point, out);
}

#[inline(always)]
fn dists_lanes(rows: &[f64], d: usize, point: &[f64], out: &mut [f64]) {
    for (o, x) in out.iter_mut().zip(rows.chunks_exact(d)) {
        *o = sq_dist_lanes(x, point);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dists_lanes_avx2(rows: &[f64], d: usize, point: &[f64], out: &mut [f64]) {
    dists_lanes(rows, d, point, out);
}

/// Index and squared distance of the centre nearest to `x` (ties go to the lowest index).
#[inline]
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
    let n = labels.len();
    assert!(rows.len() == n * d && centers.len() % d == 0, "kernel: shapes disagree");
    assert!(dists.as_ref().is_none_or(|s| s.len() >= n) && second.as_ref().is_none_or(|s| s.len() >= n));
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, as just checked. FMA is deliberately not enabled: fused
        // multiply-adds would round differently from the scalar kernel.
        return unsafe { blocked_avx2(rows, d, centers, labels, dists, second) };
    }
    blocked(rows, d, centers, labels, dists, second);
}

/// The blocked kernel with AVX2 intrinsics: sixteen rows at a time as four independent vectors
/// (so the compare-and-select chains of one centre overlap), each centre coordinate broadcast.
/// The operations and their order are exactly the scalar kernel's (subtract, square, add per
/// feature from 0; strict less-than; the same selects), so the results are the same bits.
// The lane loops index several parallel arrays (bests, labels, runner-ups) at once.
#[allow(clippy::needless_range_loop)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn blocked_avx2(
    rows: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    mut dists: Option<&mut [f64]>,
    mut second: Option<&mut [f64]>,
) {
    // Constant widths let the feature loop unroll and the coordinates stay in registers.
    let done = match d {
        1 if second.is_none() => avx2_small::<1, false>(rows, centers, labels, dists.as_deref_mut(), None),
        2 if second.is_none() => avx2_small::<2, false>(rows, centers, labels, dists.as_deref_mut(), None),
        3 if second.is_none() => avx2_small::<3, false>(rows, centers, labels, dists.as_deref_mut(), None),
        4 if second.is_none() => avx2_small::<4, false>(rows, centers, labels, dists.as_deref_mut(), None),
        1 => avx2_small::<1, true>(rows, centers, labels, dists.as_deref_mut(), second.as_deref_mut()),
        2 => avx2_small::<2, true>(rows, centers, labels, dists.as_deref_mut(), second.as_deref_mut()),
        3 => avx2_small::<3, true>(rows, centers, labels, dists.as_deref_mut(), second.as_deref_mut()),
        4 => avx2_small::<4, true>(rows, centers, labels, dists.as_deref_mut(), second.as_deref_mut()),
        _ if d <= AVX2_MAX_D && second.is_none() => {
            avx2_groups::<false>(rows, d, centers, labels, dists.as_deref_mut(), None)
        }
        _ if d <= AVX2_MAX_D => {
            avx2_groups::<true>(rows, d, centers, labels, dists.as_deref_mut(), second.as_deref_mut())
        }
        _ => 0,
    };
    let n = labels.len();
    if done < n {
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

/// [`avx2_groups`] for a width known at compile time: the sixteen rows' coordinates are loaded
/// into registers once per group. `SECOND` says whether the runner-up distance is wanted.
// The lane loops index several parallel arrays (bests, labels, runner-ups) at once.
#[allow(clippy::needless_range_loop)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_small<const D: usize, const SECOND: bool>(
    rows: &[f64],
    centers: &[f64],
    labels: &mut [u32],
    dists: Option<&mut [f64]>,
    second: Option<&mut [f64]>,
) -> usize {
    use std::arch::x86_64::*;
    // `dispatch` checked the lengths: rows n × D, centers k × D, outputs of at least n; all
    // pointer offsets below stay inside them.
    let n = labels.len();
    let whole = n / GROUP * GROUP;
    let k = centers.len() / D;
    let (rp, cp, lp) = (rows.as_ptr(), centers.as_ptr(), labels.as_mut_ptr());
    let dp = dists.map(|s| s.as_mut_ptr());
    let sp = second.map(|s| s.as_mut_ptr());
    let mut soa = [0.0f64; GROUP * 4];
    for q in (0..whole).step_by(GROUP) {
        let xs = load_group::<D>(rp.add(q * D), &mut soa);
        let mut bests = Bests::new();
        for j in 0..k {
            let c = cp.add(j * D);
            // 0 + t² is t² exactly, so starting from the first square keeps the scalar bits.
            let mut acc = [_mm256_setzero_pd(); 4];
            let c0 = _mm256_broadcast_sd(&*c);
            for v in 0..4 {
                let t = _mm256_sub_pd(xs[0][v], c0);
                acc[v] = _mm256_mul_pd(t, t);
            }
            for f in 1..D {
                let cf = _mm256_broadcast_sd(&*c.add(f));
                for v in 0..4 {
                    let t = _mm256_sub_pd(xs[f][v], cf);
                    acc[v] = _mm256_add_pd(acc[v], _mm256_mul_pd(t, t));
                }
            }
            bests.offer::<SECOND>(&acc, j);
        }
        bests.store(q, lp, dp, sp);
    }
    whole
}

/// The running nearest centre of sixteen rows (four vectors), and the runner-up distance when
/// asked for: the compare-and-select both AVX2 kernels share.
#[cfg(target_arch = "x86_64")]
struct Bests {
    best: [std::arch::x86_64::__m256d; 4],
    best2: [std::arch::x86_64::__m256d; 4],
    best_j: [std::arch::x86_64::__m256d; 4],
}

#[cfg(target_arch = "x86_64")]
impl Bests {
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn new() -> Self {
        use std::arch::x86_64::*;
        Bests {
            best: [_mm256_set1_pd(f64::INFINITY); 4],
            best2: [_mm256_set1_pd(f64::INFINITY); 4],
            best_j: [_mm256_setzero_pd(); 4],
        }
    }

    /// Offers centre `j` at squared distances `acc`. Strict less-than: the lowest index wins
    /// ties, as in the scalar kernel; `min_pd(a, b)` is `a < b ? a : b`, its select.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn offer<const SECOND: bool>(&mut self, acc: &[std::arch::x86_64::__m256d; 4], j: usize) {
        use std::arch::x86_64::*;
        let jv = _mm256_set1_pd(j as f64);
        for (v, &a) in acc.iter().enumerate() {
            let closer = _mm256_cmp_pd::<_CMP_LT_OQ>(a, self.best[v]);
            self.best_j[v] = _mm256_blendv_pd(self.best_j[v], jv, closer);
            if SECOND {
                let runner_up = _mm256_blendv_pd(a, self.best[v], closer);
                self.best2[v] = _mm256_min_pd(runner_up, self.best2[v]);
            }
            self.best[v] = _mm256_blendv_pd(self.best[v], a, closer);
        }
    }

    /// Writes rows `q..q + 16`: labels, and the distances and runner-ups where wanted.
    ///
    /// # Safety
    /// Each pointer (when given) must be valid for 16 writes from offset `q`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn store(&self, q: usize, labels: *mut u32, dists: Option<*mut f64>, second: Option<*mut f64>) {
        use std::arch::x86_64::*;
        for v in 0..4 {
            // Labels are small whole numbers held exactly in f64: truncation is exact.
            _mm_storeu_si128(labels.add(q + 4 * v).cast(), _mm256_cvttpd_epi32(self.best_j[v]));
            if let Some(dp) = dists {
                _mm256_storeu_pd(dp.add(q + 4 * v), self.best[v]);
            }
            if let Some(sp) = second {
                _mm256_storeu_pd(sp.add(q + 4 * v), self.best2[v]);
            }
        }
    }
}

/// Widest rows the AVX2 kernel transposes on the stack.
#[cfg(target_arch = "x86_64")]
const AVX2_MAX_D: usize = 64;

/// Rows per AVX2 group: four vectors of four.
#[cfg(target_arch = "x86_64")]
const GROUP: usize = 16;

/// Processes whole groups of [`GROUP`] rows; returns how many rows it did.
// The lane loops index several parallel arrays (bests, labels, runner-ups) at once.
#[allow(clippy::needless_range_loop)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn avx2_groups<const SECOND: bool>(
    rows: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    dists: Option<&mut [f64]>,
    second: Option<&mut [f64]>,
) -> usize {
    use std::arch::x86_64::*;
    // `dispatch` checked the lengths, as for `avx2_small`.
    let n = labels.len();
    let whole = n / GROUP * GROUP;
    let lp = labels.as_mut_ptr();
    let dp = dists.map(|s| s.as_mut_ptr());
    let sp = second.map(|s| s.as_mut_ptr());
    let mut soa = [0.0f64; GROUP * AVX2_MAX_D];
    for q in (0..whole).step_by(GROUP) {
        for (p, x) in rows[q * d..(q + GROUP) * d].chunks_exact(d).enumerate() {
            for (f, &v) in x.iter().enumerate() {
                soa[f * GROUP + p] = v;
            }
        }
        let mut bests = Bests::new();
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let mut acc = [_mm256_setzero_pd(); 4];
            for (f, cf) in c.iter().enumerate() {
                let cf = _mm256_broadcast_sd(cf);
                for (v, a) in acc.iter_mut().enumerate() {
                    let x = _mm256_loadu_pd(soa.as_ptr().add(f * GROUP + 4 * v));
                    let t = _mm256_sub_pd(x, cf);
                    *a = _mm256_add_pd(*a, _mm256_mul_pd(t, t));
                }
            }
            bests.offer::<SECOND>(&acc, j);
        }
        bests.store(q, lp, dp, sp);
    }
    whole
}

/// The coordinates of rows `q..q + 16` as `D` features × four vectors of four rows. Two
/// features are de-interleaved with shuffles; other widths go through `soa` on the stack.
// The lane loops index several parallel arrays at once.
#[allow(clippy::needless_range_loop)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load_group<const D: usize>(
    base: *const f64,
    soa: &mut [f64; GROUP * 4],
) -> [[std::arch::x86_64::__m256d; 4]; D] {
    use std::arch::x86_64::*;
    // SAFETY (caller): `base` points at GROUP rows of D values.
    let mut xs = [[_mm256_setzero_pd(); 4]; D];
    if D == 2 {
        for v in 0..4 {
            // [x0 y0 x1 y1] [x2 y2 x3 y3] -> [x0 x2 x1 x3] [y0 y2 y1 y3] -> rows back in order
            let a = _mm256_loadu_pd(base.add(8 * v));
            let b = _mm256_loadu_pd(base.add(8 * v + 4));
            xs[0][v] = _mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_unpacklo_pd(a, b));
            xs[1][v] = _mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_unpackhi_pd(a, b));
        }
        return xs;
    }
    for p in 0..GROUP {
        for f in 0..D {
            soa[f * GROUP + p] = *base.add(p * D + f);
        }
    }
    for (f, xf) in xs.iter_mut().enumerate() {
        for (v, x) in xf.iter_mut().enumerate() {
            *x = _mm256_loadu_pd(soa.as_ptr().add(f * GROUP + 4 * v));
        }
    }
    xs
}

/// Slots of the candidate-potential sums: row `i` of a chunk adds into slot `i % POT_SLOTS`,
/// and the slots are summed in order at the end (the AVX2 kernel's lanes, written down).
pub const POT_SLOTS: usize = 16;

/// For each candidate centre `t` (rows of `cands`, width `d`): `Σ_i min(closest[i], ‖x_i −
/// cand_t‖²)` over `rows`, written to `out[t]`. One pass over the rows for all candidates (the
/// k-means++ trial step). The summation order is fixed (see `POT_SLOTS`), so the AVX2 and the
/// plain code give the same bits.
pub fn candidate_potentials(rows: &[f64], d: usize, closest: &[f64], cands: &[f64], out: &mut [f64]) {
    let t_count = cands.len() / d;
    let mut slots = vec![0.0; t_count * POT_SLOTS];
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if t_count <= MAX_CANDIDATES && std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, as just checked.
        done = unsafe {
            match d {
                1 => potentials_avx2::<1>(rows, closest, cands, &mut slots),
                2 => potentials_avx2::<2>(rows, closest, cands, &mut slots),
                3 => potentials_avx2::<3>(rows, closest, cands, &mut slots),
                4 => potentials_avx2::<4>(rows, closest, cands, &mut slots),
                _ => 0,
            }
        };
    }
    if d > 4 {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, as just checked.
            unsafe { potentials_wide_avx2(rows, d, closest, cands, &mut slots) };
            return fold_slots(&slots, t_count, out);
        }
        potentials_wide(rows, d, closest, cands, &mut slots);
        return fold_slots(&slots, t_count, out);
    }
    for (i, (x, &c0)) in rows.chunks_exact(d).zip(closest).enumerate().skip(done) {
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

/// [`candidate_potentials`] for wide rows, distances by [`sq_dist_lanes`].
#[inline(always)]
fn potentials_wide(rows: &[f64], d: usize, closest: &[f64], cands: &[f64], slots: &mut [f64]) {
    for (i, (x, &c0)) in rows.chunks_exact(d).zip(closest).enumerate() {
        for (t, c) in cands.chunks_exact(d).enumerate() {
            let dist = sq_dist_lanes(x, c);
            slots[t * POT_SLOTS + i % POT_SLOTS] += if dist < c0 { dist } else { c0 };
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn potentials_wide_avx2(rows: &[f64], d: usize, closest: &[f64], cands: &[f64], slots: &mut [f64]) {
    potentials_wide(rows, d, closest, cands, slots);
}

/// Most candidates the AVX2 potential kernel keeps in registers (k-means++ tries `2 + ln k`).
#[cfg(target_arch = "x86_64")]
const MAX_CANDIDATES: usize = 24;

/// Whole groups of 16 rows of [`candidate_potentials`]; returns how many rows it did.
// The lane loops index several parallel arrays (bests, labels, runner-ups) at once.
#[allow(clippy::needless_range_loop)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn potentials_avx2<const D: usize>(rows: &[f64], closest: &[f64], cands: &[f64], slots: &mut [f64]) -> usize {
    use std::arch::x86_64::*;
    let n = closest.len();
    let whole = n / GROUP * GROUP;
    let t_count = cands.len() / D;
    let mut acc = [[_mm256_setzero_pd(); 4]; MAX_CANDIDATES];
    let mut soa = [0.0f64; GROUP * 4];
    for q in (0..whole).step_by(GROUP) {
        let xs = load_group::<D>(rows.as_ptr().add(q * D), &mut soa);
        let mut c0 = [_mm256_setzero_pd(); 4];
        for (v, c) in c0.iter_mut().enumerate() {
            *c = _mm256_loadu_pd(closest.as_ptr().add(q + 4 * v));
        }
        for (t, c) in cands.chunks_exact(D).enumerate() {
            let mut dist = [_mm256_setzero_pd(); 4];
            let cf = _mm256_broadcast_sd(&c[0]);
            for v in 0..4 {
                let u = _mm256_sub_pd(xs[0][v], cf);
                dist[v] = _mm256_mul_pd(u, u);
            }
            for f in 1..D {
                let cf = _mm256_broadcast_sd(&c[f]);
                for v in 0..4 {
                    let u = _mm256_sub_pd(xs[f][v], cf);
                    dist[v] = _mm256_add_pd(dist[v], _mm256_mul_pd(u, u));
                }
            }
            for v in 0..4 {
                // min_pd(a, b) is `a < b ? a : b`, the plain code's select.
                acc[t][v] = _mm256_add_pd(acc[t][v], _mm256_min_pd(dist[v], c0[v]));
            }
        }
    }
    for t in 0..t_count {
        for v in 0..4 {
            _mm256_storeu_pd(slots.as_mut_ptr().add(t * POT_SLOTS + 4 * v), acc[t][v]);
        }
    }
    whole
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
