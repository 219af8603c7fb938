//! A dense, row-major matrix of finite `f64`: the only numeric container the engines see.
//!
//! Every public constructor checks its input, so code that holds a `Matrix` may rely on
//! "n_rows × n_cols finite values, contiguous by rows" without checking again.

use crate::error::{Error, Result};

/// n rows × d columns of finite `f64`, stored row by row.
///
/// # Examples
/// ```
/// use telecluster::Matrix;
/// let m = Matrix::from_rows(&[[1.0, 2.0], [3.0, 4.0]]).unwrap();
/// assert_eq!(m.row(1), &[3.0, 4.0]);
/// assert!(Matrix::from_rows(&[vec![1.0], vec![f64::NAN]]).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    data: Vec<f64>,
    n_rows: usize,
    n_cols: usize,
}

impl Matrix {
    /// Wraps `data` (row-major) as `n_rows × n_cols`.
    ///
    /// # Errors
    /// [`Error::Shape`] if the length is not `n_rows * n_cols` or `n_cols` is 0;
    /// [`Error::NotFinite`] at the first NaN or infinite value.
    pub fn new(data: Vec<f64>, n_rows: usize, n_cols: usize) -> Result<Self> {
        check(&data, n_rows, n_cols)?;
        Ok(Matrix { data, n_rows, n_cols })
    }

    /// The whole matrix as a borrowed view.
    pub fn view(&self) -> MatrixRef<'_> {
        MatrixRef {
            data: &self.data,
            n_rows: self.n_rows,
            n_cols: self.n_cols,
        }
    }

    /// Builds a matrix from rows of equal width.
    ///
    /// # Errors
    /// [`Error::Shape`] when there are no rows or the rows are empty; [`Error::RaggedRows`] at
    /// the first row whose width differs from the first; [`Error::NotFinite`] as for [`Matrix::new`].
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let n_cols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * n_cols);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != n_cols {
                return Err(Error::RaggedRows {
                    row: i,
                    expected: n_cols,
                    got: r.len(),
                });
            }
            data.extend_from_slice(r);
        }
        Matrix::new(data, rows.len(), n_cols)
    }

    /// A matrix of zeros.
    ///
    /// # Panics
    /// If `n_cols == 0`, which no caller with data can ask for.
    pub fn zeros(n_rows: usize, n_cols: usize) -> Self {
        assert!(n_cols > 0, "a Matrix has at least one column");
        Matrix {
            data: vec![0.0; n_rows * n_cols],
            n_rows,
            n_cols,
        }
    }

    /// Number of rows (observations).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.n_rows == 0
    }

    /// Row `i` as a slice.
    ///
    /// # Panics
    /// If `i >= n_rows`.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The value at row `i`, column `j`.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.n_cols + j]
    }

    /// The rows in order.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f64> {
        self.data.chunks_exact(self.n_cols)
    }

    /// Column `j`, top to bottom.
    pub fn column(&self, j: usize) -> impl ExactSizeIterator<Item = f64> + '_ {
        assert!(j < self.n_cols, "column {j} out of range");
        self.data.iter().skip(j).step_by(self.n_cols).copied()
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Gives back the row-major buffer.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// A new matrix holding the given rows, in the given order.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        self.view().select_rows(indices)
    }

    /// Applies `f(column, value)` to every value, keeping the finite-values guarantee.
    ///
    /// # Errors
    /// [`Error::NotFinite`] at the first value `f` maps to NaN or infinity; `self` is then
    /// left partly transformed, so callers work on a copy when they need the original.
    pub fn try_map_in_place(&mut self, mut f: impl FnMut(usize, f64) -> f64) -> Result<()> {
        let d = self.n_cols;
        for (i, v) in self.data.iter_mut().enumerate() {
            let out = f(i % d, *v);
            if !out.is_finite() {
                return Err(Error::NotFinite {
                    row: i / d,
                    column: i % d,
                    value: out,
                });
            }
            *v = out;
        }
        Ok(())
    }
}

/// The checks every matrix passes: `n_rows × n_cols` values, at least one column, all finite.
fn check(data: &[f64], n_rows: usize, n_cols: usize) -> Result<()> {
    if n_cols == 0 || n_rows.checked_mul(n_cols) != Some(data.len()) {
        return Err(Error::Shape {
            rows: n_rows,
            cols: n_cols,
            got: data.len(),
        });
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::NotFinite {
            row: i / n_cols,
            column: i % n_cols,
            value: data[i],
        });
    }
    Ok(())
}

