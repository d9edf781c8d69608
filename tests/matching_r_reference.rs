//! Propensity model and nearest-neighbour matching against R on lalonde:
//! `glm(binomial)` to 1e-6 relative, and MatchIt's matched pairs exactly for
//! every case (ratio 1 and 2, orders largest/smallest/data, links logit and
//! linear.logit, with and without caliper).

mod common;

use common::{Csv, nums, reference};
use studybook::stats::{describe, logistic, matching};

const TOL: f64 = 1e-6;

/// lalonde's design for `treat ~ age + educ + race + married + nodegree + re74 + re75`
/// with race as treatment contrasts against "black".
fn design() -> (Vec<Vec<f64>>, Vec<f64>) {
    let csv = Csv::load("lalonde");
    let num = |c: &str| -> Vec<f64> { csv.col(c).iter().map(|v| v.parse().unwrap()).collect() };
    let race = csv.col("race");
    let dummy =
        |l: &str| -> Vec<f64> { race.iter().map(|r| f64::from(u8::from(r == l))).collect() };
    let n = csv.rows.len();
    let columns = vec![
        vec![1.0; n],
        num("age"),
        num("educ"),
        dummy("hispan"),
        dummy("white"),
        num("married"),
        num("nodegree"),
        num("re74"),
        num("re75"),
    ];
    (columns, num("treat"))
}

// Coefficients, SEs, z, p, deviances and fitted values equal R's glm.
#[test]
fn propensity_glm_matches_r() {
    let json = reference("lalonde");
    let rec = &json["results"]["ps_glm"];
    let (x, y) = design();
    let fit = logistic::fit(&x, &y).unwrap();
    assert!(fit.converged && !fit.separation);
    assert_eq!(fit.iterations as u64, rec["iter"].as_u64().unwrap());
    for (key, ours) in [
        ("coef", &fit.coef),
        ("se", &fit.se),
        ("z", &fit.z),
        ("p", &fit.p),
    ] {
        for (a, e) in ours.iter().zip(nums(&rec[key])) {
            assert_close!(*a, e, TOL);
        }
    }
    assert_close!(fit.deviance, rec["deviance"].as_f64().unwrap(), TOL);
    assert_close!(
        fit.null_deviance,
        rec["null.deviance"].as_f64().unwrap(),
        TOL
    );
    for (a, e) in fit.fitted.iter().zip(nums(&rec["fitted_ps"])) {
        assert_close!(*a, e, TOL);
    }
    for (a, e) in fit
        .linear_predictor
        .iter()
        .zip(nums(&rec["linear_predictor"]))
    {
        assert_close!(*a, e, TOL);
    }
}

fn arg<'a>(call: &'a str, key: &str) -> Option<&'a str> {
    let i = call.find(&format!("{key} = "))? + key.len() + 3;
    let rest = &call[i..];
    let end = rest.find([',', ')']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"'))
}

// Every MatchIt case of the reference: same caliper width, same matched
// set, same controls in the same rounds.
#[test]
fn nearest_neighbour_pairs_match_matchit() {
    let json = reference("lalonde");
    let (x, y) = design();
    let fit = logistic::fit(&x, &y).unwrap();
    let focal: Vec<bool> = y.iter().map(|&t| t == 1.0).collect();
    let mut cases = 0;
    for (key, rec) in json["results"].as_object().unwrap() {
        if !key.starts_with("matchit_") {
            continue;
        }
        let call = rec["call"].as_str().unwrap();
        let ratio: usize = arg(call, "ratio").map_or(1, |r| r.parse().unwrap());
        let distance = if arg(call, "link") == Some("linear.logit") {
            &fit.linear_predictor
        } else {
            &fit.fitted
        };
        let order = match arg(call, "m.order") {
            Some("smallest") => matching::MatchOrder::Smallest,
            Some("data") => matching::MatchOrder::Data,
            _ => matching::MatchOrder::Largest,
        };
        let caliper = arg(call, "caliper")
            .map(|c| c.parse::<f64>().unwrap() * describe::sd(distance).unwrap());
        if let Some(width) = caliper {
            assert_close!(width, rec["caliper"].as_f64().unwrap(), TOL);
        }
        let opts = matching::NearestOptions {
            ratio,
            caliper,
            replace: false,
        };
        let processing = matching::processing_order(distance, &focal, order);
        let got = matching::nearest(distance, &focal, &processing, opts);
        // Expected: [treated row, control rows...] (1-based); ratio 2 uses the
        // intended rule without MatchIt 4.5.1's off-by-one skip.
        let expected: Vec<Vec<u64>> = if ratio > 1 {
            let map = rec["pairs_reimplementation_no_quirk"]["pairs"]
                .as_object()
                .unwrap();
            let mut v: Vec<Vec<u64>> = map
                .values()
                .map(|p| {
                    p.as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_u64().unwrap())
                        .collect()
                })
                .collect();
            v.sort();
            v
        } else {
            rec["pairs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    p.as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_u64().unwrap())
                        .collect()
                })
                .collect()
        };
        let mut ours: Vec<Vec<u64>> = got
            .iter()
            .enumerate()
            .filter(|(i, m)| focal[*i] && !m.is_empty())
            .map(|(i, m)| {
                std::iter::once(i as u64 + 1)
                    .chain(m.iter().map(|c| *c as u64 + 1))
                    .collect()
            })
            .collect();
        ours.sort();
        assert_eq!(ours, expected, "{key}");
        assert_eq!(
            ours.len() as u64,
            rec["n_treated_matched"].as_u64().unwrap(),
            "{key}"
        );
        cases += 1;
    }
    assert_eq!(cases, 14);
}
