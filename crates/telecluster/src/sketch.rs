//! A mergeable quantile sketch with a guaranteed relative error (DDSketch, Masson, Rim and Lee,
//! VLDB 2019), for latencies aggregated over logs that are read in pieces.
//!
//! A positive value `x` falls in bucket `ceil(ln x / ln γ)` with `γ = (1 + α) / (1 − α)`; every
//! value in a bucket is within a relative `α` of the bucket's representative, so a quantile read
//! off the counts is within `α` of the exact order statistic. The state is integer counts (and
//! exact integer extremes), so merging sketches is exact and independent of order: a log read
//! by one thread or by many, in one file or in several, gives the same bits.
//!
//! Values are non-negative integers in a unit of the caller's choosing (telecluster counts
//! microseconds); zero, frequent in access logs that round to milliseconds, has its own count.

/// The relative accuracy of [`Sketch`]: quantiles are within 1 % of the exact ones.
pub const RELATIVE_ACCURACY: f64 = 0.01;

use crate::codec::{put_i64, put_u64, Reader};
use crate::error::Result;

/// A DDSketch over non-negative integers with relative accuracy [`RELATIVE_ACCURACY`].
///
/// ```
/// use telecluster::sketch::{Sketch, RELATIVE_ACCURACY};
/// let mut a = Sketch::new();
/// let mut b = Sketch::new();
/// for v in 1..=500u64 { a.add(v) }
/// for v in 501..=1000u64 { b.add(v) }
/// a.merge(&b);
/// let p95 = a.quantile(0.95).unwrap();
/// assert!((p95 - 950.0).abs() <= 950.0 * RELATIVE_ACCURACY);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sketch {
    zeros: u64,
    /// Counts of buckets `offset, offset + 1, ...`.
    counts: Vec<u64>,
    offset: i32,
    count: u64,
    min: u64,
    max: u64,
}

fn gamma_ln() -> f64 {
    ((1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)).ln()
}

fn bucket(v: u64) -> i32 {
    ((v as f64).ln() / gamma_ln()).ceil() as i32
}

/// The representative of bucket `i`: the point equally far, relatively, from its two bounds.
fn representative(i: i32) -> f64 {
    let g = gamma_ln();
    2.0 * (f64::from(i) * g).exp() / (g.exp() + 1.0)
}

impl Sketch {
    /// An empty sketch.
    pub fn new() -> Self {
        Sketch::default()
    }

    /// Values added (and merged in).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Adds one value.
    pub fn add(&mut self, v: u64) {
        if self.count == 0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.count += 1;
        if v == 0 {
            self.zeros += 1;
        } else {
            self.add_to_bucket(bucket(v), 1);
        }
    }

    fn add_to_bucket(&mut self, i: i32, n: u64) {
        if self.counts.is_empty() {
            self.offset = i;
            self.counts.push(0);
        } else if i < self.offset {
            let grow = (self.offset - i) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = i;
        } else if (i - self.offset) as usize >= self.counts.len() {
            self.counts.resize((i - self.offset) as usize + 1, 0);
        }
        self.counts[(i - self.offset) as usize] += n;
    }

