//! Fitted models that travel: a small, versioned JSON document that any language can read, and
//! scoring of new telemetry against it.
//!
//! A [`Model`] holds the features by name (a file's columns are matched by name, so a reordered
//! file scores the same), the fitted preparation (`log1p` columns and scaler), the method with
//! what scoring needs (K-Means centroids; DBSCAN core points, `eps`, `min_samples`), and each
//! cluster's name, size, median and MAD in original units (for the reasons of anomalies). The
//! schema is documented in `docs/model-format.md`; [`Model::from_json`] refuses another major
//! version.
//!
//! **Scoring.** K-Means: the nearest centroid; the score is the distance to it over the median
//! distance of the cluster's training members (1 ≈ a typical member), and a row is anomalous
//! when its score exceeds every training member's. DBSCAN: the cluster of a core point within
//! `eps` (the first cluster formed, as at fit time, when several are), else noise; the score is
//! the row's k-distance to the core points (k = `min_samples − 1`) over the median of that
//! k-distance among the reference cluster's core points; noise is anomalous. Scoring the
//! training rows gives the fit's labels, core and border points alike.

mod dbscan;
pub use dbscan::DbscanModel;
mod kmeans;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::KMeansPart;
use crate::analysis::Prepared;
use crate::analysis::{DbscanPart, FleetDeviation};
use crate::data::table::Table;
use crate::error::{Error, Result};
use crate::explain::anomaly::{reasons, Reason};
use crate::explain::consensus::{score_fence, Fleet, Looks, View};
use crate::matrix::Matrix;
use crate::prep::Prep;
use crate::stats::median_and_mad;

/// The model format's version: a reader takes any minor version of its major.
pub const FORMAT_VERSION: &str = "1.1";

/// A feature the model was fitted on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// The column name.
    pub name: String,
    /// The unit, where the name tells it (`latency_ms` → `ms`).
    pub unit: Option<String>,
}

/// A cluster of the fit, in original units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpec {
    /// Its number.
    pub id: u32,
    /// Its profile's name (`healthy`, `slow`, ...).
    pub name: String,
    /// Training rows in it.
    pub size: usize,
    /// Per feature, the members' median.
    pub median: Vec<f64>,
    /// Per feature, the members' median absolute deviation.
    pub mad: Vec<f64>,
}

/// The method and what scoring needs of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// K-Means.
    Kmeans(kmeans::KMeansModel),
    /// DBSCAN.
    Dbscan(dbscan::DbscanModel),
}

/// A fitted model (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: String,
    /// The telecluster version that wrote it.
    pub telecluster_version: String,
    /// The features, in the order the model's arrays use.
    pub features: Vec<FeatureSpec>,
    /// The fitted preparation.
    pub prep: Prep,
    /// The seed of the fit.
    pub seed: u64,
    /// The method.
    pub method: Method,
    /// The clusters, by id.
    pub clusters: Vec<ClusterSpec>,
    /// The training rows' median and robust spread per feature, prepared units (format 1.1;
    /// absent from 1.0 files, whose scoring then has no robust-z view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<Fleet>,
    /// The high-score view's fence over the training rows' scores (format 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_fence: Option<f64>,
}

/// One row scored against a model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scored {
    /// The row's cluster (`None`: DBSCAN noise).
    pub cluster: Option<u32>,
    /// The outlier score (see the module docs).
    pub score: f64,
    /// Whether the row falls outside every normal group.
    pub anomalous: bool,
    /// For anomalies, the features that make the row odd, against its reference cluster.
    pub reasons: Vec<Reason>,
    /// Views that flag the row (see [`crate::explain::consensus`]).
    pub confidence: usize,
    /// Views that looked at it: in no group, high score, and with a 1.1 model robust z.
    pub of: usize,
    /// The flagging views.
    pub views: Vec<View>,
    /// The strongest feature against the training fleet (1.1 models).
    pub deviation: Option<FleetDeviation>,
}

impl std::fmt::Display for Scored {
    /// The one-line why: the agreeing views, the strongest deviation from the training fleet,
    /// the first reason against the reference cluster, and the score.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::analysis::write_why(
            f,
            (self.confidence, self.of),
            &self.views,
            self.deviation.as_ref(),
            &self.reasons,
            self.score,
        )
    }
}

fn unit_of(name: &str) -> Option<String> {
    let suffix = name.rsplit('_').next()?;
    ["ms", "s", "us", "pct", "bytes", "rps", "qps", "mb", "gb"]
        .contains(&suffix)
        .then(|| suffix.to_string())
}

