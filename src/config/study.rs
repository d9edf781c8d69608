//! The study itself: `[study]` (title, data file, ids), `[treatment]`,
//! `[variables]`, `[[endpoints]]` and `[cohort]` (the exclusion steps).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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

/// The cells read as missing by default (`[study] na-values`).
pub fn default_na_values() -> Vec<String> {
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
    /// Values of `event` that mean the event (overrides `event-value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_values: Option<Vec<String>>,
    /// Values of `event` that mean censored (overrides `censor-value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub censor_values: Option<Vec<String>>,
    /// Values of `event` that mean a competing event: an endpoint with any
    /// is a competing-risks endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competing_values: Vec<String>,
    /// Printed name of the event itself, for incidences ("extrahepatic
    /// progression"; default: the endpoint's label in lower case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_label: Option<String>,
    /// Printed name of the competing event ("death without progression").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub competing_label: Option<String>,
    /// Times at which survival rates are reported.
    #[serde(default)]
    pub landmarks: Vec<f64>,
    /// Unit of `time`, printed in text and axes.
    pub time_unit: Option<String>,
    /// Printed names of the landmarks ("1-year"); default "at T" and the unit.
    pub landmark_labels: Option<Vec<String>>,
    /// Horizon of the restricted mean survival time (default: the largest
    /// landmark not beyond the shortest group's follow-up).
    pub rmst_tau: Option<f64>,
    /// Spacing of the x-axis ticks and number-at-risk columns of the
    /// Kaplan-Meier figure (default: a round number giving about 6 ticks).
    pub axis_step: Option<f64>,
}

impl Endpoint {
    /// The event codes (`event-values`, else `event-value`).
    pub fn event_codes(&self) -> Vec<String> {
        self.event_values
            .clone()
            .unwrap_or_else(|| vec![self.event_value.clone()])
    }

    /// The censoring codes (`censor-values`, else `censor-value`).
    pub fn censor_codes(&self) -> Vec<String> {
        self.censor_values
            .clone()
            .unwrap_or_else(|| vec![self.censor_value.clone()])
    }

    /// Whether the endpoint has competing events.
    pub fn is_competing(&self) -> bool {
        !self.competing_values.is_empty()
    }
}

pub(super) fn default_event_value() -> String {
    "1".into()
}

pub(super) fn default_censor_value() -> String {
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
