//! Mergeable state for fits that run in pieces: log lines counted where they are (a Spark
//! partition), K-Means statistics and column moments of any split of the rows, each as bytes that
//! travel between processes and merge in any order.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

use telecluster::cluster::kmeans::{kmeans_plus_plus_centres, CentroidStats};
use telecluster::io::logs::aggregate::{Aggregate, Stats};
use telecluster::io::logs::route::RouteMap;
use telecluster::io::logs::{aggregate_lines, ErrorClasses, LogFormat, LogKind, LogOptions};
use telecluster::model::Model;
use telecluster::stats::Moments;
use telecluster::Error;

use super::{matrix_to_py, py_err, table, table_parts, value_error, view, Array2, F64s, I64s};

/// The options of `read_logs`, from its arguments (the route map as text: executors may not
/// see the driver's files).
pub(crate) fn log_options(
    format: &str,
    log_format: Option<&str>,
    json_fields: Option<&str>,
    window: Option<&str>,
    errors: &str,
    routes: RouteMap,
    strict: bool,
) -> PyResult<LogOptions> {
    let kind: LogKind = format.parse().map_err(py_err)?;
    let format = LogFormat::from_parts(kind, log_format, json_fields).map_err(py_err)?;
    let window = window.map(|w| format.window_seconds(w)).transpose().map_err(py_err)?;
    Ok(LogOptions {
        format,
        window,
        errors: ErrorClasses::parse(errors).map_err(py_err)?,
        routes,
        strict,
        ..LogOptions::default()
    })
}

/// Checks the options on the driver, before any executor sees them; returns the window in
/// seconds.
#[pyfunction]
#[pyo3(signature = (format, log_format, json_fields, window, errors, routes, strict))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn log_window_seconds(
    format: &str,
    log_format: Option<&str>,
    json_fields: Option<&str>,
    window: Option<&str>,
    errors: &str,
    routes: Option<&str>,
    strict: bool,
) -> PyResult<Option<u64>> {
    let routes = parse_routes(routes)?;
    Ok(log_options(format, log_format, json_fields, window, errors, routes, strict)?.window)
}

fn parse_routes(text: Option<&str>) -> PyResult<RouteMap> {
    text.map_or(Ok(RouteMap::default()), |t| {
        RouteMap::parse(t, "route_map").map_err(py_err)
    })
}

/// Counts log lines handed over in Arrow's string layout (bytes and offsets) into one state.
#[pyclass(module = "telecluster._native")]
pub(crate) struct LogAggregator {
    opts: LogOptions,
    format_name: Option<String>,
    agg: Aggregate,
    lines: u64,
    requests: u64,
    bad: u64,
    first_bad: Option<String>,
    source: String,
}

