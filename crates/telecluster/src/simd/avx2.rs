//! The AVX2 kernels: the same operations in the same order as the portable code they stand
//! in for, so they give the same bits (FMA stays off: fused multiply-adds round differently).
//!
//! Every function here is compiled for AVX2; [`super`] calls them only after checking the CPU.
//! The `unsafe fn`s also rely on the lengths their `# Safety` sections state, which [`super`]
//! asserts: their loads and stores go through raw pointers, unchecked.

use std::arch::x86_64::*;

use super::POT_SLOTS;

/// Widest rows the AVX2 kernel transposes on the stack.
const AVX2_MAX_D: usize = 64;

/// Rows per AVX2 group: four vectors of four.
const GROUP: usize = 16;

/// The nearest-centre kernel over whole groups of [`GROUP`] rows; returns how many rows it did
/// (the caller finishes the rest with the portable kernel). Sixteen rows go at a time as four
/// independent vectors (so the compare-and-select chains of one centre overlap), each centre
/// coordinate broadcast. The operations and their order are exactly the scalar kernel's
/// (subtract, square, add per feature from 0; strict less-than; the same selects), so the
/// results are the same bits.
///
/// # Safety
/// The CPU must support AVX2; `rows` must hold `labels.len() × d` values, `centers` a multiple
/// of `d`, and `dists` and `second` (when given) at least `labels.len()` each.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn nearest_groups(
    rows: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    dists: Option<&mut [f64]>,
    second: Option<&mut [f64]>,
) -> usize {
    let (ds, ss) = (dists, second);
    // SAFETY: the caller guarantees the lengths these kernels rely on (the same contract).
    // Constant widths let the feature loop unroll and the coordinates stay in registers.
    unsafe {
        match (d, ss) {
            (1, None) => small::<1, false>(rows, centers, labels, ds, None),
            (2, None) => small::<2, false>(rows, centers, labels, ds, None),
            (3, None) => small::<3, false>(rows, centers, labels, ds, None),
            (4, None) => small::<4, false>(rows, centers, labels, ds, None),
            (1, ss) => small::<1, true>(rows, centers, labels, ds, ss),
            (2, ss) => small::<2, true>(rows, centers, labels, ds, ss),
            (3, ss) => small::<3, true>(rows, centers, labels, ds, ss),
            (4, ss) => small::<4, true>(rows, centers, labels, ds, ss),
            (_, None) if d <= AVX2_MAX_D => groups::<false>(rows, d, centers, labels, ds, None),
            (_, ss) if d <= AVX2_MAX_D => groups::<true>(rows, d, centers, labels, ds, ss),
            _ => 0,
        }
    }
}

/// [`groups`] for a width known at compile time: the sixteen rows' coordinates are loaded into
/// registers once per group. `SECOND` says whether the runner-up distance is wanted.
///
/// # Safety
/// As for [`nearest_groups`], with `d = D`.
#[target_feature(enable = "avx2")]
unsafe fn small<const D: usize, const SECOND: bool>(
    rows: &[f64],
    centers: &[f64],
    labels: &mut [u32],
    dists: Option<&mut [f64]>,
    second: Option<&mut [f64]>,
) -> usize {
    let n = labels.len();
    let whole = n / GROUP * GROUP;
    let out = Outputs::new(labels, dists, second);
    let mut soa = [0.0f64; GROUP * 4];
    for q in (0..whole).step_by(GROUP) {
        // SAFETY: rows q..q + GROUP exist (q + GROUP <= n) and `rows` holds n × D values.
        let xs = unsafe { load_group::<D>(rows.as_ptr().add(q * D), &mut soa) };
        let mut bests = Bests::new();
        for (j, c) in centers.as_chunks::<D>().0.iter().enumerate() {
            bests.offer::<SECOND>(&group_sq_dists(&xs, c), j);
        }
        // SAFETY: rows q..q + GROUP lie below n, and every output holds at least n values.
        unsafe { bests.store(q, &out) };
    }
    whole
}

/// The squared distances of sixteen rows (`xs`, as [`load_group`] gives them) to the point `c`
/// of width `D`, summed over the features in order from the first square (0 + t² is t²
/// exactly, so this keeps the scalar kernel's bits).
#[target_feature(enable = "avx2")]
#[inline]
fn group_sq_dists<const D: usize>(xs: &[[__m256d; 4]; D], c: &[f64; D]) -> [__m256d; 4] {
    let mut acc = [_mm256_setzero_pd(); 4];
    let c0 = _mm256_broadcast_sd(&c[0]);
    for (a, x) in acc.iter_mut().zip(&xs[0]) {
        let t = _mm256_sub_pd(*x, c0);
        *a = _mm256_mul_pd(t, t);
    }
    // Indexed, not zipped: with D known, the loop unrolls into straight-line code.
    #[allow(clippy::needless_range_loop)]
    for f in 1..D {
        let cf = _mm256_broadcast_sd(&c[f]);
        for v in 0..4 {
            let t = _mm256_sub_pd(xs[f][v], cf);
            acc[v] = _mm256_add_pd(acc[v], _mm256_mul_pd(t, t));
        }
    }
    acc
}

