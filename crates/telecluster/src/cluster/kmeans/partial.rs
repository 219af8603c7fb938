//! K-Means state that merges: per centre, the count, the sum and the sum of squared distances of
//! the rows nearest to it. One Lloyd iteration is "add every row's share, then take the means",
//! and the shares of any split of the rows add up to the whole's (up to the rounding of a
//! floating-point sum: centres agree within 1e-12 relative whatever the split and the order).
//! So a fit can be sharded over machines (each adds its rows, the driver merges and moves the
//! centres) or streamed over a file larger than memory (one pass per iteration), and mini-batch
//! updates keep their running counts in the same form.

use rayon::prelude::*;

use crate::cluster::distance::nearest_rows;
use crate::codec::{put_f64, put_u64, Reader};
use crate::error::{Error, Param, Result};
use crate::matrix::{Matrix, MatrixRef};

const MAGIC: &[u8; 4] = b"TCks";
const VERSION: u8 = 1;
/// Rows per parallel task: reduced in task order, so the sums do not depend on the threads.
const BLOCK: usize = 8192;

/// Per-centre sufficient statistics of the rows assigned to given centres.
///
/// ```
/// use telecluster::cluster::kmeans::CentroidStats;
/// use telecluster::Matrix;
/// let centres = Matrix::from_rows(&[[0.0], [10.0]])?;
/// let (a, b) = (Matrix::from_rows(&[[1.0], [9.0]])?, Matrix::from_rows(&[[3.0]])?);
/// let mut s = CentroidStats::of(&centres, &a)?;
/// s.merge(&CentroidStats::of(&centres, &b)?)?;
/// assert_eq!(s.counts(), [2, 1]);
/// assert_eq!(s.means(&centres)?.as_slice(), [2.0, 9.0]);
/// assert_eq!(s.inertia(), 1.0 + 1.0 + 9.0);
/// # Ok::<(), telecluster::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CentroidStats {
    k: usize,
    d: usize,
    counts: Vec<u64>,
    sums: Vec<f64>,
    sse: Vec<f64>,
}

impl CentroidStats {
    /// No rows yet, for `k` centres in `d` features.
    pub fn new(k: usize, d: usize) -> Self {
        CentroidStats {
            k,
            d,
            counts: vec![0; k],
            sums: vec![0.0; k * d],
            sse: vec![0.0; k],
        }
    }

    /// The statistics of `x`'s rows against `centroids`.
    ///
    /// # Errors
    /// As [`CentroidStats::add`].
    pub fn of<'a, 'b>(centroids: impl Into<MatrixRef<'a>>, x: impl Into<MatrixRef<'b>>) -> Result<Self> {
        let c = centroids.into();
        let mut s = CentroidStats::new(c.n_rows(), c.n_cols());
        s.add(c, x)?;
        Ok(s)
    }

