//! Input and output: one file per format.

pub mod csv;
pub mod output;

pub use output::write_atomic;
