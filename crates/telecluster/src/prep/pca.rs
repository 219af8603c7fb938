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
    /// Fits `n_components` components to the rows of `x`: eigenvectors of the covariance by
    /// Jacobi rotations up to 64 columns, and beyond by randomized subspace iteration, linear in
    /// rows × columns. Each component's sign is fixed (its largest entry positive), so the same
    /// rows give the same picture.
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
        let k = n_components.min(d);
        let denom = n.max(2) as f64 - 1.0;
        // Total variance: the trace of the covariance, exact and linear in rows × columns.
        let total: f64 = (0..d)
            .map(|f| x.column(f).map(|v| (v - mean[f]) * (v - mean[f])).sum::<f64>() / denom)
            .sum();
        let (values, vectors) = if d <= EXACT_UP_TO_COLUMNS {
            let (values, vectors) = jacobi(covariance(x, &mean));
            let columns: Vec<Vec<f64>> = (0..d).map(|c| (0..d).map(|i| vectors[i][c]).collect()).collect();
            (values, columns)
        } else {
            subspace_iteration(x, &mean, k)
        };
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        let k = k.min(values.len());
        let components: Vec<Vec<f64>> = order[..k]
            .iter()
            .map(|&c| {
                let mut v = vectors[c].clone();
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
            .map(|&c| {
                if total > 0.0 {
                    (values[c].max(0.0) / total).min(1.0)
                } else {
                    0.0
                }
            })
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
                let p: f64 = row.iter().zip(&self.mean).zip(c).map(|((v, m), w)| (v - m) * w).sum();
                // Finite for prepared rows (held within ±1e150); any other input draws at 0.
                out.push(if p.is_finite() { p } else { 0.0 });
            }
        }
        Matrix::new(out, x.n_rows(), k).unwrap_or_else(|_| Matrix::zeros(x.n_rows(), k))
    }
}

/// Columns up to which the covariance matrix is formed and diagonalised exactly (O(n·d² + d³));
/// wider data goes through [`subspace_iteration`], linear in rows × columns.
const EXACT_UP_TO_COLUMNS: usize = 64;

/// Extra directions iterated beside the wanted ones (they make the leading ones converge fast).
const OVERSAMPLE: usize = 8;
/// Power steps of the subspace iteration.
const POWER_STEPS: usize = 12;

/// The sample covariance matrix of `x`'s rows around `mean`.
fn covariance(x: &Matrix, mean: &[f64]) -> Vec<Vec<f64>> {
    let d = x.n_cols();
    let mut cov = vec![vec![0.0; d]; d];
    for row in x.rows() {
        for i in 0..d {
            for j in i..d {
                cov[i][j] += (row[i] - mean[i]) * (row[j] - mean[j]);
            }
        }
    }
    let denom = x.n_rows().max(2) as f64 - 1.0;
    for i in 0..d {
        for j in i..d {
            cov[i][j] /= denom;
            cov[j][i] = cov[i][j];
        }
    }
    cov
}

/// The covariance applied to each of the vectors `v` (d each), without forming it:
/// `Xcᵀ (Xc v) / (n − 1)`, one pass over the rows.
fn covariance_times(x: &Matrix, mean: &[f64], v: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let d = x.n_cols();
    let mut out = vec![vec![0.0; d]; v.len()];
    let mut centred = vec![0.0; d];
    for row in x.rows() {
        for i in 0..d {
            centred[i] = row[i] - mean[i];
        }
        for (o, w) in out.iter_mut().zip(v) {
            let u: f64 = centred.iter().zip(w).map(|(a, b)| a * b).sum();
            for i in 0..d {
                o[i] += centred[i] * u;
            }
        }
    }
    let denom = x.n_rows().max(2) as f64 - 1.0;
    out.iter_mut().flatten().for_each(|a| *a /= denom);
    out
}

