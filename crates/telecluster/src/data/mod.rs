//! The data model: tables of telemetry, the synthetic seed telemetry, and descriptions.

pub mod describe;
pub mod schema;
pub mod synth;
pub mod table;
