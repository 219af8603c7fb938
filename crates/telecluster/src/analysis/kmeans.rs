//! The K-Means part: K chosen (or given), the fit, the groups in original units and their
//! profiles.

use serde::Serialize;

use super::{first_appearance_order, Named, Prepared, Step};
use crate::cluster::{Algorithm, KMeansParams};
use crate::error::{Result, Warning};
use crate::explain::profile::{profiles, Profile};
use crate::matrix::Matrix;
use crate::select::elbow::{sweep, Choice, Elbow, ElbowParams};

/// How many groups K-Means makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KChoice {
    /// Exactly this many.
    Given(usize),
    /// Chosen by the elbow sweep over k = 1..=`k_max` and the silhouette.
    Auto {
        /// The sweep's largest k.
        k_max: usize,
    },
}

/// Parameters of the K-Means part (scikit-learn's names and defaults, and a seed).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KMeansPartParams {
    /// The number of groups, or how to choose it.
    pub n_clusters: KChoice,
    /// Runs from different k-means++ starts; the best is kept.
    pub n_init: usize,
    /// Iteration limit per run.
    pub max_iter: usize,
    /// Convergence tolerance, relative to the mean feature variance.
    pub tol: f64,
    /// The iteration scheme (all give the same labels).
    pub algorithm: Algorithm,
    /// Seed of every random choice.
    pub seed: u64,
    /// Bytes the run may use (estimated before it starts); `None` is 75 % of the RAM.
    pub max_memory: Option<u64>,
}

impl Default for KMeansPartParams {
    fn default() -> Self {
        KMeansPartParams {
            n_clusters: KChoice::Auto { k_max: 10 },
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
            algorithm: Algorithm::Auto,
            seed: 0,
            max_memory: None,
        }
    }
}

impl KMeansPartParams {
    /// The engine's parameters for `k` groups.
    pub fn engine(&self, k: usize) -> KMeansParams {
        KMeansParams::new(k)
            .n_init(self.n_init)
            .max_iter(self.max_iter)
            .tol(self.tol)
            .algorithm(self.algorithm)
            .seed(self.seed)
    }
}

/// How k was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KChosenBy {
    /// Given by the caller.
    Given,
    /// By the elbow sweep's rule, with the branch that decided.
    Elbow(Choice),
}

/// One K-Means group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KMeansCluster {
    /// The group's number (by first appearance in the rows).
    pub id: u32,
    /// Rows in the group.
    pub size: usize,
    /// The centroid in original units.
    pub centroid: Named,
}

/// The K-Means part.
#[derive(Clone, Debug, Serialize)]
pub struct KMeansPart {
    /// The parameters used.
    pub params: KMeansPartParams,
    /// The number of groups.
    pub k: usize,
    /// How k was chosen.
    pub chosen_by: KChosenBy,
    /// The elbow sweep, when k was chosen.
    pub elbow: Option<Elbow>,
    /// Sum of squared distances to the centroids (prepared units).
    pub inertia: f64,
    /// Iterations of the best run.
    pub n_iter: usize,
    /// Whether the best run converged.
    pub converged: bool,
    /// Group of each row, numbered by first appearance.
    pub labels: Vec<u32>,
    /// The groups, by number.
    pub clusters: Vec<KMeansCluster>,
    /// Each group against the fleet, by number.
    pub profiles: Vec<Profile>,
    /// Soft problems with the fit.
    pub warnings: Vec<Warning>,
    /// The centroids in prepared units, row `j` for group `j` (what a saved model scores with).
    #[serde(skip)]
    pub centroids_prepared: Matrix,
}

/// Fits K-Means on the prepared data, choosing k when asked.
///
/// # Errors
/// The engine's errors: invalid parameters, more groups than rows.
pub fn kmeans_part(data: &Prepared<'_>, p: &KMeansPartParams, progress: &mut dyn FnMut(Step)) -> Result<KMeansPart> {
    let z = data.z();
    super::check_budget("K-Means", z, super::kmeans_memory(z.n_rows(), z.n_cols()), p.max_memory)?;
    let (model, elbow) = match p.n_clusters {
        KChoice::Given(k) => {
            progress(Step::KMeans);
            (p.engine(k).check()?.fit(z)?, None)
        }
        KChoice::Auto { k_max } => {
            let e = sweep(z, &ElbowParams::new(k_max, p.engine(1)), |k| {
                progress(Step::Elbow { k, k_max })
            })?;
            let model = match e.chosen_model() {
                Some(m) => m.clone(),
                // The sweep ran on a sample: the chosen k is fitted on every row.
                None => {
                    progress(Step::KMeans);
                    p.engine(e.chosen).check()?.fit(z)?
                }
            };
            (model, Some(e))
        }
    };
    let k = model.n_clusters();
    let ids = first_appearance_order(model.labels(), k);
    let labels: Vec<u32> = model.labels().iter().map(|&l| ids[l as usize]).collect();
    let centroids = data.prep().inverse_transform(model.centroids())?;
    let features = data.table().features();
    let mut clusters: Vec<KMeansCluster> = (0..k)
        .map(|j| KMeansCluster {
            id: ids[j],
            size: model.sizes()[j],
            centroid: Named::new(features, centroids.row(j)),
        })
        .collect();
    clusters.sort_by_key(|c| c.id);
    let groups: Vec<Option<u32>> = labels.iter().map(|&l| Some(l)).collect();
    Ok(KMeansPart {
        params: p.clone(),
        k,
        chosen_by: elbow.as_ref().map_or(KChosenBy::Given, |e| KChosenBy::Elbow(e.choice)),
        inertia: model.inertia(),
        n_iter: model.n_iter(),
        converged: model.converged(),
        profiles: profiles(data.table().x(), &groups, k, features),
        labels,
        clusters,
        warnings: model.warnings().to_vec(),
        centroids_prepared: {
            let mut order = vec![0; k];
            for (j, &id) in ids.iter().enumerate() {
                order[id as usize] = j;
            }
            model.centroids().select_rows(&order)
        },
        elbow,
    })
}
