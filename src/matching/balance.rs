//! Covariate balance before and after matching: SMD per covariate (per
//! level for categorical ones) and variance ratios for continuous ones.
//! Orientation: second group minus reference group, as in Table 1.

use crate::cohort::{Cohort, Values};
use crate::config::SmdDenominator;
use crate::stats::describe;
use rayon::prelude::*;
use serde::Serialize;

/// Balance of one covariate, or one level of a categorical covariate.
#[derive(Debug, Clone, Serialize)]
pub struct BalanceRow {
    /// Variable name.
    pub variable: String,
    /// Level (categorical) or None.
    pub level: Option<String>,
    /// Printed name ("ECOG: 1").
    pub label: String,
    /// SMD in the patients with complete covariates, before matching.
    pub smd_before: Option<f64>,
    /// SMD in the matched cohort.
    pub smd_after: Option<f64>,
    /// Variance ratio (second group / reference) before, continuous only.
    pub vr_before: Option<f64>,
    /// Variance ratio after.
    pub vr_after: Option<f64>,
}

/// Balance rows for `covariates` over the model's `rows`, before and after
/// (`in_matched`). SMD = difference in means (proportions) divided by
/// `sqrt((s1^2 + s0^2) / 2)`; with `SmdDenominator::Unmatched` the
/// denominator of the unmatched sample is used after matching too, so that
/// a change in SMD reflects a change in means only (Austin 2009; cobalt).
pub(super) fn compute(
    cohort: &Cohort,
    rows: &[usize],
    in_matched: &[bool],
    covariates: &[String],
    denom: SmdDenominator,
) -> Vec<BalanceRow> {
    let split = |vals: &dyn Fn(usize) -> f64, after: bool| -> (Vec<f64>, Vec<f64>) {
        let (mut a, mut b) = (
            Vec::with_capacity(rows.len()),
            Vec::with_capacity(rows.len()),
        );
        for &i in rows {
            if after && !in_matched[i] {
                continue;
            }
            if cohort.group[i] == 0 {
                a.push(vals(i))
            } else {
                b.push(vals(i))
            }
        }
        (a, b)
    };
    let pooled = |a: &[f64], b: &[f64]| -> Option<f64> {
        let (va, vb) = (describe::variance(a)?, describe::variance(b)?);
        Some(((va + vb) / 2.0).sqrt())
    };
    // Covariates are independent: computed in parallel, kept in order.
    let per_covariate = |name: &String| -> Vec<BalanceRow> {
        let mut out = Vec::new();
        let v = &cohort.variables[name];
        match &v.values {
            Values::Continuous { values, .. } => {
                let f = |i: usize| values[i].unwrap_or(0.0);
                let (a0, b0) = split(&f, false);
                let (a1, b1) = split(&f, true);
                let d0 = pooled(&a0, &b0);
                let d1 = match denom {
                    SmdDenominator::Unmatched => d0,
                    SmdDenominator::Each => pooled(&a1, &b1),
                };
                out.push(BalanceRow {
                    variable: name.clone(),
                    level: None,
                    label: v.label.clone(),
                    smd_before: smd(&a0, &b0, d0),
                    smd_after: smd(&a1, &b1, d1),
                    vr_before: vr(&a0, &b0),
                    vr_after: vr(&a1, &b1),
                });
            }
            Values::Categorical {
                levels,
                labels,
                codes,
            } => {
                // A level's share is the mean of its 0/1 indicator: its count
                // over the group's size (the same division, bit for bit),
                // counted in one pass instead of splitting an indicator
                // vector per level.
                let mut size = [[0usize; 2]; 2]; // [after][group]
                let mut count = vec![[[0usize; 2]; 2]; levels.len()];
                for &i in rows {
                    let g = usize::from(cohort.group[i] != 0);
                    for after in [0, 1] {
                        if after == 1 && !in_matched[i] {
                            continue;
                        }
                        size[after][g] += 1;
                        if let Some(k) = codes[i].and_then(|c| count.get_mut(c as usize)) {
                            k[after][g] += 1;
                        }
                    }
                }
                for (k, level) in levels.iter().enumerate() {
                    let share = |after: usize, g: usize| {
                        (size[after][g] > 0)
                            .then(|| count[k][after][g] as f64 / size[after][g] as f64)
                    };
                    let binary_sd = |after: usize| {
                        let (pa, pb) = (share(after, 0)?, share(after, 1)?);
                        Some(((pa * (1.0 - pa) + pb * (1.0 - pb)) / 2.0).sqrt())
                    };
                    let smd = |after: usize, d: Option<f64>| {
                        let d = d.filter(|d| *d > 0.0)?;
                        Some((share(after, 1)? - share(after, 0)?) / d)
                    };
                    let d0 = binary_sd(0);
                    let d1 = match denom {
                        SmdDenominator::Unmatched => d0,
                        SmdDenominator::Each => binary_sd(1),
                    };
                    out.push(BalanceRow {
                        variable: name.clone(),
                        level: Some(level.clone()),
                        label: format!("{}: {}", v.label, labels[k]),
                        smd_before: smd(0, d0),
                        smd_after: smd(1, d1),
                        vr_before: None,
                        vr_after: None,
                    });
                }
            }
        }
        out
    };
    let out: Vec<BalanceRow> = covariates
        .par_iter()
        .map(per_covariate)
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    out
}

fn smd(reference: &[f64], other: &[f64], denom: Option<f64>) -> Option<f64> {
    let d = denom.filter(|d| *d > 0.0)?;
    Some((describe::mean(other)? - describe::mean(reference)?) / d)
}

fn vr(reference: &[f64], other: &[f64]) -> Option<f64> {
    let v0 = describe::variance(reference).filter(|v| *v > 0.0)?;
    Some(describe::variance(other)? / v0)
}
