//! Per-endpoint state of an access log: request and error counts, the exact sum of durations and
//! a latency [`Sketch`], per window. Every part is an integer or a sketch of integers, so merging
//! states in any order gives the same state: threads, files and machines merge exactly.
//!
//! Both [`Stats`] and [`Aggregate`] have a compact, versioned byte form (`to_bytes`,
//! `from_bytes`) in which equal states are equal bytes, so partial states computed apart (by
//! Spark executors, say) travel and merge, and the merged bytes can be compared directly.

use std::collections::{BTreeMap, HashMap};

use crate::codec::{put_i64, put_str, put_u64, Reader};
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

const STATS_MAGIC: &[u8; 4] = b"TCes";
const AGGREGATE_MAGIC: &[u8; 4] = b"TCla";
const VERSION: u8 = 1;

impl Stats {
    /// Adds everything `o` counted: the result is the same whatever the order of merging.
    pub fn merge(&mut self, o: &Stats) {
        self.requests += o.requests;
        self.errors += o.errors;
        self.timed += o.timed;
        self.sum_us += o.sum_us;
        self.sketch.merge(&o.sketch);
    }

    fn write(&self, out: &mut Vec<u8>) {
        put_u64(out, self.requests);
        put_u64(out, self.errors);
        put_u64(out, self.timed);
        put_u64(out, self.sum_us as u64);
        put_u64(out, (self.sum_us >> 64) as u64);
        self.sketch.write(out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Stats> {
        let (requests, errors, timed) = (r.u64()?, r.u64()?, r.u64()?);
        let sum_us = u128::from(r.u64()?) | (u128::from(r.u64()?) << 64);
        let sketch = Sketch::read(r)?;
        if errors > requests || timed > requests || sketch.count() != timed {
            return Err(r.bad("an endpoint's counts contradict each other"));
        }
        Ok(Stats {
            requests,
            errors,
            timed,
            sum_us,
            sketch,
        })
    }

    /// The byte form: a few dozen bytes for a typical endpoint window.
    ///
    /// ```
    /// use telecluster::io::logs::aggregate::Stats;
    /// let mut s = Stats::default();
    /// s.requests = 3;
    /// assert_eq!(Stats::from_bytes(&s.to_bytes())?, s);
    /// # Ok::<(), telecluster::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = STATS_MAGIC.to_vec();
        out.push(VERSION);
        self.write(&mut out);
        out
    }

    /// Reads [`Stats::to_bytes`]' form.
    ///
    /// # Errors
    /// [`Error::State`](crate::Error::State) for bytes that are not such a state (another
    /// version, truncated, inconsistent counts).
    pub fn from_bytes(bytes: &[u8]) -> Result<Stats> {
        let mut r = Reader::new(bytes, "endpoint statistics");
        r.header(STATS_MAGIC, VERSION)?;
        let s = Stats::read(&mut r)?;
        r.end()?;
        Ok(s)
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

    /// Adds one endpoint window's state, counted elsewhere.
    pub fn add_stats(&mut self, endpoint: &str, window: i64, stats: &Stats) {
        let windows = match self.endpoints.get_mut(endpoint) {
            Some(w) => w,
            None => self.endpoints.entry(endpoint.into()).or_default(),
        };
        windows.entry(window).or_default().merge(stats);
    }

    /// Widens the time span seen to include `first..=last` (Unix seconds), as [`Aggregate::add`]
    /// does for each line's time: with [`Aggregate::add_stats`], rebuilds a state from its parts.
    pub fn add_span(&mut self, first: i64, last: i64) {
        self.first = Some(self.first.map_or(first, |f| f.min(first)));
        self.last = Some(self.last.map_or(last, |l| l.max(last)));
    }

    /// Every endpoint window's state, sorted by endpoint, then window.
    pub fn entries(&self) -> Vec<(&str, i64, &Stats)> {
        let mut keys: Vec<(&str, i64, &Stats)> = self
            .endpoints
            .iter()
            .flat_map(|(e, ws)| ws.iter().map(move |(w, s)| (&**e, *w, s)))
            .collect();
        keys.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        keys
    }

    /// The byte form, endpoints sorted: equal states give equal bytes, however they were split
    /// and merged.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = AGGREGATE_MAGIC.to_vec();
        out.push(VERSION);
        match self.span() {
            Some((a, b)) => {
                out.push(1);
                put_i64(&mut out, a);
                put_i64(&mut out, b);
            }
            None => out.push(0),
        }
        let entries = self.entries();
        put_u64(&mut out, entries.len() as u64);
        let mut previous: Option<&str> = None;
        for (e, w, s) in entries {
            // The endpoint's name once per run of its windows: a 1-byte flag repeats it.
            if previous == Some(e) {
                out.push(0);
            } else {
                out.push(1);
                put_str(&mut out, e);
                previous = Some(e);
            }
            put_i64(&mut out, w);
            s.write(&mut out);
        }
        out
    }

    /// Reads [`Aggregate::to_bytes`]' form.
    ///
    /// # Errors
    /// [`Error::State`](crate::Error::State) for bytes that are not such a state.
    pub fn from_bytes(bytes: &[u8]) -> Result<Aggregate> {
        let mut r = Reader::new(bytes, "log aggregate");
        r.header(AGGREGATE_MAGIC, VERSION)?;
        let mut agg = Aggregate::default();
        match r.u8()? {
            0 => {}
            1 => {
                let (a, b) = (r.i64()?, r.i64()?);
                if a > b {
                    return Err(r.bad("its time span ends before it starts"));
                }
                agg.add_span(a, b);
            }
            _ => return Err(r.bad("a malformed time span")),
        }
        let n = r.len()?;
        let mut name: Option<String> = None;
        for _ in 0..n {
            if r.u8()? == 1 {
                name = Some(r.str()?.to_string());
            }
            let Some(e) = name.as_deref() else {
                return Err(r.bad("a window before any endpoint"));
            };
            let w = r.i64()?;
            let s = Stats::read(&mut r)?;
            agg.add_stats(e, w, &s);
        }
        r.end()?;
        Ok(agg)
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
        let mut keys = self.entries();
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
    use proptest::prelude::*;

    type Request = (u8, i64, i64, bool, Option<u64>);

    fn request() -> impl Strategy<Value = Request> {
        (
            0u8..6,
            0i64..4,
            1_600_000_000i64..1_600_000_600,
            any::<bool>(),
            prop_oneof![Just(None), (0u64..5_000_000).prop_map(Some)],
        )
    }

    fn state_of(reqs: &[Request]) -> Aggregate {
        let mut a = Aggregate::default();
        for &(e, w, t, err, d) in reqs {
            a.add(&format!("GET /e{e}"), w, Some(t), err, d);
        }
        a
    }

    proptest! {
        /// Any partition of the requests, merged in any order and through the byte form,
        /// gives the whole log's state, bit for bit.
        #[test]
        fn any_split_in_any_order_gives_the_same_state(
            reqs in prop::collection::vec(request(), 0..300),
            part_of in prop::collection::vec(0usize..5, 300),
            order in Just((0..5usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let whole = state_of(&reqs);
            let mut parts = vec![Vec::new(); 5];
            for (i, r) in reqs.iter().enumerate() {
                parts[part_of[i]].push(*r);
            }
            let mut merged = Aggregate::default();
            for &p in &order {
                let bytes = state_of(&parts[p]).to_bytes();
                merged.merge(Aggregate::from_bytes(&bytes).unwrap());
            }
            prop_assert_eq!(merged.to_bytes(), whole.to_bytes());
            prop_assert_eq!(Aggregate::from_bytes(&whole.to_bytes()).unwrap().to_bytes(), whole.to_bytes());
            // Per endpoint window, as a keyed shuffle merges them.
            let mut keyed = Aggregate::default();
            for &p in order.iter().rev() {
                let part = state_of(&parts[p]);
                for (e, w, s) in part.entries() {
                    keyed.add_stats(e, w, &Stats::from_bytes(&s.to_bytes()).unwrap());
                }
                if let Some((a, b)) = part.span() {
                    keyed.add_span(a, b);
                }
            }
            prop_assert_eq!(keyed.to_bytes(), whole.to_bytes());
            prop_assert_eq!(
                keyed.to_table("x", Some(300)).map(|t| t.0.x().as_slice().to_vec()).ok(),
                whole.to_table("x", Some(300)).map(|t| t.0.x().as_slice().to_vec()).ok()
            );
        }

        #[test]
        fn corrupt_bytes_are_an_error_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let mut b = AGGREGATE_MAGIC.to_vec();
            b.push(VERSION);
            b.extend(&bytes);
            let _ = Aggregate::from_bytes(&b);
            let mut s = STATS_MAGIC.to_vec();
            s.push(VERSION);
            s.extend(&bytes);
            let _ = Stats::from_bytes(&s);
        }
    }

    #[test]
    fn other_bytes_are_refused_with_what_they_are_not() {
        let e = Aggregate::from_bytes(b"hello").unwrap_err().to_string();
        assert!(e.contains("not a telecluster log aggregate state"), "{e}");
        let mut b = Aggregate::default().to_bytes();
        b[4] = 9;
        assert!(Aggregate::from_bytes(&b).unwrap_err().to_string().contains("version 9"));
        b[4] = VERSION;
        b.push(0);
        assert!(Aggregate::from_bytes(&b).is_err());
    }

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
