//! A line format compiled from a template of literal text and variables, shared by nginx's
//! `log_format` (`$var`) and Envoy's format strings (`%VAR%`): a line is matched left to right,
//! each variable taking the text up to the literal that follows it.

use super::{LineError, Record};
use crate::io::time::{parse_iso8601, parse_time_local};

/// What a variable of the template means to telecluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// Not used (client address, user agent, bytes...).
    Skip,
    /// The request line, `GET /users/12?x=1 HTTP/1.1`.
    Request,
    /// The request method.
    Method,
    /// The request target (path and query).
    Target,
    /// The response status code.
    Status,
    /// A duration in seconds with a decimal fraction (`$request_time`).
    Seconds,
    /// nginx's list of upstream times in seconds (`0.010, 0.020 : 0.030` or `-`), summed.
    UpstreamSeconds,
    /// A duration in whole or decimal milliseconds (Envoy's `%DURATION%`).
    Millis,
    /// `10/Oct/2000:13:55:36 -0700`.
    TimeLocal,
    /// ISO 8601 with a zone.
    TimeIso,
    /// Unix seconds with a decimal fraction (`$msec`).
    Epoch,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Literal(Vec<u8>),
    Var { field: Field, name: String },
}

/// Collects a template's pieces as a format string is scanned: runs of literal bytes and
/// variables.
#[derive(Default)]
pub(crate) struct Builder {
    tokens: Vec<Token>,
    literal: Vec<u8>,
}

impl Builder {
    pub(crate) fn literal(&mut self, bytes: &[u8]) {
        self.literal.extend_from_slice(bytes);
    }

    pub(crate) fn variable(&mut self, field: Field, name: String) {
        if !self.literal.is_empty() {
            self.tokens.push(Token::Literal(std::mem::take(&mut self.literal)));
        }
        self.tokens.push(Token::Var { field, name });
    }

    pub(crate) fn finish(mut self) -> Result<Template, String> {
        if !self.literal.is_empty() {
            self.tokens.push(Token::Literal(self.literal));
        }
        Template::new(self.tokens)
    }
}

/// A compiled template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub(crate) tokens: Vec<Token>,
}

impl Template {
    /// Compiles tokens; two variables with no text between them cannot be told apart.
    pub(crate) fn new(tokens: Vec<Token>) -> Result<Template, String> {
        for w in tokens.windows(2) {
            if let [Token::Var { name: a, .. }, Token::Var { name: b, .. }] = w {
                return Err(format!(
                    "{a} and {b} have no text between them, so a line cannot be split"
                ));
            }
        }
        let has = |f: Field| {
            tokens
                .iter()
                .any(|t| matches!(t, Token::Var { field, .. } if *field == f))
        };
        if !has(Field::Status) {
            return Err("the format has no response status".into());
        }
        if !has(Field::Request) && !has(Field::Target) {
            return Err("the format has no request line or request path".into());
        }
        Ok(Template { tokens })
    }

