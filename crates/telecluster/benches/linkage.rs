//! Hierarchical clustering on inputs that finish in seconds on two cores: every method at 2,000
//! rows, Ward and single linkage at 20,000, and the cuts, leaf order and cophenetic correlation.
//! The side-by-side runs against scipy and fastcluster are `bench/compare.py`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use telecluster::cluster::linkage::{Cut, LinkageParams, Method};
use telecluster::rng::Rng;
use telecluster::Matrix;

/// `n` rows around six random centres (spread 0.5) in two dimensions.
fn blobs(n: usize, seed: u64) -> Matrix {
    let mut rng = Rng::new(seed);
    let centres: Vec<f64> = (0..12).map(|_| rng.uniform_in(-5.0, 5.0)).collect();
    let mut data = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let c = rng.below(6);
        data.push(centres[2 * c] + 0.5 * rng.normal());
        data.push(centres[2 * c + 1] + 0.5 * rng.normal());
    }
    Matrix::new(data, n, 2).unwrap()
}

fn methods(c: &mut Criterion) {
    let mut g = c.benchmark_group("linkage");
    g.sample_size(10);
    let x = blobs(2000, 1);
    for method in Method::ALL {
        let p = LinkageParams::new(method).check().unwrap();
        g.bench_with_input(BenchmarkId::new(method.name(), "2000x2"), &x, |b, x| {
            b.iter(|| p.fit(x).unwrap())
        });
    }
    let big = blobs(20_000, 2);
    for method in [Method::Ward, Method::Single] {
        let p = LinkageParams::new(method).check().unwrap();
        g.bench_with_input(BenchmarkId::new(method.name(), "20000x2"), &big, |b, x| {
            b.iter(|| p.fit(x).unwrap())
        });
    }
    g.finish();
}

fn after_the_fit(c: &mut Criterion) {
    let x = blobs(5000, 3);
    let tree = LinkageParams::new(Method::Ward).check().unwrap().fit(&x).unwrap();
    c.bench_function("dendrogram/cut_maxclust6_5000", |b| {
        b.iter(|| tree.cut(Cut::MaxClusters(6)).unwrap())
    });
    c.bench_function("dendrogram/leaves_5000", |b| b.iter(|| tree.leaves()));
    let mut g = c.benchmark_group("dendrogram");
    g.sample_size(10);
    g.bench_function("cophenet_5000", |b| b.iter(|| tree.cophenetic_correlation(&x).unwrap()));
    g.finish();
}

criterion_group!(benches, methods, after_the_fit);
criterion_main!(benches);
