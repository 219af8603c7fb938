//! Outlier scores and reasons for a DBSCAN result.
//!
//! **Score.** A row's k-distance (k = `min_samples − 1`, on the clustering features) divided by
//! the median k-distance of the core rows of its *reference cluster*: its own cluster, or for a
//! noise row the cluster of its nearest core row. About 1 means "as dense as a typical member",
//! 3 means "three times farther from its neighbours than members are from theirs". Relative to
//! the reference cluster, not to the whole input, so a point beside a sparse group is not
//! flagged for the sparseness of that group. Without any cluster, the median over all rows is
//! the reference. With fewer rows than `min_samples`, k is the number of other rows.
//!
//! **Reasons.** For each feature, the row's value in original units against the reference
//! cluster's median and median absolute deviation (MAD) in that feature: a robust z-score
//! `(value − median) / MAD`, unaffected by the cluster's own extremes. Features whose |z| is at
//! least [`REASON_Z`] are the reasons, strongest first; when none reaches it the strongest one
//! is given. A feature whose MAD is 0 (the cluster is constant in it) reports the difference
//! without a z-score.

use rayon::prelude::*;

use crate::cluster::dbscan::{Dbscan, Label};
use crate::index::kdtree::KdTree;
use crate::matrix::Matrix;
use crate::select::kdist::k_distances_in;
use crate::stats::{median_and_mad, typical};

/// Robust z-score from which a feature counts as a reason.
pub const REASON_Z: f64 = 3.0;

/// One feature that makes a row odd.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Reason {
    /// The feature's name.
    pub feature: String,
    /// The row's value (original units).
    pub value: f64,
    /// The reference cluster's median (original units).
    #[serde(rename = "cluster_median")]
    pub median: f64,
    /// `(value − median) / MAD`; `None` when the cluster's MAD is 0.
    pub mad_z: Option<f64>,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (v, m) = (crate::format::human(self.value), crate::format::human(self.median));
        match self.mad_z {
            Some(z) => write!(f, "{} {v} (cluster median {m}, {z:+.1} MAD)", self.feature),
            None => write!(f, "{} {v} (cluster constant at {m})", self.feature),
        }
    }
}

/// A ranked anomaly: a noise row with its score and reasons.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Anomaly {
    /// 0-based row.
    pub row: usize,
    /// Outlier score (see the module docs).
    pub score: f64,
    /// The reference cluster (nearest core row's), if there is any cluster.
    pub nearest_cluster: Option<u32>,
    /// The features that make the row odd, strongest first.
    pub reasons: Vec<Reason>,
}

/// Scores of every row, cluster profiles and the ranked anomalies.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// Outlier score of every row.
    pub scores: Vec<f64>,
    /// Every row's distance to its k-th nearest other row (`k = min_samples − 1`, at most the
    /// other rows, at least 1), the numerator of its score.
    pub k_distances: Vec<f64>,
    /// Reference cluster of every row (`None` when there are no clusters).
    pub reference: Vec<Option<u32>>,
    /// Per cluster, per feature: the median in original units.
    pub medians: Vec<Vec<f64>>,
    /// Per cluster, per feature: the median absolute deviation in original units.
    pub mads: Vec<Vec<f64>>,
    /// Noise rows, highest score first (ties by row).
    pub anomalies: Vec<Anomaly>,
}

/// Explains `model`, fitted on `z` (the scaled features); `original` holds the same rows in
/// original units, and `features` their names.
pub fn explain(model: &Dbscan, z: &Matrix, original: &Matrix, features: &[String]) -> Explanation {
    explain_in(model, z, &KdTree::build(z.as_slice(), z.n_cols()), original, features)
}

