//! The only home of target-specific code: the AVX2 kernels ([`avx2`], private) and the safe
//! functions that check the CPU before calling them. Everything here gives the same bits as the
//! portable code it stands in for; only the speed differs.
//!
//! Two shapes of speed-up live here:
//! - hand-written AVX2 kernels over whole groups of rows ([`nearest_groups`],
//!   [`potential_groups`], [`move_bound_groups`]), each returning how many rows it did so the
//!   caller finishes the rest with its portable loop;
//! - [`run`]: any portable [`Kernel`] compiled a second time with AVX2 enabled, so the compiler
//!   vectorises it four lanes wide, and chosen at run time.

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Slots of the candidate-potential sums: row `i` of a chunk adds into slot `i % POT_SLOTS`,
/// and the slots are summed in order at the end (the AVX2 kernel's lanes, written down).
pub(crate) const POT_SLOTS: usize = 16;

/// Whether the CPU runs AVX2 (the standard library caches the answer).
#[inline]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// A computation written in portable code that vectorises well when compiled for AVX2.
///
/// Implementations mark `run` `#[inline(always)]`: it is then compiled into [`run`]'s AVX2
/// copy, not called from it.
pub(crate) trait Kernel {
    /// What the computation returns.
    type Output;
    /// The computation.
    fn run(self) -> Self::Output;
}

/// Runs `k`, compiled with AVX2 when the CPU has it.
#[inline]
pub(crate) fn run<K: Kernel>(k: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2, as just checked; `run_avx2` has no other precondition.
        return unsafe { run_avx2(k) };
    }
    k.run()
}

/// `k.run()` compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<K: Kernel>(k: K) -> K::Output {
    k.run()
}

/// Nearest centre of the rows of `rows` (width `d`), over whole groups of sixteen rows: writes
/// labels, and distances and runner-up distances where given. Returns how many rows it did (0
/// without AVX2, or for rows wider than the kernel holds).
///
/// # Panics
/// If the lengths disagree (`rows` is `labels.len() × d`, centres a multiple of `d`, outputs at
/// least as long as `labels`).
pub(crate) fn nearest_groups(
    rows: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    dists: Option<&mut [f64]>,
    second: Option<&mut [f64]>,
) -> usize {
    let n = labels.len();
    assert!(
        rows.len() == n * d && centers.len().is_multiple_of(d),
        "kernel: shapes disagree"
    );
    assert!(dists.as_ref().is_none_or(|s| s.len() >= n) && second.as_ref().is_none_or(|s| s.len() >= n));
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2, as just checked; the lengths the kernel's pointer
        // arithmetic relies on are asserted above.
        return unsafe { avx2::nearest_groups(rows, d, centers, labels, dists, second) };
    }
    0
}

/// Most candidates [`potential_groups`] keeps in registers (k-means++ tries `2 + ln k`).
pub(crate) const MAX_CANDIDATES: usize = 24;

/// The k-means++ candidate potentials (`cluster::distance::candidate_potentials`) over whole
/// groups of sixteen rows of width 1 to 4, into `slots` (`POT_SLOTS` per candidate). Returns how
/// many rows it did (0 without AVX2, for wider rows or more than [`MAX_CANDIDATES`]).
///
/// # Panics
/// If the lengths disagree (`rows` is `closest.len() × d`, `cands` a multiple of `d`, `slots`
/// `POT_SLOTS` per candidate).
pub(crate) fn potential_groups(rows: &[f64], d: usize, closest: &[f64], cands: &[f64], slots: &mut [f64]) -> usize {
    let t_count = cands.len() / d;
    assert!(rows.len() == closest.len() * d && cands.len().is_multiple_of(d) && slots.len() >= t_count * POT_SLOTS);
    if t_count > MAX_CANDIDATES || !has_avx2() {
        return 0;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has AVX2, as checked above; the lengths are asserted above.
    unsafe {
        return match d {
            1 => avx2::potentials_groups::<1>(rows, closest, cands, slots),
            2 => avx2::potentials_groups::<2>(rows, closest, cands, slots),
            3 => avx2::potentials_groups::<3>(rows, closest, cands, slots),
            4 => avx2::potentials_groups::<4>(rows, closest, cands, slots),
            _ => 0,
        };
    }
    #[allow(unreachable_code)]
    0
}

/// Hamerly's bound update over groups of four rows (see `cluster::kmeans::hamerly`): `shift`
/// per centre, the largest shift `max1` (of centre `arg1`) and the second largest `max2`.
/// Returns how many rows it did (0 without AVX2).
///
/// # Panics
/// If `shift` and `half_gap` differ in length, or `up` or `lo` from `lab`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn move_bound_groups(
    shift: &[f64],
    maxima: (f64, usize, f64),
    safe: f64,
    half_gap: &[f64],
    lab: &[u32],
    up: &mut [f64],
    lo: &mut [f64],
    out: &mut Vec<usize>,
) -> usize {
    let k = half_gap.len();
    assert!(shift.len() == k && up.len() == lab.len() && lo.len() == lab.len());
    #[cfg(target_arch = "x86_64")]
    if has_avx2() && k > 0 && k <= i32::MAX as usize {
        // SAFETY: the CPU has AVX2, as just checked; the lengths are asserted above and the
        // kernel's gathers clamp every label into 0..k.
        return unsafe { avx2::move_bounds(shift, maxima, safe, half_gap, lab, up, lo, out) };
    }
    let _ = (maxima, safe, out);
    0
}

/// Hints that `v[i]` will be read soon (no effect on results; a no-op off x86-64 or out of
/// bounds).
#[inline(always)]
pub(crate) fn prefetch(v: &[f64], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(i) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch hint has no observable effect, and the address is in bounds.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((x as *const f64).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}
