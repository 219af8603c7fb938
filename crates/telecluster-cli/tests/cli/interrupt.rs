//! A run stopped mid-write: by Ctrl-C (exit 130, its temporary file removed) or killed outright
//! (its temporary file may stay, but the output is the old one, whole, or absent).

use super::*;

/// Starts `generate` writing a large `out.csv` and waits until its temporary file has grown.
#[cfg(unix)]
#[allow(clippy::zombie_processes)] // The child is returned: every caller waits for it.
fn writing(wd: &Workdir) -> std::process::Child {
    let bin = assert_cmd::cargo::cargo_bin("telecluster");
    let mut child = StdCommand::new(bin)
        .current_dir(wd.path("."))
        .args(["generate", "--endpoints", "5000000", "-o", "out.csv"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let part = partial_files(wd);
        if part
            .iter()
            .any(|p| std::fs::metadata(p).map(|m| m.len() > 1 << 20).unwrap_or(false))
        {
            return child;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no temporary file grew");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn partial_files(wd: &Workdir) -> Vec<PathBuf> {
    std::fs::read_dir(wd.path("."))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect()
}

#[cfg(unix)]
fn signal(child: &std::process::Child, sig: &str) {
    let ok = StdCommand::new("kill")
        .args(["-s", sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_promptly_removes_the_partial_file_and_keeps_the_old_output() {
    let wd = Workdir::new();
    wd.write("out.csv", "the old output\n");
    let child = writing(&wd);
    let sent = std::time::Instant::now();
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(out.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert!(partial_files(&wd).is_empty(), "{:?}", partial_files(&wd));
    assert_eq!(std::fs::read_to_string(wd.path("out.csv")).unwrap(), "the old output\n");
    // SIGTERM (a service manager stopping it) too.
    let child = writing(&wd);
    signal(&child, "TERM");
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(130));
    assert!(partial_files(&wd).is_empty());
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_the_old_output_whole_or_none() {
    for old in [Some("the old output\n"), None] {
        let wd = Workdir::new();
        if let Some(text) = old {
            wd.write("out.csv", text);
        }
        let mut child = writing(&wd);
        signal(&child, "KILL");
        child.wait().unwrap();
        match old {
            Some(text) => assert_eq!(std::fs::read_to_string(wd.path("out.csv")).unwrap(), text),
            None => assert!(!wd.path("out.csv").exists()),
        }
    }
}
