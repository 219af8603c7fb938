//! The seed notebook's analysis as parts: a K-Means part ([`kmeans_part`]), a DBSCAN part
//! ([`dbscan_part`]) and a hierarchy part ([`hierarchy_part`]), each computed by one function
//! from the same [`Prepared`] data. The report is all parts ([`analyse`]); each subcommand of the
//! command line computes one part and renders it.
//!
//! Every part is a plain, typed struct: labels are label types, choices and warnings are enums,
//! reasons are structs. Text is produced only by the renderers (the HTML report, the command
//! line's tables) and by serde, so the report, its JSON and a subcommand's `--json` cannot
//! disagree: `telecluster dbscan --json` holds the same `dbscan` object as `report --json`.
//!
//! # Example
//! ```
//! use telecluster::analysis::{dbscan_part, kmeans_part, DbscanPartParams, KMeansPartParams, Prepared};
//! use telecluster::data::synth::{seed_telemetry, TelemetrySpec};
//! use telecluster::prep::{PrepParams, Scaling};
//!
//! let table = seed_telemetry(&TelemetrySpec::default())?;
//! let data = Prepared::new(&table, &PrepParams::new(Scaling::Standard))?;
//! let km = kmeans_part(&data, &KMeansPartParams::default(), &mut |_| {})?;
//! assert_eq!(km.k, 3);
//! let db = dbscan_part(&data, &DbscanPartParams::default(), &mut |_| {})?;
//! assert!(db.n_noise > 0);
//! # Ok::<(), telecluster::Error>(())
//! ```

mod consensus;
mod dbscan;
mod hierarchy;
mod kmeans;
mod stream;
mod view;

use serde::Serialize;

pub(crate) use consensus::write_why;
pub use consensus::{consensus_part, ConsensusAnomaly, ConsensusPart, FleetDeviation, LIST_FROM};
pub use dbscan::{
    auto_eps, dbscan_part, default_min_samples, AnomalyRecord, DbscanCluster, DbscanPart, DbscanPartParams, EpsChoice,
    EpsChosenBy,
};
pub use hierarchy::{hierarchy_part, CutCluster, CutSummary, HierarchyPart, HierarchyPartParams};
pub use kmeans::{kmeans_part, KChoice, KChosenBy, KMeansCluster, KMeansPart, KMeansPartParams};
pub use stream::{kmeans_stream, Source, StreamFit, StreamParams};
pub use view::{plane, View};

use crate::cluster::dbscan::WorkEstimate;
use crate::cluster::linkage::{Cut, Method};
use crate::data::table::Table;
use crate::error::Result;
use crate::matrix::Matrix;
use crate::prep::{Prep, PrepParams, Scaling};

/// The input of every part: the table, the fitted preparation and the prepared features.
#[derive(Clone, Debug)]
pub struct Prepared<'a> {
    table: &'a Table,
    prep: Prep,
    z: Matrix,
}

impl<'a> Prepared<'a> {
    /// Fits `params` on the table's features and prepares them.
    ///
    /// # Errors
    /// The preparation's errors, located at the input row they concern.
    pub fn new(table: &'a Table, params: &PrepParams) -> Result<Self> {
        let (prep, z) = Prep::fit_transform(params, table.x(), table.features()).map_err(|e| table.locate(e))?;
        Ok(Prepared { table, prep, z })
    }

    /// Prepares the table's features with a preparation fitted elsewhere (on every row of a
    /// streamed file, say, when `table` holds a sample of it).
    ///
    /// # Errors
    /// The preparation's errors, located at the input row they concern.
    pub fn with_prep(table: &'a Table, prep: Prep) -> Result<Self> {
        let z = prep.transform(table.x()).map_err(|e| table.locate(e))?;
        Ok(Prepared { table, prep, z })
    }

