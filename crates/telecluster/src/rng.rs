//! The only door to randomness: one `u64` seed into ChaCha8.
//!
//! ChaCha8 is specified by its algorithm, so a seed gives the same stream on every platform and
//! every version of this crate (rand's `StdRng` makes no such promise). Independent streams
//! ([`Rng::stream`]) let parallel work (the runs of `n_init`, say) draw from the same seed without
//! depending on the order in which threads run.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded, reproducible random number generator.
#[derive(Clone, Debug)]
pub struct Rng {
    inner: ChaCha8Rng,
    spare_normal: Option<f64>,
}

impl Rng {
    /// A generator for `seed`, on stream 0.
    pub fn new(seed: u64) -> Self {
        Self::stream(seed, 0)
    }

    /// A generator for `seed` on an independent `stream` (e.g. the index of a run).
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        Rng {
            inner,
            spare_normal: None,
        }
    }

    /// 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform draw from `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform draw from `[low, high)`.
    pub fn uniform_in(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// A standard normal draw (Marsaglia's polar method; the second value of a pair is kept).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let m = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * m);
                return u * m;
            }
        }
    }

    /// A uniform integer in `0..n` without modulo bias (Lemire's method).
    ///
    /// # Panics
    /// If `n == 0`: there is nothing to draw from, which is a caller's bug.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below needs a non-empty range");
        let n = n as u64;
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as usize;
            }
        }
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// `k` distinct indices from `0..n`, in increasing order (Floyd's algorithm, O(k) memory).
    ///
    /// Returns all of `0..n` when `k >= n`.
    pub fn sample_indices(&mut self, n: usize, k: usize) -> Vec<usize> {
        if k >= n {
            return (0..n).collect();
        }
        // Floyd: for j in n-k..n, take a uniform t <= j, or j itself if t is taken already.
        // The set of taken indices is a bit per index when that is no bigger than the indices
        // themselves (a sample of 20,000 of 30,000 rows is drawn many times in a sweep), else
        // a hash set; both give the same indices.
        if n / 64 <= k {
            let mut bits = vec![0u64; n.div_ceil(64)];
            let mut take = |i: usize| {
                let (word, bit) = (i / 64, 1u64 << (i % 64));
                let fresh = bits[word] & bit == 0;
                bits[word] |= bit;
                fresh
            };
            for j in n - k..n {
                let t = self.below(j + 1);
                if !take(t) {
                    take(j);
                }
            }
            let mut chosen = Vec::with_capacity(k);
            for (w, &word) in bits.iter().enumerate() {
                let mut word = word;
                while word != 0 {
                    chosen.push(w * 64 + word.trailing_zeros() as usize);
                    word &= word - 1;
                }
            }
            return chosen;
        }
        let mut chosen = std::collections::HashSet::with_capacity(k);
        for j in n - k..n {
            let t = self.below(j + 1);
            if !chosen.insert(t) {
                chosen.insert(j);
            }
        }
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_indices_are_floyds_whichever_set_holds_them() {
        // The reference: Floyd's algorithm over an ordered set.
        let floyd = |seed: u64, n: usize, k: usize| {
            let mut rng = Rng::new(seed);
            let mut chosen = std::collections::BTreeSet::new();
            for j in n - k..n {
                let t = rng.below(j + 1);
                if !chosen.insert(t) {
                    chosen.insert(j);
                }
            }
            chosen.into_iter().collect::<Vec<_>>()
        };
        for (n, k) in [
            (10, 3),
            (64, 63),
            (130, 2),
            (1000, 15),
            (1000, 16),
            (30_000, 20_000),
            (1 << 20, 100),
        ] {
            for seed in 0..3 {
                let got = Rng::new(seed).sample_indices(n, k);
                assert_eq!(got, floyd(seed, n, k), "n {n} k {k}");
                assert_eq!(got.len(), k);
            }
        }
        assert_eq!(Rng::new(0).sample_indices(5, 9), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
        assert_ne!(Rng::stream(1, 0).next_u64(), Rng::stream(1, 1).next_u64());
    }

    #[test]
    fn uniform_is_in_range_and_centred() {
        let mut r = Rng::new(7);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.01);
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut r = Rng::new(3);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }

    #[test]
    fn below_covers_range_evenly() {
        let mut r = Rng::new(5);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[r.below(6)] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn sample_indices_are_distinct_sorted_and_complete_when_k_large() {
        let mut r = Rng::new(9);
        let s = r.sample_indices(100, 30);
        assert_eq!(s.len(), 30);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert!(s.iter().all(|&i| i < 100));
        assert_eq!(r.sample_indices(5, 10), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = Rng::new(11);
        let mut v: Vec<usize> = (0..50).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
