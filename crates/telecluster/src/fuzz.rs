//! Entry points of the fuzz targets (`fuzz/` at the repository root): each feeds arbitrary
//! bytes to one parser of untrusted input and follows what it accepts a step further. A panic
//! here is a bug. Not a stable API.

use crate::io::csv::read;
use crate::io::logs::{envoy, nginx, LogFormat};
use crate::io::ReadOptions;
use crate::model::Model;
use crate::{Matrix, Table};

/// The CSV reader, comma- and tab-separated; a table it accepts is described.
pub fn csv(data: &[u8]) {
    for delimiter in [b',', b'\t'] {
        if let Ok(r) = read(data, "fuzz.csv", delimiter, &ReadOptions::default()) {
            let _ = crate::data::describe::describe(&r.table, r.table.x());
        }
    }
}

/// Every log-line parser: nginx's known formats, Envoy's default, JSON lines (each line of
/// `data`), and format detection on the first lines.
pub fn log_lines(data: &[u8]) {
    let mut formats: Vec<LogFormat> = nginx::KNOWN
        .iter()
        .filter_map(|(_, f)| nginx::compile(f).ok().map(LogFormat::Nginx))
        .collect();
    formats.extend(envoy::compile(envoy::DEFAULT).ok().map(LogFormat::Envoy));
    formats.push(LogFormat::Json(Default::default()));
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    for f in &formats {
        for line in &lines {
            let _ = f.parse(line);
        }
    }
    let _ = LogFormat::detect(&lines[..lines.len().min(20)]);
}

/// The compilers of user-given formats: an nginx `log_format`, an Envoy format string, a JSON
/// field map, a route map; a format that compiles parses its own text.
pub fn formats(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = nginx::compile(text) {
        let _ = LogFormat::Nginx(t).parse(data);
    }
    if let Ok(t) = envoy::compile(text) {
        let _ = LogFormat::Envoy(t).parse(data);
    }
    let _ = crate::io::logs::jsonl::JsonFields::parse(text);
    let _ = crate::io::logs::route::RouteMap::parse(text, "fuzz");
}

/// A Prometheus HTTP API response body, reduced every way.
pub fn prometheus(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        crate::io::prometheus::fuzz_response(text);
    }
}

/// The model loader; a model it accepts scores a few rows of its own features.
pub fn model(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(m) = Model::from_json(text, "fuzz.json") else {
        return;
    };
    let names: Vec<String> = m.features.iter().map(|f| f.name.clone()).collect();
    let d = names.len();
    let rows: Vec<Vec<f64>> = [0.0, 1.0, -3.5, 1e6].iter().map(|&v| vec![v; d]).collect();
    if let Ok(x) = Matrix::from_rows(&rows) {
        if let Ok(t) = Table::from_matrix(names, x) {
            let _ = m.score(&t);
        }
    }
}
