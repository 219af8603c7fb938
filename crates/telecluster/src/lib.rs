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
//! # Examples
//! The engines on a [`Matrix`], as scikit-learn's and scipy's calls are made on an array:
//! ```
//! use telecluster::cluster::linkage::{linkage, Cut, Method};
//! use telecluster::cluster::{DbscanParams, KMeansParams, Label};
//! use telecluster::Matrix;
//!
//! let x = Matrix::from_rows(&[[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0], [5.0, 5.1], [20.0, 0.0]])?;
//! let km = KMeansParams::new(3).seed(0).check()?.fit(&x)?;
//! assert_eq!(km.labels()[0], km.labels()[2]);
//! let db = DbscanParams::new(0.5, 2).check()?.fit(&x)?;
//! assert_eq!(db.labels()[6], Label::Noise);
//! let ward = linkage(&x, Method::Ward)?;
//! assert_eq!(ward.cut(Cut::MaxClusters(2))?, [0, 0, 0, 0, 0, 0, 1]);
//! # Ok::<(), telecluster::Error>(())
//! ```
//!
//! A file to the analysis' parts, as the command line runs them:
//! ```
//! use telecluster::analysis::{kmeans_part, KMeansPartParams, Prepared};
//! use telecluster::io::{csv::read, ReadOptions};
//! use telecluster::prep::{PrepParams, Scaling};
//!
//! let text = "endpoint,latency_ms,error_rate_pct\nGET /a,50,0.1\nGET /b,500,0.2\nGET /c,40,5\n";
//! let table = read(text.as_bytes(), "fleet.csv", b',', &ReadOptions::default())?.table;
//! assert_eq!(table.features(), ["latency_ms", "error_rate_pct"]);
//! let data = Prepared::new(&table, &PrepParams::new(Scaling::Standard))?;
//! let params = KMeansPartParams { n_clusters: telecluster::analysis::KChoice::Given(2), ..Default::default() };
//! let part = kmeans_part(&data, &params, &mut |_| {})?;
//! assert_eq!(part.labels.len(), 3);
//! # Ok::<(), telecluster::Error>(())
//! ```
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod analysis;
pub mod cluster;
mod codec;
pub mod data;
pub mod diff;
pub mod error;
pub mod explain;
pub mod format;
#[doc(hidden)]
pub mod fuzz;
pub mod index;
pub mod interrupt;
pub mod io;
pub mod matrix;
pub mod metric;
pub mod model;
pub mod prep;
pub mod report;
pub mod rng;
pub mod select;
mod simd;
pub mod sketch;
pub mod stats;

pub use data::table::{Provenance, Role, Table, TextColumn};
pub use error::{Error, Location, Param, Place, Result};
pub use matrix::{Matrix, MatrixRef};

/// The README's examples, compiled and run as doctests so they cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
