//! Feature scaling with scikit-learn's semantics, reversible so results are reported in the
//! telemetry's own units.
//!
//! Every scaler here is an affine map per column, `(x - center) / scale`, which is what makes
//! `inverse_transform` exact up to rounding:
//!
//! | kind | center | scale | scikit-learn |
//! |---|---|---|---|
//! | standard | mean | population std | `StandardScaler()` |
//! | robust | median | IQR (75th − 25th percentile) | `RobustScaler()` |
//! | minmax | min | max − min | `MinMaxScaler()` |
//! | none | 0 | 1 | — |
//!
//! A constant column gets scale 1, as in scikit-learn (for `standard`, "constant" means a
//! variance within the rounding error of the two-pass algorithm; for the others, a scale below
//! 10 ε), so it maps to zeros instead of dividing by zero.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Param, Result};
use crate::matrix::Matrix;
use crate::stats::{self, Moments};

/// Which scaling to apply to every feature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    /// Zero mean, unit (population) variance.
    #[default]
    Standard,
    /// Zero median, unit interquartile range: outliers do not set the scale.
    Robust,
    /// Onto [0, 1].
    MinMax,
    /// No scaling.
    None,
}

impl Scaling {
    /// The name used on the command line and in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Scaling::Standard => "standard",
            Scaling::Robust => "robust",
            Scaling::MinMax => "minmax",
            Scaling::None => "none",
        }
    }
}

impl fmt::Display for Scaling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scaling {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "standard" => Ok(Scaling::Standard),
            "robust" => Ok(Scaling::Robust),
            "minmax" => Ok(Scaling::MinMax),
            "none" => Ok(Scaling::None),
            other => Err(Error::invalid(
                Param::Scaling,
                other,
                "must be one of standard, robust, minmax, none",
            )),
        }
    }
}

/// A fitted per-column affine scaler: `(x - center) / scale`.
///
/// # Examples
/// ```
/// use telecluster::{Matrix, prep::{Scaler, Scaling}};
/// let x = Matrix::from_rows(&[[1.0, 10.0], [3.0, 10.0]]).unwrap();
/// let s = Scaler::fit(Scaling::Standard, &x);
/// let z = s.transform(&x).unwrap();
/// assert_eq!(z.as_slice(), &[-1.0, 0.0, 1.0, 0.0]); // the constant column maps to 0
/// assert_eq!(s.inverse_transform(&z).unwrap(), x);
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scaler {
    kind: Scaling,
    center: Vec<f64>,
    scale: Vec<f64>,
}

impl Scaler {
    /// Learns the centre and scale of each column of `x`.
    pub fn fit(kind: Scaling, x: &Matrix) -> Self {
        let d = x.n_cols();
        let n = x.n_rows();
        let mut center = vec![0.0; d];
        let mut scale = vec![1.0; d];
        let mut column = Vec::with_capacity(n);
        for j in 0..d {
            column.clear();
            column.extend(x.column(j));
            let (c, s) = match kind {
                Scaling::None => (0.0, 1.0),
                Scaling::Standard => {
                    let mean = stats::mean(&column);
                    let std = stats::std(&column, mean);
                    // scikit-learn's `_is_constant_feature`: var within the two-pass error
                    // bound n·ε·var + (n·mean·ε)², written on the standard deviation so that
                    // it holds where the variance would overflow or underflow.
                    let eps = f64::EPSILON;
                    let nf = n as f64;
                    let constant = std * (1.0 - nf * eps).max(0.0).sqrt() <= nf * mean.abs() * eps;
                    (mean, if constant { 1.0 } else { std })
                }
                Scaling::Robust => {
                    column.sort_unstable_by(f64::total_cmp);
                    let q1 = stats::quantile_sorted(&column, 0.25);
                    let q3 = stats::quantile_sorted(&column, 0.75);
                    (stats::quantile_sorted(&column, 0.5), non_zero(q3 - q1))
                }
                Scaling::MinMax => {
                    let lo = column.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = column.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (lo, non_zero(hi - lo))
                }
            };
            center[j] = if c.is_finite() { c } else { 0.0 };
            scale[j] = if s.is_finite() { s } else { 1.0 };
        }
        Scaler { kind, center, scale }
    }

    /// The scaler [`Scaler::fit`] learns, from column moments gathered in pieces (a file read
    /// in batches): standard and min-max scaling need only means, variances and ranges.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for robust scaling, whose quartiles need every value at once.
    pub fn from_moments(kind: Scaling, m: &Moments) -> Result<Self> {
        let d = m.mean().len();
        let nf = m.n_rows() as f64;
        let var = m.variance();
        let (center, scale): (Vec<f64>, Vec<f64>) = (0..d)
            .map(|j| match kind {
                Scaling::None => (0.0, 1.0),
                Scaling::Standard => {
                    let (mean, std) = (m.mean()[j], var[j].sqrt());
                    let eps = f64::EPSILON;
                    let constant = std * (1.0 - nf * eps).max(0.0).sqrt() <= nf * mean.abs() * eps;
                    (mean, if constant { 1.0 } else { std })
                }
                Scaling::Robust => (0.0, 1.0),
                Scaling::MinMax => (m.min()[j], non_zero(m.max()[j] - m.min()[j])),
            })
            .map(|(c, s): (f64, f64)| (if c.is_finite() { c } else { 0.0 }, if s.is_finite() { s } else { 1.0 }))
            .unzip();
        if kind == Scaling::Robust {
            return Err(Error::invalid(
                Param::Scaling,
                "robust",
                "needs every row at once (its quartiles); standard, minmax or none work in one pass",
            ));
        }
        Ok(Scaler { kind, center, scale })
    }

