//! Envoy access logs in text form, read with the format string that wrote them (by default
//! Envoy's own default format, where `%DURATION%` is the total request time in milliseconds).

use super::template::{Builder, Field, Template};

/// Envoy's default access log format.
pub const DEFAULT: &str = concat!(
    r#"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" "#,
    r#"%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "#,
    r#"%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "#,
    r#""%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%""#
);

fn field(name: &str) -> Field {
    // A command's argument (`%START_TIME(%s)%`, `%REQ(:PATH):256%`) does not change its meaning.
    let base = name.split(['(', ':']).next().unwrap_or(name);
    match base {
        "START_TIME" if name == "START_TIME" => Field::TimeIso,
        "RESPONSE_CODE" => Field::Status,
        "DURATION" => Field::Millis,
        "REQ" | "REQUEST_HEADER" => {
            let header = name.trim_start_matches(base).trim_start_matches('(');
            let header = header.split(')').next().unwrap_or("").to_ascii_uppercase();
            match header.as_str() {
                ":METHOD" => Field::Method,
                ":PATH" | "X-ENVOY-ORIGINAL-PATH?:PATH" | "X-ENVOY-ORIGINAL-PATH" => Field::Target,
                _ => Field::Skip,
            }
        }
        _ => Field::Skip,
    }
}

/// Compiles an Envoy format string (`%COMMAND%` placeholders; `%%` is a literal `%`).
///
/// # Errors
/// A message naming what is wrong (an unclosed `%`, no `%RESPONSE_CODE%`, no path).
///
/// ```
/// let t = telecluster::io::logs::envoy::compile(telecluster::io::logs::envoy::DEFAULT).unwrap();
/// assert!(t.has_duration() && t.has_time());
/// ```
pub fn compile(format: &str) -> Result<Template, String> {
    let format = format.trim_end_matches('\n');
    let mut t = Builder::default();
    let mut rest = format;
    while let Some(i) = rest.find('%') {
        t.literal(&rest.as_bytes()[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('%') {
            t.literal(b"%");
            rest = r;
            continue;
        }
        // The command ends at the next `%` outside parentheses.
        let mut depth = 0;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    '%' if depth <= 0 => return true,
                    _ => {}
                }
                false
            })
            .map(|(j, _)| j)
            .ok_or_else(|| format!("the `%` at byte {} is never closed", format.len() - rest.len() + i + 1))?;
        let name = &after[..end];
        t.variable(field(name), format!("%{name}%"));
        rest = &after[end + 1..];
    }
    t.literal(rest.as_bytes());
    t.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_lines_parse() {
        let t = compile(DEFAULT).unwrap();
        let line = br#"[2016-04-15T20:17:00.310Z] "POST /api/v1/locations/8f14e45f?x=1 HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80""#;
        let r = t.parse(line).unwrap();
        assert_eq!(
            (r.method.as_ref(), r.target.as_ref(), r.status),
            ("POST", "/api/v1/locations/8f14e45f?x=1", 204)
        );
        assert_eq!((r.duration_us, r.time), (Some(226_000), Some(1_460_751_420)));
        assert!(compile("%START_TIME% %RESPONSE_CODE").is_err());
        assert!(compile("%REQ(:PATH)% %RESPONSE_CODE% 100%%").is_ok());
    }
}
