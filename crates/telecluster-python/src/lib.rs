//! `telecluster._native`: the library's engines for the Python package.
//!
//! Every function here is stateless: it takes NumPy arrays and parameters, calls the library with
//! the GIL released, and gives back NumPy arrays. The estimators (`python/telecluster`) keep their
//! fitted state as plain arrays, so they pickle, clone and compare as scikit-learn expects, and
//! they validate their inputs with scikit-learn's own helpers before calling in here.
//!
//! Inputs are C-contiguous `float64` arrays (the Python side converts anything else once); they
//! are read in place, without a copy. Library errors become `ValueError` with the library's
//! message.

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::atomic::{AtomicU64, Ordering};

mod state;

use telecluster::analysis::{self, auto_eps, AnalysisParams, EpsChoice, KChoice, Prepared};
use telecluster::cluster::kmeans::{assign, distances};
use telecluster::cluster::linkage::{Dendrogram, LinkageParams, Method};
use telecluster::cluster::{Algorithm, DbscanParams, Init, KMeans, KMeansParams};
use telecluster::io::logs::ingest;
use telecluster::io::logs::route::RouteMap;
use telecluster::io::prometheus::{self, Auth, PromOptions, Range, Reduce, Source};
use telecluster::io::time::parse_duration;
use telecluster::model::DbscanModel;
use telecluster::model::Model;
use telecluster::prep::{PrepParams, Scaling};
use telecluster::report::{html::html, pictures};
use telecluster::select::elbow::{sweep, ElbowParams};
use telecluster::{interrupt, Matrix, MatrixRef, Param, Table};

type Array2<'py> = Bound<'py, PyArray2<f64>>;
type F64s<'py> = Bound<'py, PyArray1<f64>>;
type I32s<'py> = Bound<'py, PyArray1<i32>>;
type I64s<'py> = Bound<'py, PyArray1<i64>>;
type Sweep<'py> = Bound<'py, PyDict>;

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A library error as Python users expect it: a file that cannot be read is an `OSError`
/// (`FileNotFoundError` when it is missing), an interrupted fit `KeyboardInterrupt`, anything
/// else a `ValueError`; the message is the library's, naming the file, line and column.
fn py_err(e: telecluster::Error) -> PyErr {
    match &e {
        telecluster::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(e.to_string())
        }
        telecluster::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        telecluster::Error::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        _ => value_error(e),
    }
}

/// A read-only, row-major view of a C-contiguous float64 array, checked finite.
fn view<'a>(x: &'a PyReadonlyArray2<'_, f64>, name: &str) -> PyResult<MatrixRef<'a>> {
    let (n, d) = (x.shape()[0], x.shape()[1]);
    let data = x
        .as_slice()
        .map_err(|_| value_error(format!("{name} must be a C-contiguous float64 array")))?;
    MatrixRef::new(data, n, d).map_err(|e| value_error(format!("{name}: {e}")))
}

fn matrix_to_py<'py>(py: Python<'py>, m: Matrix) -> PyResult<Array2<'py>> {
    let (n, d) = (m.n_rows(), m.n_cols());
    m.into_vec().into_pyarray(py).reshape([n, d])
}

/// How long the library took in the last interruptible call, for the benchmark that tells the
/// binding's own cost (`bench/python_estimators.py`).
static LAST_CALL_NS: AtomicU64 = AtomicU64::new(0);

/// Seconds the library itself spent in the last fit (the rest of a call's time is the binding's:
/// conversions, checks, the thread hand-off).
#[pyfunction]
fn last_call_seconds() -> f64 {
    LAST_CALL_NS.load(Ordering::Relaxed) as f64 / 1e9
}

