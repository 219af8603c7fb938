//! Access logs as JSON lines: nginx with `escape=json`, Envoy's `json_format`, or any logger
//! that writes one object a line. Fields are found by the names those write (or the names
//! given): values may be strings or numbers.

use std::borrow::Cow;

use super::template::{micros, parse_status};
use super::{LineError, Record};
use crate::io::time::{parse_iso8601, parse_time_local};

/// A duration field's unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Seconds (nginx's `$request_time`).
    Seconds,
    /// Milliseconds (Envoy's `%DURATION%`).
    Millis,
    /// Microseconds.
    Micros,
}

/// Which JSON fields hold what; `None` means "the first of the recognised names present".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonFields {
    /// The request method.
    pub method: Option<String>,
    /// The request target (path, with or without query), or the whole request line.
    pub path: Option<String>,
    /// The status code.
    pub status: Option<String>,
    /// The duration and its unit.
    pub duration: Option<(String, Unit)>,
    /// The time (ISO 8601, nginx's local time, or Unix seconds).
    pub time: Option<String>,
}

const METHOD: &[&str] = &["method", "request_method", ":method", "http_method"];
const PATH: &[&str] = &[
    "path",
    "request_uri",
    "uri",
    "url",
    "x-envoy-original-path",
    "request_path",
    "request",
];
const STATUS: &[&str] = &["status", "response_code", "status_code", "code"];
const DURATION: &[(&str, Unit)] = &[
    ("request_time", Unit::Seconds),
    ("duration", Unit::Millis),
    ("duration_ms", Unit::Millis),
    ("latency_ms", Unit::Millis),
    ("duration_us", Unit::Micros),
    ("upstream_response_time", Unit::Seconds),
];
const TIME: &[&str] = &[
    "time_iso8601",
    "start_time",
    "timestamp",
    "@timestamp",
    "time",
    "time_local",
    "msec",
];

impl JsonFields {
    /// Parses `method=NAME,path=NAME,status=NAME,duration=NAME:ms,time=NAME` (any subset; the
    /// duration unit is `s`, `ms` or `us`, seconds when omitted).
    ///
    /// # Errors
    /// A message naming the part that is not understood.
    pub fn parse(spec: &str) -> Result<JsonFields, String> {
        let mut f = JsonFields::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, name) = part.split_once('=').ok_or_else(|| {
                format!("{part:?}: expected ROLE=FIELD (roles: method, path, status, duration, time)")
            })?;
            let name = name.to_string();
            match key {
                "method" => f.method = Some(name),
                "path" => f.path = Some(name),
                "status" => f.status = Some(name),
                "time" => f.time = Some(name),
                "duration" => {
                    let (n, unit) = match name.rsplit_once(':') {
                        Some((n, "s")) => (n, Unit::Seconds),
                        Some((n, "ms")) => (n, Unit::Millis),
                        Some((n, "us")) => (n, Unit::Micros),
                        Some((_, u)) => return Err(format!("duration unit {u:?}: expected s, ms or us")),
                        None => (name.as_str(), Unit::Seconds),
                    };
                    f.duration = Some((n.to_string(), unit));
                }
                _ => {
                    return Err(format!(
                        "{key:?}: not a role (roles: method, path, status, duration, time)"
                    ))
                }
            }
        }
        Ok(f)
    }
}

type Object = serde_json::Map<String, serde_json::Value>;

fn lookup<'a>(obj: &'a Object, given: Option<&str>, known: &[&str]) -> Option<(&'a str, &'a serde_json::Value)> {
    match given {
        Some(n) => obj.get_key_value(n).map(|(k, v)| (k.as_str(), v)),
        None => known
            .iter()
            .find_map(|n| obj.get_key_value(*n).map(|(k, v)| (k.as_str(), v))),
    }
    .filter(|(_, v)| !v.is_null())
}

