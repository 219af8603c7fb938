//! Times reading a CSV file three ways, in one process, each `--reps` times (median printed):
//! the csv crate's raw byte records (fields counted, nothing parsed: the floor for any reader
//! built on it), the same with every field parsed as f64, and telecluster's reader (schema,
//! positions for errors, the feature matrix).
//!
//! Usage: bench_read FILE.csv [--reps R]

use std::time::Instant;

use telecluster::io::{read_path, ReadOptions};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: bench_read FILE.csv [--reps R]");
    let reps: usize = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .map_or(5, |r| r.parse().expect("--reps N"));
    let time = |f: &dyn Fn() -> usize| {
        let mut t = Vec::new();
        let mut out = 0;
        for _ in 0..reps {
            let t0 = Instant::now();
            out = f();
            t.push(t0.elapsed().as_secs_f64());
        }
        (median(t), out)
    };
    let raw = time(&|| {
        let mut rdr = csv::Reader::from_path(path).expect("open");
        let mut rec = csv::ByteRecord::new();
        let mut fields = 0;
        while rdr.read_byte_record(&mut rec).expect("read") {
            fields += rec.len();
        }
        fields
    });
    let parsed = time(&|| {
        let mut rdr = csv::Reader::from_path(path).expect("open");
        let mut rec = csv::ByteRecord::new();
        let mut sum = 0usize;
        while rdr.read_byte_record(&mut rec).expect("read") {
            for f in rec.iter() {
                let v: f64 = std::str::from_utf8(f).ok().and_then(|s| s.parse().ok()).unwrap_or(0.0);
                sum += usize::from(v > 0.0);
            }
        }
        sum
    });
    let ours = time(&|| {
        let r = read_path(std::path::Path::new(path), &ReadOptions::default()).expect("read");
        r.table.n_rows()
    });
    println!(
        "{{\"file\": {path:?}, \"reps\": {reps}, \"csv_byte_records_s\": {:.4}, \"csv_byte_records_parsed_s\": {:.4}, \"telecluster_s\": {:.4}, \"rows\": {}, \"ratio_to_raw\": {:.2}, \"ratio_to_parsed\": {:.2}}}",
        raw.0, parsed.0, ours.0, ours.1, ours.0 / raw.0, ours.0 / parsed.0
    );
}
