//! `diff`: two windows of generated telemetry, matched by id; consensus anomalies on the seed
//! telemetry, whose injected anomalies are known.

use telecluster::analysis::{analyse, AnalysisParams, Prepared};
use telecluster::analysis::{dbscan_part, kmeans_part, DbscanPartParams, KMeansPartParams};
use telecluster::data::synth::{seed_telemetry, TelemetrySpec};
use telecluster::diff::{diff, ChangeKind};
use telecluster::model::Model;
use telecluster::prep::{PrepParams, Scaling};
use telecluster::rng::Rng;
use telecluster::{Error, Matrix, Table};

fn group_of(t: &Table) -> Vec<String> {
    t.carried().iter().find(|c| c.name == "group").unwrap().values.clone()
}

/// The same endpoints with every value jittered by up to ±`jitter` (relative), and the rows in
/// `slow` ten times slower.
fn after_window(t: &Table, slow: &[usize], jitter: f64, seed: u64) -> Table {
    let mut rng = Rng::new(seed);
    let lat = t.feature_index("latency_ms").unwrap();
    let rows: Vec<Vec<f64>> = (0..t.n_rows())
        .map(|i| {
            (0..t.x().n_cols())
                .map(|f| {
                    let v = t.x().get(i, f) * (1.0 + jitter * rng.uniform_in(-1.0, 1.0));
                    if f == lat && slow.contains(&i) {
                        v * 10.0
                    } else {
                        v
                    }
                })
                .collect()
        })
        .collect();
    let ids: Vec<String> = (0..t.n_rows()).map(|i| t.label(i)).collect();
    Table::from_matrix(t.features().to_vec(), Matrix::from_rows(&rows).unwrap())
        .unwrap()
        .with_ids("endpoint", ids)
        .unwrap()
        .with_source("after.csv")
}

fn fitted(t: &Table, dbscan: bool) -> Model {
    let data = Prepared::new(t, &PrepParams::new(Scaling::Standard)).unwrap();
    if dbscan {
        let part = dbscan_part(&data, &DbscanPartParams::default(), &mut |_| {}).unwrap();
        Model::from_dbscan(&data, &part).unwrap()
    } else {
        let part = kmeans_part(&data, &KMeansPartParams::default(), &mut |_| {}).unwrap();
        Model::from_kmeans(&data, &part).unwrap()
    }
}

#[test]
fn five_endpoints_made_slow_are_listed_first() {
    for seed in [42, 7, 1234] {
        let before = seed_telemetry(&TelemetrySpec {
            seed,
            ..TelemetrySpec::default()
        })
        .unwrap();
        let groups = group_of(&before);
        // Five healthy endpoints, spread over the window.
        let healthy: Vec<usize> = (0..before.n_rows()).filter(|&i| groups[i] == "healthy").collect();
        let slow: Vec<usize> = (0..5).map(|k| healthy[k * healthy.len() / 5]).collect();
        let after = after_window(&before, &slow, 0.05, seed);
        for dbscan in [true, false] {
            let d = diff(&fitted(&before, dbscan), &before, &after).unwrap();
            let mut first: Vec<String> = d.changes.iter().take(5).map(|c| c.id.clone()).collect();
            let mut expected: Vec<String> = slow.iter().map(|&i| before.label(i)).collect();
            first.sort();
            expected.sort();
            assert_eq!(
                first,
                expected,
                "seed {seed}, dbscan {dbscan}: {:#?}",
                &d.changes[..6.min(d.changes.len())]
            );
            for c in &d.changes[..5] {
                assert_eq!(c.deltas[0].feature, "latency_ms");
                let dl = &c.deltas[0];
                assert!((dl.after / dl.before - 10.0).abs() < 0.6, "{dl:?}");
                assert!(c.what.contains(&ChangeKind::ChangedCluster) || c.what.contains(&ChangeKind::BecameAnomalous));
                assert_eq!(c.before.as_ref().unwrap().cluster_name.as_deref(), Some("healthy"));
            }
            assert!(d.changes.windows(2).all(|w| w[0].significance >= w[1].significance));
            assert_eq!(d.matched, before.n_rows());
            assert_eq!(d.unchanged + d.changes.len(), d.matched);
        }
    }
}

