//! Prometheus to per-series features: one PromQL query per feature, run against a server's HTTP
//! API (or read from saved API responses), joined into rows on labels.
//!
//! Instant queries give one value per series; range queries give a series of samples, reduced
//! to one value by [`Reduce`]. Samples that are `NaN` or `±Inf` (a `histogram_quantile` with no
//! requests, a ratio over zero) count as missing; a row that misses a feature is left out and
//! reported, never silently dropped or filled in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::data::table::{Provenance, Table};
use crate::error::{Error, Param, Result};
use crate::matrix::Matrix;
use crate::stats::{quantile_sorted, sorted};

/// How a range query's samples become one value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduce {
    /// The mean of the samples.
    #[default]
    Mean,
    /// The 95th percentile (linear interpolation, numpy's default).
    P95,
    /// The largest sample.
    Max,
}

/// Credentials for the server; never shown in messages.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// None.
    #[default]
    None,
    /// HTTP basic authentication.
    Basic {
        /// The user.
        user: String,
        /// The password.
        password: String,
    },
    /// A bearer token.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::None => "None",
            Auth::Basic { .. } => "Basic(…)",
            Auth::Bearer(_) => "Bearer(…)",
        })
    }
}

/// Where a feature's values come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A PromQL expression, run against [`PromOptions::url`].
    Query(String),
    /// A saved API response (the JSON `/api/v1/query` or `/api/v1/query_range` returned).
    File(PathBuf),
}

/// A range query's span and resolution, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// How far back from the evaluation time.
    pub range: u64,
    /// The step between samples.
    pub step: u64,
}

/// What to ask Prometheus, and how to shape the answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromOptions {
    /// The server's base URL (`http://prometheus:9090`); needed for [`Source::Query`].
    pub url: Option<String>,
    /// The features: a name and where its values come from, in column order.
    pub features: Vec<(String, Source)>,
    /// The labels that name a row; by default every label but `__name__`.
    pub by: Option<Vec<String>>,
    /// The evaluation time (RFC 3339 or Unix seconds), by default the server's now.
    pub time: Option<String>,
    /// A range query instead of an instant one.
    pub range: Option<Range>,
    /// How range samples become one value.
    pub reduce: Reduce,
    /// The time allowed for each request (30 s if `None`).
    pub timeout: Option<Duration>,
    /// Credentials.
    pub auth: Auth,
}

/// What the answers held besides the features.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromSummary {
    /// The server's warnings, with the feature they came with.
    pub warnings: Vec<String>,
    /// Rows left out: the row, and each feature it had no finite value for (and why).
    pub incomplete: Vec<(String, Vec<String>)>,
}

