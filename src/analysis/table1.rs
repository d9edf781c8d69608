//! Table 1: baseline characteristics by group, with a test and an SMD per row.

use super::Diagnostic;
use crate::cohort::{Cohort, Population, Values};
use crate::config::{CategoricalTest, ContinuousTest, SmdGroups, SummaryKind, Table1Section};
use crate::stats::{StatsError, TestResult, contingency, describe, rank, smd, t_test};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// The test behind a row's p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// Pearson's chi-square with Yates' continuity correction (2 x 2).
    ChiSquareYates,
    /// Pearson's chi-square without correction.
    ChiSquare,
    /// Fisher's exact test.
    Fisher,
    /// Fisher's test with a Monte Carlo p-value (the exact one out of
    /// reach): 2000 tables with the observed margins, seed 1.
    FisherMonteCarlo,
    /// Wilcoxon rank-sum (Mann-Whitney U), normal approximation.
    Wilcoxon,
    /// Welch's unequal-variance t-test.
    WelchT,
    /// Pooled-variance t-test.
    PooledT,
    /// Kruskal-Wallis rank-sum test.
    KruskalWallis,
}

impl TestKind {
    /// Name as written in Methods and table footnotes.
    pub fn name(self) -> &'static str {
        match self {
            TestKind::ChiSquareYates => "chi-square test with Yates' continuity correction",
            TestKind::ChiSquare => "Pearson's chi-square test",
            TestKind::Fisher => "Fisher's exact test",
            TestKind::FisherMonteCarlo => {
                "Fisher's test with a Monte Carlo p-value (the exact test passed its work budget: 2000 random tables with the observed margins, seed 1, as R's simulate.p.value)"
            }
            TestKind::Wilcoxon => "Wilcoxon rank-sum (Mann-Whitney U) test",
            TestKind::WelchT => "Welch's t-test",
            TestKind::PooledT => "Student's t-test (pooled variance)",
            TestKind::KruskalWallis => "Kruskal-Wallis test",
        }
    }
}

/// Counts of one level by group.
#[derive(Debug, Clone, Serialize)]
pub struct LevelRow {
    /// Level value (or cut-interval name).
    pub level: String,
    /// Printed name.
    pub label: String,
    /// Patients per group (keyed by group value).
    pub n: BTreeMap<String, usize>,
    /// Percent of the group's non-missing patients (0-100).
    pub pct: BTreeMap<String, f64>,
}

/// Summary of a continuous variable in one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    /// Mean.
    pub mean: Option<f64>,
    /// Standard deviation (n - 1).
    pub sd: Option<f64>,
    /// Median (type 7).
    pub median: Option<f64>,
    /// First quartile.
    pub q1: Option<f64>,
    /// Third quartile.
    pub q3: Option<f64>,
    /// Non-missing values.
    pub n: usize,
    /// Missing values.
    pub missing: usize,
}

/// One variable of Table 1.
#[derive(Debug, Clone, Serialize)]
pub struct Table1Row {
    /// Variable name.
    pub variable: String,
    /// Printed name.
    pub label: String,
    /// "categorical" or "continuous".
    pub kind: String,
    /// "mean_sd" or "median_iqr" for continuous rows.
    pub summary_kind: Option<SummaryKind>,
    /// Test used, if one could be computed.
    pub test: Option<TestKind>,
    /// Test statistic (chi-square, W, t, H; Fisher: probability of the observed table).
    pub statistic: Option<f64>,
    /// Degrees of freedom, when the test has them.
    pub df: Option<f64>,
    /// Two-sided p-value.
    pub p: Option<f64>,
    /// Standardized mean difference (second group vs reference; categorical
    /// with more than two levels: Yang-Dalton, non-negative). With more
    /// than two groups, the largest in absolute value of the pairs
    /// `[table1] smd-groups` names.
    pub smd: Option<f64>,
    /// With more than two groups, the pair whose SMD is printed: `[group,
    /// against]` (group labels).
    pub smd_pair: Option<[String; 2]>,
    /// Missing values per group.
    pub missing: BTreeMap<String, usize>,
    /// Level counts (categorical rows).
    pub levels: Option<Vec<LevelRow>>,
    /// Group summaries (continuous rows).
    pub summary: Option<BTreeMap<String, GroupSummary>>,
}