    /// Adds every value of `other` to this sketch: the result is the sketch of both inputs,
    /// whatever the order of merging.
    pub fn merge(&mut self, other: &Sketch) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.count += other.count;
        self.zeros += other.zeros;
        for (k, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                self.add_to_bucket(other.offset + k as i32, c);
            }
        }
    }

    /// Appends the sketch's byte form: the same values give the same bytes, however they were
    /// split and merged.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        put_u64(out, self.count);
        if self.count == 0 {
            return;
        }
        put_u64(out, self.zeros);
        put_u64(out, self.min);
        put_u64(out, self.max);
        // Trailing and leading empty buckets are not state: merging may leave them.
        let first = self.counts.iter().position(|&c| c > 0).unwrap_or(self.counts.len());
        let last = self.counts.iter().rposition(|&c| c > 0).map_or(first, |i| i + 1);
        put_i64(out, i64::from(self.offset) + first as i64);
        put_u64(out, (last - first) as u64);
        for &c in &self.counts[first..last] {
            put_u64(out, c);
        }
    }

    /// Reads a sketch written by [`Sketch::write`], checking that its counts add up.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Sketch> {
        let count = r.u64()?;
        if count == 0 {
            return Ok(Sketch::new());
        }
        let (zeros, min, max) = (r.u64()?, r.u64()?, r.u64()?);
        let offset = r.i64()?;
        let n = r.len()?;
        // Bucket indices of u64 values lie in 0..=2219 for a 1 % sketch.
        if !(0..=4096).contains(&offset) || min > max || (min == 0) != (zeros > 0) {
            return Err(r.bad("a latency sketch's buckets or extremes are out of range"));
        }
        let counts = (0..n).map(|_| r.u64()).collect::<Result<Vec<u64>>>()?;
        let total = counts.iter().try_fold(zeros, |a, &c| a.checked_add(c));
        if total != Some(count) || counts.first() == Some(&0) || counts.last() == Some(&0) {
            return Err(r.bad("a latency sketch's counts do not add up"));
        }
        Ok(Sketch {
            zeros,
            counts,
            offset: offset as i32,
            count,
            min,
            max,
        })
    }

    /// The `q`-quantile (0 ≤ q ≤ 1): within [`RELATIVE_ACCURACY`] of the exact order statistic
    /// of rank `⌊q (n − 1)⌋` (0-based) of the values added, and never outside their range;
    /// `None` for an empty sketch.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        if rank < self.zeros {
            return Some(0.0);
        }
        let mut seen = self.zeros;
        for (k, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                let v = representative(self.offset + k as i32);
                return Some(v.clamp(self.min as f64, self.max as f64));
            }
        }
        Some(self.max as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exact(sorted: &[u64], q: f64) -> f64 {
        sorted[(q * (sorted.len() - 1) as f64).floor() as usize] as f64
    }

    proptest! {
        #[test]
        fn quantiles_are_within_the_stated_error_of_the_exact_ones(
            v in prop::collection::vec(prop_oneof![Just(0u64), 1u64..10_000_000], 1..400),
            q in 0.0f64..=1.0,
        ) {
            let mut s = Sketch::new();
            v.iter().for_each(|&x| s.add(x));
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let (got, want) = (s.quantile(q).unwrap(), exact(&sorted, q));
            prop_assert!((got - want).abs() <= want * RELATIVE_ACCURACY + 1e-9, "{got} vs {want}");
        }

        #[test]
        fn merging_in_any_split_gives_the_same_sketch(
            v in prop::collection::vec(0u64..1_000_000, 0..300),
            cut in 0usize..300,
        ) {
            let cut = cut.min(v.len());
            let mut whole = Sketch::new();
            v.iter().for_each(|&x| whole.add(x));
            let (mut a, mut b) = (Sketch::new(), Sketch::new());
            v[..cut].iter().for_each(|&x| a.add(x));
            v[cut..].iter().for_each(|&x| b.add(x));
            let mut ba = b.clone();
            ba.merge(&a);
            a.merge(&b);
            prop_assert_eq!(&a, &ba);
            let (mut bytes, mut whole_bytes) = (Vec::new(), Vec::new());
            a.write(&mut bytes);
            whole.write(&mut whole_bytes);
            prop_assert_eq!(&bytes, &whole_bytes);
            let back = Sketch::read(&mut Reader::new(&bytes, "test")).unwrap();
            let mut again = Vec::new();
            back.write(&mut again);
            prop_assert_eq!(&again, &whole_bytes);
            prop_assert_eq!(back.quantile(0.5).map(f64::to_bits), whole.quantile(0.5).map(f64::to_bits));
            for q in [0.0, 0.5, 0.95, 0.99, 1.0] {
                prop_assert_eq!(a.quantile(q).map(f64::to_bits), whole.quantile(q).map(f64::to_bits));
            }
        }
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(Sketch::new().quantile(0.5), None);
        let mut s = Sketch::new();
        s.add(1234);
        assert_eq!(s.quantile(0.0), Some(1234.0));
        assert_eq!(s.quantile(1.0), Some(1234.0));
    }
}
