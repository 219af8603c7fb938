//! Access logs end to end through the library: quantiles against a sort of the raw timings,
//! and features that do not depend on the thread count or on how the input is split.

use std::io::Write;
use std::path::PathBuf;

use telecluster::io::logs::{ingest, LogOptions};
use telecluster::io::time::format_time_local;
use telecluster::rng::Rng;
use telecluster::sketch::RELATIVE_ACCURACY;

const ENDPOINTS: usize = 12;

/// A log of `n` requests over `ENDPOINTS` routes, with each route's raw durations (µs).
fn log(dir: &std::path::Path, n: usize, seed: u64) -> (PathBuf, Vec<Vec<u64>>) {
    let mut rng = Rng::new(seed);
    let mut raw = vec![Vec::new(); ENDPOINTS];
    let path = dir.join(format!("access-{seed}.log"));
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..n {
        let e = rng.below(ENDPOINTS);
        // Heavy-tailed milliseconds, with exact zeros as nginx writes for cached answers.
        let ms = if rng.below(20) == 0 {
            0
        } else {
            ((e as f64 + 1.0) * 3.0 * (1.2 * rng.normal()).exp() * 1000.0) as u64
        };
        raw[e].push(ms * 1000);
        writeln!(
            w,
            "10.0.0.{} - - [{}] \"GET /svc{e}/items/{}?x=1 HTTP/1.1\" {} 512 \"-\" \"test\" {}.{:03} -",
            i % 250,
            format_time_local(1_700_000_000 + (i / 100) as i64),
            rng.below(100_000),
            if rng.below(50) == 0 { 503 } else { 200 },
            ms / 1000,
            ms % 1000,
        )
        .unwrap();
    }
    (path, raw)
}

#[test]
fn quantiles_are_within_the_sketch_error_of_a_sort_of_the_raw_timings() {
    let dir = tempfile::tempdir().unwrap();
    let (path, raw) = log(dir.path(), 60_000, 7);
    let got = ingest(&[path], &LogOptions::default()).unwrap();
    let t = &got.table;
    assert_eq!(t.n_rows(), ENDPOINTS);
    let col = |name: &str| t.feature_index(name).unwrap();
    for (e, durations) in raw.iter().enumerate() {
        let row = (0..t.n_rows())
            .find(|&r| t.label(r) == format!("GET /svc{e}/items/{{id}}"))
            .unwrap();
        let mut sorted = durations.clone();
        sorted.sort_unstable();
        for (q, name) in [
            (0.5, "latency_p50_ms"),
            (0.95, "latency_p95_ms"),
            (0.99, "latency_p99_ms"),
        ] {
            let exact = sorted[(q * (sorted.len() - 1) as f64).floor() as usize] as f64 / 1000.0;
            let est = t.x().get(row, col(name));
            // The sketch's error, plus the output's rounding to 6 significant digits.
            assert!(
                (est - exact).abs() <= exact * (RELATIVE_ACCURACY + 1e-5),
                "endpoint {e} {name}: {est} vs exact {exact}"
            );
        }
        let mean = durations.iter().sum::<u64>() as f64 / durations.len() as f64 / 1000.0;
        assert!((t.x().get(row, col("latency_mean_ms")) - mean).abs() <= mean * 1e-5);
        assert_eq!(t.x().get(row, col("requests")), durations.len() as f64);
    }
}

#[test]
fn features_do_not_depend_on_threads_or_on_the_split_into_files() {
    let dir = tempfile::tempdir().unwrap();
    // Enough lines for many read blocks.
    let (a, _) = log(dir.path(), 150_000, 1);
    let (b, _) = log(dir.path(), 30_000, 2);
    let run = |threads: usize, paths: &[PathBuf]| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| ingest(paths, &LogOptions::default()).unwrap())
    };
    let one = run(1, &[a.clone(), b.clone()]);
    let two = run(2, &[a.clone(), b.clone()]);
    let four = run(4, &[b.clone(), a.clone()]);
    assert_eq!(one.table.x(), two.table.x());
    assert_eq!(one.table.x(), four.table.x());
    assert_eq!(one.aggregate, four.aggregate);
    // The concatenation of the two files is the same log.
    let both = dir.path().join("both.log");
    let mut text = std::fs::read(&a).unwrap();
    text.extend(std::fs::read(&b).unwrap());
    std::fs::write(&both, text).unwrap();
    assert_eq!(run(2, &[both]).aggregate, one.aggregate);
}

#[test]
fn lines_counted_in_pieces_anywhere_merge_to_the_whole_log_s_state() {
    use telecluster::io::logs::aggregate::Aggregate;
    use telecluster::io::logs::aggregate_lines;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = log(dir.path(), 20_000, 11);
    let opts = LogOptions {
        window: Some(60),
        ..LogOptions::default()
    };
    let whole = ingest(std::slice::from_ref(&path), &opts).unwrap();
    let text = std::fs::read(&path).unwrap();
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    lines.push(b"a line of no known format");
    // Uneven pieces, merged in reverse: as partitions of a distributed read would arrive.
    let mut merged = Aggregate::default();
    let (mut requests, mut bad) = (0, 0);
    let cuts = [0, 1, 4_000, 4_001, 13_000, lines.len()];
    for w in cuts.windows(2).rev() {
        let (agg, read) = aggregate_lines(lines[w[0]..w[1]].iter().copied(), "piece", &opts).unwrap();
        requests += read.requests;
        bad += read.bad;
        merged.merge(Aggregate::from_bytes(&agg.to_bytes()).unwrap());
    }
    assert_eq!((requests, bad), (20_000, 1));
    assert_eq!(merged.to_bytes(), whole.aggregate.to_bytes());
    let (table, _) = merged.to_table("x", Some(60)).unwrap();
    assert_eq!(table.x().as_slice(), whole.table.x().as_slice());
}