/// Runs `work` without the GIL on another thread while this one, every 50 ms, lets Python's
/// signal handlers run: Ctrl-C in a notebook asks the library to stop (`telecluster::interrupt`),
/// the work returns early, and the caller gets `KeyboardInterrupt`.
fn interruptible<T: Send>(py: Python<'_>, work: impl FnOnce() -> telecluster::Result<T> + Send) -> PyResult<T> {
    let (out, signal) = py.detach(|| {
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            s.spawn(move || {
                let start = std::time::Instant::now();
                let out = work();
                LAST_CALL_NS.store(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
                // A panic drops `tx` unsent: the receiver then sees the channel closed.
                let _ = tx.send(out);
            });
            let mut signal = None;
            loop {
                match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                    Ok(out) => break (Some(out), signal),
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break (None, signal),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) if signal.is_none() => {
                        if let Err(e) = Python::attach(|py| py.check_signals()) {
                            interrupt::request();
                            signal = Some(e);
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                }
            }
        })
    });
    if signal.is_some() {
        interrupt::clear();
    }
    match (out, signal) {
        (_, Some(e)) => Err(e),
        (Some(Ok(v)), None) => Ok(v),
        (Some(Err(e)), None) => Err(py_err(e)),
        (None, None) => Err(PyValueError::new_err("telecluster: internal error (a worker panicked)")),
    }
}

fn algorithm(name: &str) -> PyResult<Algorithm> {
    Ok(match name {
        "auto" => Algorithm::Auto,
        "lloyd" => Algorithm::Lloyd,
        "hamerly" | "elkan" => Algorithm::Hamerly,
        "kdtree" => Algorithm::KdTree,
        other => {
            return Err(value_error(format!(
                "algorithm must be 'lloyd', 'elkan', 'hamerly', 'kdtree' or 'auto', got {other:?}"
            )))
        }
    })
}

#[allow(clippy::too_many_arguments)] // Python's parameters, one to one
fn kmeans_params(
    n_clusters: usize,
    init: &str,
    centres: Option<&PyReadonlyArray2<'_, f64>>,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
    algo: &str,
) -> PyResult<KMeansParams> {
    let init = match (init, centres) {
        (_, Some(c)) => Init::Given(view(c, "init")?.to_matrix()),
        ("k-means++", None) => Init::KMeansPlusPlus,
        ("random", None) => Init::Random,
        (other, None) => {
            return Err(value_error(format!(
                "init must be 'k-means++', 'random' or an array of centres, got {other:?}"
            )))
        }
    };
    Ok(KMeansParams::new(n_clusters)
        .init(init)
        .n_init(n_init)
        .max_iter(max_iter)
        .tol(tol)
        .seed(seed)
        .algorithm(algorithm(algo)?))
}

/// Fits K-Means; returns (centres, labels, inertia, n_iter).
#[pyfunction]
#[pyo3(signature = (x, n_clusters, init, centres, n_init, max_iter, tol, seed, algorithm))]
#[allow(clippy::too_many_arguments)]
fn kmeans_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    n_clusters: usize,
    init: &str,
    centres: Option<PyReadonlyArray2<'py, f64>>,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
    algorithm: &str,
) -> PyResult<(Array2<'py>, I32s<'py>, f64, usize)> {
    let params = kmeans_params(
        n_clusters,
        init,
        centres.as_ref(),
        n_init,
        max_iter,
        tol,
        seed,
        algorithm,
    )?
    .check()
    .map_err(py_err)?;
    let xv = view(&x, "X")?;
    let m = interruptible(py, || params.fit(xv))?;
    fitted(py, &m)
}

/// (centres, labels, inertia, n_iter) of a fitted K-Means.
fn fitted<'py>(py: Python<'py>, m: &KMeans) -> PyResult<(Array2<'py>, I32s<'py>, f64, usize)> {
    let labels: Vec<i32> = m.labels().iter().map(|&l| l as i32).collect();
    Ok((
        matrix_to_py(py, m.centroids().clone())?,
        labels.into_pyarray(py),
        m.inertia(),
        m.n_iter(),
    ))
}

