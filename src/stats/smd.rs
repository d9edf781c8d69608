//! Standardized mean differences (SMD) for balance: Austin (2009),
//! "Balance diagnostics for comparing the distribution of baseline
//! covariates between treatment groups in propensity-score matched samples",
//! Stat Med 28:3083-3107; Yang & Dalton (2012) for categorical variables.

use super::describe;
use nalgebra::{DMatrix, DVector};

/// SMD of a continuous variable, group 1 against reference group 0:
/// `(mean1 - mean0) / sqrt((var1 + var0) / 2)` (variances with n - 1; the
/// average-variance denominator of Austin 2009). `None` when a group has fewer
/// than 2 values or both variances are zero.
pub fn continuous(x1: &[f64], x0: &[f64]) -> Option<f64> {
    let (m1, m0) = (describe::mean(x1)?, describe::mean(x0)?);
    let (v1, v0) = (describe::variance(x1)?, describe::variance(x0)?);
    let denom = ((v1 + v0) / 2.0).sqrt();
    (denom > 0.0).then(|| (m1 - m0) / denom)
}

/// SMD of a binary indicator with proportions `p1` (group 1) and `p0`
/// (reference): `(p1 - p0) / sqrt((p1 (1 - p1) + p0 (1 - p0)) / 2)`.
/// `None` when both proportions are 0 or both are 1.
pub fn binary(p1: f64, p0: f64) -> Option<f64> {
    let denom = ((p1 * (1.0 - p1) + p0 * (1.0 - p0)) / 2.0).sqrt();
    (denom > 0.0).then(|| (p1 - p0) / denom)
}

/// SMD of a categorical variable with K levels, from the level proportions of
/// each group (each summing to 1): Yang & Dalton's
/// `sqrt((p1 - p0)' S^-1 (p1 - p0))` over levels 2..K, with
/// `S = (S1 + S0) / 2`, `S_g[k,k] = p_gk (1 - p_gk)`, `S_g[k,l] = -p_gk p_gl`.
/// With two levels it equals `|binary(p1[1], p0[1])|`. Non-negative; `None`
/// when S is singular (a level absent from both groups).
pub fn categorical(p1: &[f64], p0: &[f64]) -> Option<f64> {
    let k = p1.len().min(p0.len());
    if k < 2 {
        return None;
    }
    let m = k - 1;
    let d = DVector::from_iterator(m, (1..k).map(|i| p1[i] - p0[i]));
    let s = DMatrix::from_fn(m, m, |a, b| {
        let (i, j) = (a + 1, b + 1);
        let cov = |p: &[f64]| {
            if i == j {
                p[i] * (1.0 - p[i])
            } else {
                -p[i] * p[j]
            }
        };
        (cov(p1) + cov(p0)) / 2.0
    });
    let chol = s.cholesky()?;
    let v = d.dot(&chol.solve(&d));
    (v >= 0.0).then(|| v.sqrt())
}
