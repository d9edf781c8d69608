//! Tiny data with hand-derived answers, and identities between methods.
//! Each derivation is written next to its test.

mod common;

use studybook::stats::{StatsError, contingency, describe, rank, smd, t_test};

const EXACT: f64 = 1e-12;

// [[3,1],[1,3]]: margins 4,4 / 4,4, N = 8. P(x) = C(4,x) C(4,4-x) / C(8,4)
// = 1, 16, 36, 16, 1 (/70) for x = 0..4. Observed x = 3 (16/70); two-sided p
// sums the tables no more probable: (1 + 16 + 16 + 1) / 70 = 34/70.
#[test]
fn fisher_2x2_by_hand() {
    let t = vec![vec![3, 1], vec![1, 3]];
    let r = contingency::fisher_exact(&t, 1000).unwrap();
    assert_close!(r.p, 34.0 / 70.0, EXACT);
    assert_close!(r.statistic, 16.0 / 70.0, EXACT);
}

// Same table: E = 2 in every cell, |O - E| = 1. Pearson: 4 x 1/2 = 2;
// Yates: 4 x 0.5^2 / 2 = 0.5. df = 1.
#[test]
fn chi_square_2x2_with_and_without_yates_by_hand() {
    let t = vec![vec![3, 1], vec![1, 3]];
    assert_close!(
        contingency::chi_square(&t, false).unwrap().statistic,
        2.0,
        EXACT
    );
    assert_close!(
        contingency::chi_square(&t, true).unwrap().statistic,
        0.5,
        EXACT
    );
    assert_eq!(contingency::chi_square(&t, true).unwrap().df, Some(1.0));
}

// Yates uses min(0.5, |O - E|): with |O - E| = 0.25 the correction removes it
// entirely. [[1,1],[1,2]] -> margins 2,3 / 2,3, N = 5; E11 = 0.8, |O - E| = 0.2.
#[test]
fn yates_correction_is_capped_at_the_difference() {
    let t = vec![vec![1, 1], vec![1, 2]];
    assert_eq!(contingency::chi_square(&t, true).unwrap().statistic, 0.0);
}

// An arm with no patients in any level leaves one column: no test, an error value.
#[test]
fn table_with_an_empty_arm_is_degenerate() {
    let t = vec![vec![0, 5], vec![0, 7]];
    assert_eq!(
        contingency::chi_square(&t, true).unwrap_err(),
        StatsError::DegenerateTable
    );
    assert_eq!(
        contingency::fisher_exact(&t, 1000).unwrap_err(),
        StatsError::DegenerateTable
    );
}

// Fisher's p does not depend on which dimension is rows (r x c vs c x r).
#[test]
fn fisher_is_invariant_to_transposition() {
    let t = vec![vec![3, 0, 5, 1], vec![1, 4, 2, 6]];
    let tt: Vec<Vec<u64>> = (0..4).map(|j| t.iter().map(|r| r[j]).collect()).collect();
    let a = contingency::fisher_exact(&t, 1_000_000).unwrap();
    let b = contingency::fisher_exact(&tt, 1_000_000).unwrap();
    assert_close!(a.p, b.p, EXACT);
}

/// Fisher's p by listing every table with the margins of `t` (for tables
/// small enough to list): the sum of `P(x) = prod R! prod C! / (N! prod x!)`
/// over the tables with `ln P <= ln P(t) + tol`.
fn fisher_by_listing(t: &[Vec<u64>], tol: f64) -> f64 {
    fn lf(n: u64) -> f64 {
        (1..=n).map(|k| (k as f64).ln()).sum()
    }
    let rows: Vec<u64> = t.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<u64> = (0..t[0].len())
        .map(|j| t.iter().map(|r| r[j]).sum())
        .collect();
    let n: u64 = rows.iter().sum();
    let konst = rows.iter().chain(&cols).map(|&v| lf(v)).sum::<f64>() - lf(n);
    let ln_p = |x: &[u64]| konst - x.iter().map(|&v| lf(v)).sum::<f64>();
    let observed: Vec<u64> = t.iter().flatten().copied().collect();
    let limit = ln_p(&observed) + tol;
    // Fill cell by cell (row-major) within the remaining row and column totals.
    fn walk(
        cell: usize,
        ncol: usize,
        row_left: &mut [u64],
        col_left: &mut [u64],
        x: &mut Vec<u64>,
        visit: &mut dyn FnMut(&[u64]),
    ) {
        if cell == x.len() {
            visit(x);
            return;
        }
        let (i, j) = (cell / ncol, cell % ncol);
        let last_in_row = j + 1 == ncol;
        let last_in_col = i + 1 == row_left.len();
        let hi = row_left[i].min(col_left[j]);
        let lo = if last_in_row {
            row_left[i]
        } else if last_in_col {
            col_left[j]
        } else {
            0
        };
        if lo > hi {
            return;
        }
        for v in lo..=hi {
            if last_in_col && v != col_left[j] {
                continue;
            }
            x[cell] = v;
            row_left[i] -= v;
            col_left[j] -= v;
            walk(cell + 1, ncol, row_left, col_left, x, visit);
            row_left[i] += v;
            col_left[j] += v;
        }
    }
    let mut p = 0.0;
    let mut x = vec![0; observed.len()];
    let (mut r, mut c) = (rows.clone(), cols.clone());
    walk(0, cols.len(), &mut r, &mut c, &mut x, &mut |x| {
        let v = ln_p(x);
        if v <= limit {
            p += v.exp();
        }
    });
    p
}

