//! Explanations in the telemetry's own units: why a row is an anomaly, and what each cluster
//! is (healthy, slow, failing, ...) against the fleet.

pub mod anomaly;
pub mod consensus;
pub mod profile;
