//! Initial centres for K-Means: scikit-learn's greedy k-means++, random rows, or given ones.

use rayon::prelude::*;

use super::run::Scratch;
use crate::cluster::distance::{candidate_potentials, fold_slots, sq_dist_lanes, sq_dists_to, CHUNK_ROWS, POT_SLOTS};
use crate::matrix::{Matrix, MatrixRef};
use crate::rng::Rng;
use crate::simd::{self, Kernel};

/// How the first centres are chosen.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Init {
    /// Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's `2 + ln k` local
    /// trials per centre: each centre is the best of several D²-weighted draws).
    #[default]
    KMeansPlusPlus,
    /// `k` distinct rows drawn uniformly.
    Random,
    /// These centres (k rows, d columns, in the scaled space the model is fitted in).
    Given(Matrix),
}

/// Greedy k-means++ seeding; returns `k × d` centres, row-major.
///
/// Every pass over the data is chunked and reduced in chunk order, so the same `rng` state gives
/// the same centres whatever the thread count. Memory: one `f64` per row (the distance to the
/// closest centre so far).
pub fn kmeans_plus_plus(x: MatrixRef<'_>, k: usize, rng: &mut Rng) -> Vec<f64> {
    let n = x.n_rows();
    let d = x.n_cols();
    let data = x.as_slice();
    let trials = 2 + (k as f64).ln() as usize;
    let mut centers = Vec::with_capacity(k * d);
    let first = rng.below(n);
    centers.extend_from_slice(x.row(first));
    // Wide rows are pruned by the triangle inequality (see `pruned_potentials`); narrow rows
    // are cheaper to compute than to prune.
    let wide = d > 4;

    let mut closest = vec![0.0; n];
    closest
        .par_chunks_mut(CHUNK_ROWS)
        .zip(data.par_chunks(CHUNK_ROWS * d))
        .for_each_init(Scratch::new, |w, (dst, rows)| {
            sq_dists_to(rows, d, x.row(first), &mut w.labels[..dst.len()], dst);
        });
    let mut near = Nearest {
        centre: if wide { vec![0; n] } else { Vec::new() },
        radius: if wide {
            closest.iter().map(|c| c.sqrt()).collect()
        } else {
            Vec::new()
        },
    };
    let mut chunk_sums: Vec<f64> = closest.par_chunks(CHUNK_ROWS).map(|c| c.iter().sum()).collect();
    let mut pot: f64 = chunk_sums.iter().sum();

    let mut candidates = vec![0usize; trials];
    for c in 1..k {
        for cand in candidates.iter_mut() {
            let r = rng.uniform() * pot;
            *cand = search_cumulative(&closest, &chunk_sums, r);
        }
        // Potential of each candidate: Σ min(closest, d(x, candidate)), chunk by chunk.
        let cand_rows: Vec<f64> = candidates.iter().flat_map(|&c| x.row(c).iter().copied()).collect();
        let gap = if wide {
            gaps(&cand_rows, &centers, d, c)
        } else {
            Vec::new()
        };
        let per_chunk: Vec<Vec<f64>> = closest
            .par_chunks(CHUNK_ROWS)
            .zip(data.par_chunks(CHUNK_ROWS * d))
            .enumerate()
            .map(|(ci, (cl, rows))| {
                let mut pots = vec![0.0; trials];
                if wide {
                    let range = ci * CHUNK_ROWS..ci * CHUNK_ROWS + cl.len();
                    let nearest = (&near.centre[range.clone()], &near.radius[range]);
                    let mut slots = vec![0.0; trials * POT_SLOTS];
                    simd::run(PrunedPotentials {
                        rows,
                        d,
                        closest: cl,
                        nearest,
                        cands: &cand_rows,
                        gap: &gap,
                        n_centres: c,
                        slots: &mut slots,
                    });
                    fold_slots(&slots, trials, &mut pots);
                } else {
                    candidate_potentials(rows, d, cl, &cand_rows, &mut pots);
                }
                pots
            })
            .collect();
        let pots: Vec<f64> = (0..trials).map(|t| per_chunk.iter().map(|c| c[t]).sum()).collect();
        let mut best = 0;
        for t in 1..trials {
            if pots[t] < pots[best] {
                best = t;
            }
        }
        let chosen = candidates[best];
        centers.extend_from_slice(x.row(chosen));
        let cx = x.row(chosen);
        chunk_sums = if wide {
            let gap_chosen = gap[best * c..(best + 1) * c].to_vec();
            closest
                .par_chunks_mut(CHUNK_ROWS)
                .zip(data.par_chunks(CHUNK_ROWS * d))
                .zip(near.centre.par_chunks_mut(CHUNK_ROWS))
                .zip(near.radius.par_chunks_mut(CHUNK_ROWS))
                .map(|(((cl, rows), ce), ra)| {
                    simd::run(PrunedUpdate {
                        rows,
                        d,
                        closest: cl,
                        centre: ce,
                        radius: ra,
                        cx,
                        gap: &gap_chosen,
                        new_index: c as u32,
                    })
                })
                .collect()
        } else {
            closest
                .par_chunks_mut(CHUNK_ROWS)
                .zip(data.par_chunks(CHUNK_ROWS * d))
                .map_init(Scratch::new, |w, (cl, rows)| {
                    let m = cl.len();
                    sq_dists_to(rows, d, cx, &mut w.labels[..m], &mut w.dists[..m]);
                    let mut s = 0.0;
                    for (c0, &dist) in cl.iter_mut().zip(&w.dists[..m]) {
                        *c0 = c0.min(dist);
                        s += *c0;
                    }
                    s
                })
                .collect()
        };
        pot = chunk_sums.iter().sum();
    }
    centers
}

