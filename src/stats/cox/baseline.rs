//! The baseline cumulative hazard of a Cox fit (Breslow / Efron), as
//! R's `basehaz(centered = FALSE)`.

use super::*;

/// Baseline cumulative hazard of a fitted model at each distinct event time
/// (all strata pooled; rows with covariates at their means), as R's
/// `survfit(coxph(...))`: Breslow increments `d / sum r_i`, or with Efron
/// ties `sum_k 1 / (S0 - (k/d) D0)`. With no covariates and Breslow ties it
/// is the Nelson-Aalen estimate. Returns (time, cumulative hazard) pairs in
/// ascending time.
pub fn baseline_cumhaz(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    ties: Ties,
    fit: &CoxFit,
) -> Vec<(f64, f64)> {
    let n = time.len();
    let (x, _) = centred_rows(columns, None, n);
    let r = risk_scores(&x, &fit.coef);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| time[b].total_cmp(&time[a]));
    // Scan backwards for the risk sets, then accumulate forwards.
    let mut steps: Vec<(f64, f64)> = Vec::new();
    let mut s0 = 0.0;
    let mut i = 0;
    while i < n {
        let t = time[order[i]];
        let (mut d0, mut d) = (0.0, 0usize);
        while i < n && time[order[i]] == t {
            let k = order[i];
            s0 += r[k];
            if event[k] {
                d0 += r[k];
                d += 1;
            }
            i += 1;
        }
        if d > 0 {
            steps.push((t, StageSums::new(ties, d, d as f64, s0, d0).c1));
        }
    }
    steps.reverse();
    let mut h = 0.0;
    steps
        .into_iter()
        .map(|(t, step)| {
            h += step;
            (t, h)
        })
        .collect()
}