/// Computes Table 1 for `cohort` (all patients) with the tests of `conf`.
/// A test that cannot be computed leaves `p` empty and adds a diagnostic.
pub fn compute(
    pop: &Population<'_>,
    conf: &Table1Section,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Table1Row> {
    let (cohort, cohort_name) = (pop.cohort, pop.id.as_str());
    // Rows are independent: computed in parallel, kept in config order.
    let variables: Vec<&crate::cohort::CohortVariable> = conf
        .variables
        .iter()
        .filter_map(|name| cohort.variables.get(name))
        .collect();
    let computed: Vec<(Table1Row, Option<StatsError>)> = variables
        .par_iter()
        .map(|v| match &v.values {
            Values::Categorical {
                levels,
                labels,
                codes,
            } => categorical(cohort, levels, labels, codes, conf),
            Values::Continuous { summary, values } => continuous(cohort, *summary, values, conf),
        })
        .collect();
    let mut rows = Vec::new();
    for (v, (mut row, err)) in variables.into_iter().zip(computed) {
        row.variable = v.name.clone();
        row.label = v.label.clone();
        if let Some(e) = err {
            diagnostics.push(Diagnostic::warning(
                "table1",
                format!("{} ({cohort_name}): no test was computed: {e}", v.label),
            ));
        }
        rows.push(row);
    }
    rows
}

/// `values[g]` keyed by each group's value.
fn by_group_value<T: Copy>(cohort: &Cohort, values: &[T]) -> BTreeMap<String, T> {
    cohort
        .groups
        .iter()
        .zip(values)
        .map(|(g, &v)| (g.value.clone(), v))
        .collect()
}

fn empty_row(kind: &str) -> Table1Row {
    Table1Row {
        variable: String::new(),
        label: String::new(),
        kind: kind.into(),
        summary_kind: None,
        test: None,
        statistic: None,
        df: None,
        p: None,
        smd: None,
        smd_pair: None,
        missing: BTreeMap::new(),
        levels: None,
        summary: None,
    }
}

fn apply(
    row: &mut Table1Row,
    kind: TestKind,
    r: Result<TestResult, StatsError>,
) -> Option<StatsError> {
    match r {
        Ok(t) => {
            row.test = Some(kind);
            row.statistic = Some(t.statistic);
            row.df = t.df;
            row.p = Some(t.p);
            None
        }
        Err(e) => Some(e),
    }
}

fn categorical(
    cohort: &Cohort,
    levels: &[String],
    labels: &[String],
    codes: &[Option<u32>],
    conf: &Table1Section,
) -> (Table1Row, Option<StatsError>) {
    let k = cohort.groups.len();
    let mut table = vec![vec![0u64; k]; levels.len()];
    let mut missing = vec![0usize; k];
    for (code, &g) in codes.iter().zip(&cohort.group) {
        match code {
            Some(l) => table[*l as usize][g] += 1,
            None => missing[g] += 1,
        }
    }
    let totals: Vec<u64> = (0..k).map(|g| table.iter().map(|r| r[g]).sum()).collect();
    let mut row = empty_row("categorical");
    row.missing = by_group_value(cohort, &missing);
    row.levels = Some(
        levels
            .iter()
            .zip(labels)
            .zip(&table)
            .map(|((level, label), counts)| LevelRow {
                level: level.clone(),
                label: label.clone(),
                n: cohort
                    .groups
                    .iter()
                    .zip(counts)
                    .map(|(g, &c)| (g.value.clone(), c as usize))
                    .collect(),
                pct: cohort
                    .groups
                    .iter()
                    .zip(counts)
                    .zip(&totals)
                    .filter(|(_, t)| **t > 0)
                    .map(|((g, &c), &t)| (g.value.clone(), 100.0 * c as f64 / t as f64))
                    .collect(),
            })
            .collect(),
    );
    let use_fisher = match conf.categorical_test {
        CategoricalTest::Fisher => true,
        CategoricalTest::ChiSquare => false,
        CategoricalTest::Auto => {
            contingency::min_expected(&table).is_some_and(|m| m < conf.fisher_below)
        }
    };
    let err = if use_fisher {
        let (kind, result) = fisher(&table, contingency::DEFAULT_FISHER_BUDGET);
        apply(&mut row, kind, result)
    } else {
        let is_2x2 = table.iter().filter(|r| r.iter().sum::<u64>() > 0).count() == 2
            && totals.iter().filter(|&&t| t > 0).count() == 2;
        let kind = if conf.yates && is_2x2 {
            TestKind::ChiSquareYates
        } else {
            TestKind::ChiSquare
        };
        apply(&mut row, kind, contingency::chi_square(&table, conf.yates))
    };
    let p = |g: usize| -> Vec<f64> {
        table
            .iter()
            .map(|r| r[g] as f64 / totals[g] as f64)
            .collect()
    };
    let pair_smd = |a: usize, b: usize| {
        if totals[a] == 0 || totals[b] == 0 {
            return None;
        }
        let (pb, pa) = (p(b), p(a));
        if levels.len() == 2 {
            smd::binary(pb[1], pa[1])
        } else {
            smd::categorical(&pb, &pa)
        }
    };
    set_smd(&mut row, cohort, conf, pair_smd);
    (row, err)
}

fn continuous(
    cohort: &Cohort,
    summary: SummaryKind,
    values: &[Option<f64>],
    conf: &Table1Section,
) -> (Table1Row, Option<StatsError>) {
    let k = cohort.groups.len();
    let mut by_group: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut missing = vec![0usize; k];
    for (v, &g) in values.iter().zip(&cohort.group) {
        match v {
            Some(x) => by_group[g].push(*x),
            None => missing[g] += 1,
        }
    }
    // Each group sorted once, for its quartiles and the rank test.
    let sorted: Vec<Vec<f64>> = by_group
        .iter()
        .map(|x| {
            let mut s = x.clone();
            s.sort_unstable_by(f64::total_cmp);
            s
        })
        .collect();
    let mut row = empty_row("continuous");
    row.summary_kind = Some(summary);
    row.missing = by_group_value(cohort, &missing);
    row.summary = Some(
        cohort
            .groups
            .iter()
            .zip(by_group.iter().zip(&sorted))
            .zip(&missing)
            .map(|((g, (x, sorted)), &m)| {
                let s = describe::summarize_sorted(x, sorted);
                (
                    g.value.clone(),
                    GroupSummary {
                        mean: s.map(|s| s.mean),
                        sd: s.and_then(|s| s.sd),
                        median: s.map(|s| s.median),
                        q1: s.map(|s| s.q1),
                        q3: s.map(|s| s.q3),
                        n: x.len(),
                        missing: m,
                    },
                )
            })
            .collect(),
    );
    let err = if k > 2 {
        let refs: Vec<&[f64]> = by_group.iter().map(Vec::as_slice).collect();
        apply(
            &mut row,
            TestKind::KruskalWallis,
            rank::kruskal_wallis(&refs),
        )
    } else {
        let (x, y) = (&by_group[0], &by_group[1]);
        let kind = match (conf.continuous_test, summary) {
            (ContinuousTest::Wilcoxon, _) | (ContinuousTest::BySummary, SummaryKind::MedianIqr) => {
                TestKind::Wilcoxon
            }
            (ContinuousTest::TWelch, _) | (ContinuousTest::BySummary, SummaryKind::MeanSd) => {
                TestKind::WelchT
            }
            (ContinuousTest::TPooled, _) => TestKind::PooledT,
        };
        let r = match kind {
            TestKind::Wilcoxon => {
                rank::wilcoxon_rank_sum_sorted(&sorted[0], &sorted[1], conf.wilcoxon_correct)
            }
            TestKind::PooledT => t_test::two_sample(x, y, true),
            _ => t_test::two_sample(x, y, false),
        };
        apply(&mut row, kind, r)
    };
    set_smd(&mut row, cohort, conf, |a, b| {
        smd::continuous(&by_group[b], &by_group[a])
    });
    (row, err)
}

/// Fisher's exact test, or its Monte Carlo p-value when the exact
/// test is past `budget` (never a missing p for a large table).
pub fn fisher(table: &[Vec<u64>], budget: u64) -> (TestKind, Result<TestResult, StatsError>) {
    match contingency::fisher_exact(table, budget) {
        Err(StatsError::WorkBudgetExceeded(_)) => (
            TestKind::FisherMonteCarlo,
            contingency::fisher_monte_carlo(
                table,
                contingency::FISHER_MC_REPLICATES,
                contingency::FISHER_MC_SEED,
            ),
        ),
        other => (TestKind::Fisher, other),
    }
}

/// The row's SMD: of the second group against the first; with more than
/// two groups the largest in absolute value over the pairs `[table1]
/// smd-groups` names, and the pair.
fn set_smd(
    row: &mut Table1Row,
    cohort: &Cohort,
    conf: &Table1Section,
    smd_of: impl Fn(usize, usize) -> Option<f64>,
) {
    let k = cohort.groups.len();
    if k == 2 {
        row.smd = smd_of(0, 1);
        return;
    }
    let pairs: Vec<(usize, usize)> = match conf.smd_groups {
        SmdGroups::MaxPairwise => (0..k)
            .flat_map(|a| (a + 1..k).map(move |b| (a, b)))
            .collect(),
        SmdGroups::VersusReference => (1..k).map(|b| (0, b)).collect(),
    };
    let best = pairs
        .into_iter()
        .filter_map(|(a, b)| smd_of(a, b).filter(|v| v.is_finite()).map(|v| (v, a, b)))
        .max_by(|x, y| x.0.abs().total_cmp(&y.0.abs()));
    if let Some((v, a, b)) = best {
        row.smd = Some(v);
        row.smd_pair = Some([
            cohort.groups[b].label.clone(),
            cohort.groups[a].label.clone(),
        ]);
    }
}
