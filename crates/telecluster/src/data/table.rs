//! `Table`: what every input source fills and every engine reads.
//!
//! A table is the feature matrix plus what the user needs to recognise and trace each row: the
//! entity id (an endpoint, a host), the other columns carried through untouched to the outputs,
//! and where each row came from ([`Provenance`]: its line in the input file, or the labels of
//! the series it was computed from), so errors found later still name where to look.

use crate::error::{Error, Location, Place, Result};
use crate::matrix::Matrix;

/// What a column of the input is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Names the entity a row describes (shown in outputs, never clustered).
    Id,
    /// A numeric feature that is clustered on.
    Feature,
    /// Carried through to the outputs untouched.
    Carried,
}

impl Role {
    /// The role's name as outputs print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Id => "id",
            Role::Feature => "feature",
            Role::Carried => "carried",
        }
    }
}

/// A named column of text values (ids and carried columns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextColumn {
    /// The header name.
    pub name: String,
    /// One value per row.
    pub values: Vec<String>,
}

/// Where a table's rows came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Provenance {
    /// Built in memory: rows are known by their number.
    #[default]
    Memory,
    /// Read from a text file: the 1-based line of each row.
    Lines(Vec<u64>),
    /// Computed from labelled series (a Prometheus query, say): each row's labels, as the
    /// source writes them (`{job="api", instance="10.0.0.1:9100"}`).
    Series(Vec<String>),
}

impl Provenance {
    fn select(&self, indices: &[usize]) -> Provenance {
        match self {
            Provenance::Memory => Provenance::Memory,
            Provenance::Lines(l) => Provenance::Lines(indices.iter().map(|&i| l[i]).collect()),
            Provenance::Series(s) => Provenance::Series(indices.iter().map(|&i| s[i].clone()).collect()),
        }
    }

    fn len(&self) -> Option<usize> {
        match self {
            Provenance::Memory => None,
            Provenance::Lines(l) => Some(l.len()),
            Provenance::Series(s) => Some(s.len()),
        }
    }
}

/// Feature matrix, entity ids, carried columns and row provenance.
///
/// # Examples
/// ```
/// use telecluster::{Matrix, Table};
/// let x = Matrix::from_rows(&[[52.0, 0.1], [480.0, 0.2]]).unwrap();
/// let t = Table::from_matrix(vec!["latency_ms".into(), "error_rate_pct".into()], x)
///     .unwrap()
///     .with_ids("endpoint", vec!["GET /a".into(), "GET /b".into()])
///     .unwrap();
/// assert_eq!(t.label(1), "GET /b");
/// assert_eq!(t.feature_index("error_rate_pct"), Some(1));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    source: String,
    layout: Vec<(String, Role)>,
    features: Vec<String>,
    x: Matrix,
    ids: Option<TextColumn>,
    carried: Vec<TextColumn>,
    provenance: Provenance,
}

impl Table {
    /// A table of features only, with no ids, no carried columns and no file behind it.
    ///
    /// # Errors
    /// [`Error::Shape`] if the number of names differs from the matrix width;
    /// [`Error::DuplicateColumn`] if a name repeats.
    pub fn from_matrix(features: Vec<String>, x: Matrix) -> Result<Self> {
        if features.len() != x.n_cols() {
            return Err(Error::Shape {
                rows: x.n_rows(),
                cols: features.len(),
                got: x.as_slice().len(),
            });
        }
        let layout = features.iter().map(|f| (f.clone(), Role::Feature)).collect();
        let t = Table {
            source: "<memory>".into(),
            layout,
            features,
            x,
            ids: None,
            carried: Vec::new(),
            provenance: Provenance::Memory,
        };
        t.check_names()?;
        Ok(t)
    }

    /// Adds the entity id column (placed first in outputs).
    ///
    /// # Errors
    /// [`Error::Shape`] if there is not one value per row; [`Error::DuplicateColumn`] if the
    /// name is taken.
    pub fn with_ids(mut self, name: impl Into<String>, values: Vec<String>) -> Result<Self> {
        let name = name.into();
        self.check_len(values.len())?;
        self.layout.insert(0, (name.clone(), Role::Id));
        self.ids = Some(TextColumn { name, values });
        self.check_names()?;
        Ok(self)
    }

