//! Kaplan-Meier curves, confidence limits, quantiles and landmark rates
//! against R's survfit on lung and veteran (1e-6 relative).

mod common;

use common::{Csv, reference};
use serde_json::Value;
use studybook::stats::kaplan_meier::{self, ConfType};

const TOL: f64 = 1e-6;

fn opt(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn close_opt(a: Option<f64>, e: Option<f64>, what: &str) {
    match (a, e) {
        (Some(a), Some(e)) => {
            if e == 0.0 {
                assert!(a.abs() < 1e-12, "{what}: {a} vs 0");
            } else {
                assert_close!(a, e, TOL);
            }
        }
        (None, None) => {}
        _ => panic!("{what}: {a:?} vs {e:?}"),
    }
}

/// (time, event) per stratum value of `by` ("" = one curve), as R reads the CSV.
fn data(name: &str, by: Option<&str>) -> Vec<(String, Vec<f64>, Vec<bool>)> {
    let csv = Csv::load(name);
    let time: Vec<f64> = csv.col("time").iter().map(|v| v.parse().unwrap()).collect();
    let status: Vec<f64> = csv
        .col("status")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    // lung codes 1 = censored, 2 = dead; veteran 0/1.
    let event: Vec<bool> = status
        .iter()
        .map(|&s| if name == "lung" { s == 2.0 } else { s == 1.0 })
        .collect();
    let keys: Vec<String> = match by {
        Some(col) => csv.col(col),
        None => vec![String::new(); time.len()],
    };
    let mut levels: Vec<String> = keys
        .iter()
        .filter(|k| !k.is_empty() && *k != "NA")
        .cloned()
        .collect();
    levels.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    });
    levels.dedup();
    if by.is_none() {
        levels = vec![String::new()];
    }
    levels
        .into_iter()
        .map(|l| {
            let idx: Vec<usize> = (0..time.len()).filter(|&i| keys[i] == l).collect();
            (
                l,
                idx.iter().map(|&i| time[i]).collect(),
                idx.iter().map(|&i| event[i]).collect(),
            )
        })
        .collect()
}

