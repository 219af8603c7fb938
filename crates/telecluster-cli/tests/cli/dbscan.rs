//! telecluster dbscan and kdist.
use super::*;

fn json_of(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_str(&stdout_of(cmd)).unwrap()
}

#[test]
fn eps_auto_finds_the_three_groups_and_the_injected_anomalies() {
    let wd = Workdir::new();
    let v = json_of(
        wd.cmd()
            .arg("dbscan")
            .arg(fixture("telemetry_seed42.csv"))
            .args(["--eps", "auto", "--json", "-o", "out.csv"]),
    );
    let v = &v["dbscan"];
    assert_eq!(v["n_clusters"], 3);
    assert_eq!(v["min_samples"], 4, "2 x features");
    assert_eq!(v["eps_chosen_by"], "k_distance_knee");
    let out = std::fs::read_to_string(wd.path("out.csv")).unwrap();
    assert_eq!(
        out.lines().next().unwrap(),
        "endpoint,latency_ms,error_rate_pct,group,cluster,core,score"
    );
    let (mut anomalies_caught, mut normal_flagged) = (0, 0);
    let mut per_group: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for line in out.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (group, cluster, core, score) = (f[3], f[4], f[5], f[6]);
        assert!(core == "true" || core == "false");
        assert!(score.parse::<f64>().unwrap() >= 0.0);
        match (group, cluster == "-1") {
            ("anomaly", true) => anomalies_caught += 1,
            ("anomaly", false) => {}
            (_, true) => normal_flagged += 1,
            (_, false) => *per_group.entry((group.into(), cluster.into())).or_default() += 1,
        }
    }
    assert!(anomalies_caught >= 18, "{anomalies_caught} of 20 anomalies are noise");
    assert!(normal_flagged <= 5, "{normal_flagged} normal endpoints flagged");
    // each normal group is one cluster of its own
    let groups: std::collections::BTreeSet<&String> = per_group.keys().map(|k| &k.0).collect();
    let clusters: std::collections::BTreeSet<&String> = per_group.keys().map(|k| &k.1).collect();
    assert_eq!(
        (groups.len(), clusters.len(), per_group.len()),
        (3, 3, 3),
        "{per_group:?}"
    );

    let anomalies = v["anomalies"].as_array().unwrap();
    assert_eq!(anomalies.len(), v["n_noise"].as_u64().unwrap() as usize);
    let scores: Vec<f64> = anomalies.iter().map(|a| a["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked by score");
    let first = &anomalies[0];
    assert!(first["id"].as_str().unwrap().contains("/api/"));
    assert!(first["values"]["latency_ms"].is_f64());
    let reason = &first["reasons"][0];
    assert!(reason["feature"].is_string() && reason["value"].is_f64(), "{reason}");
    assert!(
        reason["cluster_median"].is_f64() && reason["mad_z"].is_f64(),
        "{reason}"
    );
    for c in v["clusters"].as_array().unwrap() {
        assert_eq!(c["size"], 100);
        assert!(c["median"]["latency_ms"].is_f64() && c["median"]["error_rate_pct"].is_f64());
    }
    assert!(v["red_flags"].as_array().unwrap().is_empty());
}

#[test]
fn text_output_lists_clusters_and_ranked_anomalies() {
    let wd = Workdir::new();
    wd.cmd()
        .arg("dbscan")
        .arg(fixture("telemetry_seed42.csv"))
        .args(["--top", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 cluster(s), 20 noise row(s)"))
        .stdout(predicate::str::contains("anomalies, highest score first (3 of 20)"))
        .stderr(predicate::str::contains("eps auto:"));
}

#[test]
fn red_flags_come_with_advice() {
    let wd = Workdir::new();
    wd.cmd()
        .arg("dbscan")
        .arg(fixture("telemetry_seed42.csv"))
        .args(["--eps", "0.0001", "--min-samples", "10"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: no core rows"))
        .stderr(predicate::str::contains("raise --eps"));
    let v = json_of(
        wd.cmd()
            .arg("dbscan")
            .arg(fixture("telemetry_seed42.csv"))
            .args(["--eps", "50", "--json"]),
    );
    let w = v["dbscan"]["red_flags"].as_array().unwrap();
    assert!(w.iter().any(|m| m["kind"] == "all_core"), "{w:?}");
    assert!(w.iter().any(|m| m["kind"] == "single_cluster"), "{w:?}");
}

#[test]
fn bad_parameters_fail_cleanly() {
    let wd = Workdir::new();
    let file = fixture("telemetry_seed42.csv");
    wd.cmd()
        .arg("dbscan")
        .arg(&file)
        .args(["--eps", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected a number > 0 or `auto`"));
    wd.cmd()
        .arg("dbscan")
        .arg(&file)
        .args(["--eps", "0.5", "--min-samples", "0"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--min-samples"));
    wd.cmd()
        .arg("kdist")
        .arg(&file)
        .args(["--min-samples", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--min-samples=1 must be >= 2"));
    let same = wd.write("same.csv", "id,a,b\nx,1,2\ny,1,2\nz,1,2\nw,1,2\nv,1,2\n");
    // Every row the same: eps auto has no scale, and says so; one cluster, nothing to rank.
    wd.cmd()
        .arg("dbscan")
        .arg(&same)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("every row is the same point"));
    wd.cmd()
        .arg("dbscan")
        .arg(&file)
        .args(["--eps", "0.5", "-o", "out.csv", "--features", "nope"])
        .assert()
        .code(2);
    assert!(!wd.path("out.csv").exists());
}

#[test]
fn identical_bytes_with_one_and_two_threads() {
    let wd = Workdir::new();
    let run = |threads: &str, out: &str| {
        let json = stdout_of(
            wd.cmd()
                .env("RAYON_NUM_THREADS", threads)
                .arg("dbscan")
                .arg(fixture("telemetry_seed42.csv"))
                .args(["--json", "-o", out]),
        );
        (json, std::fs::read(wd.path(out)).unwrap())
    };
    assert_eq!(run("1", "a.csv"), run("2", "b.csv"));
}

#[test]
fn kdist_suggests_the_eps_dbscan_uses() {
    let wd = Workdir::new();
    let k = json_of(wd.cmd().arg("kdist").arg(fixture("telemetry_seed42.csv")).arg("--json"));
    let d = json_of(
        wd.cmd()
            .arg("dbscan")
            .arg(fixture("telemetry_seed42.csv"))
            .arg("--json"),
    );
    assert_eq!(k["eps"], d["dbscan"]["eps"]);
    assert_eq!(
        (k["k"].as_u64(), k["rows"].as_u64(), k["sampled_rows"].as_u64()),
        (Some(3), Some(320), Some(320))
    );
    let curve = k["curve"].as_array().unwrap();
    assert!(
        curve.windows(2).all(|w| w[0][1].as_f64() <= w[1][1].as_f64()),
        "ascending"
    );
    let knee = k["knee_index"].as_u64().unwrap();
    assert!(curve.iter().any(|p| p[0].as_u64() == Some(knee)));
    wd.cmd()
        .arg("kdist")
        .arg(fixture("telemetry_seed42.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("suggested: telecluster dbscan FILE --eps"));
}
