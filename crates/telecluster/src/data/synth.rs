//! The seed notebook's synthetic API telemetry, as the notebook meant it.
//!
//! Three equal groups of endpoints (healthy, slow, failing) with a per-feature spread — 10 ms of
//! latency and 0.05 percentage points of error rate around each group's centre — plus uniform
//! anomalies over [100, 800] ms × [1, 8] %. (The notebook passed the per-feature spread to
//! `make_blobs` as if it were per-centre, which current scikit-learn rejects.)

use crate::data::table::Table;
use crate::error::{Error, Param, Result};
use crate::matrix::Matrix;
use crate::rng::Rng;

/// One behaviour group: its name, its centre and its per-feature spread.
struct Group {
    name: &'static str,
    centre: [f64; 2],
}

const GROUPS: [Group; 3] = [
    Group {
        name: "healthy",
        centre: [50.0, 0.1],
    },
    Group {
        name: "slow",
        centre: [500.0, 0.2],
    },
    Group {
        name: "failing",
        centre: [40.0, 5.0],
    },
];

/// Per-feature standard deviation: latency (ms), error rate (percentage points).
const SPREAD: [f64; 2] = [10.0, 0.05];
/// The anomalies' uniform box: latency range (ms), error-rate range (%).
const ANOMALY_LOW: [f64; 2] = [100.0, 1.0];
const ANOMALY_HIGH: [f64; 2] = [800.0, 8.0];

/// The feature names of the generated telemetry.
pub const FEATURES: [&str; 2] = ["latency_ms", "error_rate_pct"];

/// What to generate: sizes and the seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TelemetrySpec {
    /// Normal endpoints, split as evenly as possible over healthy, slow and failing
    /// (the first groups take the remainder).
    pub endpoints: usize,
    /// Anomalous endpoints drawn uniformly over the anomaly box.
    pub anomalies: usize,
    /// The seed; the same seed gives the same table.
    pub seed: u64,
}

impl Default for TelemetrySpec {
    /// The notebook's sizes: 300 endpoints, 20 anomalies, seed 42.
    fn default() -> Self {
        TelemetrySpec {
            endpoints: 300,
            anomalies: 20,
            seed: 42,
        }
    }
}

/// Generates the seed telemetry: id `endpoint`, features `latency_ms` and `error_rate_pct`,
/// carried `group` (`healthy|slow|failing|anomaly`, the ground truth for evaluation).
///
/// Rows come group by group, anomalies last. Values are rounded as a metrics exporter would
/// print them (latency to 1 µs, error rate to 0.0001 points) and clipped at 0.
///
/// # Errors
/// [`Error::InvalidParam`] when the total is 0 or too large to hold in memory.
///
/// # Examples
/// ```
/// use telecluster::data::synth::{seed_telemetry, TelemetrySpec};
/// let t = seed_telemetry(&TelemetrySpec::default()).unwrap();
/// assert_eq!(t.n_rows(), 320);
/// assert_eq!(t.features(), ["latency_ms", "error_rate_pct"]);
/// ```
pub fn seed_telemetry(spec: &TelemetrySpec) -> Result<Table> {
    let total = spec
        .endpoints
        .checked_add(spec.anomalies)
        .filter(|&t| t <= 100_000_000)
        .ok_or_else(|| {
            Error::invalid(
                Param::Size,
                format!("{} + {}", spec.endpoints, spec.anomalies),
                "must be at most 100000000",
            )
        })?;
    if total == 0 {
        return Err(Error::invalid(Param::Size, 0, "must be >= 1"));
    }
    let mut rng = Rng::new(spec.seed);
    let names = route_names(&mut rng, total);

    let mut data = Vec::with_capacity(total * 2);
    let mut group = Vec::with_capacity(total);
    for (g, spec_group) in GROUPS.iter().enumerate() {
        let size = spec.endpoints / 3 + usize::from(g < spec.endpoints % 3);
        for _ in 0..size {
            for (centre, spread) in spec_group.centre.iter().zip(SPREAD) {
                data.push(centre + spread * rng.normal());
            }
            group.push(spec_group.name.to_string());
        }
    }
    for _ in 0..spec.anomalies {
        for (low, high) in ANOMALY_LOW.iter().zip(ANOMALY_HIGH) {
            data.push(rng.uniform_in(*low, high));
        }
        group.push("anomaly".to_string());
    }
    for pair in data.chunks_exact_mut(2) {
        pair[0] = round_to(pair[0].max(0.0), 1e3);
        pair[1] = round_to(pair[1].max(0.0), 1e4);
    }

    let x = Matrix::new(data, total, 2)?;
    Table::from_matrix(FEATURES.iter().map(|s| s.to_string()).collect(), x)?
        .with_ids("endpoint", names)?
        .with_carried("group", group)
}

