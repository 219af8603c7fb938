//! The seed notebook's whole analysis, run once: scaling, the elbow with an automatic K,
//! K-Means, the eps assistant and DBSCAN, hierarchical clustering on a sample, and profiles
//! and anomalies in the telemetry's own units.
//!
//! [`Analysis`] is a plain struct: the HTML report draws it and `--json` serialises it, so the
//! two cannot disagree, and nothing is computed twice.

use serde::Serialize;

use crate::cluster::dbscan::Label;
use crate::cluster::linkage::{Cut, Dendrogram, LinkageParams, Merge, Method};
use crate::cluster::{first_appearance, DbscanParams, KMeansParams};
use crate::data::table::Table;
use crate::error::{Error, Result};
use crate::explain::anomaly::explain;
use crate::explain::profile::{profiles, Profile};
use crate::matrix::Matrix;
use crate::prep::pca::Pca;
use crate::prep::{Prep, PrepParams, Scaling};
use crate::rng::Rng;
use crate::select::elbow::{sweep, Choice, Elbow, ElbowParams};
use crate::select::kdist::{curve, KDistance, MAX_CURVE_ROWS};

/// What to run, with the engines' defaults.
#[derive(Clone, Debug, Serialize)]
pub struct AnalysisParams {
    /// Scaling of the features before every engine.
    pub scaling: Scaling,
    /// Seed of every random choice (K-Means starts, samples).
    pub seed: u64,
    /// K for K-Means; `None` chooses it from the elbow sweep.
    pub k: Option<usize>,
    /// Largest k of the sweep.
    pub k_max: usize,
    /// K-Means runs per k.
    pub n_init: usize,
    /// DBSCAN radius (scaled units); `None` takes the k-distance knee.
    pub eps: Option<f64>,
    /// DBSCAN's `min_samples`; `None` is 2 × features.
    pub min_samples: Option<usize>,
    /// Hierarchical linkage.
    pub method: Method,
    /// Rows above which the hierarchy runs on a seeded sample of this many.
    pub hierarchy_rows: usize,
    /// Features drawn on the x and y axes; `None` draws the first two, or the first two
    /// principal components of wider data.
    pub axes: Option<(String, String)>,
}

impl Default for AnalysisParams {
    fn default() -> Self {
        AnalysisParams {
            scaling: Scaling::Standard,
            seed: 0,
            k: None,
            k_max: 10,
            n_init: 10,
            eps: None,
            min_samples: None,
            method: Method::Ward,
            hierarchy_rows: 2000,
            axes: None,
        }
    }
}

/// K-Means: the sweep, the chosen model, and each group's profile.
#[derive(Clone, Debug, Serialize)]
pub struct KMeansPart {
    /// The number of groups.
    pub k: usize,
    /// How k was chosen: `given`, or the elbow rule's branch.
    pub chosen_by: String,
    /// The elbow sweep, when k was chosen.
    pub elbow: Option<Elbow>,
    /// Sum of squared distances to the centroids (scaled units).
    pub inertia: f64,
    /// Group of each row, numbered by first appearance.
    pub labels: Vec<u32>,
    /// Centroids in original units (k × features, by group number).
    pub centroids: Vec<Vec<f64>>,
    /// Each group against the fleet.
    pub profiles: Vec<Profile>,
}

/// One anomaly as the report lists it.
#[derive(Clone, Debug, Serialize)]
pub struct AnomalyOut {
    /// The entity's id (or row number).
    pub id: String,
    /// 0-based row.
    pub row: usize,
    /// Outlier score.
    pub score: f64,
    /// The row's values (original units), by feature.
    pub values: Vec<f64>,
    /// The DBSCAN group it is compared with.
    pub nearest_cluster: Option<u32>,
    /// Why, in the telemetry's units.
    pub reasons: Vec<String>,
}

