//! The study config: `study.toml` as typed structs (`StudyConfig`, a mirror
//! of what the author wrote) and its checks that need no data.
//!
//! Keys are kebab-case; unknown keys are rejected with the line, the column
//! and the closest valid key. Paths are relative to the config file.

use crate::error::{Error, Result, did_you_mean};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A study config as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct StudyConfig {
    /// Title, data file, id column.
    pub study: StudySection,
    /// The grouping (treatment) column and its groups.
    pub treatment: Treatment,
    /// Variables by name: data columns or derived expressions.
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    /// Time-to-event endpoints (used by the survival analyses).
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// Exclusion steps that take the screened rows to the analysed cohort.
    #[serde(default)]
    pub cohort: CohortSection,
    /// Table 1: which variables, which tests.
    #[serde(default)]
    pub table1: Table1Section,
    /// Survival analysis conventions.
    #[serde(default)]
    pub survival: SurvivalSection,
    /// Univariable and multivariable Cox tables (Tables 2-3).
    pub cox: Option<CoxSection>,
    /// Complications by group (Table 4).
    pub complications: Option<ComplicationsSection>,
    /// Subgroup analyses of the treatment effect (forest plots).
    pub subgroups: Option<SubgroupSection>,
    /// Propensity-score matching; absent: no matched cohort.
    pub matching: Option<MatchingSection>,
    /// How numbers are printed.
    #[serde(default)]
    pub format: FormatSection,
    /// `[verify]`: how the published manifest's names map to this study's.
    #[serde(default)]
    pub verify: VerifySection,
}

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

fn conf_level() -> f64 {
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

fn treatment_label() -> String {
    "Treatment modalities".into()
}
fn p_enter() -> f64 {
    0.05
}
fn p_remove() -> f64 {
    0.10
}

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

fn one_u64() -> u64 {
    1
}
fn smd_threshold() -> f64 {
    0.1
}

/// `[study]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct StudySection {
    /// Manuscript title.
    pub title: String,
    /// Data file (.csv or .parquet), relative to the config file.
    pub data: PathBuf,
    /// Patient id column; the 1-based row number when absent.
    pub id: Option<String>,
    /// Authors, as printed under the title.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Free text describing the data source, printed in Methods.
    pub source: Option<String>,
    /// Cell values that mean "missing" (besides an empty cell).
    #[serde(default = "default_na_values")]
    pub na_values: Vec<String>,
    /// Manifest of the published numbers (used by `verify` and `audit`).
    pub published: Option<PathBuf>,
    /// Abstract: the background sentence(s) (Markdown-escaped).
    pub background: Option<String>,
    /// Abstract: the conclusion sentence(s) (Markdown-escaped).
    pub conclusions: Option<String>,
    /// Date printed in the provenance section (none by default, so that
    /// re-rendering gives identical files).
    pub date: Option<String>,
}

fn default_na_values() -> Vec<String> {
    vec!["NA".into()]
}

/// `[treatment]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct Treatment {
    /// Data column holding the group of each patient.
    pub column: String,
    /// Group values as written in the data; the first is the reference.
    pub groups: Vec<String>,
    /// Printed names of the groups (default: the values).
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Measurement scale of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Numbers summarised by mean (SD) or median (IQR).
    Continuous,
    /// Levels counted as n (%).
    Categorical,
}

/// How a continuous variable is summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryKind {
    /// Mean (SD).
    #[default]
    MeanSd,
    /// Median (IQR), quartiles by R's type 7.
    MedianIqr,
}

/// Which end of a cut interval is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Closed {
    /// (a, b]: R's `cut(right = TRUE)`, the default.
    #[default]
    Right,
    /// [a, b): R's `cut(right = FALSE)`.
    Left,
}

