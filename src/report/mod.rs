//! Pictures of the results, rendered only: the engines compute, this layer draws.
//!
//! Every picture is hand-written SVG with fixed-precision numbers and escaped text, so the same
//! result gives the same bytes and names taken from the data cannot inject markup.

pub mod plot;
pub mod svg;
