//! Access logs to per-endpoint features: nginx (any `log_format`), Envoy (text, any format
//! string) and JSON lines, plain, gzip or zstd, several files or standard input, streamed in
//! constant memory on every core.
//!
//! Each line becomes a [`Record`] (method, target, status, duration, time); its target is
//! folded into a route ([`route`]); [`aggregate`] keeps, per endpoint (and window), counts and
//! a mergeable latency sketch, so the pieces read by different threads merge exactly: the
//! features do not depend on the thread count. Lines that do not parse are counted and shown
//! by position ([`BadLine`]); with [`LogOptions::strict`] the first is an error.

pub mod aggregate;
pub mod envoy;
pub mod jsonl;
pub mod nginx;
mod read;
pub mod route;
mod template;

use std::borrow::Cow;

pub use read::{aggregate_lines, ingest, BadLine, Ingested, LinesRead, LogSummary};
pub use template::Template;

use crate::error::{Error, Param, Result};
use jsonl::JsonFields;
use route::RouteMap;

/// What telecluster takes from one log line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record<'a> {
    /// The request method (`GET`).
    pub method: Cow<'a, str>,
    /// The request target as logged (path and query).
    pub target: Cow<'a, str>,
    /// The response status (0 where Envoy logs that none was sent).
    pub status: u16,
    /// The request's duration in microseconds, where the line has one.
    pub duration_us: Option<u64>,
    /// The time in Unix seconds, where the line has one.
    pub time: Option<i64>,
}

/// Why a line could not be read, and where in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// 0-based byte offset in the line.
    pub column: usize,
    /// What was wrong.
    pub reason: String,
}

impl LineError {
    pub(crate) fn new(column: usize, reason: String) -> Self {
        LineError { column, reason }
    }
}

/// A log format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Recognised from each file's first lines: nginx's common formats, Envoy's default, JSON.
    Auto,
    /// nginx, with a compiled `log_format` ([`nginx::compile`]).
    Nginx(Template),
    /// Envoy text, with a compiled format string ([`envoy::compile`]).
    Envoy(Template),
    /// JSON lines.
    Json(JsonFields),
}

/// The kinds of access log a caller names (`--format`, Python's `format=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogKind {
    /// Recognise each file from its first lines.
    #[default]
    Auto,
    /// nginx (`combined` unless a `log_format` is given).
    Nginx,
    /// Envoy text (Envoy's default format unless one is given).
    Envoy,
    /// JSON lines.
    Json,
}

impl std::str::FromStr for LogKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "auto" => LogKind::Auto,
            "nginx" => LogKind::Nginx,
            "envoy" => LogKind::Envoy,
            "json" => LogKind::Json,
            _ => {
                return Err(Error::invalid(
                    Param::LogFormat,
                    s,
                    "must be one of auto, nginx, envoy, json",
                ))
            }
        })
    }
}

/// The longest window: a century keeps window starts far from the integer limits.
const MAX_WINDOW_SECONDS: u64 = 100 * 365 * 86_400;

impl LogFormat {
    /// The format a caller describes: a kind, the format string that wrote the log (nginx's
    /// `log_format` or Envoy's; it implies nginx when the kind is `Auto`), and JSON field
    /// names (`method=F,path=F,status=F,duration=F:s|ms|us,time=F`) for JSON logs.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a format string that does not compile, a format string
    /// with JSON logs, or field names with a text format.
    pub fn from_parts(kind: LogKind, format: Option<&str>, json_fields: Option<&str>) -> Result<LogFormat> {
        let bad_format = |e: String| Error::invalid(Param::LogFormat, format.unwrap_or(""), e);
        let parsed = match (kind, format) {
            (LogKind::Auto, None) => LogFormat::Auto,
            (LogKind::Auto | LogKind::Nginx, Some(f)) => LogFormat::Nginx(nginx::compile(f).map_err(bad_format)?),
            (LogKind::Nginx, None) => LogFormat::Nginx(nginx::compile(nginx::COMBINED).map_err(bad_format)?),
            (LogKind::Envoy, f) => LogFormat::Envoy(envoy::compile(f.unwrap_or(envoy::DEFAULT)).map_err(bad_format)?),
            (LogKind::Json, Some(_)) => {
                return Err(Error::invalid(
                    Param::LogFormat,
                    "(given)",
                    "is for nginx and Envoy; JSON logs take their field names instead",
                ))
            }
            (LogKind::Json, None) => LogFormat::Json(JsonFields::default()),
        };
        match (json_fields, parsed) {
            (Some(spec), LogFormat::Json(_) | LogFormat::Auto) => Ok(LogFormat::Json(
                JsonFields::parse(spec).map_err(|e| Error::invalid(Param::JsonFields, spec, e))?,
            )),
            (Some(spec), _) => Err(Error::invalid(Param::JsonFields, spec, "is for JSON logs")),
            (None, f) => Ok(f),
        }
    }

