//! What DBSCAN tells its user around a fit: the expected work before a long run, and the red
//! flags of parameters that do not fit the data after it.

use rayon::prelude::*;

use crate::error::Param;
use crate::matrix::Matrix;
use crate::metric::sq_dist;
use crate::rng::Rng;

/// A sign that the parameters do not fit the data, with the advice that fits.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RedFlag {
    /// No row has `min_samples` rows within `eps`: everything is noise.
    NoCore,
    /// Every row is core: nothing can stand out as an anomaly.
    AllCore,
    /// One cluster holds every non-noise row.
    SingleCluster,
    /// More than half the rows are noise.
    MostlyNoise {
        /// Share of noise rows.
        fraction: f64,
    },
    /// The default min_samples (2 × features) needs more rows than the input has: a smaller
    /// one was used.
    MinSamplesLowered {
        /// The default.
        default: usize,
        /// The value used.
        used: usize,
        /// Rows in the input.
        rows: usize,
    },
}

impl RedFlag {
    /// The red flag with its advice, every parameter named by `name` (see
    /// [`crate::Error::worded`]).
    pub fn worded(&self, name: crate::error::Namer<'_>) -> String {
        let (eps, min_samples) = (name(Param::Eps), name(Param::MinSamples));
        match self {
            RedFlag::NoCore => format!(
                "no core rows, so every row is noise: eps is too small or min_samples too large \
                 for this data; raise {eps} (see the k-distance curve) or lower {min_samples}"
            ),
            RedFlag::AllCore => format!(
                "every row is core, so nothing can be an anomaly: eps is large for this data; \
                 lower {eps} (see the k-distance curve) or raise {min_samples}"
            ),
            RedFlag::SingleCluster => format!(
                "a single cluster: eps may be joining distinct groups; try a smaller {eps}, or \
                 check with K-Means whether the data has groups at all"
            ),
            RedFlag::MostlyNoise { fraction } => format!(
                "{:.0}% of the rows are noise: eps is small for this density; raise {eps} or \
                 lower {min_samples}",
                fraction * 100.0
            ),
            RedFlag::MinSamplesLowered { default, used, rows } => format!(
                "{min_samples} {used} used: the default (2 × features = {default}) needs more than \
                 {rows} rows; give {min_samples} to choose it"
            ),
        }
    }
}

impl std::fmt::Display for RedFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.worded(&Param::name))
    }
}

/// The expected size of the job, from a sample: printed before a long run.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct WorkEstimate {
    /// Rows sampled.
    pub sample: usize,
    /// Estimated rows within `eps` of a row, itself included (mean over the sample).
    pub mean_neighbours: f64,
    /// Estimated share of core rows.
    pub core_fraction: f64,
}

/// Estimates neighbourhood sizes from `sample` random rows counted against `sample` others
/// (O(sample²) distances, independent of n), scaled to the whole input.
pub fn estimate_work(x: &Matrix, eps: f64, min_samples: usize, sample: usize, seed: u64) -> WorkEstimate {
    let n = x.n_rows();
    let m = sample.min(n);
    if m == 0 {
        return WorkEstimate {
            sample: 0,
            mean_neighbours: 0.0,
            core_fraction: 0.0,
        };
    }
    let rows = Rng::new(seed).sample_indices(n, m);
    let e2 = eps * eps;
    let scale = n as f64 / m as f64;
    let counts: Vec<f64> = rows
        .par_iter()
        .map(|&a| {
            let within = rows.iter().filter(|&&b| sq_dist(x.row(a), x.row(b)) <= e2).count();
            // The row itself counts once; the others stand for `scale` rows each.
            1.0 + (within - 1) as f64 * scale
        })
        .collect();
    WorkEstimate {
        sample: m,
        mean_neighbours: counts.iter().sum::<f64>() / m as f64,
        core_fraction: counts.iter().filter(|&&c| c >= min_samples as f64).count() as f64 / m as f64,
    }
}
