//! telecluster hierarchy.
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
