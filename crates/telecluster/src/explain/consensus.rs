//! Consensus anomalies: a row flagged by several independent views of the data.
//!
//! One detector alone has blind spots: DBSCAN's noise depends on eps, a density score misses a
//! row that is odd in one feature only, a per-feature test misses a row odd in its combination.
//! Each [`View`] below looks at the rows its own way and flags those it finds odd; a row's
//! **confidence** is how many views flag it, out of the views that looked at it.
//!
//! | view | flags a row when |
//! |---|---|
//! | [`View::NoGroup`] | it is in no group: DBSCAN noise, or (a K-Means model) farther from its centroid than every training member |
//! | [`View::HighScore`] | its outlier score is beyond the robust fence of all scores: `log score > median + 3.5 × 1.4826 × MAD` of the log scores |
//! | [`View::RobustZ`] | some feature's robust z against the whole fleet reaches [`Z_FLAG`]: `0.6745 (x − median) / MAD`, Iglewicz and Hoaglin's modified z-score, on the prepared features |
//! | [`View::LateSingleton`] | it joins the Ward tree as a single row only in the last `⌈√n⌉` merges: a cut into `√n` clusters still leaves it alone |
//!
//! **Ranking.** Rows are ranked by confidence, then by the mean of three continuous strengths
//! (the outlier score, the largest robust |z|, the height at which the row first merges in the
//! tree), each turned into its percentile among the rows the view looked at, so that no
//! signal's scale dominates. The rank score is `confidence + mean percentile`: every row with
//! one more agreeing view ranks above every row with one fewer.
//!
//! A view that did not look at a row (the tree of a sample, a model without a fleet profile)
//! neither flags nor clears it.

use serde::Serialize;

use crate::matrix::Matrix;
use crate::stats::median;

/// Modified z-score from which [`View::RobustZ`] flags a row (Iglewicz and Hoaglin's 3.5).
pub const Z_FLAG: f64 = 3.5;

/// The fence of [`View::HighScore`], in robust standard deviations of the log scores.
pub const SCORE_FENCE_Z: f64 = 3.5;

/// MAD to the standard deviation of a normal distribution.
const MAD_TO_SD: f64 = 1.4826;

/// One way of looking at the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// In no group (DBSCAN noise; beyond every K-Means member).
    NoGroup,
    /// An outlier score beyond the fence of all scores.
    HighScore,
    /// A feature far from the fleet's median (robust z).
    RobustZ,
    /// A late singleton in the Ward tree.
    LateSingleton,
}

impl View {
    /// Every view, in the order their flags are listed.
    pub const ALL: [View; 4] = [View::NoGroup, View::HighScore, View::RobustZ, View::LateSingleton];

    /// Its name in text outputs.
    pub fn name(self) -> &'static str {
        match self {
            View::NoGroup => "no group",
            View::HighScore => "high score",
            View::RobustZ => "robust z",
            View::LateSingleton => "late singleton",
        }
    }
}

/// The fleet's median and robust spread per feature, for [`View::RobustZ`].
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Fleet {
    /// Per feature, the median (prepared units).
    pub median: Vec<f64>,
    /// Per feature, the spread a modified z divides by: `MAD / 0.6745`, or where the MAD is 0,
    /// `1.2533 × mean absolute deviation` (IBM's fallback); 0 for a constant feature.
    pub spread: Vec<f64>,
}

impl Fleet {
    /// The fleet of `z`'s rows.
    pub fn fit(z: &Matrix) -> Fleet {
        let (median_, spread) = (0..z.n_cols())
            .map(|f| {
                let mut col: Vec<f64> = (0..z.n_rows()).map(|i| z.get(i, f)).collect();
                let m = median(&mut col);
                let mut dev: Vec<f64> = col.iter().map(|v| (v - m).abs()).collect();
                let mad = median(&mut dev);
                let spread = if mad > 0.0 {
                    mad / 0.6745
                } else {
                    let mean_ad = crate::stats::mean(&dev);
                    if mean_ad > 0.0 {
                        1.253_314 * mean_ad
                    } else {
                        0.0
                    }
                };
                (if m.is_nan() { 0.0 } else { m }, spread)
            })
            .unzip();
        Fleet {
            median: median_,
            spread,
        }
    }