/// Chooses k by the elbow sweep's vote over k = 1..k_max, then fits it on every row; returns
/// (centres, labels, inertia, n_iter, sweep) where sweep is a dict of the curves and votes.
#[pyfunction]
#[pyo3(signature = (x, k_max, n_init, max_iter, tol, seed, algorithm))]
#[allow(clippy::too_many_arguments)]
fn kmeans_auto<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    k_max: usize,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
    algorithm: &str,
) -> PyResult<(Array2<'py>, I32s<'py>, f64, usize, Sweep<'py>)> {
    let base = kmeans_params(1, "k-means++", None, n_init, max_iter, tol, seed, algorithm)?;
    base.clone().check().map_err(py_err)?;
    let xv = view(&x, "X")?;
    let (m, e) = interruptible(py, || {
        let e = sweep(xv, &ElbowParams::new(k_max, base.clone()), |_| ())?;
        let m = match e.chosen_model() {
            Some(m) => m.clone(),
            None => base.clone().with_n_clusters(e.chosen).check()?.fit(xv)?,
        };
        Ok((m, e))
    })?;
    let d = PyDict::new(py);
    d.set_item("k", e.k.clone())?;
    d.set_item("inertia", e.inertia.clone())?;
    d.set_item("silhouette", e.silhouette.clone())?;
    d.set_item("calinski_harabasz", e.calinski_harabasz.clone())?;
    d.set_item("davies_bouldin", e.davies_bouldin.clone())?;
    let votes: Vec<(String, usize)> = e.votes.iter().map(|v| (v.criterion.to_string(), v.k)).collect();
    d.set_item("votes", votes)?;
    d.set_item("chosen", e.chosen)?;
    d.set_item("sampled", e.sampled)?;
    d.set_item("weak_structure", e.weak_structure)?;
    let (centres, labels, inertia, n_iter) = fitted(py, &m)?;
    Ok((centres, labels, inertia, n_iter, d))
}

/// The nearest centre of each row and its squared distance.
#[pyfunction]
fn kmeans_assign<'py>(
    py: Python<'py>,
    centres: PyReadonlyArray2<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<(I32s<'py>, F64s<'py>)> {
    let (c, xv) = (view(&centres, "cluster_centers_")?, view(&x, "X")?);
    let (labels, sq) = py.detach(|| assign(c, xv)).map_err(py_err)?;
    let labels: Vec<i32> = labels.into_iter().map(|l| l as i32).collect();
    Ok((labels.into_pyarray(py), sq.into_pyarray(py)))
}

/// The distance of each row to each centre.
#[pyfunction]
fn kmeans_transform<'py>(
    py: Python<'py>,
    centres: PyReadonlyArray2<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<Array2<'py>> {
    let (c, xv) = (view(&centres, "cluster_centers_")?, view(&x, "X")?);
    let m = py.detach(|| distances(c, xv)).map_err(py_err)?;
    matrix_to_py(py, m)
}

/// eps as `--eps auto` chooses it; returns (eps, how, k-distances of the curve).
#[pyfunction]
fn dbscan_auto_eps<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    min_samples: usize,
    seed: u64,
) -> PyResult<(f64, String, F64s<'py>)> {
    let xv = view(&x, "X")?;
    let (eps, by, curve) = interruptible(py, || auto_eps(xv, min_samples, seed))?;
    let how = serde_json_name(&by);
    Ok((eps, how, curve.sorted.into_pyarray(py)))
}

fn serde_json_name(by: &telecluster::analysis::EpsChosenBy) -> String {
    use telecluster::analysis::EpsChosenBy as By;
    match by {
        By::Given => "given",
        By::KDistanceKnee => "k_distance_knee",
        By::KDistanceMedian => "k_distance_median",
        By::DuplicatesOnly => "duplicates_only",
    }
    .to_string()
}

/// Fits DBSCAN; returns (labels, core_sample_indices, components: the core rows).
#[pyfunction]
fn dbscan_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    eps: f64,
    min_samples: usize,
) -> PyResult<(I64s<'py>, I64s<'py>, Array2<'py>)> {
    let params = DbscanParams::new(eps, min_samples).check().map_err(py_err)?;
    let xv = view(&x, "X")?;
    let fit = interruptible(py, || params.fit(xv))?;
    let (labels, core, components) = py.detach(|| {
        let labels: Vec<i64> = fit.labels().iter().map(|l| l.as_i64()).collect();
        let core = fit.core_indices();
        let components = xv.select_rows(&core);
        (labels, core, components)
    });
    let core: Vec<i64> = core.into_iter().map(|i| i as i64).collect();
    let components = if components.n_rows() == 0 {
        PyArray2::zeros(py, [0, xv.n_cols()], false)
    } else {
        matrix_to_py(py, components)?
    };
    Ok((labels.into_pyarray(py), core.into_pyarray(py), components))
}

