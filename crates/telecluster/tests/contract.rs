//! The contract every clusterer keeps: each K-Means algorithm, each DBSCAN index and each of the
//! seven linkages run through the same cases, with one agreed behaviour per case (documented in
//! `telecluster::cluster`):
//!
//! | case | agreed behaviour |
//! |---|---|
//! | no rows | `Error::InvalidParam` naming `n_samples` |
//! | one row | one label, 0 |
//! | two distinct rows | two labels (each its own cluster) |
//! | every row identical | one label for all (K-Means warns: fewer distinct clusters) |
//! | every row twice | the two copies share their label |
//! | rows permuted | the same partition, permuted (well-separated groups) |
//! | 1 and 2 threads | the same bytes (labels, and the model's numbers) |
//! | any input | one label per row |
//!
//! Each clusterer is asked for two groups: K-Means `n_clusters = min(2, rows)`, DBSCAN with
//! `eps = 1` and `min_samples = 1` on data whose groups lie further apart, the linkages cut into
//! at most two clusters.

use telecluster::cluster::dbscan::Index;
use telecluster::cluster::linkage::{Cut, LinkageParams, Method};
use telecluster::cluster::{Algorithm, DbscanParams, KMeansParams};
use telecluster::error::Warning;
use telecluster::rng::Rng;
use telecluster::{Error, Matrix, Param};

/// One engine, configured.
#[derive(Clone, Copy, Debug)]
enum Clusterer {
    KMeans(Algorithm),
    Dbscan(Index),
    Linkage(Method),
}

/// What a fit gives the contract: a label per row (noise −1), a fingerprint of everything the
/// model computed (for the thread test), and warnings.
struct Fit {
    labels: Vec<i64>,
    fingerprint: String,
    warnings: Vec<Warning>,
}

impl Clusterer {
    fn all() -> Vec<Clusterer> {
        let mut all: Vec<Clusterer> = [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::KdTree, Algorithm::Auto]
            .into_iter()
            .map(Clusterer::KMeans)
            .collect();
        all.extend([Index::Auto, Index::Grid, Index::KdTree].map(Clusterer::Dbscan));
        all.extend(Method::ALL.map(Clusterer::Linkage));
        all
    }

    fn fit(self, x: &Matrix) -> Result<Fit, Error> {
        match self {
            Clusterer::KMeans(algorithm) => {
                let m = KMeansParams::new(x.n_rows().clamp(1, 2))
                    .algorithm(algorithm)
                    .seed(7)
                    .check()?
                    .fit(x)?;
                let centres: Vec<u64> = m.centroids().as_slice().iter().map(|v| v.to_bits()).collect();
                Ok(Fit {
                    labels: m.labels().iter().map(|&l| i64::from(l)).collect(),
                    fingerprint: format!("{:?} {centres:?} {}", m.labels(), m.inertia().to_bits()),
                    warnings: m.warnings().to_vec(),
                })
            }
            Clusterer::Dbscan(index) => {
                let m = DbscanParams::new(1.0, 1).index(index).check()?.fit(x)?;
                let labels: Vec<i64> = m.labels().iter().map(|l| l.as_i64()).collect();
                Ok(Fit {
                    fingerprint: format!("{labels:?} {:?}", m.is_core()),
                    labels,
                    warnings: Vec::new(),
                })
            }
            Clusterer::Linkage(method) => {
                let tree = LinkageParams::new(method).check()?.fit(x)?;
                let cut = tree.cut(Cut::MaxClusters(2))?;
                let merges: Vec<(usize, usize, u64, usize)> = tree
                    .merges()
                    .iter()
                    .map(|m| (m.a, m.b, m.height.to_bits(), m.size))
                    .collect();
                Ok(Fit {
                    labels: cut.iter().map(|&l| i64::from(l)).collect(),
                    fingerprint: format!("{cut:?} {merges:?}"),
                    warnings: Vec::new(),
                })
            }
        }
    }
}

/// Two well-separated groups (the second 10 away from the first), `n` rows in all, `d` wide.
fn two_groups(n: usize, d: usize, seed: u64) -> Matrix {
    let mut rng = Rng::new(seed);
    let v = (0..n)
        .flat_map(|i| {
            let centre = if i % 2 == 0 { 0.0 } else { 10.0 };
            (0..d).map(|_| centre + 0.05 * rng.normal()).collect::<Vec<_>>()
        })
        .collect();
    Matrix::new(v, n, d).unwrap()
}