fn clusters(table: &Table, labels: &[Option<u32>], names: &[(u32, String)]) -> Vec<ClusterSpec> {
    names
        .iter()
        .map(|(id, name)| {
            let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == Some(*id)).collect();
            let (median, mad): (Vec<f64>, Vec<f64>) = (0..table.x().n_cols())
                .map(|f| median_and_mad(&mut rows.iter().map(|&r| table.x().get(r, f)).collect::<Vec<_>>()))
                .unzip();
            ClusterSpec {
                id: *id,
                name: name.clone(),
                size: rows.len(),
                median,
                mad,
            }
        })
        .collect()
}

impl Model {
    fn envelope(data: &Prepared<'_>, seed: u64, method: Method, clusters: Vec<ClusterSpec>) -> Model {
        Model {
            format_version: FORMAT_VERSION.to_string(),
            telecluster_version: env!("CARGO_PKG_VERSION").to_string(),
            features: data
                .table()
                .features()
                .iter()
                .map(|n| FeatureSpec {
                    name: n.clone(),
                    unit: unit_of(n),
                })
                .collect(),
            prep: data.prep().clone(),
            seed,
            method,
            clusters,
            fleet: Some(Fleet::fit(data.z())),
            score_fence: None,
        }
    }

    /// Sets the high-score fence from the model's own scores of its training rows.
    fn with_fence(mut self, data: &Prepared<'_>) -> Model {
        let scores: Vec<f64> = self
            .score_prepared(data.table().x(), data.z())
            .into_iter()
            .map(|s| s.score)
            .collect();
        self.score_fence = Some(score_fence(&scores)).filter(|f| f.is_finite());
        self
    }

    /// The model of a K-Means part fitted on `data`.
    ///
    /// # Errors
    /// [`Error::Shape`] if the part was not fitted on `data`.
    pub fn from_kmeans(data: &Prepared<'_>, part: &KMeansPart) -> Result<Model> {
        let labels: Vec<Option<u32>> = part.labels.iter().map(|&l| Some(l)).collect();
        let names: Vec<(u32, String)> = part.profiles.iter().map(|p| (p.cluster, p.name.clone())).collect();
        let method = Method::Kmeans(kmeans::KMeansModel::fit(data, part)?);
        Ok(Model::envelope(data, part.params.seed, method, clusters(data.table(), &labels, &names)).with_fence(data))
    }

    /// The model of a DBSCAN part fitted on `data`.
    ///
    /// # Errors
    /// [`Error::Shape`] if the part was not fitted on `data`.
    pub fn from_dbscan(data: &Prepared<'_>, part: &DbscanPart) -> Result<Model> {
        let labels: Vec<Option<u32>> = part.labels.iter().map(|l| l.cluster()).collect();
        let names: Vec<(u32, String)> = part.profiles.iter().map(|p| (p.cluster, p.name.clone())).collect();
        let method = Method::Dbscan(dbscan::DbscanModel::fit(data, part)?);
        Ok(Model::envelope(data, part.params.seed, method, clusters(data.table(), &labels, &names)).with_fence(data))
    }

