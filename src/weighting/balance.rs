//! Weighted covariate balance in cobalt's conventions: for each covariate
//! (each level of a categorical one) the weighted mean (proportion) of the
//! second group minus that of the reference group, over the unweighted
//! pooled SD of the propensity model's complete cases,
//! `sqrt((s1^2 + s0^2) / 2)` (a level's `s^2 = p (1 - p)`), the same
//! denominator for every population so that a change in SMD is a change in
//! means (Austin & Stuart 2015, Stat Med 34:3661; cobalt's default
//! `s.d.denom = "pooled"` computed before adjustment, every level
//! standardized).

use crate::cohort::{Cohort, Values, code};
use crate::stats::{describe, weighting};
use serde::Serialize;

/// The weighted SMD of one covariate or level.
#[derive(Debug, Clone, Serialize)]
pub struct WeightedBalanceRow {
    /// Variable name.
    pub variable: String,
    /// Level as written in the data (categorical) or none.
    pub level: Option<String>,
    /// Printed name ("ECOG: 1").
    pub label: String,
    /// Weighted SMD; none when the denominator is 0.
    pub smd: Option<f64>,
}

/// One column of a covariate: a continuous one's values, or one level's
/// indicator (missing values as 0: weighting uses complete cases only).
struct Column {
    /// A level indicator (its SD is binomial).
    binary: bool,
    /// One value per patient.
    x: Vec<f64>,
    /// The level as written in the data, and its printed name.
    level: Option<(String, String)>,
}

/// The covariate's columns, one per level of a categorical covariate.
fn columns(cohort: &Cohort, name: &str) -> Vec<Column> {
    let v = &cohort.variables[name];
    match &v.values {
        Values::Continuous { values, .. } => vec![Column {
            binary: false,
            x: values.iter().map(|x| x.unwrap_or(0.0)).collect(),
            level: None,
        }],
        Values::Categorical {
            levels,
            labels,
            codes,
        } => levels
            .iter()
            .zip(labels)
            .enumerate()
            .map(|(k, (level, label))| Column {
                binary: true,
                x: codes
                    .iter()
                    .map(|&c| f64::from(u8::from(c == code(k))))
                    .collect(),
                level: Some((level.clone(), label.clone())),
            })
            .collect(),
    }
}

/// The unweighted pooled SD of each covariate column over `rows` (indices
/// into `cohort`), in the order [`rows`] visits them.
pub(super) fn denominators(
    cohort: &Cohort,
    rows: &[usize],
    covariates: &[String],
) -> Vec<Option<f64>> {
    let mut out = Vec::new();
    for name in covariates {
        for column in columns(cohort, name) {
            let part = |g: usize| -> Vec<f64> {
                rows.iter()
                    .filter(|&&i| cohort.group[i] == g)
                    .map(|&i| column.x[i])
                    .collect()
            };
            let (a, b) = (part(0), part(1));
            let sd = if column.binary {
                let (pa, pb) = (describe::mean(&a), describe::mean(&b));
                pa.zip(pb)
                    .map(|(pa, pb)| ((pa * (1.0 - pa) + pb * (1.0 - pb)) / 2.0).sqrt())
            } else {
                describe::variance(&a)
                    .zip(describe::variance(&b))
                    .map(|(va, vb)| ((va + vb) / 2.0).sqrt())
            };
            out.push(sd);
        }
    }
    out
}

/// The weighted SMD of each covariate column in `sample` with weights `w`.
pub(super) fn rows(
    sample: &Cohort,
    w: &[f64],
    covariates: &[String],
    denominators: &[Option<f64>],
) -> Vec<WeightedBalanceRow> {
    let mut out = Vec::new();
    let mut d = denominators.iter();
    for name in covariates {
        let label = &sample.variables[name].label;
        for Column { x, level, .. } in columns(sample, name) {
            let mean = |g: usize| {
                let (xs, ws): (Vec<f64>, Vec<f64>) = (0..x.len())
                    .filter(|&i| sample.group[i] == g)
                    .map(|i| (x[i], w[i]))
                    .unzip();
                weighting::weighted_mean(&xs, &ws)
            };
            let sd = d.next().copied().flatten().filter(|s| *s > 0.0);
            let smd = mean(1)
                .zip(mean(0))
                .zip(sd)
                .map(|((m1, m0), s)| (m1 - m0) / s);
            out.push(WeightedBalanceRow {
                variable: name.clone(),
                label: match &level {
                    Some((_, l)) => format!("{label}: {l}"),
                    None => label.clone(),
                },
                level: level.map(|(value, _)| value),
                smd,
            });
        }
    }
    out
}
