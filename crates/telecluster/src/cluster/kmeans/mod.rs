//! K-Means: groups rows so that each is close to its group's mean.
//!
//! # Algorithm
//! Each of `n_init` runs starts from its own centres (greedy k-means++ by default) and iterates
//! assignment and update until no label changes, the squared centre shift falls to
//! `tol × mean feature variance`, or `max_iter` is reached; the run with the lowest inertia wins.
//! These are scikit-learn's rules and defaults, so the same data and initial centres give
//! scikit-learn's centroids, labels and inertia.
//!
//! Two iteration schemes give identical results: Lloyd's computes every row-to-centre distance
//! (O(n·k·d) per iteration); Hamerly's (2010) keeps an upper and a lower distance bound per row
//! and skips rows whose bounds prove their label cannot change, which after the first few
//! iterations is nearly all of them. Memory: the data, plus 4 bytes per row (labels) and 16 more
//! for Hamerly's bounds; no n × k distance matrix.
//!
//! Parallel work is split in fixed-size chunks and reduced in chunk order, and run `i` draws its
//! random numbers from stream `i` of the seed, so results do not depend on the thread count. On
//! small inputs (n·k ≤ 2²⁰) the runs go side by side; on larger ones one at a time, each parallel
//! inside, so that only the best run's buffers stay alive.
//!
//! # How `n_init` is spent
//! Small inputs make every run. Large ones stop as soon as [`AGREEING_RUNS`] runs have landed on
//! the best inertia found: two starts that reach the same optimum make a third unlikely to beat
//! it, and on easy data (separated groups) this saves eight runs of ten. Above
//! [`SEEDING_SAMPLE_ROWS`] rows (or 100 per centre) k-means++ draws its centres from a seeded
//! uniform sample of that many rows: seeding costs O(n·k·d·(2 + ln k)), more than the bounded
//! iterations after it on wide data, and the sample places centres as well. Given centres are
//! one run, as in scikit-learn.
//!
//! Runs from sampled starts are refined by Hartigan's moves (see [`Refine`]), which lowers the
//! inertia without leaving the set of Lloyd fixed points.
//!
//! # References
//! - D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful seeding", SODA 2007.
//! - G. Hamerly, "Making k-means even faster", SDM 2010.

use rayon::prelude::*;

use crate::cluster::distance::{nearest_rows, sq_dist};
mod hamerly;
mod hartigan;
mod init;
mod kdtree;
mod lloyd;
mod partial;
mod run;
#[cfg(test)]
mod tests;

pub use init::Init;
pub use partial::{center_shift, CentroidStats};

use crate::error::{Error, Param, Result, Warning};
use crate::matrix::{Matrix, MatrixRef};
use crate::rng::Rng;
use crate::stats;
use init::{kmeans_plus_plus, random_rows};
use kdtree::Tree;
use run::{Iteration, Run};

/// How the iterations are computed; every choice gives the same result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Lloyd's: all distances, every iteration.
    Lloyd,
    /// Hamerly's: distance bounds skip rows that cannot change cluster.
    Hamerly,
    /// Lloyd's labels by kd-tree filtering (up to 4 features; wider data uses Lloyd): whole
    /// cells of rows are assigned at once and only rows near a boundary are compared one by
    /// one. A pass costs a fraction of Lloyd's (0.7 against 2.7 ms on 1M × 2, k = 8), and the
    /// tree costs about five passes and 20 MiB to build, once per fit.
    KdTree,
    /// The kd-tree for up to 4 features from [`KDTREE_MIN_ROWS`] rows and 10 passes in all
    /// (`n_init × max_iter`): 30 ms against 54 ms for Lloyd over 20 iterations on 1M × 2,
    /// k = 8. Below, Lloyd for up to 4 features (its vectorised kernel keeps each row in
    /// registers and beats the bounds' per-row bookkeeping) or up to 2 clusters; Hamerly
    /// otherwise (3× faster than Lloyd on 200k × 16, k = 32).
    #[default]
    Auto,
}

