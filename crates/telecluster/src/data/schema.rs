//! The schema step every reader shares: which input column names the entity, which are the
//! features, which are carried through. A reader supplies the column names and what it saw of
//! each column's values ([`Sample`]); [`Schema::resolve`] applies the user's choices
//! ([`Columns`]) and telecluster's defaults, whatever the format.
//!
//! The defaults: every numeric column is a feature (unless `features` names them), the first
//! text column is the id (unless `id` names it), and the rest are carried.

use std::collections::HashMap;

use crate::data::table::Role;
use crate::error::{Error, Location, Param, Result};

/// The user's choice of columns, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// The feature columns (taken in the input's order); by default every numeric column but
    /// the id.
    pub features: Option<Vec<String>>,
    /// The entity id column; by default the first text column that is not a feature.
    pub id: Option<String>,
}

impl Columns {
    /// Whether resolving the schema needs to see values (to tell numbers from text).
    pub fn needs_sample(&self) -> bool {
        self.features.is_none() || self.id.is_none()
    }
}

/// What a reader has seen of each column: whether its first non-missing value is a number, and
/// the first text value (shown when there are no numeric columns).
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    numeric: Vec<Option<bool>>,
    first_text: Vec<Option<String>>,
}

impl Sample {
    /// Nothing seen yet of `width` columns.
    pub fn new(width: usize) -> Self {
        Sample {
            numeric: vec![None; width],
            first_text: vec![None; width],
        }
    }

    /// Notes cell `text` of column `j` (missing values tell nothing).
    pub fn observe(&mut self, j: usize, text: &str) {
        let text = text.trim();
        if self.numeric[j].is_some() || is_missing(text) {
            return;
        }
        let numeric = text.parse::<f64>().is_ok();
        self.numeric[j] = Some(numeric);
        if !numeric {
            self.first_text[j] = Some(text.chars().take(40).collect());
        }
    }

    /// Whether every column has shown a value.
    pub fn is_complete(&self) -> bool {
        self.numeric.iter().all(Option::is_some)
    }

    fn is_numeric(&self, j: usize) -> bool {
        self.numeric[j].unwrap_or(false)
    }
}

/// The markers that mean "no value" (pandas' defaults, case-insensitive).
pub fn is_missing(cell: &str) -> bool {
    cell.is_empty()
        || ["na", "n/a", "nan", "-nan", "null", "none", "<na>", "#n/a", "#na"]
            .iter()
            .any(|m| cell.eq_ignore_ascii_case(m))
}

/// The roles of an input's columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    /// Every column's name, in input order.
    pub names: Vec<String>,
    /// Every column with its role, in input order (the order outputs use).
    pub layout: Vec<(String, Role)>,
    /// The id column, if any.
    pub id: Option<usize>,
    /// The input column of each feature, in matrix column order.
    pub features: Vec<usize>,
    /// The carried columns, in input order.
    pub carried: Vec<usize>,
}

impl Schema {
    /// Applies `columns` to the input's column `names` (from `source`, whose header, when it
    /// has one, is at `header_line`), with `sample` telling numbers from text where the user
    /// did not decide (see [`Columns::needs_sample`]).
    ///
    /// # Errors
    /// [`Error::DuplicateColumn`], [`Error::UnknownColumn`], [`Error::InvalidParam`] (a feature
    /// named twice), [`Error::ConflictingRoles`] and [`Error::NoFeatures`].
    pub fn resolve(
        source: &str,
        names: Vec<String>,
        header_line: u64,
        columns: &Columns,
        sample: Option<&Sample>,
    ) -> Result<Schema> {
        let index = check_unique(source, &names, header_line)?;
        let find = |name: &str| {
            index.get(name).copied().ok_or_else(|| Error::UnknownColumn {
                path: source.into(),
                name: name.into(),
                available: names.clone(),
            })
        };
        let width = names.len();
        let explicit_features = columns
            .features
            .as_deref()
            .map(|f| find_features(f, width, &find))
            .transpose()?;
        let explicit_id = columns.id.as_deref().map(find).transpose()?;
        if let (Some(id), Some(is_feature)) = (explicit_id, &explicit_features) {
            if is_feature[id] {
                return Err(Error::ConflictingRoles {
                    path: source.into(),
                    name: names[id].clone(),
                    first: "id",
                    second: "feature",
                });
            }
        }
        let numeric = |j: usize| sample.is_some_and(|s| s.is_numeric(j));
        let is_feature: Vec<bool> =
            explicit_features.unwrap_or_else(|| (0..width).map(|j| numeric(j) && Some(j) != explicit_id).collect());
        if !is_feature.contains(&true) {
            return Err(Error::NoFeatures {
                path: source.into(),
                text_columns: sample.map_or_else(Vec::new, |s| {
                    (0..width)
                        .filter_map(|j| s.first_text[j].clone().map(|v| (names[j].clone(), v)))
                        .collect()
                }),
            });
        }
        let id = explicit_id.or_else(|| (0..width).find(|&j| !is_feature[j] && !numeric(j)));
        Ok(Schema::arrange(names, id, &is_feature))
    }

