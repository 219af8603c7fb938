//! The consensus part: rows flagged by several independent views (see
//! [`crate::explain::consensus`]), ranked, each with a one-line why in the telemetry's units.

use serde::Serialize;

use super::{DbscanPart, HierarchyPart, Prepared};
use crate::cluster::dbscan::Label;
use crate::explain::anomaly::Reason;
use crate::explain::consensus::{late_singletons, score_fence, verdicts, Fleet, Looks, View};
use crate::stats::median;

/// Confidence from which a row is listed as a consensus anomaly.
pub const LIST_FROM: usize = 2;

/// A feature far from the fleet: the evidence of [`View::RobustZ`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FleetDeviation {
    /// The feature.
    pub feature: String,
    /// The row's value (original units).
    pub value: f64,
    /// The fleet's median (original units).
    pub fleet_median: f64,
    /// The modified z-score (on the prepared feature).
    pub z: f64,
}

/// A row flagged by at least [`LIST_FROM`] views.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsensusAnomaly {
    /// The entity's id (or row number).
    pub id: String,
    /// 0-based row of the input.
    pub row: usize,
    /// Views that flag it.
    pub confidence: usize,
    /// Views that looked at it.
    pub of: usize,
    /// The flagging views.
    pub views: Vec<View>,
    /// The ranking score (confidence + mean percentile of the strengths).
    pub rank_score: f64,
    /// Its outlier score.
    pub score: f64,
    /// Its strongest feature against the fleet.
    pub deviation: Option<FleetDeviation>,
    /// Against its reference group, when DBSCAN left it in none.
    pub reasons: Vec<Reason>,
}

impl std::fmt::Display for ConsensusAnomaly {
    /// The one-line why: `3 of 4 views (no group, high score, robust z): latency_ms 900
    /// (cluster median 120, +40.1 MAD); error_rate_pct 3 vs fleet median 0.2 (z +12.3); outlier
    /// score 7.1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_why(
            f,
            (self.confidence, self.of),
            &self.views,
            self.deviation.as_ref(),
            &self.reasons,
            self.score,
        )
    }
}

/// The one-line why of a row the views looked at (shared by the report and `score`).
pub(crate) fn write_why(
    f: &mut std::fmt::Formatter<'_>,
    (confidence, of): (usize, usize),
    views: &[View],
    deviation: Option<&FleetDeviation>,
    reasons: &[Reason],
    score: f64,
) -> std::fmt::Result {
    let names: Vec<&str> = views.iter().map(|v| v.name()).collect();
    write!(f, "{confidence} of {of} views")?;
    if !names.is_empty() {
        write!(f, " ({})", names.join(", "))?;
    }
    let mut sep = ": ";
    // Against its own group first (the sharper comparison), then against the fleet when that
    // names another feature.
    let first = reasons.first();
    if let Some(r) = first {
        write!(f, "{sep}{r}")?;
        sep = "; ";
    }
    let deviation = deviation
        .filter(|d| d.z.abs() >= crate::explain::consensus::Z_FLAG)
        .filter(|d| first.is_none_or(|r| r.feature != d.feature));
    if let Some(d) = deviation {
        let (v, m) = (crate::format::human(d.value), crate::format::human(d.fleet_median));
        write!(f, "{sep}{} {v} vs fleet median {m} (z {:+.1})", d.feature, d.z)?;
        sep = "; ";
    }
    write!(f, "{sep}outlier score {}", crate::format::human(score))
}

/// The consensus part.
#[derive(Clone, Debug, Serialize)]
pub struct ConsensusPart {
    /// The fence of the high-score view.
    pub score_fence: f64,
    /// Per row, views that flag it.
    pub confidence: Vec<usize>,
    /// Per row, the ranking score.
    pub rank_scores: Vec<f64>,
    /// Rows flagged by [`LIST_FROM`] views or more, highest rank first.
    pub anomalies: Vec<ConsensusAnomaly>,
}

/// Every view on the rows of `data`, from the DBSCAN and hierarchy parts fitted on it.
pub fn consensus_part(data: &Prepared<'_>, dbscan: &DbscanPart, hierarchy: &HierarchyPart) -> ConsensusPart {
    let (z, table) = (data.z(), data.table());
    let n = z.n_rows();
    let fleet = Fleet::fit(z);
    let fence = score_fence(&dbscan.scores);
    let mut looks: Vec<Looks> = (0..n)
        .map(|i| Looks {
            no_group: Some(dbscan.labels[i] == Label::Noise),
            score: Some((dbscan.scores[i], dbscan.scores[i] > fence)),
            z: fleet.strongest(z.row(i)),
            tree: None,
        })
        .collect();
    if hierarchy.method == crate::cluster::linkage::Method::Ward {
        let rows = hierarchy.rows();
        for (leaf, t) in late_singletons(&hierarchy.merges, rows.len()).into_iter().enumerate() {
            looks[rows[leaf]].tree = Some(t);
        }
    }
    let v = verdicts(&looks);
    let x = table.x();
    let fleet_median: Vec<f64> = (0..x.n_cols())
        .map(|f| median(&mut (0..n).map(|i| x.get(i, f)).collect::<Vec<_>>()))
        .collect();
    let mut noise_at: Vec<Option<usize>> = vec![None; n];
    for (k, a) in dbscan.anomalies.iter().enumerate() {
        noise_at[a.row] = Some(k);
    }
    let mut anomalies: Vec<ConsensusAnomaly> = (0..n)
        .filter(|&i| v[i].confidence >= LIST_FROM)
        .map(|i| ConsensusAnomaly {
            id: table.label(i),
            row: i,
            confidence: v[i].confidence,
            of: v[i].of,
            views: looks[i].flags(),
            rank_score: v[i].rank_score,
            score: dbscan.scores[i],
            deviation: looks[i].z.map(|(f, zz)| FleetDeviation {
                feature: table.features()[f].clone(),
                value: x.get(i, f),
                fleet_median: fleet_median[f],
                z: zz,
            }),
            reasons: noise_at[i]
                .map(|k| dbscan.anomalies[k].reasons.clone())
                .unwrap_or_default(),
        })
        .collect();
    anomalies.sort_by(|a, b| b.rank_score.total_cmp(&a.rank_score).then(a.row.cmp(&b.row)));
    ConsensusPart {
        score_fence: fence,
        confidence: v.iter().map(|v| v.confidence).collect(),
        rank_scores: v.iter().map(|v| v.rank_score).collect(),
        anomalies,
    }
}