impl Algorithm {
    fn resolve(self, n: usize, k: usize, d: usize, passes: usize) -> Iteration {
        match self {
            Algorithm::Auto if d <= kdtree::MAX_D && n >= KDTREE_MIN_ROWS && passes >= 10 => Iteration::KdTree,
            Algorithm::Lloyd => Iteration::Lloyd,
            Algorithm::Hamerly => Iteration::Hamerly,
            Algorithm::KdTree if d <= kdtree::MAX_D => Iteration::KdTree,
            Algorithm::KdTree => Iteration::Lloyd,
            Algorithm::Auto if k >= 3 && d > 4 => Iteration::Hamerly,
            Algorithm::Auto => Iteration::Lloyd,
        }
    }
}

/// Rows from which [`Algorithm::Auto`] builds the kd-tree (below, a fit takes milliseconds
/// either way).
pub const KDTREE_MIN_ROWS: usize = 50_000;

/// Runs one K-Means run with the chosen scheme (kd-tree filtering when there is a tree);
/// labels come back in row order either way.
fn run_scheme(
    data: &[f64],
    d: usize,
    init: Vec<f64>,
    max_iter: usize,
    tol: f64,
    iteration: Iteration,
    tree: Option<&Tree>,
) -> Run {
    let iteration = if tree.is_some() { Iteration::KdTree } else { iteration };
    run::run(data, d, init, max_iter, tol, iteration, tree)
}

/// Whether a run's Lloyd optimum is refined by Hartigan's single-row moves.
///
/// Hartigan's method only ever lowers the inertia and stops at a partition that Lloyd's
/// iteration also accepts, so the refined result is a K-Means solution in every sense, usually a
/// better local optimum. It runs serially, so `Auto` refines every run from sampled starting
/// centres (k-means++ or random) up to [`REFINE_MAX_ROWS`] rows, and above that only the winning
/// run; given centres are left to Lloyd, as in scikit-learn. A run that did not converge within
/// `max_iter` is not refined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Refine {
    /// Never refine: scikit-learn's result from the same starting centres.
    Never,
    /// Always refine.
    Always,
    /// Refine every sampled start up to [`REFINE_MAX_ROWS`] rows, only the best run above.
    #[default]
    Auto,
}

/// Runs that must land on the best inertia before a large fit stops short of `n_init`.
pub const AGREEING_RUNS: usize = 2;

/// Rows from which k-means++ draws its centres from a seeded uniform sample of the rows (at
/// least 100 per centre): the seeding costs O(rows × k × d × (2 + ln k)), more than the
/// iterations that follow on wide data, and a sample of this size places the centres as well.
pub const SEEDING_SAMPLE_ROWS: usize = 20_000;

fn seeding_rows(k: usize) -> usize {
    SEEDING_SAMPLE_ROWS.max(100 * k)
}

/// Two runs reached the same optimum: the same partition gives the same inertia up to the
/// order of its sums.
fn same_inertia(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// Rows up to which [`Refine::Auto`] refines.
pub const REFINE_MAX_ROWS: usize = 100_000;

/// K-Means parameters, with scikit-learn's names and defaults; [`KMeansParams::check`] validates
/// them once.
///
/// # Examples
/// ```
/// use telecluster::{Matrix, cluster::KMeansParams};
/// let x = Matrix::from_rows(&[[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [0.0, 0.1], [5.0, 5.1]]).unwrap();
/// let model = KMeansParams::new(2).seed(7).check()?.fit(&x)?;
/// let l = model.labels();
/// assert_eq!((l[0], l[1], l[4]), (l[0], l[0], l[0]));
/// assert_eq!((l[2], l[3], l[5]), (l[2], l[2], l[2]));
/// assert_ne!(l[0], l[2]);
/// assert!((model.inertia() - 2.0 / 75.0).abs() < 1e-12); // 1/75 per cluster
/// # Ok::<(), telecluster::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansParams {
    n_clusters: usize,
    init: Init,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    algorithm: Algorithm,
    refine: Refine,
    seed: u64,
}

