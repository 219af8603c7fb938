//! telecluster against real servers started on loopback: Debian's nginx writing a real access
//! log, and Prometheus scraping itself.
//!
//! `.ci/run` installs both and sets `TELECLUSTER_REAL_TESTS=1`, which makes a missing server a
//! failure; elsewhere each test is skipped, with a note, when its server is not installed.

mod nginx;
mod prometheus;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

/// The server binary at one of `paths`, or `None` (a failure under `.ci/run`).
fn server(name: &str, paths: &[&str]) -> Option<PathBuf> {
    let found = paths.iter().map(PathBuf::from).find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("TELECLUSTER_REAL_TESTS").is_none(),
            "TELECLUSTER_REAL_TESTS is set but {name} is not installed"
        );
        eprintln!("skipped: no {name} (install Debian's {name}, as .ci/run does)");
    }
    found
}

/// Held by each test while it runs a server: the two pick free ports the same way, and one at a
/// time they cannot pick the same one.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs the test body alone.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A loopback port free at the time of asking.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until something listens on `port`.
fn wait_for(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A server process, stopped when the test ends, whether it passes or panics.
struct Running(Child);

impl Drop for Running {
    /// SIGTERM first, so that nginx's master stops its workers (killed outright, it would leave
    /// them serving); SIGKILL if the server is still there after 10 s.
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the telecluster binary in `dir`.
fn telecluster(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_telecluster"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "telecluster {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The rows of a CSV: header, then records.
fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines.map(|l| l.split(',').map(String::from).collect()).collect();
    (header, rows)
}