    fn has(&self, f: Field) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, Token::Var { field, .. } if *field == f))
    }

    /// Whether lines carry a duration.
    pub fn has_duration(&self) -> bool {
        self.has(Field::Seconds) || self.has(Field::UpstreamSeconds) || self.has(Field::Millis)
    }

    /// Whether lines carry a time.
    pub fn has_time(&self) -> bool {
        self.has(Field::TimeLocal) || self.has(Field::TimeIso) || self.has(Field::Epoch)
    }

    /// The variables, in order, as the format names them.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Var { name, .. } => Some(name.as_str()),
            Token::Literal(_) => None,
        })
    }

    /// Parses one line (without its newline).
    pub(crate) fn parse<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, LineError> {
        let mut rec = Record::default();
        let (mut request_secs, mut upstream) = (None, None);
        let mut pos = 0;
        for (k, tok) in self.tokens.iter().enumerate() {
            match tok {
                Token::Literal(lit) => {
                    if !line[pos..].starts_with(lit) {
                        return Err(LineError::new(
                            pos,
                            format!("expected '{}'", String::from_utf8_lossy(lit)),
                        ));
                    }
                    pos += lit.len();
                }
                Token::Var { field, name } => {
                    let end = match (field, self.tokens.get(k + 1)) {
                        (Field::TimeLocal, _) if line.len() >= pos + 26 => pos + 26,
                        (Field::UpstreamSeconds, _) => {
                            pos + line[pos..]
                                .iter()
                                .position(|b| !matches!(b, b'0'..=b'9' | b'.' | b'-' | b',' | b':' | b' '))
                                .unwrap_or(line.len() - pos)
                        }
                        (_, Some(Token::Literal(lit))) => match find(&line[pos..], lit) {
                            Some(i) => pos + i,
                            None => {
                                return Err(LineError::new(
                                    pos,
                                    format!("{name}: no '{}' after it", String::from_utf8_lossy(lit)),
                                ))
                            }
                        },
                        _ => line.len(),
                    };
                    let mut value = &line[pos..end];
                    if *field == Field::UpstreamSeconds {
                        // The list's own spaces may run into the literal that follows.
                        while let Some(v) = value.strip_suffix(b" ") {
                            value = v;
                        }
                    }
                    let at = |reason: String| LineError::new(pos, format!("{name}: {reason}"));
                    match field {
                        Field::Skip => {}
                        Field::Request => {
                            let (m, t) = split_request(value).ok_or_else(|| at("malformed request line".into()))?;
                            rec.method = text(m).map_err(&at)?;
                            rec.target = text(t).map_err(&at)?;
                        }
                        Field::Method => rec.method = text(value).map_err(&at)?,
                        Field::Target => rec.target = text(value).map_err(&at)?,
                        Field::Status => {
                            rec.status = parse_status(value).ok_or_else(|| at(bad(value, "a status code")))?
                        }
                        Field::Seconds => request_secs = micros(value, 6).map_err(|e| at(e.into()))?,
                        Field::UpstreamSeconds => upstream = upstream_micros(value).map_err(|e| at(e.into()))?,
                        Field::Millis => request_secs = micros(value, 3).map_err(|e| at(e.into()))?,
                        Field::TimeLocal => {
                            rec.time = Some(
                                parse_time_local(value)
                                    .ok_or_else(|| at(bad(value, "a time such as 10/Oct/2000:13:55:36 -0700")))?,
                            )
                        }
                        Field::TimeIso => {
                            rec.time = Some(
                                parse_iso8601(value).ok_or_else(|| at(bad(value, "an ISO 8601 time with a zone")))?,
                            )
                        }
                        Field::Epoch => {
                            rec.time = Some(parse_epoch(value).ok_or_else(|| at(bad(value, "Unix seconds")))?)
                        }
                    }
                    pos = end;
                }
            }
        }
        if pos != line.len() {
            return Err(LineError::new(
                pos,
                "unexpected text after the format's last field".into(),
            ));
        }
        rec.duration_us = request_secs.or(upstream);
        Ok(rec)
    }
}

fn bad(value: &[u8], expected: &str) -> String {
    let shown: String = String::from_utf8_lossy(value).chars().take(40).collect();
    format!("{shown:?} is not {expected}")
}