fn core_model(
    components: &PyReadonlyArray2<'_, f64>,
    core_clusters: &PyReadonlyArray1<'_, i64>,
    eps: f64,
    min_samples: usize,
) -> PyResult<DbscanModel> {
    let clusters = core_clusters
        .as_array()
        .iter()
        .map(|&c| u32::try_from(c).map_err(|_| value_error("core cluster labels must be >= 0")))
        .collect::<PyResult<Vec<u32>>>()?;
    let core = components.as_array();
    Ok(DbscanModel {
        eps,
        min_samples,
        core_points: core.rows().into_iter().map(|r| r.to_vec()).collect(),
        core_clusters: clusters,
        typical_kdist: Vec::new(),
        overall_kdist: f64::NAN,
    })
}

/// The typical k-distance of each cluster's core points and of all of them: what
/// `dbscan_predict` scores against, computed once per fitted model.
#[pyfunction]
fn dbscan_typical<'py>(
    py: Python<'py>,
    components: PyReadonlyArray2<'py, f64>,
    core_clusters: PyReadonlyArray1<'py, i64>,
    eps: f64,
    min_samples: usize,
) -> PyResult<(F64s<'py>, f64)> {
    let m = core_model(&components, &core_clusters, eps, min_samples)?;
    let m = interruptible(py, || {
        DbscanModel::from_core_points(m.core_points, m.core_clusters, eps, min_samples)
    })?;
    Ok((m.typical_kdist.into_pyarray(py), m.overall_kdist))
}

/// Places new rows against a fitted DBSCAN's core points; returns (labels, scores).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn dbscan_predict<'py>(
    py: Python<'py>,
    components: PyReadonlyArray2<'py, f64>,
    core_clusters: PyReadonlyArray1<'py, i64>,
    typical_kdist: PyReadonlyArray1<'py, f64>,
    overall_kdist: f64,
    eps: f64,
    min_samples: usize,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<(I64s<'py>, F64s<'py>)> {
    let mut model = core_model(&components, &core_clusters, eps, min_samples)?;
    model.typical_kdist = typical_kdist.as_array().to_vec();
    model.overall_kdist = overall_kdist;
    let xv = view(&x, "X")?;
    let placed = py.detach(|| model.predict(xv)).map_err(py_err)?;
    let labels: Vec<i64> = placed.iter().map(|p| p.0.map_or(-1, i64::from)).collect();
    let scores: Vec<f64> = placed.iter().map(|p| p.1).collect();
    Ok((labels.into_pyarray(py), scores.into_pyarray(py)))
}

/// scipy's `linkage(X, method, metric="euclidean")` matrix: (n − 1) × 4.
#[pyfunction]
fn linkage<'py>(py: Python<'py>, x: PyReadonlyArray2<'py, f64>, method: &str) -> PyResult<Array2<'py>> {
    let method: Method = method.parse().map_err(py_err)?;
    let params = LinkageParams::new(method).check().map_err(py_err)?;
    let xv = view(&x, "X")?;
    let dendrogram = interruptible(py, || params.fit(xv))?;
    merges_to_py(py, &dendrogram)
}

