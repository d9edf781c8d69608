//! Restricted mean survival time (RMST): the area under a Kaplan-Meier
//! curve up to a horizon tau, with the variance of Uno et al. as R's
//! survRM2 (`rmst1`) and survival's `summary(survfit, rmean = tau)` compute
//! it, and the difference and ratio of two groups with Wald intervals
//! (`rmst2`). Royston & Parmar 2013, BMC Med Res Methodol 13:152; Uno et
//! al. 2014, J Clin Oncol 32:2380.
//!
//! With curve times `t_1 < ... < t_k <= tau`, `S(t)` the step function and
//! `d_j`, `n_j` the events and numbers at risk at `t_j`:
//! `RMST = sum_j S(t_{j-1}) (t_j - t_{j-1}) + S(t_k) (tau - t_k)` (t_0 = 0,
//! S(t_0) = 1), `Var = sum_j A_j^2 d_j / (n_j (n_j - d_j))` with
//! `A_j = integral of S from t_j to tau` (a term with `n_j = d_j` adds 0).
//! Weighted counts give the weighted estimate with the same formula, as
//! survfit does for weighted curves.

use statrs::distribution::{ContinuousCDF, Normal};

/// The RMST of one curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rmst {
    /// The horizon.
    pub tau: f64,
    /// Area under the curve up to tau.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
}

/// The RMST up to `tau` of the curve with distinct `time`s (ascending),
/// survival `surv` after each, `n_risk` and `n_event` at each.
pub fn rmst(time: &[f64], surv: &[f64], n_risk: &[f64], n_event: &[f64], tau: f64) -> Rmst {
    let k = time.partition_point(|&t| t <= tau);
    // Interval j (0..=k) runs from the previous time to the next (or tau)
    // at height S before it.
    let mut areas = Vec::with_capacity(k + 1);
    let (mut prev_t, mut prev_s) = (0.0, 1.0);
    for j in 0..k {
        areas.push((time[j] - prev_t) * prev_s);
        prev_t = time[j];
        prev_s = surv[j];
    }
    areas.push((tau - prev_t) * prev_s);
    let estimate: f64 = areas.iter().sum();
    // A_j = the areas after t_j, summed from tau back.
    let mut var = 0.0;
    let mut after = 0.0;
    for j in (0..k).rev() {
        after += areas[j + 1];
        let (n, d) = (n_risk[j], n_event[j]);
        if n - d != 0.0 {
            var += after * after * d / (n * (n - d));
        }
    }
    Rmst {
        tau,
        estimate,
        se: var.sqrt(),
    }
}

/// A contrast of two RMSTs with its Wald interval and p.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contrast {
    /// Estimate.
    pub estimate: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
    /// Two-sided p.
    pub p: f64,
}

fn z_and_p(level: f64, stat: f64) -> (f64, f64) {
    let n = Normal::standard();
    (
        n.inverse_cdf(1.0 - (1.0 - level) / 2.0),
        2.0 * n.sf(stat.abs()),
    )
}

/// `a - b`, with `se = sqrt(se_a^2 + se_b^2)`.
pub fn difference(a: &Rmst, b: &Rmst, level: f64) -> Contrast {
    let d = a.estimate - b.estimate;
    let se = (a.se * a.se + b.se * b.se).sqrt();
    let (z, p) = z_and_p(level, d / se);
    Contrast {
        estimate: d,
        lower: d - z * se,
        upper: d + z * se,
        p,
    }
}

/// `a / b`, on the log scale with `se = sqrt(se_a^2 / a^2 + se_b^2 / b^2)`.
pub fn ratio(a: &Rmst, b: &Rmst, level: f64) -> Contrast {
    let lr = (a.estimate / b.estimate).ln();
    let se =
        (a.se * a.se / (a.estimate * a.estimate) + b.se * b.se / (b.estimate * b.estimate)).sqrt();
    let (z, p) = z_and_p(level, lr / se);
    Contrast {
        estimate: lr.exp(),
        lower: (lr - z * se).exp(),
        upper: (lr + z * se).exp(),
        p,
    }
}
