//! Cluster profiles in the telemetry's own terms: per feature, is the cluster high, normal or
//! low against the whole fleet, and what does that make it (healthy, slow, failing, ...).
//!
//! A feature is **high** (or **low**) for a cluster when the cluster's median lies at least
//! [`PROFILE_Z`] fleet MADs above (below) the fleet median: the robust z-score
//! `(cluster median − fleet median) / fleet MAD`, the same scale as the anomaly reasons. A
//! cluster with no high or low feature is **healthy**. Otherwise its name comes from what its
//! unusual features measure, read from their names: high latency or duration is *slow*, high
//! errors or failures *failing*, high CPU, memory or load *saturated*, high request counts
//! *busy*, low request counts *idle*; any other feature gives a plain "high NAME".

use crate::matrix::Matrix;
use crate::stats::{median, median_and_mad};

/// Robust z-score from which a cluster's median counts as high or low.
pub const PROFILE_Z: f64 = 3.0;

/// Where a cluster's median sits against the fleet's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// At least [`PROFILE_Z`] MADs below the fleet median.
    Low,
    /// Within [`PROFILE_Z`] MADs.
    Normal,
    /// At least [`PROFILE_Z`] MADs above.
    High,
}

/// One feature of a cluster's profile.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Trait {
    /// The feature's name.
    pub feature: String,
    /// The cluster's median (original units).
    pub median: f64,
    /// The fleet's median.
    pub fleet_median: f64,
    /// `(median − fleet median) / fleet MAD`; `None` when the fleet MAD is 0.
    pub z: Option<f64>,
    /// High, normal or low.
    pub level: Level,
}

/// A cluster described against the fleet.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Profile {
    /// The cluster's label.
    pub cluster: u32,
    /// Rows in the cluster.
    pub size: usize,
    /// A short name: `healthy`, `slow`, `failing`, `slow and failing`, `high cpu_pct`, ...
    pub name: String,
    /// The unusual features as text, strongest first: `high latency_ms`, ...
    pub notes: Vec<String>,
    /// Every feature, in column order.
    pub traits: Vec<Trait>,
}

impl Profile {
    /// A legend entry: `1 slow (112)`.
    pub fn legend(&self) -> String {
        format!("{} {} ({})", self.cluster, self.name, self.size)
    }
}

