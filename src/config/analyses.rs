//! The analyses' sections: `[table1]`, `[survival]`, `[cox]`,
//! `[subgroups]`, `[complications]` and `[verify]`.

use super::study::default_event_value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Transformation for Kaplan-Meier confidence intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfTypeKind {
    /// log S (R's default).
    #[default]
    Log,
    /// log(-log S) (SAS's default).
    LogLog,
    /// S itself.
    Plain,
}

/// Handling of tied event times in Cox models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TiesKind {
    /// Efron (R's default).
    #[default]
    Efron,
    /// Breslow (SAS's and SPSS's default).
    Breslow,
}

/// Variance of Cox models in the matched cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedVariance {
    /// Robust sandwich variance clustered on the matched pair (Austin 2013).
    #[default]
    RobustPairs,
    /// Model-based variance, as if the matched patients were independent.
    Model,
}

/// `[survival]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct SurvivalSection {
    /// Kaplan-Meier confidence interval transformation.
    #[serde(default)]
    pub conf_type: ConfTypeKind,
    /// Confidence level of all intervals.
    #[serde(default = "conf_level")]
    pub conf_level: f64,
    /// Cox ties.
    #[serde(default)]
    pub ties: TiesKind,
    /// Cox variance after matching.
    #[serde(default)]
    pub matched_variance: MatchedVariance,
}

impl Default for SurvivalSection {
    fn default() -> Self {
        SurvivalSection {
            conf_type: ConfTypeKind::Log,
            conf_level: 0.95,
            ties: TiesKind::Efron,
            matched_variance: MatchedVariance::RobustPairs,
        }
    }
}

pub(super) fn conf_level() -> f64 {
    0.95
}

/// `[complications]`: event columns (0/1) in groups such as major and minor.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct ComplicationsSection {
    /// Value of an event column that means the complication occurred.
    #[serde(default = "default_event_value")]
    pub event_value: String,
    /// Groups of complications, in table order.
    pub groups: Vec<ComplicationGroup>,
}

/// `[[complications.groups]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct ComplicationGroup {
    /// Printed name ("Major complications").
    pub label: String,
    /// The complications: data column and printed name.
    pub items: Vec<ComplicationItem>,
}

/// One complication.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct ComplicationItem {
    /// Data column (event value = occurred, anything else or empty = not).
    pub column: String,
    /// Printed name.
    pub label: String,
}

/// `[subgroups]`: treatment hazard ratios within levels of variables.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct SubgroupSection {
    /// Endpoint ids (default: every endpoint).
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// Categorical variables defining the subgroups.
    pub variables: Vec<String>,
}

/// How factors enter the multivariable Cox model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Every factor whose univariable p is below `p-enter` (the paper's rule).
    #[default]
    UnivariableP,
    /// Forward stepwise on likelihood-ratio tests (SPSS's "Forward: LR"):
    /// add the factor with the smallest p below `p-enter`, then drop any
    /// whose p rises above `p-remove`; repeat. All steps use the patients
    /// with every candidate factor recorded.
    ForwardStepwise,
    /// Every factor.
    None,
}

/// `[cox]`: the risk-factor tables.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct CoxSection {
    /// Endpoint ids (default: every endpoint).
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// Variables (names from `[variables]`); the treatment is added last.
    pub factors: Vec<String>,
    /// Label of the treatment row.
    #[serde(default = "treatment_label")]
    pub treatment_label: String,
    /// Whether the treatment is a factor of the tables (default true);
    /// false for prognostic (risk-factor) tables without it.
    #[serde(default = "yes")]
    pub include_treatment: bool,
    /// Selection of the multivariable model's factors.
    #[serde(default)]
    pub selection: Selection,
    /// Entry threshold (`univariable-p`, `forward-stepwise`).
    #[serde(default = "p_enter")]
    pub p_enter: f64,
    /// Removal threshold (`forward-stepwise`).
    #[serde(default = "p_remove")]
    pub p_remove: f64,
}

pub(super) fn treatment_label() -> String {
    "Treatment modalities".into()
}

pub(super) fn p_enter() -> f64 {
    0.05
}

pub(super) fn p_remove() -> f64 {
    0.10
}

/// Which SMD Table 1 prints for more than two groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmdGroups {
    /// The largest absolute SMD over every pair of groups.
    #[default]
    MaxPairwise,
    /// The largest absolute SMD of a group against the reference group.
    VersusReference,
}

/// Test for categorical rows of Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CategoricalTest {
    /// Chi-square, switching to Fisher's exact test when an expected count
    /// is below `fisher-below`.
    #[default]
    Auto,
    /// Always chi-square.
    ChiSquare,
    /// Always Fisher's exact test.
    Fisher,
}

/// Test for continuous rows of Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContinuousTest {
    /// Welch's t-test for mean (SD) rows, Wilcoxon rank-sum for median (IQR)
    /// rows; Kruskal-Wallis for more than two groups.
    #[default]
    BySummary,
    /// Wilcoxon rank-sum (Mann-Whitney U) for every row.
    Wilcoxon,
    /// Welch's t-test for every row.
    TWelch,
    /// Pooled-variance t-test for every row.
    TPooled,
}

/// `[table1]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct Table1Section {
    /// Variables (names from `[variables]`), in table order.
    #[serde(default)]
    pub variables: Vec<String>,
    /// Test for categorical rows.
    #[serde(default)]
    pub categorical_test: CategoricalTest,
    /// Yates' continuity correction for 2 x 2 chi-square tests (R's default).
    #[serde(default = "yes")]
    pub yates: bool,
    /// With `categorical-test = "auto"`: Fisher when any expected count is below this.
    #[serde(default = "five")]
    pub fisher_below: f64,
    /// Test for continuous rows.
    #[serde(default)]
    pub continuous_test: ContinuousTest,
    /// Continuity correction of the Wilcoxon normal approximation (R's default).
    #[serde(default = "yes")]
    pub wilcoxon_correct: bool,
    /// With more than two groups, which SMD Table 1 prints: the largest of
    /// every pair's (`max-pairwise`) or
    /// the largest of each group against the reference
    /// (`versus-reference`); the pair is printed beside it.
    #[serde(default)]
    pub smd_groups: SmdGroups,
}

impl Default for Table1Section {
    fn default() -> Self {
        Table1Section {
            variables: Vec::new(),
            categorical_test: CategoricalTest::Auto,
            yates: true,
            fisher_below: 5.0,
            continuous_test: ContinuousTest::BySummary,
            wilcoxon_correct: true,
            smd_groups: SmdGroups::MaxPairwise,
        }
    }
}

pub(super) fn yes() -> bool {
    true
}

pub(super) fn five() -> f64 {
    5.0
}

/// `[verify]`: maps the names of the published manifest (`[study]
/// published`) to this study's, for `studybook verify`. Every map is
/// optional: a name that is the same in both needs no entry, groups match
/// their label or value case-insensitively, and levels match by name or,
/// failing that, by position.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct VerifySection {
    /// Manifest group key (`sr` of `sr_n`) -> treatment value.
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
    /// Manifest cohort (`unmatched`, `psm`) -> `unmatched` or `matched`.
    #[serde(default)]
    pub cohorts: BTreeMap<String, String>,
    /// Manifest Table 1 variable -> study variable.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// Manifest Cox factor -> study variable (`treatment` for the treatment).
    #[serde(default)]
    pub factors: BTreeMap<String, String>,
    /// Manifest outcome or endpoint key (`OS`, `os`) -> study endpoint id.
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
}
