//! Propensity-score weights and their diagnostics.
//!
//! Weights by estimand, with `e` the propensity score (probability of the
//! focal, "treated" group) and `t` the focal indicator, as WeightIt
//! (Greifer, `get_w_from_ps`):
//! - ATE (inverse probability of treatment): `t / e + (1 - t) / (1 - e)`;
//! - ATT: `t + (1 - t) e / (1 - e)`;
//! - ATO (overlap weights, Li, Morgan & Zaslavsky 2018, JASA 113:390):
//!   `t (1 - e) + (1 - t) e`.
//!
//! Stabilized ATE weights multiply each patient's weight by the share of
//! their own group in the sample (Robins, Hernán & Brumback 2000). The Kish
//! effective sample size of a group is `(sum w)^2 / sum w^2` (Kish 1965).

use serde::Serialize;

/// The population a weighting targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Estimand {
    /// Average treatment effect in the whole sample (IPTW).
    Ate,
    /// Average treatment effect in the treated (focal group).
    Att,
    /// Average treatment effect in the overlap population.
    Ato,
}

/// Each patient's weight from propensity score `ps[i]` and focal indicator
/// `treated[i]`; `stabilize` multiplies ATE weights by the patient's group
/// share (it is ignored for ATT and ATO, whose weights are already on the
/// scale of a group).
pub fn weights(ps: &[f64], treated: &[bool], estimand: Estimand, stabilize: bool) -> Vec<f64> {
    let n = treated.len() as f64;
    let share = treated.iter().filter(|&&t| t).count() as f64 / n;
    ps.iter()
        .zip(treated)
        .map(|(&e, &t)| match (estimand, t) {
            (Estimand::Ate, true) if stabilize => share / e,
            (Estimand::Ate, false) if stabilize => (1.0 - share) / (1.0 - e),
            (Estimand::Ate, true) => 1.0 / e,
            (Estimand::Ate, false) => 1.0 / (1.0 - e),
            (Estimand::Att, true) => 1.0,
            (Estimand::Att, false) => e / (1.0 - e),
            (Estimand::Ato, true) => 1.0 - e,
            (Estimand::Ato, false) => e,
        })
        .collect()
}

/// Kish's effective sample size `(sum w)^2 / sum w^2`; 0 for no weights.
pub fn ess(w: &[f64]) -> f64 {
    let (s, s2) = w.iter().fold((0.0, 0.0), |(s, s2), &x| (s + x, s2 + x * x));
    if s2 > 0.0 { s * s / s2 } else { 0.0 }
}

/// Summary of a set of weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeightSummary {
    /// Smallest weight.
    pub min: f64,
    /// Largest weight.
    pub max: f64,
    /// Mean weight.
    pub mean: f64,
    /// Sum of the weights.
    pub sum: f64,
}

/// Min, max, mean and sum of `w`; `None` for no weights.
pub fn summarize(w: &[f64]) -> Option<WeightSummary> {
    if w.is_empty() {
        return None;
    }
    let sum: f64 = w.iter().sum();
    Some(WeightSummary {
        min: w.iter().copied().fold(f64::INFINITY, f64::min),
        max: w.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        mean: sum / w.len() as f64,
        sum,
    })
}

/// The weighted mean `sum w x / sum w`; `None` when the weights sum to 0.
pub fn weighted_mean(x: &[f64], w: &[f64]) -> Option<f64> {
    let (sw, swx) = x
        .iter()
        .zip(w)
        .fold((0.0, 0.0), |(sw, swx), (&x, &w)| (sw + w, swx + w * x));
    (sw > 0.0).then(|| swx / sw)
}