/// `[variables.<name>]`: a data column or an SQL expression over columns,
/// optionally cut into levels.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct Variable {
    /// Data column (exclusive with `expr`; default: the variable's name).
    pub column: Option<String>,
    /// SQL expression over data columns and other variables.
    pub expr: Option<String>,
    /// Scale; default categorical when `levels` or `cut` is given.
    pub kind: Option<Kind>,
    /// Summary of a continuous variable.
    pub summary: Option<SummaryKind>,
    /// Printed name (default: the variable's name).
    pub label: Option<String>,
    /// Level values as written in the data (or the labels of the cut
    /// intervals); their order is the table's and the first is the reference.
    pub levels: Option<Vec<String>>,
    /// Printed names of the levels (default: the values).
    pub level_labels: Option<Vec<String>>,
    /// Cut points, ascending: k points give k + 1 levels.
    pub cut: Option<Vec<f64>>,
    /// Which end of each cut interval is closed.
    #[serde(default)]
    pub closed: Closed,
}

/// `[[endpoints]]`: a time-to-event outcome.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct Endpoint {
    /// Short id (`os`).
    pub id: String,
    /// Printed name.
    pub label: String,
    /// Column or variable with the follow-up time.
    pub time: String,
    /// Column or variable with the event indicator.
    pub event: String,
    /// The value of `event` that means an event occurred.
    #[serde(default = "default_event_value")]
    pub event_value: String,
    /// The value of `event` that means censored (any other value is an error).
    #[serde(default = "default_censor_value")]
    pub censor_value: String,
    /// Times at which survival rates are reported.
    #[serde(default)]
    pub landmarks: Vec<f64>,
    /// Unit of `time`, printed in text and axes.
    pub time_unit: Option<String>,
    /// Printed names of the landmarks ("1-year"); default "at T <unit>".
    pub landmark_labels: Option<Vec<String>>,
    /// Spacing of the x-axis ticks and number-at-risk columns of the
    /// Kaplan-Meier figure (default: a round number giving about 6 ticks).
    pub axis_step: Option<f64>,
}

fn default_event_value() -> String {
    "1".into()
}

fn default_censor_value() -> String {
    "0".into()
}

/// `[cohort]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct CohortSection {
    /// Printed name of the starting population.
    pub screened: Option<String>,
    /// Printed name of the analysed cohort.
    pub included: Option<String>,
    /// Exclusion steps, applied in order.
    #[serde(default)]
    pub exclude: Vec<ExcludeStep>,
}

/// `[[cohort.exclude]]`: rows for which `where` is true leave the cohort.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct ExcludeStep {
    /// Printed reason ("Age outside 18-75 years").
    pub reason: String,
    /// SQL boolean expression; a row whose value is NULL stays in.
    #[serde(rename = "where")]
    pub condition: String,
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
        }
    }
}

fn yes() -> bool {
    true
}
fn five() -> f64 {
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

/// `[format]`: how numbers are printed everywhere (tables, text, figures).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct FormatSection {
    /// Journal style: how p-values, confidence intervals and the decimal
    /// mark print (`default`, `ama`, `lancet`, `nejm`; see [`Style`]).
    #[serde(default)]
    pub style: Style,
    /// Decimal mark, overriding the style's ("." or "·").
    pub decimal_mark: Option<String>,
    /// Separator of interval limits, overriding the style's ("-", "–", " to ").
    pub ci_separator: Option<String>,
    /// Decimals of means, SDs, medians and quartiles.
    #[serde(default = "one")]
    pub digits: usize,
    /// Decimals of percentages.
    #[serde(default = "one")]
    pub pct_digits: usize,
    /// Decimals of p-values.
    #[serde(default = "three")]
    pub p_digits: usize,
    /// p-values below this print as "< threshold".
    #[serde(default = "p_threshold")]
    pub p_below: f64,
    /// Decimals of SMDs.
    #[serde(default = "three")]
    pub smd_digits: usize,
    /// Decimals of hazard ratios and their confidence limits.
    #[serde(default = "two")]
    pub hr_digits: usize,
    /// Decimals of survival rates (percent).
    #[serde(default = "one")]
    pub rate_digits: usize,
    /// Decimals of survival times (medians).
    #[serde(default = "one")]
    pub time_digits: usize,
}

