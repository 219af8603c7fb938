//! Spatial indexes over the rows of a matrix, shared by DBSCAN, the k-distance curve and the
//! anomaly scores.
//!
//! - [`grid::Grid`]: cells of side `eps / sqrt(d)` for narrow data (d ≤ 3), where every pair in
//!   one cell is within `eps` and a row's `eps`-neighbourhood lies in a fixed block of cells.
//! - [`kdtree::KdTree`]: a median-split kd-tree for any width, with radius counts, radius
//!   visits and k-nearest distances.
//!
//! Both keep a copy of the rows in their own order (points that are near in space are near in
//! memory) and the map back to the caller's rows: O(n) memory, no neighbourhood is stored.

pub mod grid;
pub mod kdtree;
