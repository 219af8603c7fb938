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

/// Squared Euclidean distance, summed over features in order.
#[inline]
pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let t = x - y;
        s += t * t;
    }
    s
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
    let mut soa = vec![0.0; d * BLOCK];
    for ((block, lab), dst) in rows
        .chunks(d * BLOCK)
        .zip(labels.chunks_mut(BLOCK))
        .zip(dists.chunks_mut(BLOCK))
    {
        let m = lab.len();
        for p in 0..m {
            for f in 0..d {
                soa[f * BLOCK + p] = block[p * d + f];
            }
        }
        let mut best = [f64::INFINITY; BLOCK];
        let mut best_j = [0u64; BLOCK];
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let mut acc = [0.0f64; BLOCK];
            for (f, &cf) in c.iter().enumerate() {
                let col: &[f64; BLOCK] = soa[f * BLOCK..(f + 1) * BLOCK].try_into().expect("block width");
                for p in 0..BLOCK {
                    let t = col[p] - cf;
                    acc[p] += t * t;
                }
            }
            for p in 0..BLOCK {
                // Strict: the lowest index wins ties, as in `nearest`.
                let closer = acc[p] < best[p];
                best[p] = if closer { acc[p] } else { best[p] };
                best_j[p] = if closer { j as u64 } else { best_j[p] };
            }
        }
        for p in 0..m {
            lab[p] = best_j[p] as u32;
            dst[p] = best[p];
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
    fn ties_go_to_lowest_index() {
        let c = [1.0, -1.0, 1.0];
        assert_eq!(nearest(&[0.0], &c, 1), (0, 1.0));
        let mut lab = [9];
        let mut dist = [0.0];
        nearest_rows(&[0.0], 1, &c, &mut lab, &mut dist);
        assert_eq!(lab[0], 0);
    }
}