// The network algorithm gives the p of listing every table (an identity
// between methods), on tables with ties among the margins, zeros, and the
// observed table at the centre or in the tail, and on 40 tables drawn from
// a fixed generator.
#[test]
fn fisher_network_equals_listing_every_table() {
    let mut tables: Vec<Vec<Vec<u64>>> = vec![
        vec![vec![2, 2, 2], vec![2, 2, 2], vec![2, 2, 2]],
        vec![vec![5, 0, 0], vec![0, 5, 0], vec![0, 0, 5]],
        vec![vec![3, 1, 4], vec![1, 5, 9], vec![2, 6, 5]],
        vec![vec![0, 3, 1, 2], vec![4, 0, 2, 1], vec![1, 1, 0, 5]],
        vec![vec![6, 1], vec![2, 4], vec![0, 5], vec![3, 3]],
        vec![vec![2, 0, 1, 3, 1], vec![0, 3, 2, 0, 2]],
    ];
    let mut state = 12_345u64;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) % m
    };
    for _ in 0..40 {
        let (r, c) = (2 + next(3) as usize, 2 + next(3) as usize);
        let t: Vec<Vec<u64>> = (0..r).map(|_| (0..c).map(|_| next(6)).collect()).collect();
        let empty_row = t.iter().any(|row| row.iter().sum::<u64>() == 0);
        let empty_col = (0..c).any(|j| t.iter().all(|row| row[j] == 0));
        if !empty_row && !empty_col && t.iter().flatten().sum::<u64>() <= 30 {
            tables.push(t);
        }
    }
    assert!(tables.len() > 25, "{} tables", tables.len());
    for t in &tables {
        let tol = studybook::stats::fisher_network::tolerance(t.len(), t[0].len());
        let network = contingency::fisher_exact(t, 100_000_000).unwrap().p;
        let listed = fisher_by_listing(t, tol);
        assert!(
            (network - listed).abs() <= 1e-10 * listed,
            "{t:?}: network {network}, listing {listed}"
        );
    }
}

// [[2,2,2]] x 3: the balanced table is the most probable with its margins,
// so every table counts and p = 1.
#[test]
fn fisher_of_the_most_probable_table_is_one() {
    let t = vec![vec![2, 2, 2], vec![2, 2, 2], vec![2, 2, 2]];
    assert_close!(contingency::fisher_exact(&t, 1000).unwrap().p, 1.0, EXACT);
}

// The work budget turns an explosion into an error value, not a hang.
#[test]
fn fisher_budget_is_reported() {
    let t = vec![
        vec![40, 30, 20, 10],
        vec![12, 25, 33, 41],
        vec![20, 20, 20, 20],
    ];
    assert_eq!(
        contingency::fisher_exact(&t, 10).unwrap_err(),
        StatsError::WorkBudgetExceeded(10)
    );
}

// x = [1, 2, 3], y = [4, 5]: ranks of x 1+2+3 = 6, W = 6 - 3*4/2 = 0;
// n1 n2 / 2 = 3; sigma^2 = 3*2/12 * 6 = 3 (no ties); z = (0 - 3 + 0.5)/sqrt(3).
#[test]
fn wilcoxon_without_ties_by_hand() {
    let r = rank::wilcoxon_rank_sum(&[1.0, 2.0, 3.0], &[4.0, 5.0], true).unwrap();
    assert_eq!(r.statistic, 0.0);
    let z = -2.5 / 3f64.sqrt();
    let normal = statrs::distribution::Normal::standard();
    use statrs::distribution::ContinuousCDF;
    assert_close!(r.p, 2.0 * normal.cdf(z), EXACT);
}