    /// Adds `x`'s rows, each to its nearest centre (ties to the lower index, as in
    /// [`assign`](super::assign)).
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] when `x` or `centroids` are not as wide as the state, and
    /// [`Error::InvalidParam`] when there are not `k` centroids.
    pub fn add<'a, 'b>(&mut self, centroids: impl Into<MatrixRef<'a>>, x: impl Into<MatrixRef<'b>>) -> Result<()> {
        let (c, x) = (centroids.into(), x.into());
        self.check_centres(c)?;
        if x.n_cols() != self.d {
            return Err(Error::FeatureMismatch {
                expected: self.d,
                got: x.n_cols(),
            });
        }
        let (k, d) = (self.k, self.d);
        let blocks: Vec<CentroidStats> = x
            .as_slice()
            .par_chunks(BLOCK * d.max(1))
            .map(|rows| {
                let n = rows.len() / d.max(1);
                let (mut labels, mut sq) = (vec![0u32; n], vec![0.0; n]);
                nearest_rows(rows, d, c.as_slice(), &mut labels, &mut sq);
                let mut s = CentroidStats::new(k, d);
                for (i, (&l, &q)) in labels.iter().zip(&sq).enumerate() {
                    let l = l as usize;
                    s.counts[l] += 1;
                    s.sse[l] += q;
                    let sum = &mut s.sums[l * d..(l + 1) * d];
                    for (a, &v) in sum.iter_mut().zip(&rows[i * d..(i + 1) * d]) {
                        *a += v;
                    }
                }
                s
            })
            .collect();
        for b in &blocks {
            self.merge_unchecked(b);
        }
        Ok(())
    }

    fn check_centres(&self, c: MatrixRef<'_>) -> Result<()> {
        if c.n_cols() != self.d {
            return Err(Error::FeatureMismatch {
                expected: self.d,
                got: c.n_cols(),
            });
        }
        if c.n_rows() != self.k {
            return Err(Error::invalid(
                Param::NClusters,
                c.n_rows(),
                format!("centroids given to a state of {} clusters", self.k),
            ));
        }
        Ok(())
    }

    /// Adds another state's rows.
    ///
    /// # Errors
    /// [`Error::State`] when the two states have different numbers of clusters or features.
    pub fn merge(&mut self, other: &CentroidStats) -> Result<()> {
        if (self.k, self.d) != (other.k, other.d) {
            return Err(Error::State {
                what: "K-Means statistics",
                detail: format!(
                    "cannot merge {} clusters x {} features with {} x {}",
                    self.k, self.d, other.k, other.d
                ),
            });
        }
        self.merge_unchecked(other);
        Ok(())
    }

    fn merge_unchecked(&mut self, o: &CentroidStats) {
        self.counts.iter_mut().zip(&o.counts).for_each(|(a, b)| *a += b);
        self.sums.iter_mut().zip(&o.sums).for_each(|(a, b)| *a += b);
        self.sse.iter_mut().zip(&o.sse).for_each(|(a, b)| *a += b);
    }

    /// Number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.k
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.d
    }

    /// Rows added, per cluster.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Rows added in all.
    pub fn n_rows(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Per cluster (row-major, k × d), the sum of its rows.
    pub fn sums(&self) -> &[f64] {
        &self.sums
    }

    /// Per cluster, the sum of its rows' squared distances to the centre they were assigned to.
    pub fn sse(&self) -> &[f64] {
        &self.sse
    }

    /// The sum of squared distances of every row to its centre (scikit-learn's `inertia_` for
    /// the centres the rows were assigned to).
    pub fn inertia(&self) -> f64 {
        self.sse.iter().sum()
    }

    /// The clusters' means: Lloyd's next centres. A cluster without rows keeps its centre from
    /// `previous` (there is no row at hand to relocate it to).
    ///
    /// # Errors
    /// As [`CentroidStats::add`], for `previous`.
    pub fn means<'a>(&self, previous: impl Into<MatrixRef<'a>>) -> Result<Matrix> {
        let p = previous.into();
        self.check_centres(p)?;
        let d = self.d;
        let mut out = p.as_slice().to_vec();
        for (j, &n) in self.counts.iter().enumerate() {
            if n > 0 {
                for (o, s) in out[j * d..(j + 1) * d].iter_mut().zip(&self.sums[j * d..(j + 1) * d]) {
                    *o = s / n as f64;
                }
            }
        }
        Matrix::new(out, self.k, d)
    }

    /// The byte form: a header, k and d, the counts, then the sums and squared distances as
    /// IEEE 754 doubles (exact).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.push(VERSION);
        put_u64(&mut out, self.k as u64);
        put_u64(&mut out, self.d as u64);
        self.counts.iter().for_each(|&c| put_u64(&mut out, c));
        self.sums.iter().chain(&self.sse).for_each(|&v| put_f64(&mut out, v));
        out
    }

    /// Reads [`CentroidStats::to_bytes`]' form.
    ///
    /// # Errors
    /// [`Error::State`] for bytes that are not such a state.
    pub fn from_bytes(bytes: &[u8]) -> Result<CentroidStats> {
        let mut r = Reader::new(bytes, "K-Means statistics");
        r.header(MAGIC, VERSION)?;
        let (k, d) = (r.len()?, r.len()?);
        if k == 0 || d == 0 || k.checked_mul(d + 1).is_none_or(|n| n > bytes.len() / 8) {
            return Err(r.bad(format!("{k} clusters x {d} features do not fit in its bytes")));
        }
        let counts = (0..k).map(|_| r.u64()).collect::<Result<Vec<_>>>()?;
        let sums = (0..k * d).map(|_| r.f64()).collect::<Result<Vec<_>>>()?;
        let sse = (0..k).map(|_| r.f64()).collect::<Result<Vec<_>>>()?;
        r.end()?;
        if sums.iter().chain(&sse).any(|v| !v.is_finite()) || sse.iter().any(|&v| v < 0.0) {
            return Err(r.bad("a sum is not a finite number"));
        }
        Ok(CentroidStats {
            k,
            d,
            counts,
            sums,
            sse,
        })
    }
}