/// scikit-learn's `AgglomerativeClustering` fit: returns (linkage matrix, labels, clusters).
/// With `distance_threshold`, the clusters are the merges at or above it, plus one.
#[pyfunction]
#[pyo3(signature = (x, method, n_clusters, distance_threshold))]
fn agglomerative<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    method: &str,
    n_clusters: Option<usize>,
    distance_threshold: Option<f64>,
) -> PyResult<(Array2<'py>, I64s<'py>, usize)> {
    let method: Method = method.parse().map_err(py_err)?;
    let params = LinkageParams::new(method).check().map_err(py_err)?;
    let xv = view(&x, "X")?;
    let (dendrogram, labels, k) = interruptible(py, || {
        let d = params.fit(xv)?;
        let k = match (n_clusters, distance_threshold) {
            (_, Some(t)) => d.merges().iter().filter(|m| m.height >= t).count() + 1,
            (Some(k), None) => k,
            (None, None) => {
                return Err(telecluster::Error::invalid(
                    Param::NClusters,
                    "None",
                    "give n_clusters or distance_threshold",
                ))
            }
        };
        let labels = d.top_clusters(k)?;
        Ok((d, labels, k))
    })?;
    let labels: Vec<i64> = labels.into_iter().map(i64::from).collect();
    Ok((merges_to_py(py, &dendrogram)?, labels.into_pyarray(py), k))
}

fn merges_to_py<'py>(py: Python<'py>, dendrogram: &Dendrogram) -> PyResult<Array2<'py>> {
    let rows: Vec<f64> = dendrogram
        .merges()
        .iter()
        .flat_map(|m| [m.a as f64, m.b as f64, m.height, m.size as f64])
        .collect();
    let n = dendrogram.merges().len();
    rows.into_pyarray(py).reshape([n, 4])
}

/// A table of features from a DataFrame's parts: the values (copied: a table owns them), the
/// feature names and, when given, the id column.
fn table(
    x: &PyReadonlyArray2<'_, f64>,
    features: Vec<String>,
    ids: Option<(String, Vec<String>)>,
    source: &str,
) -> PyResult<Table> {
    let m = view(x, "X")?.to_matrix();
    let mut t = Table::from_matrix(features, m).map_err(py_err)?.with_source(source);
    if let Some((name, values)) = ids {
        t = t.with_ids(name, values).map_err(py_err)?;
    }
    Ok(t)
}

/// The whole analysis (`telecluster report`): returns (analysis as JSON, report as HTML,
/// the DBSCAN part's model JSON, the K-Means part's model JSON).
#[pyfunction]
#[pyo3(signature = (x, features, ids, source, n_clusters, k_max, eps, min_samples, method, scaling, log1p, seed))]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments, one to one
fn analyse<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    features: Vec<String>,
    ids: Option<(String, Vec<String>)>,
    source: &str,
    n_clusters: Option<usize>,
    k_max: usize,
    eps: Option<f64>,
    min_samples: Option<usize>,
    method: &str,
    scaling: &str,
    log1p: Vec<String>,
    seed: u64,
) -> PyResult<(String, String, Option<String>, Option<String>)> {
    let table = table(&x, features, ids, source)?;
    let log1p = log1p
        .iter()
        .map(|name| {
            table
                .feature_index(name)
                .ok_or_else(|| value_error(format!("log1p: no feature column named {name:?}")))
        })
        .collect::<PyResult<Vec<usize>>>()?;
    let mut p = AnalysisParams {
        prep: PrepParams::new(scaling.parse::<Scaling>().map_err(py_err)?).log1p(log1p),
        ..AnalysisParams::default()
    };
    p.kmeans.n_clusters = n_clusters.map_or(KChoice::Auto { k_max }, KChoice::Given);
    p.kmeans.seed = seed;
    p.dbscan.eps = eps.map_or(EpsChoice::Auto, EpsChoice::Given);
    p.dbscan.min_samples = min_samples;
    p.dbscan.seed = seed;
    p.hierarchy.method = method.parse::<Method>().map_err(py_err)?;
    p.hierarchy.seed = seed;
    interruptible(py, || {
        let a = analysis::analyse(&table, &p, &mut |_| ())?;
        let page = html(&a, &pictures(&a));
        let json = serde_json::to_string(&a)
            .map_err(|e| telecluster::Error::invalid(Param::Features, "analysis", e.to_string()))?;
        let data = Prepared::new(&table, &p.prep)?;
        // A part that cannot be saved as a model (no core point, say) leaves its model out.
        let dbscan_model = Model::from_dbscan(&data, &a.dbscan).ok().map(|m| m.to_json());
        let kmeans_model = Model::from_kmeans(&data, &a.kmeans).ok().map(|m| m.to_json());
        Ok((json, page, dbscan_model, kmeans_model))
    })
}

