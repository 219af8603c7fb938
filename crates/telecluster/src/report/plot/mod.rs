//! One module per kind of picture.

pub mod curve;
pub mod dendrogram;
pub mod frame;
pub mod moves;
pub mod scatter;
