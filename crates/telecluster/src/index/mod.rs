//! Spatial indexes over the rows of a matrix, shared by DBSCAN, the k-distance curve and the
//! anomaly scores.
//!
//! - [`grid::Grid`]: cells of side `eps / sqrt(d)` for narrow data (d ≤ 3), where every pair in
//!   one cell is within `eps` and a row's `eps`-neighbourhood lies in a fixed block of cells.
//! - [`kdtree::KdTree`]: a median-split kd-tree for any width, with radius counts, radius
//!   visits and k-nearest distances.
//!
//! Both keep a copy of the rows in their own order (points that are near in space are near in
//! memory) and the map back to the caller's rows: O(n) memory, no neighbourhood is stored.

use rayon::prelude::*;

pub mod grid;
pub mod kdtree;

/// Per-feature minimum and maximum of the rows of `data` (`n × d`, row-major): `(lo, hi)`,
/// infinite for no rows. Min and max are exact in any order, so the parallel reduction gives
/// the same box for any thread count.
pub fn bounding_box(data: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    match d {
        1 => box_of::<1>(data),
        2 => box_of::<2>(data),
        3 => box_of::<3>(data),
        4 => box_of::<4>(data),
        _ => box_wide(data, d),
    }
}

/// The box of narrow rows with fixed-size accumulators: the compare-and-keep loops vectorise.
fn box_of<const D: usize>(data: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let empty = || ([f64::INFINITY; D], [f64::NEG_INFINITY; D]);
    let (lo, hi) = data
        .par_chunks(4096 * D)
        .map(|rows| {
            let (mut lo, mut hi) = empty();
            for x in rows.chunks_exact(D) {
                for f in 0..D {
                    if x[f] < lo[f] {
                        lo[f] = x[f];
                    }
                    if x[f] > hi[f] {
                        hi[f] = x[f];
                    }
                }
            }
            (lo, hi)
        })
        .reduce(empty, |(mut lo, mut hi), (l, h)| {
            for f in 0..D {
                lo[f] = lo[f].min(l[f]);
                hi[f] = hi[f].max(h[f]);
            }
            (lo, hi)
        });
    (lo.to_vec(), hi.to_vec())
}

fn box_wide(data: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let empty = || (vec![f64::INFINITY; d], vec![f64::NEG_INFINITY; d]);
    data.par_chunks(4096 * d.max(1))
        .map(|rows| {
            let (mut lo, mut hi) = empty();
            for x in rows.chunks_exact(d) {
                for f in 0..d {
                    lo[f] = lo[f].min(x[f]);
                    hi[f] = hi[f].max(x[f]);
                }
            }
            (lo, hi)
        })
        .reduce(empty, |(mut lo, mut hi), (l, h)| {
            for f in 0..d {
                lo[f] = lo[f].min(l[f]);
                hi[f] = hi[f].max(h[f]);
            }
            (lo, hi)
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn bounding_box_of_rows() {
        let data: Vec<f64> = (0..30_000).map(|i| ((i * 7919) % 10_007) as f64 - 5000.0).collect();
        for d in [1, 2, 3, 4, 5, 6] {
            let (lo, hi) = super::bounding_box(&data[..data.len() / d * d], d);
            for f in 0..d {
                let col = data[..data.len() / d * d].iter().skip(f).step_by(d);
                assert_eq!(lo[f], col.clone().copied().fold(f64::INFINITY, f64::min), "d={d}");
                assert_eq!(hi[f], col.copied().fold(f64::NEG_INFINITY, f64::max), "d={d}");
            }
        }
        assert_eq!(
            super::bounding_box(&[], 2),
            (vec![f64::INFINITY; 2], vec![f64::NEG_INFINITY; 2])
        );
    }
}
