//! Lloyd's iteration: every row to its nearest centre, then the centres to their rows' means.

use rayon::prelude::*;

use super::run::{accumulate, finish_changes, move_row, start_changes, update_labels, Partial, Scratch};
use crate::cluster::distance::{nearest_labels, CHUNK_ROWS};

/// Assigns every row to its nearest centre and accumulates the chunk sums.
pub(super) fn lloyd_pass(
    data: &[f64],
    d: usize,
    centers: &[f64],
    full: bool,
    labels: &mut [u32],
    partials: &mut [Partial],
) {
    let k = centers.len() / d;
    partials
        .par_iter_mut()
        .zip(data.par_chunks(CHUNK_ROWS * d))
        .zip(labels.par_chunks_mut(CHUNK_ROWS))
        .for_each_init(Scratch::new, |w, ((p, rows), lab)| {
            let m = lab.len();
            nearest_labels(rows, d, centers, &mut w.labels[..m]);
            if full {
                p.changed = update_labels(lab, &w.labels[..m]);
                accumulate(rows, d, lab, k, p);
            } else {
                start_changes(p);
                for i in 0..m {
                    if lab[i] != w.labels[i] {
                        move_row(p, i, &rows[i * d..(i + 1) * d], lab[i], w.labels[i], k);
                        lab[i] = w.labels[i];
                    }
                }
                finish_changes(p, k, d);
            }
        });
}
