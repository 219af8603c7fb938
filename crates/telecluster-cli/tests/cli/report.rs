//! telecluster report and demo, and the parts' JSON.
use super::*;

/// Each subcommand's `--json` is the report's JSON with only its part: the same header and
/// the same part object, for the same flags (issue 11).
#[test]
fn subcommand_json_equals_the_report_part() {
    let wd = Workdir::new();
    let file = fixture("telemetry_seed42.csv").to_string_lossy().into_owned();
    let flags = ["--seed", "5", "--cut-k", "3", "--sample", "100"];
    wd.cmd()
        .args(["report", &file, "-o", "r.html", "--json"])
        .args(flags)
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(wd.path("r.json")).unwrap()).unwrap();
    let part_seeded = |cmd: &str, seed: &str, extra: &[&str]| -> serde_json::Value {
        let out = stdout_of(wd.cmd().args([cmd, &file, "--json", "--seed", seed]).args(extra));
        serde_json::from_str(&out).unwrap()
    };
    let part = |cmd: &str, extra: &[&str]| part_seeded(cmd, "5", extra);
    for (name, extra) in [
        ("kmeans", &[][..]),
        ("dbscan", &[][..]),
        ("hierarchy", &["--cut-k", "3", "--sample", "100"][..]),
    ] {
        let v = part(name, extra);
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = ["source", "rows", "features", "scaling", "version", name];
        keys.sort_unstable();
        want.sort_unstable();
        assert_eq!(keys, want, "{name}");
        for key in ["source", "rows", "features", "scaling", "version", name] {
            assert_eq!(v[key], report[key], "{name}: {key}");
        }
    }
    // The seed reached every part: another seed samples other rows for the hierarchy.
    let other = part_seeded("hierarchy", "6", &["--cut-k", "3", "--sample", "100"]);
    assert_ne!(other["hierarchy"]["sample"], report["hierarchy"]["sample"]);
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn demo_names_the_groups_lists_the_anomalies_and_repeats_byte_for_byte() {
    let wd = Workdir::new();
    let out = stdout_of(wd.cmd().env("RAYON_NUM_THREADS", "2").args(["demo", "-o", "a"]));
    assert!(out.contains("report: a/report.html"), "{out}");
    assert!(
        out.contains("3 groups: healthy (103), slow (112), failing (105)"),
        "{out}"
    );
    stdout_of(wd.cmd().env("RAYON_NUM_THREADS", "1").args(["demo", "-o", "b"]));
    let (a, b) = (files(&wd.path("a")), files(&wd.path("b")));
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "dbscan.svg",
            "dendrogram.svg",
            "elbow.svg",
            "kdist.svg",
            "kmeans.svg",
            "report.html",
            "report.json",
            "telemetry.csv",
            "telemetry.svg"
        ]
    );
    // The same bytes, with one thread or two (the paths inside name the directory).
    for ((na, ba), (_, bb)) in a.iter().zip(&b) {
        let fix = |v: &[u8]| String::from_utf8_lossy(v).replace("b/telemetry.csv", "a/telemetry.csv");
        assert_eq!(fix(ba), fix(bb), "{na} differs between runs");
    }
    let html = String::from_utf8(a[5].1.clone()).unwrap();
    for name in ["healthy", "slow", "failing"] {
        assert!(html.contains(&format!("<td class=\"name\">{name}</td>")), "{name}");
    }
    // The injected anomalies (group "anomaly" in the generated CSV) listed in the report.
    let csv = read(&a[7].1[..], "t", b',', &ReadOptions::default()).unwrap().table;
    let groups = &csv.carried()[0].values;
    let injected: Vec<String> = (0..csv.n_rows())
        .filter(|&i| groups[i] == "anomaly")
        .map(|i| csv.label(i))
        .collect();
    assert_eq!(injected.len(), 20);
    let anomalies = html
        .split("<table class=\"anomalies\">")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let listed = injected
        .iter()
        .filter(|id| anomalies.contains(&format!("<td>{}</td>", telecluster::report::svg::escape(id))))
        .count();
    assert!(listed >= 18, "{listed} of 20 injected anomalies listed");
    let json: serde_json::Value = serde_json::from_slice(&a[6].1).unwrap();
    assert_eq!(json["kmeans"]["k"], 3);
    assert_eq!(json["dbscan"]["n_noise"], 20);
}

#[test]
fn report_escapes_names_from_the_data() {
    let wd = Workdir::new();
    let mut csv = String::from("endpoint,latency_ms,error_rate_pct\n");
    for i in 0..60 {
        let (l, e) = match i % 3 {
            0 => (50.0, 0.1),
            1 => (500.0, 0.2),
            _ => (45.0, 5.0),
        };
        csv.push_str(&format!(
            "GET /e{i},{},{}\n",
            l + (i % 7) as f64,
            e + 0.01 * (i % 5) as f64
        ));
    }
    csv.push_str("<script>alert(1)</script>,900,9\n");
    let input = wd.write("t.csv", &csv);
    let out = stdout_of(
        wd.cmd()
            .args(["report", input.to_str().unwrap(), "-o", "r.html", "--json"]),
    );
    assert!(out.contains("report: r.html"));
    let html = std::fs::read_to_string(wd.path("r.html")).unwrap();
    assert!(!html.contains("<script>"), "raw markup from the data in the report");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(wd.path("r.json")).unwrap()).unwrap();
    assert_eq!(json["dbscan"]["anomalies"][0]["id"], "<script>alert(1)</script>");
}

#[test]
fn report_refuses_unknown_axes_and_writes_nothing() {
    let wd = Workdir::new();
    wd.cmd()
        .args([
            "report",
            fixture("telemetry_seed42.csv").to_str().unwrap(),
            "-o",
            "r.html",
        ])
        .args(["--x", "latency_ms", "--y", "cpu"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no column named \"cpu\""));
    assert!(!wd.path("r.html").exists());
    wd.cmd()
        .args([
            "report",
            fixture("telemetry_seed42.csv").to_str().unwrap(),
            "--x",
            "latency_ms",
        ])
        .assert()
        .code(2);
}