/// The total squared movement of the centres, `Σ_j ‖a_j − b_j‖²`: scikit-learn's convergence
/// measure, compared with `tol` times the data's mean feature variance.
///
/// # Errors
/// [`Error::FeatureMismatch`] when the two are not the same shape.
pub fn center_shift<'a, 'b>(a: impl Into<MatrixRef<'a>>, b: impl Into<MatrixRef<'b>>) -> Result<f64> {
    let (a, b) = (a.into(), b.into());
    if (a.n_rows(), a.n_cols()) != (b.n_rows(), b.n_cols()) {
        return Err(Error::FeatureMismatch {
            expected: a.n_rows() * a.n_cols(),
            got: b.n_rows() * b.n_cols(),
        });
    }
    Ok(a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y) * (x - y))
        .sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: &[f64], b: &[f64], rel: f64) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= rel * x.abs().max(y.abs()).max(1.0))
    }

    proptest! {
        /// Any split of the rows into parts, merged in any order (and through the byte form),
        /// gives the whole's counts exactly and its sums within rounding.
        #[test]
        fn any_split_in_any_order_gives_the_same_state(
            rows in prop::collection::vec(prop::collection::vec(-1e3f64..1e3, 3), 1..400),
            part_of in prop::collection::vec(0usize..4, 400),
            order in Just((0..4usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let x = Matrix::from_rows(&rows).unwrap();
            let c = Matrix::from_rows(&[[0.0, 0.0, 0.0], [500.0, 0.0, -500.0], [-500.0, 200.0, 0.0]]).unwrap();
            let whole = CentroidStats::of(&c, &x).unwrap();
            let mut merged = CentroidStats::new(3, 3);
            for &p in &order {
                let idx: Vec<usize> = (0..rows.len()).filter(|&i| part_of[i] == p).collect();
                let part = CentroidStats::of(&c, &x.select_rows(&idx)).unwrap();
                merged.merge(&CentroidStats::from_bytes(&part.to_bytes()).unwrap()).unwrap();
            }
            prop_assert_eq!(merged.counts(), whole.counts());
            prop_assert!(close(merged.sums(), whole.sums(), 1e-12));
            prop_assert!(close(merged.sse(), whole.sse(), 1e-12));
            let (m, w) = (merged.means(&c).unwrap(), whole.means(&c).unwrap());
            prop_assert!(close(m.as_slice(), w.as_slice(), 1e-12));
        }

        #[test]
        fn corrupt_bytes_are_an_error_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            let mut b = MAGIC.to_vec();
            b.push(VERSION);
            b.extend(&bytes);
            let _ = CentroidStats::from_bytes(&b);
        }
    }

    #[test]
    fn lloyd_from_the_state_is_the_engine_s_lloyd() {
        // Iterating means() from given centres reaches the engine's fit from the same centres.
        let mut rng = crate::rng::Rng::new(7);
        let rows: Vec<[f64; 3]> = (0..3000)
            .map(|i| {
                let c = (i % 4) as f64 * 3.0;
                [c + rng.normal(), -c + rng.normal(), rng.normal()]
            })
            .collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let init = x.select_rows(&[0, 1, 2, 3]);
        let fit = crate::cluster::KMeansParams::new(4)
            .init(crate::cluster::Init::Given(init.clone()))
            .tol(0.0)
            .check()
            .unwrap()
            .fit(&x)
            .unwrap();
        let mut c = init;
        for _ in 0..300 {
            let next = CentroidStats::of(&c, &x).unwrap().means(&c).unwrap();
            let shift = center_shift(&c, &next).unwrap();
            c = next;
            if shift == 0.0 {
                break;
            }
        }
        assert!(close(c.as_slice(), fit.centroids().as_slice(), 1e-9));
        let s = CentroidStats::of(&c, &x).unwrap();
        assert!((s.inertia() - fit.inertia()).abs() <= 1e-9 * fit.inertia());
    }

    #[test]
    fn shapes_must_agree() {
        let c = Matrix::from_rows(&[[0.0, 0.0]]).unwrap();
        let mut s = CentroidStats::new(1, 2);
        assert!(matches!(
            s.add(&c, &Matrix::from_rows(&[[1.0]]).unwrap()),
            Err(Error::FeatureMismatch { .. })
        ));
        assert!(s.merge(&CentroidStats::new(2, 2)).is_err());
        assert!(CentroidStats::from_bytes(b"TCks\x09")
            .unwrap_err()
            .to_string()
            .contains("version 9"));
    }
}
