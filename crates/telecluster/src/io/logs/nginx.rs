//! nginx access logs, read with the `log_format` that wrote them.
//!
//! The format is the string from `nginx.conf` (quoted pieces, as pasted from a `log_format`
//! directive, are joined) or a predefined name: `combined`, nginx's default. The variables that
//! matter are `$request` (or `$request_method` with `$request_uri`/`$uri`), `$status`,
//! `$request_time` (else `$upstream_response_time`), and `$time_local`, `$time_iso8601` or
//! `$msec` for `--window` and the request rate; every other variable is skipped.

use super::template::{Builder, Field, Template};

macro_rules! combined {
    () => {
        r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#
    };
}

/// nginx's predefined `combined` format.
pub const COMBINED: &str = combined!();

/// The formats tried, in order, when a log's format is not given: the most informative first.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "combined + request and upstream times",
        concat!(combined!(), " $request_time $upstream_response_time"),
    ),
    (
        "combined + upstream timings (rt= urt=)",
        concat!(
            combined!(),
            r#" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time""#
        ),
    ),
    ("combined + request time", concat!(combined!(), " $request_time")),
    (
        "main (combined + X-Forwarded-For)",
        concat!(combined!(), r#" "$http_x_forwarded_for""#),
    ),
    ("combined", COMBINED),
];

fn field(name: &str) -> Field {
    match name {
        "request" => Field::Request,
        "request_method" => Field::Method,
        "request_uri" | "uri" | "document_uri" => Field::Target,
        "status" => Field::Status,
        "request_time" => Field::Seconds,
        "upstream_response_time" => Field::UpstreamSeconds,
        "time_local" => Field::TimeLocal,
        "time_iso8601" => Field::TimeIso,
        "msec" => Field::Epoch,
        _ => Field::Skip,
    }
}

/// Joins the quoted pieces of a pasted `log_format` directive (`'$a - $b '` `'"$c"'`); a plain
/// format string is returned as it is.
fn unquote(format: &str) -> String {
    let t = format.trim().trim_end_matches(';');
    if !t.starts_with('\'') {
        return t.to_string();
    }
    t.split('\'').skip(1).step_by(2).collect()
}

/// Compiles an nginx `log_format` string (or `combined`).
///
/// # Errors
/// A message naming what is wrong: no `$status`, no request, two variables with nothing between.
///
/// ```
/// let t = telecluster::io::logs::nginx::compile("combined").unwrap();
/// assert!(!t.has_duration());
/// let t = telecluster::io::logs::nginx::compile("$time_iso8601 \"$request\" $status $request_time").unwrap();
/// assert!(t.has_duration() && t.has_time());
/// ```
pub fn compile(format: &str) -> Result<Template, String> {
    let format = if format.trim() == "combined" {
        COMBINED.to_string()
    } else {
        unquote(format)
    };
    let b = format.as_bytes();
    let mut t = Builder::default();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let braced = b.get(i + 1) == Some(&b'{');
            let start = i + 1 + usize::from(braced);
            let len = b[start..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if len == 0 || (braced && b.get(start + len) != Some(&b'}')) {
                return Err(format!("a `$` at byte {} is not followed by a variable name", i + 1));
            }
            let name = &format[start..start + len];
            t.variable(field(name), format!("${name}"));
            i = start + len + usize::from(braced);
        } else {
            t.literal(&b[i..=i]);
            i += 1;
        }
    }
    t.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_directives_are_joined() {
        let t = compile("'$remote_addr [$time_local] '\n   '\"$request\" $status ${request_time}';").unwrap();
        let vars: Vec<&str> = t.variables().collect();
        assert_eq!(
            vars,
            ["$remote_addr", "$time_local", "$request", "$status", "$request_time"]
        );
        assert!(compile("$status$request").is_err());
        assert!(compile("$remote_addr $request").is_err());
        assert!(compile("$ $status").is_err());
    }

    #[test]
    fn lines_of_the_known_formats_parse() {
        let t = compile(KNOWN[0].1).unwrap();
        let line = br#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /users/42?x=1 HTTP/1.1" 502 0 "-" "curl/8.0" 0.105 0.050, 0.055"#;
        let r = t.parse(line).unwrap();
        assert_eq!(
            (r.method.as_ref(), r.target.as_ref(), r.status),
            ("GET", "/users/42?x=1", 502)
        );
        assert_eq!((r.duration_us, r.time), (Some(105_000), Some(971_211_336)));
        let r = t.parse(&line[..line.len() - 19]).unwrap_err();
        assert!(r.reason.starts_with("$http_user_agent: no"), "{r:?}");
        let t = compile(KNOWN[1].1).unwrap();
        let line = br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "POST /a HTTP/2.0" 200 5 "-" "ua \"q\"" rt=0.200 uct="0.000" uht="0.100" urt="0.150""#;
        assert_eq!(t.parse(line).unwrap().duration_us, Some(200_000));
    }
}