impl KMeansParams {
    /// `n_clusters` groups; k-means++, `n_init` 10, `max_iter` 300, `tol` 1e-4, automatic
    /// algorithm, seed 0.
    pub fn new(n_clusters: usize) -> Self {
        KMeansParams {
            n_clusters,
            init: Init::KMeansPlusPlus,
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
            algorithm: Algorithm::Auto,
            refine: Refine::Auto,
            seed: 0,
        }
    }

    /// Whether runs are refined by Hartigan's moves (see [`Refine`]).
    pub fn refine(mut self, refine: Refine) -> Self {
        self.refine = refine;
        self
    }

    /// The same parameters for another number of clusters (an elbow sweep's step).
    pub fn with_n_clusters(mut self, n_clusters: usize) -> Self {
        self.n_clusters = n_clusters;
        self
    }

    /// How to choose the initial centres. With [`Init::Given`], one run is made.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Number of runs from different initial centres; the best is kept.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Iteration limit of a run.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Convergence tolerance, relative to the mean feature variance (scikit-learn's `tol`).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Iteration scheme.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Seed of every random choice.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Validates the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `n_clusters`, `n_init` or `max_iter` of 0, a negative or
    /// non-finite `tol`, or given centres whose row count is not `n_clusters`.
    pub fn check(self) -> Result<KMeansValidParams> {
        if self.n_clusters == 0 {
            return Err(Error::invalid(Param::NClusters, 0, "must be >= 1"));
        }
        if self.n_init == 0 {
            return Err(Error::invalid(Param::NInit, 0, "must be >= 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::invalid(Param::MaxIter, 0, "must be >= 1"));
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(Error::invalid(Param::Tol, self.tol, "must be a finite number >= 0"));
        }
        if let Init::Given(c) = &self.init {
            if c.n_rows() != self.n_clusters {
                return Err(Error::invalid(
                    Param::Init,
                    format!("{} centres", c.n_rows()),
                    format!("must have n_clusters={} rows", self.n_clusters),
                ));
            }
        }
        Ok(KMeansValidParams(self))
    }
}

/// Validated K-Means parameters: getters and [`KMeansValidParams::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansValidParams(KMeansParams);

impl KMeansValidParams {
    /// Number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.0.n_clusters
    }
    /// Initial centres.
    pub fn init(&self) -> &Init {
        &self.0.init
    }
    /// Runs (1 with given centres).
    pub fn n_init(&self) -> usize {
        match self.0.init {
            Init::Given(_) => 1,
            _ => self.0.n_init,
        }
    }
    /// Iteration limit.
    pub fn max_iter(&self) -> usize {
        self.0.max_iter
    }
    /// Relative tolerance.
    pub fn tol(&self) -> f64 {
        self.0.tol
    }
    /// Iteration scheme.
    pub fn algorithm(&self) -> Algorithm {
        self.0.algorithm
    }
    /// Seed.
    pub fn seed(&self) -> u64 {
        self.0.seed
    }
    /// Hartigan refinement.
    pub fn refine(&self) -> Refine {
        self.0.refine
    }

    /// Fits K-Means to the rows of `x` (prepared features).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `x` has no rows or `n_clusters` exceeds their number;
    /// [`Error::FeatureMismatch`] when given centres have another width than `x`.
    pub fn fit<'a>(&self, x: impl Into<MatrixRef<'a>>) -> Result<KMeans> {
        let x = x.into();
        let p = &self.0;
        super::require_rows(x)?;
        let (n, d, k) = (x.n_rows(), x.n_cols(), p.n_clusters);
        if k > n {
            return Err(Error::invalid(
                Param::NClusters,
                k,
                format!("must be at most the number of rows ({n})"),
            ));
        }
        if let Init::Given(c) = &p.init {
            if c.n_cols() != d {
                return Err(Error::FeatureMismatch {
                    expected: d,
                    got: c.n_cols(),
                });
            }
        }
        let tol = if p.tol == 0.0 { 0.0 } else { mean_variance(x) * p.tol };
        let iteration = p.algorithm.resolve(n, k, d, p.n_init.saturating_mul(p.max_iter));
        let tree = (iteration == Iteration::KdTree).then(|| Tree::build(x.as_slice(), d));
        let tree = tree.as_ref();
        let (refine_each, refine_winner) = match p.refine {
            Refine::Never => (false, false),
            Refine::Always => (true, false),
            Refine::Auto if matches!(p.init, Init::Given(_)) => (false, false),
            Refine::Auto => (n <= REFINE_MAX_ROWS, n > REFINE_MAX_ROWS),
        };
        let data = x.as_slice();
        let refined = |r: Run| refine_run(data, d, k, p.max_iter, tol, iteration, tree, r);
        let one_run = |run: usize| {
            let mut rng = Rng::stream(p.seed, run as u64);
            let init = match &p.init {
                Init::KMeansPlusPlus if n > seeding_rows(k) => {
                    let idx = rng.sample_indices(n, seeding_rows(k));
                    kmeans_plus_plus(x.select_rows(&idx).view(), k, &mut rng)
                }
                Init::KMeansPlusPlus => kmeans_plus_plus(x, k, &mut rng),
                Init::Random => random_rows(x, k, &mut rng),
                Init::Given(c) => c.as_slice().to_vec(),
            };
            let r = run_scheme(data, d, init, p.max_iter, tol, iteration, tree);
            if refine_each {
                refined(r)
            } else {
                r
            }
        };
        // The lowest inertia wins; ties go to the earlier run.
        let better = |best: Run, r: Run| if r.inertia < best.inertia { r } else { best };
        // Small inputs: runs side by side. Large ones: one run at a time (each is parallel
        // inside), keeping only the best so far, so at most two runs' buffers are alive.
        let best = if n * k <= 1 << 20 {
            // Reduced as they finish, so only a few runs' buffers are alive however many there
            // are; the lowest (inertia, run) wins, which no order of reduction changes.
            (0..self.n_init())
                .into_par_iter()
                .map(|i| (i, one_run(i)))
                .reduce_with(|a, b| if (b.1.inertia, b.0) < (a.1.inertia, a.0) { b } else { a })
                .map(|(_, r)| r)
        } else {
            // One run at a time, stopping once the best inertia has been reached by
            // AGREEING_RUNS runs: they found the same optimum from different starts.
            let mut best: Option<(Run, usize)> = None;
            for run in 0..self.n_init() {
                // A stop request ends the runs; the first always runs (it stops within an
                // iteration), so there is a best to drop.
                if run > 0 && crate::interrupt::requested() {
                    break;
                }
                let r = one_run(run);
                best = Some(match best {
                    None => (r, 1),
                    Some((b, agree)) if same_inertia(r.inertia, b.inertia) => (better(b, r), agree + 1),
                    Some((b, agree)) => {
                        if r.inertia < b.inertia {
                            (r, 1)
                        } else {
                            (b, agree)
                        }
                    }
                });
                let sampled_starts = !matches!(p.init, Init::Given(_));
                if sampled_starts && best.as_ref().is_some_and(|b| b.1 >= AGREEING_RUNS) {
                    break;
                }
            }
            best.map(|b| b.0)
        }
        .expect("n_init >= 1");
        // Runs stop early once a stop is requested; what they found is no answer.
        crate::interrupt::check()?;
        let best = if refine_winner { refined(best) } else { best };

        let mut sizes = vec![0usize; k];
        for &l in &best.labels {
            sizes[l as usize] += 1;
        }
        crate::interrupt::check()?;
        let mut warnings = Vec::new();
        if !best.converged {
            warnings.push(Warning::NotConverged { max_iter: p.max_iter });
        }
        if best.relocated > 0 {
            warnings.push(Warning::EmptyClustersRelocated { count: best.relocated });
        }
        let found = sizes.iter().filter(|&&s| s > 0).count();
        if found < k {
            warnings.push(Warning::FewerDistinctClusters { found, requested: k });
        }
        Ok(KMeans {
            centroids: Matrix::new(best.centers, k, d)?,
            labels: best.labels,
            sizes,
            inertia: best.inertia,
            n_iter: best.n_iter,
            converged: best.converged,
            warnings,
        })
    }
}

