//! `telecluster ingest logs` and `ingest prometheus --file`: formats, compression, standard
//! input and pipes into the engines, bad lines counted and shown, `--strict`.

use std::io::Write;

use super::*;

fn line(i: usize, route: &str, status: u16, secs: &str) -> String {
    format!(
        "10.0.0.{} - - [04/Dec/2026:10:{:02}:{:02} +0000] \"GET {route} HTTP/1.1\" {status} 100 \"-\" \"curl/8\" {secs} {secs}\n",
        i % 200,
        (i / 60) % 60,
        i % 60
    )
}

/// 30 endpoints: 27 fast, 2 slow, 1 failing; 20 requests each.
fn fleet_log() -> String {
    let mut s = String::new();
    for i in 0..600 {
        let e = i % 30;
        let (status, secs) = match e {
            0 | 1 => (200, format!("{}.{:03}", 1 + e, i % 7)),
            2 => (if i % 3 == 0 { 200 } else { 502 }, "0.020".to_string()),
            _ => (200, format!("0.{:03}", 5 + (i % 11) + e % 4)),
        };
        s.push_str(&line(i, &format!("/api/e{e}/{}?q={i}", 1000 + i), status, &secs));
    }
    s
}

#[test]
fn bad_lines_are_counted_and_shown_with_their_positions() {
    let wd = Workdir::new();
    let mut log: Vec<u8> = Vec::new();
    log.extend(line(0, "/a/1", 200, "0.010").as_bytes());
    let good = line(1, "/a/2", 200, "0.020");
    log.extend(&good.as_bytes()[..good.len() / 2]); // 2: truncated
    log.push(b'\n');
    log.extend(b"\x00\x01\x02\xff\xfe garbage\n"); // 3: binary garbage
    log.extend(vec![b'x'; 1 << 20]); // 4: a 1 MB line
    log.push(b'\n');
    log.extend(
        line(4, "/a/\u{1F600}", 200, "0.010")
            .as_bytes()
            .iter()
            .map(|&b| if b == 0xF0 { 0xC3 } else { b }),
    ); // 5: invalid UTF-8
    log.extend(line(5, "/a/3", 200, "0.010").replace(" 200 ", " 2x0 ").as_bytes()); // 6: bad status
    log.extend(
        line(6, "/a/4", 200, "0.010")
            .replace("04/Dec/2026", "04/Dex/2026")
            .as_bytes(),
    ); // 7: bad time
    log.extend(line(7, "/a/5", 500, "0.030").as_bytes());
    std::fs::write(wd.path("access.log"), &log).unwrap();
    let format = "--log-format=$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time $upstream_response_time";

    let out = wd
        .cmd()
        .args(["ingest", "logs", "access.log", format, "-o", "f.csv"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("8 lines, 2 requests, 1 endpoint row(s), 6 bad line(s)"),
        "{err}"
    );
    for at in [
        "access.log:2:",
        "access.log:3:",
        "access.log:4:1: line longer than",
        "access.log:5:",
        "access.log:6:",
    ] {
        assert!(err.contains(at), "{at} not in {err}");
    }
    assert!(
        err.contains("invalid UTF-8") && err.contains("\"2x0\" is not a status code"),
        "{err}"
    );
    assert!(err.contains("... and 1 more bad line(s)"), "{err}");
    let csv = std::fs::read_to_string(wd.path("f.csv")).unwrap();
    assert!(csv.contains("GET /a/{id},2,"), "{csv}");

    // --strict: the first bad line is an error with path:line:column, and no output.
    wd.cmd()
        .args(["ingest", "logs", "access.log", format, "--strict", "-o", "strict.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("access.log:2:"))
        .stderr(predicate::str::contains("access.log:2:44: $request: no '\" ' after it"));
    assert!(!wd.path("strict.csv").exists());
}

#[test]
fn compressed_logs_and_standard_input_give_the_same_features() {
    let wd = Workdir::new();
    let text = fleet_log();
    wd.write("access.log", &text);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(wd.path("access.log.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(wd.path("access.log.zst"), zstd::encode_all(text.as_bytes(), 3).unwrap()).unwrap();
    let plain = stdout_of(wd.cmd().args(["-q", "ingest", "logs", "access.log"]));
    assert_eq!(plain.lines().count(), 31, "{plain}");
    assert!(plain.starts_with(
        "endpoint,requests,rps,error_rate_pct,latency_p50_ms,latency_p95_ms,latency_p99_ms,latency_mean_ms\n"
    ));
    assert!(plain.contains("\nGET /api/e2/{id},20,"), "{plain}");
    for f in ["access.log.gz", "access.log.zst"] {
        assert_eq!(stdout_of(wd.cmd().args(["-q", "ingest", "logs", f])), plain, "{f}");
    }
    assert_eq!(
        stdout_of(wd.cmd().args(["-q", "ingest", "logs", "-"]).write_stdin(text.clone())),
        plain
    );
    // Split over two files (one compressed), the same endpoints and counts.
    let (a, b) = text.split_at(text[..text.len() / 2].rfind('\n').unwrap() + 1);
    wd.write("part1.log", a);
    std::fs::write(wd.path("part2.log.zst"), zstd::encode_all(b.as_bytes(), 3).unwrap()).unwrap();
    assert_eq!(
        stdout_of(wd.cmd().args(["-q", "ingest", "logs", "part1.log", "part2.log.zst"])),
        plain
    );

    // Straight into the engines through a pipe.
    let report = wd
        .cmd()
        .args(["-q", "report", "-", "-o", "r.html", "--json"])
        .write_stdin(plain.clone())
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&report.get_output().stdout).contains("30 rows"));
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(wd.path("r.json")).unwrap()).unwrap();
    assert_eq!(a["source"], "<stdin>");
    wd.cmd()
        .args(["-q", "kmeans", "-", "--k", "3", "-o", "k.csv"])
        .write_stdin(plain)
        .assert()
        .success();
}

#[test]
fn windows_routes_errors_and_other_formats() {
    let wd = Workdir::new();
    wd.write("access.log", &fleet_log());
    let out = stdout_of(wd.cmd().args([
        "-q",
        "ingest",
        "logs",
        "access.log",
        "--window",
        "5m",
        "--errors",
        "4xx,5xx",
    ]));
    let header = out.lines().next().unwrap();
    assert_eq!(header, "endpoint,requests,rps,error_rate_pct,latency_p50_ms,latency_p95_ms,latency_p99_ms,latency_mean_ms,window_start");
    assert!(
        out.contains(",2026-12-04T10:00:00Z\n") && out.contains(",2026-12-04T10:05:00Z\n"),
        "{out}"
    );
    wd.write("routes.txt", "# the e-routes are one service\n/api/{service}/*\n");
    let out = stdout_of(
        wd.cmd()
            .args(["-q", "ingest", "logs", "access.log", "--route-map", "routes.txt"]),
    );
    assert_eq!(
        out.lines().nth(1).unwrap().split(',').take(2).collect::<Vec<_>>(),
        ["GET /api/{service}/*", "600"]
    );

    wd.write(
        "envoy.log",
        "[2016-04-15T20:17:00.310Z] \"POST /api/v1/locations HTTP/2\" 204 - 154 0 226 100 \"10.0.35.28\" \"nsq2http\" \"cc21d9b0\" \"locations\" \"tcp://10.0.2.1:80\"\n\
         [2016-04-15T20:17:01.310Z] \"GET /api/v1/locations/77 HTTP/2\" 503 UF 0 0 12 - \"10.0.35.28\" \"nsq2http\" \"cc21d9b1\" \"locations\" \"-\"\n",
    );
    let out = stdout_of(wd.cmd().args(["-q", "ingest", "logs", "envoy.log"]));
    assert!(
        out.contains("GET /api/v1/locations/{id},1,0.5,100,12,12,12,12"),
        "{out}"
    );
    wd.write(
        "json.log",
        "{\"time_iso8601\":\"2026-12-04T10:00:00+00:00\",\"request_method\":\"GET\",\"request_uri\":\"/x/1\",\"status\":\"200\",\"request_time\":\"0.100\"}\n\
         {\"time_iso8601\":\"2026-12-04T10:00:09+00:00\",\"request_method\":\"GET\",\"request_uri\":\"/x/2\",\"status\":500,\"request_time\":0.3}\n",
    );
    let out = stdout_of(wd.cmd().args(["-q", "ingest", "logs", "json.log"]));
    assert!(out.contains("GET /x/{id},2,0.2,50,100,100,100,200"), "{out}");
    wd.write("odd.json", "{\"u\":\"/y\",\"m\":\"PUT\",\"s\":201,\"t\":1500}\n");
    let out = stdout_of(wd.cmd().args([
        "-q",
        "ingest",
        "logs",
        "odd.json",
        "--format",
        "json",
        "--json-fields",
        "path=u,method=m,status=s,duration=t:us",
    ]));
    assert!(out.contains("PUT /y,1,0,1.5,1.5,1.5,1.5"), "{out}");

    // Usage errors name the flag.
    wd.cmd()
        .args(["ingest", "logs", "access.log", "--window", "5x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--window=5x"));
    wd.cmd()
        .args(["ingest", "logs", "access.log", "--window", "999999999999d"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at most 36500d"));
    wd.cmd()
        .args(["ingest", "logs", "access.log", "--errors", "6xx"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--errors=6xx"));
    wd.cmd()
        .args(["ingest", "logs", "access.log", "--log-format", "$status$request"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--log-format"));
    wd.write("nothing.log", "hello\nworld\n");
    wd.cmd()
        .args(["ingest", "logs", "nothing.log"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing.log: not a log format"));
}

#[test]
fn saved_prometheus_responses_join_on_labels() {
    let wd = Workdir::new();
    wd.write(
        "p95.json",
        r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"handler":"/a"},"value":[1700000000,"12.5"]},
            {"metric":{"handler":"/b"},"value":[1700000000,"NaN"]},
            {"metric":{"handler":"/c"},"value":[1700000000,"40"]}]}}"#,
    );
    wd.write(
        "rps.json",
        r#"{"status":"success","warnings":["partial data"],"data":{"resultType":"matrix","result":[
            {"metric":{"handler":"/a"},"values":[[1,"1"],[2,"3"]]},
            {"metric":{"handler":"/b"},"values":[[1,"2"],[2,"+Inf"]]}]}}"#,
    );
    let out = wd
        .cmd()
        .args([
            "ingest",
            "prometheus",
            "--file",
            "p95_ms=p95.json",
            "--file",
            "rps=rps.json",
        ])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "handler,p95_ms,rps\n/a,12.5,2\n"
    );
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("partial data"), "{err}");
    assert!(err.contains("/b: p95_ms: the sample is NaN"), "{err}");
    assert!(err.contains("/c: rps: no series"), "{err}");
    wd.write(
        "err.json",
        r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error"}"#,
    );
    wd.cmd()
        .args(["ingest", "prometheus", "--file", "x=err.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "err.json: the server answered bad_data: 1:5: parse error",
        ));
}
