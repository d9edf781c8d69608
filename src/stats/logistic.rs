//! Logistic regression by iteratively reweighted least squares, step for
//! step as R's `glm.fit` with `family = binomial` (logit link): the same
//! start (`mu = (y + 0.5) / 2`), the same weighted least-squares solve by QR
//! (Householder, from nalgebra), the same clamping of the inverse link at
//! |eta| > 30, and the same convergence rule,
//! `|dev - dev_old| / (|dev| + 0.1) < 1e-8`, at most 25 iterations.
//! McCullagh & Nelder (1989), Generalized Linear Models, 2nd ed., ch. 2 and 4.

use super::StatsError;
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

/// R's `glm.control()` defaults.
const EPSILON: f64 = 1e-8;
const MAX_ITER: usize = 25;
/// |eta| beyond which R's binomial link functions clamp.
const THRESH: f64 = 30.0;

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    /// Coefficients, one per design column (log odds ratios).
    pub coef: Vec<f64>,
    /// Model-based standard errors, `sqrt(diag((X' W X)^-1))`.
    pub se: Vec<f64>,
    /// Wald z = coef / se.
    pub z: Vec<f64>,
    /// Two-sided Wald p-values.
    pub p: Vec<f64>,
    /// Residual deviance, `-2 sum(y log mu + (1 - y) log(1 - mu))`.
    pub deviance: f64,
    /// Deviance of the intercept-only model.
    pub null_deviance: f64,
    /// Fitted probabilities (propensity scores), one per row.
    pub fitted: Vec<f64>,
    /// Linear predictor `X b` (logit of the fitted probability).
    pub linear_predictor: Vec<f64>,
    /// IRLS iterations used.
    pub iterations: usize,
    /// Whether the deviance criterion was met within 25 iterations.
    pub converged: bool,
    /// Whether the data are separated: some fitted probabilities are
    /// numerically 0 or 1 (R's warning), or the linear predictors of the
    /// y = 1 and y = 0 rows do not overlap (complete separation, where the
    /// MLE does not exist and the coefficients only grow with iterations).
    pub separation: bool,
}

/// Inverse logit with R's clamping (`binomial()$linkinv`).
fn linkinv(eta: f64) -> f64 {
    if eta < -THRESH {
        f64::EPSILON
    } else if eta > THRESH {
        1.0 - f64::EPSILON
    } else {
        1.0 / (1.0 + (-eta).exp())
    }
}

/// d mu / d eta with R's clamping (`binomial()$mu.eta`).
fn mu_eta(eta: f64) -> f64 {
    if eta.abs() > THRESH {
        f64::EPSILON
    } else {
        let e = eta.exp();
        e / ((1.0 + e) * (1.0 + e))
    }
}

fn deviance(y: &[f64], mu: &[f64]) -> f64 {
    // Terms on both cores, summed in row order (the same sum as one loop).
    let terms: Vec<f64> = y
        .par_iter()
        .zip(mu)
        .with_min_len(ROWS_PER_TASK)
        .map(|(&y, &m)| {
            let a = if y > 0.0 { y * (y / m).ln() } else { 0.0 };
            let b = if y < 1.0 {
                (1.0 - y) * ((1.0 - y) / (1.0 - m)).ln()
            } else {
                0.0
            };
            2.0 * (a + b)
        })
        .collect();
    terms.iter().sum()
}

/// Rows below which a per-row loop is not worth a second thread.
const ROWS_PER_TASK: usize = 1 << 14;

/// The R factor and the first p entries of Q'z of the QR decomposition of
/// `diag(w) X` (X given by `columns`), by blocks of rows: the R of the rows
/// so far is stacked on the next block and that small matrix is factorised
/// again (Householder, nalgebra), carrying Q'z along. The result is the R
/// (up to the signs of its rows) and Q'z of one Householder QR of the whole
/// matrix, as R's `glm.fit` computes, with every block in cache and no
/// n x p copy of the design (Demmel et al. 2012, "Communication-optimal
/// parallel and sequential QR and LU factorizations", SIAM J Sci Comput
/// 34:A206, the sequential TSQR).
///
/// Above `2 * SPLIT` rows the two halves are factorised at once (on both
/// cores) and their stacked R factors and Q'z factorised once more (the
/// parallel TSQR of the same paper): the same least-squares problem, only
/// rounded in another order. Where the halves fall depends on n alone, so
/// the result does not depend on the number of threads.
fn weighted_qr(columns: &[Vec<f64>], w: &[f64], zw: &[f64]) -> (DMatrix<f64>, DVector<f64>) {
    weighted_qr_rows(columns, w, zw, 0, w.len())
}

/// Rows from which [`weighted_qr`] splits the work in two.
const SPLIT: usize = 1 << 13;