/// Journal style presets for p-values, intervals and the decimal mark.
///
/// | style | p in tables | p in text | below threshold | interval | decimal |
/// |---|---|---|---|---|---|
/// | `default` | `p-digits` decimals ("0.543") | "p = 0.543" | "< 0.001" (`p-below`) | "0.77-1.66" | "." |
/// | `ama` (AMA Manual of Style) | 2 decimals, 3 below .01, no leading zero (".54", ".004"); ">.99" | "P = .54" | "<.001" | "0.77-1.66" | "." |
/// | `nejm` | 2 decimals, 3 below 0.01 ("0.54") | "P=0.54" | "<0.001" | "0.77 to 1.66" | "." |
/// | `lancet` | 2 significant figures ("0·54", "0·0023") | "p=0·54" | "<0·0001" | "0·77–1·66" | "·" (mid dot) |
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    /// studybook's default (three decimals, "p = ").
    #[default]
    Default,
    /// JAMA and the AMA Manual of Style.
    Ama,
    /// The Lancet.
    Lancet,
    /// The New England Journal of Medicine.
    Nejm,
}

impl Default for FormatSection {
    fn default() -> Self {
        FormatSection {
            style: Style::Default,
            decimal_mark: None,
            ci_separator: None,
            digits: 1,
            pct_digits: 1,
            p_digits: 3,
            p_below: 0.001,
            smd_digits: 3,
            hr_digits: 2,
            rate_digits: 1,
            time_digits: 1,
        }
    }
}

fn one() -> usize {
    1
}
fn two() -> usize {
    2
}
fn three() -> usize {
    3
}
fn p_threshold() -> f64 {
    0.001
}

/// A config read from disk, with the folder its paths are relative to.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The config file.
    pub path: PathBuf,
    /// Its folder.
    pub dir: PathBuf,
    /// Its exact text (hashed for provenance).
    pub text: String,
    /// The parsed config.
    pub config: StudyConfig,
}

impl LoadedConfig {
    /// The data file's path.
    pub fn data_path(&self) -> PathBuf {
        self.dir.join(&self.config.study.data)
    }
}

/// Reads, parses and checks a study config.
pub fn load(path: &Path) -> Result<LoadedConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            "the study config does not exist; check the path (a study is a folder with study.toml)"
        } else {
            "the study config could not be read"
        };
        Error::config(path, format!("{hint} ({e})"))
    })?;
    let config = parse(path, &text)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    Ok(LoadedConfig {
        path: path.to_path_buf(),
        dir,
        text,
        config,
    })
}

/// Parses config text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<StudyConfig> {
    let config: StudyConfig =
        toml::from_str(text).map_err(|e| Error::config(path, explain_toml_error(&e, text)))?;
    check(&config).map_err(|m| Error::config(path, m))?;
    Ok(config)
}

/// Turns a TOML/serde error into "line L, column C: message. Did you mean …?".
fn explain_toml_error(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim_end_matches('\n').to_string();
    let place = e.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {col}: ")
    });
    let mut out = format!("{}{message}", place.unwrap_or_default());
    // serde: "unknown field `x`, expected one of `a`, `b`" / "expected `a` or `b`"
    if let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
        && let Some((word, expected)) = rest.split_once('`')
    {
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        out.push_str(&did_you_mean(word, candidates.iter().copied()));
    }
    out
}

