//! What a saved DBSCAN model keeps, and how it scores a row.

use serde::{Deserialize, Serialize};

use crate::analysis::DbscanPart;
use crate::analysis::Prepared;
use rayon::prelude::*;

use crate::cluster::{Dbscan, Label};
use crate::error::{Error, Result};
use crate::explain::anomaly::ratio;
use crate::index::kdtree::KdTree;
use crate::matrix::MatrixRef;
use crate::stats::typical;

/// The core points in prepared units with their clusters, and the density reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DbscanModel {
    /// The neighbourhood radius (prepared units).
    pub eps: f64,
    /// The core-point threshold (the point itself included).
    pub min_samples: usize,
    /// The core points, in training order, in prepared units.
    pub core_points: Vec<Vec<f64>>,
    /// The cluster of each core point.
    pub core_clusters: Vec<u32>,
    /// Per cluster, the median k-distance (to the core points) of its core points.
    pub typical_kdist: Vec<f64>,
    /// The same over every core point (the reference when there is no cluster).
    pub overall_kdist: f64,
}

/// A model with its core points indexed for scoring: one tree over all of them, and one per
/// cluster, the clusters in the order they were formed (the order of their first core point),
/// since a cluster formed first claims a border point first, as in the fit.
pub(super) struct DbscanIndex<'a> {
    model: &'a DbscanModel,
    tree: KdTree,
    /// Per cluster, its rank in formation order.
    rank: Vec<usize>,
    /// Per rank, the cluster and the tree of its core points.
    by_rank: Vec<(u32, KdTree)>,
}

impl DbscanModel {
    fn k(&self) -> usize {
        self.min_samples.saturating_sub(1).max(1)
    }

    pub(super) fn fit(data: &Prepared<'_>, part: &DbscanPart) -> Result<Self> {
        Self::build(
            data.z().view(),
            part.eps,
            part.min_samples,
            &part.labels,
            &part.core_sample_indices,
            part.n_clusters,
        )
    }

