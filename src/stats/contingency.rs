//! Tests of independence in an r x c table of counts: Pearson's chi-square
//! (with Yates' correction for 2 x 2 tables) and Fisher's exact test.
//!
//! Rows or columns whose margin is zero carry no information and would make
//! an expected count zero (R then returns NaN); they are dropped first, and
//! the table's shape is judged after dropping.

use super::{StatsError, TestResult};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Default node budget for the exact r x c enumeration.
pub const DEFAULT_FISHER_BUDGET: u64 = 20_000_000;

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
/// observed margins whose probability is at most `P(observed) (1 + 1e-7)`.
///
/// The probability of a table under the multiple hypergeometric law is
/// `P = prod R_i! prod C_j! / (N! prod x_ij!)`. Tables are enumerated row by
/// row; at each node the sub-tables that remain are bounded (relaxing the
/// column margins gives an upper and a lower bound of `prod 1/x_ij!`), and a
/// node whose every completion is below the threshold is added whole with the
/// closed form `sum over completions of prod_i R_i!/prod_j x_ij! = n'! / prod_j c'_j!`
/// (multinomial identity), while a node whose every completion is above it is
/// skipped. This is the idea of Mehta & Patel's network algorithm (1983) with
/// simpler bounds; it is exact, and `budget` caps the nodes visited.
pub fn fisher_exact(table: &[Vec<u64>], budget: u64) -> Result<TestResult, StatsError> {
    let mut t = compact(table)?;
    // Enumerate over the longer dimension with the shorter one as columns.
    if t[0].len() > t.len() {
        t = (0..t[0].len())
            .map(|j| t.iter().map(|r| r[j]).collect())
            .collect();
    }
    let rows: Vec<u64> = t.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<u64> = (0..t[0].len())
        .map(|j| t.iter().map(|r| r[j]).sum())
        .collect();
    let n: u64 = rows.iter().sum();
    let lf = ln_factorials(n);
    // ln of the constant part: sum ln R_i! + sum ln C_j! - ln N!
    let konst = rows.iter().map(|&r| lf[r as usize]).sum::<f64>()
        + cols.iter().map(|&c| lf[c as usize]).sum::<f64>()
        - lf[n as usize];
    // The observed value of -sum ln x_ij!.
    let obs: f64 = -t.iter().flatten().map(|&x| lf[x as usize]).sum::<f64>();
    let threshold = obs + (1.0f64 + 1e-7).ln();
    let mut search = FisherSearch {
        rows: &rows,
        lf: &lf,
        threshold,
        konst,
        budget,
        visited: 0,
        total: 0.0,
    };
    let mut remaining = cols.clone();
    search.node(0, 0.0, &mut remaining)?;
    Ok(TestResult {
        statistic: (obs + konst).exp(),
        df: None,
        p: search.total.clamp(0.0, 1.0),
    })
}

struct FisherSearch<'a> {
    rows: &'a [u64],
    lf: &'a [f64],
    threshold: f64,
    konst: f64,
    budget: u64,
    visited: u64,
    total: f64,
}

impl FisherSearch<'_> {
    /// Bounds of `-sum ln x_ij!` over rows `i..` when each row is filled
    /// independently under the column capacities `cap` (a relaxation, so the
    /// true completions lie within).
    fn bounds(&self, i: usize, cap: &[u64]) -> (f64, f64) {
        let (mut lo, mut hi) = (0.0, 0.0);
        for &r in &self.rows[i..] {
            hi += -self.spread_even(r, cap);
            lo += -self.spread_greedy(r, cap);
        }
        (lo, hi)
    }

    /// Minimum of `sum ln x_j!` given `sum x_j = r`, `x_j <= cap_j`: fill as
    /// evenly as possible (ln x! is convex, so marginal cost `ln(x+1)` is
    /// increasing; water-filling is optimal).
    fn spread_even(&self, r: u64, cap: &[u64]) -> f64 {
        let mut x = vec![0u64; cap.len()];
        let mut left = r;
        let mut level = 0u64;
        while left > 0 {
            let open: Vec<usize> = (0..cap.len()).filter(|&j| cap[j] > level).collect();
            if open.is_empty() {
                break;
            }
            for j in open {
                if left == 0 {
                    break;
                }
                x[j] += 1;
                left -= 1;
            }
            level += 1;
        }
        x.iter().map(|&v| self.lf[v as usize]).sum()
    }

    /// Maximum of `sum ln x_j!` given the same constraints: a convex function
    /// is largest at a vertex, reached by filling the largest capacities first.
    fn spread_greedy(&self, r: u64, cap: &[u64]) -> f64 {
        let mut c: Vec<u64> = cap.to_vec();
        c.sort_unstable_by(|a, b| b.cmp(a));
        let mut left = r;
        let mut s = 0.0;
        for v in c {
            let take = v.min(left);
            s += self.lf[take as usize];
            left -= take;
        }
        s
    }

    /// ln of `sum over completions of prod_i 1/prod_j x_ij!` for rows `i..`
    /// with column totals `cap`: `ln(n'!/prod c'_j!) - sum_i ln R_i!`.
    fn subtree_mass(&self, i: usize, cap: &[u64]) -> f64 {
        let n: u64 = cap.iter().sum();
        self.lf[n as usize]
            - cap.iter().map(|&c| self.lf[c as usize]).sum::<f64>()
            - self.rows[i..]
                .iter()
                .map(|&r| self.lf[r as usize])
                .sum::<f64>()
    }

    fn node(&mut self, i: usize, past: f64, cap: &mut Vec<u64>) -> Result<(), StatsError> {
        self.visited += 1;
        if self.visited > self.budget {
            return Err(StatsError::WorkBudgetExceeded(self.budget));
        }
        if i == self.rows.len() {
            if past <= self.threshold {
                self.total += (past + self.konst).exp();
            }
            return Ok(());
        }
        let (lo, hi) = self.bounds(i, cap);
        if past + hi <= self.threshold {
            self.total += (past + self.subtree_mass(i, cap) + self.konst).exp();
            return Ok(());
        }
        if past + lo > self.threshold {
            return Ok(());
        }
        if i + 1 == self.rows.len() {
            // The last row is forced to the remaining column totals.
            let v = -cap.iter().map(|&c| self.lf[c as usize]).sum::<f64>();
            if past + v <= self.threshold {
                self.total += (past + v + self.konst).exp();
            }
            return Ok(());
        }
        let mut x = vec![0u64; cap.len()];
        self.fill_row(i, 0, self.rows[i], past, &mut x, cap)
    }

    /// Enumerates every split of row `i`'s total over columns `j..`.
    fn fill_row(
        &mut self,
        i: usize,
        j: usize,
        left: u64,
        past: f64,
        x: &mut Vec<u64>,
        cap: &mut Vec<u64>,
    ) -> Result<(), StatsError> {
        if j + 1 == cap.len() {
            if left > cap[j] {
                return Ok(());
            }
            x[j] = left;
            let v: f64 = x.iter().map(|&v| self.lf[v as usize]).sum();
            for (c, &xv) in cap.iter_mut().zip(x.iter()) {
                *c -= xv;
            }
            let r = self.node(i + 1, past - v, cap);
            for (c, &xv) in cap.iter_mut().zip(x.iter()) {
                *c += xv;
            }
            return r;
        }
        let room_after: u64 = cap[j + 1..].iter().sum();
        let min_here = left.saturating_sub(room_after);
        for v in min_here..=left.min(cap[j]) {
            x[j] = v;
            self.fill_row(i, j + 1, left - v, past, x, cap)?;
        }
        Ok(())
    }
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
