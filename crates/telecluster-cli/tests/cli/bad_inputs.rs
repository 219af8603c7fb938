//! The bad-input corpus (`tests/bad_inputs/`, and cases too big or too odd to commit, made
//! here): every case through every subcommand that reads data. A failing case exits 1 (2 for a
//! flag's value), names the file and the line and column where they exist, never panics, and
//! leaves an existing output file untouched. A degenerate but valid case exits 0 and writes no
//! NaN or infinity anywhere.

use super::*;

/// The subcommands that read a data file, with the flags that make them write an output file
/// (`out.csv` or `out.html`, which the test creates first). `FILE` is the case.
const COMMANDS: &[&[&str]] = &[
    &["describe", "FILE"],
    &["kmeans", "FILE", "-o", "out.csv"],
    &["elbow", "FILE"],
    &["dbscan", "FILE", "-o", "out.csv"],
    &["kdist", "FILE"],
    &["hierarchy", "FILE", "--cut-k", "2", "-o", "out.csv"],
    &["report", "FILE", "-o", "out.html", "--json"],
    &["score", "--model", "model.json", "FILE", "-o", "out.csv"],
    &["diff", "good.csv", "FILE", "-o", "out.csv"],
];

/// A case that every subcommand refuses: its exit code and what the message says.
struct Refused {
    file: &'static str,
    says: &'static [&'static str],
}

const REFUSED: &[Refused] = &[
    Refused {
        file: "empty.csv",
        says: &["empty.csv: the file is empty: expected a header line"],
    },
    Refused {
        file: "header_only.csv",
        says: &["header_only.csv: no data rows below the header"],
    },
    Refused {
        file: "ragged.csv",
        says: &["ragged.csv:3: found 4 fields, expected 3 as in the header"],
    },
    Refused {
        file: "duplicate_columns.csv",
        says: &["duplicate_columns.csv:1:3: column \"latency_ms\" appears twice"],
    },
    Refused {
        file: "non_numeric.csv",
        says: &["non_numeric.csv:4:2: column \"latency_ms\": cannot parse \"fast\" as a number"],
    },
    Refused {
        file: "empty_cell.csv",
        says: &[
            "empty_cell.csv:3:2: column \"latency_ms\": missing value",
            "--drop-missing",
        ],
    },
    Refused {
        file: "nan_cell.csv",
        says: &["nan_cell.csv:3:2: column \"latency_ms\": missing value \"NaN\""],
    },
    Refused {
        file: "inf_cell.csv",
        says: &["inf_cell.csv:3:2: column \"latency_ms\": \"inf\" is not a finite"],
    },
    Refused {
        file: "overflow_cell.csv",
        says: &["overflow_cell.csv:3:2: column \"latency_ms\": \"1e400\""],
    },
    Refused {
        file: "invalid_utf8.csv",
        says: &["invalid_utf8.csv:3:1: malformed input", "UTF-8"],
    },
    Refused {
        file: "no_header.csv",
        says: &[
            "no_header.csv:1: the first line is all numbers",
            "add a first line naming the columns",
        ],
    },
    Refused {
        file: "tab_separated.csv",
        says: &[
            "tab_separated.csv:1: the header is one column holding tabs",
            "--delimiter",
        ],
    },
    Refused {
        file: "truncated.csv.gz",
        says: &["truncated.csv.gz: incomplete deflate stream"],
    },
];

/// Degenerate but valid cases: every subcommand succeeds (but those listed, which refuse with
/// exit 1 and the message given).
struct Degenerate {
    file: &'static str,
    refused_by: &'static [&'static str],
    says: &'static str,
}