/// Rounds to `1/per_unit` steps; dividing two exact integers gives the f64 nearest the decimal,
/// so the value prints back with the few digits it was rounded to.
fn round_to(v: f64, per_unit: f64) -> f64 {
    (v * per_unit).round() / per_unit
}

const RESOURCES: [&str; 30] = [
    "orders",
    "payments",
    "users",
    "accounts",
    "carts",
    "products",
    "inventory",
    "shipments",
    "invoices",
    "refunds",
    "reviews",
    "sessions",
    "tokens",
    "notifications",
    "search",
    "recommendations",
    "subscriptions",
    "coupons",
    "addresses",
    "wishlists",
    "returns",
    "ratings",
    "messages",
    "events",
    "reports",
    "webhooks",
    "files",
    "images",
    "prices",
    "catalogs",
];

/// (method, path after the resource); `{id}` is a path parameter, as routers print routes.
const ROUTES: [(&str, &str); 10] = [
    ("GET", ""),
    ("GET", "/{id}"),
    ("POST", ""),
    ("PUT", "/{id}"),
    ("PATCH", "/{id}"),
    ("DELETE", "/{id}"),
    ("GET", "/{id}/history"),
    ("GET", "/{id}/status"),
    ("POST", "/{id}/retry"),
    ("GET", "/export"),
];

/// `n` distinct route names, drawn from API versions v1, v2, … (as many as `n` needs, plus one
/// so the draw is a real choice).
fn route_names(rng: &mut Rng, n: usize) -> Vec<String> {
    let per_version = RESOURCES.len() * ROUTES.len();
    let pool = (n / per_version + 2) * per_version;
    let mut picks: Vec<usize> = (0..pool).collect();
    rng.shuffle(&mut picks);
    picks.truncate(n);
    picks
        .into_iter()
        .map(|p| {
            let version = p / per_version + 1;
            let r = p % per_version;
            let (method, tail) = ROUTES[r % ROUTES.len()];
            let resource = RESOURCES[r / ROUTES.len()];
            format!("{method} /api/v{version}/{resource}{tail}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_spec_gives_the_notebooks_shape() {
        let t = seed_telemetry(&TelemetrySpec::default()).unwrap();
        assert_eq!(t.n_rows(), 320);
        let groups = &t.carried()[0].values;
        for (name, count) in [("healthy", 100), ("slow", 100), ("failing", 100), ("anomaly", 20)] {
            assert_eq!(groups.iter().filter(|g| *g == name).count(), count, "{name}");
        }
    }

    #[test]
    fn names_are_unique_routes() {
        let t = seed_telemetry(&TelemetrySpec {
            endpoints: 2000,
            anomalies: 10,
            seed: 1,
        })
        .unwrap();
        let mut ids = t.ids().unwrap().values.clone();
        assert!(ids.iter().all(|s| s.contains(" /api/v")));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 2010);
    }

    #[test]
    fn remainder_goes_to_first_groups_and_values_are_clipped() {
        let t = seed_telemetry(&TelemetrySpec {
            endpoints: 5,
            anomalies: 0,
            seed: 3,
        })
        .unwrap();
        assert_eq!(t.carried()[0].values, ["healthy", "healthy", "slow", "slow", "failing"]);
        assert!(t.x().as_slice().iter().all(|&v| v >= 0.0));
    }

    #[test]
    fn rejects_nothing_to_generate() {
        let spec = TelemetrySpec {
            endpoints: 0,
            anomalies: 0,
            seed: 0,
        };
        assert!(matches!(seed_telemetry(&spec), Err(Error::InvalidParam { .. })));
        let spec = TelemetrySpec {
            endpoints: usize::MAX,
            anomalies: 2,
            seed: 0,
        };
        assert!(seed_telemetry(&spec).is_err());
    }
}
