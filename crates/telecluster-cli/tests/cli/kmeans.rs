//! telecluster kmeans and elbow.
use super::*;

fn json_of(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_str(&stdout_of(cmd)).unwrap()
}

#[test]
fn auto_picks_three_with_scikit_learns_centroids() {
    let wd = Workdir::new();
    let report = json_of(
        wd.cmd()
            .arg("kmeans")
            .arg(fixture("telemetry_seed42.csv"))
            .args(["--k", "auto", "--json"]),
    );
    assert_eq!(report["rows"], 320);
    let v = &report["kmeans"];
    assert_eq!(v["k"], 3);
    assert_eq!(v["converged"], true);
    assert!(v["chosen_by"]["elbow"].is_string(), "{}", v["chosen_by"]);
    let fx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("kmeans.json")).unwrap()).unwrap();
    let case = fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "telemetry_seed42")
        .unwrap();
    let mut want: Vec<(f64, f64)> = case["best_of_10"]["centroids_original_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_f64().unwrap(), r[1].as_f64().unwrap()))
        .collect();
    want.sort_by(|a, b| a.0.total_cmp(&b.0));
    let got = clusters_of(&report);
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g.0 - w.0).abs() <= 1e-9 * w.0.abs() && (g.1 - w.1).abs() <= 1e-9 * w.1.abs(),
            "{g:?} vs {w:?}"
        );
    }
    let sizes: u64 = got.iter().map(|c| c.2).sum();
    assert_eq!(sizes, 320);
}

