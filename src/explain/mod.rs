//! Explanations in the telemetry's own units: why a row is an anomaly.

pub mod anomaly;