fn check_km(name: &str, key: &str, by: Option<&str>) {
    let json = reference(name);
    let rec = &json["results"][key];
    let mut strata = data(name, by);
    if by == Some("celltype") {
        // veteran's data_prep sets the factor levels in this order.
        let order = ["squamous", "smallcell", "adeno", "large"];
        strata.sort_by_key(|(l, _, _)| order.iter().position(|o| o == l));
    }
    // Full table: every distinct time, stratum after stratum.
    let ft = &rec["full_table"];
    let mut row = 0;
    for (_, time, event) in &strata {
        let km = kaplan_meier::fit(time, event);
        let limits: Vec<(ConfType, &str)> = vec![
            (ConfType::Log, "log"),
            (ConfType::LogLog, "log-log"),
            (ConfType::Plain, "plain"),
        ];
        let lims: Vec<_> = limits
            .iter()
            .map(|(c, n)| (km.limits(*c, 0.95), *n))
            .collect();
        for i in 0..km.time.len() {
            let r = row + i;
            assert_close!(km.time[i], ft["time"][r].as_f64().unwrap(), TOL);
            assert_eq!(km.n_risk[i] as u64, ft["n.risk"][r].as_u64().unwrap());
            assert_eq!(km.n_event[i] as u64, ft["n.event"][r].as_u64().unwrap());
            assert_eq!(km.n_censor[i] as u64, ft["n.censor"][r].as_u64().unwrap());
            close_opt(Some(km.surv[i]), opt(&ft["surv"][r]), "surv");
            close_opt(km.std_err[i], opt(&ft["std.err"][r]), "std.err");
            close_opt(Some(km.cumhaz[i]), opt(&ft["cumhaz"][r]), "cumhaz");
            close_opt(Some(km.std_chaz[i]), opt(&ft["std.chaz"][r]), "std.chaz");
            for ((lo, up), n) in &lims {
                close_opt(
                    lo[i],
                    opt(&ft["lower"][n][r]),
                    &format!("{key} lower {n} row {r}"),
                );
                close_opt(
                    up[i],
                    opt(&ft["upper"][n][r]),
                    &format!("{key} upper {n} row {r}"),
                );
            }
        }
        row += km.time.len();
    }
    assert_eq!(row, ft["time"].as_array().unwrap().len());
    // Quantiles and landmarks per confidence type.
    for (conf, n) in [
        (ConfType::Log, "log"),
        (ConfType::LogLog, "log-log"),
        (ConfType::Plain, "plain"),
    ] {
        let q = &rec["quantile"][n];
        let probs: Vec<f64> = q["probs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let lm = &rec["landmarks"]["extend_TRUE"][n];
        let times: Vec<f64> = rec["landmarks"]["times"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for (s, (_, time, event)) in strata.iter().enumerate() {
            let km = kaplan_meier::fit(time, event);
            let pick = |v: &Value, j: usize| v[s][j].clone();
            for (j, got) in km.quantiles(&probs, conf, 0.95).iter().enumerate() {
                close_opt(
                    got.estimate,
                    opt(&pick(&q["quantile"], j)),
                    &format!("{key} q{} {n}", probs[j]),
                );
                close_opt(
                    got.lower,
                    opt(&pick(&q["lower"], j)),
                    &format!("{key} q{} lower {n}", probs[j]),
                );
                close_opt(
                    got.upper,
                    opt(&pick(&q["upper"], j)),
                    &format!("{key} q{} upper {n}", probs[j]),
                );
            }
            for (j, &t) in times.iter().enumerate() {
                let r = s * times.len() + j;
                let a = km.at(t, conf, 0.95);
                assert_eq!(a.n_risk as u64, lm["n.risk"][r].as_u64().unwrap());
                close_opt(Some(a.surv), opt(&lm["surv"][r]), "landmark surv");
                close_opt(a.std_err, opt(&lm["std.err"][r]), "landmark se");
                close_opt(
                    a.lower,
                    opt(&lm["lower"][r]),
                    &format!("{key} landmark lower {n} t={t}"),
                );
                close_opt(
                    a.upper,
                    opt(&lm["upper"][r]),
                    &format!("{key} landmark upper {n} t={t}"),
                );
            }
        }
    }
}

// lung: one curve, by sex, by ph.ecog (which has a missing value).
#[test]
fn lung_kaplan_meier_matches_r() {
    check_km("lung", "km_os_overall", None);
    check_km("lung", "km_os_by_sex", Some("sex"));
    check_km("lung", "km_os_by_ph.ecog", Some("ph.ecog"));
}

// veteran: one curve, by treatment and by cell type (4 groups).
#[test]
fn veteran_kaplan_meier_matches_r() {
    check_km("veteran", "km_os_overall", None);
    check_km("veteran", "km_os_by_trt", Some("trt"));
    check_km("veteran", "km_os_by_celltype", Some("celltype"));
}

fn check_log_rank(name: &str, key: &str, by: &str) {
    let json = reference(name);
    let rec = &json["results"][key];
    let rho = if rec["call"].as_str().unwrap().contains("rho = 1") {
        1.0
    } else {
        0.0
    };
    let mut strata = data(name, Some(by));
    if by == "celltype" {
        // veteran's data_prep sets the factor levels in this order.
        let order = ["squamous", "smallcell", "adeno", "large"];
        strata.sort_by_key(|(l, _, _)| order.iter().position(|o| o == l));
    }
    let (mut time, mut event, mut group) = (Vec::new(), Vec::new(), Vec::new());
    for (g, (_, t, e)) in strata.iter().enumerate() {
        time.extend(t);
        event.extend(e);
        group.extend(std::iter::repeat_n(g, t.len()));
    }
    let lr = studybook::stats::log_rank::test(&time, &event, &group, strata.len(), None, rho);
    for g in 0..strata.len() {
        assert_close!(lr.observed[g], rec["obs"][g].as_f64().unwrap(), TOL);
        assert_close!(lr.expected[g], rec["exp"][g].as_f64().unwrap(), TOL);
        for h in 0..strata.len() {
            assert_close!(
                lr.variance[g][h],
                rec["var"]["rows"][g][h].as_f64().unwrap(),
                TOL
            );
        }
    }
    assert_close!(lr.chisq, rec["chisq"].as_f64().unwrap(), TOL);
    assert_eq!(lr.df as u64, rec["df"].as_u64().unwrap());
    assert_close!(lr.p.unwrap(), rec["p"].as_f64().unwrap(), TOL);
}

// survdiff: log-rank and Peto-Peto by sex, log-rank by ph.ecog (4 groups,
// one of a single patient), veteran by trt and by celltype.
#[test]
fn log_rank_matches_r() {
    check_log_rank("lung", "logrank_os_by_sex", "sex");
    check_log_rank("lung", "peto_os_by_sex", "sex");
    check_log_rank("lung", "logrank_os_by_ph.ecog", "ph.ecog");
    check_log_rank("veteran", "logrank_os_by_trt", "trt");
    check_log_rank("veteran", "peto_os_by_trt", "trt");
    check_log_rank("veteran", "logrank_os_by_celltype", "celltype");
}
