//! Preparing features for the engines: `log1p` on heavy-tailed columns, then scaling.
//!
//! A fitted [`Prep`] is reversible, so anything computed in the scaled space (centroids,
//! medians) is reported back in the telemetry's own units.

pub mod pca;
mod scale;

pub use scale::{Scaler, Scaling};

use crate::error::{Error, Param, Place, Result};
use crate::matrix::Matrix;
use crate::stats::Moments;

/// What to do to the features before clustering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrepParams {
    scaling: Scaling,
    log1p: Vec<usize>,
}

impl PrepParams {
    /// Scaling only.
    pub fn new(scaling: Scaling) -> Self {
        PrepParams {
            scaling,
            log1p: Vec::new(),
        }
    }

    /// Applies `ln(1 + x)` to these feature columns (by index) before scaling; latency and byte
    /// counts are heavy-tailed, and a log makes "ten times slower" a fixed distance.
    pub fn log1p(mut self, columns: Vec<usize>) -> Self {
        self.log1p = columns;
        self
    }

    /// The scaling.
    pub fn scaling(&self) -> Scaling {
        self.scaling
    }
}

/// A fitted preparation: which columns get `log1p`, and the scaler fitted after it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Prep {
    log1p: Vec<bool>,
    scaler: Scaler,
}

/// The largest magnitude of a prepared value. Distances square differences, and a difference
/// beyond about 1e154 squares to infinity; a row that far out (unscaled data, or a robust scale
/// far smaller than an outlier) is held at this bound: still the farthest of all, and every
/// distance and score stays finite.
pub const PREPARED_LIMIT: f64 = 1e150;

fn clamp(mut z: Matrix) -> Result<Matrix> {
    z.try_map_in_place(|_, v| v.clamp(-PREPARED_LIMIT, PREPARED_LIMIT))?;
    Ok(z)
}

impl Prep {
    /// Fits on `x` (whose columns are called `names`) and returns the prepared matrix.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a `log1p` column index out of range; [`Error::Domain`] (with
    /// the row; [`crate::Table::locate`] turns it into a file position) for a value ≤ −1 in a
    /// `log1p` column; [`Error::NotFinite`] if scaling overflows.
    pub fn fit_transform(params: &PrepParams, x: &Matrix, names: &[String]) -> Result<(Prep, Matrix)> {
        let d = x.n_cols();
        let mut log1p = vec![false; d];
        for &j in &params.log1p {
            if j >= d {
                return Err(Error::invalid(Param::Log1p, j, format!("must be < {d}")));
            }
            log1p[j] = true;
        }
        let logged = apply_log1p(&log1p, x, names)?;
        let scaler = Scaler::fit(params.scaling, &logged);
        let z = clamp(scaler.transform(&logged)?)?;
        Ok((Prep { log1p, scaler }, z))
    }

    /// The `log1p` part of `params` alone (no scaling): what a streamed fit applies to every
    /// batch before it has seen enough rows to scale (see [`Prep::with_scaler`]).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a `log1p` column index out of range.
    pub fn log1p_only(params: &PrepParams, d: usize) -> Result<Prep> {
        let mut log1p = vec![false; d];
        for &j in &params.log1p {
            if j >= d {
                return Err(Error::invalid(Param::Log1p, j, format!("must be < {d}")));
            }
            log1p[j] = true;
        }
        let unit = Moments::new(d);
        Ok(Prep {
            log1p,
            scaler: Scaler::from_moments(Scaling::None, &unit)?,
        })
    }

    /// This preparation's `log1p`, followed by `scaler` (fitted on values after `log1p`, e.g.
    /// by [`Scaler::from_moments`]).
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] when the scaler is for another width.
    pub fn with_scaler(&self, scaler: Scaler) -> Result<Prep> {
        if scaler.center().len() != self.log1p.len() {
            return Err(Error::FeatureMismatch {
                expected: self.log1p.len(),
                got: scaler.center().len(),
            });
        }
        Ok(Prep {
            log1p: self.log1p.clone(),
            scaler,
        })
    }

    /// Prepares new rows the way the fitted data was prepared.
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] for another width; [`Error::Domain`] for a value ≤ −1 in a
    /// `log1p` column; [`Error::NotFinite`] on overflow.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix> {
        if x.n_cols() != self.log1p.len() {
            return Err(Error::FeatureMismatch {
                expected: self.log1p.len(),
                got: x.n_cols(),
            });
        }
        let logged = apply_log1p(&self.log1p, x, &[])?;
        clamp(self.scaler.transform(&logged)?)
    }

    /// Maps prepared values back to original units (undoing the scaling, then `log1p`).
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] for another width; [`Error::NotFinite`] on overflow.
    pub fn inverse_transform(&self, z: &Matrix) -> Result<Matrix> {
        let mut x = self.scaler.inverse_transform(z)?;
        x.try_map_in_place(|j, v| if self.log1p[j] { v.exp_m1() } else { v })?;
        Ok(x)
    }

    /// The number of features it prepares.
    pub fn width(&self) -> usize {
        self.log1p.len()
    }

    /// The fitted scaler.
    pub fn scaler(&self) -> &Scaler {
        &self.scaler
    }

    /// Which columns get `log1p`.
    pub fn log1p_columns(&self) -> &[bool] {
        &self.log1p
    }
}

/// `ln(1 + x)` on the marked columns; `names` (possibly empty) name the columns in errors.
fn apply_log1p(log1p: &[bool], x: &Matrix, names: &[String]) -> Result<Matrix> {
    let mut out = x.clone();
    if !log1p.iter().any(|&b| b) {
        return Ok(out);
    }
    for (i, row) in x.rows().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if log1p[j] && v <= -1.0 {
                return Err(Error::Domain {
                    at: Place::Row(i),
                    column: names.get(j).cloned().unwrap_or_else(|| format!("column {}", j + 1)),
                    value: v,
                    rule: "is outside log1p's domain (values must be > -1)",
                });
            }
        }
    }
    out.try_map_in_place(|j, v| if log1p[j] { v.ln_1p() } else { v })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["latency_ms".into(), "errors".into()]
    }

    #[test]
    fn log1p_then_scale_round_trips() {
        let x = Matrix::from_rows(&[[10.0, 0.0], [1000.0, 1.0], [100.0, 2.0]]).unwrap();
        let p = PrepParams::new(Scaling::Standard).log1p(vec![0]);
        let (prep, z) = Prep::fit_transform(&p, &x, &names()).unwrap();
        assert_eq!(prep.transform(&x).unwrap(), z);
        let back = prep.inverse_transform(&z).unwrap();
        for (a, b) in back.as_slice().iter().zip(x.as_slice()) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0));
        }
    }

    #[test]
    fn log1p_domain_is_checked_with_the_row() {
        let x = Matrix::from_rows(&[[1.0, 0.0], [-2.0, 1.0]]).unwrap();
        let p = PrepParams::new(Scaling::None).log1p(vec![0]);
        match Prep::fit_transform(&p, &x, &names()) {
            Err(Error::Domain { at, column, .. }) => {
                assert_eq!(at, Place::Row(1));
                assert_eq!(column, "latency_ms");
            }
            other => panic!("unexpected {other:?}"),
        }
        let bad = PrepParams::new(Scaling::None).log1p(vec![5]);
        assert!(matches!(
            Prep::fit_transform(&bad, &x, &names()),
            Err(Error::InvalidParam { .. })
        ));
    }
}