/// Hartigan's moves on a run's partition, then Lloyd from the refined means to settle labels and
/// centres exactly; the run is kept as it was when this does not lower the inertia.
#[allow(clippy::too_many_arguments)]
fn refine_run(
    data: &[f64],
    d: usize,
    k: usize,
    max_iter: usize,
    tol: f64,
    iteration: Iteration,
    tree: Option<&Tree>,
    r: Run,
) -> Run {
    // A run that used up max_iter is no local optimum to polish: on data without clear groups
    // its partition is still far from one, Hartigan's serial moves would then take many times
    // the run's own time (12 s after a 1.5 s run on 200k x 16 normal rows, k = 32), and the
    // caller's max_iter already said how much work it allows.
    if k < 2 || !r.converged {
        return r;
    }
    let mut labels = r.labels.clone();
    if hartigan::hartigan(data, d, &mut labels, k, max_iter, tol) == 0 {
        return r;
    }
    let centers = run::means_of(data, d, &labels, &r.centers);
    drop(labels);
    let again = run_scheme(data, d, centers, max_iter, tol, iteration, tree);
    if again.inertia < r.inertia {
        Run {
            n_iter: r.n_iter + again.n_iter,
            relocated: r.relocated + again.relocated,
            ..again
        }
    } else {
        r
    }
}