    /// The table read.
    pub fn table(&self) -> &'a Table {
        self.table
    }

    /// The fitted preparation (scaling and its inverse).
    pub fn prep(&self) -> &Prep {
        &self.prep
    }

    /// The prepared features every engine clusters.
    pub fn z(&self) -> &Matrix {
        &self.z
    }

    /// The header every JSON output starts with.
    pub fn header(&self) -> Header {
        let t = self.table;
        Header {
            source: t.source().to_string(),
            rows: t.n_rows(),
            features: t.features().to_vec(),
            scaling: self.prep.scaler().kind(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// What was analysed: the start of the report's JSON and of every subcommand's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Header {
    /// Where the rows came from.
    pub source: String,
    /// Rows analysed.
    pub rows: usize,
    /// Feature names, in column order.
    pub features: Vec<String>,
    /// The scaling applied before every engine.
    pub scaling: Scaling,
    /// telecluster's version.
    pub version: String,
}

/// Values keyed by feature name, serialised as a JSON object in feature order.
#[derive(Clone, Debug, PartialEq)]
pub struct Named(pub Vec<(String, f64)>);

impl Named {
    /// `values` (one per feature, in feature order) keyed by `features`.
    pub fn new(features: &[String], values: &[f64]) -> Self {
        Named(features.iter().cloned().zip(values.iter().copied()).collect())
    }

    /// The values, in feature order.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.0.iter().map(|(_, v)| *v)
    }
}

impl Serialize for Named {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A long step starting, for a front end's progress display.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Step {
    /// The elbow sweep fits k (of `k_max`).
    Elbow {
        /// The k starting.
        k: usize,
        /// The sweep's last k.
        k_max: usize,
    },
    /// One K-Means fit.
    KMeans,
    /// The k-distance curve.
    KDistance,
    /// DBSCAN, with an estimate of its work on large inputs.
    Dbscan {
        /// Rows clustered.
        rows: usize,
        /// Neighbours per row and core share from a sample (large inputs only).
        estimate: Option<WorkEstimate>,
    },
    /// Scoring and explaining the rows after DBSCAN.
    Explain {
        /// Rows scored.
        rows: usize,
    },
    /// Hierarchical clustering.
    Hierarchy {
        /// The linkage.
        method: Method,
        /// Rows clustered.
        rows: usize,
    },
    /// A pass over every row of a streamed input (1-based).
    Pass {
        /// Which pass.
        pass: usize,
    },
}

/// What the report runs: the preparation and each part's parameters.
#[derive(Clone, Debug)]
pub struct AnalysisParams {
    /// Scaling and transformations of the features before every engine.
    pub prep: PrepParams,
    /// The K-Means part.
    pub kmeans: KMeansPartParams,
    /// The DBSCAN part.
    pub dbscan: DbscanPartParams,
    /// The hierarchy part; a cut of `None` is replaced by K-Means' k.
    pub hierarchy: HierarchyPartParams,
    /// Features drawn on the x and y axes; `None` draws the two features, or the first two
    /// principal components of wider data.
    pub axes: Option<(String, String)>,
}

impl Default for AnalysisParams {
    fn default() -> Self {
        AnalysisParams {
            prep: PrepParams::new(Scaling::Standard),
            kmeans: KMeansPartParams::default(),
            dbscan: DbscanPartParams::default(),
            hierarchy: HierarchyPartParams {
                sample: Some(REPORT_HIERARCHY_ROWS),
                ..HierarchyPartParams::default()
            },
            axes: None,
        }
    }
}

/// Rows above which the report's hierarchy runs on a seeded sample (the dendrogram of more
/// rows is unreadable, and matrix linkages grow with the square of the rows).
pub const REPORT_HIERARCHY_ROWS: usize = 2000;

/// The whole analysis: every part, and the coordinates of the pictures.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// What was analysed.
    #[serde(flatten)]
    pub header: Header,
    /// Entity ids (or row numbers), by row.
    pub ids: Ids,
    /// The K-Means part.
    pub kmeans: KMeansPart,
    /// The DBSCAN part.
    pub dbscan: DbscanPart,
    /// The hierarchy part.
    pub hierarchy: HierarchyPart,
    /// Rows flagged by several views, the parts' and the fleet's.
    pub consensus: ConsensusPart,
    /// Coordinates for the pictures.
    pub view: View,
    /// The seed of the pictures' row samples.
    #[serde(skip)]
    pub seed: u64,
}

/// Each row's entity id, or its row number ("row 1", "row 2", ...) when the input names none:
/// written out as the list of strings either way, without holding a million "row N" strings.
#[derive(Clone, Debug, PartialEq)]
pub enum Ids {
    /// The input's id column.
    Given(Vec<String>),
    /// No id column: the rows are numbered from 1.
    RowNumbers(usize),
}

