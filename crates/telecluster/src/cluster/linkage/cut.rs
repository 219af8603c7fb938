//! Flat clusters from a dendrogram: scipy's `fcluster` with the `maxclust` and `distance`
//! criteria, numbered as scipy numbers them (minus one: telecluster's clusters start at 0).

use super::Dendrogram;
use crate::error::{Error, Param, Result};

/// Where to cut a dendrogram into flat clusters.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    /// At most this many clusters, at the lowest height that gives no more (scipy's
    /// `criterion='maxclust'`). Ties in height can give fewer.
    MaxClusters(usize),
    /// Rows whose cophenetic distance is at most this height share a cluster (scipy's
    /// `criterion='distance'`).
    Height(f64),
}

impl Dendrogram {
    /// Flat cluster labels, one per row, numbered from 0 in scipy's order (its `fcluster`
    /// labels minus one).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `MaxClusters(0)` or a height that is NaN.
    ///
    /// ```
    /// use telecluster::cluster::linkage::{Cut, LinkageParams, Method};
    /// use telecluster::Matrix;
    /// let x = Matrix::from_rows(&[[0.0], [1.0], [10.0], [12.0], [30.0]]).unwrap();
    /// let tree = LinkageParams::new(Method::Average).check().unwrap().fit(&x).unwrap();
    /// assert_eq!(tree.cut(Cut::MaxClusters(2)).unwrap(), vec![0, 0, 0, 0, 1]);
    /// // {0, 1} merge at 1 and {10, 12} at 2: a cut at 1.5 keeps the second pair apart.
    /// assert_eq!(tree.cut(Cut::Height(1.5)).unwrap(), vec![0, 0, 1, 2, 3]);
    /// ```
    pub fn cut(&self, cut: Cut) -> Result<Vec<u32>> {
        let n = self.n;
        if n == 1 {
            return Ok(vec![0]);
        }
        let mc = self.max_heights();
        let threshold = match cut {
            Cut::MaxClusters(0) => return Err(Error::invalid(Param::NClusters, 0, "must be >= 1")),
            Cut::MaxClusters(k) if k >= n => return Ok((0..n as u32).collect()),
            Cut::MaxClusters(k) => {
                // The lowest of the merges' subtree maxima that leaves at most k clusters
                // (scipy's binary search over the maxima in merge order).
                let (mut lower, mut upper) = (-1i64, n as i64 - 1);
                while upper - lower > 1 {
                    let i = (lower + upper) / 2;
                    if self.count_clusters(&mc, mc[i as usize]) > k {
                        lower = i;
                    } else {
                        upper = i;
                    }
                }
                mc[upper as usize]
            }
            Cut::Height(h) if h.is_nan() => return Err(Error::invalid(Param::Height, h, "must be a number")),
            Cut::Height(h) => h,
        };
        Ok(self.label_below(&mc, threshold))
    }

    /// Clusters formed when every subtree whose maximum height is at most `t` is one cluster.
    fn count_clusters(&self, mc: &[f64], t: f64) -> usize {
        let n = self.n;
        // A subtree forms a cluster when its own maximum is <= t and its parent's is not;
        // rows under no such subtree are singletons.
        let mut count = 0;
        let mut stack = vec![2 * n - 2];
        while let Some(id) = stack.pop() {
            if id < n || mc[id - n] <= t {
                count += 1;
            } else {
                let (a, b) = self.children(id);
                stack.push(a);
                stack.push(b);
            }
        }
        count
    }

    /// scipy's `cluster_monocrit`: a depth-first walk from the root that gives each maximal
    /// subtree with maximum height <= `t` the next number, and each row outside such subtrees
    /// its own. A node's merged children are walked before its row children, as in scipy.
    fn label_below(&self, mc: &[f64], t: f64) -> Vec<u32> {
        let n = self.n;
        let mut labels = vec![0u32; n];
        let mut visited = vec![false; n - 1];
        let mut stack = vec![2 * n - 2];
        let mut n_cluster = 0u32;
        let mut leader: Option<usize> = None;
        while let Some(&id) = stack.last() {
            let root = id - n;
            let (a, b) = self.children(id);
            if leader.is_none() && mc[root] <= t {
                leader = Some(root);
                n_cluster += 1;
            }
            if a >= n && !visited[a - n] {
                visited[a - n] = true;
                stack.push(a);
                continue;
            }
            if b >= n && !visited[b - n] {
                visited[b - n] = true;
                stack.push(b);
                continue;
            }
            for c in [a, b] {
                if c < n {
                    if leader.is_none() {
                        n_cluster += 1;
                    }
                    labels[c] = n_cluster - 1;
                }
            }
            if leader == Some(root) {
                leader = None;
            }
            stack.pop();
        }
        labels
    }
}
