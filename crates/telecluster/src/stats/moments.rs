//! Column means, variances and ranges that merge: the per-feature statistics scaling and
//! K-Means' tolerance need, computed in pieces (a file streamed in batches, the partitions of a
//! Spark table) and combined with Chan, Golub and LeVeque's pairwise update, which keeps the
//! variance accurate where summing squares would cancel.

use crate::codec::{put_f64, put_u64, Reader};
use crate::error::{Error, Result};
use crate::matrix::MatrixRef;

const MAGIC: &[u8; 4] = b"TCmo";
const VERSION: u8 = 1;

/// Count, mean, sum of squared deviations, minimum and maximum of each column.
///
/// ```
/// use telecluster::stats::Moments;
/// use telecluster::Matrix;
/// let mut m = Moments::of(&Matrix::from_rows(&[[1.0, 10.0], [3.0, 10.0]])?);
/// m.merge(&Moments::of(&Matrix::from_rows(&[[5.0, 40.0]])?))?;
/// assert_eq!(m.mean(), [3.0, 20.0]);
/// assert_eq!(m.variance()[0], 8.0 / 3.0);
/// assert_eq!((m.min()[1], m.max()[1]), (10.0, 40.0));
/// # Ok::<(), telecluster::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    n: u64,
    mean: Vec<f64>,
    m2: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
}

impl Moments {
    /// No rows yet, `d` columns.
    pub fn new(d: usize) -> Self {
        Moments {
            n: 0,
            mean: vec![0.0; d],
            m2: vec![0.0; d],
            min: vec![f64::INFINITY; d],
            max: vec![f64::NEG_INFINITY; d],
        }
    }

    /// The moments of `x`'s rows (two passes: exact means, then deviations).
    pub fn of<'a>(x: impl Into<MatrixRef<'a>>) -> Self {
        let x = x.into();
        let d = x.n_cols();
        let mut m = Moments::new(d);
        m.n = x.n_rows() as u64;
        for j in 0..d {
            let col: Vec<f64> = x.column(j).collect();
            let mean = super::mean(&col);
            m.mean[j] = if col.is_empty() { 0.0 } else { mean };
            m.m2[j] = super::sum(col.iter().map(|v| (v - mean) * (v - mean)));
            m.min[j] = col.iter().copied().fold(f64::INFINITY, f64::min);
            m.max[j] = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        }
        m
    }

    /// Adds another part's rows.
    ///
    /// # Errors
    /// [`Error::State`] when the two have different numbers of columns.
    pub fn merge(&mut self, o: &Moments) -> Result<()> {
        if self.mean.len() != o.mean.len() {
            return Err(Error::State {
                what: "column moments",
                detail: format!("cannot merge {} columns with {}", self.mean.len(), o.mean.len()),
            });
        }
        if o.n == 0 {
            return Ok(());
        }
        if self.n == 0 {
            *self = o.clone();
            return Ok(());
        }
        let (na, nb) = (self.n as f64, o.n as f64);
        let n = na + nb;
        for j in 0..self.mean.len() {
            let delta = o.mean[j] - self.mean[j];
            self.mean[j] += delta * nb / n;
            self.m2[j] += o.m2[j] + delta * delta * na * nb / n;
            self.min[j] = self.min[j].min(o.min[j]);
            self.max[j] = self.max[j].max(o.max[j]);
        }
        self.n += o.n;
        Ok(())
    }

    /// Rows seen.
    pub fn n_rows(&self) -> u64 {
        self.n
    }

    /// Column means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Column population variances (numpy's `var`, ddof 0).
    pub fn variance(&self) -> Vec<f64> {
        self.m2
            .iter()
            .map(|m| if self.n > 0 { m / self.n as f64 } else { 0.0 })
            .collect()
    }

    /// Column minima.
    pub fn min(&self) -> &[f64] {
        &self.min
    }

    /// Column maxima.
    pub fn max(&self) -> &[f64] {
        &self.max
    }

    /// The mean over columns of the variance: the scale of K-Means' `tol`.
    pub fn mean_variance(&self) -> f64 {
        let v = self.variance();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    }

    /// The byte form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.push(VERSION);
        put_u64(&mut out, self.mean.len() as u64);
        put_u64(&mut out, self.n);
        for v in [&self.mean, &self.m2, &self.min, &self.max] {
            v.iter().for_each(|&x| put_f64(&mut out, x));
        }
        out
    }

    /// Reads [`Moments::to_bytes`]' form.
    ///
    /// # Errors
    /// [`Error::State`] for bytes that are not such a state.
    pub fn from_bytes(bytes: &[u8]) -> Result<Moments> {
        let mut r = Reader::new(bytes, "column moments");
        r.header(MAGIC, VERSION)?;
        let d = r.len()?;
        let n = r.u64()?;
        let mut read = || (0..d).map(|_| r.f64()).collect::<Result<Vec<f64>>>();
        let (mean, m2, min, max) = (read()?, read()?, read()?, read()?);
        r.end()?;
        let finite = mean.iter().chain(&m2).all(|v| v.is_finite()) && m2.iter().all(|&v| v >= 0.0);
        if !finite
            || (n > 0
                && min
                    .iter()
                    .zip(&max)
                    .any(|(a, b)| a.partial_cmp(b) != Some(std::cmp::Ordering::Less) && a != b))
        {
            return Err(r.bad("a moment is not a finite number"));
        }
        Ok(Moments { n, mean, m2, min, max })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_split_gives_the_whole_s_moments(
            rows in prop::collection::vec(prop::collection::vec(-1e6f64..1e6, 2), 1..200),
            cut in 0usize..200,
        ) {
            let cut = cut.min(rows.len());
            let x = Matrix::from_rows(&rows).unwrap();
            let whole = Moments::of(&x);
            let a = Moments::of(&x.select_rows(&(0..cut).collect::<Vec<_>>()));
            let b = Moments::of(&x.select_rows(&(cut..rows.len()).collect::<Vec<_>>()));
            let mut ab = Moments::from_bytes(&a.to_bytes()).unwrap();
            ab.merge(&b).unwrap();
            prop_assert_eq!(ab.n_rows(), whole.n_rows());
            for j in 0..2 {
                prop_assert!((ab.mean()[j] - whole.mean()[j]).abs() <= 1e-9 * whole.mean()[j].abs().max(1.0));
                let (v, w) = (ab.variance()[j], whole.variance()[j]);
                prop_assert!((v - w).abs() <= 1e-9 * w.max(1.0));
                prop_assert_eq!(ab.min()[j], whole.min()[j]);
                prop_assert_eq!(ab.max()[j], whole.max()[j]);
            }
        }
    }
}
