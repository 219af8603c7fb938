//! `telecluster diff` and `report --save-model`: what changed between two windows, as a table,
//! JSON, CSV and an HTML page; exit codes; bad input.

use super::*;

/// The seed telemetry, and the same endpoints with five healthy ones ten times slower.
fn windows(wd: &Workdir) -> Vec<String> {
    wd.cmd().args(["generate", "-o", "before.csv"]).assert().success();
    let text = std::fs::read_to_string(wd.path("before.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let (lat, group) = (
        header.iter().position(|h| *h == "latency_ms").unwrap(),
        header.iter().position(|h| *h == "group").unwrap(),
    );
    let mut slow = Vec::new();
    for line in lines.iter_mut().skip(1) {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        if cells[group] == "healthy" && slow.len() < 5 && line.len() % 3 == 0 {
            let v: f64 = cells[lat].parse().unwrap();
            cells[lat] = format!("{}", v * 10.0);
            slow.push(cells[0].clone());
        }
        *line = cells.join(",");
    }
    assert_eq!(slow.len(), 5);
    wd.write("after.csv", &(lines.join("\n") + "\n"));
    slow.sort();
    slow
}

#[test]
fn five_slowed_endpoints_are_the_first_changes_everywhere() {
    let wd = Workdir::new();
    let slow = windows(&wd);
    let out = wd
        .cmd()
        .args([
            "-q",
            "diff",
            "before.csv",
            "after.csv",
            "--report",
            "diff.html",
            "-o",
            "changes.csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with(
            "before.csv -> after.csv: 320 entities before, 320 after, 320 in both: 5 changed, 315 unchanged"
        ),
        "{text}"
    );
    let mut listed: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| {
            let rest = l.split_once(". ").unwrap().1;
            slow.iter()
                .find(|s| rest.starts_with(s.as_str()))
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    listed.sort();
    assert_eq!(listed, slow, "{text}");
    assert!(text.contains("healthy → "), "{text}");
    // JSON: `changes`, most significant first, with the deltas that explain them.
    let json = stdout_of(wd.cmd().args(["-q", "diff", "before.csv", "after.csv", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let changes = v["changes"].as_array().unwrap();
    let mut ids: Vec<String> = changes.iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    assert_eq!(ids, slow);
    for c in changes {
        assert_eq!(c["deltas"][0]["feature"], "latency_ms");
        let (b, a) = (
            c["deltas"][0]["before"].as_f64().unwrap(),
            c["deltas"][0]["after"].as_f64().unwrap(),
        );
        assert!((a / b - 10.0).abs() < 1e-9);
        assert!(c["what"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "became_anomalous" || w == "changed_cluster"));
    }
    let sig: Vec<f64> = changes.iter().map(|c| c["significance"].as_f64().unwrap()).collect();
    assert!(sig.windows(2).all(|w| w[0] >= w[1]));
    // The page: the before/after picture and the table.
    let page = std::fs::read_to_string(wd.path("diff.html")).unwrap();
    assert!(page.contains("<svg") && page.contains("data-plot=\"moves\""));
    assert_eq!(page.matches("<tr class=\"change\">").count(), 5);
    let csv = std::fs::read_to_string(wd.path("changes.csv")).unwrap();
    assert!(
        csv.starts_with(
            "rank,id,what,significance,cluster_before,cluster_after,score_before,score_after,error_rate_pct_before"
        ),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 6);
    // CI: exit 3 when something changed, 0 when nothing did.
    wd.cmd()
        .args(["-q", "diff", "before.csv", "after.csv", "--fail-on-change"])
        .assert()
        .code(3);
    wd.cmd()
        .args([
            "-q",
            "diff",
            "before.csv",
            "before.csv",
            "--fail-on-change",
            "--method",
            "kmeans",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 changed, 320 unchanged"));
}

#[test]
fn a_saved_report_model_diffs_and_scores_like_its_part() {
    let wd = Workdir::new();
    let slow = windows(&wd);
    wd.cmd()
        .args([
            "-q",
            "report",
            "before.csv",
            "-o",
            "r.html",
            "--json",
            "--save-model",
            "m.json",
        ])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(wd.path("r.json")).unwrap()).unwrap();
    let json = stdout_of(
        wd.cmd()
            .args(["-q", "score", "--model", "m.json", "before.csv", "--json"]),
    );
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let labels: Vec<i64> = report["dbscan"]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_i64().unwrap())
        .collect();
    let scored: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cluster"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(scored, labels);
    // The consensus in the report: listed rows agree on two views or more, first in the summary.
    let listed = report["consensus"]["anomalies"].as_array().unwrap();
    assert!(!listed.is_empty() && listed.iter().all(|a| a["confidence"].as_u64().unwrap() >= 2));
    let page = std::fs::read_to_string(wd.path("r.html")).unwrap();
    assert!(page.find("Flagged by several views").unwrap() < page.find("Anomalies, highest score first").unwrap());
    // The saved model in diff, and kmeans models from report.
    let json = stdout_of(
        wd.cmd()
            .args(["-q", "diff", "before.csv", "after.csv", "--model", "m.json", "--json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut first: Vec<String> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .take(5)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    first.sort();
    assert_eq!(first, slow);
    wd.cmd()
        .args([
            "-q",
            "report",
            "before.csv",
            "-o",
            "r2.html",
            "--save-model",
            "k.json",
            "--model-method",
            "kmeans",
        ])
        .assert()
        .success();
    assert!(std::fs::read_to_string(wd.path("k.json"))
        .unwrap()
        .contains("\"kind\": \"kmeans\""));
}

#[test]
fn bad_windows_are_refused_with_where_and_why() {
    let wd = Workdir::new();
    wd.write(
        "a.csv",
        "endpoint,latency_ms,error_rate_pct\nx,10,0.1\ny,11,0.2\nz,12,0.1\nw,13,0.3\nv,500,9\n",
    );
    wd.write(
        "dup.csv",
        "endpoint,latency_ms,error_rate_pct\nx,10,0.1\ny,11,0.2\nx,12,0.1\n",
    );
    wd.cmd()
        .args([
            "diff", "a.csv", "dup.csv", "--method", "kmeans", "--k", "2", "-o", "out.csv",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "dup.csv:4: id \"x\" appears again (first at dup.csv:2)",
        ));
    assert!(!wd.path("out.csv").exists());
    wd.write("other.csv", "endpoint,latency\nx,10\n");
    wd.cmd()
        .args(["diff", "a.csv", "other.csv", "--method", "kmeans", "--k", "2"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("latency_ms"));
    wd.cmd()
        .args(["diff", "-", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot both be standard input"));
    wd.cmd()
        .args(["diff", "a.csv", "a.csv", "--model", "m.json", "--method", "kmeans"])
        .assert()
        .code(2);
}
