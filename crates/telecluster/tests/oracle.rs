//! telecluster against scikit-learn, scipy and pandas: the committed fixtures of
//! `scripts/gen_fixtures.py` (pinned versions and provenance inside each file).

use std::path::{Path, PathBuf};

use serde_json::Value;
use telecluster::data::describe::describe;
use telecluster::io::{read_path, ReadOptions};
use telecluster::prep::{Scaler, Scaling};
use telecluster::Matrix;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn load_json(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn matrix(v: &Value) -> Matrix {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
        .collect();
    Matrix::from_rows(&rows).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// |a - b| <= tol * max(1, |b|): absolute near zero, relative for large values.
fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}[{i}]: got {g}, want {w}"
        );
    }
}

#[test]
fn scalers_equal_scikit_learn_and_round_trip() {
    let fx = load_json("scalers.json");
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&case["x"]);
        for (key, kind) in [
            ("standard", Scaling::Standard),
            ("robust", Scaling::Robust),
            ("minmax", Scaling::MinMax),
        ] {
            let what = format!("{name}/{key}");
            let want = &case[key];
            let s = Scaler::fit(kind, &x);
            assert_close(s.center(), &floats(&want["center"]), 1e-12, &format!("{what} center"));
            assert_close(s.scale(), &floats(&want["scale"]), 1e-12, &format!("{what} scale"));
            let z = s.transform(&x).unwrap();
            assert_close(z.as_slice(), matrix(&want["z"]).as_slice(), 1e-12, &format!("{what} z"));
            let back = s.inverse_transform(&z).unwrap();
            assert_close(back.as_slice(), x.as_slice(), 1e-12, &format!("{what} inverse"));
        }
    }
}

#[test]
fn generated_csv_reads_back_as_320_by_2() {
    let report = read_path(&fixture("telemetry_seed42.csv"), &ReadOptions::default()).unwrap();
    let t = report.table;
    assert_eq!((t.x().n_rows(), t.x().n_cols()), (320, 2));
    assert_eq!(t.features(), ["latency_ms", "error_rate_pct"]);
    assert_eq!(t.ids().unwrap().name, "endpoint");
    assert_eq!(t.carried()[0].name, "group");
}

#[test]
fn describe_equals_pandas() {
    let fx = load_json("describe_seed42.json");
    let t = read_path(&fixture("telemetry_seed42.csv"), &ReadOptions::default())
        .unwrap()
        .table;
    let d = describe(&t, t.x());
    assert_eq!(d.rows as u64, fx["rows"].as_u64().unwrap());
    let mut seen = 0;
    for c in d.columns.iter().filter(|c| c.stats.is_some()) {
        let s = c.stats.as_ref().unwrap();
        let want = &fx["features"][&c.name];
        assert_eq!(s.n as u64, want["n"].as_u64().unwrap());
        let got = [s.mean, s.std, s.min, s.median, s.p95, s.max];
        let keys = ["mean", "std", "min", "median", "p95", "max"];
        let want: Vec<f64> = keys.iter().map(|k| want[*k].as_f64().unwrap()).collect();
        assert_close(&got, &want, 1e-9, &c.name);
        seen += 1;
    }
    assert_eq!(seen, 2);
}

mod kmeans {
    use super::*;
    use telecluster::cluster::{Algorithm, Init, KMeansParams};
    use telecluster::prep::{Prep, PrepParams};

    fn cases() -> Vec<Value> {
        load_json("kmeans.json")["cases"].as_array().unwrap().clone()
    }