#[test]
fn entities_that_appear_or_disappear_are_listed_after_the_moves() {
    let before = seed_telemetry(&TelemetrySpec::default()).unwrap();
    let after = after_window(&before, &[0], 0.0, 1);
    // Drop row 3 from after, and rename row 5: one disappears, one appears and one disappears.
    let keep: Vec<usize> = (0..after.n_rows()).filter(|&i| i != 3).collect();
    let mut ids: Vec<String> = keep.iter().map(|&i| after.label(i)).collect();
    let renamed = keep.iter().position(|&i| i == 5).unwrap();
    ids[renamed] = "GET /new".into();
    let after = Table::from_matrix(after.features().to_vec(), after.x().select_rows(&keep))
        .unwrap()
        .with_ids("endpoint", ids)
        .unwrap();
    let d = diff(&fitted(&before, true), &before, &after).unwrap();
    let kinds: Vec<(&str, Vec<ChangeKind>)> = d.changes.iter().map(|c| (c.id.as_str(), c.what.clone())).collect();
    let n = kinds.len();
    assert_eq!(kinds[n - 3], ("GET /new", vec![ChangeKind::Appeared]));
    let mut gone: Vec<&str> = kinds[n - 2..].iter().map(|k| k.0).collect();
    gone.sort();
    let mut expected = vec![before.label(3), before.label(5)];
    expected.sort();
    assert_eq!(gone, expected);
    assert_eq!(d.changes[0].id, before.label(0));
    assert_eq!(d.matched, before.n_rows() - 2);
}

#[test]
fn an_id_twice_in_a_window_is_refused() {
    let before = seed_telemetry(&TelemetrySpec::default()).unwrap();
    let ids: Vec<String> = (0..before.n_rows())
        .map(|i| if i == 9 { before.label(2) } else { before.label(i) })
        .collect();
    let twice = Table::from_matrix(before.features().to_vec(), before.x().clone())
        .unwrap()
        .with_ids("endpoint", ids)
        .unwrap();
    match diff(&fitted(&before, false), &before, &twice) {
        Err(e @ Error::DuplicateId { .. }) => {
            assert!(e.to_string().starts_with("row 10: id"), "{e}");
            assert!(e.to_string().contains("first at row 3"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

/// Average precision of `scores` ranking the rows where `positive` holds.
fn average_precision(scores: &[f64], positive: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let (mut hits, mut sum) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if positive[i] {
            hits += 1.0;
            sum += hits / (k + 1) as f64;
        }
    }
    sum / hits.max(1.0)
}

#[test]
fn consensus_ranks_the_injected_anomalies_first() {
    for seed in [42, 3, 99] {
        let t = seed_telemetry(&TelemetrySpec {
            seed,
            ..TelemetrySpec::default()
        })
        .unwrap();
        let truth: Vec<bool> = group_of(&t).iter().map(|g| g == "anomaly").collect();
        let a = analyse(&t, &AnalysisParams::default(), &mut |_| {}).unwrap();
        let c = &a.consensus;
        assert_eq!(c.rank_scores.len(), t.n_rows());
        assert!(c
            .anomalies
            .iter()
            .all(|x| x.confidence >= 2 && x.confidence <= x.of && x.of == 4));
        assert!(c.anomalies.windows(2).all(|w| w[0].rank_score >= w[1].rank_score));
        let ap_consensus = average_precision(&c.rank_scores, &truth);
        let ap_dbscan = average_precision(&a.dbscan.scores, &truth);
        assert!(ap_consensus >= 0.95, "seed {seed}: {ap_consensus}");
        assert!(
            ap_consensus >= ap_dbscan - 1e-9,
            "seed {seed}: {ap_consensus} < {ap_dbscan}"
        );
        // The why names the views and the strongest deviation, in original units.
        let top = c.anomalies[0].to_string();
        assert!(top.contains(" views (") && top.contains("cluster median"), "{top}");
    }
}