/// Where the kernels write: labels, and distances and runner-ups when wanted.
struct Outputs {
    labels: *mut u32,
    dists: Option<*mut f64>,
    second: Option<*mut f64>,
}

impl Outputs {
    fn new(labels: &mut [u32], dists: Option<&mut [f64]>, second: Option<&mut [f64]>) -> Outputs {
        Outputs {
            labels: labels.as_mut_ptr(),
            dists: dists.map(|s| s.as_mut_ptr()),
            second: second.map(|s| s.as_mut_ptr()),
        }
    }
}

/// The running nearest centre of sixteen rows (four vectors), and the runner-up distance when
/// asked for: the compare-and-select both nearest-centre kernels share.
struct Bests {
    best: [__m256d; 4],
    best2: [__m256d; 4],
    best_j: [__m256d; 4],
}

impl Bests {
    #[target_feature(enable = "avx2")]
    #[inline]
    fn new() -> Self {
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
    fn offer<const SECOND: bool>(&mut self, acc: &[__m256d; 4], j: usize) {
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
    /// Each output must be valid for 16 writes from offset `q`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn store(&self, q: usize, out: &Outputs) {
        for v in 0..4 {
            // SAFETY: offsets q + 4v .. q + 4v + 4 lie within the 16 the caller vouches for.
            unsafe {
                // Labels are small whole numbers held exactly in f64: truncation is exact.
                _mm_storeu_si128(out.labels.add(q + 4 * v).cast(), _mm256_cvttpd_epi32(self.best_j[v]));
                if let Some(dp) = out.dists {
                    _mm256_storeu_pd(dp.add(q + 4 * v), self.best[v]);
                }
                if let Some(sp) = out.second {
                    _mm256_storeu_pd(sp.add(q + 4 * v), self.best2[v]);
                }
            }
        }
    }
}

/// Whole groups of [`GROUP`] rows of any width up to [`AVX2_MAX_D`]; returns how many rows it
/// did.
///
/// # Safety
/// As for [`nearest_groups`], with `d <= AVX2_MAX_D`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn groups<const SECOND: bool>(
    rows: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    dists: Option<&mut [f64]>,
    second: Option<&mut [f64]>,
) -> usize {
    let n = labels.len();
    let whole = n / GROUP * GROUP;
    let out = Outputs::new(labels, dists, second);
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
            for (cf, block) in c.iter().zip(soa.chunks_exact(GROUP)) {
                let cf = _mm256_broadcast_sd(cf);
                for (a, four) in acc.iter_mut().zip(block.chunks_exact(4)) {
                    // SAFETY: `four` holds 4 values.
                    let x = unsafe { _mm256_loadu_pd(four.as_ptr()) };
                    let t = _mm256_sub_pd(x, cf);
                    *a = _mm256_add_pd(*a, _mm256_mul_pd(t, t));
                }
            }
            bests.offer::<SECOND>(&acc, j);
        }
        // SAFETY: rows q..q + GROUP lie below n, and every output holds at least n values.
        unsafe { bests.store(q, &out) };
    }
    whole
}

/// The coordinates of sixteen rows as `D` features × four vectors of four rows. Two features
/// are de-interleaved with shuffles; other widths go through `soa` on the stack.
///
/// # Safety
/// `base` must point at `GROUP × D` readable values.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load_group<const D: usize>(base: *const f64, soa: &mut [f64; GROUP * 4]) -> [[__m256d; 4]; D] {
    let mut xs = [[_mm256_setzero_pd(); 4]; D];
    if D == 2 {
        #[allow(clippy::needless_range_loop)] // xs[0][v] and xs[1][v] are written together
        for v in 0..4 {
            // SAFETY: 8v + 8 <= 32 = GROUP × 2 values, readable by the caller's contract.
            let (a, b) = unsafe { (_mm256_loadu_pd(base.add(8 * v)), _mm256_loadu_pd(base.add(8 * v + 4))) };
            // [x0 y0 x1 y1] [x2 y2 x3 y3] -> [x0 x2 x1 x3] [y0 y2 y1 y3] -> rows back in order
            xs[0][v] = _mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_unpacklo_pd(a, b));
            xs[1][v] = _mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_unpackhi_pd(a, b));
        }
        return xs;
    }
    // SAFETY: GROUP × D values are readable by the caller's contract.
    let rows = unsafe { std::slice::from_raw_parts(base, GROUP * D) };
    for (p, x) in rows.chunks_exact(D).enumerate() {
        for (f, &v) in x.iter().enumerate() {
            soa[f * GROUP + p] = v;
        }
    }
    for (xf, block) in xs.iter_mut().zip(soa.chunks_exact(GROUP)) {
        for (x, four) in xf.iter_mut().zip(block.chunks_exact(4)) {
            // SAFETY: `four` holds 4 values.
            *x = unsafe { _mm256_loadu_pd(four.as_ptr()) };
        }
    }
    xs
}

