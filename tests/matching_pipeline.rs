//! Matching through the whole pipeline: a study config on lalonde gives
//! MatchIt's pairs, and its matched Table 1 gives R's post-matching tests.

mod common;

use common::reference;
use std::path::Path;
use studybook::pipeline;

const TOL: f64 = 1e-6;

/// Analyses the fixture study `tests/fixtures/studies/<name>/study.toml`.
fn fixture_study(name: &str) -> pipeline::Analysis {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/studies/{name}/study.toml"));
    pipeline::analyse(&path).unwrap()
}

fn lalonde() -> pipeline::Analysis {
    fixture_study("lalonde")
}

// The configured match equals matchit(..., caliper = 0.1): same caliper
// width, same pairs (ids are 1-based rows), same unmatched treated units.
#[test]
fn study_config_reproduces_matchit_pairs() {
    let a = lalonde();
    let m = a.results.matching.as_ref().unwrap();
    let json = reference("lalonde");
    let rec = &json["results"]["matchit_default_call_with_caliper"];
    assert_close!(
        m.caliper.as_ref().unwrap().width,
        rec["caliper"].as_f64().unwrap(),
        TOL
    );
    let mut ours: Vec<(u64, u64)> = m
        .pairs
        .iter()
        .map(|p| (p.focal.parse().unwrap(), p.control.parse().unwrap()))
        .collect();
    ours.sort();
    let expected: Vec<(u64, u64)> = rec["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_u64().unwrap(), p[1].as_u64().unwrap()))
        .collect();
    assert_eq!(ours, expected);
    let unmatched: Vec<u64> = m
        .unmatched_focal
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let expected: Vec<u64> = rec["unmatched_treated_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(unmatched, expected);
    assert_eq!(m.n["1"], 111);
    assert_eq!(m.n["0"], 111);
}

// Matched Table 1 p-values and SMDs equal R's tests on match.data(m).
#[test]
fn matched_table1_matches_r_post_tests() {
    let a = lalonde();
    let json = reference("lalonde");
    let mut checked = 0;
    for row in a.results.table1.get("matched").unwrap() {
        let rec = &json["results"][format!("tests_post_{}_by_treat", row.variable)];
        let p = row.p.unwrap();
        if row.kind == "categorical" {
            assert_close!(p, rec["chisq_correct"]["p.value"].as_f64().unwrap(), TOL);
        } else {
            assert_close!(p, rec["wilcox"]["p.value"].as_f64().unwrap(), TOL);
            let smd = rec["smd"]["value"].as_f64().unwrap();
            if smd == 0.0 {
                assert_eq!(row.smd.unwrap(), 0.0);
            } else {
                assert_close!(row.smd.unwrap(), smd, TOL);
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 8);
}

// Balance after matching uses the unmatched denominator: for age the
// unmatched SMD equals Table 1's, and the matched one is the matched mean
// difference over the same denominator.
#[test]
fn balance_uses_the_unmatched_denominator() {
    let a = lalonde();
    let m = a.results.matching.as_ref().unwrap();
    let age = m.balance.iter().find(|b| b.variable == "age").unwrap();
    let json = reference("lalonde");
    let before = json["results"]["tests_pre_age_by_treat"]["smd"]["value"]
        .as_f64()
        .unwrap();
    assert_close!(age.smd_before.unwrap(), before, TOL);
    let t1 = |cohort: &str| {
        a.results
            .table1
            .get(cohort)
            .unwrap()
            .iter()
            .find(|r| r.variable == "age")
            .unwrap()
            .summary
            .clone()
            .unwrap()
    };
    let (u, mt) = (t1("unmatched"), t1("matched"));
    let denom = ((u["0"].sd.unwrap().powi(2) + u["1"].sd.unwrap().powi(2)) / 2.0).sqrt();
    assert_close!(
        age.smd_after.unwrap(),
        (mt["1"].mean.unwrap() - mt["0"].mean.unwrap()) / denom,
        1e-12
    );
}

fn veteran() -> pipeline::Analysis {
    fixture_study("veteran")
}

// veteran end to end: the match equals MatchIt's, and the matched cohort's
// Kaplan-Meier landmarks, log-rank test and Cox model with a robust variance
// clustered on pairs equal R's on match.data(m).
#[test]
fn veteran_matched_survival_matches_r() {
    let a = veteran();
    let json = reference("veteran");
    let r = &json["results"];
    let m = a.results.matching.as_ref().unwrap();
    // The propensity model: glm(trt01 ~ celltype + karno + diagtime + age + prior).
    let glm = &r["psm_trt_ps_glm"];
    for (field, ours) in [
        ("coef", &m.model.coef),
        ("se", &m.model.se),
        ("p", &m.model.p),
    ] {
        for (a, e) in ours.iter().zip(common::nums(&glm[field])) {
            assert_close!(*a, e, TOL);
        }
    }
    assert_close!(m.model.deviance, glm["deviance"].as_f64().unwrap(), TOL);
    let mut ours: Vec<(u64, u64)> = m
        .pairs
        .iter()
        .map(|p| (p.focal.parse().unwrap(), p.control.parse().unwrap()))
        .collect();
    ours.sort();
    let expected: Vec<(u64, u64)> = r["psm_trt_matchit"]["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_u64().unwrap(), p[1].as_u64().unwrap()))
        .collect();
    assert_eq!(ours, expected);
    // Log-rank in the matched cohort.
    let matched = a.results.survival.get("matched").unwrap();
    let lr = &matched.logrank[0];
    assert_close!(
        lr.chisq,
        r["psm_trt_logrank_os_by_trt01"]["chisq"].as_f64().unwrap(),
        TOL
    );
    assert_close!(
        lr.p.unwrap(),
        r["psm_trt_logrank_os_by_trt01"]["p"].as_f64().unwrap(),
        TOL
    );
    // Cox with cluster(subclass).
    let rc = &r["psm_trt_cox_os_treat_cluster"];
    let cox = &matched.cox[0];
    let t = &cox.terms[0];
    assert_close!(t.coef, rc["coef"][0].as_f64().unwrap(), TOL);
    assert_close!(t.se, rc["se"][0].as_f64().unwrap(), TOL);
    assert_close!(
        t.robust_se.unwrap(),
        rc["robust_se"][0].as_f64().unwrap(),
        TOL
    );
    assert_close!(t.p.unwrap(), rc["p"][0].as_f64().unwrap(), TOL);
    assert_close!(t.lower.unwrap(), rc["hr_lower95"][0].as_f64().unwrap(), TOL);
    assert_close!(t.upper.unwrap(), rc["hr_upper95"][0].as_f64().unwrap(), TOL);
    let cc = cox.concordance.as_ref().unwrap();
    assert_close!(
        cc.concordance,
        rc["concordance"]["concordance"].as_f64().unwrap(),
        TOL
    );
    assert_close!(cc.std, rc["concordance"]["std"].as_f64().unwrap(), TOL);
    // Landmark survival by group (log CI).
    let lm = &r["psm_trt_km_os_by_trt01"]["landmarks"]["extend_TRUE"]["log"];
    for (g, group) in ["1", "2"].iter().enumerate() {
        let km = matched.km.iter().find(|k| k.group == *group).unwrap();
        for (j, l) in km.landmarks.iter().enumerate() {
            let row = g * 4 + j;
            assert_close!(l.surv, lm["surv"][row].as_f64().unwrap(), TOL);
            assert_eq!(l.n_risk as u64, lm["n.risk"][row].as_u64().unwrap());
            assert_close!(l.lower.unwrap(), lm["lower"][row].as_f64().unwrap(), TOL);
        }
    }
}

// The risk-factor table's multivariable model on lung (age, ph.ecog and the
// treatment column sex, all entered) is R's
// coxph(Surv(time, status) ~ age + sex + ph.ecog); each univariable row is
// the corresponding univariable model.
#[test]
fn cox_table_models_match_r_on_lung() {
    let a = fixture_study("lung");
    let json = reference("lung");
    let r = &json["results"];
    let models = &a.results.regression.get("unmatched").unwrap().models;
    let multi = models
        .iter()
        .find(|m| m.model.model == "multivariable")
        .unwrap();
    // Our column order: age, ph.ecog, then the treatment (sex: 2 vs 1).
    let rec = &r["cox_os_multi_efron"];
    let order = [0usize, 2, 1]; // R's terms: age, sex, ph.ecog
    for (ours, &k) in multi.model.terms.iter().zip(&order) {
        assert_close!(ours.coef, rec["coef"][k].as_f64().unwrap(), TOL);
        assert_close!(ours.se, rec["se"][k].as_f64().unwrap(), TOL);
        assert_close!(ours.p.unwrap(), rec["p"][k].as_f64().unwrap(), TOL);
        assert_close!(
            ours.lower.unwrap(),
            rec["hr_lower95"][k].as_f64().unwrap(),
            TOL
        );
        assert_close!(
            ours.upper.unwrap(),
            rec["hr_upper95"][k].as_f64().unwrap(),
            TOL
        );
    }
    assert_eq!(multi.model.n, 227);
    for (variable, key) in [
        ("age", "cox_os_uni_age_efron"),
        ("ph_ecog", "cox_os_uni_ph.ecog_efron"),
        ("treatment", "cox_os_uni_sex_efron"),
    ] {
        let m = models
            .iter()
            .find(|m| m.model.model == "univariable" && m.factors[0].variable == variable)
            .unwrap();
        assert_close!(
            m.model.terms[0].coef,
            r[key]["coef"][0].as_f64().unwrap(),
            TOL
        );
        assert_close!(
            m.factors[0].p.unwrap(),
            r[key]["p"][0].as_f64().unwrap(),
            TOL
        );
    }
}

// Forward stepwise selection takes R's step() path (k = qchisq(0.95, 1),
// i.e. LR p < 0.05 to enter and > 0.05 to leave) on the complete cases of
// every candidate, with the same deviance after each step.
#[test]
fn forward_stepwise_path_matches_r_step() {
    let a = fixture_study("lung-stepwise");
    let text = std::fs::read_to_string(common::reference_dir().join("stepwise/lung_stepwise.json"))
        .unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let selection = &a.results.regression.get("unmatched").unwrap().selection;
    let ours: Vec<String> = selection
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                if s.action == "entered" { "+" } else { "-" },
                s.variable
            )
        })
        .collect();
    // R's names: ph.ecog for our ph_ecog, sex for the treatment.
    let expected: Vec<String> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap()
                .replace("ph.ecog", "ph_ecog")
                .replace("sex", "treatment")
        })
        .collect();
    assert_eq!(ours, expected);
    let deviance = common::nums(&r["deviance"]);
    for (s, e) in selection.iter().zip(&deviance[1..]) {
        assert_close!(s.deviance.unwrap(), *e, TOL);
    }
}