/// Margin on the pruning test: a distance is skipped only when the triangle inequality proves,
/// with room for rounding, that it cannot lower the row's closest distance.
const PRUNE_SAFE: f64 = 1.0 + 1e-9;

/// What wide-row seeding keeps per row besides the closest squared distance: the index of the
/// nearest chosen centre and the distance itself (not squared), for triangle-inequality pruning.
struct Nearest {
    centre: Vec<u32>,
    radius: Vec<f64>,
}

/// One chunk of the k-means++ trial step for wide rows: as
/// [`candidate_potentials`](crate::cluster::distance::candidate_potentials), but a row skips a
/// candidate `t` when `gap[t][a] > 2·r` (its nearest centre `a` and radius `r`): then
/// `‖x − t‖ ≥ gap − r > r`, so `min(closest, ‖x − t‖²)` is `closest` without computing it.
/// The sums are those of the unpruned computation, bit for bit.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pruned_potentials(
    rows: &[f64],
    d: usize,
    closest: &[f64],
    nearest: (&[u32], &[f64]),
    cands: &[f64],
    gap: &[f64],
    n_centres: usize,
    slots: &mut [f64],
) {
    for (i, x) in rows.chunks_exact(d).enumerate() {
        let c0 = closest[i];
        let reach = 2.0 * nearest.1[i] * PRUNE_SAFE;
        let a = nearest.0[i] as usize;
        for (t, c) in cands.chunks_exact(d).enumerate() {
            let v = if gap[t * n_centres + a] > reach {
                c0
            } else {
                let dist = sq_dist_lanes(x, c);
                if dist < c0 {
                    dist
                } else {
                    c0
                }
            };
            slots[t * POT_SLOTS + i % POT_SLOTS] += v;
        }
    }
}

/// One chunk of the closest-distance update for wide rows, pruned like [`pruned_potentials`];
/// returns the chunk's new sum of closest distances.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pruned_update(
    rows: &[f64],
    d: usize,
    closest: &mut [f64],
    centre: &mut [u32],
    radius: &mut [f64],
    cx: &[f64],
    gap: &[f64],
    new_index: u32,
) -> f64 {
    let mut s = 0.0;
    for (i, x) in rows.chunks_exact(d).enumerate() {
        if gap[centre[i] as usize] <= 2.0 * radius[i] * PRUNE_SAFE {
            let dist = sq_dist_lanes(x, cx);
            if dist < closest[i] {
                closest[i] = dist;
                centre[i] = new_index;
                radius[i] = dist.sqrt();
            }
        }
        s += closest[i];
    }
    s
}

/// [`pruned_potentials`], for [`simd::run`].
struct PrunedPotentials<'a> {
    rows: &'a [f64],
    d: usize,
    closest: &'a [f64],
    nearest: (&'a [u32], &'a [f64]),
    cands: &'a [f64],
    gap: &'a [f64],
    n_centres: usize,
    slots: &'a mut [f64],
}

impl Kernel for PrunedPotentials<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        pruned_potentials(
            self.rows,
            self.d,
            self.closest,
            self.nearest,
            self.cands,
            self.gap,
            self.n_centres,
            self.slots,
        );
    }
}