/// Orthonormalises `v` in place (modified Gram–Schmidt); a vector that vanishes is replaced by
/// the next unit axis not yet spanned, so the basis keeps its size.
fn orthonormalise(v: &mut [Vec<f64>]) {
    let d = v.first().map_or(0, Vec::len);
    let mut axis = 0;
    for c in 0..v.len() {
        loop {
            for p in 0..c {
                let dot: f64 = v[c].iter().zip(&v[p]).map(|(a, b)| a * b).sum();
                let (head, tail) = v.split_at_mut(c);
                tail[0].iter_mut().zip(&head[p]).for_each(|(a, b)| *a -= dot * b);
            }
            let norm = v[c].iter().map(|a| a * a).sum::<f64>().sqrt();
            if norm > 1e-12 || axis >= d {
                if norm > 0.0 {
                    v[c].iter_mut().for_each(|a| *a /= norm);
                }
                break;
            }
            v[c] = (0..d).map(|i| f64::from(u8::from(i == axis))).collect();
            axis += 1;
        }
    }
}

/// The leading eigenpairs of the covariance by seeded randomized subspace iteration (Halko,
/// Martinsson and Tropp, 2011): `k + OVERSAMPLE` random directions, `POWER_STEPS` products with
/// the covariance each re-orthonormalised, then the small projected problem solved exactly
/// (Rayleigh–Ritz). Linear in rows × columns; deterministic (fixed seed, sequential sums).
fn subspace_iteration(x: &Matrix, mean: &[f64], k: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let d = x.n_cols();
    let p = (k + OVERSAMPLE).min(d);
    let mut rng = crate::rng::Rng::new(0x5eed);
    let mut v: Vec<Vec<f64>> = (0..p).map(|_| (0..d).map(|_| rng.normal()).collect()).collect();
    orthonormalise(&mut v);
    for _ in 0..POWER_STEPS {
        v = covariance_times(x, mean, &v);
        orthonormalise(&mut v);
    }
    let cv = covariance_times(x, mean, &v);
    let t: Vec<Vec<f64>> = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| v[i].iter().zip(&cv[j]).map(|(a, b)| a * b).sum())
                .collect()
        })
        .collect();
    let t: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| 0.5 * (t[i][j] + t[j][i])).collect())
        .collect();
    let (values, w) = jacobi(t);
    let vectors = (0..p)
        .map(|c| (0..d).map(|i| (0..p).map(|j| v[j][i] * w[j][c]).sum()).collect())
        .collect();
    (values, vectors)
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

    #[test]
    fn wide_data_gets_the_exact_leading_components() {
        // 40 rows × 100 columns with two strong directions: the subspace iteration's components
        // equal the exact ones (covariance and Jacobi) to 1e-8.
        let mut rng = Rng::new(9);
        let (u, w): (Vec<f64>, Vec<f64>) = (0..100).map(|_| (rng.normal(), rng.normal())).unzip();
        let rows: Vec<Vec<f64>> = (0..40)
            .map(|_| {
                let (a, b) = (rng.normal() * 10.0, rng.normal() * 4.0);
                (0..100).map(|i| a * u[i] + b * w[i] + 0.01 * rng.normal()).collect()
            })
            .collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let fast = Pca::fit(&x, 2);
        let mean: Vec<f64> = (0..100).map(|f| x.column(f).sum::<f64>() / 40.0).collect();
        let (values, vectors) = jacobi(covariance(&x, &mean));
        let mut order: Vec<usize> = (0..100).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        for (c, &e) in order[..2].iter().enumerate() {
            let exact: Vec<f64> = (0..100).map(|i| vectors[i][e]).collect();
            let dot: f64 = exact.iter().zip(&fast.components[c]).map(|(a, b)| a * b).sum();
            assert!((dot.abs() - 1.0).abs() < 1e-8, "component {c}: {dot}");
        }
        assert!(fast.explained[0] > fast.explained[1] && fast.explained[0] + fast.explained[1] > 0.99);
    }
}
