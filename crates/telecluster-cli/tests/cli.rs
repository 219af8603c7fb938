//! The `telecluster` binary end to end: every test in its own temporary directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;
use telecluster::io::csv::read;
use telecluster::io::ReadOptions;

/// A fresh directory for one test, with helpers to write inputs and run the binary in it.
struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("telecluster").unwrap();
        c.current_dir(self.dir.path());
        c
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../telecluster/tests/fixtures")
        .join(name)
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

mod generate {
    use super::*;

    #[test]
    fn seed_42_has_321_lines_and_the_intended_group_centres() {
        let wd = Workdir::new();
        let out = stdout_of(wd.cmd().args(["generate", "--seed", "42"]));
        assert_eq!(out.lines().count(), 321);
        assert_eq!(out.lines().next().unwrap(), "endpoint,latency_ms,error_rate_pct,group");
        let t = read(out.as_bytes(), "gen", b',', &ReadOptions::default())
            .unwrap()
            .table;
        let groups = &t.carried()[0].values;
        // within three standard errors: 10/sqrt(100) = 1 ms, 0.05/sqrt(100) = 0.005 points
        for (name, lat, err) in [("healthy", 50.0, 0.1), ("slow", 500.0, 0.2), ("failing", 40.0, 5.0)] {
            let rows: Vec<usize> = (0..t.n_rows()).filter(|&i| groups[i] == name).collect();
            assert_eq!(rows.len(), 100, "{name}");
            let mean = |j: usize| rows.iter().map(|&i| t.x().get(i, j)).sum::<f64>() / rows.len() as f64;
            assert!((mean(0) - lat).abs() <= 3.0, "{name} latency mean {}", mean(0));
            assert!((mean(1) - err).abs() <= 0.015, "{name} error-rate mean {}", mean(1));
        }
        assert_eq!(groups.iter().filter(|g| *g == "anomaly").count(), 20);
        assert!(t.x().column(1).all(|v| v >= 0.0), "error rates are clipped at 0");
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let wd = Workdir::new();
        let a = stdout_of(wd.cmd().args(["generate", "--seed", "42"]));
        let b = stdout_of(wd.cmd().args(["generate", "--seed", "42"]));
        let c = stdout_of(wd.cmd().args(["generate", "--seed", "43"]));
        assert_eq!(a, b);
        assert_ne!(a, c);
        // The committed fixture pins the stream: a change here changes every oracle's input.
        assert_eq!(a, std::fs::read_to_string(fixture("telemetry_seed42.csv")).unwrap());
    }

    #[test]
    fn writes_a_file_with_sizes_asked_for() {
        let wd = Workdir::new();
        wd.cmd()
            .args(["generate", "--endpoints", "7", "--anomalies", "2", "-o", "t.csv"])
            .assert()
            .success()
            .stdout("");
        let text = std::fs::read_to_string(wd.path("t.csv")).unwrap();
        assert_eq!(text.lines().count(), 10);
    }

