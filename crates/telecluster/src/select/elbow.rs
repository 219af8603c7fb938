//! Choosing K: a sweep of K-Means over k = 1..k_max and four criteria on it, which vote.
//!
//! # The criteria
//! - the **knee** of the inertia curve (Kneedle): where extra groups stop paying;
//! - the best mean **silhouette** (Rousseeuw 1987): rows much closer to their own group than to
//!   the next;
//! - the best **Calinski-Harabasz** index (1974): between-group over within-group dispersion, per
//!   degree of freedom (from the inertias alone);
//! - the best (lowest) **Davies-Bouldin** index (1979): groups small against the distances
//!   between their centres.
//!
//! # The rule (`--k auto`)
//! Each criterion names a k; the k named most often wins. A tie goes to the Calinski-Harabasz
//! k if it is among the tied, else to the tied k with the best silhouette. With no criterion
//! (fewer than two k values), k = 1.
//!
//! Why a vote: each criterion fails in its own way. The knee alone underestimates as soon as
//! groups are many or unequal (the curve bends at the first big drop); the silhouette favours
//! merging close groups; Calinski-Harabasz and Davies-Bouldin drift with unequal spreads. On the
//! k-choice suite (`bench/kchoice.py`: 2 to 30 groups, 2 to 16 features, sizes up to 20:1,
//! spreads up to 4:1, half with 1 % anomalies, and four public labelled sets) the vote finds
//! the true k more often than any one of them (BENCHMARKS.md).
//!
//! A best mean silhouette below 0.25 means no substantial structure (Kaufman & Rousseeuw); the
//! result flags it as `weak_structure`.
//!
//! Above [`DEFAULT_MAX_SWEEP_ROWS`] rows the sweep runs on a seeded uniform sample; the caller
//! then fits the chosen k on every row.
//!
//! # Neighbour moves
//! Each k is fitted from `n_init` starts, and then started again from its neighbours' best
//! partitions: k + 1 groups with one of the three cheapest pairs merged (Ward's cost), and
//! k - 1 groups with one of the three widest groups split by a 2-means fit; merges from the
//! largest k down, then splits from the smallest up. A k keeps a new partition only when its inertia is lower. Random starts miss the
//! best grouping of many separated groups now and then, at one k or another; a neighbour that
//! found it hands it on. On blob benchmarks this keeps every k's inertia at or below
//! scikit-learn's best of ten, where starts alone are 1 % worse at some k (BENCHMARKS.md).

use rayon::prelude::*;
use serde::Serialize;

use super::kneedle::{knee, Shape};
use super::silhouette::{mean_silhouette, DEFAULT_MAX_EXACT};
use crate::cluster::{Init, KMeans, KMeansParams, Refine};
use crate::error::{Error, Param, Result};
use crate::matrix::{Matrix, MatrixRef};
use crate::rng::Rng;

/// Below this best mean silhouette the data has no substantial cluster structure.
const WEAK_STRUCTURE: f64 = 0.25;

/// Rows above which the sweep runs on a seeded uniform sample of this many rows
/// ([`ElbowParams::max_sweep_rows`]'s default). Fifty thousand rows place the centres of 35
/// groups of 1 % of the rows from about 500 rows each, and keep a sweep on a million rows under
/// a second of the final fit.
pub const DEFAULT_MAX_SWEEP_ROWS: usize = 50_000;

/// How to sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct ElbowParams {
    k_max: usize,
    kmeans: KMeansParams,
    sensitivity: f64,
    max_exact_silhouette: usize,
    max_sweep_rows: usize,
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
            max_sweep_rows: DEFAULT_MAX_SWEEP_ROWS,
        }
    }

    /// Rows above which the sweep runs on a seeded uniform sample of this size (the seed is
    /// the K-Means seed). The caller fits the chosen k on every row: see [`Elbow::sampled`].
    pub fn max_sweep_rows(mut self, n: usize) -> Self {
        self.max_sweep_rows = n.max(1);
        self
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
    /// Every criterion names the same k.
    Agree,
    /// More criteria name it than any other k.
    Majority,
    /// A tie between ks, broken by Calinski-Harabasz or the silhouette.
    Tie,
    /// Too few k values to decide: k = 1.
    Default,
}

