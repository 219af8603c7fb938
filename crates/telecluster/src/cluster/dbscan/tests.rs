use super::*;
use crate::matrix::Matrix;
use crate::rng::Rng;

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
fn a_border_row_between_two_clusters_goes_to_the_lower_number() {
    // Cluster A (rows 1-5) starts first, cluster B (rows 6-10) second; row 0 sits within eps
    // of one core row of each and is not core itself (3 rows within eps, min_samples 4).
    // scikit-learn gives it to A, cluster 0.
    let a = [-1.0, -1.2, -1.4, -1.6, -1.8];
    let b = [1.0, 1.2, 1.4, 1.6, 1.8];
    let rows: Vec<[f64; 1]> = std::iter::once(0.0).chain(a).chain(b).map(|v| [v]).collect();
    let x = Matrix::from_rows(&rows).unwrap();
    for index in [Index::Grid, Index::KdTree] {
        let m = fit(&x, 1.0, 4, index);
        assert_eq!(as_i64(&m), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        assert!(!m.is_core()[0]);
    }
    // B's rows first: B is cluster 0 now, and takes row 0.
    let rows: Vec<[f64; 1]> = std::iter::once(0.0).chain(b).chain(a).map(|v| [v]).collect();
    let x = Matrix::from_rows(&rows).unwrap();
    let m = fit(&x, 1.0, 4, Index::Auto);
    assert_eq!(as_i64(&m), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(x.row(0), [0.0]);
}

#[test]
fn edge_cases() {
    let one = Matrix::from_rows(&[[1.0, 2.0]]).unwrap();
    assert_eq!(as_i64(&fit(&one, 0.5, 1, Index::Auto)), [0]);
    assert_eq!(as_i64(&fit(&one, 0.5, 2, Index::Auto)), [-1]);
    let dup = Matrix::from_rows(&[[1.0], [1.0], [1.0]]).unwrap();
    let m = fit(&dup, 1e-300, 3, Index::Auto);
    assert_eq!(as_i64(&m), [0, 0, 0]);
    assert_eq!(m.core_indices(), [0, 1, 2]);
    // A tiny eps against a wide spread: the grid declines and the kd-tree answers.
    let wide = Matrix::from_rows(&[[0.0], [1e-12], [1e12]]).unwrap();
    assert_eq!(as_i64(&fit(&wide, 1e-9, 2, Index::Grid)), [0, 0, -1]);
    assert!(DbscanParams::new(0.0, 5).check().is_err());
    assert!(DbscanParams::new(f64::NAN, 5).check().is_err());
    assert!(DbscanParams::new(f64::INFINITY, 5).check().is_err());
    assert!(DbscanParams::new(1.0, 0).check().is_err());
    let none = DbscanParams::new(1.0, 2).check().unwrap().fit(&Matrix::zeros(0, 2));
    assert!(matches!(
        none,
        Err(crate::Error::InvalidParam {
            param: crate::Param::NSamples,
            ..
        })
    ));
}

#[test]
fn work_estimate_is_close_on_uniform_data() {
    let x = data(2, 4000, 2);
    let est = estimate_work(&x, 0.5, 5, 4000, 1);
    let counts: Vec<usize> = (0..4000)
        .map(|i| (0..4000).filter(|&j| sq_dist(x.row(i), x.row(j)) <= 0.25).count())
        .collect();
    let exact = counts.iter().sum::<usize>() as f64 / 4000.0;
    let core = counts.iter().filter(|&&c| c >= 5).count();
    assert!((est.mean_neighbours - exact).abs() < 1e-9, "a full sample is exact");
    assert!((est.core_fraction - core as f64 / 4000.0).abs() < 1e-12);
    let est = estimate_work(&x, 0.5, 5, 500, 1);
    assert!(
        (est.mean_neighbours / exact - 1.0).abs() < 0.25,
        "{} vs {exact}",
        est.mean_neighbours
    );
}

#[test]
fn red_flags_name_what_went_wrong() {
    let x = data(1, 300, 2);
    assert_eq!(fit(&x, 0.01, 100, Index::Auto).red_flags(), [RedFlag::NoCore]);
    let all = fit(&x, 100.0, 2, Index::Auto).red_flags();
    assert_eq!(all, [RedFlag::AllCore, RedFlag::SingleCluster]);
    let sparse = fit(&x, 0.13, 12, Index::Auto);
    let flags = sparse.red_flags();
    assert!(
        matches!(flags.last(), Some(RedFlag::MostlyNoise { fraction }) if *fraction > 0.5),
        "{flags:?}"
    );
    let fine = fit(&x, 0.5, 5, Index::Auto);
    assert!(
        fine.red_flags().is_empty(),
        "{:?} {}",
        fine.red_flags(),
        fine.n_clusters()
    );
    assert!(RedFlag::NoCore.to_string().contains("raise eps"));
}