const DEGENERATE: &[Degenerate] = &[
    // A byte-order mark and Windows line ends are read as if absent.
    Degenerate {
        file: "bom.csv",
        refused_by: &[],
        says: "",
    },
    Degenerate {
        file: "crlf.csv",
        refused_by: &[],
        says: "",
    },
    // gzip read by its magic bytes, whatever the name; every row has 19 duplicates: DBSCAN
    // takes half the smallest gap between distinct rows as eps.
    Degenerate {
        file: "compressed.csv",
        refused_by: &[],
        says: "",
    },
    // A constant column scales to 0, as in scikit-learn.
    Degenerate {
        file: "constant_column.csv",
        refused_by: &[],
        says: "",
    },
    // Values near 1e200 and 1e-300: scaled without overflow or underflow.
    Degenerate {
        file: "extreme_values.csv",
        refused_by: &[],
        says: "",
    },
    // Thirty identical rows: one group, nothing to rank.
    Degenerate {
        file: "identical_rows.csv",
        refused_by: &[],
        says: "",
    },
    // One row: groups of one; DBSCAN and its k-distance curve need two.
    Degenerate {
        file: "one_row.csv",
        refused_by: &["dbscan", "kdist", "report"],
        says: "one_row.csv: 1 row(s): ",
    },
];

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad_inputs")
        .join(name)
}

const SENTINEL: &str = "an output from before\n";

/// A workdir with `good.csv` and a model fitted on it, and the outputs holding a sentinel.
fn setup() -> Workdir {
    let wd = Workdir::new();
    std::fs::copy(corpus("bom.csv"), wd.path("good.csv")).unwrap();
    wd.cmd()
        .args(["-q", "kmeans", "good.csv", "--k", "2", "--save-model", "model.json"])
        .assert()
        .success();
    wd
}

