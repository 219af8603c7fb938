//! --plot on every subcommand.
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