/// Scores rows against a saved model; returns (the scored rows as JSON, each row's one-line why).
#[pyfunction]
fn model_score<'py>(
    py: Python<'py>,
    model: &str,
    source: &str,
    x: PyReadonlyArray2<'py, f64>,
    features: Vec<String>,
) -> PyResult<(String, Vec<String>)> {
    let model = Model::from_json(model, source).map_err(py_err)?;
    let table = table(&x, features, None, "<DataFrame>")?;
    let scored = interruptible(py, || model.score(&table))?;
    let whys = scored.iter().map(ToString::to_string).collect();
    let json = serde_json::to_string(&scored).map_err(value_error)?;
    Ok((json, whys))
}

/// Checks a model file's text; returns (its features, its method).
#[pyfunction]
fn model_info(model: &str, source: &str) -> PyResult<(Vec<String>, String)> {
    let model = Model::from_json(model, source).map_err(py_err)?;
    let features = model.features.iter().map(|f| f.name.clone()).collect();
    let method = match model.method {
        telecluster::model::Method::Kmeans(_) => "kmeans",
        telecluster::model::Method::Dbscan(_) => "dbscan",
    };
    Ok((features, method.to_string()))
}

/// Access logs to per-endpoint features (`telecluster ingest logs`); returns (feature names,
/// the features, the id column's name and values, the other text columns, a summary dict).
#[pyfunction]
#[pyo3(signature = (paths, format, log_format, json_fields, window, errors, route_map, strict))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)] // Python's keyword arguments, one to one
fn read_logs<'py>(
    py: Python<'py>,
    paths: Vec<std::path::PathBuf>,
    format: &str,
    log_format: Option<&str>,
    json_fields: Option<&str>,
    window: Option<&str>,
    errors: &str,
    route_map: Option<std::path::PathBuf>,
    strict: bool,
) -> PyResult<(
    Vec<String>,
    Array2<'py>,
    Option<(String, Vec<String>)>,
    Vec<(String, Vec<String>)>,
    Sweep<'py>,
)> {
    let routes = match route_map {
        Some(p) => {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(&p).map_err(|e| py_err(telecluster::Error::io(name.clone(), e)))?;
            RouteMap::parse(&text, &name).map_err(py_err)?
        }
        None => RouteMap::default(),
    };
    let opts = state::log_options(format, log_format, json_fields, window, errors, routes, strict)?;
    let got = py.detach(|| ingest(&paths, &opts)).map_err(py_err)?;
    let t = &got.table;
    let s = &got.summary;
    let summary = PyDict::new(py);
    summary.set_item("lines", s.lines)?;
    summary.set_item("requests", s.requests)?;
    summary.set_item("bad_lines", s.bad)?;
    let shown: Vec<(String, String)> = s
        .bad_shown
        .iter()
        .map(|b| (b.at.to_string(), b.reason.clone()))
        .collect();
    summary.set_item("bad_shown", shown)?;
    summary.set_item("formats", s.formats.clone())?;
    summary.set_item("untimed_left_out", s.untimed)?;
    let (features, x, ids, carried) = table_parts(py, t)?;
    Ok((features, x, ids, carried, summary))
}

/// A text column: its name and values.
type TextParts = (String, Vec<String>);
/// A table's parts (see [`table_parts`]).
type TableParts<'py> = (Vec<String>, Array2<'py>, Option<TextParts>, Vec<TextParts>);

/// A table as Python builds a DataFrame from it: (feature names, features, the id column, the
/// other text columns).
fn table_parts<'py>(py: Python<'py>, t: &Table) -> PyResult<TableParts<'py>> {
    let ids = t.ids().map(|c| (c.name.clone(), c.values.clone()));
    let carried = t.carried().iter().map(|c| (c.name.clone(), c.values.clone())).collect();
    Ok((t.features().to_vec(), matrix_to_py(py, t.x().clone())?, ids, carried))
}

