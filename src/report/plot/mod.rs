//! One module per kind of picture.

pub mod dendrogram;
