//! The fast paths against the naive references of `naive/`: K-Means (every algorithm) against
//! plain Lloyd, DBSCAN (every index) against scikit-learn's algorithm written out, every
//! linkage against the textbook O(n³) algorithm.

mod naive;

use proptest::prelude::*;
use telecluster::cluster::dbscan::{Dbscan, Index, Label};
use telecluster::cluster::linkage::{LinkageParams, Merge, Method};
use telecluster::cluster::{Algorithm, DbscanParams, Init, KMeansParams, Refine};
use telecluster::metric::sq_dist;
use telecluster::rng::Rng;
use telecluster::Matrix;

fn fit(x: &Matrix, eps: f64, ms: usize, index: Index) -> Dbscan {
    DbscanParams::new(eps, ms).index(index).check().unwrap().fit(x).unwrap()
}

fn as_i64(m: &Dbscan) -> Vec<i64> {
    m.labels().iter().map(|l| l.as_i64()).collect()
}

/// Blobs, a ring of sparse rows and exact duplicates, on a coarse lattice so that distances
/// of exactly eps occur.
fn data(seed: u64, n: usize, d: usize) -> Matrix {
    let mut rng = Rng::new(seed);
    let mut v = Vec::with_capacity(n * d);
    for i in 0..n {
        let centre = (i % 3) as f64 * 2.0;
        for _ in 0..d {
            let spread = if i % 10 == 0 { 3.0 } else { 0.4 };
            v.push(((centre + rng.normal() * spread) * 8.0).round() / 8.0);
        }
    }
    Matrix::new(v, n, d).unwrap()
}

#[test]
fn labels_equal_the_reference_on_every_index() {
    // Wide rows too: the kd-tree's whole-node counts, tight nodes and component search.
    for d in [1, 2, 3, 4, 5, 8, 12] {
        for seed in 0..3 {
            let x = data(seed, 400, d);
            for (eps, ms) in [(0.25, 4), (0.5, 5), (0.125, 2), (1.0, 30), (0.3, 1), (1.5, 3), (2.5, 8)] {
                let (want, want_core) = naive::dbscan::dbscan(&x, eps, ms);
                for index in [Index::Auto, Index::Grid, Index::KdTree] {
                    let m = fit(&x, eps, ms, index);
                    assert_eq!(as_i64(&m), want, "d={d} seed={seed} eps={eps} ms={ms} {index:?}");
                    assert_eq!(m.is_core(), want_core);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every K-Means algorithm from the same centres ends where plain Lloyd ends: the same
    /// labels, centres to 1e-9 (the fast paths sum in another order), the same inertia.
    #[test]
    fn kmeans_equals_plain_lloyd(seed in 0u64..10_000, d in 1usize..7, k in 1usize..6) {
        let mut rng = Rng::new(seed);
        let n = 60 + rng.below(140);
        let x = Matrix::new((0..n * d).map(|_| rng.normal() + (rng.below(k) * 4) as f64).collect(), n, d).unwrap();
        let init = x.select_rows(&rng.sample_indices(n, k));
        let want = naive::lloyd::lloyd(&x, &init, 300);
        // A cluster that empties is relocated by the fast paths, not by the reference.
        prop_assume!(want.is_some());
        let want = want.unwrap();
        for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::KdTree, Algorithm::Auto] {
            if algorithm == Algorithm::KdTree && d > 4 {
                continue;
            }
            let m = KMeansParams::new(k)
                .init(Init::Given(init.clone()))
                .n_init(1)
                .tol(0.0)
                .refine(Refine::Never)
                .algorithm(algorithm)
                .check()
                .unwrap()
                .fit(&x)
                .unwrap();
            prop_assert_eq!(m.labels(), &want.labels[..], "{:?}", algorithm);
            for (j, c) in want.centres.iter().enumerate() {
                for (a, b) in m.centroids().row(j).iter().zip(c) {
                    prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{:?}: {} vs {}", algorithm, a, b);
                }
            }
            prop_assert!((m.inertia() - want.inertia).abs() <= 1e-9 * want.inertia.max(1.0));
        }
    }

    /// Every linkage on random data (distinct distances, so there is one right tree) equals
    /// the textbook algorithm merge for merge.
    #[test]
    fn linkage_equals_the_textbook_algorithm(seed in 0u64..10_000, n in 2usize..45, d in 1usize..6) {
        let mut rng = Rng::new(seed);
        let x = Matrix::new((0..n * d).map(|_| rng.normal()).collect(), n, d).unwrap();
        for method in Method::ALL {
            let got = LinkageParams::new(method).check().unwrap().fit(&x).unwrap();
            same_tree(got.merges(), &naive::linkage::linkage(&x, method), method)?;
        }
    }
}

fn same_tree(got: &[Merge], want: &[Merge], method: Method) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        prop_assert_eq!((g.a, g.b, g.size), (w.a, w.b, w.size), "{} merge {}", method, i);
        prop_assert!(
            (g.height - w.height).abs() <= 1e-9 * w.height.max(1.0),
            "{} merge {}: {} vs {}",
            method,
            i,
            g.height,
            w.height
        );
    }
    Ok(())
}

fn points() -> impl Strategy<Value = (Vec<[f64; 2]>, f64, usize)> {
    (prop::collection::vec((0i32..40, 0i32..40), 1..120), 1u32..12, 1usize..8).prop_map(|(v, e, ms)| {
        let pts = v.iter().map(|&(a, b)| [a as f64 * 0.1, b as f64 * 0.1]).collect();
        (pts, e as f64 * 0.05, ms)
    })
}

proptest! {
    #[test]
    fn dbscan_invariants((pts, eps, ms) in points()) {
        let x = Matrix::from_rows(&pts).unwrap();
        let m = fit(&x, eps, ms, Index::Auto);
        let e2 = eps * eps;
        let n = pts.len();
        let within = |a: usize, b: usize| sq_dist(x.row(a), x.row(b)) <= e2;
        for i in 0..n {
            let count = (0..n).filter(|&j| within(i, j)).count();
            prop_assert_eq!(m.is_core()[i], count >= ms);
            if m.labels()[i] == Label::Noise {
                prop_assert!(!m.is_core()[i]);
                prop_assert!(!(0..n).any(|j| m.is_core()[j] && within(i, j)));
            }
        }
        prop_assert_eq!(as_i64(&m), naive::dbscan::dbscan(&x, eps, ms).0);

        // Reversed rows: the same core set, the same partition of core rows, the same noise
        // set; a border row may change cluster only between clusters it touches.
        let rev: Vec<[f64; 2]> = pts.iter().rev().copied().collect();
        let r = fit(&Matrix::from_rows(&rev).unwrap(), eps, ms, Index::Auto);
        let back = |i: usize| n - 1 - i;
        for i in 0..n {
            prop_assert_eq!(m.is_core()[i], r.is_core()[back(i)]);
            prop_assert_eq!(m.labels()[i] == Label::Noise, r.labels()[back(i)] == Label::Noise);
            for j in 0..n {
                if m.is_core()[i] && m.is_core()[j] {
                    prop_assert_eq!(
                        m.labels()[i] == m.labels()[j],
                        r.labels()[back(i)] == r.labels()[back(j)]
                    );
                }
            }
        }
    }
}
