//! `[robustness]`: the treatment effect under every adjustment.

use serde::{Deserialize, Serialize};

/// `[robustness]`: the E-values' outcome rule and the bootstrap of the
/// matched hazard ratio.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct RobustnessSection {
    /// An endpoint whose share of patients with an event is below this is
    /// "rare": its E-values take the hazard ratio as a risk ratio; above,
    /// the common-outcome approximation (VanderWeele 2020).
    #[serde(default = "default_rare_threshold")]
    pub rare_threshold: f64,
    /// Bootstrap of the matched hazard ratio; absent: none.
    pub bootstrap: Option<BootstrapSection>,
}

impl Default for RobustnessSection {
    fn default() -> Self {
        RobustnessSection {
            rare_threshold: default_rare_threshold(),
            bootstrap: None,
        }
    }
}

pub(super) fn default_rare_threshold() -> f64 {
    0.15
}

/// What a bootstrap replicate resamples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BootstrapKind {
    /// Matched pairs, with replacement; the Cox model refitted on them.
    Pairs,
    /// Patients of the whole cohort; the propensity model re-estimated,
    /// the match redone and the Cox model refitted in every replicate.
    Full,
}

/// `[robustness] bootstrap = { replicates = 999, seed = 1, kind = "pairs" }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct BootstrapSection {
    /// Replicates.
    #[serde(default = "default_replicates")]
    pub replicates: usize,
    /// Seed; replicate i draws from a generator seeded by (seed, i).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// What is resampled.
    #[serde(default = "default_kind")]
    pub kind: BootstrapKind,
}

pub(super) fn default_replicates() -> usize {
    999
}

pub(super) fn default_seed() -> u64 {
    1
}

pub(super) fn default_kind() -> BootstrapKind {
    BootstrapKind::Pairs
}
