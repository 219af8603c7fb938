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

mod generate;

mod bad_inputs;
mod describe;
mod determinism;
mod diff;

mod errors;

mod interrupt;

mod kmeans;

mod dbscan;

mod dbscan_large;

mod hierarchy;

mod ingest;

mod report;

mod score;

mod plots;

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
