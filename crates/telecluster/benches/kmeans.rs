//! K-Means and choosing K, on inputs small enough to finish in seconds on two cores.
//! The large side-by-side runs against scikit-learn are `bench/compare.py`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use telecluster::cluster::{Algorithm, Init, KMeansParams};
use telecluster::data::synth::{seed_telemetry, TelemetrySpec};
use telecluster::prep::{Prep, PrepParams};
use telecluster::rng::Rng;
use telecluster::select::elbow::{sweep, ElbowParams};
use telecluster::Matrix;

/// `n` rows around `k` random centres in `d` dimensions, seeded.
fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Matrix {
    let mut rng = Rng::new(seed);
    let centres: Vec<f64> = (0..k * d).map(|_| rng.uniform_in(-10.0, 10.0)).collect();
    let mut data = Vec::with_capacity(n * d);
    for _ in 0..n {
        let c = rng.below(k);
        for f in 0..d {
            data.push(centres[c * d + f] + rng.normal());
        }
    }
    Matrix::new(data, n, d).unwrap()
}

fn kmeans(c: &mut Criterion) {
    let mut g = c.benchmark_group("kmeans");
    g.sample_size(10);
    for (n, d, k) in [(50_000, 2, 8), (20_000, 16, 32)] {
        let x = blobs(n, d, k, 1);
        let id = format!("{n}x{d}x{k}");
        let init = x.select_rows(&(0..k).collect::<Vec<_>>());
        for (name, algorithm) in [
            ("fixed20_lloyd", Algorithm::Lloyd),
            ("fixed20_hamerly", Algorithm::Hamerly),
        ] {
            let p = KMeansParams::new(k)
                .init(Init::Given(init.clone()))
                .max_iter(20)
                .tol(0.0)
                .algorithm(algorithm)
                .check()
                .unwrap();
            g.bench_with_input(BenchmarkId::new(name, &id), &x, |b, x| b.iter(|| p.fit(x).unwrap()));
        }
        let p = KMeansParams::new(k).check().unwrap();
        g.bench_with_input(BenchmarkId::new("default", &id), &x, |b, x| {
            b.iter(|| p.fit(x).unwrap())
        });
    }
    g.finish();
}

fn choose_k(c: &mut Criterion) {
    let t = seed_telemetry(&TelemetrySpec::default()).unwrap();
    let (_, z) = Prep::fit_transform(&PrepParams::default(), t.x(), t.features()).unwrap();
    let params = ElbowParams::new(10, KMeansParams::new(1));
    c.bench_function("elbow/seed_320x2_k1-10", |b| {
        b.iter(|| sweep(&z, &params, |_| {}).unwrap())
    });
}

criterion_group!(benches, kmeans, choose_k);
criterion_main!(benches);