/// Runs `command` on `file`; returns (exit code, stderr, every output written).
fn run(wd: &Workdir, command: &[&str], file: &Path) -> (i32, String, String) {
    for out in ["out.csv", "out.html", "out.json"] {
        wd.write(out, SENTINEL);
    }
    let args: Vec<String> = command
        .iter()
        .map(|a| {
            if *a == "FILE" {
                file.display().to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let out = wd.cmd().args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut written = String::from_utf8_lossy(&out.stdout).into_owned();
    for f in ["out.csv", "out.html", "out.json"] {
        written.push_str(&std::fs::read_to_string(wd.path(f)).unwrap_or_default());
    }
    (out.status.code().unwrap_or(-1), stderr, written)
}

fn outputs_untouched(wd: &Workdir) -> bool {
    ["out.csv", "out.html", "out.json"]
        .iter()
        .all(|f| std::fs::read_to_string(wd.path(f)).map_or(true, |s| s == SENTINEL))
        && std::fs::read_dir(wd.path(".")).unwrap().all(|e| {
            let name = e.unwrap().file_name();
            !name.to_string_lossy().ends_with(".part")
        })
}

/// No NaN or infinity in what a run wrote (numbers are written by Rust's `{}`: `NaN`, `inf`).
fn finite_everywhere(text: &str) -> bool {
    !text.contains("NaN")
        && !["inf,", ",inf", " inf", "\"inf", ">inf", "inf<", "null"]
            .iter()
            .any(|t| text.contains(t))
}

#[test]
fn every_refused_case_names_where_and_writes_nothing() {
    let wd = setup();
    for case in REFUSED {
        for command in COMMANDS {
            let (code, stderr, _) = run(&wd, command, &corpus(case.file));
            let what = format!("{} {command:?}: exit {code}: {stderr}", case.file);
            assert_eq!(code, 1, "{what}");
            assert!(!stderr.contains("panicked"), "{what}");
            for s in case.says {
                assert!(stderr.contains(s), "{what}\nexpected: {s}");
            }
            assert!(outputs_untouched(&wd), "{what}: an output was changed");
        }
    }
}

#[test]
fn degenerate_cases_give_finite_results_or_say_why_not() {
    let wd = setup();
    for case in DEGENERATE {
        for command in COMMANDS {
            let (code, stderr, written) = run(&wd, command, &corpus(case.file));
            let what = format!("{} {command:?}: exit {code}: {stderr}", case.file);
            assert!(!stderr.contains("panicked"), "{what}");
            if case.refused_by.contains(&command[0]) {
                assert_eq!(code, 1, "{what}");
                assert!(stderr.contains(case.says), "{what}");
                assert!(outputs_untouched(&wd), "{what}");
            } else {
                assert_eq!(code, 0, "{what}");
                // The report's JSON writes an undefined figure as null: any other null, NaN
                // or infinity is a defect. (Checked on the CSV and HTML outputs.)
                let text: String = written.replace("null", "");
                assert!(finite_everywhere(&text), "{what}: non-finite output");
                assert!(
                    finite_everywhere(&stderr.replace("null", "")),
                    "{what}: non-finite message"
                );
            }
        }
    }
}

#[test]
fn odd_files_and_odd_sizes() {
    let wd = setup();
    // A directory.
    let dir = wd.path("a_directory");
    std::fs::create_dir(&dir).unwrap();
    // Ten megabytes on one line, no newline: a header and nothing else.
    let big = wd.path("ten_mb_line.csv");
    std::fs::write(&big, "x".repeat(10 << 20)).unwrap();
    // A cell longer than 65,535 characters (the limit of format!'s widths).
    let long = wd.write(
        "long_cell.csv",
        &format!(
            "endpoint,latency_ms,error_rate_pct\n{},10,0.1\nb,12,0.2\nc,500,5\nd,510,5.1\n",
            "x".repeat(70_000)
        ),
    );
    for command in COMMANDS {
        let (code, stderr, _) = run(&wd, command, &dir);
        assert_eq!(code, 1, "{command:?} on a directory: {stderr}");
        assert!(stderr.contains("a_directory: Is a directory"), "{stderr}");
        assert!(outputs_untouched(&wd));
        let (code, stderr, _) = run(&wd, command, &big);
        assert_eq!(code, 1, "{command:?} on a 10 MB line: {stderr}");
        assert!(
            stderr.contains("ten_mb_line.csv: no data rows below the header"),
            "{stderr}"
        );
        assert!(stderr.len() < 1000, "the message quotes the whole line");
        assert!(outputs_untouched(&wd));
        let (code, stderr, _) = run(&wd, command, &long);
        assert!(!stderr.contains("panicked"), "{command:?}: {stderr}");
        // Four rows: the matrix-linkage cut and DBSCAN run; only the model, fitted on
        // other features, would refuse.
        assert_eq!(code, 0, "{command:?} on a 70,000-character cell: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_refused_as_a_user_would_be() {
    use std::os::unix::fs::PermissionsExt;
    let wd = setup();
    let secret = wd.path("secret.csv");
    std::fs::copy(corpus("bom.csv"), &secret).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(wd.path("."), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("telecluster");
    // Root reads anything: run as nobody, as a normal user would run it.
    let root = std::process::Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd.arg("describe").arg(&secret).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("secret.csv: Permission denied"), "{stderr}");
}

#[test]
fn flags_out_of_range_are_usage_errors_naming_the_flag() {
    let wd = setup();
    let cases: &[(&[&str], &str)] = &[
        (
            &["kmeans", "good.csv", "--k", "500"],
            "--k=500 must be at most the number of rows (6)",
        ),
        (&["kmeans", "good.csv", "--k", "0"], "'--k <N|auto>'"),
        (
            &["kmeans", "good.csv", "--k", "-1"],
            "'--k <N|auto>': expected a whole number >= 1",
        ),
        (&["dbscan", "good.csv", "--eps", "0"], "expected a number > 0"),
        (&["dbscan", "good.csv", "--eps", "-1"], "expected a number > 0"),
        (&["dbscan", "good.csv", "--eps", "nan"], "expected a number > 0"),
        (&["dbscan", "good.csv", "--min-samples", "0"], "'--min-samples <M>'"),
        (
            &["kmeans", "good.csv", "--features", "nope"],
            "no column named \"nope\"",
        ),
        (&["kmeans", "good.csv", "--id", "nope"], "no column named \"nope\""),
        (
            &["hierarchy", "good.csv", "--cut-distance", "nan"],
            "'--cut-distance <D>'",
        ),
    ];
    for (args, says) in cases {
        wd.write("out.csv", SENTINEL);
        let mut all = args.to_vec();
        all.extend(["-o", "out.csv"]);
        let out = wd.cmd().args(&all).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("'-- -1'"), "{args:?}: {stderr}");
        assert!(outputs_untouched(&wd), "{args:?}");
    }
    // A text column named as a feature is the data's answer, at its first cell.
    let out = wd
        .cmd()
        .args(["kmeans", "good.csv", "--features", "endpoint"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("good.csv:2:1: column \"endpoint\": cannot parse \"a\""));
}

#[test]
fn other_inputs_logs_prometheus_and_models() {
    let wd = setup();
    // A log with binary garbage between good lines: the good lines count, the bad ones are
    // counted and shown with where; --strict refuses at the first.
    wd.write("out.csv", SENTINEL);
    let log = corpus("binary_garbage.log");
    let out = wd
        .cmd()
        .args(["ingest", "logs"])
        .arg(&log)
        .args(["-o", "out.csv"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("50 requests") && stderr.contains("binary_garbage.log:2:1:"),
        "{stderr}"
    );
    wd.write("out.csv", SENTINEL);
    let out = wd
        .cmd()
        .args(["ingest", "logs", "--strict"])
        .arg(&log)
        .args(["-o", "out.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("binary_garbage.log:2:1:"));
    assert!(outputs_untouched(&wd));
    // A Prometheus response that is not JSON.
    let page = corpus("not_json.json");
    let out = wd
        .cmd()
        .args(["ingest", "prometheus", "--file"])
        .arg(format!("rps={}", page.display()))
        .args(["-o", "out.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not_json.json: not a Prometheus API response"));
    assert!(outputs_untouched(&wd));
    // Models of another version, or of other features.
    let model = std::fs::read_to_string(wd.path("model.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&model).unwrap();
    let version = v["format_version"].as_str().unwrap();
    wd.write("v9.json", &model.replace(&format!("\"{version}\""), "\"9.0\""));
    wd.write("other.json", &model.replace("\"latency_ms\"", "\"p99_ms\""));
    for (m, says) in [
        ("v9.json", "v9.json: format_version \"9.0\""),
        ("other.json", "the model's feature \"p99_ms\" is not in good.csv"),
    ] {
        for cmd in [
            &["score", "--model", m, "good.csv", "-o", "out.csv"][..],
            &["diff", "good.csv", "good.csv", "--model", m, "-o", "out.csv"],
        ] {
            let out = wd.cmd().args(cmd).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{cmd:?}: {stderr}");
            assert!(stderr.contains(says), "{cmd:?}: {stderr}");
            assert!(outputs_untouched(&wd));
        }
    }
}

#[test]
fn a_memory_budget_is_refused_before_the_run_not_killed_in_it() {
    let wd = Workdir::new();
    wd.cmd()
        .args(["generate", "--endpoints", "20000", "-o", "big.csv"])
        .assert()
        .success();
    let cases: &[(&[&str], &str)] = &[
        (&["dbscan", "big.csv", "--max-memory", "100K"], "DBSCAN needs about 1.68 MiB for 20020 rows of 2 features, above the limit of 100 KiB; raise --max-memory"),
        (&["kmeans", "big.csv", "--max-memory", "100K"], "K-Means needs about 1.37 MiB for 20020 rows"),
        (&["hierarchy", "big.csv", "--method", "average", "--cut-k", "3", "--max-memory", "100K"], "needs 1.49 GiB for 20020 rows, above the limit of 100 KiB; use --method ward or single (no matrix), --sample N"),
        (&["report", "big.csv", "--max-memory", "100K"], "above the limit of 100 KiB"),
    ];
    for (args, says) in cases {
        wd.write("out.csv", SENTINEL);
        let out = wd.cmd().args(*args).args(["-o", "out.csv"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(outputs_untouched(&wd), "{args:?}");
    }
    // Within the budget the same runs go ahead.
    wd.cmd()
        .args(["-q", "dbscan", "big.csv", "--max-memory", "64M"])
        .assert()
        .success();
}