// x = [1, 1], y = [1, 2]: three tied 1s share rank 2, the 2 has rank 4.
// W = 2 + 2 - 3 = 1. Ties T = 3^3 - 3 = 24; sigma^2 = 4/12 (5 - 24/12) = 1;
// z = (1 - 2 + 0.5) / 1 = -0.5 with the continuity correction.
#[test]
fn wilcoxon_with_ties_by_hand() {
    let r = rank::wilcoxon_rank_sum(&[1.0, 1.0], &[1.0, 2.0], true).unwrap();
    assert_eq!(r.statistic, 1.0);
    let normal = statrs::distribution::Normal::standard();
    use statrs::distribution::ContinuousCDF;
    assert_close!(r.p, 2.0 * normal.cdf(-0.5), EXACT);
}

// Kruskal-Wallis on two groups equals the uncorrected Wilcoxon test (H = z^2).
#[test]
fn kruskal_two_groups_equals_wilcoxon_without_continuity() {
    let x = [3.1, 4.0, 4.0, 5.2, 6.8, 1.0];
    let y = [2.2, 4.0, 7.5, 8.1, 9.0];
    let k = rank::kruskal_wallis(&[&x, &y]).unwrap();
    let w = rank::wilcoxon_rank_sum(&x, &y, false).unwrap();
    assert_close!(k.p, w.p, 1e-10);
}

// x = [1,2,3], y = [4,5,6]: means 2 and 5, variances 1. Pooled se =
// sqrt(1 x 2/3), t = -3 / sqrt(2/3); Welch df = (2/3)^2 / (2 (1/3)^2 / 2) = 4,
// so with equal n and variances Welch equals pooled.
#[test]
fn t_tests_by_hand() {
    let (x, y) = ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]);
    let pooled = t_test::two_sample(&x, &y, true).unwrap();
    let welch = t_test::two_sample(&x, &y, false).unwrap();
    assert_close!(pooled.statistic, -3.0 / (2.0f64 / 3.0).sqrt(), EXACT);
    assert_close!(welch.statistic, pooled.statistic, EXACT);
    assert_close!(welch.df.unwrap(), 4.0, EXACT);
    assert_close!(pooled.df.unwrap(), 4.0, EXACT);
}

// A constant sample has no spread: an error value, not NaN.
#[test]
fn constant_samples_are_reported() {
    assert_eq!(
        t_test::two_sample(&[2.0, 2.0], &[2.0, 2.0], false).unwrap_err(),
        StatsError::NoVariation
    );
    assert_eq!(
        rank::wilcoxon_rank_sum(&[1.0, 1.0], &[1.0], true).unwrap_err(),
        StatsError::NoVariation
    );
    assert_eq!(smd::continuous(&[1.0, 1.0], &[1.0, 1.0]), None);
}

// Type 7 on [1, 2, 3, 4]: h = 3p; q1 = 1 + 0.75 = 1.75, median 2.5, q3 3.25.
#[test]
fn quantiles_type7_by_hand() {
    let s = describe::summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
    assert_eq!((s.q1, s.median, s.q3), (1.75, 2.5, 3.25));
    assert_close!(s.sd.unwrap(), (5.0f64 / 3.0).sqrt(), EXACT);
}

// SMDs: binary (0.5 - 0.25) / sqrt((0.25 + 0.1875) / 2); the Yang-Dalton
// SMD of a two-level factor is the absolute binary SMD.
#[test]
fn smd_binary_and_categorical_agree() {
    let b = smd::binary(0.5, 0.25).unwrap();
    assert_close!(b, 0.25 / (0.4375f64 / 2.0).sqrt(), EXACT);
    let c = smd::categorical(&[0.5, 0.5], &[0.75, 0.25]).unwrap();
    assert_close!(c, b.abs(), 1e-12);
}

// Completely separated data (x < 3.5 all y = 0, above all y = 1) have no
// MLE: the fit says so instead of returning large coefficients silently.
#[test]
fn logistic_reports_complete_separation() {
    use studybook::stats::logistic;
    let x = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let y = vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let fit = logistic::fit(&[vec![1.0; 6], x], &y).unwrap();
    assert!(fit.separation);
}

