//! Tests of independence in an r x c table of counts: Pearson's chi-square
//! (with Yates' correction for 2 x 2 tables) and Fisher's exact test.
//!
//! Rows or columns whose margin is zero carry no information and would make
//! an expected count zero (R then returns NaN); they are dropped first, and
//! the table's shape is judged after dropping.

use super::{StatsError, TestResult};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Default work budget of the exact r x c test (arcs and past values of
/// the network algorithm): about a second on one core for the hardest
/// tables that fit; R's FEXACT needs tens of seconds for some of those.
pub const DEFAULT_FISHER_BUDGET: u64 = 60_000_000;

/// Removes all-zero rows and columns; errors when fewer than 2 x 2 remain.
fn compact(table: &[Vec<u64>]) -> Result<Vec<Vec<u64>>, StatsError> {
    let ncol = table.iter().map(Vec::len).max().unwrap_or(0);
    let col_tot: Vec<u64> = (0..ncol)
        .map(|j| table.iter().map(|r| r.get(j).copied().unwrap_or(0)).sum())
        .collect();
    let keep_cols: Vec<usize> = (0..ncol).filter(|&j| col_tot[j] > 0).collect();
    let out: Vec<Vec<u64>> = table
        .iter()
        .filter(|r| r.iter().sum::<u64>() > 0)
        .map(|r| {
            keep_cols
                .iter()
                .map(|&j| r.get(j).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    if out.len() < 2 || keep_cols.len() < 2 {
        return Err(StatsError::DegenerateTable);
    }
    Ok(out)
}

/// Expected counts under independence, `E_ij = R_i C_j / N`.
pub fn expected(table: &[Vec<u64>]) -> Vec<Vec<f64>> {
    let rows: Vec<f64> = table.iter().map(|r| r.iter().sum::<u64>() as f64).collect();
    let ncol = table.first().map_or(0, Vec::len);
    let cols: Vec<f64> = (0..ncol)
        .map(|j| table.iter().map(|r| r[j] as f64).sum())
        .collect();
    let n: f64 = rows.iter().sum();
    rows.iter()
        .map(|ri| cols.iter().map(|cj| ri * cj / n).collect())
        .collect()
}

/// Smallest expected count of the (compacted) table; the usual rule switches
/// to Fisher's test when it is below 5. `None` for a degenerate table.
pub fn min_expected(table: &[Vec<u64>]) -> Option<f64> {
    let t = compact(table).ok()?;
    expected(&t).into_iter().flatten().min_by(f64::total_cmp)
}

/// Pearson's chi-square test of independence, as R's
/// `chisq.test(table, correct = yates)`:
/// `X2 = sum((|O - E| - c)^2 / E)` with `c = min(0.5, |O - E|)` when `yates`
/// and the table is 2 x 2, else `c = 0`; `df = (r - 1)(c - 1)`,
/// `p = P(chi2_df >= X2)`.
pub fn chi_square(table: &[Vec<u64>], yates: bool) -> Result<TestResult, StatsError> {
    let t = compact(table)?;
    let e = expected(&t);
    let correct = yates && t.len() == 2 && t[0].len() == 2;
    let mut x2 = 0.0;
    for (orow, erow) in t.iter().zip(&e) {
        for (&o, &ex) in orow.iter().zip(erow) {
            let d = (o as f64 - ex).abs();
            let d = if correct { d - d.min(0.5) } else { d };
            x2 += d * d / ex;
        }
    }
    let df = ((t.len() - 1) * (t[0].len() - 1)) as f64;
    let p = ChiSquared::new(df)
        .map(|dist| dist.sf(x2))
        .unwrap_or(f64::NAN);
    Ok(TestResult {
        statistic: x2,
        df: Some(df),
        p: p.clamp(0.0, 1.0),
    })
}

/// `ln k!` for k = 0..=n, by cumulative sums of `ln k`.
fn ln_factorials(n: u64) -> Vec<f64> {
    let mut out = Vec::with_capacity(n as usize + 1);
    let mut acc = 0.0;
    out.push(0.0);
    for k in 1..=n {
        acc += (k as f64).ln();
        out.push(acc);
    }
    out
}

/// Fisher's exact test of independence for any r x c table, two-sided as R's
/// `fisher.test`: the p-value is the total probability of all tables with the
/// observed margins whose probability is at most the observed one's within
/// R's tolerance (`fisher_network::tolerance`).
///
/// The probability of a table under the multiple hypergeometric law is
/// `P = prod R_i! prod C_j! / (N! prod x_ij!)`; the tables are summed by the
/// network algorithm (`fisher_network`), which visits at most `budget`
/// arcs and past values before it stops with `WorkBudgetExceeded`.
pub fn fisher_exact(table: &[Vec<u64>], budget: u64) -> Result<TestResult, StatsError> {
    let t = compact(table)?;
    let rows: Vec<u64> = t.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<u64> = (0..t[0].len())
        .map(|j| t.iter().map(|r| r[j]).sum())
        .collect();
    let n: u64 = rows.iter().sum();
    let lf = ln_factorials(n);
    // ln P(observed) = sum ln R_i! + sum ln C_j! - ln N! - sum ln x_ij!
    let ln_p = rows
        .iter()
        .chain(&cols)
        .map(|&v| lf[v as usize])
        .sum::<f64>()
        - lf[n as usize]
        - t.iter().flatten().map(|&x| lf[x as usize]).sum::<f64>();
    let p = super::fisher_network::p_value(&t, &lf, budget)
        .map_err(|_| StatsError::WorkBudgetExceeded(budget))?;
    Ok(TestResult {
        statistic: ln_p.exp(),
        df: None,
        p,
    })
}

/// Replicates of [`fisher_monte_carlo`] where the exact test is out of
/// reach (R's `fisher.test(simulate.p.value = TRUE)` default, B = 2000).
pub const FISHER_MC_REPLICATES: usize = 2000;
/// Seed of [`fisher_monte_carlo`]'s generator (ChaCha8).
pub const FISHER_MC_SEED: u64 = 1;

/// Fisher's test with a Monte Carlo p-value, as R's `fisher.test(x,
/// simulate.p.value = TRUE, B)`: `replicates` tables with the observed
/// margins are drawn uniformly (the multiple hypergeometric law: the
/// patients' column labels shuffled and dealt to the rows), and
/// `p = (1 + #{-sum ln x! of a draw <= the observed's (1 + 64 eps)}) /
/// (B + 1)`. The draws come from a ChaCha8 generator seeded with `seed`,
/// so the p-value is the same on every run (not R's: R draws with its own
/// generator and Patefield's algorithm).
pub fn fisher_monte_carlo(
    table: &[Vec<u64>],
    replicates: usize,
    seed: u64,
) -> Result<TestResult, StatsError> {
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;
    use rand::seq::SliceRandom;
    let t = compact(table)?;
    let rows: Vec<u64> = t.iter().map(|r| r.iter().sum()).collect();
    let cols = t[0].len();
    let n: u64 = rows.iter().sum();
    let lf = ln_factorials(n);
    let statistic =
        |x: &[Vec<u64>]| -> f64 { -x.iter().flatten().map(|&v| lf[v as usize]).sum::<f64>() };
    let observed = statistic(&t);
    // R compares with STATISTIC / almost.1, almost.1 = 1 + 64 eps.
    let bound = observed / (1.0 + 64.0 * f64::EPSILON);
    let mut labels: Vec<usize> = (0..cols)
        .flat_map(|j| std::iter::repeat_n(j, t.iter().map(|r| r[j]).sum::<u64>() as usize))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = vec![vec![0u64; cols]; rows.len()];
    let mut as_extreme = 0usize;
    for _ in 0..replicates {
        labels.shuffle(&mut rng);
        let mut at = 0;
        for (i, &r) in rows.iter().enumerate() {
            draw[i].iter_mut().for_each(|v| *v = 0);
            for &j in &labels[at..at + r as usize] {
                draw[i][j] += 1;
            }
            at += r as usize;
        }
        if statistic(&draw) <= bound {
            as_extreme += 1;
        }
    }
    let cols_total: Vec<u64> = (0..cols).map(|j| t.iter().map(|r| r[j]).sum()).collect();
    let konst = rows.iter().map(|&r| lf[r as usize]).sum::<f64>()
        + cols_total.iter().map(|&c| lf[c as usize]).sum::<f64>()
        - lf[n as usize];
    Ok(TestResult {
        // As the exact test's: the probability of the observed table.
        statistic: (observed + konst).exp(),
        df: None,
        p: (1 + as_extreme) as f64 / (replicates + 1) as f64,
    })
}