/// [`explain`] with a kd-tree already built over the rows of `z` (shared with the DBSCAN fit
/// and the k-distance curve).
pub fn explain_in(model: &Dbscan, z: &Matrix, tree: &KdTree, original: &Matrix, features: &[String]) -> Explanation {
    let n = z.n_rows();
    // With fewer rows than min_samples, the farthest other row stands in for the k-th; a lone
    // row has nothing to be compared with and scores 1.
    let k = model.min_samples().saturating_sub(1).min(n.saturating_sub(1)).max(1);
    let kd = if n > 1 { k_distances_in(tree, k) } else { vec![0.0; n] };
    let labels = model.labels();
    let core = model.is_core();

    // Reference cluster: own, or the nearest core row's (the first in tree order among
    // equals), searched in the shared tree with the nodes that hold no core row skipped.
    let core_at: Vec<bool> = (0..tree.len()).map(|p| core[tree.row(p)]).collect();
    let mut node_has_core = vec![false; tree.n_nodes()];
    for i in (0..tree.n_nodes()).rev() {
        node_has_core[i] = match tree.children(i) {
            Some((l, r)) => node_has_core[l] || node_has_core[r],
            None => tree.node_range(i).any(|p| core_at[p]),
        };
    }
    let reference: Vec<Option<u32>> = (0..n)
        .into_par_iter()
        .map(|i| match labels[i] {
            Label::Cluster(c) => Some(c),
            Label::Noise => tree
                .nearest_matching(z.row(i), |node| !node_has_core[node], |p| core_at[p])
                .and_then(|(_, p)| labels[tree.row(p)].cluster()),
        })
        .collect();

    // Typical k-distance per cluster: the median over its core rows.
    let n_clusters = model.n_clusters();
    let mut per_cluster: Vec<Vec<f64>> = vec![Vec::new(); n_clusters];
    for i in 0..n {
        if let (true, Label::Cluster(c)) = (core[i], labels[i]) {
            per_cluster[c as usize].push(kd[i]);
        }
    }
    // A cluster whose core rows mostly sit on duplicates has a typical k-distance of 0: the
    // positive ones stand in, then the whole input's, so that no score is infinite.
    let overall = typical(&kd);
    let typical_kd: Vec<f64> = per_cluster
        .iter()
        .map(|v| Some(typical(v)).filter(|&t| t > 0.0).unwrap_or(overall))
        .collect();
    let scores: Vec<f64> = (0..n)
        .map(|i| {
            let t = reference[i].map_or(overall, |c| typical_kd[c as usize]);
            ratio(kd[i], t)
        })
        .collect();

    // Profiles in original units.
    let d = original.n_cols();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    for (i, l) in labels.iter().enumerate() {
        if let Some(c) = l.cluster() {
            members[c as usize].push(i);
        }
    }
    let (medians, mads): (Vec<Vec<f64>>, Vec<Vec<f64>>) = members
        .iter()
        .map(|rows| {
            (0..d)
                .map(|f| {
                    let mut v: Vec<f64> = rows.iter().map(|&r| original.get(r, f)).collect();
                    median_and_mad(&mut v)
                })
                .unzip()
        })
        .unzip();

    let mut anomalies: Vec<Anomaly> = (0..n)
        .filter(|&i| labels[i] == Label::Noise)
        .map(|i| {
            let reasons = match reference[i] {
                Some(c) => reasons(original.row(i), &medians[c as usize], &mads[c as usize], features),
                None => Vec::new(),
            };
            Anomaly {
                row: i,
                score: scores[i],
                nearest_cluster: reference[i],
                reasons,
            }
        })
        .collect();
    anomalies.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.cmp(&b.row)));
    Explanation {
        scores,
        k_distances: kd,
        reference,
        medians,
        mads,
        anomalies,
    }
}

/// `a / b`, with the degenerate cases made explicit: 0/0 is 1 (as dense as typical), and x/0
/// is x (the distance in prepared units: only when every reference distance is 0, that is
/// every reference row is a duplicate), so that a score is always finite.
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else if a == 0.0 {
        1.0
    } else {
        a
    }
}

