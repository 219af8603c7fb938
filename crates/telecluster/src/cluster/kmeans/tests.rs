use proptest::prelude::*;

use super::*;
use crate::cluster::distance::nearest;
use crate::rng::Rng;

fn blobs(n_per: usize, centres: &[[f64; 2]], spread: f64, seed: u64) -> Matrix {
    let mut rng = Rng::new(seed);
    let mut rows = Vec::new();
    for c in centres {
        for _ in 0..n_per {
            rows.push([c[0] + spread * rng.normal(), c[1] + spread * rng.normal()]);
        }
    }
    Matrix::from_rows(&rows).unwrap()
}

fn three_blobs() -> Matrix {
    blobs(40, &[[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]], 0.5, 1)
}

#[test]
fn each_rule_has_its_error() {
    let bad = |p: KMeansParams| matches!(p.check(), Err(Error::InvalidParam { .. }));
    assert!(bad(KMeansParams::new(0)));
    assert!(bad(KMeansParams::new(2).n_init(0)));
    assert!(bad(KMeansParams::new(2).max_iter(0)));
    assert!(bad(KMeansParams::new(2).tol(-1.0)));
    assert!(bad(KMeansParams::new(2).tol(f64::NAN)));
    assert!(bad(KMeansParams::new(2).init(Init::Given(Matrix::zeros(3, 2)))));
    let x = three_blobs();
    assert!(matches!(
        KMeansParams::new(121).check().unwrap().fit(&x),
        Err(Error::InvalidParam {
            param: crate::Param::NClusters,
            ..
        })
    ));
    let given = KMeansParams::new(2)
        .init(Init::Given(Matrix::zeros(2, 3)))
        .check()
        .unwrap();
    assert!(matches!(
        given.fit(&x),
        Err(Error::FeatureMismatch { expected: 2, got: 3 })
    ));
}

#[test]
fn models_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<KMeans>();
    check::<KMeansValidParams>();
}

#[test]
fn finds_the_three_blobs() {
    let x = three_blobs();
    let m = KMeansParams::new(3).check().unwrap().fit(&x).unwrap();
    assert!(m.converged());
    assert!(m.warnings().is_empty());
    let mut sizes = m.sizes().to_vec();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![40, 40, 40]);
    for b in 0..3 {
        let l = m.labels()[b * 40];
        assert!(m.labels()[b * 40..(b + 1) * 40].iter().all(|&v| v == l));
    }
}

#[test]
fn predict_and_transform_agree_with_training() {
    let x = three_blobs();
    let m = KMeansParams::new(3).check().unwrap().fit(&x).unwrap();
    assert_eq!(m.predict(&x).unwrap(), m.labels());
    let t = m.transform(&x).unwrap();
    assert_eq!((t.n_rows(), t.n_cols()), (120, 3));
    for (i, row) in t.rows().enumerate() {
        let (j, _) = row
            .iter()
            .enumerate()
            .fold((0, f64::INFINITY), |b, (j, &v)| if v < b.1 { (j, v) } else { b });
        assert_eq!(j as u32, m.labels()[i]);
    }
    let narrow = Matrix::zeros(1, 1);
    assert!(matches!(m.predict(&narrow), Err(Error::FeatureMismatch { .. })));
    assert!(matches!(m.transform(&narrow), Err(Error::FeatureMismatch { .. })));
}

#[test]
fn k_equal_to_n_and_k_one() {
    let x = Matrix::from_rows(&[[0.0], [1.0], [3.0]]).unwrap();
    let m = KMeansParams::new(3).check().unwrap().fit(&x).unwrap();
    assert_eq!(m.inertia(), 0.0);
    let m = KMeansParams::new(1).check().unwrap().fit(&x).unwrap();
    assert!((m.centroids().get(0, 0) - 4.0 / 3.0).abs() < 1e-15);
}

#[test]
fn duplicates_warn_about_fewer_distinct_clusters() {
    let x = Matrix::from_rows(&[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [2.0, 2.0]]).unwrap();
    let m = KMeansParams::new(3).check().unwrap().fit(&x).unwrap();
    assert!(m
        .warnings()
        .iter()
        .any(|w| matches!(w, Warning::FewerDistinctClusters { found: 2, requested: 3 })));
}

#[test]
fn max_iter_reached_is_reported() {
    let x = blobs(200, &[[0.0, 0.0], [1.0, 1.0]], 1.0, 2);
    let m = KMeansParams::new(5)
        .max_iter(1)
        .n_init(1)
        .check()
        .unwrap()
        .fit(&x)
        .unwrap();
    assert!(!m.converged());
    assert!(m.warnings().contains(&Warning::NotConverged { max_iter: 1 }));
    // labels are recomputed after the last update: each row sits with its nearest centroid
    assert_eq!(m.predict(&x).unwrap(), m.labels());
}

