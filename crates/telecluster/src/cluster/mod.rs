//! The clustering engines. Each takes a [`crate::Matrix`] of prepared features, validates its
//! parameters once (`Params::new(..).check()?`), and `fit` returns a fitted model.

pub mod dbscan;
pub(crate) mod distance;
pub mod kmeans;
pub mod linkage;

pub use dbscan::{Dbscan, DbscanParams, DbscanValidParams, Label, RedFlag};
pub use kmeans::Init;
pub use kmeans::{Algorithm, KMeans, KMeansParams, KMeansValidParams, Refine};
pub use linkage::{Dendrogram, LinkageParams, Method};

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