    /// The model as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("models serialize")
    }

    /// Reads a model, refusing another major format version; `source` names it in errors.
    ///
    /// # Errors
    /// [`Error::Model`] for JSON that is not a model, an unknown major version, or arrays whose
    /// sizes disagree with the features.
    pub fn from_json(text: &str, source: &str) -> Result<Model> {
        let bad = |detail: String| Error::Model {
            path: source.to_string(),
            detail,
        };
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let version = v.get("format_version").and_then(|x| x.as_str()).unwrap_or("");
        let major = |s: &str| s.split('.').next().map(str::to_string);
        if major(version) != major(FORMAT_VERSION) || version.is_empty() {
            return Err(bad(format!(
                "format_version {version:?}: this telecluster reads major version {} (written by telecluster {})",
                FORMAT_VERSION.split('.').next().unwrap_or("1"),
                v.get("telecluster_version")
                    .and_then(|x| x.as_str())
                    .unwrap_or("unknown")
            )));
        }
        let m: Model = serde_json::from_value(v).map_err(|e| bad(format!("not a telecluster model: {e}")))?;
        let d = m.features.len();
        let ok = match &m.method {
            Method::Kmeans(k) => k.width_is(d),
            Method::Dbscan(db) => db.width_is(d),
        } && m.clusters.iter().all(|c| c.median.len() == d && c.mad.len() == d)
            && m.fleet
                .as_ref()
                .is_none_or(|f| f.median.len() == d && f.spread.len() == d)
            && m.prep.width() == d
            && m.prep.scaler().center().len() == d
            && m.prep.scaler().scale().len() == d;
        if !ok {
            return Err(bad(format!("its arrays do not all have the width of its {d} features")));
        }
        Ok(m)
    }

    /// Where each of the model's features is among `table`'s features (matched by name).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`] naming the first feature the table lacks.
    pub fn align(&self, table: &Table) -> Result<Vec<usize>> {
        self.features
            .iter()
            .map(|f| {
                table.feature_index(&f.name).ok_or_else(|| Error::UnknownColumn {
                    path: table.source().to_string(),
                    name: f.name.clone(),
                    available: table.features().to_vec(),
                })
            })
            .collect()
    }

    /// Scores every row of `table` (features matched by name).
    ///
    /// # Errors
    /// As [`Model::align`]; [`Error::Domain`] for a value outside a `log1p` column's domain.
    pub fn score(&self, table: &Table) -> Result<Vec<Scored>> {
        let (original, z) = self.prepare(table)?;
        Ok(self.score_prepared(&original, &z))
    }

    /// `table`'s features in the model's order (matched by name), in original units and
    /// prepared as at fit time.
    ///
    /// # Errors
    /// As [`Model::score`].
    pub fn prepare(&self, table: &Table) -> Result<(Matrix, Matrix)> {
        let cols = self.align(table)?;
        let x = table.x();
        let rows: Vec<Vec<f64>> = (0..x.n_rows())
            .map(|i| cols.iter().map(|&j| x.get(i, j)).collect())
            .collect();
        let original = Matrix::from_rows(&rows).unwrap_or_else(|_| Matrix::zeros(0, cols.len()));
        let z = self.prep.transform(&original).map_err(|e| table.locate(e))?;
        Ok((original, z))
    }

    /// Scores rows given in the model's feature order, in original units and prepared (as
    /// [`Model::prepare`] returns them).
    pub fn score_prepared(&self, original: &Matrix, z: &Matrix) -> Vec<Scored> {
        let names: Vec<String> = self.features.iter().map(|f| f.name.clone()).collect();
        // The fleet's medians in original units, for the deviation's words.
        let fleet_median: Vec<f64> = self
            .fleet
            .as_ref()
            .and_then(|f| Matrix::from_rows(std::slice::from_ref(&f.median)).ok())
            .and_then(|m| self.prep.inverse_transform(&m).ok())
            .map(|m| m.row(0).to_vec())
            .unwrap_or_default();
        let scorer = match &self.method {
            Method::Kmeans(k) => Scorer::Kmeans(k),
            Method::Dbscan(d) => Scorer::Dbscan(d.index()),
        };
        (0..z.n_rows())
            .into_par_iter()
            .map(|i| {
                let (cluster, reference, score, anomalous) = match &scorer {
                    Scorer::Kmeans(k) => k.score(z.row(i)),
                    Scorer::Dbscan(d) => d.score(z.row(i)),
                };
                let reasons = match (
                    anomalous,
                    reference.and_then(|c| self.clusters.iter().find(|s| s.id == c)),
                ) {
                    (true, Some(c)) => reasons(original.row(i), &c.median, &c.mad, &names),
                    _ => Vec::new(),
                };
                let looks = Looks {
                    no_group: Some(anomalous),
                    score: self.score_fence.map(|f| (score, score > f)),
                    z: self.fleet.as_ref().and_then(|f| f.strongest(z.row(i))),
                    tree: None,
                };
                let views = looks.flags();
                Scored {
                    cluster,
                    score,
                    anomalous,
                    reasons,
                    confidence: views.len(),
                    of: looks.looked(),
                    deviation: looks.z.map(|(f, zz)| FleetDeviation {
                        feature: names[f].clone(),
                        value: original.get(i, f),
                        fleet_median: fleet_median.get(f).copied().unwrap_or(f64::NAN),
                        z: zz,
                    }),
                    views,
                }
            })
            .collect()
    }
}

enum Scorer<'a> {
    Kmeans(&'a kmeans::KMeansModel),
    Dbscan(dbscan::DbscanIndex<'a>),
}