fn fit_with_threads(x: &Matrix, threads: usize, algorithm: Algorithm) -> KMeans {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        KMeansParams::new(16)
            .n_init(2)
            .algorithm(algorithm)
            .check()
            .unwrap()
            .fit(x)
            .unwrap()
    })
}

#[test]
fn thread_count_does_not_change_anything() {
    // Big enough for several chunks, and (n * k > 2^20) for runs to go one at a time.
    let x = blobs(17_500, &[[0.0, 0.0], [3.0, 0.0], [0.0, 3.0], [3.0, 3.0]], 1.0, 3);
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::KdTree] {
        let a = fit_with_threads(&x, 1, algorithm);
        let b = fit_with_threads(&x, 2, algorithm);
        assert_eq!(a, b, "{algorithm:?}");
    }
}

#[test]
fn auto_takes_the_kd_tree_for_large_narrow_data_with_lloyds_labels() {
    // Above KDTREE_MIN_ROWS: Auto filters through the kd-tree, one thread or two, and lands
    // on Lloyd's partition from the same start.
    let x = blobs(60_000, &[[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]], 1.0, 5);
    let init = Init::Given(x.select_rows(&[0, 1, 2]));
    let fit = |threads: usize, algorithm: Algorithm| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            KMeansParams::new(3)
                .init(init.clone())
                .max_iter(50)
                .algorithm(algorithm)
                .check()
                .unwrap()
                .fit(&x)
                .unwrap()
        })
    };
    let (a, b) = (fit(1, Algorithm::Auto), fit(2, Algorithm::Auto));
    assert_eq!(a, b);
    let lloyd = fit(2, Algorithm::Lloyd);
    assert_eq!(a.labels(), lloyd.labels());
    assert!((a.inertia() - lloyd.inertia()).abs() <= 1e-9 * lloyd.inertia());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn labels_are_nearest_centroids(
        rows in prop::collection::vec(prop::collection::vec(-100.0f64..100.0, 3), 1..80),
        k in 1usize..6,
        seed in 0u64..1000,
    ) {
        let x = Matrix::from_rows(&rows).unwrap();
        let k = k.min(x.n_rows());
        let m = KMeansParams::new(k).n_init(2).seed(seed).check().unwrap().fit(&x).unwrap();
        prop_assert_eq!(m.labels().len(), x.n_rows());
        let c = m.centroids().as_slice();
        let mut total = 0.0;
        for (i, r) in x.rows().enumerate() {
            let (j, best) = nearest(r, c, 3);
            let own = sq_dist(r, m.centroids().row(m.labels()[i] as usize));
            prop_assert!(own <= best, "row {} label {} dist {} but {} at {}", i, m.labels()[i], own, best, j);
            total += own;
        }
        prop_assert!((total - m.inertia()).abs() <= 1e-9 * total.max(1.0));
    }

    #[test]
    fn permuting_rows_permutes_labels(seed in 0u64..500) {
        let x = blobs(15, &[[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]], 0.7, seed);
        let n = x.n_rows();
        let mut perm: Vec<usize> = (0..n).collect();
        Rng::new(seed + 1).shuffle(&mut perm);
        let xp = x.select_rows(&perm);
        let a = KMeansParams::new(3).seed(seed).check().unwrap().fit(&x).unwrap();
        let b = KMeansParams::new(3).seed(seed).check().unwrap().fit(&xp).unwrap();
        for i in 0..n {
            for j in 0..n {
                let same_a = a.labels()[perm[i]] == a.labels()[perm[j]];
                let same_b = b.labels()[i] == b.labels()[j];
                prop_assert_eq!(same_a, same_b);
            }
        }
    }

    #[test]
    fn lloyd_and_hamerly_fits_are_identical(seed in 0u64..500, k in 1usize..7) {
        let x = blobs(30, &[[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]], 1.2, seed);
        let p = KMeansParams::new(k).seed(seed).n_init(3);
        let a = p.clone().algorithm(Algorithm::Lloyd).check().unwrap().fit(&x).unwrap();
        let b = p.algorithm(Algorithm::Hamerly).check().unwrap().fit(&x).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn kd_tree_gives_lloyds_labels(seed in 0u64..500, k in 1usize..7) {
        let x = blobs(60, &[[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]], 1.2, seed);
        // One run: with several, runs reaching the same optimum tie up to the last bits of the
        // inertia, and which one wins may differ.
        let p = KMeansParams::new(k).seed(seed).n_init(1).refine(Refine::Never);
        let a = p.clone().algorithm(Algorithm::Lloyd).check().unwrap().fit(&x).unwrap();
        let b = p.algorithm(Algorithm::KdTree).check().unwrap().fit(&x).unwrap();
        // Node sums are added whole, so only the last bits of the centroids may differ.
        prop_assert_eq!(a.labels(), b.labels());
        prop_assert_eq!(a.n_iter(), b.n_iter());
        for (u, v) in a.centroids().as_slice().iter().zip(b.centroids().as_slice()) {
            prop_assert!((u - v).abs() <= 1e-12 * v.abs().max(1.0));
        }
    }
}

