//! Choosing K: an elbow sweep of K-Means over k = 1..k_max, its Kneedle knee, and the mean
//! silhouette of every k ≥ 2.
//!
//! # The rule (`--k auto`)
//! 1. If the knee of the inertia curve and the best mean silhouette name the same k, that k.
//! 2. If they differ, the knee — provided its silhouette is at least 90 % of the best one (the
//!    elbow says where extra clusters stop paying; a near-best silhouette says the split is
//!    real). The result notes the disagreement.
//! 3. Otherwise the best silhouette's k, again noting the disagreement.
//! 4. With neither (fewer than three k values), k = 1.
//!
//! A best mean silhouette below 0.25 means no substantial structure (Kaufman & Rousseeuw); the
//! result flags it as `weak_structure`.

use serde::Serialize;

use super::kneedle::{knee, Shape};
use super::silhouette::{mean_silhouette, DEFAULT_MAX_EXACT};
use crate::cluster::{KMeans, KMeansParams};
use crate::error::{Error, Param, Result};
use crate::matrix::Matrix;

/// Share of the best silhouette the knee's k must reach to be preferred (rule 2).
const KNEE_SILHOUETTE_SHARE: f64 = 0.9;
/// Below this best mean silhouette the data has no substantial cluster structure.
const WEAK_STRUCTURE: f64 = 0.25;

/// How to sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct ElbowParams {
    k_max: usize,
    kmeans: KMeansParams,
    sensitivity: f64,
    max_exact_silhouette: usize,
}

impl ElbowParams {
    /// k = 1..`k_max`, each fitted with `kmeans` (its `n_clusters` is replaced); Kneedle
    /// sensitivity 1; exact silhouettes up to 10,000 rows.
    pub fn new(k_max: usize, kmeans: KMeansParams) -> Self {
        ElbowParams {
            k_max,
            kmeans,
            sensitivity: 1.0,
            max_exact_silhouette: DEFAULT_MAX_EXACT,
        }
    }

    /// Kneedle's sensitivity (see [`super::kneedle`]).
    pub fn sensitivity(mut self, s: f64) -> Self {
        self.sensitivity = s;
        self
    }

    /// Rows above which silhouettes are computed on a stratified sample of this size.
    pub fn max_exact_silhouette(mut self, n: usize) -> Self {
        self.max_exact_silhouette = n;
        self
    }
}

/// Why the chosen k was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Knee and best silhouette agree.
    Agree,
    /// They disagree; the knee's silhouette is close enough to the best.
    Knee,
    /// They disagree; the silhouette decided.
    Silhouette,
    /// Too few k values to decide: k = 1.
    Default,
}

/// The sweep's results.
#[derive(Clone, Debug, Serialize)]
pub struct Elbow {
    /// The k values, 1..=k_max.
    pub k: Vec<usize>,
    /// Inertia per k.
    pub inertia: Vec<f64>,
    /// Mean silhouette per k (`None` for k = 1 or when undefined).
    pub silhouette: Vec<Option<f64>>,
    /// Rows the silhouettes were computed on, when sampled.
    pub silhouette_sampled: Option<usize>,
    /// The knee of the inertia curve.
    pub knee: Option<usize>,
    /// The k with the best mean silhouette.
    pub best_silhouette: Option<usize>,
    /// The k the rule picks.
    pub chosen: usize,
    /// Which branch of the rule picked it.
    pub choice: Choice,
    /// The best mean silhouette is below 0.25.
    pub weak_structure: bool,
    /// The fitted model of every k, in k order.
    #[serde(skip)]
    pub models: Vec<KMeans>,
}

impl Elbow {
    /// The fitted model of the chosen k.
    pub fn chosen_model(&self) -> &KMeans {
        &self.models[self.chosen - 1]
    }

    /// True when knee and silhouette name different k.
    pub fn disagree(&self) -> bool {
        matches!(self.choice, Choice::Knee | Choice::Silhouette)
    }
}

