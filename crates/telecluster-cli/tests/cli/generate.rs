//! telecluster generate.
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
