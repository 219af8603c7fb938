//! The DBSCAN part: eps chosen (or given), the groups, and every row that fits no group ranked
//! by outlier score, with its reasons in the telemetry's own units.

use serde::Serialize;

use super::{Named, Prepared, Step};
use crate::cluster::dbscan::{estimate_work, Index, Label, RedFlag};
use crate::cluster::DbscanParams;
use crate::error::{Error, Result};
use crate::explain::anomaly::{explain_in, Reason};
use crate::explain::profile::{profiles, Profile};
use crate::index::kdtree::KdTree;
use crate::matrix::{Matrix, MatrixRef};
use crate::select::kdist::{curve_from_k_distances, curve_in, k_distances, KDistance, MAX_CURVE_ROWS};

/// Rows from which the part estimates DBSCAN's work before fitting (see [`Step::Dbscan`]).
const ESTIMATE_FROM_ROWS: usize = 100_000;
/// Rows sampled for that estimate.
const ESTIMATE_SAMPLE: usize = 2000;

/// DBSCAN's radius.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EpsChoice {
    /// This radius (prepared units).
    Given(f64),
    /// The knee of the k-distance curve.
    Auto,
}

/// Parameters of the DBSCAN part.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DbscanPartParams {
    /// The radius, or how to choose it.
    pub eps: EpsChoice,
    /// Rows within eps, the row itself included, that make a row core; `None` is 2 × features.
    pub min_samples: Option<usize>,
    /// The spatial index (every choice gives the same labels).
    pub index: Index,
    /// Seed of the samples (the k-distance curve of many rows, the work estimate).
    pub seed: u64,
    /// Bytes the run may use (estimated before it starts); `None` is 75 % of the RAM.
    pub max_memory: Option<u64>,
}

impl Default for DbscanPartParams {
    fn default() -> Self {
        DbscanPartParams {
            eps: EpsChoice::Auto,
            min_samples: None,
            index: Index::Auto,
            seed: 0,
            max_memory: None,
        }
    }
}

/// How eps was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EpsChosenBy {
    /// Given by the caller.
    Given,
    /// The k-distance at the curve's knee.
    KDistanceKnee,
    /// The curve has no knee (every row about equally dense): its median.
    KDistanceMedian,
    /// Every k-distance is 0 (every row has min_samples − 1 exact duplicates): half the
    /// smallest distance between distinct rows, so each set of duplicates is a cluster.
    DuplicatesOnly,
}

/// One DBSCAN group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DbscanCluster {
    /// The cluster's number (scikit-learn's order).
    pub id: u32,
    /// Rows in the cluster.
    pub size: usize,
    /// Per feature, the median in original units.
    pub median: Named,
}

/// A row in no group, with why it stands out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnomalyRecord {
    /// The entity's id (or row number).
    pub id: String,
    /// 0-based row of the input.
    pub row: usize,
    /// Outlier score (see [`crate::explain::anomaly`]).
    pub score: f64,
    /// The row's values in original units.
    pub values: Named,
    /// The group it is compared with (the nearest core row's), if there is any group.
    pub nearest_cluster: Option<u32>,
    /// The features that make it odd, strongest first.
    pub reasons: Vec<Reason>,
}

/// The DBSCAN part.
#[derive(Clone, Debug, Serialize)]
pub struct DbscanPart {
    /// The parameters asked for.
    pub params: DbscanPartParams,
    /// The radius used (prepared units).
    pub eps: f64,
    /// How eps was chosen.
    pub eps_chosen_by: EpsChosenBy,
    /// Rows within eps that make a row core.
    pub min_samples: usize,
    /// The k-distance curve (absent when undefined: `min_samples` < 2, or too few rows).
    pub kdist: Option<KDistance>,
    /// Groups found.
    pub n_clusters: usize,
    /// Rows in no group.
    pub n_noise: usize,
    /// Core rows.
    pub n_core: usize,
    /// Label of each row: its cluster, or noise (serialised as −1, scikit-learn's convention).
    pub labels: Vec<Label>,
    /// The core rows, ascending (scikit-learn's `core_sample_indices_`).
    pub core_sample_indices: Vec<usize>,
    /// Outlier score of each row.
    pub scores: Vec<f64>,
    /// The groups, by number.
    pub clusters: Vec<DbscanCluster>,
    /// Each group against the fleet, by number.
    pub profiles: Vec<Profile>,
    /// Every row in no group, highest score first.
    pub anomalies: Vec<AnomalyRecord>,
    /// Signs that the parameters do not fit the data.
    pub red_flags: Vec<RedFlag>,
}

