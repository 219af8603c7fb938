//! Timestamps as access logs and Prometheus write them, to and from Unix seconds (UTC), without a
//! calendar library: nginx's `$time_local` (`10/Oct/2000:13:55:36 -0700`), ISO 8601 / RFC 3339
//! (`2000-10-10T13:55:36-07:00`, `2016-04-15T20:17:00.310Z`), and durations such as `5m`.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian; Howard Hinnant's method).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0i64, |a, &b| a * 10 + i64::from(b - b'0')))
}

fn seconds(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, offset: i64) -> Option<i64> {
    let valid = (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s <= 60;
    valid.then(|| days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// `+hhmm`, `-hh:mm` or `Z` as seconds east of UTC.
fn offset(s: &[u8]) -> Option<i64> {
    match s {
        b"Z" | b"z" => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let rest: Vec<u8> = rest.iter().copied().filter(|&b| b != b':').collect();
            if rest.len() != 4 {
                return None;
            }
            let v = digits(&rest[..2])? * 3600 + digits(&rest[2..])? * 60;
            Some(if *sign == b'-' { -v } else { v })
        }
        _ => None,
    }
}

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// nginx's `$time_local`: `10/Oct/2000:13:55:36 -0700`.
///
/// ```
/// use telecluster::io::time::parse_time_local;
/// assert_eq!(parse_time_local(b"10/Oct/2000:13:55:36 -0700"), Some(971_211_336));
/// ```
pub fn parse_time_local(s: &[u8]) -> Option<i64> {
    if s.len() != 26 || s[2] != b'/' || s[6] != b'/' || s[11] != b':' || s[20] != b' ' {
        return None;
    }
    let mo = MONTHS.iter().position(|m| *m == &s[3..6])? as i64 + 1;
    seconds(
        digits(&s[7..11])?,
        mo,
        digits(&s[..2])?,
        digits(&s[12..14])?,
        digits(&s[15..17])?,
        digits(&s[18..20])?,
        offset(&s[21..])?,
    )
    .filter(|_| s[14] == b':' && s[17] == b':')
}

/// ISO 8601 / RFC 3339 with a zone (`Z` or an offset) and optional fraction of a second (dropped):
/// `2000-10-10T13:55:36-07:00`, `2016-04-15T20:17:00.310Z`; a space may stand for the `T`.
///
/// ```
/// use telecluster::io::time::parse_iso8601;
/// assert_eq!(parse_iso8601(b"2000-10-10T13:55:36-07:00"), Some(971_211_336));
/// assert_eq!(parse_iso8601(b"2016-04-15T20:17:00.310Z"), Some(1_460_751_420));
/// ```
pub fn parse_iso8601(s: &[u8]) -> Option<i64> {
    if s.len() < 20 || s[4] != b'-' || s[7] != b'-' || !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    if s[13] != b':' || s[16] != b':' {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    seconds(
        digits(&s[..4])?,
        digits(&s[5..7])?,
        digits(&s[8..10])?,
        digits(&s[11..13])?,
        digits(&s[14..16])?,
        digits(&s[17..19])?,
        offset(rest)?,
    )
}

/// Unix seconds as ISO 8601 in UTC: `2026-12-04T10:05:00Z`.
///
/// ```
/// assert_eq!(telecluster::io::time::format_iso8601(971_211_336), "2000-10-10T20:55:36Z");
/// ```
pub fn format_iso8601(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Unix seconds as nginx's `$time_local` in UTC: `04/Dec/2026:10:05:00 +0000`.
///
/// ```
/// use telecluster::io::time::{format_time_local, parse_time_local};
/// assert_eq!(format_time_local(971_211_336), "10/Oct/2000:20:55:36 +0000");
/// assert_eq!(parse_time_local(format_time_local(971_211_336).as_bytes()), Some(971_211_336));
/// ```
pub fn format_time_local(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let month = String::from_utf8_lossy(MONTHS[m as usize - 1]);
    format!(
        "{d:02}/{month}/{y:04}:{:02}:{:02}:{:02} +0000",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A duration such as `30s`, `5m`, `1h`, `1d` or `90` (seconds), in seconds; `None` unless it
/// is a positive whole number of seconds.
///
/// ```
/// use telecluster::io::time::parse_duration;
/// assert_eq!(parse_duration("5m"), Some(300));
/// assert_eq!(parse_duration("0s"), None);
/// ```
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    let unit = match &s[split..] {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(unit).filter(|&v| v > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn malformed_times_are_none() {
        assert_eq!(parse_time_local(b"10/Foo/2000:13:55:36 -0700"), None);
        assert_eq!(parse_time_local(b"10/Oct/2000:13:55:36"), None);
        assert_eq!(parse_time_local(b"10/Oct/2000:25:55:36 -0700"), None);
        assert_eq!(parse_iso8601(b"2000-10-10T13:55:36"), None);
        assert_eq!(parse_iso8601(b"2000-13-10T13:55:36Z"), None);
        assert_eq!(parse_iso8601(b"2000-10-10T13:55:36.Z"), None);
        assert_eq!(parse_iso8601(b"2000-10-10 13:55:36+00:00"), Some(971_186_136));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("99999999999999999999d"), None);
    }
}