    /// The feature with the largest |modified z| in `row`, and that z (signed). A feature
    /// constant in the fleet gives no z; a row without any z gives `None`.
    pub fn strongest(&self, row: &[f64]) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (f, &v) in row.iter().enumerate() {
            if self.spread[f] > 0.0 {
                let z = (v - self.median[f]) / self.spread[f];
                if best.is_none_or(|(_, b)| z.abs() > b.abs()) {
                    best = Some((f, z));
                }
            }
        }
        best
    }
}

/// The fence of [`View::HighScore`] over `scores`: the score above which a row is flagged.
/// Scores are ratios (1 = typical), so the fence is taken on their logarithms; infinite when
/// there is no finite positive score.
pub fn score_fence(scores: &[f64]) -> f64 {
    let mut logs: Vec<f64> = scores
        .iter()
        .filter(|s| s.is_finite() && **s > 0.0)
        .map(|s| s.ln())
        .collect();
    if logs.is_empty() {
        return f64::INFINITY;
    }
    let m = median(&mut logs);
    let mut dev: Vec<f64> = logs.iter().map(|v| (v - m).abs()).collect();
    let mad = median(&mut dev);
    (m + SCORE_FENCE_Z * MAD_TO_SD * mad).exp()
}

/// For each of `n` leaves of a linkage (`merges` in scipy's order: merge `i` forms cluster
/// `n + i`), the height at which it first merges and whether that merge is one of the last
/// `⌈√n⌉`.
pub fn late_singletons(merges: &[crate::cluster::linkage::Merge], n: usize) -> Vec<(f64, bool)> {
    let mut out = vec![(0.0, false); n];
    let last = (n as f64).sqrt().ceil() as usize;
    let late_from = merges.len().saturating_sub(last);
    for (i, m) in merges.iter().enumerate() {
        for leaf in [m.a, m.b] {
            if leaf < n {
                out[leaf] = (m.height, i >= late_from);
            }
        }
    }
    out
}

/// What each view says of one row: `None` where it did not look.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Looks {
    /// [`View::NoGroup`]'s flag.
    pub no_group: Option<bool>,
    /// The outlier score and whether it is beyond the fence ([`View::HighScore`]).
    pub score: Option<(f64, bool)>,
    /// The strongest feature and its modified z ([`View::RobustZ`]).
    pub z: Option<(usize, f64)>,
    /// The first-merge height and whether it is late ([`View::LateSingleton`]).
    pub tree: Option<(f64, bool)>,
}

impl Looks {
    /// The views that flag the row, in [`View::ALL`]'s order.
    pub fn flags(&self) -> Vec<View> {
        let mut v = Vec::new();
        if self.no_group == Some(true) {
            v.push(View::NoGroup);
        }
        if self.score.is_some_and(|(_, f)| f) {
            v.push(View::HighScore);
        }
        if self.z.is_some_and(|(_, z)| z.abs() >= Z_FLAG) {
            v.push(View::RobustZ);
        }
        if self.tree.is_some_and(|(_, f)| f) {
            v.push(View::LateSingleton);
        }
        v
    }

    /// The views that looked.
    pub fn looked(&self) -> usize {
        usize::from(self.no_group.is_some())
            + usize::from(self.score.is_some())
            + usize::from(self.z.is_some())
            + usize::from(self.tree.is_some())
    }
}

/// One row's consensus.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// Views that flag the row.
    pub confidence: usize,
    /// Views that looked at it.
    pub of: usize,
    /// `confidence` + the mean percentile of its strengths (see the module docs).
    pub rank_score: f64,
}

/// The consensus of every row, in row order.
pub fn verdicts(looks: &[Looks]) -> Vec<Verdict> {
    let pct_score = percentiles(looks.iter().map(|l| l.score.map(|(s, _)| s)));
    let pct_z = percentiles(looks.iter().map(|l| l.z.map(|(_, z)| z.abs())));
    let pct_tree = percentiles(looks.iter().map(|l| l.tree.map(|(h, _)| h)));
    looks
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let strengths: Vec<f64> = [pct_score[i], pct_z[i], pct_tree[i]].into_iter().flatten().collect();
            let mean = if strengths.is_empty() {
                0.0
            } else {
                strengths.iter().sum::<f64>() / strengths.len() as f64
            };
            let confidence = l.flags().len();
            Verdict {
                confidence,
                of: l.looked(),
                rank_score: confidence as f64 + mean,
            }
        })
        .collect()
}