    /// The model of a DBSCAN `fit` on the rows of `x`: its core points, their clusters and
    /// their typical k-distances, from which [`DbscanModel::predict`] places and scores new
    /// rows.
    ///
    /// # Errors
    /// [`Error::Shape`] when `fit` has another number of rows than `x`.
    ///
    /// ```
    /// use telecluster::{cluster::DbscanParams, model::DbscanModel, Matrix};
    /// let x = Matrix::from_rows(&[[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])?;
    /// let fit = DbscanParams::new(0.15, 2).check()?.fit(&x)?;
    /// let model = DbscanModel::from_fit(&x, &fit)?;
    /// let placed = model.predict(&Matrix::from_rows(&[[0.05], [5.15], [2.5]])?)?;
    /// let clusters: Vec<_> = placed.iter().map(|p| p.0).collect();
    /// assert_eq!(clusters, [Some(0), Some(1), None]);
    /// assert!(placed[2].1 > placed[0].1); // far from every group: the higher score
    /// # Ok::<(), telecluster::Error>(())
    /// ```
    pub fn from_fit<'a>(x: impl Into<MatrixRef<'a>>, fit: &Dbscan) -> Result<Self> {
        let x = x.into();
        Self::build(
            x,
            fit.eps(),
            fit.min_samples(),
            fit.labels(),
            &fit.core_indices(),
            fit.n_clusters(),
        )
    }

    /// The cluster of each row of `x` (`None`: noise) and its outlier score, as `score`
    /// places rows: within eps of a core point, that point's cluster (a cluster formed
    /// earlier wins a tie, as in the fit); the score is the row's distance to its k-th
    /// nearest core point over its cluster's typical one (1 is typical, higher is sparser).
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] when `x` is not as wide as the core points;
    /// [`Error::Model`] for a model whose parts do not fit together.
    pub fn predict<'a>(&self, x: impl Into<MatrixRef<'a>>) -> Result<Vec<(Option<u32>, f64)>> {
        let x = x.into();
        let d = self.core_points.first().map_or(x.n_cols(), Vec::len);
        if d != x.n_cols() {
            return Err(Error::FeatureMismatch {
                expected: d,
                got: x.n_cols(),
            });
        }
        if !self.width_is(d) {
            return Err(Error::Model {
                path: "the DBSCAN model".into(),
                detail: "its core points, their clusters and typical k-distances do not fit together".into(),
            });
        }
        let index = self.index();
        Ok(x.rows()
            .collect::<Vec<_>>()
            .par_iter()
            .map(|r| {
                let (cluster, _, score, _) = index.score(r);
                (cluster, score)
            })
            .collect())
    }

    fn build(
        z: MatrixRef<'_>,
        eps: f64,
        min_samples: usize,
        labels: &[Label],
        core: &[usize],
        n_clusters: usize,
    ) -> Result<Self> {
        if labels.len() != z.n_rows() {
            return Err(Error::Shape {
                rows: z.n_rows(),
                cols: z.n_cols(),
                got: labels.len(),
            });
        }
        let mut model = Self::from_core_points(
            core.iter().map(|&i| z.row(i).to_vec()).collect(),
            core.iter().filter_map(|&i| labels[i].cluster()).collect(),
            eps,
            min_samples,
        )?;
        // A cluster without core points cannot come out of DBSCAN; the reference stands in.
        let overall = model.overall_kdist;
        model
            .typical_kdist
            .resize(n_clusters.max(model.typical_kdist.len()), overall);
        Ok(model)
    }

    /// The model from its core points and their clusters (what a fit keeps, e.g. scikit-learn's
    /// `components_` and their labels): computes the typical k-distance of each cluster.
    ///
    /// # Errors
    /// [`Error::Model`] when the parts do not fit together (lengths, widths, eps <= 0,
    /// `min_samples` of 0).
    pub fn from_core_points(
        core_points: Vec<Vec<f64>>,
        core_clusters: Vec<u32>,
        eps: f64,
        min_samples: usize,
    ) -> Result<Self> {
        let n_clusters = core_clusters.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let mut model = DbscanModel {
            eps,
            min_samples,
            core_points,
            core_clusters,
            typical_kdist: Vec::new(),
            overall_kdist: f64::NAN,
        };
        let d = model.core_points.first().map_or(1, Vec::len);
        model.typical_kdist = vec![0.0; n_clusters];
        if !(eps.is_finite() && model.width_is(d)) {
            return Err(Error::Model {
                path: "the DBSCAN model".into(),
                detail: "its core points, their clusters, eps and min_samples do not fit together".into(),
            });
        }
        let index = model.index();
        let kd: Vec<f64> = model.core_points.par_iter().map(|p| index.kdist(p)).collect();
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); n_clusters];
        for (&c, &d) in model.core_clusters.iter().zip(&kd) {
            per[c as usize].push(d);
        }
        // Core points mostly on duplicates give a typical k-distance of 0: the positive ones
        // stand in, then every core point's (see `stats::typical`).
        let overall = typical(&kd);
        let typical = per
            .iter()
            .map(|v| Some(typical(v)).filter(|&t| t > 0.0).unwrap_or(overall))
            .collect();
        model.typical_kdist = typical;
        model.overall_kdist = overall;
        Ok(model)
    }

    pub(super) fn width_is(&self, d: usize) -> bool {
        let n_clusters = self.core_clusters.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        self.core_points.iter().all(|p| p.len() == d)
            && self.core_points.len() == self.core_clusters.len()
            && self.typical_kdist.len() >= n_clusters
            && self.eps > 0.0
            && self.min_samples >= 1
    }

    pub(super) fn index(&self) -> DbscanIndex<'_> {
        let d = self.core_points.first().map_or(0, Vec::len);
        let flat: Vec<f64> = self.core_points.iter().flatten().copied().collect();
        let n_clusters = self.core_clusters.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let mut rank = vec![usize::MAX; n_clusters];
        let mut order = Vec::new();
        let mut members: Vec<Vec<f64>> = vec![Vec::new(); n_clusters];
        for (p, &c) in self.core_points.iter().zip(&self.core_clusters) {
            if rank[c as usize] == usize::MAX {
                rank[c as usize] = order.len();
                order.push(c);
            }
            members[c as usize].extend_from_slice(p);
        }
        let by_rank = order
            .iter()
            .map(|&c| (c, KdTree::build(&members[c as usize], d.max(1))))
            .collect();
        DbscanIndex {
            model: self,
            tree: KdTree::build(&flat, d.max(1)),
            rank,
            by_rank,
        }
    }
}

impl DbscanIndex<'_> {
    fn kdist(&self, z: &[f64]) -> f64 {
        let k = self.model.k().min(self.tree.len());
        if k == 0 {
            return 0.0;
        }
        self.tree.kth_sq_dist(z, k).sqrt()
    }

    /// (cluster, reference cluster, score, anomalous) of a prepared row.
    pub(super) fn score(&self, z: &[f64]) -> (Option<u32>, Option<u32>, f64, bool) {
        let m = self.model;
        let eps2 = m.eps * m.eps;
        let sq = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
        // The nearest core point: beyond eps the row is noise; within, its cluster stands
        // unless a cluster formed earlier also has a core point within eps.
        let nearest = (!self.tree.is_empty()).then(|| self.tree.row(self.tree.nearest(z)));
        let cluster = nearest.filter(|&i| sq(z, &m.core_points[i]) <= eps2).map(|i| {
            let c = m.core_clusters[i];
            self.by_rank[..self.rank[c as usize]]
                .iter()
                .find(|(_, t)| sq(z, t.point(t.nearest(z))) <= eps2)
                .map_or(c, |&(earlier, _)| earlier)
        });
        let reference = cluster.or_else(|| nearest.map(|i| m.core_clusters[i]));
        let typical = reference.map_or(m.overall_kdist, |c| m.typical_kdist[c as usize]);
        (cluster, reference, ratio(self.kdist(z), typical), cluster.is_none())
    }
}
