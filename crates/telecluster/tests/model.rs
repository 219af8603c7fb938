//! Saved models: round trips on the seed telemetry, features matched by name, hand-made DBSCAN
//! cases, version checks, and a committed model that must keep reading.

use telecluster::analysis::{
    dbscan_part, kmeans_part, DbscanPartParams, EpsChoice, KChoice, KMeansPartParams, Prepared,
};
use telecluster::data::synth::{seed_telemetry, TelemetrySpec};
use telecluster::model::{Method, Model};
use telecluster::prep::{PrepParams, Scaling};
use telecluster::{Error, Matrix, Table};

fn seed() -> Table {
    seed_telemetry(&TelemetrySpec::default()).unwrap()
}

fn kmeans_model(t: &Table) -> (Model, Vec<u32>) {
    let data = Prepared::new(t, &PrepParams::new(Scaling::Standard)).unwrap();
    let p = KMeansPartParams {
        n_clusters: KChoice::Given(3),
        ..KMeansPartParams::default()
    };
    let part = kmeans_part(&data, &p, &mut |_| {}).unwrap();
    (Model::from_kmeans(&data, &part).unwrap(), part.labels)
}

fn dbscan_model(t: &Table, eps: EpsChoice, min_samples: usize) -> (Model, Vec<Option<u32>>) {
    let data = Prepared::new(t, &PrepParams::new(Scaling::Standard)).unwrap();
    let p = DbscanPartParams {
        eps,
        min_samples: Some(min_samples),
        ..DbscanPartParams::default()
    };
    let part = dbscan_part(&data, &p, &mut |_| {}).unwrap();
    let labels = part.labels.iter().map(|l| l.cluster()).collect();
    (Model::from_dbscan(&data, &part).unwrap(), labels)
}

#[test]
fn kmeans_round_trip_gives_the_fit_labels() {
    let t = seed();
    let (model, labels) = kmeans_model(&t);
    let back = Model::from_json(&model.to_json(), "m.json").unwrap();
    assert_eq!(back, model);
    let scored = back.score(&t).unwrap();
    let got: Vec<u32> = scored.iter().map(|s| s.cluster.unwrap()).collect();
    assert_eq!(got, labels);
    assert!(
        scored.iter().all(|s| !s.anomalous),
        "training rows are never beyond every member"
    );
    // A row far from every group is anomalous, with reasons in original units.
    let far = Table::from_matrix(t.features().to_vec(), Matrix::from_rows(&[[5000.0, 90.0]]).unwrap()).unwrap();
    let s = &back.score(&far).unwrap()[0];
    assert!(s.anomalous && s.score > 10.0 && !s.reasons.is_empty(), "{s:?}");
}

#[test]
fn dbscan_round_trip_gives_the_fit_labels_for_core_and_border_points() {
    let t = seed();
    for (eps, min_samples) in [
        (EpsChoice::Auto, 4),
        (EpsChoice::Given(0.3), 5),
        (EpsChoice::Given(0.15), 3),
    ] {
        let (model, labels) = dbscan_model(&t, eps, min_samples);
        let back = Model::from_json(&model.to_json(), "m.json").unwrap();
        let scored = back.score(&t).unwrap();
        let got: Vec<Option<u32>> = scored.iter().map(|s| s.cluster).collect();
        assert_eq!(got, labels, "eps {eps:?}, min_samples {min_samples}");
        assert!(scored.iter().all(|s| s.anomalous == s.cluster.is_none()));
    }
}

