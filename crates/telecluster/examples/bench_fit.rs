//! Times telecluster's engines on the benchmark datasets, the way the peers are timed: data
//! loaded and standardised first, then only the fit call is timed, `--reps` times in one
//! process. Prints one JSON line per repetition and a `SUMMARY {...}` line with the median,
//! quality figures and the process's peak resident memory (VmHWM).
//!
//! Usage: bench_fit DATA_DIR DATASET WORKLOAD [--k K] [--mode converge|fixed20] [--n-init N]
//!                  [--algorithm lloyd|hamerly|auto] [--refine never|auto|always] [--reps R]
//!
//!                  [--eps E] [--min-samples M] [--index auto|grid|kdtree] [--labels-out PATH]
//!
//!                  [--method ward|single|complete|average|weighted|centroid|median] [--z-out PATH]
//!
//! WORKLOAD: km (K-Means), db (DBSCAN), hc (hierarchical; cut at 6 clusters for the check).
//! Data: DATA_DIR/NAME.f64 (little-endian f64, row-major) and DATA_DIR/NAME.shape ("n d"),
//! as written by bench/datasets.py.

use std::time::Instant;

use telecluster::cluster::dbscan::Index;
use telecluster::cluster::linkage::{Cut, LinkageParams, Method};
use telecluster::cluster::{Algorithm, DbscanParams, Init, KMeansParams, Refine};
use telecluster::prep::{Scaler, Scaling};
use telecluster::Matrix;

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn load(dir: &str, name: &str) -> Matrix {
    let shape = std::fs::read_to_string(format!("{dir}/{name}.shape")).expect("shape file");
    let v: Vec<usize> = shape.split_whitespace().map(|s| s.parse().expect("shape")).collect();
    let bytes = std::fs::read(format!("{dir}/{name}.f64")).expect("f64 file");
    let data: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    drop(bytes);
    Matrix::new(data, v[0], v[1]).expect("finite data")
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: bench_fit DATA_DIR DATASET WORKLOAD [--k K] [--mode converge|fixed20] [--reps R] ...");
        std::process::exit(2);
    }
    let (dir, name, workload) = (&args[1], &args[2], args[3].as_str());
    let reps: usize = arg(&args, "--reps").unwrap_or("3").parse().unwrap();
    let raw = load(dir, name);
    // The scaler's output is a new matrix; drop the raw one so peak memory holds one copy.
    let x = Scaler::fit(Scaling::Standard, &raw).transform(&raw).unwrap();
    drop(raw);
    let base = peak_rss_mib();
    let (n, d) = (x.n_rows(), x.n_cols());

    let mut times = Vec::new();
    let mut last = String::new();
    for r in 0..reps {
        let t0 = Instant::now();
        let summary = match workload {
            "km" => {
                let k: usize = arg(&args, "--k").unwrap_or("8").parse().unwrap();
                let fixed = arg(&args, "--mode") == Some("fixed20");
                let algorithm = match arg(&args, "--algorithm").unwrap_or("auto") {
                    "lloyd" => Algorithm::Lloyd,
                    "hamerly" => Algorithm::Hamerly,
                    "kdtree" => Algorithm::KdTree,
                    _ => Algorithm::Auto,
                };
                let refine = match arg(&args, "--refine").unwrap_or("auto") {
                    "never" => Refine::Never,
                    "always" => Refine::Always,
                    _ => Refine::Auto,
                };
                let mut p = KMeansParams::new(k).algorithm(algorithm).refine(refine);
                if fixed {
                    let init = x.select_rows(&(0..k).collect::<Vec<_>>());
                    p = p.init(Init::Given(init)).max_iter(20).tol(0.0);
                } else if let Some(n_init) = arg(&args, "--n-init") {
                    p = p.n_init(n_init.parse().unwrap());
                }
                let m = p.check().unwrap().fit(&x).unwrap();
                format!("\"k\": {k}, \"inertia\": {}, \"n_iter\": {}", m.inertia(), m.n_iter())
            }
            "db" => {
                let eps: f64 = arg(&args, "--eps").unwrap_or("0.04").parse().unwrap();
                let ms: usize = arg(&args, "--min-samples").unwrap_or("20").parse().unwrap();
                let index = match arg(&args, "--index").unwrap_or("auto") {
                    "grid" => Index::Grid,
                    "kdtree" => Index::KdTree,
                    _ => Index::Auto,
                };
                let m = DbscanParams::new(eps, ms)
                    .index(index)
                    .check()
                    .unwrap()
                    .fit(&x)
                    .unwrap();
                if let Some(path) = arg(&args, "--labels-out") {
                    // Little-endian i64 per row, as the peers' harness writes them.
                    let bytes: Vec<u8> = m.labels().iter().flat_map(|l| l.as_i64().to_le_bytes()).collect();
                    std::fs::write(path, bytes).expect("labels file");
                }
                format!(
                    "\"eps\": {eps}, \"min_samples\": {ms}, \"n_clusters\": {}, \"n_noise\": {}, \"n_core\": {}",
                    m.n_clusters(),
                    m.n_noise(),
                    m.is_core().iter().filter(|&&c| c).count()
                )
            }
            "hc" => {
                let method: Method = arg(&args, "--method").unwrap_or("ward").parse().unwrap();
                let tree = LinkageParams::new(method).check().unwrap().fit(&x).unwrap();
                let labels = tree.cut(Cut::MaxClusters(6)).unwrap();
                if let Some(path) = arg(&args, "--labels-out") {
                    let bytes: Vec<u8> = labels.iter().flat_map(|&l| i64::from(l).to_le_bytes()).collect();
                    std::fs::write(path, bytes).expect("labels file");
                }
                if let Some(path) = arg(&args, "--z-out") {
                    // scipy's Z as little-endian f64, four per merge.
                    let bytes: Vec<u8> = tree
                        .merges()
                        .iter()
                        .flat_map(|m| [m.a as f64, m.b as f64, m.height, m.size as f64])
                        .flat_map(f64::to_le_bytes)
                        .collect();
                    std::fs::write(path, bytes).expect("Z file");
                }
                let mut sizes = vec![0usize; 6];
                labels.iter().for_each(|&l| sizes[l as usize] += 1);
                sizes.sort_unstable_by(|a, b| b.cmp(a));
                let z = tree.merges();
                let top: Vec<f64> = z[z.len().saturating_sub(3)..].iter().map(|m| m.height).collect();
                format!("\"method\": \"{method}\", \"top_heights\": {top:?}, \"clusters6_sizes\": {sizes:?}")
            }
            other => panic!("unknown workload {other}"),
        };
        let dt = t0.elapsed().as_secs_f64();
        println!("{{\"rep\": {r}, \"fit_s\": {dt:.6}}}");
        times.push(dt);
        last = summary;
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "SUMMARY {{\"impl\": \"telecluster\", \"dataset\": \"{name}\", \"workload\": \"{workload}\", \"n\": {n}, \"d\": {d}, \"reps\": {reps}, \"median_s\": {median:.6}, \"min_s\": {:.6}, \"max_s\": {:.6}, \"threads\": {}, \"base_rss_mib\": {base:.1}, \"peak_rss_mib\": {:.1}, {last}}}",
        times[0],
        times[times.len() - 1],
        rayon::current_num_threads(),
        peak_rss_mib()
    );
}
