//! `[weighting]`: propensity-score weighting with `[matching]`'s model.

use serde::{Deserialize, Serialize};

/// The population a weighting targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EstimandKind {
    /// Inverse probability of treatment weights: the whole sample (ATE).
    Ate,
    /// The focal ("treated") group's population (ATT).
    Att,
    /// Overlap weights: the population with clinical equipoise (ATO).
    Ato,
}

impl EstimandKind {
    /// Its id in `results.json` and in diagnostics ("ate").
    pub fn id(self) -> &'static str {
        match self {
            EstimandKind::Ate => "ate",
            EstimandKind::Att => "att",
            EstimandKind::Ato => "ato",
        }
    }
}

/// `[weighting]`: one weighted population per estimand, from the propensity
/// model of `[matching]` (its covariates, its focal group as "treated").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct WeightingSection {
    /// Estimands, each a weighted population (default: the ATE, as WeightIt).
    #[serde(default = "default_estimands")]
    pub estimands: Vec<EstimandKind>,
    /// Stabilized ATE weights (times the share of the patient's group).
    #[serde(default)]
    pub stabilize: bool,
    /// `[lower, upper]` propensity bounds: patients outside leave the
    /// weighted populations (counted in the diagnostics); empty: none.
    #[serde(default)]
    pub trim: Vec<f64>,
    /// A weight above this is reported as extreme.
    #[serde(default = "default_extreme_weight")]
    pub extreme_weight: f64,
}

pub(super) fn default_estimands() -> Vec<EstimandKind> {
    vec![EstimandKind::Ate]
}

pub(super) fn default_extreme_weight() -> f64 {
    10.0
}
