//! telecluster describe.
use super::*;

#[test]
fn lists_roles_and_statistics() {
    let wd = Workdir::new();
    let out = stdout_of(
        wd.cmd()
            .arg("describe")
            .arg(fixture("telemetry_seed42.csv"))
            .arg("--json"),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 320);
    let cols = v["columns"].as_array().unwrap();
    let roles: Vec<(&str, &str)> = cols
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("endpoint", "id"),
            ("latency_ms", "feature"),
            ("error_rate_pct", "feature"),
            ("group", "carried")
        ]
    );
    for key in ["n", "mean", "std", "min", "median", "p95", "max"] {
        assert!(cols[1][key].is_number(), "{key}");
    }
    assert!(cols[0].get("mean").is_none());
}

#[test]
fn text_output_is_a_table() {
    let wd = Workdir::new();
    wd.cmd()
        .arg("describe")
        .arg(fixture("telemetry_seed42.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "320 rows, 4 columns; features in original units",
        ))
        .stdout(predicate::str::contains("latency_ms      feature  320"));
}

#[test]
fn scaled_statistics() {
    let wd = Workdir::new();
    let out = stdout_of(
        wd.cmd()
            .arg("describe")
            .arg(fixture("telemetry_seed42.csv"))
            .args(["--scale", "standard", "--json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let lat = &v["columns"][1];
    assert!(lat["mean"].as_f64().unwrap().abs() < 1e-12);
    assert!((lat["std"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    let out = stdout_of(wd.cmd().arg("describe").arg(fixture("telemetry_seed42.csv")).args([
        "--scale",
        "minmax",
        "--log1p",
        "latency_ms",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["columns"][1]["min"], 0.0);
    assert_eq!(v["columns"][1]["max"], 1.0);
}

#[test]
fn reads_tsv_and_stdin_and_explicit_columns() {
    let wd = Workdir::new();
    let p = wd.write("fleet.tsv", "host\tcpu\tmem\tdc\na\t0.5\t10\teu\nb\t0.7\t20\tus\n");
    let out = stdout_of(wd.cmd().arg("describe").arg(&p).arg("--json"));
    assert!(out.contains("\"cpu\""));
    let out = stdout_of(
        wd.cmd()
            .args(["describe", "-", "--features", "mem", "--id", "dc", "--json"])
            .write_stdin("host,cpu,mem,dc\na,0.5,10,eu\nb,0.7,20,us\n"),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let roles: Vec<&str> = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["carried", "carried", "feature", "id"]);
    assert_eq!(v["source"], "<stdin>");
}

#[test]
fn drop_missing_says_how_many() {
    let wd = Workdir::new();
    let p = wd.write("m.csv", "id,lat\na,1\nb,\nc,NA\nd,4\n");
    wd.cmd()
        .arg("describe")
        .arg(&p)
        .arg("--drop-missing")
        .assert()
        .success()
        .stderr(predicate::str::contains("dropped 2 row(s) with missing feature values"))
        .stdout(predicate::str::contains("2 rows"));
    wd.cmd()
        .arg("describe")
        .arg(&p)
        .args(["--drop-missing", "--quiet"])
        .assert()
        .success()
        .stderr("");
}