/// Profiles of the clusters of `labels` (`None` = in no cluster, e.g. DBSCAN noise) over the
/// rows of `x` (original units); clusters are `0..n_clusters`.
///
/// ```
/// use telecluster::explain::profile::profiles;
/// use telecluster::Matrix;
/// let mut rows = Vec::new();
/// for i in 0..30 {
///     let j = (i % 10) as f64;
///     rows.push([50.0 + j, 0.1 + 0.01 * j]); // healthy
///     rows.push([500.0 + j, 0.2 + 0.01 * j]); // slow
///     rows.push([45.0 + j, 5.0 + 0.01 * j]); // failing
/// }
/// let x = Matrix::from_rows(&rows).unwrap();
/// let labels: Vec<Option<u32>> = (0..90).map(|i| Some(i % 3)).collect();
/// let names = ["latency_ms".to_string(), "error_rate_pct".to_string()];
/// let p = profiles(&x, &labels, 3, &names);
/// assert_eq!([p[0].name.as_str(), p[1].name.as_str(), p[2].name.as_str()], ["healthy", "slow", "failing"]);
/// assert_eq!(p[1].notes, ["high latency_ms"]);
/// ```
pub fn profiles(x: &Matrix, labels: &[Option<u32>], n_clusters: usize, features: &[String]) -> Vec<Profile> {
    let d = x.n_cols();
    let fleet: Vec<(f64, f64)> = (0..d)
        .map(|f| median_and_mad(&mut x.column(f).collect::<Vec<_>>()))
        .collect();
    // The fleet's mean absolute deviation, for features whose MAD is 0 (mostly constant).
    let fleet_mean_dev: Vec<f64> = (0..d)
        .map(|f| x.column(f).map(|v| (v - fleet[f].0).abs()).sum::<f64>() / x.n_rows().max(1) as f64)
        .collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    for (i, l) in labels.iter().enumerate() {
        if let Some(c) = l.filter(|&c| (c as usize) < n_clusters) {
            members[c as usize].push(i);
        }
    }
    let mut values = Vec::new();
    members
        .iter()
        .enumerate()
        .map(|(c, rows)| {
            let traits: Vec<Trait> = (0..d)
                .map(|f| {
                    values.clear();
                    values.extend(rows.iter().map(|&r| x.get(r, f)));
                    let median = median(&mut values);
                    let (fm, mad) = fleet[f];
                    let spread = if mad > 0.0 { mad } else { fleet_mean_dev[f] };
                    let z = (spread > 0.0).then(|| (median - fm) / spread);
                    let level = match z {
                        Some(z) if z >= PROFILE_Z => Level::High,
                        Some(z) if z <= -PROFILE_Z => Level::Low,
                        _ => Level::Normal,
                    };
                    Trait {
                        feature: features[f].clone(),
                        median,
                        fleet_median: fm,
                        z,
                        level,
                    }
                })
                .collect();
            let mut unusual: Vec<&Trait> = traits.iter().filter(|t| t.level != Level::Normal).collect();
            unusual.sort_by(|a, b| b.z.unwrap_or(0.0).abs().total_cmp(&a.z.unwrap_or(0.0).abs()));
            let notes: Vec<String> = unusual
                .iter()
                .map(|t| format!("{} {}", if t.level == Level::High { "high" } else { "low" }, t.feature))
                .collect();
            let mut names: Vec<String> = Vec::new();
            for t in &unusual {
                let word = meaning(&t.feature, t.level).map(str::to_string).unwrap_or_else(|| {
                    format!("{} {}", if t.level == Level::High { "high" } else { "low" }, t.feature)
                });
                if !names.contains(&word) {
                    names.push(word);
                }
            }
            Profile {
                cluster: c as u32,
                size: rows.len(),
                name: if names.is_empty() {
                    "healthy".into()
                } else {
                    names.join(" and ")
                },
                notes,
                traits,
            }
        })
        .collect()
}

/// What a high or low value of a feature means, from its name.
fn meaning(feature: &str, level: Level) -> Option<&'static str> {
    let f = feature.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| f.contains(w));
    match level {
        Level::High if has(&["error", "fail", "5xx", "exception", "timeout", "reject"]) => Some("failing"),
        Level::High
            if has(&[
                "latency", "duration", "time", "delay", "wait", "p50", "p90", "p95", "p99", "_ms",
            ]) =>
        {
            Some("slow")
        }
        Level::High if has(&["cpu", "mem", "load", "util", "saturation", "iowait", "disk"]) => Some("saturated"),
        Level::High if has(&["request", "rps", "qps", "traffic", "throughput", "calls"]) => Some("busy"),
        Level::Low if has(&["request", "rps", "qps", "traffic", "throughput", "calls"]) => Some("idle"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meanings_from_names() {
        assert_eq!(meaning("error_rate_pct", Level::High), Some("failing"));
        assert_eq!(meaning("p99_latency_ms", Level::High), Some("slow"));
        assert_eq!(meaning("cpu_util", Level::High), Some("saturated"));
        assert_eq!(meaning("requests_per_s", Level::Low), Some("idle"));
        assert_eq!(meaning("error_rate_pct", Level::Low), None);
        assert_eq!(meaning("temperature", Level::High), None);
    }

    #[test]
    fn constant_fleet_and_empty_clusters_stay_finite() {
        let x = Matrix::from_rows(&[[1.0, 7.0], [1.0, 7.0], [1.0, 9.0], [1.0, 7.0]]).unwrap();
        let labels = [Some(0), Some(0), Some(1), None];
        let p = profiles(&x, &labels, 3, &["a".into(), "b".into()]);
        assert_eq!(p[0].name, "healthy");
        // b: MAD 0, mean deviation 0.5: 9 is 4 mean deviations above 7.
        assert_eq!(p[1].name, "high b");
        assert_eq!(p[2].size, 0);
        assert_eq!(p[2].traits[0].level, Level::Normal);
    }
}
