//! Hierarchical clustering, textbook style.

use telecluster::cluster::linkage::{Merge, Method};
use telecluster::metric::sq_dist;
use telecluster::Matrix;

/// The textbook algorithm: a full distance matrix, the closest pair merged at every step
/// (lowest pair among equals), Lance–Williams updates. O(n³), the reference for every method.
#[allow(clippy::needless_range_loop)]
pub fn linkage(x: &Matrix, method: Method) -> Vec<Merge> {
    let n = x.n_rows();
    let mut dist = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            dist[i][j] = sq_dist(x.row(i), x.row(j)).sqrt();
        }
    }
    let mut id: Vec<Option<usize>> = (0..n).map(Some).collect();
    let mut size = vec![1.0; n];
    let mut out = Vec::new();
    for k in 0..n - 1 {
        let mut best = (f64::INFINITY, 0, 0);
        for i in 0..n {
            for j in i + 1..n {
                if id[i].is_some() && id[j].is_some() && dist[i][j] < best.0 {
                    best = (dist[i][j], i, j);
                }
            }
        }
        let (dxy, x_, y) = best;
        let (nx, ny) = (size[x_], size[y]);
        for i in 0..n {
            if id[i].is_none() || i == x_ || i == y {
                continue;
            }
            let (dxi, dyi, ni) = (dist[i][x_], dist[i][y], size[i]);
            let v = match method {
                Method::Single => dxi.min(dyi),
                Method::Complete => dxi.max(dyi),
                Method::Average => (nx * dxi + ny * dyi) / (nx + ny),
                Method::Weighted => 0.5 * (dxi + dyi),
                Method::Centroid => {
                    (((nx * dxi * dxi) + (ny * dyi * dyi)) - (nx * ny * dxy * dxy) / (nx + ny))
                        .max(0.0)
                        .sqrt()
                        / (nx + ny).sqrt()
                }
                Method::Median => (0.5 * dxi * dxi + 0.5 * dyi * dyi - 0.25 * dxy * dxy).max(0.0).sqrt(),
                Method::Ward => {
                    let t = nx + ny + ni;
                    (((ni + nx) * dxi * dxi + (ni + ny) * dyi * dyi - ni * dxy * dxy) / t).sqrt()
                }
            };
            dist[i][y] = v;
            dist[y][i] = v;
        }
        let (a, b) = (id[x_].unwrap(), id[y].unwrap());
        out.push(Merge {
            a: a.min(b),
            b: a.max(b),
            height: dxy,
            size: (nx + ny) as usize,
        });
        id[x_] = None;
        id[y] = Some(n + k);
        size[y] = nx + ny;
    }
    out
}