    /// The window of one row per endpoint and window (`30s`, `5m`, `1h`, `1d`), in seconds,
    /// for logs of this format.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a duration that is not positive or above 36500d, or a format
    /// without a time.
    pub fn window_seconds(&self, window: &str) -> Result<u64> {
        let seconds = crate::io::time::parse_duration(window)
            .filter(|&s| s <= MAX_WINDOW_SECONDS)
            .ok_or_else(|| {
                Error::invalid(
                    Param::Window,
                    window,
                    "must be a positive duration of at most 36500d, such as 30s, 5m, 1h or 1d",
                )
            })?;
        if !self.has_time() {
            return Err(Error::invalid(
                Param::Window,
                window,
                "needs a log format with a time ($time_local, $time_iso8601 or $msec)",
            ));
        }
        Ok(seconds)
    }
}

impl LogFormat {
    /// Parses one line.
    ///
    /// # Errors
    /// Where and why the line does not fit the format.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, LineError> {
        match self {
            LogFormat::Nginx(t) | LogFormat::Envoy(t) => t.parse(line),
            LogFormat::Json(f) => jsonl::parse(f, line),
            LogFormat::Auto => Err(LineError::new(0, "no format chosen".into())),
        }
    }

    /// Whether lines of this format may carry a duration.
    pub fn has_duration(&self) -> bool {
        match self {
            LogFormat::Nginx(t) | LogFormat::Envoy(t) => t.has_duration(),
            LogFormat::Json(_) | LogFormat::Auto => true,
        }
    }

    /// Whether lines of this format may carry a time.
    pub fn has_time(&self) -> bool {
        match self {
            LogFormat::Nginx(t) | LogFormat::Envoy(t) => t.has_time(),
            LogFormat::Json(_) | LogFormat::Auto => true,
        }
    }

    /// The format that fits most of `lines` (at least one), among nginx's common formats,
    /// Envoy's default and JSON, with its name.
    pub fn detect(lines: &[&[u8]]) -> Option<(LogFormat, &'static str)> {
        let mut candidates: Vec<(LogFormat, &'static str)> = nginx::KNOWN
            .iter()
            .map(|(name, f)| {
                (
                    LogFormat::Nginx(nginx::compile(f).expect("known formats compile")),
                    *name,
                )
            })
            .collect();
        candidates.push((
            LogFormat::Envoy(envoy::compile(envoy::DEFAULT).expect("compiles")),
            "Envoy default",
        ));
        candidates.push((LogFormat::Json(JsonFields::default()), "JSON lines"));
        let mut best: Option<(usize, usize)> = None;
        for (k, (f, _)) in candidates.iter().enumerate() {
            let ok = lines.iter().filter(|l| f.parse(l).is_ok()).count();
            if ok > 0 && best.is_none_or(|(b, _)| ok > b) {
                best = Some((ok, k));
            }
        }
        best.map(|(_, k)| candidates.swap_remove(k))
    }
}

/// Which response statuses count as errors: classes `1xx` to `5xx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorClasses(u8);

impl Default for ErrorClasses {
    /// `5xx`.
    fn default() -> Self {
        ErrorClasses(1 << 5)
    }
}

impl ErrorClasses {
    /// Parses `4xx,5xx`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for anything but `1xx`..`5xx`.
    ///
    /// ```
    /// use telecluster::io::logs::ErrorClasses;
    /// let c = ErrorClasses::parse("4xx,5xx").unwrap();
    /// assert!(c.is_error(404) && c.is_error(503) && !c.is_error(200));
    /// ```
    pub fn parse(spec: &str) -> Result<ErrorClasses> {
        let mut bits = 0u8;
        for part in spec.split(',').map(str::trim) {
            match part.as_bytes() {
                [d @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] => bits |= 1 << (d - b'0'),
                _ => {
                    return Err(Error::invalid(
                        Param::ErrorStatuses,
                        spec,
                        "must list status classes such as 4xx,5xx",
                    ))
                }
            }
        }
        Ok(ErrorClasses(bits))
    }

    /// Whether `status` is an error.
    pub fn is_error(self, status: u16) -> bool {
        let class = status / 100;
        (1..=5).contains(&class) && self.0 & (1 << class) != 0
    }
}

/// How to turn logs into features.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogOptions {
    /// The format of every input.
    pub format: LogFormat,
    /// Rows per endpoint and window of this many seconds (one row per endpoint if `None`).
    pub window: Option<u64>,
    /// Which statuses are errors.
    pub errors: ErrorClasses,
    /// The user's routes, tried before the default id folding.
    pub routes: RouteMap,
    /// Fail on the first line that does not parse.
    pub strict: bool,
    /// How many bad lines the summary keeps to show.
    pub show_bad: usize,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            format: LogFormat::Auto,
            window: None,
            errors: ErrorClasses::default(),
            routes: RouteMap::default(),
            strict: false,
            show_bad: 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_prefers_the_format_that_fits() {
        let nginx = br#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 5 "-" "curl" 0.010 0.009"#;
        let (_, name) = LogFormat::detect(&[nginx, b"garbage"]).unwrap();
        assert_eq!(name, "combined + request and upstream times");
        let plain = br#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 5 "-" "curl""#;
        assert_eq!(LogFormat::detect(&[plain]).unwrap().1, "combined");
        let json = br#"{"request":"GET /a HTTP/1.1","status":200,"request_time":0.1}"#;
        assert_eq!(LogFormat::detect(&[json]).unwrap().1, "JSON lines");
        assert!(LogFormat::detect(&[b"nothing here"]).is_none());
        assert!(ErrorClasses::parse("5xx,6xx").is_err());
        assert!(!ErrorClasses::default().is_error(0));
    }
}