    /// Adds a carried column (placed last in outputs).
    ///
    /// # Errors
    /// As for [`Table::with_ids`].
    pub fn with_carried(mut self, name: impl Into<String>, values: Vec<String>) -> Result<Self> {
        let name = name.into();
        self.check_len(values.len())?;
        self.layout.push((name.clone(), Role::Carried));
        self.carried.push(TextColumn { name, values });
        self.check_names()?;
        Ok(self)
    }

    /// Names where the data came from (a file, a server), as messages should show it.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }

    /// Records where each row came from.
    ///
    /// # Panics
    /// If the provenance does not have one entry per row.
    pub fn with_provenance(mut self, provenance: Provenance) -> Self {
        assert!(
            provenance.len().is_none_or(|n| n == self.x.n_rows()),
            "one provenance entry per row"
        );
        self.provenance = provenance;
        self
    }

    /// Assembles a table a reader filled: `layout` from the schema step, and the columns and
    /// provenance it read; the reader guarantees one value per row in each.
    pub(crate) fn from_source(
        source: String,
        layout: Vec<(String, Role)>,
        x: Matrix,
        ids: Option<TextColumn>,
        carried: Vec<TextColumn>,
        provenance: Provenance,
    ) -> Self {
        let features = layout
            .iter()
            .filter(|(_, r)| *r == Role::Feature)
            .map(|(n, _)| n.clone())
            .collect();
        debug_assert!(provenance.len().is_none_or(|n| n == x.n_rows()));
        Table {
            source,
            layout,
            features,
            x,
            ids,
            carried,
            provenance,
        }
    }

    fn check_len(&self, len: usize) -> Result<()> {
        if len != self.x.n_rows() {
            return Err(Error::Shape {
                rows: self.x.n_rows(),
                cols: 1,
                got: len,
            });
        }
        Ok(())
    }

    fn check_names(&self) -> Result<()> {
        // A set, not a scan of the names before each one: wide tables have thousands.
        let mut seen = std::collections::HashSet::with_capacity(self.layout.len());
        for (i, (name, _)) in self.layout.iter().enumerate() {
            if !seen.insert(name.as_str()) {
                return Err(Error::DuplicateColumn {
                    at: Location::line(self.source.clone(), 1).at_column(i + 1),
                    name: name.clone(),
                });
            }
        }
        Ok(())
    }

    /// Where the data came from, as the user named it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every column of the input, in input order, with its role.
    pub fn layout(&self) -> &[(String, Role)] {
        &self.layout
    }