/// A criterion that votes for a k.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// The knee of the inertia curve.
    Knee,
    /// The best mean silhouette.
    Silhouette,
    /// The best Calinski-Harabasz index.
    CalinskiHarabasz,
    /// The best (lowest) Davies-Bouldin index.
    DaviesBouldin,
}

impl std::fmt::Display for Criterion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Criterion::Knee => "elbow knee",
            Criterion::Silhouette => "silhouette",
            Criterion::CalinskiHarabasz => "Calinski-Harabasz",
            Criterion::DaviesBouldin => "Davies-Bouldin",
        })
    }
}

/// One criterion's vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Vote {
    /// Who votes.
    pub criterion: Criterion,
    /// For which k.
    pub k: usize,
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
    /// Calinski-Harabasz index per k (`None` for k = 1 or a perfect fit): between-group over
    /// within-group dispersion, each per degree of freedom. Computed from the inertias alone.
    pub calinski_harabasz: Vec<Option<f64>>,
    /// Davies-Bouldin index per k (`None` for k = 1): the mean over groups of the worst
    /// `(spread_i + spread_j) / centre distance`; lower is better.
    pub davies_bouldin: Vec<Option<f64>>,
    /// Rows the silhouettes were computed on, when sampled.
    pub silhouette_sampled: Option<usize>,
    /// Rows the sweep ran on, when a sample of the input (inertias are then the sample's).
    pub sampled: Option<usize>,
    /// The knee of the inertia curve.
    pub knee: Option<usize>,
    /// The k with the best mean silhouette.
    pub best_silhouette: Option<usize>,
    /// Each criterion's k, in the order knee, silhouette, Calinski-Harabasz, Davies-Bouldin
    /// (criteria without a k are absent).
    pub votes: Vec<Vote>,
    /// The k the rule picks.
    pub chosen: usize,
    /// Which branch of the rule picked it.
    pub choice: Choice,
    /// The best mean silhouette is below 0.25.
    pub weak_structure: bool,
    /// The fitted model of every k, in k order (on the sample, when [`Elbow::sampled`]).
    #[serde(skip)]
    pub models: Vec<KMeans>,
}

impl Elbow {
    /// The fitted model of the chosen k, when the sweep ran on every row (`None` after a
    /// sampled sweep: fit the chosen k on the rows).
    pub fn chosen_model(&self) -> Option<&KMeans> {
        self.sampled.is_none().then(|| &self.models[self.chosen - 1])
    }

    /// True when the criteria name different k.
    pub fn disagree(&self) -> bool {
        matches!(self.choice, Choice::Majority | Choice::Tie)
    }
}