/// The starting centres of a fit's first run with `seed`: greedy k-means++ (Arthur and
/// Vassilvitskii, with scikit-learn's `2 + ln k` trials per centre), drawn from a seeded sample
/// of large inputs. For fits that iterate elsewhere: mini-batch updates, or a Lloyd iteration
/// whose rows are spread over machines.
///
/// # Errors
/// [`Error::InvalidParam`] when `x` has fewer rows than `k` or `k` is 0.
///
/// ```
/// use telecluster::cluster::kmeans::kmeans_plus_plus_centres;
/// use telecluster::Matrix;
/// let x = Matrix::from_rows(&[[0.0], [0.1], [10.0], [10.1]])?;
/// let c = kmeans_plus_plus_centres(&x, 2, 0)?;
/// assert!((c.get(0, 0) - c.get(1, 0)).abs() > 9.0);
/// # Ok::<(), telecluster::Error>(())
/// ```
pub fn kmeans_plus_plus_centres<'a>(x: impl Into<MatrixRef<'a>>, k: usize, seed: u64) -> Result<Matrix> {
    let x = x.into();
    let n = x.n_rows();
    if k == 0 || k > n {
        return Err(Error::invalid(
            Param::NClusters,
            k,
            format!("must be between 1 and the number of rows ({n})"),
        ));
    }
    let mut rng = Rng::stream(seed, 0);
    let centres = if n > seeding_rows(k) {
        let idx = rng.sample_indices(n, seeding_rows(k));
        kmeans_plus_plus(x.select_rows(&idx).view(), k, &mut rng)
    } else {
        kmeans_plus_plus(x, k, &mut rng)
    };
    Matrix::new(centres, k, x.n_cols())
}