    /// The scaling this scaler applies.
    pub fn kind(&self) -> Scaling {
        self.kind
    }

    /// Per-column centre (mean, median or min), in the units of the fitted data.
    pub fn center(&self) -> &[f64] {
        &self.center
    }

    /// Per-column scale (std, IQR or range; 1 for constant columns).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Scales `x`.
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] if the width differs from the fitted data;
    /// [`Error::NotFinite`] if a value overflows.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix> {
        self.check_width(x.n_cols())?;
        let mut out = x.clone();
        out.try_map_in_place(|j, v| (v - self.center[j]) / self.scale[j])?;
        Ok(out)
    }

    /// Maps scaled values back to original units.
    ///
    /// # Errors
    /// As for [`Scaler::transform`].
    pub fn inverse_transform(&self, z: &Matrix) -> Result<Matrix> {
        self.check_width(z.n_cols())?;
        let mut out = z.clone();
        out.try_map_in_place(|j, v| v * self.scale[j] + self.center[j])?;
        Ok(out)
    }

    /// Maps one scaled row back to original units.
    ///
    /// # Panics
    /// If the row's width differs from the fitted data.
    pub fn inverse_row(&self, z: &[f64]) -> Vec<f64> {
        assert_eq!(z.len(), self.center.len(), "inverse_row: width mismatch");
        z.iter()
            .enumerate()
            .map(|(j, v)| v * self.scale[j] + self.center[j])
            .collect()
    }

    fn check_width(&self, got: usize) -> Result<()> {
        if got != self.center.len() {
            return Err(Error::FeatureMismatch {
                expected: self.center.len(),
                got,
            });
        }
        Ok(())
    }
}

/// scikit-learn's `_handle_zeros_in_scale`: a scale below 10 ε becomes 1.
fn non_zero(scale: f64) -> f64 {
    if scale < 10.0 * f64::EPSILON {
        1.0
    } else {
        scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Matrix {
        Matrix::from_rows(&[[1.0, 100.0], [2.0, 300.0], [3.0, 200.0], [10.0, 400.0]]).unwrap()
    }

    #[test]
    fn standard_has_zero_mean_unit_variance() {
        let z = Scaler::fit(Scaling::Standard, &x()).transform(&x()).unwrap();
        for j in 0..2 {
            let col: Vec<f64> = z.column(j).collect();
            let m = stats::mean(&col);
            assert!(m.abs() < 1e-15);
            assert!((stats::variance(&col, m) - 1.0).abs() < 1e-14);
        }
    }

    #[test]
    fn robust_uses_median_and_iqr() {
        let s = Scaler::fit(Scaling::Robust, &x());
        // column 0 sorted: 1 2 3 10 -> median 2.5, q1 1.75, q3 4.75
        assert_eq!(s.center()[0], 2.5);
        assert_eq!(s.scale()[0], 3.0);
    }

    #[test]
    fn minmax_maps_onto_unit_interval() {
        let z = Scaler::fit(Scaling::MinMax, &x()).transform(&x()).unwrap();
        assert_eq!(z.column(0).collect::<Vec<_>>(), vec![0.0, 1.0 / 9.0, 2.0 / 9.0, 1.0]);
    }

    #[test]
    fn constant_columns_get_scale_one_for_every_kind() {
        let c = Matrix::from_rows(&[[5.0], [5.0], [5.0]]).unwrap();
        for kind in [Scaling::Standard, Scaling::Robust, Scaling::MinMax, Scaling::None] {
            let s = Scaler::fit(kind, &c);
            assert_eq!(s.scale(), &[1.0], "{kind}");
            let z = s.transform(&c).unwrap();
            assert!(z.as_slice().iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn inverse_round_trips() {
        for kind in [Scaling::Standard, Scaling::Robust, Scaling::MinMax, Scaling::None] {
            let s = Scaler::fit(kind, &x());
            let back = s.inverse_transform(&s.transform(&x()).unwrap()).unwrap();
            for (a, b) in back.as_slice().iter().zip(x().as_slice()) {
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{kind}: {a} vs {b}");
            }
            assert_eq!(s.inverse_row(s.transform(&x()).unwrap().row(3)).len(), 2);
        }
    }

    #[test]
    fn width_mismatch_is_an_error() {
        let s = Scaler::fit(Scaling::Standard, &x());
        let narrow = Matrix::from_rows(&[[1.0]]).unwrap();
        assert!(matches!(
            s.transform(&narrow),
            Err(Error::FeatureMismatch { expected: 2, got: 1 })
        ));
    }

    #[test]
    fn parses_names() {
        assert_eq!("robust".parse::<Scaling>().unwrap(), Scaling::Robust);
        assert!("zscore".parse::<Scaling>().is_err());
    }

    proptest::proptest! {
        #[test]
        fn inverse_transform_round_trips_random_data(
            rows in proptest::collection::vec(proptest::collection::vec(-1e6f64..1e6, 3), 1..40),
            kind in proptest::sample::select(vec![Scaling::Standard, Scaling::Robust, Scaling::MinMax, Scaling::None]),
        ) {
            let x = Matrix::from_rows(&rows).unwrap();
            let s = Scaler::fit(kind, &x);
            let back = s.inverse_transform(&s.transform(&x).unwrap()).unwrap();
            for (a, b) in back.as_slice().iter().zip(x.as_slice()) {
                proptest::prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{} vs {}", a, b);
            }
        }
    }
}