/// Runs the sweep on `x`; `progress(k)` is called as each k starts.
///
/// # Errors
/// [`Error::InvalidParam`] for `k_max` of 0, and the errors of [`KMeansParams::check`].
pub fn sweep<'a>(x: impl Into<MatrixRef<'a>>, params: &ElbowParams, mut progress: impl FnMut(usize)) -> Result<Elbow> {
    let x = x.into();
    if params.k_max == 0 {
        return Err(Error::invalid(Param::KMax, 0, "must be >= 1"));
    }
    let checked = params.kmeans.clone().check()?;
    let seed = checked.seed();
    let sample = (x.n_rows() > params.max_sweep_rows).then(|| {
        let idx = Rng::new(seed).sample_indices(x.n_rows(), params.max_sweep_rows);
        x.select_rows(&idx)
    });
    let x = sample.as_ref().map_or(x, Matrix::view);
    let k_max = params.k_max.min(x.n_rows());
    let mut models = Vec::with_capacity(k_max);
    let mut silhouette = Vec::with_capacity(k_max);
    let mut davies_bouldin = Vec::with_capacity(k_max);
    let mut sampled = None;
    for k in 1..=k_max {
        progress(k);
        crate::interrupt::check()?;
        let m = params.kmeans.clone().with_n_clusters(k).check()?.fit(x)?;
        models.push(m);
    }
    improve_by_neighbours(x, &mut models, &params.kmeans)?;
    for (i, m) in models.iter().enumerate() {
        let k = i + 1;
        let s = if k >= 2 {
            mean_silhouette(x, m.labels(), k, params.max_exact_silhouette, 0)
        } else {
            None
        };
        if let Some(s) = s {
            sampled = sampled.or(s.sampled);
        }
        silhouette.push(s.map(|s| s.mean));
        // As for Calinski-Harabasz, k = n (every row its own group) is no partition to judge.
        davies_bouldin.push(
            (k >= 2 && k < x.n_rows())
                .then(|| davies_bouldin_index(x, m.labels(), k))
                .flatten(),
        );
    }
    let k: Vec<usize> = (1..=k_max).collect();
    let inertia: Vec<f64> = models.iter().map(KMeans::inertia).collect();
    let calinski_harabasz = calinski_harabasz(&inertia, x.n_rows());
    let kf: Vec<f64> = k.iter().map(|&v| v as f64).collect();
    let knee = knee(&kf, &inertia, params.sensitivity, Shape::ConvexDecreasing).map(|i| i + 1);
    let best_of = |v: &[Option<f64>], lower: bool| {
        (0..k_max)
            .filter_map(|i| v[i].map(|s| (i + 1, if lower { -s } else { s })))
            .fold(None, |b: Option<(usize, f64)>, (k, s)| match b {
                Some((_, bs)) if bs >= s => b,
                _ => Some((k, s)),
            })
    };
    let best = best_of(&silhouette, false);
    let votes: Vec<Vote> = [
        (Criterion::Knee, knee),
        (Criterion::Silhouette, best.map(|b| b.0)),
        (
            Criterion::CalinskiHarabasz,
            best_of(&calinski_harabasz, false).map(|b| b.0),
        ),
        (Criterion::DaviesBouldin, best_of(&davies_bouldin, true).map(|b| b.0)),
    ]
    .into_iter()
    .filter_map(|(criterion, k)| k.map(|k| Vote { criterion, k }))
    .collect();
    let (chosen, choice) = decide(&votes, &silhouette);
    Ok(Elbow {
        k,
        inertia,
        silhouette,
        calinski_harabasz,
        davies_bouldin,
        silhouette_sampled: sampled,
        sampled: sample.as_ref().map(Matrix::n_rows),
        knee,
        best_silhouette: best.map(|b| b.0),
        votes,
        chosen,
        choice,
        weak_structure: best.is_some_and(|b| b.1 < WEAK_STRUCTURE),
        models,
    })
}

/// Lowers the inertia of the sweep's models (`models[i]` has `i + 1` groups) by starting each k
/// from its neighbours' best partitions: k + 1 groups with the two whose merge costs least
/// merged (Ward's cost), and k - 1 groups with the one of largest inertia split in two. A model
/// is replaced only by a lower inertia, so no k gets worse.
fn improve_by_neighbours(x: MatrixRef<'_>, models: &mut [KMeans], kmeans: &KMeansParams) -> Result<()> {
    let checked = kmeans.clone().check()?;
    // A start from good centres is refined like any other, unless refinement is off.
    let refine = match checked.refine() {
        Refine::Never => Refine::Never,
        _ => Refine::Always,
    };
    let d = x.n_cols();
    let from = |centres: Vec<f64>| -> Result<KMeans> {
        let k = centres.len() / d;
        kmeans
            .clone()
            .with_n_clusters(k)
            .init(Init::Given(Matrix::new(centres, k, d)?))
            .refine(refine)
            .check()?
            .fit(x)
    };
    // The candidates of one k are fitted side by side (each is one run, on one thread); the
    // lowest inertia wins, the earlier candidate on a tie.
    let best_of = |starts: Vec<Vec<f64>>| -> Result<Option<KMeans>> {
        let fits: Vec<Result<KMeans>> = starts.into_par_iter().map(from).collect();
        let mut best: Option<KMeans> = None;
        for fit in fits {
            let fit = fit?;
            if best.as_ref().is_none_or(|b| fit.inertia() < b.inertia()) {
                best = Some(fit);
            }
        }
        Ok(best)
    };
    let keep_if_better = |slot: &mut KMeans, candidate: KMeans| {
        // Lower beyond rounding only: an equal optimum found again changes nothing.
        if candidate.inertia() < slot.inertia() * (1.0 - 1e-9) {
            *slot = candidate;
        }
    };
    // Down, so that a k can take a grouping its larger neighbour just improved; then up, the
    // same way for splits.
    for k in (2..models.len()).rev() {
        if let Some(candidate) = best_of(merged(&models[k]))? {
            keep_if_better(&mut models[k - 1], candidate);
        }
    }
    for k in 2..=models.len() {
        if let Some(candidate) = best_of(split(x, &models[k - 2], checked.seed())?)? {
            keep_if_better(&mut models[k - 1], candidate);
        }
    }
    Ok(())
}