fn seconds(value: &str, param: Param) -> PyResult<u64> {
    parse_duration(value).ok_or_else(|| {
        py_err(telecluster::Error::invalid(
            param,
            value,
            "must be a positive duration such as 30s, 5m or 1h",
        ))
    })
}

/// Per-row features from PromQL queries (`telecluster ingest prometheus`); returns (feature
/// names, the features, the row names' column and values, the server's warnings, the rows
/// left out and why).
#[pyfunction]
#[pyo3(signature = (url, queries, files, by, time, range, step, reduce, timeout, bearer_token, basic_auth))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)] // Python's keyword arguments, one to one
fn read_prometheus<'py>(
    py: Python<'py>,
    url: Option<String>,
    queries: Vec<(String, String)>,
    files: Vec<(String, std::path::PathBuf)>,
    by: Option<Vec<String>>,
    time: Option<String>,
    range: Option<String>,
    step: Option<String>,
    reduce: &str,
    timeout: &str,
    bearer_token: Option<String>,
    basic_auth: Option<(String, String)>,
) -> PyResult<(
    Vec<String>,
    Array2<'py>,
    Option<(String, Vec<String>)>,
    Vec<String>,
    Vec<(String, Vec<String>)>,
)> {
    let mut features: Vec<(String, Source)> = queries.into_iter().map(|(n, q)| (n, Source::Query(q))).collect();
    features.extend(files.into_iter().map(|(n, p)| (n, Source::File(p))));
    let range = match (range, step) {
        (Some(r), Some(s)) => Some(Range {
            range: seconds(&r, Param::Range)?,
            step: seconds(&s, Param::Step)?,
        }),
        (None, None) => None,
        _ => return Err(value_error("range and step go together: give both or neither")),
    };
    let reduce = match reduce {
        "mean" => Reduce::Mean,
        "p95" => Reduce::P95,
        "max" => Reduce::Max,
        other => {
            return Err(value_error(format!(
                "reduce must be 'mean', 'p95' or 'max', got {other:?}"
            )))
        }
    };
    let auth = match (bearer_token, basic_auth) {
        (Some(_), Some(_)) => return Err(value_error("give bearer_token or basic_auth, not both")),
        (Some(t), None) => Auth::Bearer(t),
        (None, Some((user, password))) => Auth::Basic { user, password },
        (None, None) => Auth::None,
    };
    let opts = PromOptions {
        url,
        features,
        by,
        time,
        range,
        reduce,
        timeout: Some(std::time::Duration::from_secs(seconds(timeout, Param::Timeout)?)),
        auth,
    };
    let (t, summary) = py.detach(|| prometheus::ingest(&opts)).map_err(py_err)?;
    let ids = t.ids().map(|c| (c.name.clone(), c.values.clone()));
    Ok((
        t.features().to_vec(),
        matrix_to_py(py, t.x().clone())?,
        ids,
        summary.warnings,
        summary.incomplete,
    ))
}

/// The compiled part of the telecluster package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    state::register(m)?;
    m.add_function(wrap_pyfunction!(last_call_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_fit, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_auto, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_assign, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_transform, m)?)?;
    m.add_function(wrap_pyfunction!(dbscan_auto_eps, m)?)?;
    m.add_function(wrap_pyfunction!(dbscan_fit, m)?)?;
    m.add_function(wrap_pyfunction!(dbscan_typical, m)?)?;
    m.add_function(wrap_pyfunction!(dbscan_predict, m)?)?;
    m.add_function(wrap_pyfunction!(linkage, m)?)?;
    m.add_function(wrap_pyfunction!(agglomerative, m)?)?;
    m.add_function(wrap_pyfunction!(analyse, m)?)?;
    m.add_function(wrap_pyfunction!(read_logs, m)?)?;
    m.add_function(wrap_pyfunction!(read_prometheus, m)?)?;
    m.add_function(wrap_pyfunction!(model_score, m)?)?;
    m.add_function(wrap_pyfunction!(model_info, m)?)?;
    Ok(())
}