// Overlapping data are not flagged; with one binary covariate the MLE is
// known: log odds ratio = ln((a d) / (b c)). Here y=1 in 2 of 4 with x=0
// and 3 of 4 with x=1: coef = ln(3/1) - ln(2/2) = ln 3.
#[test]
fn logistic_binary_covariate_by_hand() {
    use studybook::stats::logistic;
    let x = vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
    let y = vec![1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
    let fit = logistic::fit(&[vec![1.0; 8], x], &y).unwrap();
    assert!(!fit.separation && fit.converged);
    assert_close!(fit.coef[1], 3f64.ln(), 1e-9);
    assert!(fit.coef[0].abs() < 1e-9);
    // SE of a log odds ratio: sqrt(1/a + 1/b + 1/c + 1/d) = sqrt(1/2 + 1/2 + 1/3 + 1).
    // Like R's glm, the covariance comes from the last IRLS weights, which
    // lag the final coefficients by one step (here 5e-7 relative).
    assert_close!(
        fit.se[1],
        (1.0f64 / 2.0 + 1.0 / 2.0 + 1.0 / 3.0 + 1.0).sqrt(),
        1e-6
    );
}

// The likelihood of k copies of the data is the k-th power of the
// original's: the same MLE, standard errors shrunk by sqrt(k). 251 copies of
// 600 rows (150,600) take the two-halves QR path that large cohorts take,
// 600 rows the single-pass one, so the identity ties the two together (an
// odd count, so that the halves hold different rows).
#[test]
fn logistic_on_copies_of_the_data_has_the_same_estimate() {
    use studybook::stats::logistic;
    let n = 600;
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 37 % 101) as f64) / 10.0 - 5.0)
        .collect();
    let z: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
    // y = 1 when a deterministic "noise" term plus the covariates is positive.
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let noise = ((i * 7919 % 1000) as f64) / 100.0 - 5.0;
            f64::from(u8::from(0.4 * x[i] + z[i] + noise > 0.0))
        })
        .collect();
    let once = logistic::fit(&[vec![1.0; n], x.clone(), z.clone()], &y).unwrap();
    let k = 251;
    let rep = |v: &[f64]| -> Vec<f64> { (0..k).flat_map(|_| v.iter().copied()).collect() };
    let many = logistic::fit(&[vec![1.0; n * k], rep(&x), rep(&z)], &rep(&y)).unwrap();
    assert!(once.converged && many.converged);
    for j in 0..3 {
        assert_close!(many.coef[j], once.coef[j], 1e-9);
        assert_close!(many.se[j] * (k as f64).sqrt(), once.se[j], 1e-9);
    }
    assert_close!(many.deviance, k as f64 * once.deviance, 1e-9);
}

// Therneau's test1 (survival/tests/book1.R, the NA row dropped): times
// 9,1,1,6,6,8 with status 1,1,0,1,1,0 and x 0,1,1,1,0,0. With Breslow ties
// the score equation solves in closed form: beta = log(1.5 + sqrt(33)/2).
#[test]
fn cox_breslow_closed_form() {
    use studybook::stats::cox::{self, Ties};
    let time = [9.0, 1.0, 1.0, 6.0, 6.0, 8.0];
    let event = [true, true, false, true, true, false];
    let x = vec![vec![0.0, 1.0, 1.0, 1.0, 0.0, 0.0]];
    let fit = cox::fit(&time, &event, &x, None, Ties::Breslow).unwrap();
    assert_close!(fit.coef[0], (1.5 + 33f64.sqrt() / 2.0).ln(), 1e-8);
}

