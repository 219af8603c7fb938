//! K-Means as the textbook writes it.

use telecluster::metric::sq_dist;
use telecluster::Matrix;

/// What a plain Lloyd run ends with.
pub struct Lloyd {
    pub labels: Vec<u32>,
    pub centres: Vec<Vec<f64>>,
    pub inertia: f64,
}

/// Plain Lloyd from `init` (k rows): every row to its nearest centre (the lowest index among
/// equals), every centre to the mean of its rows, until no label changes or `max_iter`
/// updates; then the rows are assigned once more to the final centres, as scikit-learn does.
/// `None` when a cluster empties (scikit-learn would relocate it; the references stay simple).
pub fn lloyd(x: &Matrix, init: &Matrix, max_iter: usize) -> Option<Lloyd> {
    let (n, d, k) = (x.n_rows(), x.n_cols(), init.n_rows());
    let mut centres: Vec<Vec<f64>> = init.rows().map(<[f64]>::to_vec).collect();
    let nearest = |centres: &[Vec<f64>], row: &[f64]| -> u32 {
        let mut best = (0, f64::INFINITY);
        for (j, c) in centres.iter().enumerate() {
            let dist = sq_dist(row, c);
            if dist < best.1 {
                best = (j, dist);
            }
        }
        best.0 as u32
    };
    let mut labels: Vec<u32> = vec![u32::MAX; n];
    for _ in 0..max_iter {
        let new: Vec<u32> = x.rows().map(|r| nearest(&centres, r)).collect();
        let stable = new == labels;
        labels = new;
        let mut sums = vec![vec![0.0; d]; k];
        let mut counts = vec![0usize; k];
        for (row, &l) in x.rows().zip(&labels) {
            counts[l as usize] += 1;
            for (s, v) in sums[l as usize].iter_mut().zip(row) {
                *s += v;
            }
        }
        if counts.contains(&0) {
            return None;
        }
        for (c, (s, &m)) in centres.iter_mut().zip(sums.iter().zip(&counts)) {
            *c = s.iter().map(|v| v / m as f64).collect();
        }
        if stable {
            break;
        }
    }
    let labels: Vec<u32> = x.rows().map(|r| nearest(&centres, r)).collect();
    let inertia = x
        .rows()
        .zip(&labels)
        .map(|(r, &l)| sq_dist(r, &centres[l as usize]))
        .sum();
    Some(Lloyd {
        labels,
        centres,
        inertia,
    })
}