    /// The layout for the chosen roles: every column in input order, the features too.
    fn arrange(names: Vec<String>, id: Option<usize>, is_feature: &[bool]) -> Schema {
        let role = |j: usize| match (Some(j) == id, is_feature[j]) {
            (_, true) => Role::Feature,
            (true, false) => Role::Id,
            (false, false) => Role::Carried,
        };
        let layout = names.iter().enumerate().map(|(j, n)| (n.clone(), role(j))).collect();
        let features = (0..names.len()).filter(|&j| is_feature[j]).collect();
        let carried = (0..names.len()).filter(|&j| role(j) == Role::Carried).collect();
        Schema {
            names,
            layout,
            id,
            features,
            carried,
        }
    }
}

/// Each name's column, refusing a name that appears twice. Names are hashed, so a header of
/// thousands of columns is checked in linear time.
fn check_unique<'a>(source: &str, names: &'a [String], header_line: u64) -> Result<HashMap<&'a str, usize>> {
    let mut index = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if index.insert(name.as_str(), i).is_some() {
            return Err(Error::DuplicateColumn {
                at: Location::line(source, header_line).at_column(i + 1),
                name: name.clone(),
            });
        }
    }
    Ok(index)
}

/// Which of `width` columns the feature `names` pick, refusing a name given twice.
fn find_features(names: &[String], width: usize, find: &impl Fn(&str) -> Result<usize>) -> Result<Vec<bool>> {
    let mut is_feature = vec![false; width];
    for name in names {
        let j = find(name)?;
        if std::mem::replace(&mut is_feature[j], true) {
            return Err(Error::invalid(
                Param::Features,
                names.join(","),
                format!("names \"{name}\" twice"),
            ));
        }
    }
    Ok(is_feature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    fn sample(rows: &[&str]) -> Sample {
        let mut s = Sample::new(rows[0].split(',').count());
        for r in rows {
            for (j, cell) in r.split(',').enumerate() {
                s.observe(j, cell);
            }
        }
        s
    }

    #[test]
    fn defaults_take_numbers_as_features_and_the_first_text_as_id() {
        let s = sample(&["a,1.5,0.1,eu"]);
        let schema = Schema::resolve("t", names("host,lat,err,dc"), 1, &Columns::default(), Some(&s)).unwrap();
        assert_eq!(
            (schema.id, schema.features.clone(), schema.carried.clone()),
            (Some(0), vec![1, 2], vec![3])
        );
        let roles: Vec<Role> = schema.layout.iter().map(|(_, r)| *r).collect();
        assert_eq!(roles, [Role::Id, Role::Feature, Role::Feature, Role::Carried]);
    }

    #[test]
    fn features_follow_the_inputs_order() {
        let cols = Columns {
            features: Some(vec!["err".into(), "lat".into()]),
            id: Some("dc".into()),
        };
        let schema = Schema::resolve("t", names("host,lat,err,dc"), 1, &cols, None).unwrap();
        assert_eq!(schema.features, [1, 2]);
        let roles: Vec<Role> = schema.layout.iter().map(|(_, r)| *r).collect();
        assert_eq!(roles, [Role::Carried, Role::Feature, Role::Feature, Role::Id]);
    }

    #[test]
    fn leading_missing_values_tell_nothing() {
        let s = sample(&["a,,x", "b,NA,y", "c,2,z"]);
        let schema = Schema::resolve("t", names("id,v,tag"), 1, &Columns::default(), Some(&s)).unwrap();
        assert_eq!(schema.features, [1]);
        assert!(s.is_complete());
    }

    #[test]
    fn refusals_name_the_problem() {
        let s = sample(&["a,b"]);
        let none = Schema::resolve("t", names("x,y"), 1, &Columns::default(), Some(&s));
        assert!(matches!(none, Err(Error::NoFeatures { ref text_columns, .. }) if text_columns.len() == 2));
        let dup = Schema::resolve("t", names("x,y,x"), 3, &Columns::default(), Some(&s));
        assert!(matches!(dup, Err(Error::DuplicateColumn { ref at, .. }) if at.to_string() == "t:3:3"));
        let both = Columns {
            features: Some(vec!["x".into()]),
            id: Some("x".into()),
        };
        assert!(matches!(
            Schema::resolve("t", names("x,y"), 1, &both, None),
            Err(Error::ConflictingRoles { .. })
        ));
        let twice = Columns {
            features: Some(vec!["x".into(), "x".into()]),
            id: None,
        };
        assert!(matches!(
            Schema::resolve("t", names("x,y"), 1, &twice, None),
            Err(Error::InvalidParam {
                param: Param::Features,
                ..
            })
        ));
    }

    #[test]
    fn twenty_thousand_columns_resolve() {
        let n = 20_000;
        let header: Vec<String> = (0..n).map(|j| format!("c{j}")).collect();
        let mut s = Sample::new(n);
        for j in 0..n {
            s.observe(j, "1");
        }
        let schema = Schema::resolve("t", header, 1, &Columns::default(), Some(&s)).unwrap();
        assert_eq!(schema.features.len(), n);
    }
}
