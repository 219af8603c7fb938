//! The same input and seed give byte-identical outputs whatever the thread count: every engine,
//! the report (HTML, JSON, model), score, diff and log ingestion, with 1, 2 and 4 threads.

use super::*;

/// Each run: arguments, and the files it writes (compared with stdout).
const RUNS: &[(&[&str], &[&str])] = &[
    (&["describe", "fleet.csv", "--json"], &[]),
    (
        &[
            "kmeans",
            "fleet.csv",
            "-o",
            "k.csv",
            "--json",
            "--save-model",
            "k.json",
            "--plot",
            "k.svg",
        ],
        &["k.csv", "k.json", "k.svg"],
    ),
    (&["elbow", "fleet.csv", "--json"], &[]),
    (
        &["dbscan", "fleet.csv", "-o", "d.csv", "--json", "--save-model", "d.json"],
        &["d.csv", "d.json"],
    ),
    (&["kdist", "fleet.csv", "--json"], &[]),
    (
        &[
            "hierarchy",
            "fleet.csv",
            "--sample",
            "1500",
            "--cut-k",
            "4",
            "-o",
            "h.csv",
            "--linkage-out",
            "z.csv",
        ],
        &["h.csv", "z.csv"],
    ),
    (
        &[
            "report",
            "fleet.csv",
            "-o",
            "r.html",
            "--json",
            "--save-model",
            "r-model.json",
        ],
        &["r.html", "r.json", "r-model.json"],
    ),
    (
        &["score", "--model", "d.json", "fleet.csv", "-o", "s.csv", "--json"],
        &["s.csv"],
    ),
    (
        &["diff", "fleet.csv", "after.csv", "--json", "--report", "diff.html"],
        &["diff.html"],
    ),
    (&["ingest", "logs", "access.log", "-o", "logs.csv"], &["logs.csv"]),
];

#[test]
fn outputs_are_byte_identical_whatever_the_thread_count() {
    let wd = Workdir::new();
    wd.cmd()
        .args([
            "generate",
            "--endpoints",
            "4000",
            "--anomalies",
            "60",
            "-o",
            "fleet.csv",
        ])
        .assert()
        .success();
    wd.cmd()
        .args([
            "generate",
            "--endpoints",
            "4000",
            "--anomalies",
            "60",
            "--seed",
            "7",
            "-o",
            "after.csv",
        ])
        .assert()
        .success();
    let mut log = String::new();
    for i in 0..30_000u32 {
        log.push_str(&format!(
            "10.0.{}.{} - - [10/Oct/2025:13:{:02}:{:02} +0000] \"GET /api/v1/item{}/{} HTTP/1.1\" {} 512 \"-\" \"c\" {}.{:03}\n",
            i % 7,
            i % 250,
            (i / 60) % 60,
            i % 60,
            i % 40,
            i,
            if i % 97 == 0 { 503 } else { 200 },
            i % 3,
            (i * 37) % 1000
        ));
    }
    wd.write("access.log", &log);
    // Models first: score reads d.json.
    let mut first: Vec<Vec<Vec<u8>>> = Vec::new();
    for threads in ["1", "2", "4"] {
        let mut outputs = Vec::new();
        for (args, files) in RUNS {
            let out = wd.cmd().env("RAYON_NUM_THREADS", threads).args(*args).output().unwrap();
            assert!(
                out.status.success(),
                "{args:?} with {threads} threads: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            outputs.push(out.stdout);
            for f in *files {
                outputs.push(std::fs::read(wd.path(f)).unwrap());
            }
        }
        if first.is_empty() {
            first.push(outputs);
        } else {
            for (k, (a, b)) in first[0].iter().zip(&outputs).enumerate() {
                assert!(a == b, "output {k} differs between 1 and {threads} threads");
            }
        }
    }
}