/// Checks that need no data: references between sections, cut points, sizes.
fn check(c: &StudyConfig) -> std::result::Result<(), String> {
    let t = &c.treatment;
    if t.groups.len() < 2 {
        return Err(format!(
            "[treatment] groups has {} value(s); list at least two group values as written in the data, reference first",
            t.groups.len()
        ));
    }
    if !t.labels.is_empty() && t.labels.len() != t.groups.len() {
        return Err(format!(
            "[treatment] labels has {} entries but groups has {}; give one label per group or leave labels out",
            t.labels.len(),
            t.groups.len()
        ));
    }
    if let Some(dup) = first_duplicate(&t.groups) {
        return Err(format!(
            "[treatment] groups lists `{dup}` twice; list each group once"
        ));
    }
    for (name, v) in &c.variables {
        let at = format!("[variables.{name}]");
        if v.column.is_some() && v.expr.is_some() {
            return Err(format!(
                "{at} has both column and expr; keep one (expr derives the variable, column reads it)"
            ));
        }
        if let Some(cut) = &v.cut {
            if cut.is_empty() {
                return Err(format!(
                    "{at} cut is empty; give at least one cut point or remove cut"
                ));
            }
            if cut.windows(2).any(|w| w[0] >= w[1]) || cut.iter().any(|x| !x.is_finite()) {
                return Err(format!(
                    "{at} cut points {cut:?} are not strictly increasing; sort them and remove duplicates"
                ));
            }
            if v.kind == Some(Kind::Continuous) {
                return Err(format!(
                    "{at} has cut but kind = \"continuous\"; a cut variable is categorical, so drop kind"
                ));
            }
            if let Some(levels) = &v.levels
                && levels.len() != cut.len() + 1
            {
                return Err(format!(
                    "{at} has {} cut point(s), which make {} levels, but levels lists {}; give one level name per interval",
                    cut.len(),
                    cut.len() + 1,
                    levels.len()
                ));
            }
        }
        if let Some(levels) = &v.levels {
            if v.kind == Some(Kind::Continuous) {
                return Err(format!(
                    "{at} has levels but kind = \"continuous\"; remove levels or make it categorical"
                ));
            }
            if levels.is_empty() {
                return Err(format!(
                    "{at} levels is empty; list the level values as written in the data"
                ));
            }
            if let Some(dup) = first_duplicate(levels) {
                return Err(format!(
                    "{at} levels lists `{dup}` twice; list each level once"
                ));
            }
            if let Some(labels) = &v.level_labels
                && labels.len() != levels.len()
            {
                return Err(format!(
                    "{at} level-labels has {} entries but levels has {}; give one label per level",
                    labels.len(),
                    levels.len()
                ));
            }
        }
        if v.summary.is_some()
            && (v.levels.is_some() || v.cut.is_some() || v.kind == Some(Kind::Categorical))
        {
            return Err(format!(
                "{at} has summary, which is for continuous variables only; remove it"
            ));
        }
        if v.kind == Some(Kind::Categorical) && v.levels.is_none() && v.cut.is_none() {
            return Err(format!(
                "{at} is categorical but lists no levels; add levels = [...] with the values as written in the data"
            ));
        }
    }
    let names: Vec<&str> = c.variables.keys().map(String::as_str).collect();
    for v in &c.table1.variables {
        if !c.variables.contains_key(v) {
            return Err(format!(
                "[table1] variables names `{v}`, which is not defined under [variables].{}",
                did_you_mean(v, names.iter().copied())
            ));
        }
    }
    if let Some(dup) = first_duplicate(&c.table1.variables) {
        return Err(format!(
            "[table1] variables lists `{dup}` twice; list each variable once"
        ));
    }
    let mut ids = Vec::new();
    for e in &c.endpoints {
        if ids.contains(&&e.id) {
            return Err(format!(
                "[[endpoints]] id `{}` is used twice; give each endpoint its own id",
                e.id
            ));
        }
        ids.push(&e.id);
        // Endpoint ids name figure files: keep them to safe characters so
        // that no id can point outside the output folder.
        if e.id.is_empty()
            || !e
                .id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        {
            return Err(format!(
                "[[endpoints]] id `{}` may contain only letters, digits, `_` and `-` (it names the figure files)",
                e.id
            ));
        }
        if let Some(labels) = &e.landmark_labels
            && labels.len() != e.landmarks.len()
        {
            return Err(format!(
                "[[endpoints]] `{}` has {} landmark-labels for {} landmarks; give one label per landmark",
                e.id,
                labels.len(),
                e.landmarks.len()
            ));
        }
        if let Some(bad) = e.landmarks.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
            return Err(format!(
                "[[endpoints]] `{}` landmark {bad} is not a positive time; landmarks must be > 0",
                e.id
            ));
        }
    }
    if let Some(m) = &c.matching {
        for v in m.covariates.iter().chain(&m.exact) {
            if !c.variables.contains_key(v) {
                return Err(format!(
                    "[matching] names `{v}`, which is not defined under [variables].{}",
                    did_you_mean(v, names.iter().copied())
                ));
            }
        }
        if m.covariates.is_empty() {
            return Err(
                "[matching] covariates is empty; list the variables of the propensity model".into(),
            );
        }
        if m.ratio == 0 {
            return Err("[matching] ratio must be at least 1 (1 for 1:1 matching)".into());
        }
        if let Some(cal) = m.caliper
            && !(cal.is_finite() && cal > 0.0)
        {
            return Err(format!(
                "[matching] caliper = {cal} must be a positive number of SDs (e.g. 0.1), or left out for no caliper"
            ));
        }
        if let Some(f) = &m.focal
            && !t.groups.contains(f)
        {
            return Err(format!(
                "[matching] focal = `{f}` is not one of the groups [{}]",
                t.groups.join(", ")
            ));
        }
        if t.groups.len() != 2 {
            return Err("[matching] needs exactly two groups in [treatment]".into());
        }
        if !(m.smd_threshold.is_finite() && m.smd_threshold > 0.0) {
            return Err("[matching] smd-threshold must be a positive number (default 0.1)".into());
        }
    }
    if let Some(sg) = &c.subgroups {
        for v in &sg.variables {
            match c.variables.get(v) {
                None => {
                    return Err(format!(
                        "[subgroups] variables names `{v}`, which is not defined under [variables].{}",
                        did_you_mean(v, names.iter().copied())
                    ));
                }
                Some(var) if var.levels.is_none() && var.cut.is_none() => {
                    return Err(format!(
                        "[subgroups] variable `{v}` is continuous; subgroups need a categorical variable (add cut or levels)"
                    ));
                }
                Some(_) => {}
            }
        }
        for e in &sg.endpoints {
            if !c.endpoints.iter().any(|x| &x.id == e) {
                return Err(format!(
                    "[subgroups] endpoints names `{e}`, which is not an [[endpoints]] id"
                ));
            }
        }
    }
    if let Some(cx) = &c.cox {
        for v in &cx.factors {
            if !c.variables.contains_key(v) {
                return Err(format!(
                    "[cox] factors names `{v}`, which is not defined under [variables].{}",
                    did_you_mean(v, names.iter().copied())
                ));
            }
        }
        for e in &cx.endpoints {
            if !c.endpoints.iter().any(|x| &x.id == e) {
                let ids: Vec<&str> = c.endpoints.iter().map(|x| x.id.as_str()).collect();
                return Err(format!(
                    "[cox] endpoints names `{e}`, which is not an [[endpoints]] id.{}",
                    did_you_mean(e, ids.iter().copied())
                ));
            }
        }
        if cx.selection == Selection::ForwardStepwise && cx.p_remove < cx.p_enter {
            return Err(format!(
                "[cox] p-remove = {} is below p-enter = {}; a factor could enter and leave forever. Use p-remove >= p-enter",
                cx.p_remove, cx.p_enter
            ));
        }
        if !(cx.p_enter > 0.0 && cx.p_enter <= 1.0) {
            return Err(format!("[cox] p-enter = {} must be in (0, 1]", cx.p_enter));
        }
    }
    if !(c.survival.conf_level > 0.0 && c.survival.conf_level < 1.0) {
        return Err(format!(
            "[survival] conf-level = {} must be between 0 and 1 (e.g. 0.95)",
            c.survival.conf_level
        ));
    }
    if c.table1.fisher_below.is_nan() || c.table1.fisher_below < 0.0 {
        return Err(
            "[table1] fisher-below must be a non-negative expected count (default 5)".into(),
        );
    }
    Ok(())
}

fn first_duplicate(items: &[String]) -> Option<&str> {
    items
        .iter()
        .enumerate()
        .find(|(i, x)| items[..*i].contains(x))
        .map(|(_, x)| x.as_str())
}