/// [`pruned_update`], for [`simd::run`].
struct PrunedUpdate<'a> {
    rows: &'a [f64],
    d: usize,
    closest: &'a mut [f64],
    centre: &'a mut [u32],
    radius: &'a mut [f64],
    cx: &'a [f64],
    gap: &'a [f64],
    new_index: u32,
}

impl Kernel for PrunedUpdate<'_> {
    type Output = f64;
    #[inline(always)]
    fn run(self) -> f64 {
        pruned_update(
            self.rows,
            self.d,
            self.closest,
            self.centre,
            self.radius,
            self.cx,
            self.gap,
            self.new_index,
        )
    }
}

/// Distances (not squared) from each of `points` to each of the first `n_centres` centres.
fn gaps(points: &[f64], centers: &[f64], d: usize, n_centres: usize) -> Vec<f64> {
    points
        .chunks_exact(d)
        .flat_map(|p| {
            centers
                .chunks_exact(d)
                .take(n_centres)
                .map(move |c| sq_dist_lanes(p, c).sqrt())
        })
        .collect()
}

/// The first index whose running sum of `weights` reaches `r` (numpy's `searchsorted(cumsum, r)`),
/// clipped to the last index; `chunk_sums` are the sums of `weights` per chunk of `CHUNK_ROWS`.
fn search_cumulative(weights: &[f64], chunk_sums: &[f64], r: f64) -> usize {
    let mut acc = 0.0;
    for (ci, &s) in chunk_sums.iter().enumerate() {
        if acc + s >= r {
            let start = ci * CHUNK_ROWS;
            for (i, &w) in weights[start..(start + CHUNK_ROWS).min(weights.len())]
                .iter()
                .enumerate()
            {
                acc += w;
                if acc >= r {
                    return start + i;
                }
            }
            // Rounding between the chunk sum and the running sum: take the chunk's last row.
            return (start + CHUNK_ROWS).min(weights.len()) - 1;
        }
        acc += s;
    }
    weights.len() - 1
}

/// `k` distinct rows drawn uniformly, as centres.
pub fn random_rows(x: MatrixRef<'_>, k: usize, rng: &mut Rng) -> Vec<f64> {
    let mut idx = rng.sample_indices(x.n_rows(), k);
    rng.shuffle(&mut idx);
    x.select_rows(&idx).into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> Matrix {
        let mut rows = Vec::new();
        let mut rng = Rng::new(4);
        for c in [[0.0, 0.0], [10.0, 10.0], [-10.0, 10.0]] {
            for _ in 0..50 {
                rows.push([c[0] + rng.normal() * 0.1, c[1] + rng.normal() * 0.1]);
            }
        }
        Matrix::from_rows(&rows).unwrap()
    }

    #[test]
    fn plus_plus_spreads_centres_over_blobs() {
        let x = blobs();
        let c = kmeans_plus_plus(x.view(), 3, &mut Rng::new(0));
        let mut blob_of: Vec<usize> = c
            .chunks_exact(2)
            .map(|p| {
                if p[1] < 5.0 {
                    0
                } else if p[0] > 0.0 {
                    1
                } else {
                    2
                }
            })
            .collect();
        blob_of.sort_unstable();
        assert_eq!(blob_of, vec![0, 1, 2]);
    }

    #[test]
    fn cumulative_search_matches_a_plain_scan() {
        let w: Vec<f64> = (0..10_000).map(|i| (i % 7) as f64).collect();
        let sums: Vec<f64> = w.chunks(CHUNK_ROWS).map(|c| c.iter().sum()).collect();
        for r in [0.0, 0.5, 1.0, 12345.0, 29_000.0, 1e12] {
            let mut acc = 0.0;
            let mut want = w.len() - 1;
            for (i, v) in w.iter().enumerate() {
                acc += v;
                if acc >= r {
                    want = i;
                    break;
                }
            }
            assert_eq!(search_cumulative(&w, &sums, r), want, "r={r}");
        }
    }

    #[test]
    fn identical_points_do_not_break_seeding() {
        let x = Matrix::from_rows(&[[1.0, 1.0]; 5]).unwrap();
        let c = kmeans_plus_plus(x.view(), 3, &mut Rng::new(0));
        assert_eq!(c.len(), 6);
        assert_eq!(random_rows(x.view(), 5, &mut Rng::new(0)).len(), 10);
    }
}