/// The nearest of `centroids` to each row of `x` (ties to the lower cluster) and its squared
/// distance: what a fitted model's centres say of new rows, for callers that keep only the
/// centres (the negated sum of the distances is scikit-learn's `KMeans.score`).
///
/// # Errors
/// [`Error::FeatureMismatch`] if `x` is not as wide as the centroids.
///
/// ```
/// use telecluster::{cluster::kmeans::assign, Matrix};
/// let centres = Matrix::from_rows(&[[0.0], [10.0]])?;
/// let (labels, sq) = assign(&centres, &Matrix::from_rows(&[[1.0], [8.0]])?)?;
/// assert_eq!((labels, sq), (vec![0, 1], vec![1.0, 4.0]));
/// # Ok::<(), telecluster::Error>(())
/// ```
pub fn assign<'a, 'b>(
    centroids: impl Into<MatrixRef<'a>>,
    x: impl Into<MatrixRef<'b>>,
) -> Result<(Vec<u32>, Vec<f64>)> {
    let (c, x) = (centroids.into(), x.into());
    same_width(c, x)?;
    const BLOCK: usize = 4096;
    let (n, d) = (x.n_rows(), x.n_cols());
    let (mut labels, mut sq) = (vec![0u32; n], vec![0.0; n]);
    labels
        .par_chunks_mut(BLOCK)
        .zip(sq.par_chunks_mut(BLOCK))
        .zip(x.as_slice().par_chunks(BLOCK * d))
        .for_each(|((l, s), rows)| nearest_rows(rows, d, c.as_slice(), l, s));
    Ok((labels, sq))
}

/// The Euclidean distance of each row of `x` to each of `centroids` (n × k): scikit-learn's
/// `KMeans.transform` for callers that keep only the centres.
///
/// # Errors
/// [`Error::FeatureMismatch`] if `x` is not as wide as the centroids.
pub fn distances<'a, 'b>(centroids: impl Into<MatrixRef<'a>>, x: impl Into<MatrixRef<'b>>) -> Result<Matrix> {
    let (c, x) = (centroids.into(), x.into());
    same_width(c, x)?;
    let data = x
        .rows()
        .flat_map(|r| c.rows().map(move |c| sq_dist(r, c).sqrt()))
        .collect();
    Matrix::new(data, x.n_rows(), c.n_rows())
}

fn same_width(centroids: MatrixRef<'_>, x: MatrixRef<'_>) -> Result<()> {
    if x.n_cols() != centroids.n_cols() {
        return Err(Error::FeatureMismatch {
            expected: centroids.n_cols(),
            got: x.n_cols(),
        });
    }
    Ok(())
}

/// Mean over features of the population variance (scikit-learn's `_tolerance` scale).
fn mean_variance(x: MatrixRef<'_>) -> f64 {
    let mut col = Vec::with_capacity(x.n_rows());
    let total: f64 = (0..x.n_cols())
        .map(|j| {
            col.clear();
            col.extend(x.column(j));
            stats::variance(&col, stats::mean(&col))
        })
        .sum();
    total / x.n_cols() as f64
}

/// A fitted K-Means model: centroids (in the space it was fitted in) and the training labels.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeans {
    centroids: Matrix,
    labels: Vec<u32>,
    sizes: Vec<usize>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
    warnings: Vec<Warning>,
}

impl KMeans {
    /// Number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.centroids.n_rows()
    }

    /// The cluster of each training row (0-based, indexing [`KMeans::centroids`]).
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// One centroid per cluster, k × d.
    pub fn centroids(&self) -> &Matrix {
        &self.centroids
    }

    /// Rows per cluster.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Sum of squared distances of the rows to their centroids (scikit-learn's `inertia_`).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Iterations of the best run.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the best run converged before `max_iter`.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Soft problems the caller should show.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The nearest centroid of each row of `x` (ties to the lower cluster).
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] if `x` is not as wide as the training data.
    pub fn predict<'a>(&self, x: impl Into<MatrixRef<'a>>) -> Result<Vec<u32>> {
        Ok(assign(&self.centroids, x)?.0)
    }

    /// Euclidean distance of each row of `x` to each centroid (n × k).
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] if `x` is not as wide as the training data.
    pub fn transform<'a>(&self, x: impl Into<MatrixRef<'a>>) -> Result<Matrix> {
        distances(&self.centroids, x)
    }
}