#[test]
fn output_rows_get_clusters_numbered_by_first_appearance() {
    let wd = Workdir::new();
    wd.cmd()
        .arg("kmeans")
        .arg(fixture("telemetry_seed42.csv"))
        .args(["--k", "3", "-o", "out.csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cluster  size  latency_ms  error_rate_pct"));
    let text = std::fs::read_to_string(wd.path("out.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "endpoint,latency_ms,error_rate_pct,group,cluster"
    );
    let clusters: Vec<&str> = lines.map(|l| l.rsplit(',').next().unwrap()).collect();
    assert_eq!(clusters.len(), 320);
    assert_eq!(clusters[0], "0");
    let mut seen = Vec::new();
    for c in clusters {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    assert_eq!(seen, ["0", "1", "2"]);
}

#[test]
fn same_bytes_for_one_and_two_threads() {
    let wd = Workdir::new();
    let run = |threads: &str, out: &str| {
        stdout_of(
            wd.cmd()
                .env("RAYON_NUM_THREADS", threads)
                .arg("kmeans")
                .arg(fixture("telemetry_seed42.csv"))
                .args(["--json", "-o", out]),
        )
    };
    assert_eq!(run("1", "a.csv"), run("2", "b.csv"));
    assert_eq!(
        std::fs::read(wd.path("a.csv")).unwrap(),
        std::fs::read(wd.path("b.csv")).unwrap()
    );
}

#[test]
fn elbow_reports_the_sweep() {
    let wd = Workdir::new();
    let v = json_of(
        wd.cmd()
            .arg("elbow")
            .arg(fixture("telemetry_seed42.csv"))
            .args(["--k-max", "7", "--json"]),
    );
    assert_eq!(v["k"].as_array().unwrap().len(), 7);
    assert_eq!(v["inertia"].as_array().unwrap().len(), 7);
    assert!(v["silhouette"][0].is_null());
    assert!(v["silhouette"][2].as_f64().unwrap() > 0.8);
    assert_eq!(v["knee"], 3);
    assert_eq!(v["chosen"], 3);
    // Every criterion's curve and vote is in the output.
    assert!(v["calinski_harabasz"][2].as_f64().unwrap() > 0.0);
    assert!(v["davies_bouldin"][2].as_f64().unwrap() > 0.0);
    let votes = v["votes"].as_array().unwrap();
    assert_eq!(votes[0]["criterion"], "knee");
    assert_eq!(votes.len(), 4);
    wd.cmd()
        .arg("elbow")
        .arg(fixture("telemetry_seed42.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("calinski-harabasz"))
        .stdout(predicate::str::contains("<- chosen"));
}

#[test]
fn bad_parameters() {
    let wd = Workdir::new();
    let f = fixture("telemetry_seed42.csv");
    wd.cmd()
        .arg("kmeans")
        .arg(&f)
        .args(["--k", "500"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--k=500 must be at most the number of rows (320)",
        ));
    wd.cmd()
        .arg("kmeans")
        .arg(&f)
        .args(["--n-init", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--n-init"));
    wd.cmd().arg("kmeans").arg(&f).args(["--k", "0"]).assert().code(2);
    wd.cmd()
        .arg("kmeans")
        .arg(&f)
        .args(["--k", "-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "expected a whole number >= 1 or `auto`, got \"-1\"",
        ));
    wd.cmd().arg("kmeans").arg(&f).args(["--k", "three"]).assert().code(2);
    wd.cmd()
        .arg("kmeans")
        .arg(&f)
        .arg("--tol=-1")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--tol"));
}

#[test]
fn duplicate_points_warn() {
    let wd = Workdir::new();
    let p = wd.write("dup.csv", "id,x\na,1\nb,1\nc,1\nd,2\n");
    wd.cmd()
        .arg("kmeans")
        .arg(&p)
        .args(["--k", "3"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: only 2 distinct clusters"));
}

/// The clusters' (centroid, size) pairs of a `--json` run, sorted by latency.
fn clusters_of(v: &serde_json::Value) -> Vec<(f64, f64, u64)> {
    let mut c: Vec<(f64, f64, u64)> = v["kmeans"]["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["centroid"]["latency_ms"].as_f64().unwrap(),
                c["centroid"]["error_rate_pct"].as_f64().unwrap(),
                c["size"].as_u64().unwrap(),
            )
        })
        .collect();
    c.sort_by(|a, b| a.0.total_cmp(&b.0));
    c
}

#[test]
fn stream_reaches_the_in_memory_fit() {
    let wd = Workdir::new();
    let data = fixture("telemetry_seed42.csv");
    let whole = json_of(
        wd.cmd()
            .arg("kmeans")
            .arg(&data)
            .args(["--k", "3", "--json", "-o", "a.csv"]),
    );
    // A sample of every row: the same start, so the same fit, labels included.
    let all = json_of(wd.cmd().arg("kmeans").arg(&data).args([
        "--k",
        "3",
        "--stream",
        "--sample-rows",
        "1000",
        "--json",
        "-o",
        "b.csv",
    ]));
    // A small sample: another start, the same optimum once Lloyd's passes over every row end.
    let small = json_of(wd.cmd().arg("kmeans").arg(&data).args([
        "--k",
        "3",
        "--stream",
        "--sample-rows",
        "40",
        "--json",
        "-o",
        "c.csv",
    ]));
    let want = clusters_of(&whole);
    for got in [clusters_of(&all), clusters_of(&small)] {
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g.0 - w.0).abs() <= 1e-9 * w.0 && (g.1 - w.1).abs() <= 1e-9 * w.1,
                "{g:?} vs {w:?}"
            );
            assert_eq!(g.2, w.2);
        }
    }
    for v in [&all, &small] {
        assert_eq!(v["rows"], 320);
        assert!(
            (v["kmeans"]["inertia"].as_f64().unwrap() / whole["kmeans"]["inertia"].as_f64().unwrap() - 1.0).abs()
                < 1e-9
        );
        assert_eq!(v["kmeans"]["converged"], true);
    }
    assert_eq!(small["kmeans"]["sample_rows"], 40);
    // Clusters numbered by first appearance in the file, whatever the sample.
    let a = std::fs::read_to_string(wd.path("a.csv")).unwrap();
    assert_eq!(a, std::fs::read_to_string(wd.path("b.csv")).unwrap());
    assert_eq!(a, std::fs::read_to_string(wd.path("c.csv")).unwrap());
}

#[test]
fn stream_is_the_same_for_one_and_two_threads_and_refuses_what_it_cannot_do() {
    let wd = Workdir::new();
    let data = fixture("telemetry_seed42.csv");
    let run = |threads: &str| {
        stdout_of(
            wd.cmd()
                .env("RAYON_NUM_THREADS", threads)
                .arg("kmeans")
                .arg(&data)
                .args(["--stream", "--sample-rows", "100", "--json"]),
        )
    };
    assert_eq!(run("1"), run("2"));
    wd.cmd()
        .arg("kmeans")
        .arg(&data)
        .args(["--stream", "--scale", "robust"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--scale=robust needs every row at once"));
    wd.cmd()
        .args(["kmeans", "-", "--stream"])
        .write_stdin("a,b\n1,2\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("give a file, not standard input"));
    wd.cmd()
        .arg("kmeans")
        .arg(&data)
        .args(["--sample-rows", "10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--stream"));
}