/// DBSCAN: the eps assistant, the groups and the ranked anomalies.
#[derive(Clone, Debug, Serialize)]
pub struct DbscanPart {
    /// The radius used (scaled units).
    pub eps: f64,
    /// `given` or `k-distance knee`.
    pub eps_chosen_by: String,
    /// Rows within eps that make a row core.
    pub min_samples: usize,
    /// The k-distance curve behind eps.
    pub kdist: KDistance,
    /// Groups found.
    pub n_clusters: usize,
    /// Rows in no group.
    pub n_noise: usize,
    /// Group of each row, -1 for noise.
    pub labels: Vec<i64>,
    /// Each group against the fleet.
    pub profiles: Vec<Profile>,
    /// Every anomaly, highest score first.
    pub anomalies: Vec<AnomalyOut>,
    /// Warnings about the fit (no core rows, mostly noise, ...).
    pub warnings: Vec<String>,
}

/// Hierarchical clustering of all rows or a sample.
#[derive(Clone, Debug, Serialize)]
pub struct HierarchyPart {
    /// The linkage method.
    pub method: Method,
    /// The rows clustered (0-based rows of the input), when a sample.
    pub sample: Option<Vec<usize>>,
    /// Cophenetic correlation coefficient.
    pub cophenetic_correlation: Option<f64>,
    /// scipy's linkage matrix.
    pub merges: Vec<Merge>,
    /// Leaf order of the dendrogram (positions in the clustered rows).
    pub leaves: Vec<usize>,
    /// Clusters of the cut into K-Means' k groups (positions in the clustered rows).
    pub cut_k: usize,
    /// Flat cluster of each clustered row.
    pub cut: Vec<u32>,
    /// The dendrogram itself.
    #[serde(skip)]
    pub tree: Dendrogram,
}

/// The points drawn on every scatter plot.
#[derive(Clone, Debug, Serialize)]
pub struct View {
    /// Axis titles.
    pub x_label: String,
    /// Axis titles.
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

/// The whole analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// Where the rows came from.
    pub source: String,
    /// Rows analysed.
    pub rows: usize,
    /// Feature names.
    pub features: Vec<String>,
    /// Entity ids (or row numbers).
    pub ids: Vec<String>,
    /// The parameters used.
    pub params: AnalysisParams,
    /// telecluster's version.
    pub version: String,
    /// K-Means.
    pub kmeans: KMeansPart,
    /// DBSCAN.
    pub dbscan: DbscanPart,
    /// Hierarchical clustering.
    pub hierarchy: HierarchyPart,
    /// Coordinates for the pictures.
    pub view: View,
    /// The rows in original units.
    #[serde(skip)]
    pub x: Matrix,
}

