//! What telecluster sees in a table: each column's role and each feature's distribution.

use serde::Serialize;

use crate::data::table::{Role, Table};
use crate::matrix::Matrix;
use crate::stats;

/// Distribution of one feature (population std, linear-interpolation quantiles, as pandas).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureStats {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Population standard deviation (ddof = 0).
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// 50th percentile.
    pub median: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest value.
    pub max: f64,
}

impl FeatureStats {
    /// Statistics of `values`; every field is NaN (and `n` 0) for no values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let s = stats::sorted(values);
        let mean = stats::mean(&s);
        FeatureStats {
            n: s.len(),
            mean,
            std: stats::std(&s, mean),
            min: s.first().copied().unwrap_or(f64::NAN),
            median: stats::quantile_sorted(&s, 0.5),
            p95: stats::quantile_sorted(&s, 0.95),
            max: s.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// One column of the description.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnDescription {
    /// Header name.
    pub name: String,
    /// What telecluster uses the column for.
    pub role: Role,
    /// Distribution, for features only.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub stats: Option<FeatureStats>,
}

/// The description of a whole table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Description {
    /// Number of rows.
    pub rows: usize,
    /// Every column, in input order.
    pub columns: Vec<ColumnDescription>,
}

/// Describes `table`, taking feature values from `x` (the table's own matrix, or the same rows
/// after scaling) so the statistics can be shown in either space.
///
/// # Panics
/// If `x` does not have the table's rows and feature columns.
pub fn describe(table: &Table, x: &Matrix) -> Description {
    assert_eq!(
        (x.n_rows(), x.n_cols()),
        (table.n_rows(), table.features().len()),
        "describe: matrix and table disagree"
    );
    let mut feature = 0;
    let columns = table
        .layout()
        .iter()
        .map(|(name, role)| {
            let stats = (*role == Role::Feature).then(|| {
                feature += 1;
                FeatureStats::of(x.column(feature - 1))
            });
            ColumnDescription {
                name: name.clone(),
                role: *role,
                stats,
            }
        })
        .collect();
    Description {
        rows: table.n_rows(),
        columns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_match_hand_computed() {
        let s = FeatureStats::of([4.0, 1.0, 3.0, 2.0]);
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, 2.5);
        assert!((s.std - 1.25f64.sqrt()).abs() < 1e-15);
        assert_eq!((s.min, s.median, s.max), (1.0, 2.5, 4.0));
        assert!((s.p95 - 3.85).abs() < 1e-15);
    }

    #[test]
    fn describes_every_column_in_order() {
        let x = Matrix::from_rows(&[[1.0], [3.0]]).unwrap();
        let t = Table::from_matrix(vec!["lat".into()], x)
            .unwrap()
            .with_ids("host", vec!["a".into(), "b".into()])
            .unwrap();
        let d = describe(&t, t.x());
        assert_eq!(d.rows, 2);
        assert_eq!(d.columns[0].role, Role::Id);
        assert!(d.columns[0].stats.is_none());
        assert_eq!(d.columns[1].stats.as_ref().unwrap().mean, 2.0);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["columns"][1]["median"], 2.0);
        assert_eq!(json["columns"][0].get("mean"), None);
    }
}
