//! Competing risks against R (tests/fixtures/r-reference/competing/
//! competing.R, survival's mgus2: plasma-cell malignancy with death as the
//! competing event): Aalen-Johansen incidence with survfit's
//! infinitesimal-jackknife SE and log limits, at 1e-6 relative; and the
//! identities of the estimator.

mod common;

use common::reference_dir;
use studybook::stats::competing;
use studybook::stats::kaplan_meier::{self, ConfType, confidence_limits, z_value};

fn fixture() -> serde_json::Value {
    let path = reference_dir().join("competing/competing.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn nums(v: &serde_json::Value) -> Vec<Option<f64>> {
    v.as_array().unwrap().iter().map(|x| x.as_f64()).collect()
}

/// mgus2's (sex, time, cause).
fn mgus2() -> Vec<(String, f64, u8)> {
    let text = std::fs::read_to_string(reference_dir().join("competing/mgus2.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (sex, t, e) = (col("sex"), col("etime"), col("event"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[sex].to_string(),
                f[t].parse().unwrap(),
                f[e].parse().unwrap(),
            )
        })
        .collect()
}

/// mgus2's ages (in the order of [`mgus2`]).
fn ages() -> Vec<f64> {
    let text = std::fs::read_to_string(reference_dir().join("competing/mgus2.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect()
}

/// The causes coded for a test of cause `of`: 1 for it, 2 for the other, 0
/// censored.
fn tested(data: &[(String, f64, u8)], of: u8) -> Vec<u8> {
    data.iter()
        .map(|r| match r.2 {
            0 => 0,
            c if c == of => 1,
            _ => 2,
        })
        .collect()
}

#[test]
fn aalen_johansen_matches_survfit() {
    let f = fixture();
    let data = mgus2();
    for sex in ["F", "M"] {
        let rows: Vec<&(String, f64, u8)> = data.iter().filter(|r| r.0 == sex).collect();
        let time: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let cause: Vec<u8> = rows.iter().map(|r| r.2).collect();
        let ci = competing::aalen_johansen(&time, &cause, 2);
        let r = &f["cif"][sex];
        assert_eq!(
            ci.time,
            nums(&r["time"]).into_iter().flatten().collect::<Vec<f64>>()
        );
        for (key, j) in [("pcm", 0), ("death", 1)] {
            for (a, b) in ci.cif[j].iter().zip(nums(&r[key])) {
                assert_close!(*a, b.unwrap(), 1e-6);
            }
            for (a, b) in ci.std_err[j]
                .iter()
                .zip(nums(&r[format!("se_{key}").as_str()]))
            {
                assert_close!(*a, b.unwrap(), 1e-6);
            }
        }
        // survfit's log limits of the incidence (se / F on the log scale).
        let z = z_value(0.95);
        for (i, (lo, hi)) in nums(&r["lower_pcm"])
            .iter()
            .zip(nums(&r["upper_pcm"]))
            .enumerate()
        {
            let (p, se) = (ci.cif[0][i], ci.std_err[0][i]);
            let (l, u) = confidence_limits(p, (p > 0.0).then(|| se / p), ConfType::Log, z);
            match lo {
                Some(lo) => assert_close!(l.unwrap(), *lo, 1e-6),
                None => assert!(l.is_none()),
            }
            if let Some(hi) = hi {
                assert_close!(u.unwrap(), hi, 1e-6);
            }
        }
    }
}

// Without competing events the incidence is 1 - KM, and its SE is the
// Kaplan-Meier curve's infinitesimal-jackknife SE (unit weights, robust).
#[test]
fn without_competing_events_the_incidence_is_one_minus_km() {
    let data = mgus2();
    let time: Vec<f64> = data.iter().map(|r| r.1).collect();
    let cause: Vec<u8> = data.iter().map(|r| u8::from(r.2 > 0)).collect();
    let ci = competing::aalen_johansen(&time, &cause, 1);
    let event: Vec<bool> = cause.iter().map(|&c| c == 1).collect();
    let km = kaplan_meier::fit_weighted(&time, &event, &vec![1.0; time.len()], true);
    for i in 0..km.time.len() {
        assert_close!(ci.cif[0][i], 1.0 - km.surv[i], 1e-12, 1.0);
        assert_close!(ci.std_err[0][i], km.std_err[i].unwrap(), 1e-9, 1e-12);
    }
}

// The incidences of all causes and the all-cause survival sum to 1.
#[test]
fn incidences_and_survival_sum_to_one() {
    let data = mgus2();
    let time: Vec<f64> = data.iter().map(|r| r.1).collect();
    let cause: Vec<u8> = data.iter().map(|r| r.2).collect();
    let ci = competing::aalen_johansen(&time, &cause, 2);
    for i in 0..ci.time.len() {
        assert_close!(ci.cif[0][i] + ci.cif[1][i] + ci.surv[i], 1.0, 1e-12);
    }
}

// The mgus2 fixture study (event-values, censor-values, competing-values):
// its incidence curves and landmark incidences equal survfit's, its
// treatment hazard ratio is R's cause-specific one, its Fine-Gray model
// crr's, its Gray's test cuminc's, its time lost survfit's rmean.
#[test]
fn pipeline_competing_endpoint_matches_r() {
    let f = fixture();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/studies/mgus2/study.toml");
    let a = studybook::pipeline::analyse(&path).unwrap();
    let surv = a.results.survival.get("unmatched").unwrap();
    // The restricted mean time lost to PCM by 120 months (rmst-tau).
    let r = &surv.rmst[0];
    assert_eq!((r.measure.as_str(), r.tau), ("lost", 120.0));
    for g in &r.groups {
        let e = &f["rmtl"][g.group.as_str()];
        assert_close!(g.rmst, e["pcm"].as_f64().unwrap(), 1e-6);
        assert_close!(g.se, e["se_pcm"].as_f64().unwrap(), 1e-6);
    }
    for c in &surv.cif {
        let r = &f["cif"][c.group.as_str()];
        let (time, pcm) = (nums(&r["time"]), nums(&r["pcm"]));
        for (a, b) in c.incidence.iter().zip(&pcm) {
            assert_close!(*a, b.unwrap(), 1e-6);
        }
        for l in &c.landmarks {
            let k = time.partition_point(|t| t.unwrap() <= l.time);
            assert_close!(l.incidence, pcm[k - 1].unwrap(), 1e-6);
        }
    }
    assert_eq!(surv.cox[0].model, "cause-specific");
    // Gray's test of PCM and of death by sex: cuminc's.
    let g = &surv.gray[0];
    assert_close!(g.statistic, nums(&f["gray"]["stat"])[0].unwrap(), 1e-6);
    assert_close!(
        g.competing_p.unwrap(),
        nums(&f["gray"]["p"])[1].unwrap(),
        1e-6
    );
    // The Fine-Gray model of sex alone: cmprsk::crr.
    let fg = &surv.fine_gray[0].terms[0];
    let r = &f["crr_sex"];
    assert_close!(fg.coef, r["coef"].as_f64().unwrap(), 1e-6);
    assert_close!(fg.se, r["se"].as_f64().unwrap(), 1e-6);
    assert_eq!(
        surv.cause_specific[0].terms[0].coef,
        surv.cox[0].terms[0].coef
    );
    let hr = &surv.cox[0].terms[0];
    let cs = &f["cause_specific_sex"];
    assert_close!(hr.coef, cs["coef"].as_f64().unwrap(), 1e-6);
    assert_close!(hr.se, cs["se"].as_f64().unwrap(), 1e-6);
}

// With case weights: survfit(..., weights = w)'s multi-state incidence and
// its infinitesimal-jackknife SE.
#[test]
fn weighted_aalen_johansen_matches_survfit() {
    let f = fixture();
    let data = mgus2();
    let w: Vec<f64> = nums(&f["weights"]).into_iter().flatten().collect();
    for sex in ["F", "M"] {
        let rows: Vec<usize> = (0..data.len()).filter(|&i| data[i].0 == sex).collect();
        let time: Vec<f64> = rows.iter().map(|&i| data[i].1).collect();
        let cause: Vec<u8> = rows.iter().map(|&i| data[i].2).collect();
        let wg: Vec<f64> = rows.iter().map(|&i| w[i]).collect();
        let ci = competing::aalen_johansen_weighted(&time, &cause, 2, Some(&wg));
        let r = &f["cif_weighted"][sex];
        for (key, j) in [("pcm", 0), ("death", 1)] {
            for (a, b) in ci.cif[j].iter().zip(nums(&r[key])) {
                assert_close!(*a, b.unwrap(), 1e-6);
            }
            for (a, b) in ci.std_err[j]
                .iter()
                .zip(nums(&r[format!("se_{key}").as_str()]))
            {
                assert_close!(*a, b.unwrap(), 1e-6);
            }
        }
    }
}

// cmprsk::crr on mgus2 (PCM, male and age): coefficients and Fine and
// Gray's sandwich SEs.
#[test]
fn fine_gray_matches_crr() {
    let f = fixture();
    let data = mgus2();
    let age = ages();
    let time: Vec<f64> = data.iter().map(|r| r.1).collect();
    let cause: Vec<u8> = data.iter().map(|r| r.2).collect();
    let male: Vec<f64> = data
        .iter()
        .map(|r| f64::from(u8::from(r.0 == "M")))
        .collect();
    let fit = studybook::stats::fine_gray::fit(&time, &cause, &[male, age]).unwrap();
    assert!(fit.converged);
    let r = &f["crr"];
    for k in 0..2 {
        assert_close!(fit.coef[k], nums(&r["coef"])[k].unwrap(), 1e-6);
        assert_close!(fit.se[k], nums(&r["se"])[k].unwrap(), 1e-6);
    }
}

// Gray's test of each cause by sex: cmprsk::cuminc's Tests.
#[test]
fn gray_test_matches_cuminc() {
    let f = fixture();
    let data = mgus2();
    let time: Vec<f64> = data.iter().map(|r| r.1).collect();
    let group: Vec<usize> = data.iter().map(|r| usize::from(r.0 == "M")).collect();
    let r = &f["gray"];
    for (k, of) in [1u8, 2].into_iter().enumerate() {
        let cause = tested(&data, of);
        let t = studybook::stats::gray::test(&time, &cause, &group, 2).unwrap();
        assert_close!(t.statistic, nums(&r["stat"])[k].unwrap(), 1e-6);
        assert_close!(t.p, nums(&r["p"])[k].unwrap(), 1e-6);
        assert_eq!(t.df, 1);
    }
}

// Three groups (age < 60, 60-75, > 75; cut as R's right-closed cut): a
// chi-square with 2 degrees of freedom.
#[test]
fn gray_test_of_three_groups_matches_cuminc() {
    let f = fixture();
    let data = mgus2();
    let age = ages();
    let time: Vec<f64> = data.iter().map(|r| r.1).collect();
    let group: Vec<usize> = age
        .iter()
        .map(|&a| usize::from(a > 60.0) + usize::from(a > 75.0))
        .collect();
    let r = &f["gray_age3"];
    for (k, of) in [1u8, 2].into_iter().enumerate() {
        let cause = tested(&data, of);
        let t = studybook::stats::gray::test(&time, &cause, &group, 3).unwrap();
        assert_eq!(t.df, 2);
        assert_close!(t.statistic, nums(&r["stat"])[k].unwrap(), 1e-6);
        // R computes 1 - pchisq, which rounds a p below 1e-16 to 0 (death
        // by age: statistic 271); ours is the upper tail itself.
        assert_close!(t.p, nums(&r["p"])[k].unwrap(), 1e-6, 1e-16);
    }
}

// The restricted mean time lost to each cause by 120 months: survfit's
// rmean of the state, and the IJ SE of its influence integrated to 120.
#[test]
fn restricted_mean_time_lost_matches_survfit() {
    let f = fixture();
    let data = mgus2();
    for sex in ["F", "M"] {
        let rows: Vec<&(String, f64, u8)> = data.iter().filter(|r| r.0 == sex).collect();
        let time: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let cause: Vec<u8> = rows.iter().map(|r| r.2).collect();
        let r = &f["rmtl"][sex];
        for (j, key) in [(1, "pcm"), (2, "death")] {
            let (est, se) = competing::restricted_mean_lost(&time, &cause, 2, j, 120.0, None);
            assert_close!(est, r[key].as_f64().unwrap(), 1e-6);
            assert_close!(se, r[format!("se_{key}").as_str()].as_f64().unwrap(), 1e-6);
        }
    }
}
