//! A real Prometheus scraping itself; requests to several of its own HTTP handlers (some
//! answering errors) become per-handler features through `ingest prometheus`, from its real
//! `prometheus_http_request_duration_seconds_bucket` and `prometheus_http_requests_total`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{csv_rows, free_port, server, telecluster, wait_for, Running};

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One GET (connection closed after); status and body.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(c, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    c.read_to_string(&mut resp).unwrap();
    let status = resp.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

const RPS: &str = "sum by (handler) (rate(prometheus_http_requests_total[1m]))";
const ERRORS: &str = r#"100 * (sum by (handler) (rate(prometheus_http_requests_total{code=~"4..|5.."}[1m])) or sum by (handler) (rate(prometheus_http_requests_total[1m])) * 0) / sum by (handler) (rate(prometheus_http_requests_total[1m]))"#;
const P95: &str =
    "1000 * histogram_quantile(0.95, sum by (handler, le) (rate(prometheus_http_request_duration_seconds_bucket[1m])))";

#[test]
fn prometheus_handlers_to_features() {
    let Some(prom) = server("prometheus", &["/usr/bin/prometheus", "/usr/local/bin/prometheus"]) else {
        return;
    };
    let _alone = super::serial();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    let child = Command::new(&prom)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    let _prom = Running(child);
    wait_for(port, "prometheus");
    let start = Instant::now();
    while get(port, "/-/ready").0 != 200 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "prometheus never became ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let q = |expr: &str| format!("/api/v1/query?query={}", encode(expr));
    // Its first scrape comes a few seconds after it is ready (service discovery settles first).
    while !get(port, &q("up")).1.contains("\"value\"") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "prometheus never scraped itself"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Three waves of requests a couple of scrapes apart, so every rate has samples to span.
    for _wave in 0..3 {
        for i in 0..40 {
            assert_eq!(get(port, &q("up")).0, 200);
            assert_eq!(get(port, &q("sum((")).0, 400);
            assert_eq!(get(port, "/api/v1/labels").0, 200);
            assert_eq!(get(port, "/api/v1/series").0, 400);
            if i % 4 == 0 {
                assert_eq!(
                    get(
                        port,
                        &q(&format!("sum(rate(prometheus_http_requests_total[{}s]))", 5 + i))
                    )
                    .0,
                    200
                );
                get(port, "/api/v1/status/buildinfo");
            }
        }
        std::thread::sleep(Duration::from_millis(2500));
    }

    let url = format!("http://127.0.0.1:{port}");
    let (rps, errors, p95) = (
        format!("rps={RPS}"),
        format!("error_pct={ERRORS}"),
        format!("p95_ms={P95}"),
    );
    let queries = ["--query", &rps, "--query", &errors, "--query", &p95];
    let ingest = ["ingest", "prometheus", "--url", &url];
    let out = telecluster(dir.path(), &[&ingest[..], &queries, &["-o", "handlers.csv"]].concat());
    let said = String::from_utf8_lossy(&out.stderr);
    let (header, rows) = csv_rows(&dir.path().join("handlers.csv"));
    assert_eq!(header, ["handler", "rps", "error_pct", "p95_ms"]);
    let value = |h: &str, col: usize| -> f64 {
        rows.iter()
            .find(|r| r[0] == h)
            .unwrap_or_else(|| panic!("no handler {h} in {rows:?}; {said}"))[col]
            .parse()
            .unwrap()
    };
    assert!(value("/api/v1/query", 1) > 0.0, "{rows:?}; {said}");
    // Half of the query handler's requests were parse errors; every series request was one.
    let q_err = value("/api/v1/query", 2);
    assert!(
        (30.0..=60.0).contains(&q_err),
        "query error share {q_err}: {rows:?}; {said}"
    );
    // Prometheus computes the share itself: 100 * a / a can come back as 100.00000000000001.
    let s_err = value("/api/v1/series", 2);
    assert!(
        (s_err - 100.0).abs() < 1e-9,
        "series error share {s_err}: {rows:?}; {said}"
    );
    assert_eq!(value("/api/v1/labels", 2), 0.0, "{rows:?}; {said}");
    assert!(value("/api/v1/labels", 3) > 0.0, "{rows:?}; {said}");
    // Handlers with no traffic have no latency quantile (NaN): left out, and said so.
    if said.contains("left out") {
        assert!(said.contains("p95_ms: the sample is NaN"), "{said}");
    }

    // The engines run on them.
    telecluster(dir.path(), &["kmeans", "handlers.csv", "--k", "2", "-o", "k.csv"]);
    telecluster(
        dir.path(),
        &["dbscan", "handlers.csv", "--min-samples", "2", "-o", "d.csv"],
    );
    let report = ["report", "--prometheus", &url];
    telecluster(
        dir.path(),
        &[&report[..], &queries, &["--min-samples", "2", "-o", "r.html"]].concat(),
    );

    // A range query, reduced, and a saved response read back give the same handlers.
    let range = [
        "--query",
        &rps,
        "--range",
        "30s",
        "--step",
        "1s",
        "--reduce",
        "max",
        "-o",
        "range.csv",
    ];
    telecluster(dir.path(), &[&ingest[..], &range].concat());
    let (_, range_rows) = csv_rows(&dir.path().join("range.csv"));
    assert!(range_rows.iter().any(|r| r[0] == "/api/v1/series"));
    let (status, body) = get(port, &q(RPS));
    assert_eq!(status, 200);
    std::fs::write(dir.path().join("saved.json"), body).unwrap();
    telecluster(
        dir.path(),
        &["ingest", "prometheus", "--file", "rps=saved.json", "-o", "saved.csv"],
    );
    let (h, saved) = csv_rows(&dir.path().join("saved.csv"));
    assert_eq!(h, ["handler", "rps"]);
    assert!(saved.iter().any(|r| r[0] == "/api/v1/labels"));

    // An API error is the server's words, with a failing exit.
    let out = Command::new(env!("CARGO_BIN_EXE_telecluster"))
        .current_dir(dir.path())
        .args(["ingest", "prometheus", "--url", &url, "--query", "bad=sum(("])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad_data") && err.contains("(bad)"), "{err}");
}
