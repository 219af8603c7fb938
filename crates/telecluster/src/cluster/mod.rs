//! The clustering engines. Each takes a [`crate::Matrix`] of prepared features, validates its
//! parameters once (`Params::new(..).check()?`), and `fit` returns a fitted model.
//!
//! # The contract every engine keeps
//! (tested for each K-Means algorithm, each DBSCAN index and each linkage in
//! `tests/contract.rs`):
//! - no rows: [`crate::Error::InvalidParam`] naming `n_samples`, never a panic or an empty model;
//! - one row: one cluster, label 0 (DBSCAN: with `min_samples` 1; else noise);
//! - every row identical: one cluster for all (K-Means also warns that it found fewer distinct
//!   clusters than asked for);
//! - duplicated rows share their label;
//! - one label per row; the same input and seed give the same bits with any thread count;
//! - a permutation of well-separated rows gives the same partition.

pub mod dbscan;
pub(crate) mod distance;
pub mod kmeans;
pub mod linkage;

pub use dbscan::{Dbscan, DbscanParams, DbscanValidParams, Label, RedFlag};
pub use kmeans::Init;
pub use kmeans::{Algorithm, KMeans, KMeansParams, KMeansValidParams, Refine};
pub use linkage::{Dendrogram, LinkageParams, Method};

/// Refuses a matrix without rows, as every engine does.
pub(crate) fn require_rows(x: crate::MatrixRef<'_>) -> crate::Result<()> {
    if x.n_rows() == 0 {
        return Err(crate::Error::invalid(crate::Param::NSamples, 0, "must be >= 1"));
    }
    Ok(())
}

/// Renumbers cluster labels in order of first appearance (the first row's cluster becomes 0),
/// so outputs read top to bottom. Returns the new label of each old one (`None` for labels
/// that never appear).
///
/// ```
/// use telecluster::cluster::first_appearance;
/// assert_eq!(first_appearance(&[2, 2, 0, 1], 4), vec![Some(1), Some(2), Some(0), None]);
/// ```
pub fn first_appearance(labels: &[u32], n_labels: usize) -> Vec<Option<u32>> {
    let mut map = vec![None; n_labels];
    let mut next = 0;
    for &l in labels {
        let slot = &mut map[l as usize];
        if slot.is_none() {
            *slot = Some(next);
            next += 1;
        }
    }
    map
}