/// `m`'s centres with two groups merged into their weighted mean, for each of the
/// [`NEIGHBOUR_MOVES`] pairs whose merge raises the inertia least (Ward's cost
/// `n_a n_b / (n_a + n_b) · |c_a - c_b|²`).
fn merged(m: &KMeans) -> Vec<Vec<f64>> {
    let (c, sizes) = (m.centroids(), m.sizes());
    let k = c.n_rows();
    let mut pairs = Vec::with_capacity(k * (k - 1) / 2);
    for a in 0..k {
        for b in a + 1..k {
            let (na, nb) = (sizes[a] as f64, sizes[b] as f64);
            let cost = if na + nb == 0.0 {
                0.0
            } else {
                na * nb / (na + nb) * crate::metric::sq_dist(c.row(a), c.row(b))
            };
            pairs.push((cost, a, b));
        }
    }
    pairs.sort_by(|p, q| p.0.total_cmp(&q.0).then((p.1, p.2).cmp(&(q.1, q.2))));
    pairs
        .into_iter()
        .take(NEIGHBOUR_MOVES)
        .map(|(_, a, b)| {
            let (na, nb) = (sizes[a] as f64, sizes[b] as f64);
            let mut centres = Vec::with_capacity((k - 1) * c.n_cols());
            for i in (0..k).filter(|&i| i != a && i != b) {
                centres.extend_from_slice(c.row(i));
            }
            centres.extend(c.row(a).iter().zip(c.row(b)).map(|(&u, &v)| {
                if na + nb == 0.0 {
                    (u + v) / 2.0
                } else {
                    (na * u + nb * v) / (na + nb)
                }
            }));
            centres
        })
        .collect()
}

/// `m`'s centres with one group replaced by the two centres of a 2-means fit to its rows, for
/// each of the [`NEIGHBOUR_MOVES`] groups of largest inertia that have two distinct rows.
fn split(x: MatrixRef<'_>, m: &KMeans, seed: u64) -> Result<Vec<Vec<f64>>> {
    let (c, labels) = (m.centroids(), m.labels());
    let k = c.n_rows();
    let mut spread = vec![0.0; k];
    for (i, &l) in labels.iter().enumerate() {
        spread[l as usize] += crate::metric::sq_dist(x.row(i), c.row(l as usize));
    }
    let mut widest: Vec<usize> = (0..k).filter(|&g| spread[g] > 0.0).collect();
    widest.sort_by(|&a, &b| spread[b].total_cmp(&spread[a]).then(a.cmp(&b)));
    widest.truncate(NEIGHBOUR_MOVES);
    widest
        .into_par_iter()
        .map(|g| {
            let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] as usize == g).collect();
            let halves = KMeansParams::new(2)
                .n_init(SPLIT_STARTS)
                .seed(seed)
                .check()?
                .fit(&x.select_rows(&rows))?;
            let mut centres = Vec::with_capacity((k + 1) * c.n_cols());
            for h in (0..k).filter(|&h| h != g) {
                centres.extend_from_slice(c.row(h));
            }
            centres.extend_from_slice(halves.centroids().as_slice());
            Ok(centres)
        })
        .collect()
}

