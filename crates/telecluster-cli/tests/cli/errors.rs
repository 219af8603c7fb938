//! Bad input: every error names the file, line and column.
use super::*;

/// Runs `describe` on `content` and expects exit 1 with `expected` in the message.
fn rejects(content: &str, extra: &[&str], expected: &str) {
    rejects_with(1, content, extra, expected);
}

/// Runs `describe` on `content` and expects exit `code` with `expected` in the message.
fn rejects_with(code: i32, content: &str, extra: &[&str], expected: &str) {
    let wd = Workdir::new();
    wd.write("bad.csv", content);
    let out = wd.cmd().args(["describe", "bad.csv"]).args(extra).assert().code(code);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("telecluster: error: "), "{stderr}");
    assert!(stderr.contains(expected), "expected {expected:?} in {stderr:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.get_output().stdout.is_empty());
}

#[test]
fn ragged_row() {
    rejects(
        "id,lat,err\na,1,2\nb,3\n",
        &[],
        "bad.csv:3: found 2 fields, expected 3 as in the header",
    );
}

#[test]
fn non_numeric_cell() {
    rejects(
        "id,lat\na,1\nb,12ms\n",
        &[],
        "bad.csv:3:2: column \"lat\": cannot parse \"12ms\" as a number (write the bare number, without its unit)",
    );
}

#[test]
fn lines_of_crlf_and_blank_lines_count_as_an_editor_shows_them() {
    rejects(
        "id,lat\r\na,1\r\n\r\nb,12ms\r\n",
        &[],
        "bad.csv:4:2: column \"lat\": cannot parse \"12ms\"",
    );
}

#[test]
fn nan_cell() {
    rejects(
        "id,lat\na,1\nb,NaN\n",
        &[],
        "bad.csv:3:2: column \"lat\": missing value \"NaN\"",
    );
}

#[test]
fn inf_cell() {
    rejects(
        "id,lat\na,1\nb,inf\n",
        &[],
        "bad.csv:3:2: column \"lat\": \"inf\" is not a finite number",
    );
}

#[test]
fn empty_file() {
    rejects(
        "",
        &[],
        "bad.csv: the file is empty: expected a header line naming the columns",
    );
}

#[test]
fn header_only() {
    rejects(
        "id,lat\n",
        &["--features", "lat"],
        "bad.csv: no data rows below the header",
    );
    rejects("id,lat\n", &[], "bad.csv: no data rows below the header");
}

#[test]
fn unknown_feature_column() {
    // A flag naming a column the input lacks is a usage error.
    rejects_with(
        2,
        "id,lat\na,1\n",
        &["--features", "p99"],
        "bad.csv: no column named \"p99\" (the columns are: id, lat)",
    );
}

#[test]
fn log1p_out_of_domain() {
    rejects(
        "id,lat\na,1\nb,-3\n",
        &["--log1p", "lat"],
        "bad.csv:3:2: column \"lat\": -3 is outside log1p's domain",
    );
}

#[test]
fn missing_file() {
    let wd = Workdir::new();
    wd.cmd()
        .args(["describe", "nope.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope.csv: No such file or directory"));
}

#[test]
fn usage_errors_exit_2_and_help_documents_exit_codes() {
    let wd = Workdir::new();
    wd.cmd().args(["describe"]).assert().code(2);
    wd.cmd().args(["frobnicate"]).assert().code(2);
    wd.cmd()
        .args(["describe", "x.csv", "--scale", "zscore"])
        .assert()
        .code(2);
    wd.cmd()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"));
}
