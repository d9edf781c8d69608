//! The G-rho family of k-sample tests for survival data, as R's
//! `survival::survdiff`: rho = 0 is the log-rank test (Mantel 1966; Peto &
//! Peto 1972), rho = 1 the Peto-Peto modification of the Gehan-Wilcoxon
//! test (Harrington & Fleming 1982).
//!
//! At each event time t, with n_t at risk, d_t events, n_gt and d_gt in
//! group g and weight `w_t = S(t-)^rho` (S: Kaplan-Meier of the pooled data
//! within the stratum):
//! `O_g = sum w d_gt`, `E_g = sum w d_t n_gt / n_t`,
//! `V_gh = sum w^2 d_t (n_t - d_t) / (n_t - 1) (n_gt / n_t) (1[g = h] - n_ht / n_t)`.
//! Sums run over strata for the stratified test. `chisq = (O - E)' V^- (O - E)`
//! with a generalised inverse (drop one group), `df` = groups with `E > 0`
//! minus 1.

use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// The result of a k-sample test.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRank {
    /// Weighted observed events per group.
    pub observed: Vec<f64>,
    /// Weighted expected events per group.
    pub expected: Vec<f64>,
    /// Variance-covariance matrix of O - E (k x k, row-major).
    pub variance: Vec<Vec<f64>>,
    /// Chi-square statistic.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// p = P(chi2_df >= chisq); `None` when df = 0.
    pub p: Option<f64>,
    /// Subjects per group.
    pub n: Vec<usize>,
}

/// Tests equality of the survival curves of `k` groups. `group[i]` in
/// `0..k`; `strata[i]` (any labels) for the stratified test, or `None`.
pub fn test(
    time: &[f64],
    event: &[bool],
    group: &[usize],
    k: usize,
    strata: Option<&[usize]>,
    rho: f64,
) -> LogRank {
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut var = vec![vec![0.0; k]; k];
    let mut n = vec![0usize; k];
    for &g in group {
        n[g] += 1;
    }
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    // Sorted by stratum, then time: each stratum's risk sets shrink as time advances.
    let order = super::stable_order(time.len(), |a, b| {
        stratum(a)
            .cmp(&stratum(b))
            .then(time[a].total_cmp(&time[b]))
    });
    let mut start = 0;
    while start < order.len() {
        let s = stratum(order[start]);
        let mut end = start;
        while end < order.len() && stratum(order[end]) == s {
            end += 1;
        }
        let idx = &order[start..end];
        // At-risk counts by group, decreasing as time advances.
        let mut at_risk = vec![0.0f64; k];
        for &i in idx {
            at_risk[group[i]] += 1.0;
        }
        let mut km = 1.0f64; // pooled S(t-) within the stratum
        let mut j = 0;
        while j < idx.len() {
            let t = time[idx[j]];
            let mut deaths = vec![0.0f64; k];
            let mut leaving = vec![0.0f64; k];
            let mut m = j;
            while m < idx.len() && time[idx[m]] == t {
                let i = idx[m];
                if event[i] {
                    deaths[group[i]] += 1.0;
                }
                leaving[group[i]] += 1.0;
                m += 1;
            }
            let d: f64 = deaths.iter().sum();
            let nt: f64 = at_risk.iter().sum();
            if d > 0.0 {
                let w = km.powf(rho);
                for g in 0..k {
                    observed[g] += w * deaths[g];
                    expected[g] += w * d * at_risk[g] / nt;
                }
                if nt > 1.0 {
                    let kk = w * w * d * (nt - d) / (nt - 1.0);
                    for g in 0..k {
                        for h in 0..k {
                            let delta = if g == h { 1.0 } else { 0.0 };
                            var[g][h] += kk * at_risk[g] / nt * (delta - at_risk[h] / nt);
                        }
                    }
                }
                km *= 1.0 - d / nt;
            }
            for g in 0..k {
                at_risk[g] -= leaving[g];
            }
            j = m;
        }
        start = end;
    }
    let used: Vec<usize> = (0..k).filter(|&g| expected[g] > 0.0).collect();
    let df = used.len().saturating_sub(1);
    let (chisq, p) = if df == 0 {
        (0.0, None)
    } else {
        let keep = &used[1..];
        let diff =
            DVector::from_iterator(keep.len(), keep.iter().map(|&g| observed[g] - expected[g]));
        let v = DMatrix::from_fn(keep.len(), keep.len(), |a, b| var[keep[a]][keep[b]]);
        match v.lu().solve(&diff) {
            Some(x) => {
                let c = diff.dot(&x);
                let p = ChiSquared::new(df as f64).map(|d| d.sf(c)).ok();
                (c, p)
            }
            None => (f64::NAN, None),
        }
    };
    LogRank {
        observed,
        expected,
        variance: var,
        chisq,
        df,
        p,
        n,
    }
}