fn weighted_qr_rows(
    columns: &[Vec<f64>],
    w: &[f64],
    zw: &[f64],
    from: usize,
    to: usize,
) -> (DMatrix<f64>, DVector<f64>) {
    const BLOCK: usize = 512;
    let p = columns.len();
    if to - from >= 2 * SPLIT {
        let mid = from + (to - from) / 2;
        let ((r1, c1), (r2, c2)) = rayon::join(
            || weighted_qr_rows(columns, w, zw, from, mid),
            || weighted_qr_rows(columns, w, zw, mid, to),
        );
        let a = DMatrix::from_fn(
            2 * p,
            p,
            |i, j| {
                if i < p { r1[(i, j)] } else { r2[(i - p, j)] }
            },
        );
        let mut c = DVector::from_fn(2 * p, |i, _| if i < p { c1[i] } else { c2[i - p] });
        let qr = a.qr();
        qr.q_tr_mul(&mut c);
        return (qr.r(), c.rows(0, p).into_owned());
    }
    let mut r = DMatrix::<f64>::zeros(p, p);
    let mut qtz = DVector::<f64>::zeros(p);
    let mut start = from;
    let n = to;
    while start < n {
        let end = (start + BLOCK).min(n);
        // The R so far is zero (and left out) for the first block.
        let top = if start == from { 0 } else { p };
        let rows = top + end - start;
        let mut a = DMatrix::<f64>::zeros(rows, p);
        let mut c = DVector::<f64>::zeros(rows);
        for j in 0..p {
            for k in 0..top {
                a[(k, j)] = r[(k, j)];
            }
            for (k, i) in (start..end).enumerate() {
                a[(top + k, j)] = w[i] * columns[j][i];
            }
        }
        c.rows_mut(0, top).copy_from(&qtz.rows(0, top));
        for (k, i) in (start..end).enumerate() {
            c[top + k] = zw[i];
        }
        let qr = a.qr();
        qr.q_tr_mul(&mut c);
        let rr = qr.r();
        // A first block shorter than p leaves R with fewer rows; pad with zeros.
        r.fill(0.0);
        let k = rr.nrows().min(p);
        r.view_mut((0, 0), (k, p)).copy_from(&rr.rows(0, k));
        qtz.fill(0.0);
        qtz.rows_mut(0, k.min(c.len()))
            .copy_from(&c.rows(0, k.min(c.len())));
        start = end;
    }
    (r, qtz)
}

/// Fits `logit P(y = 1) = X b`. `columns` are the design's columns (include
/// an intercept column of 1s if wanted), each of length n; `y` is 0/1.
/// Errors when the design is rank-deficient (a constant or collinear
/// covariate) or has fewer rows than columns.
pub fn fit(columns: &[Vec<f64>], y: &[f64]) -> Result<LogisticFit, StatsError> {
    let n = y.len();
    let p = columns.len();
    if n <= p || p == 0 {
        return Err(StatsError::TooFewObservations {
            found: n,
            needed: p + 1,
        });
    }
    let mut mu: Vec<f64> = y.iter().map(|&y| (y + 0.5) / 2.0).collect();
    let mut eta: Vec<f64> = mu.iter().map(|&m| (m / (1.0 - m)).ln()).collect();
    let mut dev_old = deviance(y, &mu);
    let mut coef = DVector::zeros(p);
    let mut r_last = DMatrix::zeros(p, p);
    let mut converged = false;
    let mut iterations = 0;
    let mut w = vec![0.0; n];
    let mut zw = vec![0.0; n];
    for iter in 1..=MAX_ITER {
        iterations = iter;
        // Row by row (on both cores when long; each value is computed
        // alone, so the split changes nothing).
        w.par_iter_mut()
            .zip(zw.par_iter_mut())
            .enumerate()
            .with_min_len(ROWS_PER_TASK)
            .for_each(|(i, (w, zw))| {
                let d = mu_eta(eta[i]);
                let var = mu[i] * (1.0 - mu[i]);
                *w = (d * d / var).sqrt();
                *zw = *w * (eta[i] + (y[i] - mu[i]) / d);
            });
        let (r, qtz) = weighted_qr(columns, &w, &zw);
        let max_diag = (0..p).map(|j| r[(j, j)].abs()).fold(0.0, f64::max);
        if (0..p).any(|j| r[(j, j)].abs() <= 1e-7 * max_diag) || max_diag == 0.0 {
            return Err(StatsError::Singular);
        }
        coef = r.solve_upper_triangular(&qtz).ok_or(StatsError::Singular)?;
        r_last = r;
        eta.par_iter_mut()
            .zip(mu.par_iter_mut())
            .enumerate()
            .with_min_len(ROWS_PER_TASK)
            .for_each(|(i, (e, m))| {
                *e = columns.iter().zip(coef.iter()).map(|(c, b)| c[i] * b).sum();
                *m = linkinv(*e);
            });
        let dev = deviance(y, &mu);
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < EPSILON {
            converged = true;
            break;
        }
        dev_old = dev;
    }
    // Covariance (R' R)^-1 from the last weighted QR, as summary.glm does.
    let r_inv = r_last.clone().try_inverse().ok_or(StatsError::Singular)?;
    let cov = &r_inv * r_inv.transpose();
    let se: Vec<f64> = (0..p).map(|j| cov[(j, j)].sqrt()).collect();
    let coef: Vec<f64> = coef.iter().copied().collect();
    let z: Vec<f64> = coef.iter().zip(&se).map(|(b, s)| b / s).collect();
    let normal = Normal::standard();
    let pv = z.iter().map(|z| 2.0 * normal.sf(z.abs())).collect();
    let ybar = y.iter().sum::<f64>() / n as f64;
    let null_deviance = deviance(y, &vec![ybar; n]);
    let eps10 = 10.0 * f64::EPSILON;
    let range = |want: f64| {
        eta.iter()
            .zip(y)
            .filter(|&(_, &yy)| yy == want)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (&e, _)| {
                (lo.min(e), hi.max(e))
            })
    };
    let ((lo1, hi1), (lo0, hi0)) = (range(1.0), range(0.0));
    let disjoint = lo1 > hi0 || lo0 > hi1;
    let separation = disjoint || mu.iter().any(|&m| m < eps10 || m > 1.0 - eps10);
    Ok(LogisticFit {
        deviance: deviance(y, &mu),
        coef,
        se,
        z,
        p: pv,
        null_deviance,
        fitted: mu,
        linear_predictor: eta,
        iterations,
        converged,
        separation,
    })
}
