//! Identities of propensity-score weighting: unit weights reproduce the
//! unweighted Kaplan-Meier curve and Cox model exactly; overlap weights
//! balance every column of the propensity model exactly; ATE weights sum to
//! the sample size in each group where the score is the stratum share.

mod common;

use common::Csv;
use studybook::stats::cox::{self, Ties};
use studybook::stats::weighting::{self, Estimand};
use studybook::stats::{kaplan_meier, logistic};

fn lung() -> (Vec<f64>, Vec<bool>, Vec<Vec<f64>>) {
    let csv = Csv::load("lung");
    let (t, s, age, sex) = (
        csv.col("time"),
        csv.col("status"),
        csv.col("age"),
        csv.col("sex"),
    );
    let time = t.iter().map(|x| x.parse().unwrap()).collect();
    let event = s.iter().map(|x| x == "2").collect();
    let x = vec![
        age.iter().map(|x| x.parse().unwrap()).collect(),
        sex.iter().map(|x| x.parse().unwrap()).collect(),
    ];
    (time, event, x)
}

// Weights of 1 give the unweighted curve bit for bit (counts, survival and
// Greenwood's SE, which survfit keeps for integer weights).
#[test]
fn unit_weights_give_the_unweighted_kaplan_meier_curve() {
    let (time, event, _) = lung();
    let plain = kaplan_meier::fit(&time, &event);
    let weighted = kaplan_meier::fit_weighted(&time, &event, &vec![1.0; time.len()], false);
    let curve = weighted.curve();
    assert_eq!(curve.time, plain.time);
    assert_eq!(curve.n_risk, plain.n_risk);
    assert_eq!(curve.n_event, plain.n_event);
    assert_eq!(curve.surv, plain.surv);
    assert_eq!(curve.std_err, plain.std_err);
    let as_f64: Vec<f64> = plain.n_risk.iter().map(|&n| n as f64).collect();
    assert_eq!(weighted.n_risk, as_f64);
}

// Weights of 1 give the unweighted model's estimates and likelihoods bit for
// bit; only the variance becomes the robust one (coxph(robust = TRUE)).
#[test]
fn unit_weights_give_the_unweighted_cox_model() {
    let (time, event, x) = lung();
    for ties in [Ties::Efron, Ties::Breslow] {
        let plain = cox::fit(&time, &event, &x, None, ties).unwrap();
        let weighted =
            cox::fit_weighted(&time, &event, &x, &vec![1.0; time.len()], ties, None).unwrap();
        assert_eq!(weighted.coef, plain.coef);
        assert_eq!(weighted.se, plain.se);
        assert_eq!(weighted.loglik, plain.loglik);
        assert_eq!(weighted.loglik_null, plain.loglik_null);
        let own: Vec<usize> = (0..time.len()).collect();
        let robust = cox::fit_robust(&time, &event, &x, None, ties, &own).unwrap();
        assert_eq!(weighted.robust_se, robust.robust_se);
    }
}

// Overlap weights from a logistic model balance each of its columns exactly
// (Li, Morgan & Zaslavsky 2018): the weighted means of the two groups agree,
// here to the model's convergence, on the scale of the column's SD.
#[test]
fn overlap_weights_balance_every_model_column_exactly() {
    let csv = Csv::load("lalonde");
    let col = |n: &str| -> Vec<f64> { csv.col(n).iter().map(|x| x.parse().unwrap()).collect() };
    let race = csv.col("race");
    let columns = vec![
        vec![1.0; race.len()],
        col("age"),
        col("educ"),
        race.iter()
            .map(|r| f64::from(u8::from(r == "hispan")))
            .collect(),
        race.iter()
            .map(|r| f64::from(u8::from(r == "white")))
            .collect(),
        col("married"),
        col("nodegree"),
        col("re74"),
        col("re75"),
    ];
    let treated: Vec<bool> = csv.col("treat").iter().map(|x| x == "1").collect();
    let y: Vec<f64> = treated.iter().map(|&t| f64::from(u8::from(t))).collect();
    let fit = logistic::fit(&columns, &y).unwrap();
    let w = weighting::weights(&fit.fitted, &treated, Estimand::Ato, false);
    for x in &columns[1..] {
        let part = |g: bool| -> (Vec<f64>, Vec<f64>) {
            (0..x.len())
                .filter(|&i| treated[i] == g)
                .map(|i| (x[i], w[i]))
                .unzip()
        };
        let ((x1, w1), (x0, w0)) = (part(true), part(false));
        let diff = weighting::weighted_mean(&x1, &w1).unwrap()
            - weighting::weighted_mean(&x0, &w0).unwrap();
        let sd = studybook::stats::describe::sd(x).unwrap();
        assert_close!(diff / sd, 0.0, 1e-6, 1.0);
    }
}

// Where the propensity score is the share of the focal group in each
// stratum (a saturated model), ATE weights sum to the sample size in each
// group: sum over a stratum of 1/e is n_s exactly.
#[test]
fn ate_weights_sum_to_n_in_each_group_under_a_saturated_model() {
    // Two strata: 3 of 8 treated, then 6 of 10.
    let stratum: Vec<f64> = [vec![0.0; 8], vec![1.0; 10]].concat();
    let treated: Vec<bool> = [
        vec![true, true, true, false, false, false, false, false],
        vec![
            true, true, true, true, true, true, false, false, false, false,
        ],
    ]
    .concat();
    let y: Vec<f64> = treated.iter().map(|&t| f64::from(u8::from(t))).collect();
    let fit = logistic::fit(&[vec![1.0; 18], stratum], &y).unwrap();
    assert_close!(fit.fitted[0], 3.0 / 8.0, 1e-9);
    let w = weighting::weights(&fit.fitted, &treated, Estimand::Ate, false);
    for g in [true, false] {
        let sum: f64 = w
            .iter()
            .zip(&treated)
            .filter(|(_, t)| **t == g)
            .map(|(w, _)| w)
            .sum();
        assert_close!(sum, 18.0, 1e-6);
    }
    // Stabilized: each group sums to its own size.
    let w = weighting::weights(&fit.fitted, &treated, Estimand::Ate, true);
    let treated_sum: f64 = w
        .iter()
        .zip(&treated)
        .filter(|(_, t)| **t)
        .map(|(w, _)| w)
        .sum();
    assert_close!(treated_sum, 9.0, 1e-6);
}

// Kish's effective sample size: n for equal weights, 1 for a single weight.
#[test]
fn ess_of_equal_weights_is_n_and_of_one_weight_is_one() {
    assert_eq!(weighting::ess(&[0.5; 8]), 8.0);
    assert_eq!(weighting::ess(&[0.0, 3.0, 0.0]), 1.0);
    assert_eq!(weighting::ess(&[]), 0.0);
}
