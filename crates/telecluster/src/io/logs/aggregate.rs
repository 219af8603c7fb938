//! Per-endpoint state of an access log: request and error counts, the exact sum of durations and
//! a latency [`Sketch`], per window. Every part is an integer or a sketch of integers, so merging
//! states in any order gives the same state: threads and files merge exactly.

use std::collections::{BTreeMap, HashMap};

use crate::data::table::Table;
use crate::error::Result;
use crate::io::time::format_iso8601;
use crate::matrix::Matrix;
use crate::sketch::Sketch;

/// One endpoint's requests in one window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests.
    pub requests: u64,
    /// Requests whose status is an error.
    pub errors: u64,
    /// Requests with a duration.
    pub timed: u64,
    /// Sum of their durations, in microseconds.
    pub sum_us: u128,
    /// Their durations.
    pub sketch: Sketch,
}

impl Stats {
    fn merge(&mut self, o: &Stats) {
        self.requests += o.requests;
        self.errors += o.errors;
        self.timed += o.timed;
        self.sum_us += o.sum_us;
        self.sketch.merge(&o.sketch);
    }
}

/// The state of a whole log (or of any part of it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aggregate {
    endpoints: HashMap<Box<str>, BTreeMap<i64, Stats>>,
    first: Option<i64>,
    last: Option<i64>,
}

/// The feature columns, in order.
pub const COLUMNS: [&str; 7] = [
    "requests",
    "rps",
    "error_rate_pct",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "latency_mean_ms",
];

/// Rounds to 6 significant digits: features keep what the sketch and the log's resolution
/// carry, and outputs stay readable.
fn round6(v: f64) -> f64 {
    format!("{v:.5e}").parse().unwrap_or(v)
}

impl Aggregate {
    /// Counts one request of `endpoint` in window `window` (0 without windows).
    pub fn add(&mut self, endpoint: &str, window: i64, time: Option<i64>, error: bool, duration_us: Option<u64>) {
        if let Some(t) = time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        let windows = match self.endpoints.get_mut(endpoint) {
            Some(w) => w,
            None => self.endpoints.entry(endpoint.into()).or_default(),
        };
        let s = windows.entry(window).or_default();
        s.requests += 1;
        s.errors += u64::from(error);
        if let Some(d) = duration_us {
            s.timed += 1;
            s.sum_us += u128::from(d);
            s.sketch.add(d);
        }
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: Aggregate) {
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (ep, windows) in other.endpoints {
            let mine = self.endpoints.entry(ep).or_default();
            for (w, s) in windows {
                mine.entry(w).or_default().merge(&s);
            }
        }
    }

    /// Endpoints seen.
    pub fn n_endpoints(&self) -> usize {
        self.endpoints.len()
    }

    /// The first and last time seen, in Unix seconds.
    pub fn span(&self) -> Option<(i64, i64)> {
        Some((self.first?, self.last?))
    }

    /// The feature table: one row per endpoint (and window of `window` seconds, in a carried
    /// `window_start` column), sorted; `rps` only where the lines have times, the latency
    /// columns only where they have durations. Rows without any duration, where others have
    /// one, are left out and counted in the second value.
    ///
    /// # Errors
    /// None in practice (the table is consistent by construction); kept for the table's checks.
    pub fn to_table(&self, source: &str, window: Option<u64>) -> Result<(Table, usize)> {
        let mut keys: Vec<(&str, i64, &Stats)> = self
            .endpoints
            .iter()
            .flat_map(|(e, ws)| ws.iter().map(move |(w, s)| (&**e, *w, s)))
            .collect();
        keys.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let timed = keys.iter().any(|k| k.2.timed > 0);
        let untimed = if timed {
            keys.iter().filter(|k| k.2.timed == 0).count()
        } else {
            0
        };
        if timed {
            keys.retain(|k| k.2.timed > 0);
        }
        let seconds = match (window, self.span()) {
            (Some(w), _) => Some(w as f64),
            (None, Some((a, b))) => Some((b - a + 1) as f64),
            (None, None) => None,
        };
        let mut names: Vec<String> = vec![COLUMNS[0].into()];
        if seconds.is_some() {
            names.push(COLUMNS[1].into());
        }
        names.push(COLUMNS[2].into());
        if timed {
            names.extend(COLUMNS[3..].iter().map(|c| c.to_string()));
        }
        let mut values = Vec::with_capacity(keys.len() * names.len());
        for (_, _, s) in &keys {
            values.push(s.requests as f64);
            if let Some(secs) = seconds {
                values.push(round6(s.requests as f64 / secs));
            }
            values.push(round6(100.0 * s.errors as f64 / s.requests as f64));
            if timed {
                for q in [0.5, 0.95, 0.99] {
                    values.push(round6(s.sketch.quantile(q).unwrap_or(0.0) / 1000.0));
                }
                values.push(round6(s.sum_us as f64 / s.timed as f64 / 1000.0));
            }
        }
        let x = Matrix::new(values, keys.len(), names.len())?;
        let mut table = Table::from_matrix(names, x)?
            .with_ids("endpoint", keys.iter().map(|k| k.0.to_string()).collect())?
            .with_source(source);
        if let Some(w) = window {
            let starts = keys.iter().map(|k| format_iso8601(k.1 * w as i64)).collect();
            table = table.with_carried("window_start", starts)?;
        }
        Ok((table, untimed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_parts_equal_the_whole() {
        let reqs: Vec<(&str, i64, bool, Option<u64>)> = (0..200)
            .map(|i| {
                (
                    ["GET /a", "GET /b", "POST /c"][i % 3],
                    (i % 7) as i64,
                    i % 11 == 0,
                    (i % 5 != 0).then_some(i as u64 * 997),
                )
            })
            .collect();
        let mut whole = Aggregate::default();
        let (mut a, mut b) = (Aggregate::default(), Aggregate::default());
        for (i, (e, t, err, d)) in reqs.iter().enumerate() {
            whole.add(e, 0, Some(1000 + t), *err, *d);
            if i % 2 == 0 { &mut a } else { &mut b }.add(e, 0, Some(1000 + t), *err, *d);
        }
        let mut ba = b.clone();
        ba.merge(a.clone());
        a.merge(b);
        assert_eq!(a, whole);
        assert_eq!(ba, whole);
        let (t, untimed) = whole.to_table("x", None).unwrap();
        assert_eq!((t.n_rows(), untimed), (3, 0));
        assert_eq!(t.features(), COLUMNS);
        assert_eq!(t.x().get(0, 0), 67.0);
        assert_eq!(t.x().get(0, 1), round6(67.0 / 7.0));
    }
}
