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

    /// The `k` clusters left when the last `k − 1` merges are undone, labelled as
    /// scikit-learn's `AgglomerativeClustering` labels them.
    ///
    /// scikit-learn walks down from the root with Python's `heapq` of negated node ids (push
    /// one child, push-pop the other) and numbers the subtrees in the order of the heap's
    /// array; the same heap operations are done here, so the labels are the same, not only
    /// the partition. Unlike [`Dendrogram::cut`]'s `MaxClusters`, ties in height do not merge
    /// clusters: there are always exactly `k`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `k` of 0 or above the number of rows.
    ///
    /// ```
    /// use telecluster::cluster::linkage::{LinkageParams, Method};
    /// use telecluster::Matrix;
    /// let x = Matrix::from_rows(&[[0.0], [1.0], [10.0], [12.0], [30.0]]).unwrap();
    /// let tree = LinkageParams::new(Method::Average).check().unwrap().fit(&x).unwrap();
    /// assert_eq!(tree.top_clusters(2).unwrap(), vec![0, 0, 0, 0, 1]);
    /// assert_eq!(tree.top_clusters(3).unwrap(), vec![2, 2, 0, 0, 1]);
    /// ```
    pub fn top_clusters(&self, k: usize) -> Result<Vec<u32>> {
        let n = self.n;
        if k == 0 || k > n {
            return Err(Error::invalid(
                Param::NClusters,
                k,
                format!("must be between 1 and the number of rows ({n})"),
            ));
        }
        // The root; with one row, the row itself.
        let mut heap: Vec<i64> = vec![-((2 * n - 2) as i64)];
        for _ in 1..k {
            let (a, b) = self.children((-heap[0]) as usize);
            heap_push(&mut heap, -(a as i64));
            heap_push_pop(&mut heap, -(b as i64));
        }
        let mut labels = vec![0u32; n];
        for (label, &node) in heap.iter().enumerate() {
            let mut stack = vec![(-node) as usize];
            while let Some(id) = stack.pop() {
                if id < n {
                    labels[id] = label as u32;
                } else {
                    let (a, b) = self.children(id);
                    stack.extend([a, b]);
                }
            }
        }
        Ok(labels)
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

/// Python's `heapq.heappush`: append, then move the item up while it is below its parent.
fn heap_push(heap: &mut Vec<i64>, item: i64) {
    heap.push(item);
    let last = heap.len() - 1;
    sift_down(heap, 0, last);
}

/// Python's `heapq.heappushpop`: pushes `item` and pops the smallest, in one step.
fn heap_push_pop(heap: &mut [i64], item: i64) -> i64 {
    if heap.first().is_some_and(|&top| top < item) {
        let top = std::mem::replace(&mut heap[0], item);
        sift_up(heap, 0);
        top
    } else {
        item
    }
}

/// `heapq._siftdown`: moves `heap[pos]` towards `start` while it is below its parent.
fn sift_down(heap: &mut [i64], start: usize, mut pos: usize) {
    let item = heap[pos];
    while pos > start {
        let parent = (pos - 1) >> 1;
        if item < heap[parent] {
            heap[pos] = heap[parent];
            pos = parent;
        } else {
            break;
        }
    }
    heap[pos] = item;
}

/// `heapq._siftup`: moves the smaller child up until `pos` is a leaf, puts the item there and
/// sifts it back down (Python's variant, which gives its own array order).
fn sift_up(heap: &mut [i64], mut pos: usize) {
    let (end, start, item) = (heap.len(), pos, heap[pos]);
    let mut child = 2 * pos + 1;
    while child < end {
        let right = child + 1;
        if right < end && heap[child] >= heap[right] {
            child = right;
        }
        heap[pos] = heap[child];
        pos = child;
        child = 2 * pos + 1;
    }
    heap[pos] = item;
    sift_down(heap, start, pos);
}