/// Whole groups of 16 rows of the k-means++ candidate potentials (see
/// `cluster::distance::candidate_potentials`), into `POT_SLOTS` lanes per candidate; returns how
/// many rows it did.
///
/// # Safety
/// The CPU must support AVX2; `rows` must hold `closest.len() × D` values, `cands` at most
/// [`super::MAX_CANDIDATES`] rows of `D`, and `slots` `POT_SLOTS` per candidate.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn potentials_groups<const D: usize>(
    rows: &[f64],
    closest: &[f64],
    cands: &[f64],
    slots: &mut [f64],
) -> usize {
    let n = closest.len();
    let whole = n / GROUP * GROUP;
    let mut acc = [[_mm256_setzero_pd(); 4]; super::MAX_CANDIDATES];
    let mut soa = [0.0f64; GROUP * 4];
    for q in (0..whole).step_by(GROUP) {
        // SAFETY: rows q..q + GROUP exist and `rows` holds n × D values.
        let xs = unsafe { load_group::<D>(rows.as_ptr().add(q * D), &mut soa) };
        let mut c0 = [_mm256_setzero_pd(); 4];
        for (c, four) in c0.iter_mut().zip(closest[q..q + GROUP].chunks_exact(4)) {
            // SAFETY: `four` holds 4 values.
            *c = unsafe { _mm256_loadu_pd(four.as_ptr()) };
        }
        for (a, c) in acc.iter_mut().zip(cands.as_chunks::<D>().0) {
            let dist = group_sq_dists(&xs, c);
            for v in 0..4 {
                // min_pd(a, b) is `a < b ? a : b`, the plain code's select.
                a[v] = _mm256_add_pd(a[v], _mm256_min_pd(dist[v], c0[v]));
            }
        }
    }
    for (a, s) in acc.iter().zip(slots.chunks_exact_mut(POT_SLOTS)) {
        for (v, four) in a.iter().zip(s.chunks_exact_mut(4)) {
            // SAFETY: `four` holds 4 values.
            unsafe { _mm256_storeu_pd(four.as_mut_ptr(), *v) };
        }
    }
    whole
}

/// Four rows at a time of Hamerly's bound update (`cluster::kmeans::hamerly`): every row's
/// upper bound moves up by its centre's shift, its lower bound down by the largest shift of the
/// other centres (`max2` for the rows of centre `arg1`, else `max1`), and the rows whose upper
/// bound (× `safe`) no longer clears `max(half gap, lower bound)` are pushed to `out`. Returns
/// how many rows it did.
///
/// # Safety
/// The CPU must support AVX2; `shift` and `half_gap` must be as long and not empty, `up` and
/// `lo` as long as `lab`.
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn move_bounds(
    shift: &[f64],
    (max1, arg1, max2): (f64, usize, f64),
    safe: f64,
    half_gap: &[f64],
    lab: &[u32],
    up: &mut [f64],
    lo: &mut [f64],
    out: &mut Vec<usize>,
) -> usize {
    let n = lab.len();
    let whole = n / 4 * 4;
    let safe = _mm256_set1_pd(safe);
    let max1 = _mm256_set1_pd(max1);
    let max2 = _mm256_set1_pd(max2);
    let arg1 = _mm_set1_epi32(arg1 as i32);
    // Labels are always < k; clamping keeps the gathers in bounds even if they were not.
    let last = _mm_set1_epi32((half_gap.len() - 1) as i32);
    for q in (0..whole).step_by(4) {
        // SAFETY: q + 4 <= n, the length of `lab`, `up` and `lo`; the gathers read labels
        // clamped into 0..k, within `shift` and `half_gap` (k values each).
        let (a, shift, gap, u0, l0) = unsafe {
            let a = _mm_min_epu32(_mm_loadu_si128(lab.as_ptr().add(q).cast()), last);
            (
                a,
                _mm256_i32gather_pd::<8>(shift.as_ptr(), a),
                _mm256_i32gather_pd::<8>(half_gap.as_ptr(), a),
                _mm256_loadu_pd(up.as_ptr().add(q)),
                _mm256_loadu_pd(lo.as_ptr().add(q)),
            )
        };
        let is_arg1 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(a, arg1)));
        let u = _mm256_add_pd(u0, shift);
        let l = _mm256_sub_pd(l0, _mm256_blendv_pd(max1, max2, is_arg1));
        // SAFETY: as above, q + 4 <= n.
        unsafe {
            _mm256_storeu_pd(up.as_mut_ptr().add(q), u);
            _mm256_storeu_pd(lo.as_mut_ptr().add(q), l);
        }
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
