//! What a saved K-Means model keeps, and how it scores a row.

use serde::{Deserialize, Serialize};

use crate::analysis::KMeansPart;
use crate::analysis::Prepared;
use crate::error::{Error, Result};
use crate::explain::anomaly::ratio;
use crate::stats::typical;

/// Centroids in prepared units and each cluster's spread at fit time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KMeansModel {
    /// Row `j`: the centroid of cluster `j`, in prepared units.
    pub centroids: Vec<Vec<f64>>,
    /// Per cluster, the median distance of its training members to the centroid.
    pub typical_distance: Vec<f64>,
    /// Per cluster, the largest score of a training member.
    pub max_score: Vec<f64>,
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt()
}

impl KMeansModel {
    pub(super) fn fit(data: &Prepared<'_>, part: &KMeansPart) -> Result<Self> {
        let z = data.z();
        let c = &part.centroids_prepared;
        if c.n_cols() != z.n_cols() || part.labels.len() != z.n_rows() {
            return Err(Error::Shape {
                rows: z.n_rows(),
                cols: z.n_cols(),
                got: part.labels.len(),
            });
        }
        let mut dist: Vec<Vec<f64>> = vec![Vec::new(); c.n_rows()];
        for (i, &l) in part.labels.iter().enumerate() {
            dist[l as usize].push(distance(z.row(i), c.row(l as usize)));
        }
        // Members all on their centroid give a typical distance of 0: the fleet's stands in.
        let overall = typical(&dist.concat());
        let typical: Vec<f64> = dist
            .iter()
            .map(|d| Some(typical(d)).filter(|&t| t > 0.0).unwrap_or(overall))
            .collect();
        let max_score = dist
            .iter()
            .zip(&typical)
            .map(|(d, &t)| d.iter().map(|&x| ratio(x, t)).fold(0.0, f64::max))
            .collect();
        Ok(KMeansModel {
            centroids: c.rows().map(<[f64]>::to_vec).collect(),
            typical_distance: typical,
            max_score,
        })
    }

    pub(super) fn width_is(&self, d: usize) -> bool {
        let k = self.centroids.len();
        k > 0
            && self.centroids.iter().all(|c| c.len() == d)
            && self.typical_distance.len() == k
            && self.max_score.len() == k
    }

    /// (cluster, reference cluster, score, anomalous) of a prepared row.
    pub(super) fn score(&self, z: &[f64]) -> (Option<u32>, Option<u32>, f64, bool) {
        let (best, d) =
            self.centroids
                .iter()
                .map(|c| distance(z, c))
                .enumerate()
                .fold(
                    (0, f64::INFINITY),
                    |(bj, bd), (j, d)| if d < bd { (j, d) } else { (bj, bd) },
                );
        let score = ratio(d, self.typical_distance[best]);
        (
            Some(best as u32),
            Some(best as u32),
            score,
            score > self.max_score[best],
        )
    }
}