/// A scalar's text: strings as they are, numbers as JSON writes them.
fn scalar(v: &serde_json::Value) -> Option<Cow<'_, str>> {
    match v {
        serde_json::Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        serde_json::Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// Parses one JSON line.
pub(crate) fn parse<'a>(fields: &JsonFields, line: &'a [u8]) -> Result<Record<'a>, LineError> {
    let obj: Object = serde_json::from_slice(line)
        .map_err(|e| LineError::new(e.column().saturating_sub(1), format!("not a JSON object: {e}")))?;
    let missing = |role: &str| LineError::new(0, format!("no {role} field"));
    let mut rec = Record::default();
    let (pk, pv) = lookup(&obj, fields.path.as_deref(), PATH).ok_or_else(|| missing("request path"))?;
    let path = scalar(pv)
        .ok_or_else(|| LineError::new(0, format!("{pk}: not a string")))?
        .into_owned();
    let method = lookup(&obj, fields.method.as_deref(), METHOD)
        .and_then(|(_, v)| scalar(v))
        .map(Cow::into_owned);
    match method {
        Some(m) => {
            rec.method = Cow::Owned(m);
            rec.target = Cow::Owned(path);
        }
        None if pk == "request" => {
            let mut it = path.splitn(3, ' ');
            let (m, t) = (
                it.next().unwrap_or(""),
                it.next()
                    .ok_or_else(|| LineError::new(0, "request: malformed request line".into()))?,
            );
            rec.method = Cow::Owned(m.to_string());
            rec.target = Cow::Owned(t.to_string());
        }
        None => return Err(missing("request method")),
    }
    let (sk, sv) = lookup(&obj, fields.status.as_deref(), STATUS).ok_or_else(|| missing("status"))?;
    rec.status = scalar(sv)
        .and_then(|s| parse_status(s.as_bytes()))
        .ok_or_else(|| LineError::new(0, format!("{sk}: {sv} is not a status code")))?;
    let duration = match &fields.duration {
        Some((n, u)) => obj.get(n).filter(|v| !v.is_null()).map(|v| (n.as_str(), v, *u)),
        None => DURATION
            .iter()
            .find_map(|(n, u)| obj.get(*n).filter(|v| !v.is_null()).map(|v| (*n, v, *u))),
    };
    if let Some((dk, dv, unit)) = duration {
        let text = scalar(dv).ok_or_else(|| LineError::new(0, format!("{dk}: {dv} is not a number")))?;
        let us = match unit {
            Unit::Seconds => micros(text.as_bytes(), 6),
            Unit::Millis => micros(text.as_bytes(), 3),
            Unit::Micros => micros(text.as_bytes(), 0),
        };
        rec.duration_us = us.map_err(|e| LineError::new(0, format!("{dk}: {text:?} {e}")))?;
    }
    if let Some((tk, tv)) = lookup(&obj, fields.time.as_deref(), TIME) {
        let t = scalar(tv).and_then(|s| {
            let b = s.as_bytes();
            parse_iso8601(b).or_else(|| parse_time_local(b)).or_else(|| {
                let secs: f64 = s.parse().ok()?;
                // Unix milliseconds are told from seconds by their size.
                let secs = if secs > 1e11 { secs / 1000.0 } else { secs };
                (secs.is_finite() && secs >= 0.0).then_some(secs as i64)
            })
        });
        rec.time = Some(t.ok_or_else(|| LineError::new(0, format!("{tk}: {tv} is not a time")))?);
    }
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_and_envoy_lines() {
        let f = JsonFields::default();
        let r = parse(&f, br#"{"time_iso8601":"2000-10-10T13:55:36-07:00","request":"GET /a/1 HTTP/1.1","status":"503","request_time":"0.250"}"#).unwrap();
        assert_eq!(
            (r.method.as_ref(), r.target.as_ref(), r.status, r.duration_us),
            ("GET", "/a/1", 503, Some(250_000))
        );
        assert_eq!(r.time, Some(971_211_336));
        let r = parse(&f, br#"{"start_time":"2016-04-15T20:17:00.310Z","method":"POST","path":"/b","response_code":200,"duration":12}"#).unwrap();
        assert_eq!((r.status, r.duration_us), (200, Some(12_000)));
        let e = parse(&f, br#"{"method":"GET","path":"/b"}"#).unwrap_err();
        assert!(e.reason.contains("status"));
        assert!(parse(&f, b"{\"method\": ").is_err());
        let f = JsonFields::parse("path=u, method=m, status=s, duration=t:us").unwrap();
        let r = parse(&f, br#"{"u":"/x","m":"GET","s":404,"t":1500}"#).unwrap();
        assert_eq!((r.status, r.duration_us), (404, Some(1500)));
        assert!(JsonFields::parse("duration=t:h").is_err());
        assert!(JsonFields::parse("speed=t").is_err());
    }
}