#[pymethods]
impl LogAggregator {
    #[new]
    #[pyo3(signature = (format, log_format, json_fields, window, errors, routes, strict, source))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        format: &str,
        log_format: Option<&str>,
        json_fields: Option<&str>,
        window: Option<&str>,
        errors: &str,
        routes: Option<&str>,
        strict: bool,
        source: String,
    ) -> PyResult<Self> {
        let routes = parse_routes(routes)?;
        Ok(LogAggregator {
            opts: log_options(format, log_format, json_fields, window, errors, routes, strict)?,
            format_name: None,
            agg: Aggregate::default(),
            lines: 0,
            requests: 0,
            bad: 0,
            first_bad: None,
            source,
        })
    }

    /// Counts the lines `data[offsets[i]..offsets[i + 1]]`.
    fn add(
        &mut self,
        py: Python<'_>,
        data: PyReadonlyArray1<'_, u8>,
        offsets: PyReadonlyArray1<'_, i64>,
    ) -> PyResult<()> {
        let data = data.as_slice().map_err(value_error)?;
        let offsets = offsets.as_slice().map_err(value_error)?;
        let mut lines = Vec::with_capacity(offsets.len().saturating_sub(1));
        for w in offsets.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a < 0 || b < a || b as usize > data.len() {
                return Err(value_error("offsets: not increasing within the data"));
            }
            lines.push(&data[a as usize..b as usize]);
        }
        let opts = &mut self.opts;
        let source = &self.source;
        let before = self.lines;
        let (agg, read) = py
            .detach(|| -> telecluster::Result<_> {
                // Auto: the format is recognised once, from the first lines, and kept.
                let out = aggregate_lines(lines.iter().copied(), source, opts)?;
                Ok((out, lines))
            })
            .map(|((agg, read), lines)| {
                if matches!(opts.format, LogFormat::Auto) && read.format != "empty" {
                    let sample: Vec<&[u8]> = lines
                        .iter()
                        .copied()
                        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                        .take(64)
                        .collect();
                    if let Some((f, _)) = LogFormat::detect(&sample) {
                        opts.format = f;
                    }
                }
                (agg, read)
            })
            .map_err(|e| match e {
                Error::BadLine { mut at, reason } => {
                    at.line += before;
                    py_err(Error::BadLine { at, reason })
                }
                other => py_err(other),
            })?;
        if self.format_name.is_none() && read.format != "empty" {
            self.format_name = Some(read.format.clone());
        }
        if let (None, Some((i, column, reason))) = (&self.first_bad, &read.first_bad) {
            self.first_bad = Some(format!("{}:{}:{}: {reason}", self.source, before + i + 1, column + 1));
        }
        self.lines += read.lines;
        self.requests += read.requests;
        self.bad += read.bad;
        self.agg.merge(agg);
        Ok(())
    }

    /// The state per endpoint window, and the counts: (endpoints, windows, states, lines,
    /// requests, bad lines, first time, last time, the first bad line, the format).
    #[allow(clippy::type_complexity)]
    fn finish<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<(
        Vec<String>,
        I64s<'py>,
        Vec<Bound<'py, PyBytes>>,
        (u64, u64, u64),
        Option<(i64, i64)>,
        Option<String>,
        Option<String>,
    )> {
        let agg = std::mem::take(&mut self.agg);
        let entries = agg.entries();
        let endpoints = entries.iter().map(|e| e.0.to_string()).collect();
        let windows: Vec<i64> = entries.iter().map(|e| e.1).collect();
        let states = entries.iter().map(|e| PyBytes::new(py, &e.2.to_bytes())).collect();
        Ok((
            endpoints,
            windows.into_pyarray(py),
            states,
            (self.lines, self.requests, self.bad),
            agg.span(),
            self.first_bad.clone(),
            self.format_name.clone(),
        ))
    }
}

fn stats_of(states: &[PyBackedBytes]) -> PyResult<Stats> {
    let mut all = Stats::default();
    for s in states {
        all.merge(&Stats::from_bytes(s).map_err(py_err)?);
    }
    Ok(all)
}

/// One endpoint window's states, merged.
#[pyfunction]
pub(crate) fn logs_merge<'py>(py: Python<'py>, states: Vec<PyBackedBytes>) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &stats_of(&states)?.to_bytes()))
}

/// The feature table from merged states (`telecluster ingest logs`' table): (feature names,
/// features, the id column, the text columns, rows left out for having no duration).
#[pyfunction]
#[pyo3(signature = (endpoints, windows, states, span, window, source))]
#[allow(clippy::type_complexity)]
pub(crate) fn logs_features<'py>(
    py: Python<'py>,
    endpoints: Vec<String>,
    windows: Vec<i64>,
    states: Vec<PyBackedBytes>,
    span: Option<(i64, i64)>,
    window: Option<u64>,
    source: &str,
) -> PyResult<(
    Vec<String>,
    Array2<'py>,
    Option<(String, Vec<String>)>,
    Vec<(String, Vec<String>)>,
    usize,
)> {
    if endpoints.len() != windows.len() || endpoints.len() != states.len() {
        return Err(value_error("endpoints, windows and states differ in length"));
    }
    let mut agg = Aggregate::default();
    for ((e, &w), s) in endpoints.iter().zip(&windows).zip(&states) {
        agg.add_stats(e, w, &Stats::from_bytes(s).map_err(py_err)?);
    }
    if let Some((a, b)) = span {
        agg.add_span(a, b);
    }
    if agg.n_endpoints() == 0 {
        return Err(value_error(format!("{source}: no request in the logs")));
    }
    let (t, untimed) = agg.to_table(source, window).map_err(py_err)?;
    let (features, x, ids, carried) = table_parts(py, &t)?;
    Ok((features, x, ids, carried, untimed))
}

/// The K-Means statistics (count, sum, squared distances per centre) of `x` against `centres`.
#[pyfunction]
pub(crate) fn kmeans_stats<'py>(
    py: Python<'py>,
    centres: PyReadonlyArray2<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let (c, xv) = (view(&centres, "centres")?, view(&x, "X")?);
    let s = py.detach(|| CentroidStats::of(c, xv)).map_err(py_err)?;
    Ok(PyBytes::new(py, &s.to_bytes()))
}

