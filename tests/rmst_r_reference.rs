//! Restricted mean survival time and reverse-Kaplan-Meier follow-up against
//! R (tests/fixtures/r-reference/rmst/rmst.R: survRM2's definitions, which
//! equal survival's `summary(survfit, rmean = tau)`), at 1e-6 relative.

mod common;

use common::reference_dir;
use studybook::stats::kaplan_meier::{self, ConfType};
use studybook::stats::rmst;

fn fixture() -> serde_json::Value {
    let path = reference_dir().join("rmst/rmst.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn nums(v: &serde_json::Value) -> Vec<Option<f64>> {
    v.as_array().unwrap().iter().map(|x| x.as_f64()).collect()
}

/// (time, status, group) of a fixture case's data.
fn data(name: &str) -> (Vec<f64>, Vec<bool>, Vec<String>) {
    let (file, group, event) = if name.starts_with("lung") {
        ("lung", "sex", "2")
    } else {
        ("veteran", "trt", "1")
    };
    let csv = common::Csv::load(file);
    let time = csv.col("time").iter().map(|x| x.parse().unwrap()).collect();
    let status = csv.col("status").iter().map(|x| x == event).collect();
    (time, status, csv.col(group))
}

#[test]
fn rmst_and_follow_up_match_r() {
    let f = fixture();
    for c in f["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let (time, status, group) = data(name);
        let tau = c["tau"].as_f64().unwrap();
        let weights: Option<Vec<f64>> = c["weights"]
            .as_array()
            .map(|w| w.iter().map(|x| x.as_f64().unwrap()).collect());
        let mut per_group = Vec::new();
        for (k, g) in c["groups"].as_array().unwrap().iter().enumerate() {
            let g = g.as_f64().unwrap().to_string();
            let rows: Vec<usize> = (0..time.len()).filter(|&i| group[i] == g).collect();
            let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
            let e: Vec<bool> = rows.iter().map(|&i| status[i]).collect();
            let r = match &weights {
                None => {
                    let km = kaplan_meier::fit(&t, &e);
                    let f = |v: &[usize]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
                    rmst::rmst(&km.time, &km.surv, &f(&km.n_risk), &f(&km.n_event), tau)
                }
                Some(w) => {
                    let wg: Vec<f64> = rows.iter().map(|&i| w[i]).collect();
                    let km = kaplan_meier::fit_weighted(&t, &e, &wg, true);
                    // The infinitesimal-jackknife SE from survfit's influence.
                    let ij = kaplan_meier::rmst_se_ij(&t, &e, &wg, tau);
                    assert_close!(ij, nums(&c["ij_se"])[k].unwrap(), 1e-6);
                    rmst::rmst(&km.time, &km.surv, &km.n_risk, &km.n_event, tau)
                }
            };
            assert_close!(r.estimate, nums(&c["rmst"])[k].unwrap(), 1e-6);
            assert_close!(r.se, nums(&c["se"])[k].unwrap(), 1e-6);
            assert_close!(r.estimate, nums(&c["survival_rmean"])[k].unwrap(), 1e-6);
            // Follow-up: the reverse Kaplan-Meier median (censoring as the event).
            let reverse: Vec<bool> = e.iter().map(|x| !x).collect();
            let q = kaplan_meier::fit(&t, &reverse).quantiles(&[0.5], ConfType::Log, 0.95)[0];
            for (ours, key) in [
                (q.estimate, "followup_median"),
                (q.lower, "followup_lower"),
                (q.upper, "followup_upper"),
            ] {
                match nums(&c[key])[k] {
                    Some(x) => assert_close!(ours.unwrap(), x, 1e-6),
                    None => assert!(ours.is_none(), "{name} {key}: R has NA"),
                }
            }
            per_group.push(r);
        }
        let (a, b) = (&per_group[1], &per_group[0]);
        let d = rmst::difference(a, b, 0.95);
        let r = rmst::ratio(a, b, 0.95);
        let expected = nums(&c["contrast"]);
        for (ours, e) in [
            d.estimate, d.lower, d.upper, d.p, r.estimate, r.lower, r.upper, r.p,
        ]
        .iter()
        .zip(expected)
        {
            assert_close!(*ours, e.unwrap(), 1e-6);
        }
    }
}

// One event at t = 2 among 4 patients followed to 5: S = 1 on [0, 2) and
// 3/4 after, so RMST(4) = 2 + 0.75 x 2 = 3.5; the SE is A^2 d / (n (n - d))
// with A = 1.5: sqrt(2.25 / 12).
#[test]
fn rmst_of_one_event_by_hand() {
    let km = kaplan_meier::fit(&[2.0, 5.0, 5.0, 5.0], &[true, false, false, false]);
    let f = |v: &[usize]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let r = rmst::rmst(&km.time, &km.surv, &f(&km.n_risk), &f(&km.n_event), 4.0);
    assert_eq!(r.estimate, 3.5);
    assert_close!(r.se, (2.25f64 / 12.0).sqrt(), 1e-12);
    // Beyond the last time the curve stays flat: RMST(6) = 2 + 0.75 x 4.
    let r = rmst::rmst(&km.time, &km.surv, &f(&km.n_risk), &f(&km.n_event), 6.0);
    assert_eq!(r.estimate, 5.0);
}