#[derive(Deserialize)]
struct Response {
    status: String,
    data: Option<Data>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct Series {
    metric: BTreeMap<String, String>,
    value: Option<(f64, String)>,
    values: Option<Vec<(f64, String)>>,
}

/// A sample's text as Prometheus writes it: a decimal, `NaN`, `+Inf` or `-Inf`.
fn sample(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

/// The value of one series for one feature, or why it has none.
type Value = std::result::Result<f64, String>;

fn reduce(values: &[(f64, String)], how: Reduce) -> Value {
    let finite: Vec<f64> = values
        .iter()
        .filter_map(|(_, s)| sample(s))
        .filter(|v| v.is_finite())
        .collect();
    if finite.is_empty() {
        return Err(if values.is_empty() {
            "no samples".into()
        } else {
            "no finite sample".into()
        });
    }
    Ok(match how {
        Reduce::Mean => finite.iter().sum::<f64>() / finite.len() as f64,
        Reduce::Max => finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Reduce::P95 => quantile_sorted(&sorted(finite), 0.95),
    })
}

fn labels_text(m: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = m
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

/// Parses one API response into series (labels, value), erroring on `status: error`.
fn parse_response(
    body: &str,
    origin: &str,
    how: Reduce,
    warnings: &mut Vec<String>,
) -> Result<Vec<(BTreeMap<String, String>, Value)>> {
    let bad = |detail: String| Error::Prometheus {
        at: origin.to_string(),
        detail,
    };
    let resp: Response = serde_json::from_str(body).map_err(|e| bad(format!("not a Prometheus API response: {e}")))?;
    warnings.extend(resp.warnings.iter().map(|w| format!("{origin}: {w}")));
    if resp.status != "success" {
        return Err(bad(format!(
            "the server answered {}: {}",
            resp.error_type.as_deref().unwrap_or("an error"),
            resp.error.as_deref().unwrap_or("(no message)")
        )));
    }
    let data = resp.data.ok_or_else(|| bad("the response has no data".into()))?;
    match data.result_type.as_str() {
        "vector" | "matrix" => {
            let series: Vec<Series> =
                serde_json::from_value(data.result).map_err(|e| bad(format!("malformed result: {e}")))?;
            Ok(series
                .into_iter()
                .map(|s| {
                    let v = match (&s.value, &s.values) {
                        (Some((_, v)), _) => match sample(v) {
                            Some(x) if x.is_finite() => Ok(x),
                            Some(_) => Err(format!("the sample is {v}")),
                            None => Err(format!("the sample {v:?} is not a number")),
                        },
                        (None, Some(vs)) => reduce(vs, how),
                        (None, None) => Err("no sample".into()),
                    };
                    (s.metric, v)
                })
                .collect())
        }
        other => Err(bad(format!(
            "the query gives a {other}, not series: features need an instant vector (or a range query)"
        ))),
    }
}

/// Parses `body` as a response, every reduction (for the fuzz target).
#[doc(hidden)]
pub fn fuzz_response(body: &str) {
    for how in [Reduce::Mean, Reduce::P95, Reduce::Max] {
        let _ = parse_response(body, "fuzz", how, &mut Vec::new());
    }
}

fn fetch(agent: &ureq::Agent, opts: &PromOptions, url: &str, promql: &str, name: &str) -> Result<String> {
    let base = url.trim_end_matches('/');
    let mut form: Vec<(&str, String)> = vec![("query", promql.to_string())];
    let endpoint = match opts.range {
        None => {
            if let Some(t) = &opts.time {
                form.push(("time", t.clone()));
            }
            "query"
        }
        Some(r) => {
            let end = match &opts.time {
                Some(t) => parse_time(t)?,
                None => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64()),
            };
            form.push(("start", format!("{}", end - r.range as f64)));
            form.push(("end", format!("{end}")));
            form.push(("step", r.step.to_string()));
            "query_range"
        }
    };
    let target = format!("{base}/api/v1/{endpoint}");
    let mut req = agent.post(&target);
    match &opts.auth {
        Auth::None => {}
        Auth::Bearer(t) => req = req.header("Authorization", format!("Bearer {t}")),
        Auth::Basic { user, password } => {
            req = req.header(
                "Authorization",
                format!("Basic {}", base64(&format!("{user}:{password}"))),
            );
        }
    }
    let origin = format!("{target} ({name})");
    let mut resp = req
        .send_form(form.iter().map(|(k, v)| (*k, v.as_str())))
        .map_err(|e| Error::Prometheus {
            at: origin.clone(),
            detail: format!("request failed: {e}"),
        })?;
    let status = resp.status();
    let body = resp
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .map_err(|e| Error::Prometheus {
            at: origin.clone(),
            detail: format!("reading the answer failed: {e}"),
        })?;
    if !status.is_success() && !body.trim_start().starts_with('{') {
        return Err(Error::Prometheus {
            at: origin,
            detail: format!("HTTP {status}: {}", body.chars().take(200).collect::<String>()),
        });
    }
    Ok(body)
}

fn base64(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// RFC 3339 or Unix seconds, as Unix seconds.
fn parse_time(t: &str) -> Result<f64> {
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .or_else(|| crate::io::time::parse_iso8601(t.as_bytes()).map(|s| s as f64))
        .ok_or_else(|| Error::invalid(Param::Time, t, "must be an RFC 3339 time or Unix seconds"))
}

/// Runs (or reads) every feature's query and joins the answers into a table: one row per
/// distinct value of the `by` labels, one column per feature, rows sorted by their id.
///
/// # Errors
/// [`Error::Prometheus`] for a failed request, an API error or a malformed response, or two
/// series of one query with the same row labels (aggregate them with `sum by (...)`);
/// [`Error::InvalidParam`] for a missing URL, feature or bad time; [`Error::NoRequests`]-like
/// [`Error::Prometheus`] when no row has every feature.
pub fn ingest(opts: &PromOptions) -> Result<(Table, PromSummary)> {
    if opts.features.is_empty() {
        return Err(Error::invalid(
            Param::Query,
            "none",
            "must name at least one NAME=QUERY",
        ));
    }
    if let Some(t) = &opts.time {
        parse_time(t)?;
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout.unwrap_or(Duration::from_secs(30))))
        .http_status_as_error(false)
        .build()
        .into();
    let mut summary = PromSummary::default();
    let mut answers = Vec::with_capacity(opts.features.len());
    for (name, source) in &opts.features {
        let (body, origin) = match source {
            Source::Query(q) => {
                let url = opts
                    .url
                    .as_deref()
                    .ok_or_else(|| Error::invalid(Param::Url, "none", "is needed to run queries"))?;
                (fetch(&agent, opts, url, q, name)?, format!("{url} ({name})"))
            }
            Source::File(p) => {
                let path = p.display().to_string();
                (
                    std::fs::read_to_string(p).map_err(|e| Error::io(path.clone(), e))?,
                    path,
                )
            }
        };
        answers.push((
            origin.clone(),
            parse_response(&body, &origin, opts.reduce, &mut summary.warnings)?,
        ));
    }
    let by: Vec<String> = match &opts.by {
        Some(b) => b.clone(),
        None => answers
            .iter()
            .flat_map(|(_, s)| s.iter().flat_map(|(m, _)| m.keys().cloned()))
            .filter(|k| k != "__name__")
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    let key_of = |m: &BTreeMap<String, String>| -> Vec<String> {
        by.iter().map(|l| m.get(l).cloned().unwrap_or_default()).collect()
    };
    // rows[key] = (labels text, one value per feature)
    let mut rows: BTreeMap<Vec<String>, (String, Vec<Option<Value>>)> = BTreeMap::new();
    let nf = opts.features.len();
    for (f, (origin, series)) in answers.into_iter().enumerate() {
        for (labels, v) in series {
            let key = key_of(&labels);
            let text = labels_text(
                &by.iter()
                    .filter_map(|l| labels.get_key_value(l).map(|(k, v)| (k.clone(), v.clone())))
                    .collect(),
            );
            let row = rows.entry(key).or_insert_with(|| (text.clone(), vec![None; nf]));
            if row.1[f].is_some() {
                return Err(Error::Prometheus {
                    at: origin,
                    detail: format!(
                        "two series share the row labels {text} (by {}); aggregate the query with sum by ({}) or name more labels",
                        by.join(", "),
                        by.join(", ")
                    ),
                });
            }
            row.1[f] = Some(v);
        }
    }
    let mut ids = Vec::new();
    let mut places = Vec::new();
    let mut values = Vec::new();
    for (key, (text, vals)) in rows {
        let id = key
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let missing: Vec<String> = vals
            .iter()
            .zip(&opts.features)
            .filter_map(|(v, (name, _))| match v {
                None => Some(format!("{name}: no series")),
                Some(Err(why)) => Some(format!("{name}: {why}")),
                Some(Ok(_)) => None,
            })
            .collect();
        if missing.is_empty() {
            values.extend(vals.iter().map(|v| match v {
                Some(Ok(x)) => *x,
                _ => unreachable!("complete rows have every value"),
            }));
            ids.push(if id.is_empty() { text.clone() } else { id });
            places.push(text);
        } else {
            summary
                .incomplete
                .push((if id.is_empty() { text } else { id }, missing));
        }
    }
    let source = opts.url.clone().unwrap_or_else(|| "saved responses".into());
    if ids.is_empty() {
        let examples: Vec<String> = summary
            .incomplete
            .iter()
            .take(3)
            .map(|(row, why)| format!("{row}: {}", why.join(", ")))
            .collect();
        return Err(Error::Prometheus {
            at: source,
            detail: format!(
                "no series has a finite value for every feature ({} left out: {}{})",
                summary.incomplete.len(),
                examples.join("; "),
                if summary.incomplete.len() > 3 { "; ..." } else { "" }
            ),
        });
    }
    let names: Vec<String> = opts.features.iter().map(|(n, _)| n.clone()).collect();
    let x = Matrix::new(values, ids.len(), nf)?;
    let id_name = if by.is_empty() {
        "series".to_string()
    } else {
        by.join("_")
    };
    let table = Table::from_matrix(names, x)?
        .with_ids(id_name, ids)?
        .with_source(source)
        .with_provenance(Provenance::Series(places));
    Ok((table, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_and_reductions() {
        assert!(sample("NaN").unwrap().is_nan());
        assert_eq!(sample("+Inf"), Some(f64::INFINITY));
        assert_eq!(sample("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(sample("0.25"), Some(0.25));
        let v: Vec<(f64, String)> = ["1", "NaN", "3", "+Inf", "2"]
            .iter()
            .map(|s| (0.0, s.to_string()))
            .collect();
        assert_eq!(reduce(&v, Reduce::Mean), Ok(2.0));
        assert_eq!(reduce(&v, Reduce::Max), Ok(3.0));
        assert_eq!(reduce(&v, Reduce::P95), Ok(2.9));
        assert!(reduce(&v[1..2], Reduce::Mean).is_err());
        assert_eq!(base64("user:pa55"), "dXNlcjpwYTU1");
        assert_eq!(base64("ab"), "YWI=");
    }

    #[test]
    fn responses_errors_and_warnings() {
        let mut w = Vec::new();
        let e = parse_response(
            r#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#,
            "q",
            Reduce::Mean,
            &mut w,
        )
        .unwrap_err();
        assert!(e.to_string().contains("bad_data: parse error"), "{e}");
        let ok = parse_response(
            r#"{"status":"success","warnings":["partial"],"data":{"resultType":"vector","result":[{"metric":{"handler":"/a"},"value":[1,"NaN"]},{"metric":{"handler":"/b"},"value":[1,"2.5"]}]}}"#,
            "q", Reduce::Mean, &mut w,
        ).unwrap();
        assert_eq!(w, ["q: partial"]);
        assert!(ok[0].1.is_err());
        assert_eq!(ok[1].1, Ok(2.5));
        assert!(parse_response(
            r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#,
            "q",
            Reduce::Mean,
            &mut w
        )
        .is_err());
        assert!(parse_response("<html>", "q", Reduce::Mean, &mut w).is_err());
    }
}