    #[test]
    fn nothing_to_generate_is_an_error() {
        Workdir::new()
            .cmd()
            .args(["generate", "--endpoints", "0", "--anomalies", "0"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--endpoints + --anomalies=0 must be >= 1"));
    }

    #[test]
    fn unwritable_output_fails_without_leaving_a_file() {
        let wd = Workdir::new();
        wd.cmd()
            .args(["generate", "-o", "missing-dir/t.csv"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("telecluster: error: missing-dir/t.csv"));
        assert!(!wd.path("missing-dir").exists());
    }

    #[test]
    fn closed_stdout_pipe_exits_0() {
        let bin = assert_cmd::cargo::cargo_bin("telecluster");
        let mut child = StdCommand::new(bin)
            .args(["generate", "--endpoints", "300000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("endpoint,"));
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty());
    }
}

mod describe {
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
}

mod errors {
    use super::*;

    /// Runs `describe` on `content` and expects exit 1 with `expected` in the message.
    fn rejects(content: &str, extra: &[&str], expected: &str) {
        rejects_with(1, content, extra, expected);
    }

    /// Runs `describe` on `content` and expects exit `code` with `expected` in the message.
    fn rejects_with(code: i32, content: &str, extra: &[&str], expected: &str) {
        let wd = Workdir::new();
        wd.write("bad.csv", content);
        let out = wd.cmd().args(["describe", "bad.csv"]).args(extra).assert().code(code);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(stderr.starts_with("telecluster: error: "), "{stderr}");
        assert!(stderr.contains(expected), "expected {expected:?} in {stderr:?}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.get_output().stdout.is_empty());
    }

    #[test]
    fn ragged_row() {
        rejects(
            "id,lat,err\na,1,2\nb,3\n",
            &[],
            "bad.csv:3: found 2 fields, expected 3 as in the header",
        );
    }

    #[test]
    fn non_numeric_cell() {
        rejects(
            "id,lat\na,1\nb,12ms\n",
            &[],
            "bad.csv:3:2: column \"lat\": cannot parse \"12ms\" as a number (write the bare number, without its unit)",
        );
    }

    #[test]
    fn nan_cell() {
        rejects(
            "id,lat\na,1\nb,NaN\n",
            &[],
            "bad.csv:3:2: column \"lat\": missing value \"NaN\"",
        );
    }

    #[test]
    fn inf_cell() {
        rejects(
            "id,lat\na,1\nb,inf\n",
            &[],
            "bad.csv:3:2: column \"lat\": \"inf\" is not a finite number",
        );
    }

    #[test]
    fn empty_file() {
        rejects(
            "",
            &[],
            "bad.csv: the file is empty: expected a header line naming the columns",
        );
    }

    #[test]
    fn header_only() {
        rejects(
            "id,lat\n",
            &["--features", "lat"],
            "bad.csv: no data rows below the header",
        );
        rejects("id,lat\n", &[], "bad.csv: no numeric feature columns");
    }

    #[test]
    fn unknown_feature_column() {
        // A flag naming a column the input lacks is a usage error.
        rejects_with(
            2,
            "id,lat\na,1\n",
            &["--features", "p99"],
            "bad.csv: no column named \"p99\" (the columns are: id, lat)",
        );
    }

    #[test]
    fn log1p_out_of_domain() {
        rejects(
            "id,lat\na,1\nb,-3\n",
            &["--log1p", "lat"],
            "bad.csv:3:2: column \"lat\": -3 is outside log1p's domain",
        );
    }

    #[test]
    fn missing_file() {
        let wd = Workdir::new();
        wd.cmd()
            .args(["describe", "nope.csv"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("nope.csv: No such file or directory"));
    }

    #[test]
    fn usage_errors_exit_2_and_help_documents_exit_codes() {
        let wd = Workdir::new();
        wd.cmd().args(["describe"]).assert().code(2);
        wd.cmd().args(["frobnicate"]).assert().code(2);
        wd.cmd()
            .args(["describe", "x.csv", "--scale", "zscore"])
            .assert()
            .code(2);
        wd.cmd()
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("Exit codes:"));
    }
}

mod kmeans {
    use super::*;

    fn json_of(cmd: &mut Command) -> serde_json::Value {
        serde_json::from_str(&stdout_of(cmd)).unwrap()
    }

    #[test]
    fn auto_picks_three_with_scikit_learns_centroids() {
        let wd = Workdir::new();
        let v = json_of(
            wd.cmd()
                .arg("kmeans")
                .arg(fixture("telemetry_seed42.csv"))
                .args(["--k", "auto", "--json"]),
        );
        assert_eq!(v["rows"], 320);
        let v = &v["kmeans"];
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
        let mut got: Vec<(f64, f64)> = v["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["centroid"]["latency_ms"].as_f64().unwrap(),
                    c["centroid"]["error_rate_pct"].as_f64().unwrap(),
                )
            })
            .collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0));
        got.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g.0 - w.0).abs() <= 1e-9 * w.0.abs() && (g.1 - w.1).abs() <= 1e-9 * w.1.abs(),
                "{g:?} vs {w:?}"
            );
        }
        let sizes: usize = v["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["size"].as_u64().unwrap() as usize)
            .sum();
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
        wd.cmd()
            .arg("elbow")
            .arg(fixture("telemetry_seed42.csv"))
            .assert()
            .success()
            .stdout(predicate::str::contains("knee, <- chosen"));
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
            .stderr(predicate::str::contains("--k=500 must be <= n_samples=320"));
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
}

mod dbscan {
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
        wd.cmd()
            .arg("dbscan")
            .arg(&same)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--eps=auto cannot be chosen"))
            .stderr(predicate::str::contains("every k-distance is 0"));
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
}

mod dbscan_large {
    use super::*;

