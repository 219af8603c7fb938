//! Writes a synthetic nginx access log (combined + `$request_time $upstream_response_time`) for
//! benchmarks and trials of `telecluster ingest logs`: 40 routes with ids in their paths, most
//! fast and healthy, a few slow and a few failing, one line a request, times increasing.
//!
//! Usage: cargo run --release --example access_log -- LINES [SEED] > access.log

use std::io::{self, BufWriter, Write};

use telecluster::io::time::format_time_local;
use telecluster::rng::Rng;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let lines: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut rng = Rng::new(seed);
    // (method, path with {} for an id, median seconds, 5xx share)
    let mut routes: Vec<(&str, String, f64, f64)> = Vec::new();
    for r in 0..40 {
        let method = ["GET", "GET", "GET", "POST", "PUT", "DELETE"][r % 6];
        let path = format!("/api/v{}/resource{r}/{{}}", 1 + r % 3);
        let (median, errors) = match r {
            0..=2 => (0.8 + 0.4 * r as f64, 0.01),
            3..=4 => (0.03, 0.25 + 0.1 * r as f64),
            _ => (0.005 + 0.002 * (r % 7) as f64, 0.002),
        };
        routes.push((method, path, median, errors));
    }
    let out = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    let start: i64 = 1_764_806_400; // 2025-12-04T00:00:00Z
    for i in 0..lines {
        let t = start + (i / 200) as i64;
        let (method, path, median, errors) = &routes[rng.below(routes.len())];
        let id = rng.below(1_000_000);
        let status = if rng.uniform() < *errors {
            [500, 502, 503, 504][rng.below(4)]
        } else {
            [200, 200, 200, 201, 204, 304, 404][rng.below(7)]
        };
        let secs_taken = (median * (0.6 * rng.normal()).exp()).max(0.0);
        let upstream = (secs_taken * 0.9).max(0.0);
        writeln!(
            w,
            "10.{}.{}.{} - - [{}] \"{method} {}?page={} HTTP/1.1\" {status} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64) bench/{}\" {secs_taken:.3} {upstream:.3}",
            rng.below(256),
            rng.below(256),
            rng.below(256),
            format_time_local(t),
            path.replace("{}", &id.to_string()),
            rng.below(10),
            200 + rng.below(20_000),
            rng.below(100),
        )?;
    }
    w.flush()
}
