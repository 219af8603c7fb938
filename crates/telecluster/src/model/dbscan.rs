//! What a saved DBSCAN model keeps, and how it scores a row.

use serde::{Deserialize, Serialize};

use crate::analysis::DbscanPart;
use crate::analysis::Prepared;
use crate::error::{Error, Result};
use crate::explain::anomaly::ratio;
use crate::index::kdtree::KdTree;
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
        let z = data.z();
        if part.labels.len() != z.n_rows() {
            return Err(Error::Shape {
                rows: z.n_rows(),
                cols: z.n_cols(),
                got: part.labels.len(),
            });
        }
        let core = &part.core_sample_indices;
        let mut model = DbscanModel {
            eps: part.eps,
            min_samples: part.min_samples,
            core_points: core.iter().map(|&i| z.row(i).to_vec()).collect(),
            core_clusters: core.iter().filter_map(|&i| part.labels[i].cluster()).collect(),
            typical_kdist: Vec::new(),
            overall_kdist: f64::NAN,
        };
        let index = model.index();
        let kd: Vec<f64> = model.core_points.iter().map(|p| index.kdist(p)).collect();
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); part.n_clusters];
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