    #[test]
    fn a_work_estimate_is_printed_before_a_large_fit() {
        let wd = Workdir::new();
        wd.cmd()
            .args(["generate", "--endpoints", "100000", "-o", "big.csv"])
            .assert()
            .success();
        wd.cmd()
            .args(["dbscan", "big.csv", "--eps", "0.05", "--min-samples", "8", "--top", "1"])
            .assert()
            .success()
            .stderr(predicate::str::contains("100020 rows: about"))
            .stderr(predicate::str::contains("neighbours per row within eps"))
            .stderr(predicate::str::contains("(from a 2000-row sample)"));
        // small inputs go straight to the fit
        wd.cmd()
            .arg("dbscan")
            .arg(fixture("telemetry_seed42.csv"))
            .assert()
            .success()
            .stderr(predicate::str::contains("neighbours per row").not());
    }
}

mod hierarchy {
    use super::*;
    use std::collections::BTreeMap;

    fn telemetry() -> String {
        fixture("telemetry_seed42.csv").to_string_lossy().into_owned()
    }

    #[test]
    fn ward_cut_in_three_keeps_each_behaviour_together() {
        let wd = Workdir::new();
        wd.cmd()
            .args(["hierarchy", &telemetry(), "--cut-k", "3", "-o", "out.csv"])
            .assert()
            .success();
        let t = read(
            std::fs::File::open(wd.path("out.csv")).unwrap(),
            "out",
            b',',
            &ReadOptions::default(),
        )
        .unwrap()
        .table;
        let groups = &t.carried().iter().find(|c| c.name == "group").unwrap().values;
        let cluster: Vec<String> = t
            .x()
            .column(t.feature_index("cluster").unwrap())
            .map(|v| v.to_string())
            .collect();
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (g, c) in groups.iter().zip(&cluster) {
            *seen.entry((g.clone(), c.clone())).or_default() += 1;
        }
        // Every row of each generated behaviour shares one cluster, and the three differ.
        let mut clusters = Vec::new();
        for g in ["healthy", "slow", "failing"] {
            let homes: Vec<&String> = seen.keys().filter(|(gg, _)| gg == g).map(|(_, c)| c).collect();
            assert_eq!(homes.len(), 1, "{g} is split: {seen:?}");
            assert_eq!(seen[&(g.to_string(), homes[0].clone())], 100);
            clusters.push(homes[0].clone());
        }
        clusters.sort();
        clusters.dedup();
        assert_eq!(clusters.len(), 3);
    }