/// Runs the analysis on `table`; `progress(step)` is called as each long step starts.
///
/// # Errors
/// The engines' errors (invalid parameters, too few rows), and [`Error::UnknownColumn`] for
/// axes that name no feature.
pub fn analyse(table: &Table, p: &AnalysisParams, mut progress: impl FnMut(&str)) -> Result<Analysis> {
    let features = table.features().to_vec();
    let x = table.x();
    let (prep, z) = Prep::fit_transform(&PrepParams::new(p.scaling), x, &features).map_err(|e| table.locate(e))?;
    let n = x.n_rows();

    progress("K-Means");
    let base = KMeansParams::new(1).n_init(p.n_init).seed(p.seed);
    let (model, elbow, chosen_by) = match p.k {
        Some(k) => (base.with_n_clusters(k).check()?.fit(&z)?, None, "given".to_string()),
        None => {
            let e = sweep(&z, &ElbowParams::new(p.k_max, base), |_| {})?;
            let by = match e.choice {
                Choice::Agree => "elbow knee and silhouette agree",
                Choice::Knee => "elbow knee (silhouette prefers another k)",
                Choice::Silhouette => "silhouette (the knee's is much lower)",
                Choice::Default => "default (too few k to compare)",
            };
            (e.chosen_model().clone(), Some(e), by.to_string())
        }
    };
    let k = model.n_clusters();
    let order = first_appearance(model.labels(), k);
    let mut next = order.iter().flatten().count() as u32;
    let ids: Vec<u32> = order
        .into_iter()
        .map(|m| {
            m.unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    let labels: Vec<u32> = model.labels().iter().map(|&l| ids[l as usize]).collect();
    let raw_centroids = prep.inverse_transform(model.centroids())?;
    let mut centroids = vec![Vec::new(); k];
    for (j, &id) in ids.iter().enumerate() {
        centroids[id as usize] = raw_centroids.row(j).to_vec();
    }
    let km_groups: Vec<Option<u32>> = labels.iter().map(|&l| Some(l)).collect();
    let kmeans = KMeansPart {
        k,
        chosen_by,
        elbow,
        inertia: model.inertia(),
        profiles: profiles(x, &km_groups, k, &features),
        labels,
        centroids,
    };

    progress("DBSCAN");
    let min_samples = p.min_samples.unwrap_or(2 * z.n_cols());
    let kdist = curve(&z, min_samples, MAX_CURVE_ROWS, p.seed)?;
    let (eps, eps_chosen_by) = match p.eps {
        Some(e) => (e, "given"),
        None if kdist.eps > 0.0 => (kdist.eps, "k-distance knee"),
        None => {
            return Err(Error::invalid(
                "eps",
                0,
                "cannot be chosen: every k-distance is 0 (duplicate rows); give eps",
            ))
        }
    };
    let db = DbscanParams::new(eps, min_samples).check()?.fit(&z)?;
    let e = explain(&db, &z, x, &features);
    let db_groups: Vec<Option<u32>> = db.labels().iter().map(|l| l.cluster()).collect();
    let dbscan = DbscanPart {
        eps,
        eps_chosen_by: eps_chosen_by.into(),
        min_samples,
        n_clusters: db.n_clusters(),
        n_noise: db.n_noise(),
        labels: db.labels().iter().map(|l: &Label| l.as_i64()).collect(),
        profiles: profiles(x, &db_groups, db.n_clusters(), &features),
        anomalies: e
            .anomalies
            .iter()
            .map(|a| AnomalyOut {
                id: table.label(a.row),
                row: a.row,
                score: a.score,
                values: x.row(a.row).to_vec(),
                nearest_cluster: a.nearest_cluster,
                reasons: a.reasons.iter().map(ToString::to_string).collect(),
            })
            .collect(),
        warnings: db.red_flags().iter().map(ToString::to_string).collect(),
        kdist,
    };

    progress("hierarchy");
    let sample = (n > p.hierarchy_rows).then(|| Rng::new(p.seed).sample_indices(n, p.hierarchy_rows));
    let zh = sample.as_ref().map_or_else(|| z.clone(), |s| z.select_rows(s));
    let tree = LinkageParams::new(p.method).check()?.fit(&zh)?;
    let cut_k = k.min(zh.n_rows());
    let coph = tree.cophenetic_correlation(&zh)?;
    let hierarchy = HierarchyPart {
        method: p.method,
        sample,
        cophenetic_correlation: coph.is_finite().then_some(coph),
        merges: tree.merges().to_vec(),
        leaves: tree.leaves(),
        cut_k,
        cut: tree.cut(Cut::MaxClusters(cut_k.max(1)))?,
        tree,
    };

    let view = plane(
        table,
        &z,
        &prep,
        &Matrix::from_rows(&kmeans.centroids)?,
        p.axes.as_ref(),
    )?;
    Ok(Analysis {
        source: table.source().to_string(),
        rows: n,
        ids: (0..n).map(|i| table.label(i)).collect(),
        features,
        params: p.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        kmeans,
        dbscan,
        hierarchy,
        view,
        x: x.clone(),
    })
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
    use crate::format::axis_label;
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
