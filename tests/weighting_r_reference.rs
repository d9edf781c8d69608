//! Propensity-score weighting against R (tests/fixtures/r-reference/weighting/
//! weighting.R): the weights of each estimand, effective sample sizes,
//! weighted balance, weighted Kaplan-Meier (R's infinitesimal-jackknife SE)
//! and the weighted Cox model with its robust variance, at 1e-6 relative.

mod common;

use common::{Csv, reference_dir};
use studybook::stats::cox::{self, Ties};
use studybook::stats::kaplan_meier::{self, ConfType};
use studybook::stats::weighting::{self, Estimand};

const TOL: f64 = 1e-6;

fn fixture() -> serde_json::Value {
    let path = reference_dir().join("weighting/weighting.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn nums(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Veteran's time, status and focal indicator (trt 2).
fn veteran() -> (Vec<f64>, Vec<bool>, Vec<bool>) {
    let csv = Csv::load("veteran");
    let time = csv.col("time").iter().map(|x| x.parse().unwrap()).collect();
    let event = csv.col("status").iter().map(|x| x == "1").collect();
    let treated = csv.col("trt").iter().map(|x| x == "2").collect();
    (time, event, treated)
}

const ESTIMANDS: [(&str, Estimand, bool); 4] = [
    ("ate", Estimand::Ate, false),
    ("att", Estimand::Att, false),
    ("ato", Estimand::Ato, false),
    ("ate_stabilized", Estimand::Ate, true),
];

// Each estimand's weights from R's propensity scores, and the Kish ESS per group.
#[test]
fn weights_and_ess_match_r() {
    let f = fixture();
    for data in ["veteran", "lalonde"] {
        let ps = nums(&f[data]["ps"]);
        let treated: Vec<bool> = if data == "veteran" {
            veteran().2
        } else {
            Csv::load("lalonde")
                .col("treat")
                .iter()
                .map(|x| x == "1")
                .collect()
        };
        for (name, estimand, stabilize) in ESTIMANDS {
            let r = &f[data]["estimands"][name];
            let w = weighting::weights(&ps, &treated, estimand, stabilize);
            for (a, e) in w.iter().zip(nums(&r["weights"])) {
                assert_close!(*a, e, TOL);
            }
            let ess = nums(&r["ess"]);
            for (g, e) in [(false, ess[0]), (true, ess[1])] {
                let wg: Vec<f64> = w
                    .iter()
                    .zip(&treated)
                    .filter(|(_, t)| **t == g)
                    .map(|(w, _)| *w)
                    .collect();
                assert_close!(weighting::ess(&wg), e, TOL);
            }
        }
    }
}

// coxph(Surv(time, status) ~ t, weights = w, robust = TRUE), Efron and Breslow.
#[test]
fn weighted_cox_matches_r() {
    let f = fixture();
    let (time, event, treated) = veteran();
    let x = vec![
        treated
            .iter()
            .map(|&t| f64::from(u8::from(t)))
            .collect::<Vec<f64>>(),
    ];
    for (name, _, _) in ESTIMANDS {
        let r = &f["veteran"]["estimands"][name];
        let w = nums(&r["weights"]);
        for (ties, key) in [(Ties::Efron, "cox_efron"), (Ties::Breslow, "cox_breslow")] {
            let fit = cox::fit_weighted(&time, &event, &x, &w, ties, None).unwrap();
            let e = &r[key];
            let loglik = nums(&e["loglik"]);
            assert_close!(fit.loglik_null, loglik[0], TOL);
            assert_close!(fit.loglik, loglik[1], TOL);
            // The ATE coefficient is 2e-5: compare it on the scale of its SE.
            assert_close!(fit.coef[0], e["coef"].as_f64().unwrap(), TOL, fit.se[0]);
            assert_close!(fit.se[0], e["se"].as_f64().unwrap(), TOL);
            let rse = fit.robust_se.as_ref().unwrap()[0];
            assert_close!(rse, e["robust_se"].as_f64().unwrap(), TOL);
            assert_close!(fit.p[0], e["p"].as_f64().unwrap(), TOL, 1e-3);
        }
    }
    // Trimmed to ps in [0.2, 0.8], ATE weights of the rest.
    let t = &f["veteran"]["trimmed"];
    let kept: Vec<usize> = nums(&t["kept"]).iter().map(|&k| k as usize).collect();
    let ps = nums(&f["veteran"]["ps"]);
    let pick = |v: &[f64]| kept.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let tk: Vec<bool> = kept.iter().map(|&i| treated[i]).collect();
    let w = weighting::weights(&pick(&ps), &tk, Estimand::Ate, false);
    let xk = vec![
        tk.iter()
            .map(|&t| f64::from(u8::from(t)))
            .collect::<Vec<f64>>(),
    ];
    let ek: Vec<bool> = kept.iter().map(|&i| event[i]).collect();
    let fit = cox::fit_weighted(&pick(&time), &ek, &xk, &w, Ties::Efron, None).unwrap();
    let e = &t["cox_efron"];
    assert_close!(fit.coef[0], e["coef"].as_f64().unwrap(), TOL);
    assert_close!(
        fit.robust_se.unwrap()[0],
        e["robust_se"].as_f64().unwrap(),
        TOL
    );
}

// survfit(Surv(time, status) ~ trt, weights = w): weighted counts, survival,
// the infinitesimal-jackknife SE of S, log-scale limits, and summary() at landmarks.
#[test]
fn weighted_kaplan_meier_matches_r() {
    let f = fixture();
    let (time, event, treated) = veteran();
    for (name, _, _) in ESTIMANDS {
        let r = &f["veteran"]["estimands"][name];
        let w = nums(&r["weights"]);
        for (group, key) in [(false, "1"), (true, "2")] {
            let rows: Vec<usize> = (0..time.len()).filter(|&i| treated[i] == group).collect();
            let pick_f = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            let ev: Vec<bool> = rows.iter().map(|&i| event[i]).collect();
            // survfit's rule over the whole call: robust when any weight is not whole.
            let robust = w.iter().any(|x| x.fract() != 0.0);
            let km = kaplan_meier::fit_weighted(&pick_f(&time), &ev, &pick_f(&w), robust);
            let e = &r["km"][key];
            assert_eq!(km.time, nums(&e["time"]));
            for (a, b) in km.n_risk.iter().zip(nums(&e["n_risk"])) {
                assert_close!(*a, b, TOL);
            }
            for (a, b) in km.surv.iter().zip(nums(&e["surv"])) {
                assert_close!(*a, b, TOL);
            }
            for (a, b) in km.std_err.iter().zip(nums(&e["std_err"])) {
                assert_close!(a.unwrap(), b, TOL);
            }
            let (lower, upper) = km.limits(ConfType::Log, 0.95);
            for (ours, key) in [(lower, "lower"), (upper, "upper")] {
                for (a, b) in ours.iter().zip(e[key].as_array().unwrap()) {
                    match b.as_f64() {
                        Some(b) => assert_close!(a.unwrap(), b, TOL),
                        None => assert!(a.is_none(), "R's limit is NA where S = 0"),
                    }
                }
            }
            let at = &e["at"];
            for (k, &t) in nums(&at["time"]).iter().enumerate() {
                let w = km.at(t, ConfType::Log, 0.95);
                let s = w.at;
                assert_close!(s.surv, nums(&at["surv"])[k], TOL);
                assert_close!(s.std_err.unwrap(), nums(&at["std_err"])[k], TOL);
                assert_close!(s.lower.unwrap(), nums(&at["lower"])[k], TOL);
                assert_close!(s.upper.unwrap(), nums(&at["upper"])[k], TOL);
                assert_close!(w.n_risk, nums(&at["n_risk"])[k], TOL);
            }
        }
    }
}

// The whole pipeline on the veteran fixture study ([matching] with [weighting]):
// each estimand's ESS, weighted balance, weighted Kaplan-Meier landmarks and
// weighted Cox model equal R's.
#[test]
fn pipeline_weighting_matches_r() {
    let f = fixture();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/studies/veteran/study.toml");
    let a = studybook::pipeline::analyse(&path).unwrap();
    let r = &a.results;
    for (name, id) in [("ate", "ate"), ("att", "att"), ("ato", "ato")] {
        let e = &f["veteran"]["estimands"][name];
        let w = r.weighting.iter().find(|w| w.estimand.id() == id).unwrap();
        let ess = nums(&e["ess"]);
        assert_close!(w.ess_by_group["1"], ess[0], TOL);
        assert_close!(w.ess_by_group["2"], ess[1], TOL);
        // Balance rows in the R script's order: karno, age, diagtime, prior, celltype levels.
        for rb in e["balance"].as_array().unwrap() {
            let term = rb["term"].as_str().unwrap();
            let (var, level) = match term.split_once('[') {
                Some((v, l)) => (v, Some(l.trim_end_matches(']'))),
                None => (term, None),
            };
            let ours = w
                .balance
                .iter()
                .find(|b| b.variable == var && b.level.as_deref() == level)
                .unwrap_or_else(|| panic!("{term}"));
            // Overlap weights balance to 1e-13 in R: compare on the SD scale.
            assert_close!(ours.smd.unwrap(), rb["smd"].as_f64().unwrap(), TOL, 1.0);
        }
        let surv = r.survival.get(id).unwrap();
        let cox = &surv.cox[0];
        let ce = &e["cox_efron"];
        assert_close!(
            cox.terms[0].coef,
            ce["coef"].as_f64().unwrap(),
            TOL,
            cox.terms[0].se
        );
        assert_close!(
            cox.terms[0].robust_se.unwrap(),
            ce["robust_se"].as_f64().unwrap(),
            TOL
        );
        for km in &surv.km {
            let at = &e["km"][km.group.as_str()]["at"];
            for (k, l) in km.landmarks.iter().enumerate() {
                assert_close!(l.surv, nums(&at["surv"])[k], TOL);
                assert_close!(l.lower.unwrap(), nums(&at["lower"])[k], TOL);
                assert_close!(l.upper.unwrap(), nums(&at["upper"])[k], TOL);
                assert_close!(l.n_risk_weighted.unwrap(), nums(&at["n_risk"])[k], TOL);
            }
        }
    }
}

// The robustness table of the veteran fixture study: one row per population
// (unadjusted, matched, the three weightings) and the multivariable model
// adjusted for the propensity covariates, which equals R's coxph; each row's
// E-values are those of its own hazard ratio and limits.
#[test]
fn robustness_rows_match_r() {
    let f = fixture();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/studies/veteran/study.toml");
    let a = studybook::pipeline::analyse(&path).unwrap();
    let rows = &a.results.robustness;
    let kinds: Vec<&str> = rows.iter().map(|r| r.adjustment.as_str()).collect();
    assert_eq!(
        kinds,
        ["unmatched", "matched", "ate", "att", "ato", "adjusted"]
    );
    let adjusted = rows.last().unwrap();
    let r = &f["veteran"]["adjusted"];
    assert_close!(adjusted.hr.unwrap().ln(), r["coef"].as_f64().unwrap(), TOL);
    assert_close!(adjusted.se, r["se"].as_f64().unwrap(), TOL);
    assert_eq!(adjusted.n as u64, r["n"].as_u64().unwrap());
    assert_eq!(adjusted.events as u64, r["events"].as_u64().unwrap());
    // 128 of 137 patients died: a common outcome.
    for row in rows {
        assert!(!row.rare);
        let e = studybook::stats::evalue::of_hr(
            row.hr.unwrap(),
            row.lower.unwrap(),
            row.upper.unwrap(),
            false,
        )
        .unwrap();
        assert_eq!(row.e_value, Some(e.point));
        assert_eq!(row.e_value_ci, Some(e.ci));
    }
    let ate = &rows[2];
    let ess = &f["veteran"]["estimands"]["ate"]["ess"];
    assert_close!(ate.ess.unwrap(), nums(ess).iter().sum::<f64>(), TOL);
}