// The same data with every patient entered twice (the Cox code merges
// identical rows into one with a count of 2). With Breslow ties every sum
// doubles: l(b) = 2 l_1(b) - const, so beta is unchanged and the information
// doubles (SE / sqrt 2). The score residuals are unchanged and V halves, so
// each copy's dfbeta is half the original; clustering the two copies gives
// back the robust variance of the single data with each patient its own cluster.
#[test]
fn cox_on_every_row_twice_by_hand() {
    use studybook::stats::cox::{self, Ties};
    let time = [9.0, 1.0, 1.0, 6.0, 6.0, 8.0];
    let event = [true, true, false, true, true, false];
    let x = [0.0, 1.0, 1.0, 1.0, 0.0, 0.0];
    let once = cox::fit(&time, &event, &[x.to_vec()], None, Ties::Breslow).unwrap();
    let twice_t: Vec<f64> = time.iter().chain(&time).copied().collect();
    let twice_e: Vec<bool> = event.iter().chain(&event).copied().collect();
    let twice_x = vec![x.iter().chain(&x).copied().collect::<Vec<f64>>()];
    let twice = cox::fit(&twice_t, &twice_e, &twice_x, None, Ties::Breslow).unwrap();
    assert_close!(twice.coef[0], (1.5 + 33f64.sqrt() / 2.0).ln(), 1e-8);
    assert_close!(twice.se[0], once.se[0] / 2f64.sqrt(), 1e-8);
    assert_eq!((twice.n, twice.events), (12, 8));
    let own: Vec<usize> = (0..6).collect();
    let pairs: Vec<usize> = (0..12).map(|i| i % 6).collect();
    let v1 = cox::robust_variance(
        &time,
        &event,
        &[x.to_vec()],
        None,
        Ties::Breslow,
        &once,
        &own,
    );
    let v2 = cox::robust_variance(
        &twice_t,
        &twice_e,
        &twice_x,
        None,
        Ties::Breslow,
        &twice,
        &pairs,
    );
    assert_close!(v2[0][0], v1[0][0], 1e-8);
    // fit_robust prepares the rows once for the fit and the robust
    // variance: the same numbers as the two calls, to the last bit.
    let both = cox::fit_robust(&twice_t, &twice_e, &twice_x, None, Ties::Breslow, &pairs).unwrap();
    assert_eq!(both, twice.with_robust_variance(v2));
}

// Without tied event times the log-rank test equals the Cox score test
// for the group indicator (any ties method).
#[test]
fn log_rank_equals_cox_score_test_without_ties() {
    use studybook::stats::{cox, log_rank};
    let time = [
        2.0, 3.5, 4.0, 5.0, 6.5, 7.0, 8.0, 9.5, 11.0, 12.0, 13.0, 15.0,
    ];
    let event = [
        true, true, false, true, true, true, false, true, true, false, true, true,
    ];
    let group = [0usize, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1];
    let x = vec![group.iter().map(|&g| g as f64).collect::<Vec<f64>>()];
    let lr = log_rank::test(&time, &event, &group, 2, None, 0.0);
    let fit = cox::fit(&time, &event, &x, None, cox::Ties::Efron).unwrap();
    assert_close!(lr.chisq, fit.score_test.statistic, 1e-10);
}

// An arm with no events: the hazard ratio is not estimable (monotone
// likelihood); the fit flags the coefficient instead of reporting it.
#[test]
fn cox_flags_an_arm_without_events() {
    use studybook::stats::cox::{self, Ties};
    let time = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    let event = [true, true, true, false, false, false, false, false];
    let x = vec![vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]];
    let fit = cox::fit(&time, &event, &x, None, Ties::Efron).unwrap();
    assert_eq!(fit.infinite, vec![0]);
}

