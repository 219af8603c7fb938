//! DBSCAN as scikit-learn runs it.

use telecluster::metric::sq_dist;
use telecluster::Matrix;

/// scikit-learn's algorithm, literally: every neighbourhood stored (O(n²) time and memory),
/// then the depth-first expansion of `dbscan_inner`. Labels are −1 for noise.
pub fn dbscan(x: &Matrix, eps: f64, ms: usize) -> (Vec<i64>, Vec<bool>) {
    let n = x.n_rows();
    let e2 = eps * eps;
    let hoods: Vec<Vec<usize>> = (0..n)
        .map(|i| (0..n).filter(|&j| sq_dist(x.row(i), x.row(j)) <= e2).collect())
        .collect();
    let core: Vec<bool> = hoods.iter().map(|h| h.len() >= ms).collect();
    let mut labels = vec![-1i64; n];
    let mut next = 0;
    for start in 0..n {
        if labels[start] != -1 || !core[start] {
            continue;
        }
        let mut stack = vec![];
        let mut i = start;
        loop {
            if labels[i] == -1 {
                labels[i] = next;
                if core[i] {
                    stack.extend(hoods[i].iter().copied().filter(|&v| labels[v] == -1));
                }
            }
            match stack.pop() {
                Some(v) => i = v,
                None => break,
            }
        }
        next += 1;
    }
    (labels, core)
}
