//! `[matching]`: the propensity model and nearest-neighbour matching.

use super::format::one;
use serde::{Deserialize, Serialize};

/// Scale of the matching distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DistanceScale {
    /// The propensity score (probability); MatchIt's default (`link = "logit"`).
    #[default]
    Ps,
    /// The linear predictor, logit(PS) (MatchIt `link = "linear.logit"`).
    Logit,
}

/// Order in which focal units choose their controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrderKind {
    /// Decreasing distance (MatchIt's default).
    #[default]
    Largest,
    /// Increasing distance.
    Smallest,
    /// Data order.
    Data,
    /// A random order from `seed` (ChaCha8).
    Random,
}

/// Denominator of the balance SMD after matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmdDenominator {
    /// The pooled SD of the unmatched sample, for before and after alike (as cobalt).
    #[default]
    Unmatched,
    /// Each sample's own pooled SD.
    Each,
}

/// What to do with patients missing a matching covariate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingCovariates {
    /// Leave them out of matching (the count is reported).
    #[default]
    CompleteCase,
    /// Stop with an error.
    Error,
}

/// `[matching]`: propensity-score model and nearest-neighbour matching.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct MatchingSection {
    /// Variables (names from `[variables]`) in the propensity model.
    pub covariates: Vec<String>,
    /// Group whose members each receive matches (default: the smaller group).
    pub focal: Option<String>,
    /// Controls per focal patient (1:k).
    #[serde(default = "one")]
    pub ratio: usize,
    /// Caliper in SDs of the distance over all units (MatchIt `std.caliper = TRUE`).
    pub caliper: Option<f64>,
    /// Scale of the distance.
    #[serde(default)]
    pub distance: DistanceScale,
    /// Order in which focal patients choose.
    #[serde(default)]
    pub order: OrderKind,
    /// Matching with replacement.
    #[serde(default)]
    pub replace: bool,
    /// Variables that must match exactly.
    #[serde(default)]
    pub exact: Vec<String>,
    /// Seed for `order = "random"`.
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// Patients missing a covariate.
    #[serde(default)]
    pub missing: MissingCovariates,
    /// |SMD| above which a covariate is called imbalanced.
    #[serde(default = "smd_threshold")]
    pub smd_threshold: f64,
    /// SMD denominator after matching.
    #[serde(default)]
    pub smd_denominator: SmdDenominator,
}

pub(super) fn one_u64() -> u64 {
    1
}

pub(super) fn smd_threshold() -> f64 {
    0.1
}
