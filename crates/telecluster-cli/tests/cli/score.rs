//! `--save-model` and `telecluster score`: round trips, exit codes, features matched by name.

use super::*;

fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let j = lines.next().unwrap().split(',').position(|h| h == name).unwrap();
    lines.map(|l| l.split(',').nth(j).unwrap().to_string()).collect()
}

#[test]
fn saved_models_score_the_training_rows_as_fitted() {
    let wd = Workdir::new();
    wd.cmd().args(["generate", "-o", "seed.csv"]).assert().success();
    wd.cmd()
        .args([
            "-q",
            "kmeans",
            "seed.csv",
            "--k",
            "3",
            "--save-model",
            "km.json",
            "-o",
            "k.csv",
        ])
        .assert()
        .success();
    wd.cmd()
        .args([
            "-q",
            "dbscan",
            "seed.csv",
            "--min-samples",
            "4",
            "--save-model",
            "db.json",
            "-o",
            "d.csv",
        ])
        .assert()
        .success();
    for (model, fitted) in [("km.json", "k.csv"), ("db.json", "d.csv")] {
        wd.cmd()
            .args(["-q", "score", "--model", model, "seed.csv", "-o", "s.csv"])
            .assert()
            .success();
        let fit = std::fs::read_to_string(wd.path(fitted)).unwrap();
        let got = std::fs::read_to_string(wd.path("s.csv")).unwrap();
        assert_eq!(column(&got, "cluster"), column(&fit, "cluster"), "{model}");
    }
    // K-Means on its own training rows: nothing beyond every member, so exit 0 even when asked.
    wd.cmd()
        .args(["-q", "score", "--model", "km.json", "seed.csv", "--fail-on-anomaly"])
        .assert()
        .code(0);
    // DBSCAN: the 20 anomalies of the seed are noise.
    let out = wd
        .cmd()
        .args(["score", "--model", "db.json", "seed.csv", "--fail-on-anomaly"])
        .assert()
        .code(3);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("320 rows scored against a DBSCAN model: 20 anomalous"),
        "{text}"
    );
    wd.cmd()
        .args(["-q", "score", "--model", "db.json", "seed.csv"])
        .assert()
        .code(0);
    let json = stdout_of(
        wd.cmd()
            .args(["-q", "score", "--model", "db.json", "-", "--json"])
            .write_stdin(std::fs::read_to_string(wd.path("seed.csv")).unwrap()),
    );
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 320);
    assert_eq!(
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["anomalous"] == true)
            .count(),
        20
    );
}

#[test]
fn features_are_matched_by_name_and_a_missing_one_is_named() {
    let wd = Workdir::new();
    wd.write(
        "fit.csv",
        "endpoint,latency_ms,error_rate_pct\na,10,0.1\nb,11,0.2\nc,12,0.1\nd,500,0.1\ne,510,0.2\nf,490,0.1\n",
    );
    wd.cmd()
        .args([
            "-q",
            "kmeans",
            "fit.csv",
            "--k",
            "2",
            "--scale",
            "none",
            "--save-model",
            "m.json",
        ])
        .assert()
        .success();
    wd.write(
        "new.csv",
        "error_rate_pct,endpoint,latency_ms\n0.1,x,11\n0.1,y,505\n0.1,z,5000\n",
    );
    wd.cmd()
        .args(["-q", "score", "--model", "m.json", "new.csv", "-o", "out.csv"])
        .assert()
        .success();
    let out = std::fs::read_to_string(wd.path("out.csv")).unwrap();
    assert_eq!(column(&out, "cluster"), ["0", "1", "1"]);
    assert_eq!(column(&out, "anomalous"), ["false", "false", "true"]);
    assert!(
        out.contains("robust z): latency_ms 5000 (cluster median 500, +450.0 MAD); outlier score 449.998\"\n"),
        "{out}"
    );
    wd.write("short.csv", "endpoint,latency\nx,11\n");
    wd.cmd()
        .args(["score", "--model", "m.json", "short.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "m.json: the model's feature \"latency_ms\" is not in short.csv",
        ));
    wd.write("bad.json", "{\"format_version\": \"9.0\"}");
    wd.cmd()
        .args(["score", "--model", "bad.json", "new.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.json: format_version \"9.0\""));
}

#[test]
fn inputs_longer_than_a_batch_are_scored_whole() {
    let wd = Workdir::new();
    wd.cmd()
        .args([
            "generate",
            "--endpoints",
            "70000",
            "--anomalies",
            "100",
            "-o",
            "big.csv",
        ])
        .assert()
        .success();
    wd.cmd()
        .args([
            "-q",
            "kmeans",
            "big.csv",
            "--k",
            "3",
            "--n-init",
            "1",
            "--save-model",
            "m.json",
            "-o",
            "k.csv",
        ])
        .assert()
        .success();
    let out = wd
        .cmd()
        .args(["score", "--model", "m.json", "big.csv", "-o", "s.csv"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.starts_with("big.csv: 70100 rows scored against a K-Means model: 0 anomalous"),
        "{text}"
    );
    let fit = std::fs::read_to_string(wd.path("k.csv")).unwrap();
    let got = std::fs::read_to_string(wd.path("s.csv")).unwrap();
    assert_eq!(
        got.lines().filter(|l| l.starts_with("endpoint,")).count(),
        1,
        "one header"
    );
    assert_eq!(column(&got, "cluster"), column(&fit, "cluster"));
}
