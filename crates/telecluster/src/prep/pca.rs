//! The first principal components, for drawing wide data on a plane.

// Symmetric-matrix arithmetic indexes rows and columns together.
#![allow(clippy::needless_range_loop)]

use crate::matrix::Matrix;

/// A projection onto the leading principal components of the rows it was fitted on.
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    mean: Vec<f64>,
    /// `components[c]` is the unit vector of component c.
    components: Vec<Vec<f64>>,
    /// Share of the total variance each component explains.
    pub explained: Vec<f64>,
}

impl Pca {
    /// Fits `n_components` components to the rows of `x` (eigenvectors of the covariance by
    /// Jacobi rotations). Each component's sign is fixed (its largest entry positive), so the
    /// same rows give the same picture.
    ///
    /// ```
    /// use telecluster::prep::pca::Pca;
    /// use telecluster::Matrix;
    /// let x = Matrix::from_rows(&[[0.0, 0.0, 1.0], [2.0, 2.0, 1.0], [4.0, 4.1, 1.0]]).unwrap();
    /// let p = Pca::fit(&x, 2);
    /// assert!(p.explained[0] > 0.99);
    /// let y = p.transform(&x);
    /// assert!((y.get(2, 0) - y.get(0, 0)).abs() > 5.0);
    /// ```
    pub fn fit(x: &Matrix, n_components: usize) -> Pca {
        let (n, d) = (x.n_rows(), x.n_cols());
        let mean: Vec<f64> = (0..d).map(|f| x.column(f).sum::<f64>() / n.max(1) as f64).collect();
        let mut cov = vec![vec![0.0; d]; d];
        for row in x.rows() {
            for i in 0..d {
                for j in i..d {
                    cov[i][j] += (row[i] - mean[i]) * (row[j] - mean[j]);
                }
            }
        }
        for i in 0..d {
            for j in i..d {
                cov[i][j] /= n.max(2) as f64 - 1.0;
                cov[j][i] = cov[i][j];
            }
        }
        let (values, vectors) = jacobi(cov);
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
        let k = n_components.min(d);
        let components: Vec<Vec<f64>> = order[..k]
            .iter()
            .map(|&c| {
                let mut v: Vec<f64> = (0..d).map(|i| vectors[i][c]).collect();
                let big = v
                    .iter()
                    .copied()
                    .fold(0.0f64, |m, a| if a.abs() > m.abs() { a } else { m });
                if big < 0.0 {
                    v.iter_mut().for_each(|a| *a = -*a);
                }
                v
            })
            .collect();
        let explained = order[..k]
            .iter()
            .map(|&c| if total > 0.0 { values[c].max(0.0) / total } else { 0.0 })
            .collect();
        Pca {
            mean,
            components,
            explained,
        }
    }

    /// The rows of `x` in component coordinates (n × components).
    pub fn transform(&self, x: &Matrix) -> Matrix {
        let k = self.components.len();
        let mut out = Vec::with_capacity(x.n_rows() * k);
        for row in x.rows() {
            for c in &self.components {
                out.push(row.iter().zip(&self.mean).zip(c).map(|((v, m), w)| (v - m) * w).sum());
            }
        }
        Matrix::new(out, x.n_rows(), k).expect("finite projections of finite rows")
    }
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.
fn jacobi(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let d = a.len();
    let mut v: Vec<Vec<f64>> = (0..d)
        .map(|i| (0..d).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _ in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..d {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..d).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn components_are_orthonormal_and_ordered() {
        let mut rng = Rng::new(4);
        let rows: Vec<[f64; 4]> = (0..500)
            .map(|_| {
                let (a, b) = (rng.normal() * 5.0, rng.normal());
                [a + b, a - b, 0.1 * rng.normal(), b]
            })
            .collect();
        let p = Pca::fit(&Matrix::from_rows(&rows).unwrap(), 3);
        for i in 0..3 {
            for j in 0..3 {
                let dot: f64 = p.components[i].iter().zip(&p.components[j]).map(|(a, b)| a * b).sum();
                assert!((dot - f64::from(u8::from(i == j))).abs() < 1e-9, "{i} {j} {dot}");
            }
        }
        assert!(p.explained[0] > p.explained[1] && p.explained[1] > p.explained[2]);
        assert!(p.explained[0] > 0.9);
    }
}