/// Whether two labellings are the same partition (equal up to renumbering).
fn same_partition(a: &[i64], b: &[i64]) -> bool {
    a.len() == b.len() && (0..a.len()).all(|i| (0..a.len()).all(|j| (a[i] == a[j]) == (b[i] == b[j])))
}

fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn no_rows_is_an_error_naming_n_samples() {
    for c in Clusterer::all() {
        let r = c.fit(&Matrix::zeros(0, 2));
        assert!(
            matches!(
                r,
                Err(Error::InvalidParam {
                    param: Param::NSamples,
                    ..
                })
            ),
            "{c:?}: {:?}",
            r.map(|f| f.labels)
        );
    }
}

#[test]
fn one_row_is_cluster_zero() {
    for c in Clusterer::all() {
        let f = c.fit(&Matrix::from_rows(&[[3.0, 4.0]]).unwrap()).unwrap();
        assert_eq!(f.labels, [0], "{c:?}");
    }
}

#[test]
fn two_distinct_rows_are_two_clusters() {
    for c in Clusterer::all() {
        let f = c.fit(&Matrix::from_rows(&[[0.0, 0.0], [10.0, 10.0]]).unwrap()).unwrap();
        assert_eq!(f.labels.len(), 2, "{c:?}");
        assert_ne!(f.labels[0], f.labels[1], "{c:?}");
        assert!(f.labels.iter().all(|&l| l >= 0), "{c:?}");
    }
}

#[test]
fn identical_rows_are_one_cluster() {
    let x = Matrix::from_rows(&[[1.5, -2.0]; 7]).unwrap();
    for c in Clusterer::all() {
        let f = c.fit(&x).unwrap();
        assert!(
            f.labels.iter().all(|&l| l == f.labels[0] && l >= 0),
            "{c:?}: {:?}",
            f.labels
        );
        if let Clusterer::KMeans(_) = c {
            assert!(
                f.warnings
                    .iter()
                    .any(|w| matches!(w, Warning::FewerDistinctClusters { found: 1, requested: 2 })),
                "{c:?}: {:?}",
                f.warnings
            );
        }
    }
}

#[test]
fn duplicated_rows_share_their_label() {
    let base = two_groups(30, 3, 1);
    let twice: Vec<usize> = (0..30).flat_map(|i| [i, i]).collect();
    let x = base.select_rows(&twice);
    for c in Clusterer::all() {
        let f = c.fit(&x).unwrap();
        assert_eq!(f.labels.len(), 60, "{c:?}");
        assert!(f.labels.chunks_exact(2).all(|p| p[0] == p[1]), "{c:?}: {:?}", f.labels);
    }
}

#[test]
fn a_permutation_gives_the_same_partition() {
    let x = two_groups(80, 2, 2);
    let mut order: Vec<usize> = (0..80).collect();
    Rng::new(3).shuffle(&mut order);
    let shuffled = x.select_rows(&order);
    for c in Clusterer::all() {
        let a = c.fit(&x).unwrap().labels;
        let b = c.fit(&shuffled).unwrap().labels;
        let back: Vec<i64> = order.iter().map(|&i| a[i]).collect();
        assert!(same_partition(&back, &b), "{c:?}");
        assert!(
            same_partition(&a, &(0..80).map(|i| (i % 2) as i64).collect::<Vec<_>>()),
            "{c:?}: {a:?}"
        );
    }
}

#[test]
fn one_and_two_threads_give_the_same_bytes() {
    // Large enough that the parallel paths split the work (several chunks, the Ward helper).
    let x = two_groups(9_000, 2, 4);
    for c in Clusterer::all() {
        if matches!(c, Clusterer::Linkage(m) if m.needs_matrix()) {
            continue; // below: the matrix methods on fewer rows
        }
        let one = with_threads(1, || c.fit(&x).unwrap().fingerprint);
        let two = with_threads(2, || c.fit(&x).unwrap().fingerprint);
        assert!(one == two, "{c:?}");
    }
    let x = two_groups(1_500, 2, 5);
    for method in Method::ALL.into_iter().filter(|m| m.needs_matrix()) {
        let c = Clusterer::Linkage(method);
        let one = with_threads(1, || c.fit(&x).unwrap().fingerprint);
        let two = with_threads(2, || c.fit(&x).unwrap().fingerprint);
        assert!(one == two, "{c:?}");
    }
}

#[test]
fn one_label_per_row() {
    for n in [1, 2, 3, 17, 200] {
        let x = two_groups(n, 4, n as u64);
        for c in Clusterer::all() {
            assert_eq!(c.fit(&x).unwrap().labels.len(), n, "{c:?} n={n}");
        }
    }
}
