//! DBSCAN on many rows: the work estimate.
use super::*;

#[test]
fn a_work_estimate_is_printed_before_a_large_fit() {
    let wd = Workdir::new();
    wd.cmd()
        .args(["generate", "--endpoints", "100000", "-o", "big.csv"])
        .assert()
        .success();
    wd.cmd()
        .args(["dbscan", "big.csv", "--eps", "0.05", "--min-samples", "8", "--top", "1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("100020 rows: about"))
        .stderr(predicate::str::contains("neighbours per row within eps"))
        .stderr(predicate::str::contains("(from a 2000-row sample)"));
    // small inputs go straight to the fit
    wd.cmd()
        .arg("dbscan")
        .arg(fixture("telemetry_seed42.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("neighbours per row").not());
}