#[test]
fn dbscan_new_points_take_the_cluster_of_a_core_point_within_eps() {
    // Two tight groups on a line, scaled with `none` so eps is in the data's units.
    let mut rows: Vec<[f64; 2]> = (0..10).map(|i| [i as f64 * 0.1, 0.0]).collect();
    rows.extend((0..10).map(|i| [10.0 + i as f64 * 0.1, 0.0]));
    let t = Table::from_matrix(vec!["a".into(), "b".into()], Matrix::from_rows(&rows).unwrap()).unwrap();
    let data = Prepared::new(&t, &PrepParams::new(Scaling::None)).unwrap();
    let p = DbscanPartParams {
        eps: EpsChoice::Given(0.25),
        min_samples: Some(3),
        ..DbscanPartParams::default()
    };
    let part = dbscan_part(&data, &p, &mut |_| {}).unwrap();
    let model = Model::from_dbscan(&data, &part).unwrap();
    let new = Table::from_matrix(
        vec!["b".into(), "a".into()], // reordered: matched by name
        Matrix::from_rows(&[[0.0, 0.5], [0.0, 1.1], [0.0, 10.95], [0.0, 5.0], [0.2, 10.0]]).unwrap(),
    )
    .unwrap();
    let s = model.score(&new).unwrap();
    let clusters: Vec<Option<u32>> = s.iter().map(|s| s.cluster).collect();
    assert_eq!(clusters, [Some(0), Some(0), Some(1), None, Some(1)]);
    assert!(s[3].anomalous && s[3].score > s[0].score);
}

#[test]
fn missing_features_and_other_versions_are_refused() {
    let t = seed();
    let (model, _) = kmeans_model(&t);
    let renamed = Table::from_matrix(vec!["latency_ms".into(), "errors".into()], t.x().clone()).unwrap();
    match model.score(&renamed) {
        Err(Error::UnknownColumn { name, .. }) => assert_eq!(name, "error_rate_pct"),
        other => panic!("{other:?}"),
    }
    let current = format!("\"format_version\": \"{}\"", telecluster::model::FORMAT_VERSION);
    let json = model.to_json().replace(&current, "\"format_version\": \"2.0\"");
    let e = Model::from_json(&json, "m.json").unwrap_err();
    assert!(e.to_string().starts_with("m.json: format_version \"2.0\""), "{e}");
    assert!(Model::from_json(&model.to_json().replace(&current, "\"format_version\": \"1.7\""), "m").is_ok());
    assert!(Model::from_json("{}", "m.json").is_err());
    // Arrays that disagree with the features are refused, not a panic when scoring.
    let mut v: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    v["prep"]["scaler"]["center"] = serde_json::json!([1.0]);
    let e = Model::from_json(&v.to_string(), "m.json").unwrap_err();
    assert!(e.to_string().contains("width of its 2 features"), "{e}");
    let mut v: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    v["method"]["centroids"][1] = serde_json::json!([0.5]);
    assert!(Model::from_json(&v.to_string(), "m.json").is_err());
    assert!(Model::from_json("[1,", "m.json").is_err());
}

#[test]
fn committed_models_keep_reading() {
    // Written at format 1.0 by `telecluster generate -o seed.csv`, then `telecluster kmeans
    // seed.csv --k 3 --save-model model-kmeans-v1.json` and `telecluster dbscan seed.csv
    // --min-samples 4 --save-model model-dbscan-v1.json`. A change that cannot read them needs a
    // new major format version.
    let t = seed();
    for (file, method) in [("model-kmeans-v1.json", "kmeans"), ("model-dbscan-v1.json", "dbscan")] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let m = Model::from_json(&text, file).unwrap();
        let fresh = if method == "kmeans" {
            kmeans_model(&t).0
        } else {
            dbscan_model(&t, EpsChoice::Auto, 4).0
        };
        assert_eq!(m.method, fresh.method, "{file}");
        assert!(matches!(
            (&m.method, method),
            (Method::Kmeans(_), "kmeans") | (Method::Dbscan(_), "dbscan")
        ));
        // 1.0 files have no fleet and no fence: the same clusters, scores and reasons, and
        // one view (no group) where a fresh model has three.
        let (old, new) = (m.score(&t).unwrap(), fresh.score(&t).unwrap());
        assert_eq!(old.len(), new.len());
        for (o, n) in old.iter().zip(&new) {
            assert_eq!(
                (o.cluster, o.score, o.anomalous, &o.reasons),
                (n.cluster, n.score, n.anomalous, &n.reasons)
            );
            assert_eq!((o.of, o.confidence), (1, usize::from(o.anomalous)));
            assert_eq!(n.of, 3);
        }
        assert!(m.fleet.is_none() && fresh.fleet.is_some() && fresh.score_fence.is_some());
    }
}
