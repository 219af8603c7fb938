//! telecluster finds structure in operations telemetry: which endpoints or hosts behave alike,
//! which fit no group at all, and how they relate.
//!
//! The library is layered; each layer uses only those below it, and data flows one way:
//! read ([`io`]) → prepare ([`prep`]) → cluster → select/explain → render → write.
//!
//! - [`Matrix`]: row-major, finite `f64`; every engine's input.
//! - [`Table`]: a matrix plus entity ids, carried columns and where each row came from;
//!   every input source fills one.
//! - [`prep`]: scaling with scikit-learn's semantics (standard, robust, minmax), `log1p`, and
//!   the inverse maps that report results in the telemetry's own units.
//! - [`data::synth`]: the seed notebook's synthetic API telemetry.
//!
//! # Example
//! ```
//! use telecluster::io::csv::{read, CsvOptions};
//! use telecluster::prep::{Prep, PrepParams, Scaling};
//!
//! let text = "endpoint,latency_ms,error_rate_pct\nGET /a,50,0.1\nGET /b,500,0.2\nGET /c,40,5\n";
//! let table = read(text.as_bytes(), "fleet.csv", b',', &CsvOptions::default())?.table;
//! assert_eq!(table.features(), ["latency_ms", "error_rate_pct"]);
//!
//! let (prep, z) = Prep::fit_transform(&PrepParams::new(Scaling::Standard), table.x(), table.features())?;
//! let back = prep.inverse_transform(&z)?;
//! assert!((back.get(1, 0) - 500.0).abs() < 1e-9);
//! # Ok::<(), telecluster::Error>(())
//! ```
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod analysis;
pub mod cluster;
pub mod data;
pub mod error;
pub mod explain;
pub mod format;
pub mod index;
pub mod io;
pub mod matrix;
pub mod metric;
pub mod prep;
pub mod report;
pub mod rng;
pub mod select;
mod simd;
pub mod stats;

pub use data::table::{Role, Table, TextColumn};
pub use error::{Error, Location, Param, Place, Result};
pub use matrix::Matrix;

/// The README's examples, compiled and run as doctests so they cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