/// Runs the sweep on `x`; `progress(k)` is called as each k starts.
///
/// # Errors
/// [`Error::InvalidParam`] for `k_max` of 0, and the errors of [`KMeansParams::check`].
pub fn sweep(x: &Matrix, params: &ElbowParams, mut progress: impl FnMut(usize)) -> Result<Elbow> {
    if params.k_max == 0 {
        return Err(Error::invalid(Param::KMax, 0, "must be >= 1"));
    }
    let k_max = params.k_max.min(x.n_rows());
    let mut models = Vec::with_capacity(k_max);
    let mut silhouette = Vec::with_capacity(k_max);
    let mut sampled = None;
    for k in 1..=k_max {
        progress(k);
        let m = params.kmeans.clone().with_n_clusters(k).check()?.fit(x)?;
        let s = if k >= 2 {
            mean_silhouette(x, m.labels(), k, params.max_exact_silhouette, 0)
        } else {
            None
        };
        if let Some(s) = s {
            sampled = sampled.or(s.sampled);
        }
        silhouette.push(s.map(|s| s.mean));
        models.push(m);
    }
    let k: Vec<usize> = (1..=k_max).collect();
    let inertia: Vec<f64> = models.iter().map(KMeans::inertia).collect();
    let kf: Vec<f64> = k.iter().map(|&v| v as f64).collect();
    let knee = knee(&kf, &inertia, params.sensitivity, Shape::ConvexDecreasing).map(|i| i + 1);
    let best =
        (0..k_max)
            .filter_map(|i| silhouette[i].map(|s| (i + 1, s)))
            .fold(None, |b: Option<(usize, f64)>, (k, s)| match b {
                Some((_, bs)) if bs >= s => b,
                _ => Some((k, s)),
            });
    let (chosen, choice) = match (knee, best) {
        (Some(kn), Some((kb, _))) if kn == kb => (kn, Choice::Agree),
        (Some(kn), Some((_, sb))) if silhouette[kn - 1].is_some_and(|s| s >= KNEE_SILHOUETTE_SHARE * sb) => {
            (kn, Choice::Knee)
        }
        (_, Some((kb, _))) => (kb, Choice::Silhouette),
        (Some(kn), None) => (kn, Choice::Knee),
        (None, None) => (1, Choice::Default),
    };
    Ok(Elbow {
        k,
        inertia,
        silhouette,
        silhouette_sampled: sampled,
        knee,
        best_silhouette: best.map(|b| b.0),
        chosen,
        choice,
        weak_structure: best.is_some_and(|b| b.1 < WEAK_STRUCTURE),
        models,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn blobs(k: usize, seed: u64) -> Matrix {
        let mut rng = Rng::new(seed);
        let mut rows = Vec::new();
        for c in 0..k {
            for _ in 0..60 {
                rows.push([
                    10.0 * c as f64 + rng.normal() * 0.5,
                    5.0 * (c % 2) as f64 + rng.normal() * 0.5,
                ]);
            }
        }
        Matrix::from_rows(&rows).unwrap()
    }

    #[test]
    fn finds_the_number_of_blobs() {
        for k in [2, 3, 4] {
            let e = sweep(&blobs(k, k as u64), &ElbowParams::new(8, KMeansParams::new(1)), |_| {}).unwrap();
            assert_eq!(e.chosen, k, "{:?} {:?}", e.inertia, e.silhouette);
            assert_eq!(e.best_silhouette, Some(k));
            // Four blobs in a zigzag: the biggest inertia drop is at k = 2, so the knee says 2
            // and the silhouette overrules it.
            assert_eq!(e.disagree(), e.knee != Some(k));
            assert_eq!(e.chosen_model().n_clusters(), k);
            assert!(!e.weak_structure);
            assert_eq!(e.silhouette[0], None);
            assert!(e.inertia.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-12)));
        }
    }

    #[test]
    fn tiny_inputs_and_bad_params() {
        let x = Matrix::from_rows(&[[0.0], [1.0]]).unwrap();
        let e = sweep(&x, &ElbowParams::new(10, KMeansParams::new(1)), |_| {}).unwrap();
        assert_eq!(e.k, vec![1, 2]);
        assert_eq!(e.chosen, 1);
        assert_eq!(e.choice, Choice::Default);
        assert!(matches!(
            sweep(&x, &ElbowParams::new(0, KMeansParams::new(1)), |_| {}),
            Err(Error::InvalidParam { .. })
        ));
    }
}
