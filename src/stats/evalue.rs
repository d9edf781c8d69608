//! E-values for hazard ratios: how strongly an unmeasured confounder would
//! have to be associated with both treatment and outcome (on the risk-ratio
//! scale) to explain an observed association away (VanderWeele & Ding 2017,
//! Ann Intern Med 167:268), as R's `EValue::evalues.HR`.
//!
//! A hazard ratio becomes a risk ratio as `RR = HR` when the outcome is rare
//! (under about 15% by the end of follow-up), otherwise as
//! `RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1 / HR))` (VanderWeele 2020,
//! Biometrics 76:746). With `RR* = max(RR, 1 / RR)` the E-value is
//! `RR* + sqrt(RR* (RR* - 1))`. The confidence interval's E-value is that of
//! the limit nearer 1, or 1 when the interval contains 1.

/// A hazard ratio as a risk ratio: itself for a rare outcome, else the
/// common-outcome approximation.
pub fn hr_to_rr(hr: f64, rare: bool) -> f64 {
    if rare {
        hr
    } else {
        (1.0 - 0.5f64.powf(hr.sqrt())) / (1.0 - 0.5f64.powf((1.0 / hr).sqrt()))
    }
}

/// The E-value of a risk ratio (1 for a ratio of 1).
pub fn of_rr(rr: f64) -> f64 {
    let r = if rr < 1.0 { 1.0 / rr } else { rr };
    r + (r * (r - 1.0)).sqrt()
}

/// E-values of a hazard ratio and of its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EValues {
    /// For the point estimate.
    pub point: f64,
    /// For the confidence limit nearer 1 (1 when the interval contains 1).
    pub ci: f64,
}

/// The E-values of `hr` with limits `lower`, `upper`; `None` unless all
/// three are positive and finite.
pub fn of_hr(hr: f64, lower: f64, upper: f64, rare: bool) -> Option<EValues> {
    let ok = |x: f64| x.is_finite() && x > 0.0;
    if !(ok(hr) && ok(lower) && ok(upper)) {
        return None;
    }
    let (rr, lo, hi) = (
        hr_to_rr(hr, rare),
        hr_to_rr(lower, rare),
        hr_to_rr(upper, rare),
    );
    let ci = if rr > 1.0 {
        if lo <= 1.0 { 1.0 } else { of_rr(lo) }
    } else if rr < 1.0 {
        if hi >= 1.0 { 1.0 } else { of_rr(hi) }
    } else {
        1.0
    };
    Some(EValues {
        point: of_rr(rr),
        ci,
    })
}