impl Ids {
    /// Row `i`'s id.
    pub fn get(&self, i: usize) -> String {
        match self {
            Ids::Given(v) => v[i].clone(),
            Ids::RowNumbers(_) => format!("row {}", i + 1),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Ids::Given(v) => v.len(),
            Ids::RowNumbers(n) => *n,
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Serialize for Ids {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq((0..self.len()).map(|i| self.get(i)))
    }
}

/// Runs every part on `table`; `progress` is told as each long step starts.
///
/// # Errors
/// The parts' errors (invalid parameters, too few rows), and [`crate::Error::UnknownColumn`]
/// for axes that name no feature.
pub fn analyse(table: &Table, p: &AnalysisParams, progress: &mut dyn FnMut(Step)) -> Result<Analysis> {
    let data = Prepared::new(table, &p.prep)?;
    let kmeans = kmeans_part(&data, &p.kmeans, progress)?;
    let dbscan = dbscan_part(&data, &p.dbscan, progress)?;
    let mut hp = p.hierarchy;
    if hp.cut.is_none() {
        hp.cut = Some(Cut::MaxClusters(kmeans.k));
    }
    let hierarchy = hierarchy_part(&data, &hp, progress)?;
    let consensus = consensus_part(&data, &dbscan, &hierarchy);
    let centroids = Matrix::from_rows(
        &kmeans
            .clusters
            .iter()
            .map(|c| c.centroid.values().collect::<Vec<_>>())
            .collect::<Vec<_>>(),
    )?;
    let view = plane(table, data.z(), data.prep(), &centroids, p.axes.as_ref())?;
    Ok(Analysis {
        header: data.header(),
        ids: match table.ids() {
            Some(c) => Ids::Given(c.values.clone()),
            None => Ids::RowNumbers(table.n_rows()),
        },
        kmeans,
        dbscan,
        hierarchy,
        consensus,
        view,
        seed: p.kmeans.seed,
    })
}

/// Estimated bytes of the DBSCAN part on `n` rows of `d` features: the prepared rows, the
/// index's reordered copy and the original units, and per row its label, core flag,
/// k-distance, score and reference.
pub fn dbscan_memory(n: usize, d: usize) -> u64 {
    (24 * d as u64 + 40).saturating_mul(n as u64)
}

/// Estimated bytes of the K-Means part on `n` rows of `d` features: the prepared rows and a
/// run's copy, labels, distances and bounds.
pub fn kmeans_memory(n: usize, d: usize) -> u64 {
    (16 * d as u64 + 40).saturating_mul(n as u64)
}

/// Refuses a run whose estimated memory, `needed`, is above `limit` (`None`: 75 %
/// of the machine's RAM, as the linkages).
pub(crate) fn check_budget(what: &'static str, z: &Matrix, needed: u64, limit: Option<u64>) -> Result<()> {
    let limit = limit.unwrap_or_else(crate::cluster::linkage::default_memory_limit);
    if needed > limit {
        return Err(crate::Error::OverBudget {
            what,
            n: z.n_rows(),
            d: z.n_cols(),
            needed,
            limit,
        });
    }
    Ok(())
}

/// Renumbers labels `0..n_labels` in order of first appearance (the first row's cluster becomes
/// 0), so outputs read top to bottom; labels that never appear are numbered after the rest.
/// Returns the new label of each old one.
///
/// ```
/// use telecluster::analysis::first_appearance_order;
/// assert_eq!(first_appearance_order(&[2, 2, 0], 4), vec![1, 2, 0, 3]);
/// ```
pub fn first_appearance_order(labels: &[u32], n_labels: usize) -> Vec<u32> {
    let map = crate::cluster::first_appearance(labels, n_labels);
    let mut next = map.iter().flatten().count() as u32;
    map.into_iter()
        .map(|m| {
            m.unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

/// One part under its name after the [`Header`]: a subcommand's JSON, shaped as the report's
/// JSON with only that part (`{"source": .., "rows": .., "features": .., "scaling": ..,
/// "version": .., "dbscan": {..}}`).
#[derive(Serialize)]
pub struct PartReport<'a, T: Serialize> {
    #[serde(flatten)]
    header: &'a Header,
    #[serde(flatten)]
    part: OneEntry<'a, T>,
}

impl<'a, T: Serialize> PartReport<'a, T> {
    /// `part` under `name` (`kmeans`, `dbscan` or `hierarchy`, as in the report) after `header`.
    pub fn new(header: &'a Header, name: &'static str, part: &'a T) -> Self {
        PartReport {
            header,
            part: OneEntry(name, part),
        }
    }
}

/// A map of one entry.
struct OneEntry<'a, T>(&'static str, &'a T);

impl<T: Serialize> Serialize for OneEntry<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}