// Kaplan-Meier by hand: times 1,2,2,3+,4 (+ censored), events at 1, 2, 2, 4.
// S(1) = 4/5, S(2) = 4/5 x (1 - 2/4) = 2/5, S(4) = 0. Greenwood at 2:
// 1/(5 x 4) + 2/(4 x 2) = 0.3; the median is the first time with S <= 0.5: 2.
#[test]
fn kaplan_meier_by_hand() {
    use studybook::stats::kaplan_meier::{self, ConfType};
    let km = kaplan_meier::fit(&[2.0, 1.0, 3.0, 2.0, 4.0], &[true, true, false, true, true]);
    assert_eq!(km.time, vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(km.n_risk, vec![5, 4, 2, 1]);
    assert_close!(km.surv[0], 0.8, EXACT);
    assert_close!(km.surv[1], 0.4, EXACT);
    assert_close!(km.surv[2], 0.4, EXACT);
    assert_eq!(km.surv[3], 0.0);
    assert_close!(km.std_err[1].unwrap(), 0.3f64.sqrt(), EXACT);
    assert_eq!(km.std_err[3], None);
    let q = km.quantiles(&[0.5], ConfType::Log, 0.95);
    assert_eq!(q[0].estimate, Some(2.0));
}

// Stratified: without tied event times the stratified log-rank test equals
// the score test of a Cox model with the same strata.
#[test]
fn stratified_log_rank_equals_stratified_cox_score_test() {
    use studybook::stats::{cox, log_rank};
    let time = [
        2.0, 3.5, 4.0, 5.0, 6.5, 7.0, 8.0, 9.5, 11.0, 12.0, 13.0, 15.0, 1.0, 2.5, 4.5, 6.0,
    ];
    let event = [
        true, true, false, true, true, true, false, true, true, false, true, true, true, true,
        false, true,
    ];
    let group = [0usize, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1];
    let strata = [0usize, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    let x = vec![group.iter().map(|&g| g as f64).collect::<Vec<f64>>()];
    let lr = log_rank::test(&time, &event, &group, 2, Some(&strata), 0.0);
    let fit = cox::fit(&time, &event, &x, Some(&strata), cox::Ties::Efron).unwrap();
    assert_close!(lr.chisq, fit.score_test.statistic, 1e-10);
}

// With no covariates, the Cox baseline cumulative hazard (Breslow) is the
// Nelson-Aalen estimate, and exp(-H) is the curve R's
// survfit(coxph(Surv(time, status) ~ 1)) draws. A zero covariate stands in
// for "no covariates" (its coefficient is 0, so r = 1 for every row).
#[test]
fn cox_null_baseline_equals_nelson_aalen() {
    use studybook::stats::{cox, kaplan_meier};
    let time = [2.0, 3.0, 3.0, 5.0, 6.0, 6.0, 6.0, 8.0, 9.0, 12.0];
    let event = [
        true, true, false, true, true, true, false, false, true, true,
    ];
    let x = vec![vec![0.0; 10]];
    let fit = cox::CoxFit::null(10, 7);
    let h = cox::baseline_cumhaz(&time, &event, &x, cox::Ties::Breslow, &fit);
    let km = kaplan_meier::fit(&time, &event);
    let na: Vec<(f64, f64)> = km
        .time
        .iter()
        .zip(&km.cumhaz)
        .zip(&km.n_event)
        .filter(|(_, d)| **d > 0)
        .map(|((t, c), _)| (*t, *c))
        .collect();
    assert_eq!(h.len(), na.len());
    for ((t1, a), (t2, b)) in h.iter().zip(&na) {
        assert_eq!(t1, t2);
        assert_close!(*a, *b, 1e-12);
    }
    // By hand at t = 3: 1/10 + 1/9.
    assert_close!(h[1].1, 0.1 + 1.0 / 9.0, 1e-12);
}

// Fisher's Monte Carlo p-value agrees with the exact p within its binomial
// error (an identity between the two methods; 20000 draws, the bound five
// standard errors), is the same for the same seed, and is what Table 1
// falls back to when the exact enumeration is past its budget.
#[test]
fn fisher_monte_carlo_agrees_with_the_exact_test() {
    use studybook::analysis::table1::{TestKind, fisher};
    use studybook::stats::contingency::{fisher_exact, fisher_monte_carlo};
    let table = vec![vec![8, 2, 5], vec![3, 9, 4], vec![2, 3, 10]];
    let exact = fisher_exact(&table, 1_000_000_000).unwrap().p;
    let b = 20_000;
    let mc = fisher_monte_carlo(&table, b, 7).unwrap().p;
    let se = (exact * (1.0 - exact) / b as f64).sqrt();
    assert!(
        (mc - exact).abs() < 5.0 * se,
        "exact {exact}, Monte Carlo {mc}, se {se}"
    );
    assert_eq!(mc, fisher_monte_carlo(&table, b, 7).unwrap().p);
    // Past the budget: the Monte Carlo p, named as such.
    let (kind, r) = fisher(&table, 10);
    assert_eq!(kind, TestKind::FisherMonteCarlo);
    let p = r.unwrap().p;
    assert!(p > 0.0 && p <= 1.0);
    let (kind, r) = fisher(&table, 1_000_000_000);
    assert_eq!((kind, r.unwrap().p), (TestKind::Fisher, exact));
}

/// Counted rows for the `fit_counted` tests: time, status, two covariates
/// and how many patients each row stands for (20 patients, 14 events).
type Counted = ([f64; 8], [bool; 8], [f64; 8], [f64; 8], [usize; 8]);
const COUNTED: Counted = (
    [2.0, 2.0, 2.0, 3.5, 5.0, 5.0, 7.0, 9.0],
    [true, true, false, true, false, true, true, false],
    [0.3, 1.7, 1.7, 0.3, 2.9, 1.1, 0.3, 1.7],
    [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0],
    [1, 4, 2, 3, 1, 2, 4, 3],
);

// Rows that stand for several identical patients (`fit_counted`) give the
// model of the patients themselves: the Cox code merges identical rows
// into one with a count anyway, so only the centring means are summed in
// another order. Awkward data: tied event times with mixed status, a row
// standing for one patient beside rows standing for four, a continuous
// covariate with non-integer values, and a stratum-free second covariate.
#[test]
fn cox_on_counted_rows_equals_cox_on_the_patients() {
    use studybook::stats::cox::{self, Ties};
    let (time, event, x1, x2, counts) = COUNTED;
    let expand = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .zip(&counts)
            .flat_map(|(&x, &k)| std::iter::repeat_n(x, k))
            .collect()
    };
    let events: Vec<bool> = event
        .iter()
        .zip(&counts)
        .flat_map(|(&e, &k)| std::iter::repeat_n(e, k))
        .collect();
    let columns = [x1.to_vec(), x2.to_vec()];
    for ties in [Ties::Efron, Ties::Breslow] {
        let patients = cox::fit(
            &expand(&time),
            &events,
            &[expand(&x1), expand(&x2)],
            None,
            ties,
        )
        .unwrap();
        let counted = cox::fit_counted(&time, &event, &columns, &counts, ties).unwrap();
        assert_eq!((counted.n, counted.events), (patients.n, patients.events));
        assert_eq!((counted.n, counted.events), (20, 14));
        assert_close!(counted.loglik, patients.loglik, 1e-12);
        assert_close!(counted.loglik_null, patients.loglik_null, 1e-12);
        for j in 0..2 {
            assert_close!(counted.coef[j], patients.coef[j], 1e-10);
            assert_close!(counted.se[j], patients.se[j], 1e-10);
        }
        assert_close!(
            counted.score_test.statistic,
            patients.score_test.statistic,
            1e-10
        );
    }
}

// The robust variance of counted rows, clustered on the patients behind
// them (`fit_counted_robust`), is that of `fit_robust` on the patients:
// each patient adds its row's residual to its own cluster. The clusters
// cut across the rows (alike patients sit in different pairs), so a
// version that clustered on rows, or ignored the clusters, would differ.
#[test]
fn counted_robust_variance_equals_robust_variance_of_the_patients() {
    use studybook::stats::cox::{self, Ties};
    let (time, event, x1, x2, counts) = COUNTED;
    let row_of: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &k)| std::iter::repeat_n(i, k))
        .collect();
    let expand = |v: &[f64]| -> Vec<f64> { row_of.iter().map(|&i| v[i]).collect() };
    let events: Vec<bool> = row_of.iter().map(|&i| event[i]).collect();
    // 20 patients in 10 pairs, patient j and j + 10 together.
    let pairs: Vec<usize> = (0..row_of.len()).map(|j| j % 10).collect();
    let patients: Vec<(usize, usize)> = row_of.iter().copied().zip(pairs.iter().copied()).collect();
    let columns = [x1.to_vec(), x2.to_vec()];
    for ties in [Ties::Efron, Ties::Breslow] {
        let (t, x) = (expand(&time), [expand(&x1), expand(&x2)]);
        let plain = cox::fit_robust(&t, &events, &x, None, ties, &pairs).unwrap();
        let counted =
            cox::fit_counted_robust(&time, &event, &columns, &counts, ties, &patients).unwrap();
        for j in 0..2 {
            assert_close!(counted.coef[j], plain.coef[j], 1e-10);
            assert_close!(counted.se[j], plain.se[j], 1e-10);
            assert_close!(counted.z[j], plain.z[j], 1e-10);
            for k in 0..2 {
                assert_close!(counted.var[j][k], plain.var[j][k], 1e-10);
            }
        }
        // The pairs matter: each patient its own cluster gives another SE.
        let own: Vec<usize> = (0..row_of.len()).collect();
        let unpaired = cox::fit_robust(&t, &events, &x, None, ties, &own).unwrap();
        let (rse, unpaired_rse) = (plain.robust_se.unwrap(), unpaired.robust_se.unwrap());
        assert!((unpaired_rse[0] - rse[0]).abs() > 1e-3 * rse[0]);
    }
}
