//! DBSCAN, the k-distance curve and anomaly scores, on inputs that finish in seconds on two
//! cores. The large side-by-side runs against scikit-learn are `bench/compare.py`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use telecluster::cluster::dbscan::Index;
use telecluster::cluster::DbscanParams;
use telecluster::explain::anomaly::explain;
use telecluster::rng::Rng;
use telecluster::select::kdist::{curve, MAX_CURVE_ROWS};
use telecluster::Matrix;

/// `n` rows: 95 % around 10 random centres (spread 0.3), 5 % uniform noise, in `d` dimensions.
fn blobs_with_noise(n: usize, d: usize, seed: u64) -> Matrix {
    let mut rng = Rng::new(seed);
    let centres: Vec<f64> = (0..10 * d).map(|_| rng.uniform_in(-5.0, 5.0)).collect();
    let mut data = Vec::with_capacity(n * d);
    for i in 0..n {
        let c = rng.below(10);
        for f in 0..d {
            data.push(if i % 20 == 0 {
                rng.uniform_in(-6.0, 6.0)
            } else {
                centres[c * d + f] + 0.3 * rng.normal()
            });
        }
    }
    Matrix::new(data, n, d).unwrap()
}

fn dbscan(c: &mut Criterion) {
    let mut g = c.benchmark_group("dbscan");
    g.sample_size(10);
    for (n, d, eps, ms) in [(100_000, 2, 0.1, 20), (20_000, 5, 0.6, 10)] {
        let x = blobs_with_noise(n, d, 1);
        let id = format!("{n}x{d}");
        for (name, index) in [("grid", Index::Grid), ("kdtree", Index::KdTree)] {
            if index == Index::Grid && d > 3 {
                continue;
            }
            let p = DbscanParams::new(eps, ms).index(index).check().unwrap();
            g.bench_with_input(BenchmarkId::new(name, &id), &x, |b, x| b.iter(|| p.fit(x).unwrap()));
        }
    }
    g.finish();
}

fn eps_and_scores(c: &mut Criterion) {
    let x = blobs_with_noise(20_000, 2, 2);
    c.bench_function("kdist/curve_20000x2_ms4", |b| {
        b.iter(|| curve(&x, 4, MAX_CURVE_ROWS, 0).unwrap())
    });
    let model = DbscanParams::new(0.1, 4).check().unwrap().fit(&x).unwrap();
    let names = vec!["a".to_string(), "b".to_string()];
    c.bench_function("explain/anomalies_20000x2", |b| {
        b.iter(|| explain(&model, &x, &x, &names))
    });
}

criterion_group!(benches, dbscan, eps_and_scores);
criterion_main!(benches);
