//! The fuzz targets' entry points on their committed seeds (`fuzz/seeds/`): the targets stay
//! compiled and runnable by `cargo test`, and a crash the fuzzer finds is added there as a seed,
//! so it stays a regression test.

use std::path::Path;

/// A fuzz target's entry point.
type Target = fn(&[u8]);

#[test]
fn every_seed_runs_through_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let targets: [(&str, Target); 5] = [
        ("csv", telecluster::fuzz::csv),
        ("log_lines", telecluster::fuzz::log_lines),
        ("formats", telecluster::fuzz::formats),
        ("prometheus", telecluster::fuzz::prometheus),
        ("model", telecluster::fuzz::model),
    ];
    for (name, target) in targets {
        let mut seen = 0;
        for entry in std::fs::read_dir(root.join(name)).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            target(&data);
            // Truncations are the commonest malformed input.
            for cut in [0, 1, data.len() / 3, data.len() / 2, data.len().saturating_sub(1)] {
                target(&data[..cut.min(data.len())]);
            }
            seen += 1;
        }
        assert!(seen > 0, "no seed for {name}");
    }
}