/// Each present value's percentile among the present values, in [0, 1] (ties share their mean
/// rank; a single value is 1); `None` stays `None`.
fn percentiles(values: impl Iterator<Item = Option<f64>>) -> Vec<Option<f64>> {
    let values: Vec<Option<f64>> = values.collect();
    let mut present: Vec<(f64, usize)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (if v.is_nan() { 0.0 } else { v }, i)))
        .collect();
    present.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = vec![None; values.len()];
    let n = present.len();
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && present[end].0 == present[start].0 {
            end += 1;
        }
        // Mean 0-based rank of the tie group, over the largest rank.
        let rank = (start + end - 1) as f64 / 2.0;
        let p = if n > 1 { rank / (n - 1) as f64 } else { 1.0 };
        for &(_, i) in &present[start..end] {
            out[i] = Some(p);
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::linkage::Merge;

    #[test]
    fn fleet_z_uses_the_mad_then_the_mean_deviation() {
        let z = Matrix::from_rows(&[[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0], [100.0, 9.0]]).unwrap();
        let f = Fleet::fit(&z);
        assert_eq!(f.median, [3.0, 5.0]);
        assert!((f.spread[0] - 1.0 / 0.6745).abs() < 1e-12);
        // MAD 0 in the second feature: 1.2533 × mean |dev| = 1.2533 × 0.8
        assert!((f.spread[1] - 1.253_314 * 0.8).abs() < 1e-12);
        let (feat, zz) = f.strongest(&[100.0, 9.0]).unwrap();
        assert_eq!(feat, 0);
        assert!((zz - 97.0 * 0.6745).abs() < 1e-9);
        let flat = Fleet::fit(&Matrix::from_rows(&[[2.0], [2.0]]).unwrap());
        assert_eq!(flat.spread, [0.0]);
        assert_eq!(flat.strongest(&[7.0]), None);
    }

    #[test]
    fn the_score_fence_is_robust_on_log_scores() {
        let mut s: Vec<f64> = (0..99).map(|i| 1.0 + 0.01 * i as f64).collect();
        s.push(50.0);
        let fence = score_fence(&s);
        assert!(fence > 1.98 && fence < 50.0, "{fence}");
        assert_eq!(score_fence(&[]), f64::INFINITY);
        assert_eq!(score_fence(&[f64::INFINITY, 0.0]), f64::INFINITY);
    }

    #[test]
    fn late_singletons_are_the_last_root_n_merges() {
        // 4 leaves: (0,1) at 1, (2,5) at 2, then 3 joins last at 10.
        let m = |a, b, height, size| Merge { a, b, height, size };
        let merges = [m(0, 1, 1.0, 2), m(2, 4, 2.0, 3), m(3, 5, 10.0, 4)];
        let l = late_singletons(&merges, 4);
        assert_eq!(l, [(1.0, false), (1.0, false), (2.0, true), (10.0, true)]);
    }

    #[test]
    fn more_agreeing_views_rank_first() {
        let l = |ng, s, z, t| Looks {
            no_group: Some(ng),
            score: Some(s),
            z: Some((0, z)),
            tree: t,
        };
        let looks = vec![
            l(false, (1.0, false), 0.1, Some((1.0, false))),
            l(true, (9.0, true), 8.0, None),
            l(true, (20.0, true), 1.0, Some((0.5, false))),
            l(false, (30.0, true), 0.5, Some((2.0, true))),
        ];
        let v = verdicts(&looks);
        assert_eq!(
            v.iter().map(|v| (v.confidence, v.of)).collect::<Vec<_>>(),
            [(0, 4), (3, 3), (2, 4), (2, 4)]
        );
        assert!(v[1].rank_score > v[2].rank_score && v[1].rank_score > v[3].rank_score);
        // Equal confidence: the stronger signals rank first.
        assert!(v[3].rank_score > v[2].rank_score, "{v:?}");
        assert!(v[0].rank_score < 1.0);
        assert_eq!(
            percentiles([Some(1.0), None, Some(1.0), Some(3.0)].into_iter()),
            [Some(0.25), None, Some(0.25), Some(1.0)]
        );
    }
}
