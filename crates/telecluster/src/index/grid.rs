//! A uniform grid for radius queries on narrow data (d ≤ [`MAX_D`]).
//!
//! Cells have side `eps / sqrt(d)`, shrunk by a relative margin that covers rounding, so any two
//! rows in one cell are within `eps` of each other, and every row within `eps` of a row lies in
//! the block of cells at most `reach` ([`Grid::reach_for`]) cells away on each axis. Rows are sorted by cell;
//! each non-empty cell keeps its range of rows and its list of non-empty neighbour cells.

use rayon::prelude::*;

use crate::metric::sq_dist;

/// Widest data the grid serves: the neighbour block grows as `(2 reach + 1)^d`.
pub const MAX_D: usize = 3;

/// Most cells along one axis. Beyond it (a tiny eps against a wide spread) the grid declines
/// and callers use the kd-tree; the bound also keeps the rounding margin of the side valid.
const MAX_CELLS_PER_AXIS: f64 = (1u64 << 20) as f64;

/// Relative margin by which cells are shrunk below `eps / sqrt(d)`.
const SIDE_MARGIN: f64 = 1e-9;

/// A grid over the rows of an `n × d` slice, for one radius `eps`.
#[derive(Clone, Debug)]
pub struct Grid {
    d: usize,
    /// Sorted position -> caller's row.
    order: Vec<u32>,
    /// The rows in sorted order.
    pts: Vec<f64>,
    /// Cell `c` holds positions `cell_start[c]..cell_start[c + 1]`.
    cell_start: Vec<u32>,
    /// Cell `c`'s non-empty neighbour cells (itself included), in increasing order:
    /// `neighbours[nb_start[c]..nb_start[c + 1]]`.
    nb_start: Vec<u32>,
    neighbours: Vec<u32>,
}

impl Grid {
    /// Builds the grid for radius `eps` over `data` (`n × d`), or `None` when `d` is outside
    /// `1..=MAX_D` or the grid would need too many cells along an axis.
    pub fn build(data: &[f64], d: usize, eps: f64) -> Option<Grid> {
        if !((1..=MAX_D).contains(&d) && eps > 0.0 && eps.is_finite()) {
            return None;
        }
        let n = data.len() / d;
        let side = eps / (d as f64).sqrt() * (1.0 - SIDE_MARGIN);
        let (lo, hi) = super::bounding_box(data, d);
        let mut dims = [1u64; MAX_D];
        for f in 0..d {
            let cells = ((hi[f] - lo[f]) / side).floor() + 1.0;
            // NaN (no rows) never reaches here; an infinite count fails the comparison.
            let fits = cells <= MAX_CELLS_PER_AXIS;
            if n > 0 && !fits {
                return None;
            }
            dims[f] = if n > 0 { cells as u64 } else { 1 };
        }
        // Last axis fastest: cells adjacent along it have adjacent keys.
        let mut stride = [1u64; MAX_D];
        for f in (0..d.saturating_sub(1)).rev() {
            stride[f] = stride[f + 1] * dims[f + 1];
        }
        let cell_of = |x: &[f64]| -> u64 {
            let mut key = 0;
            for f in 0..d {
                let c = (((x[f] - lo[f]) / side) as u64).min(dims[f] - 1);
                key += c * stride[f];
            }
            key
        };
        // (key, row): distinct, so the unstable sort has one result.
        let mut keyed: Vec<(u64, u32)> = data
            .par_chunks_exact(d)
            .enumerate()
            .map(|(i, x)| (cell_of(x), i as u32))
            .collect();
        keyed.par_sort_unstable();
        let mut order = Vec::with_capacity(n);
        let mut pts = Vec::with_capacity(n * d);
        let mut keys: Vec<u64> = Vec::new();
        let mut cell_start: Vec<u32> = Vec::new();
        for (pos, &(key, row)) in keyed.iter().enumerate() {
            if keys.last() != Some(&key) {
                keys.push(key);
                cell_start.push(pos as u32);
            }
            order.push(row);
            pts.extend_from_slice(&data[row as usize * d..(row as usize + 1) * d]);
        }
        cell_start.push(n as u32);
        drop(keyed);

        let reach = Self::reach_for(d);
        let offsets = block_offsets(d, reach);
        let lists: Vec<Vec<u32>> = keys
            .par_iter()
            .map(|&key| {
                let mut coord = [0i64; MAX_D];
                for f in 0..d {
                    coord[f] = ((key / stride[f]) % dims[f]) as i64;
                }
                let mut out = Vec::new();
                // Offsets along the last axis are one contiguous key range per prefix.
                for prefix in &offsets {
                    let mut base = 0i64;
                    let mut inside = true;
                    for f in 0..d - 1 {
                        let c = coord[f] + prefix[f];
                        inside &= c >= 0 && c < dims[f] as i64;
                        base += c * stride[f] as i64;
                    }
                    if !inside {
                        continue;
                    }
                    let last = coord[d - 1];
                    let from = base + (last - reach).max(0);
                    let to = base + (last + reach).min(dims[d - 1] as i64 - 1);
                    let mut c = keys.partition_point(|&k| (k as i64) < from);
                    while c < keys.len() && keys[c] as i64 <= to {
                        out.push(c as u32);
                        c += 1;
                    }
                }
                out
            })
            .collect();
        let mut nb_start = Vec::with_capacity(keys.len() + 1);
        let mut neighbours = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        nb_start.push(0);
        for l in lists {
            neighbours.extend_from_slice(&l);
            nb_start.push(neighbours.len() as u32);
        }
        Some(Grid {
            d,
            order,
            pts,
            cell_start,
            nb_start,
            neighbours,
        })
    }

