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
    /// Level (categorical) or none.
    pub level: Option<String>,
    /// Printed name ("ECOG: 1").
    pub label: String,
    /// Weighted SMD; none when the denominator is 0.
    pub smd: Option<f64>,
}

/// The unweighted pooled SD of each covariate (level) over `rows`, in
/// [`rows`]'s order.
pub(super) fn denominators(
    cohort: &Cohort,
    rows: &[usize],
    covariates: &[String],
) -> Vec<Option<f64>> {
    let mut out = Vec::new();
    for name in covariates {
        for x in columns(cohort, name) {
            let part = |g: usize| -> Vec<f64> {
                rows.iter()
                    .filter(|&&i| cohort.group[i] == g)
                    .map(|&i| x.1[i])
                    .collect()
            };
            let (a, b) = (part(0), part(1));
            let sd = if x.0 {
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

/// The covariate's columns: (is a level indicator, values per patient,
/// level), one per level of a categorical covariate; missing values as 0
/// (weighting uses complete cases only).
fn columns(cohort: &Cohort, name: &str) -> Vec<(bool, Vec<f64>, Option<String>)> {
    let v = &cohort.variables[name];
    match &v.values {
        Values::Continuous { values, .. } => {
            vec![(
                false,
                values.iter().map(|x| x.unwrap_or(0.0)).collect(),
                None,
            )]
        }
        Values::Categorical { labels, codes, .. } => labels
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let x = codes
                    .iter()
                    .map(|&c| f64::from(u8::from(c == code(k))))
                    .collect();
                (true, x, Some(l.clone()))
            })
            .collect(),
    }
}

/// The weighted SMD of each covariate (level) in `sample` with weights `w`.
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
        for (_, x, level) in columns(sample, name) {
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
                    Some(l) => format!("{label}: {l}"),
                    None => label.clone(),
                },
                level,
                smd,
            });
        }
    }
    out
}