/// K-Means statistics, merged.
#[pyfunction]
pub(crate) fn kmeans_stats_merge<'py>(py: Python<'py>, states: Vec<PyBackedBytes>) -> PyResult<Bound<'py, PyBytes>> {
    let mut it = states.iter();
    let first = it.next().ok_or_else(|| value_error("no K-Means statistics to merge"))?;
    let mut all = CentroidStats::from_bytes(first).map_err(py_err)?;
    for s in it {
        all.merge(&CentroidStats::from_bytes(s).map_err(py_err)?)
            .map_err(py_err)?;
    }
    Ok(PyBytes::new(py, &all.to_bytes()))
}

/// A K-Means statistics state as arrays: (counts, sums k × d, squared distances per centre).
#[pyfunction]
pub(crate) fn kmeans_stats_arrays<'py>(
    py: Python<'py>,
    state: PyBackedBytes,
) -> PyResult<(I64s<'py>, Array2<'py>, F64s<'py>)> {
    let s = CentroidStats::from_bytes(&state).map_err(py_err)?;
    let counts: Vec<i64> = s.counts().iter().map(|&c| c as i64).collect();
    let sums = telecluster::Matrix::new(s.sums().to_vec(), s.n_clusters(), s.n_features()).map_err(py_err)?;
    Ok((
        counts.into_pyarray(py),
        matrix_to_py(py, sums)?,
        s.sse().to_vec().into_pyarray(py),
    ))
}

/// Column moments of `x`.
#[pyfunction]
pub(crate) fn moments<'py>(py: Python<'py>, x: PyReadonlyArray2<'py, f64>) -> PyResult<Bound<'py, PyBytes>> {
    let xv = view(&x, "X")?;
    Ok(PyBytes::new(py, &Moments::of(xv).to_bytes()))
}

/// Column moments, merged; returns (rows, means, population variances).
#[pyfunction]
pub(crate) fn moments_merge<'py>(py: Python<'py>, states: Vec<PyBackedBytes>) -> PyResult<(u64, F64s<'py>, F64s<'py>)> {
    let mut all: Option<Moments> = None;
    for s in &states {
        let m = Moments::from_bytes(s).map_err(py_err)?;
        match &mut all {
            Some(a) => a.merge(&m).map_err(py_err)?,
            None => all = Some(m),
        }
    }
    let m = all.ok_or_else(|| value_error("no moments to merge"))?;
    Ok((
        m.n_rows(),
        m.mean().to_vec().into_pyarray(py),
        m.variance().into_pyarray(py),
    ))
}

/// k-means++ starting centres, as the first run of a fit with `seed` draws them.
#[pyfunction]
pub(crate) fn kmeans_seed<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    k: usize,
    seed: u64,
) -> PyResult<Array2<'py>> {
    let xv = view(&x, "X")?;
    let c = py.detach(|| kmeans_plus_plus_centres(xv, k, seed)).map_err(py_err)?;
    matrix_to_py(py, c)
}

/// Scores rows against a saved model, as arrays: (cluster, -1 for none; score; anomalous).
#[pyfunction]
pub(crate) fn model_score_arrays<'py>(
    py: Python<'py>,
    model: &str,
    source: &str,
    x: PyReadonlyArray2<'py, f64>,
    features: Vec<String>,
) -> PyResult<(I64s<'py>, F64s<'py>, Bound<'py, PyArray1<bool>>)> {
    let model = Model::from_json(model, source).map_err(py_err)?;
    let t = table(&x, features, None, "<rows>")?;
    let scored = py.detach(|| model.score(&t)).map_err(py_err)?;
    let cluster: Vec<i64> = scored.iter().map(|s| s.cluster.map_or(-1, i64::from)).collect();
    let score: Vec<f64> = scored.iter().map(|s| s.score).collect();
    let anomalous: Vec<bool> = scored.iter().map(|s| s.anomalous).collect();
    Ok((
        cluster.into_pyarray(py),
        score.into_pyarray(py),
        anomalous.into_pyarray(py),
    ))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LogAggregator>()?;
    m.add_function(wrap_pyfunction!(log_window_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(logs_merge, m)?)?;
    m.add_function(wrap_pyfunction!(logs_features, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_stats, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_stats_merge, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_stats_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(moments, m)?)?;
    m.add_function(wrap_pyfunction!(moments_merge, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_seed, m)?)?;
    m.add_function(wrap_pyfunction!(model_score_arrays, m)?)?;
    Ok(())
}