    /// How many cells away along one axis a row within `eps` can be: with side
    /// `eps / sqrt(d)`, a cell `r` away is at least `(r - 1) × side` away on that axis.
    pub fn reach_for(d: usize) -> i64 {
        // (r - 1)^2 * side^2 <= eps^2 = d * side^2  <=>  r <= 1 + sqrt(d)
        1 + (d as f64).sqrt().floor() as i64
    }

    /// Features per row.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Number of non-empty cells.
    pub fn n_cells(&self) -> usize {
        self.cell_start.len() - 1
    }

    /// Sorted positions of cell `c`.
    pub fn cell(&self, c: usize) -> std::ops::Range<usize> {
        self.cell_start[c] as usize..self.cell_start[c + 1] as usize
    }

    /// Non-empty cells that may hold rows within `eps` of cell `c`'s rows (`c` included).
    pub fn neighbours(&self, c: usize) -> &[u32] {
        &self.neighbours[self.nb_start[c] as usize..self.nb_start[c + 1] as usize]
    }

    /// The caller's row at sorted position `pos`.
    pub fn row(&self, pos: usize) -> usize {
        self.order[pos] as usize
    }

    /// The point at sorted position `pos`.
    pub fn point(&self, pos: usize) -> &[f64] {
        &self.pts[pos * self.d..(pos + 1) * self.d]
    }

    /// Squared distance between the points at two sorted positions.
    pub fn sq_dist(&self, a: usize, b: usize) -> f64 {
        sq_dist(self.point(a), self.point(b))
    }
}

/// Offsets of the first `d - 1` axes whose cells can hold rows within `eps` (the last axis is
/// scanned as a range of `±reach`). A block is kept when its nearest possible distance,
/// `sum((|o| - 1)^2) × side^2`, can be within `eps^2 = d × side^2`.
fn block_offsets(d: usize, reach: i64) -> Vec<[i64; MAX_D]> {
    let mut out = vec![[0i64; MAX_D]];
    for f in 0..d - 1 {
        let mut next = Vec::new();
        for o in &out {
            for v in -reach..=reach {
                let mut p = *o;
                p[f] = v;
                let gap: i64 = p[..=f].iter().map(|&x| (x.abs() - 1).max(0).pow(2)).sum();
                if gap as f64 <= d as f64 {
                    next.push(p);
                }
            }
        }
        out = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn neighbour_cells_cover_every_pair_within_eps() {
        let mut rng = Rng::new(5);
        for d in 1..=MAX_D {
            let n = 1500;
            let data: Vec<f64> = (0..n * d).map(|_| rng.normal()).collect();
            for eps in [0.05, 0.2, 0.7] {
                let g = Grid::build(&data, d, eps).expect("grid");
                let e2 = eps * eps;
                let mut cell_of = vec![0; n];
                let mut pos_of = vec![0; n];
                for c in 0..g.n_cells() {
                    for p in g.cell(c) {
                        cell_of[g.row(p)] = c;
                        pos_of[g.row(p)] = p;
                    }
                }
                for a in 0..n {
                    for b in 0..n {
                        let s = sq_dist(&data[a * d..(a + 1) * d], &data[b * d..(b + 1) * d]);
                        let (ca, cb) = (cell_of[a], cell_of[b]);
                        if ca == cb {
                            assert!(s <= e2, "same cell must be within eps");
                        }
                        if s <= e2 {
                            assert!(g.neighbours(ca).contains(&(cb as u32)), "d={d} eps={eps}");
                        }
                    }
                    assert_eq!(g.point(pos_of[a]), &data[a * d..(a + 1) * d]);
                }
                for c in 0..g.n_cells() {
                    assert!(g.neighbours(c).windows(2).all(|w| w[0] < w[1]));
                }
            }
        }
    }

    #[test]
    fn declines_what_it_cannot_serve() {
        assert!(Grid::build(&[0.0; 8], 4, 1.0).is_none());
        assert!(Grid::build(&[0.0, 1e9], 1, 1e-9).is_none());
        assert!(Grid::build(&[0.0, 1.0], 1, 0.0).is_none());
        let g = Grid::build(&[], 2, 1.0).expect("empty grid");
        assert_eq!(g.n_cells(), 0);
    }
}