/// Chooses eps when asked, fits DBSCAN on the prepared data, and scores and explains the rows.
///
/// # Errors
/// The engine's errors, and [`Error::InvalidParam`] for `eps` when it is to be chosen but every
/// k-distance is 0 (rows with `min_samples − 1` exact duplicates or more).
pub fn dbscan_part(data: &Prepared<'_>, p: &DbscanPartParams, progress: &mut dyn FnMut(Step)) -> Result<DbscanPart> {
    let (z, table) = (data.z(), data.table());
    super::check_budget("DBSCAN", z, super::dbscan_memory(z.n_rows(), z.n_cols()), p.max_memory)?;
    let (min_samples, lowered) = match p.min_samples {
        Some(m) => (m, None),
        None => default_min_samples(z.n_rows(), z.n_cols()),
    };
    if z.n_rows() < 2 {
        return Err(Error::TooFewRows {
            path: table.source().to_string(),
            rows: z.n_rows(),
            needed: 2,
            what: "DBSCAN",
        });
    }
    // One index over the rows serves the curve, the fit (above three features) and the scores.
    let tree = KdTree::build(z.as_slice(), z.n_cols());
    let mut kdist = if p.eps == EpsChoice::Auto {
        progress(Step::KDistance);
        Some(curve_in(&tree, min_samples, MAX_CURVE_ROWS, p.seed)?)
    } else {
        None
    };
    let (eps, eps_chosen_by) = choose_eps(p.eps, kdist.as_ref(), z.view())?;
    let params = DbscanParams::new(eps, min_samples).index(p.index).check()?;
    let estimate =
        (z.n_rows() >= ESTIMATE_FROM_ROWS).then(|| estimate_work(z, eps, min_samples, ESTIMATE_SAMPLE, p.seed));
    progress(Step::Dbscan {
        rows: z.n_rows(),
        estimate,
    });
    let model = params.fit_with_tree(z, &tree)?;
    progress(Step::Explain { rows: z.n_rows() });
    let x = table.x();
    let features = table.features();
    let e = explain_in(&model, z, &tree, x, features);
    if kdist.is_none() && min_samples >= 2 && z.n_rows() > min_samples - 1 {
        // With eps given, the curve still shows where it sits; the scores' k-distances are
        // that curve's values, so it costs no second index over the rows.
        kdist = Some(curve_from_k_distances(
            &e.k_distances,
            min_samples,
            MAX_CURVE_ROWS,
            p.seed,
        )?);
    }
    let groups: Vec<Option<u32>> = model.labels().iter().map(|l| l.cluster()).collect();
    let clusters = model
        .cluster_sizes()
        .iter()
        .enumerate()
        .map(|(c, &size)| DbscanCluster {
            id: c as u32,
            size,
            median: Named::new(features, &e.medians[c]),
        })
        .collect();
    let anomalies = e
        .anomalies
        .into_iter()
        .map(|a| AnomalyRecord {
            id: table.label(a.row),
            row: a.row,
            score: a.score,
            values: Named::new(features, x.row(a.row)),
            nearest_cluster: a.nearest_cluster,
            reasons: a.reasons,
        })
        .collect();
    let core_sample_indices = model.core_indices();
    Ok(DbscanPart {
        params: *p,
        eps,
        eps_chosen_by,
        min_samples,
        kdist,
        n_clusters: model.n_clusters(),
        n_noise: model.n_noise(),
        n_core: core_sample_indices.len(),
        labels: model.labels().to_vec(),
        core_sample_indices,
        scores: e.scores,
        clusters,
        profiles: profiles(x, &groups, model.n_clusters(), features),
        anomalies,
        // With eps from the duplicates, every row is core by design: not a red flag.
        red_flags: lowered
            .into_iter()
            .chain(model.red_flags())
            .filter(|f| {
                !(eps_chosen_by == EpsChosenBy::DuplicatesOnly
                    && matches!(f, RedFlag::AllCore | RedFlag::SingleCluster))
            })
            .collect(),
    })
}

