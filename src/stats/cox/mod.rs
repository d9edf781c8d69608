//! Cox proportional-hazards regression by Newton-Raphson on the partial
//! likelihood, with Efron (default) or Breslow handling of tied event
//! times, as R's `survival::coxph` (survival 3.5, `coxfit6.c`):
//! start at beta = 0; step `beta += I^-1 U`; halve the step while the log
//! partial likelihood decreases; stop when `|1 - l_old / l_new| <= 1e-9`
//! (at most 20 iterations). The variance is `I^-1` at the final estimate.
//!
//! At an event time with d tied events, risk-set sums
//! `S0 = sum r_i`, `S1 = sum r_i x_i`, `S2 = sum r_i x_i x_i'` (`r = exp(x'b)`)
//! and the sums `D0, D1, D2` over the d events:
//! Breslow: `l += sum_D x'b - d log S0`, `U += sum_D x - d S1 / S0`,
//! `I += d (S2 / S0 - S1 S1' / S0^2)`.
//! Efron: for k = 0..d-1 with `f = k / d`, `S0_k = S0 - f D0` (likewise S1,
//! S2): `l -= log S0_k`, `U -= S1_k / S0_k`, `I += S2_k / S0_k - S1_k S1_k' / S0_k^2`,
//! plus `sum_D x'b` and `sum_D x`.
//! Cox (1972) JRSS B 34:187; Efron (1977) JASA 72:557; Therneau &
//! Grambsch (2000), Modeling Survival Data, ch. 3.

use super::StatsError;
use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

mod baseline;
mod fit;
mod prepare;
mod robust;
mod zph;

pub use baseline::baseline_cumhaz;
pub use fit::{CoxFit, fit, fit_counted, fit_counted_robust, fit_robust, fit_weighted};
pub use robust::robust_variance;
pub use zph::{Zph, ZphTransform, zph};

use fit::*;
use prepare::*;
use robust::*;

/// Handling of tied event times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    /// Efron's approximation (R's default).
    Efron,
    /// Breslow's approximation.
    Breslow,
}

/// A test statistic with its degrees of freedom and p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquareTest {
    /// Statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// p-value.
    pub p: f64,
}

pub(super) const EPS: f64 = 1e-9;
pub(super) const MAX_ITER: usize = 20;

/// The rows in processing order (by stratum, then decreasing time), copied
/// so that every pass reads memory sequentially. Rows identical in stratum,
/// time, status and every covariate are merged into one row with a count:
/// each sum over rows then adds `count` copies at once, which is the same
/// sum (only its rounding order differs), and Efron's stages still count
/// every tied event. Data with few distinct times and discrete covariates
/// (registries with times in days, factors coded as dummies) shrink to a
/// small fraction of their rows; data without repeats stay as they are.
struct Data {
    time: Vec<f64>,
    event: Vec<bool>,
    /// Rows merged into each row.
    count: Vec<usize>,
    /// The case weights of the rows merged into each row (their count when
    /// unweighted).
    weight: Vec<f64>,
    /// Each input row's case weight, when the fit is weighted.
    case: Option<Vec<f64>>,
    x: Rows, // centred covariates
    strata: Vec<usize>,
    /// The merged row of each input row.
    row_of: Vec<usize>,
}

pub(super) fn chi2(statistic: f64, df: usize) -> ChiSquareTest {
    let p = ChiSquared::new(df as f64)
        .map(|c| c.sf(statistic))
        .unwrap_or(f64::NAN);
    ChiSquareTest { statistic, df, p }
}

/// Wald test of the coefficients `cols` jointly being 0, with the fit's
/// variance (robust when set): `b_J' V_JJ^-1 b_J`, df = |J|.
pub fn wald_subset(fit: &CoxFit, cols: &[usize]) -> Option<ChiSquareTest> {
    let k = cols.len();
    let v = DMatrix::from_fn(k, k, |a, b| fit.var[cols[a]][cols[b]]);
    let b = DVector::from_iterator(k, cols.iter().map(|&j| fit.coef[j]));
    let x = v.lu().solve(&b)?;
    Some(chi2(b.dot(&x), k))
}

/// Likelihood-ratio test of nested models: `2 (l_full - l_reduced)` on the
/// difference in parameters.
pub fn lr_test(loglik_full: f64, loglik_reduced: f64, df: usize) -> ChiSquareTest {
    chi2((2.0 * (loglik_full - loglik_reduced)).max(0.0), df)
}
