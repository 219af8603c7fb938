//! The demo report in a real browser: headless Chromium loads the page and every picture,
//! the DOM must hold every section and picture, and nothing may fail to parse.
//!
//! `.ci/run` installs Debian's `chromium` and sets `TELECLUSTER_BROWSER_TEST=1`, which makes a
//! missing browser a failure; elsewhere the test is skipped (with a note) when no Chromium is
//! installed. The screenshot is kept at `target/browser/report.png` and its path printed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Runs headless Chromium with the flags this machine's closed network needs.
fn browse(browser: &Path, profile: &Path, extra: &[&str], url: &str) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn demo_report_renders_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("TELECLUSTER_BROWSER_TEST").is_none(),
            "TELECLUSTER_BROWSER_TEST is set but no Chromium is installed"
        );
        eprintln!("skipped: no Chromium (install Debian's chromium, as .ci/run does)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let status = Command::new(env!("CARGO_BIN_EXE_telecluster"))
        .args(["--quiet", "demo", "-o"])
        .arg(&demo)
        .status()
        .unwrap();
    assert!(status.success());
    let profile = dir.path().join("profile");
    let url = |name: &str| format!("file://{}", demo.join(name).display());

    let (dom, log) = browse(&browser, &profile, &["--dump-dom"], &url("report.html"));
    for id in ["summary", "data", "kmeans", "dbscan", "hierarchy", "parameters"] {
        assert!(
            dom.contains(&format!("<section id=\"{id}\"")),
            "section {id} missing from the DOM"
        );
    }
    for plot in ["data", "elbow", "kmeans", "kdist", "dbscan", "dendrogram"] {
        assert!(
            dom.contains(&format!("data-plot=\"{plot}\"")),
            "picture {plot} missing from the DOM"
        );
    }
    assert_eq!(dom.matches("<svg").count(), 6, "six inline pictures");
    assert!(dom.matches("class=\"anomaly\"").count() >= 18);
    for bad in ["Uncaught", "SyntaxError", "Failed to load"] {
        assert!(!log.contains(bad), "the page raised an error: {log}");
    }
    // Each picture on its own parses as SVG (an XML error would replace it with an error page).
    for name in [
        "telemetry.svg",
        "elbow.svg",
        "kmeans.svg",
        "kdist.svg",
        "dbscan.svg",
        "dendrogram.svg",
    ] {
        let (dom, _) = browse(&browser, &profile, &["--dump-dom"], &url(name));
        assert!(
            dom.contains("<svg") && !dom.contains("parsererror") && !dom.contains("error on line"),
            "{name}: {dom}"
        );
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../browser");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("report.png");
    let arg = format!("--screenshot={}", shot.display());
    browse(
        &browser,
        &profile,
        &["--window-size=1200,4000", &arg],
        &url("report.html"),
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    println!("screenshot: {}", shot.canonicalize().unwrap().display());
}