pub(crate) fn reasons(row: &[f64], medians: &[f64], mads: &[f64], features: &[String]) -> Vec<Reason> {
    let mut all: Vec<(f64, Reason)> = (0..row.len())
        .map(|f| {
            let diff = row[f] - medians[f];
            let mad_z = (mads[f] > 0.0).then(|| diff / mads[f]);
            // Strength for ranking: the z-score, or an unbounded one for any difference from a
            // constant cluster.
            let strength = match mad_z {
                Some(z) => z.abs(),
                None if diff != 0.0 => f64::INFINITY,
                None => 0.0,
            };
            let reason = Reason {
                feature: features[f].clone(),
                value: row[f],
                median: medians[f],
                mad_z,
            };
            (strength, reason)
        })
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let strong = all.iter().filter(|(s, _)| *s >= REASON_Z).count().max(1);
    all.into_iter().take(strong).map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::DbscanParams;

    #[test]
    fn anomalies_are_ranked_and_explained_in_original_units() {
        // Two features: a tight group around (50 ms, 0.1 %), one row far in latency only, one
        // far in both, one slightly off.
        let mut rows: Vec<[f64; 2]> = (0..40)
            .map(|i| [50.0 + (i % 7) as f64, 0.1 + 0.01 * (i % 5) as f64])
            .collect();
        rows.push([700.0, 0.12]);
        rows.push([400.0, 5.0]);
        rows.push([60.0, 0.2]);
        let original = Matrix::from_rows(&rows).unwrap();
        // Cluster in "scaled" units: here latency / 100 and error / 1.
        let z = Matrix::from_rows(&rows.iter().map(|r| [r[0] / 100.0, r[1]]).collect::<Vec<_>>()).unwrap();
        let model = DbscanParams::new(0.08, 4).check().unwrap().fit(&z).unwrap();
        let names = vec!["latency_ms".to_string(), "error_rate_pct".to_string()];
        let e = explain(&model, &z, &original, &names);
        assert_eq!(e.scores.len(), 43);
        let noise: Vec<usize> = e.anomalies.iter().map(|a| a.row).collect();
        assert!(noise.contains(&40) && noise.contains(&41), "{noise:?}");
        assert!(e.anomalies.windows(2).all(|w| w[0].score >= w[1].score));
        let far = e.anomalies.iter().find(|a| a.row == 40).unwrap();
        assert!(far.score > 10.0, "{}", far.score);
        assert_eq!(far.reasons.len(), 1);
        assert_eq!(far.reasons[0].feature, "latency_ms");
        assert_eq!(far.reasons[0].value, 700.0);
        assert_eq!(far.reasons[0].median, e.medians[0][0]);
        let text = far.reasons[0].to_string();
        assert!(text.starts_with("latency_ms 700 (cluster median 53"), "{text}");
        let both = e.anomalies.iter().find(|a| a.row == 41).unwrap();
        assert_eq!(both.reasons.len(), 2);
        // members score about 1
        let member_scores: Vec<f64> = (0..40).map(|i| e.scores[i]).collect();
        let mut s = member_scores.clone();
        s.sort_by(f64::total_cmp);
        assert!((s[20] - 1.0).abs() < 0.5, "{}", s[20]);
    }

    #[test]
    fn no_cluster_at_all() {
        let x = Matrix::from_rows(&[[0.0], [10.0], [20.0]]).unwrap();
        let model = DbscanParams::new(1.0, 2).check().unwrap().fit(&x).unwrap();
        let e = explain(&model, &x, &x, &["v".to_string()]);
        assert_eq!(e.anomalies.len(), 3);
        assert!(e
            .anomalies
            .iter()
            .all(|a| a.reasons.is_empty() && a.nearest_cluster.is_none()));
        assert!(e.scores.iter().all(|s| s.is_finite()));
        // fewer rows than min_samples, and a lone row
        let two = Matrix::from_rows(&[[0.0], [10.0]]).unwrap();
        let model = DbscanParams::new(1.0, 5).check().unwrap().fit(&two).unwrap();
        let e = explain(&model, &two, &two, &["v".to_string()]);
        assert_eq!(e.scores, [1.0, 1.0]);
        let one = Matrix::from_rows(&[[3.0]]).unwrap();
        let model = DbscanParams::new(1.0, 5).check().unwrap().fit(&one).unwrap();
        assert_eq!(explain(&model, &one, &one, &["v".to_string()]).scores, [1.0]);
    }

    #[test]
    fn runs_of_repeated_values_give_finite_scores() {
        // A series stuck on two levels with a few excursions: every core row's k-distance is 0.
        let mut v: Vec<[f64; 1]> = Vec::new();
        v.extend(std::iter::repeat_n([1.0], 30));
        v.extend(std::iter::repeat_n([5.0], 30));
        v.extend([[1.2], [9.0], [5.5], [40.0]]);
        let x = Matrix::from_rows(&v).unwrap();
        let model = DbscanParams::new(0.5, 4).check().unwrap().fit(&x).unwrap();
        let e = explain(&model, &x, &x, &["v".to_string()]);
        assert!(e.scores.iter().all(|s| s.is_finite()), "{:?}", e.scores);
        // The far excursion scores highest, and members score 0 (on their duplicates).
        let top = e.anomalies[0].row;
        assert_eq!(top, 63, "{:?}", e.anomalies);
        assert_eq!(e.scores[0], 0.0);
        let all_same = Matrix::from_rows(&[[2.0], [2.0], [2.0]]).unwrap();
        let model = DbscanParams::new(0.5, 2).check().unwrap().fit(&all_same).unwrap();
        assert_eq!(
            explain(&model, &all_same, &all_same, &["v".to_string()]).scores,
            [1.0; 3]
        );
    }

    #[test]
    fn constant_clusters_report_differences_without_a_z() {
        let r = reasons(&[5.0, 1.0], &[1.0, 1.0], &[0.0, 0.0], &["a".into(), "b".into()]);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].mad_z, None);
        assert_eq!(r[0].to_string(), "a 5 (cluster constant at 1)");
    }
}