/// The radius: the given one, or the k-distance curve's suggestion.
fn choose_eps(eps: EpsChoice, kdist: Option<&KDistance>, z: MatrixRef<'_>) -> Result<(f64, EpsChosenBy)> {
    Ok(match (eps, kdist) {
        (EpsChoice::Given(e), _) => (e, EpsChosenBy::Given),
        (EpsChoice::Auto, Some(c)) if c.eps > 0.0 => (
            c.eps,
            if c.knee.is_some() {
                EpsChosenBy::KDistanceKnee
            } else {
                EpsChosenBy::KDistanceMedian
            },
        ),
        // Every k-distance is 0: every row has min_samples − 1 exact duplicates or more, and
        // the curve has no scale. Half the smallest distance between distinct rows makes each
        // set of duplicates its own cluster and merges nothing else.
        (EpsChoice::Auto, _) => (half_smallest_gap(z), EpsChosenBy::DuplicatesOnly),
    })
}

/// eps as `--eps auto` chooses it for the rows of `x` (prepared features) and `min_samples`:
/// the knee of the k-distance curve (k = `min_samples` − 1, on a seeded sample of
/// [`MAX_CURVE_ROWS`] rows when there are more), else the curve's median, else, when every
/// k-distance is 0, half the smallest gap between distinct rows. Also gives the curve.
///
/// # Errors
/// [`Error::InvalidParam`] for fewer than two rows or `min_samples` of 0.
///
/// ```
/// use telecluster::{analysis::auto_eps, Matrix};
/// let rows: Vec<[f64; 1]> = (0..40).map(|i| [(i % 20) as f64 * 0.01 + if i < 20 { 0.0 } else { 9.0 }]).collect();
/// let (eps, _, _) = auto_eps(&Matrix::from_rows(&rows)?, 4, 0)?;
/// assert!(eps > 0.0 && eps < 9.0);
/// # Ok::<(), telecluster::Error>(())
/// ```
pub fn auto_eps<'a>(
    x: impl Into<MatrixRef<'a>>,
    min_samples: usize,
    seed: u64,
) -> Result<(f64, EpsChosenBy, KDistance)> {
    let x = x.into();
    if x.n_rows() < 2 {
        return Err(Error::invalid(
            crate::Param::NSamples,
            x.n_rows(),
            "must be >= 2 to choose eps",
        ));
    }
    if min_samples == 0 {
        return Err(Error::invalid(crate::Param::MinSamples, 0, "must be >= 1"));
    }
    let tree = KdTree::build(x.as_slice(), x.n_cols());
    let kdist = curve_in(&tree, min_samples, MAX_CURVE_ROWS, seed)?;
    let (eps, by) = choose_eps(EpsChoice::Auto, Some(&kdist), x)?;
    Ok((eps, by, kdist))
}

/// Half the smallest distance between two distinct rows of `z`; 1 when all rows are equal.
fn half_smallest_gap(z: MatrixRef<'_>) -> f64 {
    let mut rows: Vec<&[f64]> = z.rows().collect();
    rows.sort_by(|a, b| {
        a.iter()
            .zip(*b)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    rows.dedup();
    let gap = Matrix::from_rows(&rows)
        .ok()
        .filter(|u| u.n_rows() >= 2)
        .map_or(f64::INFINITY, |u| {
            k_distances(&u, 1).into_iter().fold(f64::INFINITY, f64::min)
        });
    if gap.is_finite() && gap > 0.0 {
        gap / 2.0
    } else {
        1.0
    }
}

/// DBSCAN's default `min_samples`, 2 × features, and on inputs too short for it the largest
/// that still leaves a k-distance (rows − 1, at least 2), with the red flag that says so.
pub fn default_min_samples(rows: usize, features: usize) -> (usize, Option<RedFlag>) {
    let default = 2 * features;
    if default <= rows.saturating_sub(1) {
        return (default, None);
    }
    let used = rows.saturating_sub(1).max(2);
    (used, Some(RedFlag::MinSamplesLowered { default, used, rows }))
}