/// Merges and splits tried per k and round: the cheapest merges and the widest groups.
const NEIGHBOUR_MOVES: usize = 3;

/// Starts of the 2-means fit that splits a group.
const SPLIT_STARTS: usize = 3;

/// The vote: the k most criteria name; a tie to Calinski-Harabasz's k when tied, else to the
/// tied k with the best silhouette (the smaller k on equal silhouettes).
fn decide(votes: &[Vote], silhouette: &[Option<f64>]) -> (usize, Choice) {
    if votes.is_empty() {
        return (1, Choice::Default);
    }
    let count = |k: usize| votes.iter().filter(|v| v.k == k).count();
    let top = votes.iter().map(|v| count(v.k)).max().unwrap_or(0);
    let mut tied: Vec<usize> = votes.iter().map(|v| v.k).filter(|&k| count(k) == top).collect();
    tied.sort_unstable();
    tied.dedup();
    if tied.len() == 1 {
        let choice = if top == votes.len() {
            Choice::Agree
        } else {
            Choice::Majority
        };
        return (tied[0], choice);
    }
    let ch = votes
        .iter()
        .find(|v| v.criterion == Criterion::CalinskiHarabasz)
        .map(|v| v.k);
    let k = match ch {
        Some(k) if tied.contains(&k) => k,
        _ => tied
            .iter()
            .copied()
            .fold(None, |b: Option<(usize, f64)>, k| {
                let s = silhouette.get(k - 1).copied().flatten().unwrap_or(f64::NEG_INFINITY);
                match b {
                    Some((_, bs)) if bs >= s => b,
                    _ => Some((k, s)),
                }
            })
            .map_or(tied[0], |b| b.0),
    };
    (k, Choice::Tie)
}

/// The Davies-Bouldin index of a partition (scikit-learn's `davies_bouldin_score`): centres
/// are the groups' means, a group's spread the mean distance of its rows to its centre; the
/// index is the mean over groups of the largest `(spread_i + spread_j) / |centre_i − centre_j|`.
/// `None` with fewer than two non-empty groups.
pub fn davies_bouldin_index<'a>(x: impl Into<MatrixRef<'a>>, labels: &[u32], k: usize) -> Option<f64> {
    let x = x.into();
    let d = x.n_cols();
    let mut sums = vec![0.0; k * d];
    let mut sizes = vec![0usize; k];
    for (i, &l) in labels.iter().enumerate() {
        sizes[l as usize] += 1;
        for (s, v) in sums[l as usize * d..(l as usize + 1) * d].iter_mut().zip(x.row(i)) {
            *s += v;
        }
    }
    let groups: Vec<usize> = (0..k).filter(|&j| sizes[j] > 0).collect();
    if groups.len() < 2 {
        return None;
    }
    let centre = |j: usize| -> Vec<f64> { sums[j * d..(j + 1) * d].iter().map(|s| s / sizes[j] as f64).collect() };
    let centres: Vec<Vec<f64>> = (0..k).map(centre).collect();
    let mut spread = vec![0.0; k];
    for (i, &l) in labels.iter().enumerate() {
        spread[l as usize] += crate::metric::sq_dist(x.row(i), &centres[l as usize]).sqrt();
    }
    for &j in &groups {
        spread[j] /= sizes[j] as f64;
    }
    let worst: f64 = groups
        .iter()
        .map(|&a| {
            groups
                .iter()
                .filter(|&&b| b != a)
                .map(|&b| {
                    let m = crate::metric::sq_dist(&centres[a], &centres[b]).sqrt();
                    if m > 0.0 {
                        (spread[a] + spread[b]) / m
                    } else {
                        0.0
                    }
                })
                .fold(0.0, f64::max)
        })
        .sum();
    Some(worst / groups.len() as f64)
}

