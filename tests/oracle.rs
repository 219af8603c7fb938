//! telecluster against scikit-learn, scipy and pandas: the committed fixtures of
//! `scripts/gen_fixtures.py` (pinned versions and provenance inside each file).

use std::path::{Path, PathBuf};

use serde_json::Value;
use telecluster::data::describe::describe;
use telecluster::io::csv::{read_path, CsvOptions};
use telecluster::prep::{Scaler, Scaling};
use telecluster::Matrix;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn load_json(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn matrix(v: &Value) -> Matrix {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
        .collect();
    Matrix::from_rows(&rows).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// |a - b| <= tol * max(1, |b|): absolute near zero, relative for large values.
fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}[{i}]: got {g}, want {w}"
        );
    }
}

#[test]
fn scalers_equal_scikit_learn_and_round_trip() {
    let fx = load_json("scalers.json");
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&case["x"]);
        for (key, kind) in [
            ("standard", Scaling::Standard),
            ("robust", Scaling::Robust),
            ("minmax", Scaling::MinMax),
        ] {
            let what = format!("{name}/{key}");
            let want = &case[key];
            let s = Scaler::fit(kind, &x);
            assert_close(s.center(), &floats(&want["center"]), 1e-12, &format!("{what} center"));
            assert_close(s.scale(), &floats(&want["scale"]), 1e-12, &format!("{what} scale"));
            let z = s.transform(&x).unwrap();
            assert_close(z.as_slice(), matrix(&want["z"]).as_slice(), 1e-12, &format!("{what} z"));
            let back = s.inverse_transform(&z).unwrap();
            assert_close(back.as_slice(), x.as_slice(), 1e-12, &format!("{what} inverse"));
        }
    }
}

#[test]
fn generated_csv_reads_back_as_320_by_2() {
    let report = read_path(&fixture("telemetry_seed42.csv"), &CsvOptions::default()).unwrap();
    let t = report.table;
    assert_eq!((t.x().n_rows(), t.x().n_cols()), (320, 2));
    assert_eq!(t.features(), ["latency_ms", "error_rate_pct"]);
    assert_eq!(t.ids().unwrap().name, "endpoint");
    assert_eq!(t.carried()[0].name, "group");
}

#[test]
fn describe_equals_pandas() {
    let fx = load_json("describe_seed42.json");
    let t = read_path(&fixture("telemetry_seed42.csv"), &CsvOptions::default())
        .unwrap()
        .table;
    let d = describe(&t, t.x());
    assert_eq!(d.rows as u64, fx["rows"].as_u64().unwrap());
    let mut seen = 0;
    for c in d.columns.iter().filter(|c| c.stats.is_some()) {
        let s = c.stats.as_ref().unwrap();
        let want = &fx["features"][&c.name];
        assert_eq!(s.n as u64, want["n"].as_u64().unwrap());
        let got = [s.mean, s.std, s.min, s.median, s.p95, s.max];
        let keys = ["mean", "std", "min", "median", "p95", "max"];
        let want: Vec<f64> = keys.iter().map(|k| want[*k].as_f64().unwrap()).collect();
        assert_close(&got, &want, 1e-9, &c.name);
        seen += 1;
    }
    assert_eq!(seen, 2);
}
