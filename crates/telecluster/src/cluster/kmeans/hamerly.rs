//! Hamerly's iteration: Lloyd's labels, with an upper bound on each row's distance to its centre
//! and a lower bound on its distance to every other, so most rows skip the distance computations
//! (G. Hamerly, "Making k-means even faster", SDM 2010).

use rayon::prelude::*;

use super::run::{accumulate, finish_changes, move_row, start_changes, update_labels, Partial, Scratch, SAFE};
use crate::cluster::distance::{nearest_two_rows, sq_dist, CHUNK_ROWS};
use crate::simd;

/// How far the centres moved in the last update: each centre's shift, and the largest two.
pub(super) struct Shifts {
    shift: Vec<f64>,
    max1: f64,
    arg1: usize,
    max2: f64,
}

impl Shifts {
    pub(super) fn of(shift: &[f64]) -> Shifts {
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
pub(super) struct HamerlyState<'a> {
    pub centers: &'a [f64],
    pub half_gap: &'a [f64],
    pub moved: Option<&'a Shifts>,
    /// Recompute the chunk sums from all rows (else record only the rows that change).
    pub full: bool,
}

/// For each centre, half the distance to its nearest other centre (`s(j)` in Hamerly's paper):
/// a point closer than that to its centre cannot be closer to any other.
pub(super) fn half_gaps(centers: &[f64], d: usize, out: &mut [f64]) {
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
pub(super) fn hamerly_pass(
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
    let maxima = (moved.max1, moved.arg1, moved.max2);
    let done = simd::move_bound_groups(&moved.shift, maxima, SAFE, half_gap, lab, up, lo, out);
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