/// The Calinski-Harabasz index of each k from the inertias (`inertia[0]` is k = 1, the total
/// sum of squares): `(B / (k − 1)) / (W / (n − k))` with W the inertia and B = total − W.
/// `None` for k = 1, k ≥ n, or W = 0.
pub fn calinski_harabasz(inertia: &[f64], n: usize) -> Vec<Option<f64>> {
    let total = inertia.first().copied().unwrap_or(0.0);
    inertia
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            let k = i + 1;
            (k >= 2 && k < n && w > 0.0).then(|| ((total - w).max(0.0) / (k - 1) as f64) / (w / (n - k) as f64))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn neighbour_moves_never_raise_an_inertia_and_merge_and_split_as_said() {
        let x = blobs(7, 11);
        let e = sweep(&x, &ElbowParams::new(9, KMeansParams::new(1).seed(4)), |_| {}).unwrap();
        for k in 1..=9 {
            let plain = KMeansParams::new(k).seed(4).check().unwrap().fit(&x).unwrap();
            assert!(e.inertia[k - 1] <= plain.inertia(), "k {k}");
            assert_eq!(e.models[k - 1].n_clusters(), k);
        }
        // Two small groups one apart and a large one far off: merging the small ones is the
        // cheapest merge; splitting the single group separates the far one.
        let line = Matrix::from_rows(&[[0.0], [0.0], [1.0], [1.0], [10.0], [10.0], [10.0], [10.0]]).unwrap();
        let m = KMeansParams::new(3).seed(1).check().unwrap().fit(&line).unwrap();
        let merges = merged(&m);
        assert_eq!(merges.len(), 3);
        let mut first = merges[0].clone();
        first.sort_by(f64::total_cmp);
        assert_eq!(first, [0.5, 10.0]);
        let one = KMeansParams::new(1).check().unwrap().fit(&line).unwrap();
        let splits = split(line.view(), &one, 0).unwrap();
        assert_eq!(splits.len(), 1);
        let mut halves = splits[0].clone();
        halves.sort_by(f64::total_cmp);
        assert_eq!(halves, [0.5, 10.0]);
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
            assert_eq!(e.chosen_model().map(KMeans::n_clusters), Some(k));
            assert!(!e.weak_structure);
            assert_eq!(e.silhouette[0], None);
            assert!(e.inertia.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-12)));
        }
    }

    #[test]
    fn calinski_harabasz_is_between_over_within_dispersion() {
        let x = blobs(3, 5);
        let e = sweep(&x, &ElbowParams::new(5, KMeansParams::new(1)), |_| {}).unwrap();
        let n = x.n_rows();
        let mean: Vec<f64> = (0..2)
            .map(|f| (0..n).map(|i| x.row(i)[f]).sum::<f64>() / n as f64)
            .collect();
        for (i, m) in e.models.iter().enumerate().skip(1) {
            let k = i + 1;
            // Between-group dispersion from the centroids and sizes, directly.
            let b: f64 = (0..k)
                .map(|j| {
                    let c = m.centroids().row(j);
                    m.sizes()[j] as f64 * ((c[0] - mean[0]).powi(2) + (c[1] - mean[1]).powi(2))
                })
                .sum();
            let want = (b / (k - 1) as f64) / (m.inertia() / (n - k) as f64);
            let got = e.calinski_harabasz[i].unwrap();
            assert!((got - want).abs() <= 1e-9 * want, "k={k}: {got} vs {want}");
        }
        assert_eq!(e.calinski_harabasz[0], None);
        assert_eq!(calinski_harabasz(&[4.0, 0.0], 2), [None, None]);
    }

    #[test]
    fn many_rows_are_swept_on_a_sample_and_say_so() {
        let x = blobs(4, 9);
        let full = sweep(&x, &ElbowParams::new(6, KMeansParams::new(1)), |_| {}).unwrap();
        let p = ElbowParams::new(6, KMeansParams::new(1)).max_sweep_rows(120);
        let s = sweep(&x, &p, |_| {}).unwrap();
        assert_eq!((full.sampled, s.sampled), (None, Some(120)));
        assert!(s.chosen_model().is_none() && full.chosen_model().is_some());
        assert_eq!(s.chosen, full.chosen);
        // Inertias are the sample's: half the rows, about half the sum.
        let ratio = s.inertia[0] / full.inertia[0];
        assert!((0.3..0.7).contains(&ratio), "{ratio}");
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
