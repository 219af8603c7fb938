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
