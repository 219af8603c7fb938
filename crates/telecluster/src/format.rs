//! Numbers as people read them in tables and summaries.

/// `v` with about six significant digits: plain notation for everyday magnitudes, scientific
/// for very large or very small ones, trailing zeros removed.
///
/// ```
/// use telecluster::format::human;
/// assert_eq!(human(49.87654321), "49.8765");
/// assert_eq!(human(0.1), "0.1");
/// assert_eq!(human(1234567.0), "1.23457e6");
/// assert_eq!(human(-0.0), "0");
/// ```
pub fn human(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return v.to_string();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        let s = format!("{v:.5e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim_zeros(mantissa));
    }
    let decimals = (5 - magnitude).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

/// A byte count in binary units, with three significant digits.
///
/// ```
/// use telecluster::format::bytes;
/// assert_eq!(bytes(512), "512 B");
/// assert_eq!(bytes(400_000_000), "381 MiB");
/// assert_eq!(bytes(40_000_000_000), "37.3 GiB");
/// ```
pub fn bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        return format!("{b} B");
    }
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{} {}", trim_zeros(&format!("{v:.digits$}")), UNITS[u])
}

/// Parses a byte count such as `512`, `800M`, `1.5GiB` or `16G` (binary units; `B` optional).
///
/// ```
/// use telecluster::format::parse_bytes;
/// assert_eq!(parse_bytes("1.5G"), Some(1_610_612_736));
/// assert_eq!(parse_bytes("800MiB"), Some(838_860_800));
/// assert_eq!(parse_bytes("12"), Some(12));
/// assert_eq!(parse_bytes("lots"), None);
/// ```
pub fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num.parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.trim_end_matches('b').trim_end_matches('i');
    let scale = match unit {
        "" => 1u64,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    };
    let total = v * scale as f64;
    (total.is_finite() && total >= 0.0 && total < u64::MAX as f64).then_some(total as u64)
}

/// An axis title for a column, its unit read from the name's suffix:
/// `latency_ms` → `latency (ms)`, `error_rate_pct` → `error rate (%)`.
///
/// ```
/// use telecluster::format::axis_label;
/// assert_eq!(axis_label("latency_ms"), "latency (ms)");
/// assert_eq!(axis_label("error_rate_pct"), "error rate (%)");
/// assert_eq!(axis_label("cpu"), "cpu");
/// ```
pub fn axis_label(column: &str) -> String {
    const UNITS: [(&str, &str); 10] = [
        ("_ms", "ms"),
        ("_us", "µs"),
        ("_seconds", "s"),
        ("_secs", "s"),
        ("_s", "s"),
        ("_pct", "%"),
        ("_percent", "%"),
        ("_bytes", "bytes"),
        ("_mb", "MB"),
        ("_rps", "requests/s"),
    ];
    for (suffix, unit) in UNITS {
        if let Some(base) = column.strip_suffix(suffix) {
            if !base.is_empty() {
                return format!("{} ({unit})", base.replace('_', " "));
            }
        }
    }
    column.to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_typical_telemetry() {
        assert_eq!(human(500.0), "500");
        assert_eq!(human(0.05), "0.05");
        assert_eq!(human(-12.5), "-12.5");
        assert_eq!(human(0.00001234), "1.234e-5");
        assert_eq!(human(f64::NAN), "NaN");
    }
}