    #[test]
    fn given_init_equals_scikit_learn_at_every_iteration_count() {
        let mut checked = 0;
        for case in cases() {
            let name = case["name"].as_str().unwrap();
            let x = matrix(&case["x"]);
            for g in case["given"].as_array().unwrap() {
                let k = g["k"].as_u64().unwrap() as usize;
                let max_iter = g["max_iter"].as_u64().unwrap() as usize;
                let init = x.select_rows(&(0..k).collect::<Vec<_>>());
                for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::KdTree] {
                    let what = format!("{name} k={k} max_iter={max_iter} {algorithm:?}");
                    let m = KMeansParams::new(k)
                        .init(Init::Given(init.clone()))
                        .max_iter(max_iter)
                        .tol(0.0)
                        .algorithm(algorithm)
                        .check()
                        .unwrap()
                        .fit(&x)
                        .unwrap();
                    assert_close(
                        m.centroids().as_slice(),
                        matrix(&g["centroids"]).as_slice(),
                        1e-9,
                        &what,
                    );
                    assert_close(&[m.inertia()], &[g["inertia"].as_f64().unwrap()], 1e-9, &what);
                    assert_eq!(m.n_iter() as u64, g["n_iter"].as_u64().unwrap(), "{what}");
                    let want: Vec<u32> = g["labels"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap() as u32)
                        .collect();
                    assert_eq!(m.labels(), want.as_slice(), "{what}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 4 * 8 * 3);
    }

    #[test]
    fn defaults_reach_scikit_learns_best_of_ten() {
        for case in cases() {
            let name = case["name"].as_str().unwrap();
            let x = matrix(&case["x"]);
            let m = KMeansParams::new(3).check().unwrap().fit(&x).unwrap();
            let best = case["best_of_10"]["inertia"].as_f64().unwrap();
            assert!(m.inertia() <= best * (1.0 + 1e-9), "{name}: {} > {best}", m.inertia());
        }
    }

    #[test]
    fn seed_elbow_inertias_reach_scikit_learns_best_of_ten() {
        for case in cases().into_iter().filter(|c| c["name"] == "seed") {
            let name = case["name"].as_str().unwrap();
            let x = matrix(&case["x"]);
            for (i, want) in floats(&case["elbow"]).into_iter().enumerate() {
                let m = KMeansParams::new(i + 1).check().unwrap().fit(&x).unwrap();
                assert!(
                    m.inertia() <= want * (1.0 + 1e-9),
                    "{name} k={}: {} > {want}",
                    i + 1,
                    m.inertia()
                );
            }
        }
    }

    /// scikit-learn's best-of-10 at random_state=0 is a lucky draw on iris and wine for k >= 4
    /// (its own best of 10 reaches it for only some seeds). Over seeds 0..29, ours must reach
    /// it at least as often as scikit-learn's does.
    #[test]
    fn elbow_optima_are_reached_at_least_as_often_as_by_scikit_learn() {
        for case in cases() {
            let name = case["name"].as_str().unwrap();
            let x = matrix(&case["x"]);
            let targets = floats(&case["elbow"]);
            let theirs = floats(&case["elbow_hit_rate"]);
            for (i, (&want, &rate)) in targets.iter().zip(&theirs).enumerate() {
                let hits = (0..30u64)
                    .filter(|&s| {
                        let m = KMeansParams::new(i + 1).seed(s).check().unwrap().fit(&x).unwrap();
                        m.inertia() <= want * (1.0 + 1e-9)
                    })
                    .count();
                let ours = hits as f64 / 30.0;
                assert!(
                    ours >= rate,
                    "{name} k={}: reached in {ours:.2} of seeds, scikit-learn {rate:.2}",
                    i + 1
                );
            }
        }
    }

    #[test]
    fn telemetry_centroids_in_original_units_equal_scikit_learns() {
        let case = cases().into_iter().find(|c| c["name"] == "telemetry_seed42").unwrap();
        let t = read_path(&fixture("telemetry_seed42.csv"), &ReadOptions::default())
            .unwrap()
            .table;
        let (prep, z) = Prep::fit_transform(&PrepParams::default(), t.x(), t.features()).unwrap();
        let m = KMeansParams::new(3).check().unwrap().fit(&z).unwrap();
        let ours = prep.inverse_transform(m.centroids()).unwrap();
        let mut ours: Vec<Vec<f64>> = ours.rows().map(<[f64]>::to_vec).collect();
        let mut want: Vec<Vec<f64>> = matrix(&case["best_of_10"]["centroids_original_units"])
            .rows()
            .map(<[f64]>::to_vec)
            .collect();
        let key = |r: &Vec<f64>| (r[0] * 1e6) as i64;
        ours.sort_by_key(key);
        want.sort_by_key(key);
        for (o, w) in ours.iter().zip(&want) {
            assert_close(o, w, 1e-9, "telemetry centroid");
        }
    }
}

mod dbscan {
    use super::*;
    use telecluster::cluster::dbscan::Index;
    use telecluster::cluster::DbscanParams;

    #[test]
    fn labels_and_core_indices_equal_scikit_learn_on_every_index() {
        let fixture = load_json("dbscan.json");
        let mut checked = 0;
        let mut shared = 0;
        for case in fixture["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let x = matrix(&case["x"]);
            for fit in case["fits"].as_array().unwrap() {
                let eps = fit["eps"].as_f64().unwrap();
                let ms = fit["min_samples"].as_u64().unwrap() as usize;
                let want: Vec<i64> = fit["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap())
                    .collect();
                let want_core: Vec<usize> = fit["core_sample_indices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as usize)
                    .collect();
                for index in [Index::Auto, Index::Grid, Index::KdTree] {
                    let m = DbscanParams::new(eps, ms)
                        .index(index)
                        .check()
                        .unwrap()
                        .fit(&x)
                        .unwrap();
                    let got: Vec<i64> = m.labels().iter().map(|l| l.as_i64()).collect();
                    assert_eq!(got, want, "{name} eps={eps} min_samples={ms} {index:?}");
                    assert_eq!(m.core_indices(), want_core, "{name} eps={eps} {index:?}: core indices");
                    assert_eq!(m.n_noise() as u64, fit["n_noise"].as_u64().unwrap());
                    checked += 1;
                }
                shared += fit["shared_border_rows"].as_u64().unwrap();
            }
        }
        assert_eq!(checked, 30);
        // The fixtures include border rows reachable from two clusters (the border case has 3).
        assert!(shared >= 3, "{shared}");
    }
}

mod hierarchy {
    use super::*;
    use telecluster::cluster::linkage::{Cut, LinkageParams, Method};
    use telecluster::report::plot::dendrogram::{visible_leaves, Truncate};

    fn cases() -> Vec<Value> {
        load_json("hierarchy.json")["cases"].as_array().unwrap().clone()
    }

    fn labels(v: &Value) -> Vec<u32> {
        // scipy numbers flat clusters from 1.
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32 - 1)
            .collect()
    }

    #[test]
    fn linkage_cuts_leaves_and_cophenet_equal_scipy() {
        let mut checked = 0;
        let mut lastp = 0;
        for case in cases() {
            let name = case["name"].as_str().unwrap();
            let x = matrix(&case["x"]);
            for fit in case["methods"].as_array().unwrap() {
                let method: Method = fit["method"].as_str().unwrap().parse().unwrap();
                let what = format!("{name} {method}");
                let tree = LinkageParams::new(method).check().unwrap().fit(&x).unwrap();
                let want = fit["Z"].as_array().unwrap();
                assert_eq!(tree.merges().len(), want.len(), "{what}");
                for (i, (m, w)) in tree.merges().iter().zip(want).enumerate() {
                    let w = floats(w);
                    assert_eq!(
                        (m.a, m.b, m.size),
                        (w[0] as usize, w[1] as usize, w[3] as usize),
                        "{what}: merge {i}"
                    );
                    assert_close(&[m.height], &[w[2]], 1e-9, &format!("{what}: height of merge {i}"));
                }
                let leaves: Vec<usize> = fit["leaves"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as usize)
                    .collect();
                assert_eq!(tree.leaves(), leaves, "{what}: leaves");
                for (p, want) in fit["leaves_lastp"].as_object().unwrap() {
                    let want: Vec<usize> = want
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap() as usize)
                        .collect();
                    let got = visible_leaves(&tree, Truncate::LastP(p.parse().unwrap()));
                    assert_eq!(got, want, "{what}: leaves of the lastp:{p} dendrogram");
                    lastp += 1;
                }
                let c = tree.cophenetic_correlation(&x).unwrap();
                assert_close(
                    &[c],
                    &[fit["cophenetic_correlation"].as_f64().unwrap()],
                    1e-9,
                    &format!("{what}: cophenet"),
                );
                for cut in fit["maxclust"].as_array().unwrap() {
                    let k = cut["k"].as_u64().unwrap() as usize;
                    assert_eq!(
                        tree.cut(Cut::MaxClusters(k)).unwrap(),
                        labels(&cut["labels"]),
                        "{what}: maxclust {k}"
                    );
                }
                for cut in fit["distance"].as_array().unwrap() {
                    let h = cut["height"].as_f64().unwrap();
                    assert_eq!(
                        tree.cut(Cut::Height(h)).unwrap(),
                        labels(&cut["labels"]),
                        "{what}: distance {h}"
                    );
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 35);
        assert_eq!(lastp, 7 * (1 + 2 + 3 + 3 + 3));
    }
}