/// A borrowed n rows × d columns of finite `f64`, row by row: what the engines fit on.
///
/// It holds the same guarantees as [`Matrix`], over memory somebody else owns, so a caller
/// whose data already lies row-major (a NumPy array, a memory-mapped file) fits without a
/// copy. A `&Matrix` converts into one for free, so every `fit(&matrix)` call reads the same.
///
/// # Examples
/// ```
/// use telecluster::{MatrixRef, cluster::KMeansParams};
/// let buffer = [0.0, 0.0, 0.1, 0.0, 5.0, 5.0, 5.1, 5.0];
/// let x = MatrixRef::new(&buffer, 4, 2)?;
/// let model = KMeansParams::new(2).check()?.fit(x)?;
/// assert_eq!(model.labels()[0], model.labels()[1]);
/// assert!(MatrixRef::new(&[1.0, f64::NAN], 1, 2).is_err());
/// # Ok::<(), telecluster::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatrixRef<'a> {
    data: &'a [f64],
    n_rows: usize,
    n_cols: usize,
}

impl<'a> MatrixRef<'a> {
    /// Views `data` (row-major) as `n_rows × n_cols`.
    ///
    /// # Errors
    /// As [`Matrix::new`]: [`Error::Shape`] or [`Error::NotFinite`].
    pub fn new(data: &'a [f64], n_rows: usize, n_cols: usize) -> Result<Self> {
        check(data, n_rows, n_cols)?;
        Ok(MatrixRef { data, n_rows, n_cols })
    }

    /// Number of rows (observations).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.n_rows == 0
    }

    /// Row `i` as a slice.
    ///
    /// # Panics
    /// If `i >= n_rows`.
    #[inline]
    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The rows in order.
    pub fn rows(&self) -> std::slice::ChunksExact<'a, f64> {
        self.data.chunks_exact(self.n_cols)
    }

    /// Column `j`, top to bottom.
    pub fn column(&self, j: usize) -> impl ExactSizeIterator<Item = f64> + 'a {
        assert!(j < self.n_cols, "column {j} out of range");
        self.data.iter().skip(j).step_by(self.n_cols).copied()
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &'a [f64] {
        self.data
    }

    /// An owned copy.
    pub fn to_matrix(&self) -> Matrix {
        Matrix {
            data: self.data.to_vec(),
            n_rows: self.n_rows,
            n_cols: self.n_cols,
        }
    }

    /// A new matrix holding the given rows, in the given order.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(indices.len() * self.n_cols);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Matrix {
            data,
            n_rows: indices.len(),
            n_cols: self.n_cols,
        }
    }
}

impl<'a> From<&'a Matrix> for MatrixRef<'a> {
    fn from(m: &'a Matrix) -> Self {
        m.view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_checks_shape_and_finiteness() {
        assert!(Matrix::new(vec![1.0, 2.0, 3.0], 1, 3).is_ok());
        assert!(matches!(
            Matrix::new(vec![1.0, 2.0, 3.0], 2, 2),
            Err(Error::Shape { got: 3, .. })
        ));
        assert!(matches!(Matrix::new(vec![], 0, 0), Err(Error::Shape { .. })));
        assert!(matches!(
            Matrix::new(vec![1.0, f64::INFINITY], 1, 2),
            Err(Error::NotFinite { row: 0, column: 1, .. })
        ));
        assert!(matches!(
            Matrix::new(vec![1.0, 2.0, f64::NAN, 4.0], 2, 2),
            Err(Error::NotFinite { row: 1, column: 0, .. })
        ));
        // overflow of n_rows * n_cols is a shape error, not a panic
        assert!(Matrix::new(vec![1.0], usize::MAX, 2).is_err());
    }

    #[test]
    fn from_rows_rejects_ragged() {
        let r = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0]]);
        assert!(matches!(
            r,
            Err(Error::RaggedRows {
                row: 1,
                expected: 2,
                got: 1
            })
        ));
        let none: [[f64; 2]; 0] = [];
        assert!(Matrix::from_rows(&none).is_err());
    }

    #[test]
    fn accessors_agree() {
        let m = Matrix::from_rows(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]).unwrap();
        assert_eq!((m.n_rows(), m.n_cols()), (3, 2));
        assert_eq!(m.get(2, 1), 6.0);
        assert_eq!(m.column(1).collect::<Vec<_>>(), vec![2.0, 4.0, 6.0]);
        assert_eq!(m.rows().count(), 3);
        let s = m.select_rows(&[2, 0]);
        assert_eq!(s.as_slice(), &[5.0, 6.0, 1.0, 2.0]);
    }

    #[test]
    fn try_map_keeps_values_finite() {
        let mut m = Matrix::from_rows(&[[1.0, 0.0]]).unwrap();
        assert!(m.try_map_in_place(|_, v| 1.0 / v).is_err());
        let mut m = Matrix::from_rows(&[[1.0, 2.0]]).unwrap();
        m.try_map_in_place(|j, v| v * (j + 1) as f64).unwrap();
        assert_eq!(m.as_slice(), &[1.0, 4.0]);
    }
}
