//! Rank tests: Wilcoxon-Mann-Whitney rank-sum (normal approximation) and
//! Kruskal-Wallis.

use super::{StatsError, TestResult};
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// Mid-ranks (1-based, ties get the mean of their ranks) of the pooled
/// values, plus the tie term `sum(t^3 - t)` over tie groups of size t.
pub fn mid_ranks(x: &[f64]) -> (Vec<f64>, f64) {
    // (value, row) pairs sorted in place: contiguous, and the order within
    // a tie does not matter since every member gets the same mid-rank.
    let mut sorted: Vec<(f64, usize)> = x.iter().copied().zip(0..).collect();
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut ranks = vec![0.0; x.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1].0 == sorted[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &(_, k) in &sorted[i..=j] {
            ranks[k] = rank;
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    (ranks, ties)
}

/// Wilcoxon rank-sum (Mann-Whitney U) test of `x` (first group) against `y`,
/// as R's `wilcox.test(x, y, exact = FALSE, correct = continuity)`:
/// `W = sum(ranks of x) - n1 (n1 + 1) / 2`,
/// `z = (W - n1 n2 / 2 - c) / sqrt(n1 n2 / 12 (n + 1 - T / (n (n - 1))))` with
/// `T = sum(t^3 - t)` over ties and `c = 0.5 sign(W - n1 n2 / 2)` when
/// `continuity`, else 0; two-sided `p = 2 min(Phi(z), 1 - Phi(z))`.
/// The statistic reported is W.
pub fn wilcoxon_rank_sum(x: &[f64], y: &[f64], continuity: bool) -> Result<TestResult, StatsError> {
    let sorted = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_unstable_by(f64::total_cmp);
        v
    };
    wilcoxon_rank_sum_sorted(&sorted(x), &sorted(y), continuity)
}

/// [`wilcoxon_rank_sum`] of samples already sorted ascending (no NaN), as
/// Table 1 has them from its quartiles: the pooled mid-ranks come from
/// merging the two, O(n) instead of sorting the pooled sample again. Each
/// tie group of size `t = t_x + t_y` starting after `k` smaller values has
/// mid-rank `k + (t + 1) / 2` and adds `t_x` times it to the rank sum of x;
/// ranks are half-integers, so the sums are exact and do not depend on the
/// order they are added in.
pub fn wilcoxon_rank_sum_sorted(
    x: &[f64],
    y: &[f64],
    continuity: bool,
) -> Result<TestResult, StatsError> {
    if x.is_empty() || y.is_empty() {
        return Err(StatsError::TooFewObservations {
            found: 0,
            needed: 1,
        });
    }
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let (mut i, mut j, mut below) = (0usize, 0usize, 0usize);
    let (mut rank_sum, mut ties) = (0.0, 0.0);
    while i < x.len() || j < y.len() {
        let v = match (x.get(i), y.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let tx = x[i..].iter().take_while(|&&a| a == v).count();
        let ty = y[j..].iter().take_while(|&&b| b == v).count();
        let t = (tx + ty) as f64;
        rank_sum += tx as f64 * (below as f64 + (t + 1.0) / 2.0);
        ties += t * t * t - t;
        (i, j, below) = (i + tx, j + ty, below + tx + ty);
    }
    let w = rank_sum - n1 * (n1 + 1.0) / 2.0;
    let n = n1 + n2;
    let sigma = (n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))).sqrt();
    if sigma == 0.0 || !sigma.is_finite() {
        return Err(StatsError::NoVariation);
    }
    let centred = w - n1 * n2 / 2.0;
    let c = if continuity {
        0.5 * centred.signum()
    } else {
        0.0
    };
    let z = (centred - c) / sigma;
    let normal = Normal::standard();
    let p = 2.0 * normal.cdf(z).min(normal.sf(z));
    Ok(TestResult {
        statistic: w,
        df: None,
        p: p.min(1.0),
    })
}

/// Kruskal-Wallis rank-sum test over k groups, as R's `kruskal.test`:
/// `H = (12 / (n (n + 1)) sum R_i^2 / n_i - 3 (n + 1)) / (1 - T / (n^3 - n))`,
/// `df = k - 1` (k = non-empty groups), `p = P(chi2_df >= H)`.
pub fn kruskal_wallis(groups: &[&[f64]]) -> Result<TestResult, StatsError> {
    let groups: Vec<&[f64]> = groups.iter().copied().filter(|g| !g.is_empty()).collect();
    if groups.len() < 2 {
        return Err(StatsError::TooFewObservations {
            found: 0,
            needed: 1,
        });
    }
    let pooled: Vec<f64> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    let n = pooled.len() as f64;
    let (ranks, ties) = mid_ranks(&pooled);
    let mut start = 0;
    let mut s = 0.0;
    for g in &groups {
        let r: f64 = ranks[start..start + g.len()].iter().sum();
        s += r * r / g.len() as f64;
        start += g.len();
    }
    let denom = 1.0 - ties / (n * n * n - n);
    if denom <= 0.0 {
        return Err(StatsError::NoVariation);
    }
    let h = (12.0 / (n * (n + 1.0)) * s - 3.0 * (n + 1.0)) / denom;
    let df = (groups.len() - 1) as f64;
    let p = ChiSquared::new(df).map(|d| d.sf(h)).unwrap_or(f64::NAN);
    Ok(TestResult {
        statistic: h,
        df: Some(df),
        p: p.clamp(0.0, 1.0),
    })
}
