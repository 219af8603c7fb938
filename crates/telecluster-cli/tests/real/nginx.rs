//! A real nginx, with a `log_format` carrying the timings, serving fast routes, failing routes
//! and a slow route behind a small upstream that sleeps; its access log through `ingest logs` and
//! `report --logs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{csv_rows, free_port, server, telecluster, wait_for, Running};

const LOG_FORMAT: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time"#;

/// The upstream: `/slow/...` sleeps 120 ms; `/pay/...` fails with 500 every other request;
/// the rest answer at once.
fn upstream(listener: TcpListener) {
    let failures = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let failures = &failures;
            s.spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request.split(' ').nth(1).unwrap_or("/");
                if path == "/quit" {
                    std::process::exit(0);
                }
                let status = if path.starts_with("/slow/") {
                    std::thread::sleep(Duration::from_millis(120));
                    "200 OK"
                } else if path.starts_with("/pay/")
                    && failures
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                        .is_multiple_of(2)
                {
                    "500 Internal Server Error"
                } else {
                    "200 OK"
                };
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
                );
            });
        }
    });
}

/// One HTTP/1.1 GET over a kept-alive connection; the status.
fn get(conn: &mut BufReader<TcpStream>, path: &str) -> u16 {
    write!(
        conn.get_mut(),
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: telecluster-test\r\n\r\n"
    )
    .unwrap();
    let mut status = String::new();
    conn.read_line(&mut status).unwrap();
    let mut length = 0;
    let mut line = String::new();
    loop {
        line.clear();
        conn.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).unwrap();
    status.split(' ').nth(1).unwrap().parse().unwrap()
}

fn config(dir: &Path, port: u16, upstream_port: u16) -> String {
    let d = dir.display();
    let user = if std::env::var("USER").as_deref() == Ok("root") || unsafe_is_root() {
        "user root;"
    } else {
        ""
    };
    format!(
        r#"{user}
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    log_format timed '{LOG_FORMAT}';
    upstream app {{ server 127.0.0.1:{upstream_port}; }}
    server {{
        listen 127.0.0.1:{port};
        access_log {d}/access.log timed;
        location /api/checkout {{ return 503; }}
        location /api/search {{ proxy_pass http://app/slow/; }}
        location /api/payments/ {{ proxy_pass http://app/pay/; }}
        location /api/ {{ proxy_pass http://app/fast/; }}
        location /static/ {{ return 200 "static\n"; }}
    }}
}}
"#
    )
}

fn unsafe_is_root() -> bool {
    // The effective user, without a libc binding: /proc tells it.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn nginx_access_log_to_clusters() {
    let Some(nginx) = server("nginx", &["/usr/sbin/nginx", "/usr/bin/nginx"]) else {
        return;
    };
    let _alone = super::serial();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tmp")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream_port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || upstream(listener));
    let port = free_port();
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, config(dir.path(), port, upstream_port)).unwrap();
    let child = Command::new(&nginx)
        .args(["-e", "stderr", "-p"])
        .arg(dir.path())
        .arg("-c")
        .arg(&conf)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .spawn()
        .expect("nginx starts");
    let nginx_proc = Running(child);
    wait_for(port, "nginx");

    // 20 fast routes with ids, a static route, two failing routes (one always, one half the
    // time) and a slow one: a few thousand requests over kept-alive connections, in 4 threads.
    std::thread::scope(|s| {
        for t in 0..4u32 {
            s.spawn(move || {
                let mut conn = BufReader::new(TcpStream::connect(("127.0.0.1", port)).unwrap());
                for i in 0..700u32 {
                    let id = 1000 + i * 7 + t;
                    let route = i % 20;
                    assert_eq!(get(&mut conn, &format!("/api/v1/r{route}/{id}?page={}", i % 3)), 200);
                    if i % 10 == 0 {
                        get(&mut conn, &format!("/static/app{}.css", i % 4));
                        assert_eq!(get(&mut conn, "/api/checkout"), 503);
                        get(&mut conn, &format!("/api/payments/{id}"));
                    }
                    if i % 25 == 0 {
                        assert_eq!(get(&mut conn, &format!("/api/search?q={id}")), 200);
                    }
                }
            });
        }
    });
    drop(nginx_proc);
    let log = dir.path().join("access.log");
    let n_lines = std::fs::read_to_string(&log).unwrap().lines().count();
    assert!(n_lines > 3000, "only {n_lines} lines logged");

    // The log's own format, given as nginx.conf has it.
    let format_arg = format!("--log-format={LOG_FORMAT}");
    let out = telecluster(
        dir.path(),
        &["ingest", "logs", "access.log", &format_arg, "-o", "features.csv"],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("0 bad line(s)"), "{said}");
    let (header, rows) = csv_rows(&dir.path().join("features.csv"));
    assert_eq!(header[0], "endpoint");
    assert_eq!(header[1..], telecluster::io::logs::aggregate::COLUMNS);
    let row = |ep: &str| {
        rows.iter()
            .find(|r| r[0] == ep)
            .unwrap_or_else(|| panic!("no row {ep} in {rows:?}"))
    };
    let num = |ep: &str, col: usize| row(ep)[col].parse::<f64>().unwrap();
    assert_eq!(rows.len(), 20 + 4 + 1, "{rows:?}");
    assert_eq!(num("GET /api/v1/r3/{id}", 1), 4.0 * 35.0);
    assert_eq!(num("GET /api/checkout", 3), 100.0);
    let pay = num("GET /api/payments/{id}", 3);
    assert!((40.0..=60.0).contains(&pay), "payments error rate {pay}");
    assert!(
        num("GET /api/search", 4) >= 115.0,
        "search p50 {}",
        num("GET /api/search", 4)
    );
    assert!(num("GET /api/v1/r3/{id}", 4) < 50.0);

    // Auto-detection reads the same log the same way.
    telecluster(dir.path(), &["ingest", "logs", "access.log", "-o", "auto.csv"]);
    assert_eq!(
        std::fs::read(dir.path().join("auto.csv")).unwrap(),
        std::fs::read(dir.path().join("features.csv")).unwrap()
    );

    // One step: the slow and the failing routes come out of the clusters as such.
    telecluster(
        dir.path(),
        &[
            "report",
            "--logs",
            "access.log",
            "--log1p",
            "latency_p50_ms,latency_p95_ms,latency_p99_ms,latency_mean_ms",
            "-o",
            "report.html",
            "--json",
        ],
    );
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let ids: Vec<&str> = a["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let labels = a["kmeans"]["labels"].as_array().unwrap();
    let profile_of = |ep: &str| {
        let i = ids.iter().position(|i| *i == ep).unwrap();
        let c = labels[i].as_u64().unwrap();
        a["kmeans"]["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["cluster"].as_u64() == Some(c))
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        profile_of("GET /api/search").contains("slow"),
        "search is {}",
        profile_of("GET /api/search")
    );
    assert!(
        profile_of("GET /api/checkout").contains("failing"),
        "checkout is {}",
        profile_of("GET /api/checkout")
    );
    // The fast routes are neither slow nor failing (their group may still be named for its
    // traffic, busy or idle, by how K falls).
    let fast = profile_of("GET /api/v1/r7/{id}");
    assert!(!fast.contains("slow") && !fast.contains("failing"), "r7 is {fast}");
    assert_ne!(profile_of("GET /api/search"), profile_of("GET /api/v1/r7/{id}"));
}
