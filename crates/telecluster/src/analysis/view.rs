//! The plane every scatter plot is drawn on: two features in their own units, or the first two
//! principal components of wider data.

use serde::Serialize;

use crate::data::table::Table;
use crate::error::{Error, Result};
use crate::format::axis_label;
use crate::matrix::Matrix;
use crate::prep::pca::Pca;
use crate::prep::Prep;

/// The points drawn on every scatter plot.
#[derive(Clone, Debug, Serialize)]
pub struct View {
    /// The x axis' title.
    pub x_label: String,
    /// The y axis' title.
    pub y_label: String,
    /// Whether the axes are principal components (the data has more than two features).
    pub principal_components: bool,
    /// The points (n × 2).
    #[serde(skip)]
    pub points: Matrix,
    /// Centroids in the same coordinates (k × 2).
    #[serde(skip)]
    pub centroids: Matrix,
}

/// The coordinates of a scatter plot: two features in original units (the named ones, or the
/// only two), or else the first two principal components of the scaled features `z`.
/// `centroids` (original units, possibly no rows) are mapped to the same plane.
///
/// # Errors
/// [`Error::UnknownColumn`] for an axis that names no feature.
pub fn plane(
    table: &Table,
    z: &Matrix,
    prep: &Prep,
    centroids: &Matrix,
    axes: Option<&(String, String)>,
) -> Result<View> {
    let x = table.x();
    let pick = |name: &str| {
        table.feature_index(name).ok_or_else(|| Error::UnknownColumn {
            path: table.source().into(),
            name: name.into(),
            available: table.features().to_vec(),
        })
    };
    let (a, b) = match axes {
        Some((a, b)) => (pick(a)?, pick(b)?),
        None if x.n_cols() <= 2 => (0, 1.min(x.n_cols() - 1)),
        None => {
            let pca = Pca::fit(z, 2);
            let points = pca.transform(z);
            let cz = prep.transform(centroids)?;
            return Ok(View {
                x_label: format!(
                    "principal component 1 ({:.0}% of the variance)",
                    100.0 * pca.explained[0]
                ),
                y_label: format!(
                    "principal component 2 ({:.0}% of the variance)",
                    100.0 * pca.explained[1]
                ),
                principal_components: true,
                centroids: pca.transform(&cz),
                points,
            });
        }
    };
    let two = |m: &Matrix| Matrix::new(m.rows().flat_map(|r| [r[a], r[b]]).collect(), m.n_rows(), 2);
    let names = table.features();
    Ok(View {
        x_label: axis_label(&names[a]),
        y_label: axis_label(&names[b]),
        principal_components: false,
        points: two(x)?,
        centroids: two(centroids)?,
    })
}
