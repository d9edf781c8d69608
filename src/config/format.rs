//! `[format]`: decimals and the style of printed numbers.

use serde::{Deserialize, Serialize};

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

pub(super) fn one() -> usize {
    1
}

pub(super) fn two() -> usize {
    2
}

pub(super) fn three() -> usize {
    3
}

pub(super) fn p_threshold() -> f64 {
    0.001
}