    /// Names of the feature columns, in matrix column order.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Index of the feature called `name`.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f == name)
    }

    /// The feature matrix, in original units.
    pub fn x(&self) -> &Matrix {
        &self.x
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.x.n_rows()
    }

    /// The id column, if the input has one.
    pub fn ids(&self) -> Option<&TextColumn> {
        self.ids.as_ref()
    }

    /// The carried columns, in input order.
    pub fn carried(&self) -> &[TextColumn] {
        &self.carried
    }

    /// A name for row `i` that a person recognises: its id, or `row N` (1-based) without one.
    pub fn label(&self, i: usize) -> String {
        match &self.ids {
            Some(c) => c.values[i].clone(),
            None => format!("row {}", i + 1),
        }
    }

    /// Where the rows came from.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// Where row `i` is: its input line, or its series' labels, or else its row number.
    pub fn place(&self, i: usize) -> Place {
        match &self.provenance {
            Provenance::Lines(l) if i < l.len() => Place::At(Location::line(self.source.clone(), l[i])),
            Provenance::Series(s) if i < s.len() => Place::Series {
                source: self.source.clone(),
                labels: s[i].clone(),
            },
            _ => Place::Row(i),
        }
    }

    /// Replaces row numbers in `err` by input positions (line, and the feature's field number).
    ///
    /// Engines and scalers see only a matrix, so they report rows; this puts the file back.
    pub fn locate(&self, err: Error) -> Error {
        match err {
            Error::Domain {
                at: Place::Row(r),
                column,
                value,
                rule,
            } if r < self.n_rows() => {
                let at = match self.place(r) {
                    Place::At(loc) => match self.layout.iter().position(|(n, _)| *n == column) {
                        Some(j) => Place::At(loc.at_column(j + 1)),
                        None => Place::At(loc),
                    },
                    p => p,
                };
                Error::Domain {
                    at,
                    column,
                    value,
                    rule,
                }
            }
            other => other,
        }
    }

    /// A table holding the given rows, in the given order (ids, carried values and lines follow).
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn select_rows(&self, indices: &[usize]) -> Table {
        let pick = |c: &TextColumn| TextColumn {
            name: c.name.clone(),
            values: indices.iter().map(|&i| c.values[i].clone()).collect(),
        };
        Table {
            source: self.source.clone(),
            layout: self.layout.clone(),
            features: self.features.clone(),
            x: self.x.select_rows(indices),
            ids: self.ids.as_ref().map(pick),
            carried: self.carried.iter().map(pick).collect(),
            provenance: self.provenance.select(indices),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Table {
        let x = Matrix::from_rows(&[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]).unwrap();
        Table::from_matrix(vec!["a".into(), "b".into()], x)
            .unwrap()
            .with_ids("id", vec!["x".into(), "y".into(), "z".into()])
            .unwrap()
            .with_carried("tag", vec!["p".into(), "q".into(), "r".into()])
            .unwrap()
    }

    #[test]
    fn layout_orders_id_features_carried() {
        let t = small();
        let roles: Vec<Role> = t.layout().iter().map(|(_, r)| *r).collect();
        assert_eq!(roles, vec![Role::Id, Role::Feature, Role::Feature, Role::Carried]);
        assert_eq!(t.label(2), "z");
        assert_eq!(t.place(1), Place::Row(1));
    }

    #[test]
    fn builders_check_lengths_and_names() {
        let x = Matrix::from_rows(&[[1.0]]).unwrap();
        assert!(Table::from_matrix(vec!["a".into(), "b".into()], x.clone()).is_err());
        let t = Table::from_matrix(vec!["a".into()], x).unwrap();
        assert!(matches!(
            t.clone().with_ids("a", vec!["r".into()]),
            Err(Error::DuplicateColumn { .. })
        ));
        assert!(matches!(t.with_carried("c", vec![]), Err(Error::Shape { .. })));
    }

    #[test]
    fn select_rows_keeps_rows_together() {
        let t = small().select_rows(&[2, 0]);
        assert_eq!(t.x().as_slice(), &[3.0, 30.0, 1.0, 10.0]);
        assert_eq!(t.ids().unwrap().values, vec!["z", "x"]);
        assert_eq!(t.carried()[0].values, vec!["r", "p"]);
    }

    #[test]
    fn locate_maps_rows_to_lines() {
        let x = Matrix::from_rows(&[[1.0, 2.0], [3.0, 4.0]]).unwrap();
        let t = Table::from_source(
            "f.csv".into(),
            vec![
                ("id".into(), Role::Id),
                ("a".into(), Role::Feature),
                ("b".into(), Role::Feature),
            ],
            x,
            Some(TextColumn {
                name: "id".into(),
                values: vec!["u".into(), "v".into()],
            }),
            vec![],
            Provenance::Lines(vec![2, 5]),
        );
        let e = t.locate(Error::Domain {
            at: Place::Row(1),
            column: "b".into(),
            value: -3.0,
            rule: "is below -1",
        });
        assert_eq!(e.to_string(), "f.csv:5:3: column \"b\": -3 is below -1");
        let t = Table::from_source(
            "http://prom:9090".into(),
            vec![("a".into(), Role::Feature), ("b".into(), Role::Feature)],
            Matrix::from_rows(&[[1.0, 2.0], [3.0, 4.0]]).unwrap(),
            None,
            vec![],
            Provenance::Series(vec!["{job=\"a\"}".into(), "{job=\"b\"}".into()]),
        );
        assert_eq!(t.place(1).to_string(), "http://prom:9090: series {job=\"b\"}");
        assert_eq!(t.select_rows(&[1]).place(0), t.place(1));
    }
}