fn text(b: &[u8]) -> Result<std::borrow::Cow<'_, str>, String> {
    std::str::from_utf8(b)
        .map(std::borrow::Cow::Borrowed)
        .map_err(|_| "invalid UTF-8".to_string())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = hay[from..].iter().position(|&b| b == first) {
        let at = from + i;
        if hay[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `GET /path HTTP/1.1` (or HTTP/0.9's `GET /path`) as method and target.
fn split_request(v: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = v.iter().position(|&b| b == b' ')?;
    let (method, rest) = (&v[..sp], &v[sp + 1..]);
    let target = match rest.iter().rposition(|&b| b == b' ') {
        Some(i) if rest[i + 1..].starts_with(b"HTTP/") => &rest[..i],
        _ => rest,
    };
    let token = !method.is_empty()
        && method
            .iter()
            .all(|b| b.is_ascii_uppercase() || *b == b'-' || *b == b'_');
    (token && !target.is_empty()).then_some((method, target))
}

/// A status code: 100–599, or Envoy's 0 for "no response was sent".
pub(crate) fn parse_status(v: &[u8]) -> Option<u16> {
    if v == b"0" {
        return Some(0);
    }
    if v.len() != 3 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let s = v.iter().fold(0u16, |a, &b| a * 10 + u16::from(b - b'0'));
    (100..600).contains(&s).then_some(s)
}

/// A non-negative decimal in a unit of 10^`scale` microseconds (6 for seconds, 3 for
/// milliseconds, 0 for microseconds) as whole microseconds, finer digits dropped; `-` is none.
/// Exact: no float is involved, so sums over any split of the input agree to the last digit.
pub(crate) fn micros(v: &[u8], scale: u32) -> Result<Option<u64>, &'static str> {
    if v == b"-" || v.is_empty() {
        return Ok(None);
    }
    let (int, frac) = match v.iter().position(|&b| b == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &v[..0]),
    };
    if int.is_empty() || !int.iter().chain(frac).all(u8::is_ascii_digit) || int.len() > 12 {
        return Err("not a non-negative decimal number");
    }
    let mut us = int.iter().fold(0u64, |a, &b| a * 10 + u64::from(b - b'0')) * 10u64.pow(scale);
    let mut place = 10u64.pow(scale);
    for &b in frac.iter().take(scale as usize) {
        place /= 10;
        us += u64::from(b - b'0') * place;
    }
    Ok(Some(us))
}

/// nginx's upstream time list: times of upstreams tried in turn (`, `) and across internal
/// redirects (` : `), summed; `-` entries (no response) count as nothing.
fn upstream_micros(v: &[u8]) -> Result<Option<u64>, &'static str> {
    let mut total = None;
    for part in v.split(|&b| b == b',' || b == b':') {
        let part = part.trim_ascii();
        if let Some(us) = micros(part, 6)? {
            // Saturating: a garbage list of huge times must not overflow.
            total = Some(total.unwrap_or(0u64).saturating_add(us));
        }
    }
    Ok(total)
}

fn parse_epoch(v: &[u8]) -> Option<i64> {
    let int = v.split(|&b| b == b'.').next()?;
    if int.is_empty() || int.len() > 12 || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    micros(v, 6).ok().flatten()?;
    Some(int.iter().fold(0i64, |a, &b| a * 10 + i64::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_microseconds() {
        assert_eq!(micros(b"0.010", 6), Ok(Some(10_000)));
        assert_eq!(micros(b"12", 6), Ok(Some(12_000_000)));
        assert_eq!(micros(b"1.2345678", 6), Ok(Some(1_234_567)));
        assert_eq!(micros(b"226", 3), Ok(Some(226_000)));
        assert_eq!(micros(b"0.5", 3), Ok(Some(500)));
        assert_eq!(micros(b"-", 6), Ok(None));
        assert!(micros(b"1e3", 6).is_err());
        assert!(micros(b"-1", 6).is_err());
        assert_eq!(upstream_micros(b"0.010, 0.020 : 0.030"), Ok(Some(60_000)));
        assert_eq!(upstream_micros(b"-, 0.002"), Ok(Some(2_000)));
        assert_eq!(upstream_micros(b"-"), Ok(None));
        let huge = [&b"999999999999.9"[..]; 30].join(&b", "[..]);
        assert_eq!(upstream_micros(&huge), Ok(Some(u64::MAX)));
    }

    #[test]
    fn requests_and_statuses() {
        assert_eq!(
            split_request(b"GET /a?b=1 HTTP/1.1"),
            Some((&b"GET"[..], &b"/a?b=1"[..]))
        );
        assert_eq!(split_request(b"GET /a"), Some((&b"GET"[..], &b"/a"[..])));
        assert_eq!(split_request(b"\x16\x03\x01"), None);
        assert_eq!(split_request(b"-"), None);
        assert_eq!(parse_status(b"503"), Some(503));
        assert_eq!(parse_status(b"700"), None);
        assert_eq!(parse_status(b"20x"), None);
        assert_eq!(parse_epoch(b"1460751420.310"), Some(1_460_751_420));
    }
}