    #[test]
    fn json_linkage_csv_and_plot_agree_and_repeat_byte_for_byte() {
        let wd = Workdir::new();
        let run = |threads: &str, tag: &str| {
            let out = stdout_of(
                wd.cmd()
                    .env("RAYON_NUM_THREADS", threads)
                    .args([
                        "hierarchy",
                        &telemetry(),
                        "--method",
                        "average",
                        "--cut-distance",
                        "1.5",
                        "--json",
                    ])
                    .args([
                        "--linkage-out",
                        &format!("z{tag}.csv"),
                        "--plot",
                        &format!("d{tag}.svg"),
                    ]),
            );
            let z = std::fs::read_to_string(wd.path(&format!("z{tag}.csv"))).unwrap();
            let svg = std::fs::read_to_string(wd.path(&format!("d{tag}.svg"))).unwrap();
            (out, z, svg)
        };
        let (json, z, svg) = run("1", "a");
        assert_eq!(run("2", "b"), (json.clone(), z.clone(), svg.clone()));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let v = &v["hierarchy"];
        assert_eq!(v["method"], "average");
        assert_eq!(v["n_observations"], 320);
        let mut leaves: Vec<u64> = v["leaves"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        leaves.sort_unstable();
        assert_eq!(leaves, (0..320).collect::<Vec<u64>>());
        let c = v["cophenetic_correlation"].as_f64().unwrap();
        assert!(c > 0.5 && c <= 1.0, "{c}");
        let cut = &v["cut"];
        let sizes: u64 = cut["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["size"].as_u64().unwrap())
            .sum();
        assert_eq!(sizes, 320);
        assert!(cut["criterion"]["height"].is_f64(), "{cut}");
        // Z: header, n - 1 merges, the last one holding every row at the top height.
        let lines: Vec<&str> = z.lines().collect();
        assert_eq!(lines[0], "a,b,height,size");
        assert_eq!(lines.len(), 320);
        let last: Vec<&str> = lines[319].split(',').collect();
        assert_eq!((last[0], last[1], last[3]), ("636", "637", "320"));
        assert_eq!(last[2].parse::<f64>().unwrap(), v["top_heights"][0].as_f64().unwrap());
        // 320 rows: the picture is truncated to the last 30 clusters, with counts.
        assert_eq!(svg.matches("<polyline").count(), 29);
        assert!(svg.contains(">(") && svg.ends_with("</svg>\n"));
    }

    #[test]
    fn sample_is_reproducible_and_labels_are_escaped() {
        let wd = Workdir::new();
        let mut csv = String::from("service,latency_ms,error_rate_pct\n");
        for i in 0..40 {
            csv.push_str(&format!(
                "\"<script>alert({i})</script>\",{},{}\n",
                10 + (i * 37) % 101,
                (i * 13) % 7
            ));
        }
        let input = wd.write("evil.csv", &csv);
        let args = |seed: &str, plot: &str| {
            vec![
                "hierarchy".to_string(),
                input.to_string_lossy().into_owned(),
                "--id".into(),
                "service".into(),
                "--sample".into(),
                "12".into(),
                "--seed".into(),
                seed.into(),
                "--plot".into(),
                plot.into(),
                "--json".into(),
            ]
        };
        let a = stdout_of(wd.cmd().args(args("7", "a.svg")));
        let b = stdout_of(wd.cmd().args(args("7", "b.svg")));
        let c = stdout_of(wd.cmd().args(args("8", "c.svg")));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(
            (v["rows"].as_u64(), v["hierarchy"]["n_observations"].as_u64()),
            (Some(40), Some(12))
        );
        assert_eq!(v["hierarchy"]["sample"].as_array().unwrap().len(), 12);
        let svg = std::fs::read_to_string(wd.path("a.svg")).unwrap();
        assert_eq!(svg, std::fs::read_to_string(wd.path("b.svg")).unwrap());
        assert!(!svg.contains("<script>"));
        // Each leaf's label and hover title, and the titles of the links that join single rows.
        assert!(svg.matches("&lt;script&gt;alert(").count() >= 2 * 12);
    }

    #[test]
    fn refusals_and_usage_errors() {
        let wd = Workdir::new();
        // -o needs a cut.
        wd.cmd()
            .args(["hierarchy", &telemetry(), "-o", "x.csv"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--cut-k"));
        // The two cuts exclude each other.
        wd.cmd()
            .args(["hierarchy", &telemetry(), "--cut-k", "2", "--cut-distance", "1"])
            .assert()
            .code(2);
        wd.cmd()
            .args(["hierarchy", &telemetry(), "--truncate", "lastp:0"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("lastp:P"));
        wd.cmd()
            .args(["hierarchy", &telemetry(), "--method", "upgma"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("ward"));
        // The matrix methods refuse past --max-memory, with the sizes, and write nothing.
        wd.cmd()
            .args([
                "hierarchy",
                &telemetry(),
                "--method",
                "complete",
                "--max-memory",
                "100K",
            ])
            .args(["--cut-k", "3", "-o", "out.csv", "--plot", "d.svg"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "needs 399 KiB for 320 rows, above the limit of 100 KiB",
            ));
        assert!(!wd.path("out.csv").exists() && !wd.path("d.svg").exists());
        wd.cmd()
            .args(["hierarchy", &telemetry(), "--cut-k", "0"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--cut-k"));
    }
}

mod report {
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
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(wd.path("r.json")).unwrap()).unwrap();
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
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(wd.path("r.json")).unwrap()).unwrap();
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
}

mod plots {
    use super::*;

    #[test]
    fn every_subcommand_draws_its_picture() {
        let wd = Workdir::new();
        let t = fixture("telemetry_seed42.csv");
        let t = t.to_str().unwrap();
        for (cmd, file) in [
            ("kmeans", "k.svg"),
            ("dbscan", "d.svg"),
            ("elbow", "e.svg"),
            ("kdist", "c.svg"),
            ("hierarchy", "h.svg"),
        ] {
            wd.cmd().args(["-q", cmd, t, "--plot", file]).assert().success();
            let svg = std::fs::read_to_string(wd.path(file)).unwrap();
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"), "{cmd}");
        }
        let k = std::fs::read_to_string(wd.path("k.svg")).unwrap();
        for name in [
            "0 healthy (103)",
            "1 slow (112)",
            "2 failing (105)",
            "centroid",
            "latency (ms)",
            "error rate (%)",
        ] {
            assert!(k.contains(name), "{name} missing from the K-Means picture");
        }
        let d = std::fs::read_to_string(wd.path("d.svg")).unwrap();
        // 20 anomaly crosses (and one in the legend), the top 5 named.
        assert_eq!(d.matches("stroke=\"#C0392B\"").count(), 21);
        assert!(d.contains(">GET /api/v1/prices</text>"));
        assert!(std::fs::read_to_string(wd.path("e.svg"))
            .unwrap()
            .contains("knee: k = 3"));
        assert!(std::fs::read_to_string(wd.path("c.svg"))
            .unwrap()
            .contains("eps = 0.0368852"));
    }

    #[test]
    fn wide_data_is_drawn_on_principal_components_or_the_named_pair() {
        let wd = Workdir::new();
        let mut csv = String::from("host,cpu_pct,mem_pct,load\n");
        for i in 0..90 {
            let g = (i % 3) as f64;
            csv.push_str(&format!(
                "h{i},{},{},{}\n",
                10.0 + 40.0 * g + (i % 7) as f64,
                20.0 + 30.0 * g + (i % 5) as f64,
                g + 0.01 * (i % 4) as f64
            ));
        }
        let input = wd.write("hosts.csv", &csv);
        let input = input.to_str().unwrap();
        wd.cmd()
            .args(["-q", "kmeans", input, "--k", "3", "--plot", "pc.svg"])
            .assert()
            .success();
        assert!(std::fs::read_to_string(wd.path("pc.svg"))
            .unwrap()
            .contains("principal component 1 ("));
        wd.cmd()
            .args([
                "-q", "kmeans", input, "--k", "3", "--plot", "pair.svg", "--x", "load", "--y", "cpu_pct",
            ])
            .assert()
            .success();
        let pair = std::fs::read_to_string(wd.path("pair.svg")).unwrap();
        assert!(pair.contains(">load</text>") && pair.contains(">cpu (%)</text>"));
        wd.cmd()
            .args(["kmeans", input, "--plot", "x.svg", "--x", "load", "--y", "disk"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("no column named \"disk\""));
        assert!(!wd.path("x.svg").exists());
    }
}

#[test]
fn no_progress_bar_when_standard_error_is_not_a_terminal() {
    let wd = Workdir::new();
    let t = fixture("telemetry_seed42.csv");
    for args in [
        vec!["elbow", t.to_str().unwrap()],
        vec!["report", t.to_str().unwrap(), "-o", "r.html"],
    ] {
        let out = wd.cmd().args(&args).assert().success().get_output().stderr.clone();
        let err = String::from_utf8(out).unwrap();
        assert!(
            !err.contains("elbow sweep") && !err.contains("analysis [") && !err.contains('\r'),
            "{err}"
        );
    }
}

#[test]
fn png_pictures_render_with_the_embedded_font_and_repeat_byte_for_byte() {
    let wd = Workdir::new();
    let t = fixture("telemetry_seed42.csv");
    for (threads, file) in [("1", "a.png"), ("2", "b.png")] {
        wd.cmd()
            .env("RAYON_NUM_THREADS", threads)
            .args(["-q", "dbscan", t.to_str().unwrap(), "--plot", file])
            .assert()
            .success();
    }
    let a = std::fs::read(wd.path("a.png")).unwrap();
    assert!(a.starts_with(b"\x89PNG\r\n\x1a\n") && a.len() > 50_000);
    assert_eq!(a, std::fs::read(wd.path("b.png")).unwrap());
    // Twice the SVG's 860 x 480: width and height in the IHDR chunk.
    assert_eq!(u32::from_be_bytes(a[16..20].try_into().unwrap()), 1720);
    assert_eq!(u32::from_be_bytes(a[20..24].try_into().unwrap()), 960);
}

#[test]
fn large_reports_draw_a_sample_and_list_the_top_anomalies() {
    let wd = Workdir::new();
    wd.cmd()
        .args(["generate", "--endpoints", "9000", "--anomalies", "600", "-o", "big.csv"])
        .assert()
        .success();
    wd.cmd()
        .args(["-q", "report", "big.csv", "-o", "r.html", "--json"])
        .assert()
        .success();
    let html = std::fs::read_to_string(wd.path("r.html")).unwrap();
    assert!(
        html.contains(" of 9600 rows drawn)"),
        "the scatter plots say they are sampled"
    );
    // Bounded whatever the rows: 5,000 points per picture at most (about 2.7 MB in all).
    assert!(html.len() < 3_500_000, "{} bytes", html.len());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(wd.path("r.json")).unwrap()).unwrap();
    let n_anomalies = json["dbscan"]["anomalies"].as_array().unwrap().len();
    assert!(n_anomalies > 200, "{n_anomalies}");
    assert_eq!(html.matches("class=\"anomaly\"").count(), 200);
    assert!(html.contains(&format!("and {} more, lower scores", n_anomalies - 200)));
    // The five named anomalies are drawn.
    let top = json["dbscan"]["anomalies"][0]["id"].as_str().unwrap();
    assert!(html.contains(&format!(">{}</text>", telecluster::report::svg::escape(top))));
}