#[test]
fn large_fits_stop_once_two_runs_agree_and_seed_from_a_sample() {
    // 8 well-separated groups, n·k above the side-by-side limit: runs go one at a time.
    let centres: Vec<[f64; 2]> = (0..8).map(|i| [20.0 * (i % 4) as f64, 20.0 * (i / 4) as f64]).collect();
    let x = blobs(20_000, &centres, 1.0, 4);
    assert!(x.n_rows() * 8 > 1 << 20 && x.n_rows() > SEEDING_SAMPLE_ROWS);
    let fit = |n_init: usize| {
        KMeansParams::new(8)
            .n_init(n_init)
            .refine(Refine::Never)
            .check()
            .unwrap()
            .fit(&x)
            .unwrap()
    };
    let (two, ten) = (fit(2), fit(10));
    // Every start finds the eight groups, so the first two runs agree and ten stops there.
    assert_eq!(ten.labels(), two.labels());
    assert_eq!(ten.inertia().to_bits(), two.inertia().to_bits());
    assert!(same_inertia(fit(1).inertia(), two.inertia()));
    let sizes = ten.sizes();
    assert!(sizes.iter().all(|&s| s == 20_000), "{sizes:?}");
    assert!(same_inertia(1.0, 1.0 + 1e-12) && !same_inertia(1.0, 1.0 + 1e-6));
}

#[test]
fn runs_that_use_up_max_iter_are_not_refined() {
    let mut rng = Rng::new(3);
    let rows: Vec<[f64; 3]> = (0..2000).map(|_| [rng.normal(), rng.normal(), rng.normal()]).collect();
    let x = Matrix::from_rows(&rows).unwrap();
    let fit = |refine| {
        KMeansParams::new(6)
            .max_iter(2)
            .tol(0.0)
            .refine(refine)
            .check()
            .unwrap()
            .fit(&x)
            .unwrap()
    };
    let (auto, never) = (fit(Refine::Auto), fit(Refine::Never));
    assert!(!auto.converged());
    assert_eq!(auto.labels(), never.labels());
    assert_eq!(auto.inertia(), never.inertia());
    // Given room to converge, the same starts are refined, and never end worse.
    let roomy = |refine| KMeansParams::new(6).refine(refine).check().unwrap().fit(&x).unwrap();
    assert!(roomy(Refine::Auto).inertia() <= roomy(Refine::Never).inertia());
}

#[test]
fn hartigan_moves_on_groupless_data_stop_at_lloyds_tolerance() {
    let mut rng = Rng::new(9);
    let rows: Vec<Vec<f64>> = (0..20_000).map(|_| (0..16).map(|_| rng.normal()).collect()).collect();
    let x = Matrix::from_rows(&rows).unwrap();
    // A partition a few Lloyd steps in: many rows still near a boundary.
    let lloyd = KMeansParams::new(32)
        .max_iter(5)
        .refine(Refine::Never)
        .check()
        .unwrap()
        .fit(&x)
        .unwrap();
    let inertia = |labels: &[u32]| {
        let centres = run::means_of(x.as_slice(), 16, labels, lloyd.centroids().as_slice());
        x.rows()
            .zip(labels)
            .map(|(r, &l)| crate::metric::sq_dist(r, &centres[l as usize * 16..(l as usize + 1) * 16]))
            .sum::<f64>()
    };
    let (mut exhaustive, mut bounded) = (lloyd.labels().to_vec(), lloyd.labels().to_vec());
    let all = super::hartigan::hartigan(x.as_slice(), 16, &mut exhaustive, 32, 300, 0.0);
    let some = super::hartigan::hartigan(x.as_slice(), 16, &mut bounded, 32, 300, 1e-4);
    assert!(0 < some && some < all, "bounded {some} moves, exhaustive {all}");
    assert!(inertia(&exhaustive) < lloyd.inertia() && inertia(&bounded) < lloyd.inertia());
}
