//! Cox models against R's coxph on lung and veteran (1e-6 relative):
//! univariable and multivariable, Efron and Breslow ties, a factor as
//! treatment contrasts, and a stratified model.

mod common;

use common::{Csv, nums, reference};
use studybook::stats::cox::{self, Ties};

const TOL: f64 = 1e-6;

/// (time, event, covariate columns, strata) of a model's complete cases.
type Design = (Vec<f64>, Vec<bool>, Vec<Vec<f64>>, Option<Vec<usize>>);

/// Design for `terms` on complete cases of `vars` (formula variables);
/// `celltype<level>` terms are dummies against "squamous".
fn design(
    csv: &Csv,
    name: &str,
    vars: &[&str],
    terms: &[String],
    strata_var: Option<&str>,
) -> Design {
    let cols: Vec<Vec<String>> = vars.iter().map(|v| csv.col(v)).collect();
    let rows: Vec<usize> = (0..csv.rows.len())
        .filter(|&i| cols.iter().all(|c| !c[i].is_empty() && c[i] != "NA"))
        .collect();
    let time: Vec<f64> = rows
        .iter()
        .map(|&i| csv.col("time")[i].parse().unwrap())
        .collect();
    let status = csv.col("status");
    let event: Vec<bool> = rows
        .iter()
        .map(|&i| {
            if name == "lung" {
                status[i] == "2"
            } else {
                status[i] == "1"
            }
        })
        .collect();
    let columns = terms
        .iter()
        .map(|t| match t.strip_prefix("celltype") {
            Some(level) => {
                let c = csv.col("celltype");
                rows.iter()
                    .map(|&i| f64::from(u8::from(c[i] == level)))
                    .collect()
            }
            None => {
                let c = csv.col(t);
                rows.iter().map(|&i| c[i].parse().unwrap()).collect()
            }
        })
        .collect();
    let strata = strata_var.map(|s| {
        let c = csv.col(s);
        rows.iter()
            .map(|&i| c[i].parse::<usize>().unwrap())
            .collect()
    });
    (time, event, columns, strata)
}

/// Cluster ids (by value) of the complete-case rows.
fn cluster_ids(csv: &Csv, vars: &[&str], cluster: &str) -> Vec<usize> {
    let cols: Vec<Vec<String>> = vars.iter().map(|v| csv.col(v)).collect();
    let c = csv.col(cluster);
    (0..csv.rows.len())
        .filter(|&i| cols.iter().all(|col| !col[i].is_empty() && col[i] != "NA"))
        .map(|i| c[i].parse::<f64>().unwrap() as usize)
        .collect()
}

fn check(name: &str) -> usize {
    let json = reference(name);
    let csv = Csv::load(name);
    check_records(name, &json, &csv, "cox_os_")
}

/// veteran's matched data `md = match.data(m)`: the matched rows, with
/// `trt01 = (trt == 2)` and the pair number `subclass`.
fn matched_veteran(json: &serde_json::Value) -> Csv {
    let csv = Csv::load("veteran");
    let md = &json["results"]["psm_trt_matched_data"];
    let mut header = csv.header.clone();
    header.extend(["trt01".to_string(), "subclass".to_string()]);
    let trt = header.iter().position(|h| h == "trt").unwrap();
    let rows = md["rows"]
        .as_array()
        .unwrap()
        .iter()
        .zip(md["subclass"].as_array().unwrap())
        .map(|(r, s)| {
            let mut row = csv.rows[r.as_u64().unwrap() as usize - 1].clone();
            row.push(if row[trt] == "2" {
                "1".into()
            } else {
                "0".into()
            });
            row.push(s.as_u64().unwrap().to_string());
            row
        })
        .collect();
    Csv { header, rows }
}

fn check_records(name: &str, json: &serde_json::Value, csv: &Csv, prefix: &str) -> usize {
    let csv = csv.clone();
    let mut checked = 0;
    for (key, rec) in json["results"].as_object().unwrap() {
        if !key.starts_with(prefix) {
            continue;
        }
        let call = rec["call"].as_str().unwrap();
        let formula = call
            .split('~')
            .nth(1)
            .unwrap()
            .split(", data")
            .next()
            .unwrap();
        let mut vars: Vec<&str> = formula.split('+').map(str::trim).collect();
        let cluster_var = vars
            .iter()
            .find_map(|v| v.strip_prefix("cluster(").map(|s| s.trim_end_matches(')')));
        vars.retain(|v| !v.starts_with("cluster("));
        if let Some(c) = cluster_var {
            vars.push(c);
        }
        let strata_var = vars
            .iter()
            .find_map(|v| v.strip_prefix("strata(").map(|s| s.trim_end_matches(')')));
        vars.retain(|v| !v.starts_with("strata("));
        if let Some(s) = strata_var {
            vars.push(s);
        }
        let terms: Vec<String> = rec["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        let ties = if rec["ties"] == "breslow" {
            Ties::Breslow
        } else {
            Ties::Efron
        };
        let (time, event, columns, strata) = design(&csv, name, &vars, &terms, strata_var);
        #[allow(unused_mut)]
        let mut fit = cox::fit(&time, &event, &columns, strata.as_deref(), ties).unwrap();
        let robust = cluster_var.is_some() || call.contains("robust = TRUE");
        if robust {
            // R reports the sandwich variance in fit$var and the model-based one in naive_var.
            for (a, row) in fit
                .var
                .iter()
                .zip(rec["naive_var"]["rows"].as_array().unwrap())
            {
                for (x, e) in a.iter().zip(nums(row)) {
                    assert_close!(*x, e, TOL);
                }
            }
            let cluster: Vec<usize> = match cluster_var {
                Some(c) => cluster_ids(&csv, &vars, c),
                None => (0..time.len()).collect(),
            };
            let v = cox::robust_variance(
                &time,
                &event,
                &columns,
                strata.as_deref(),
                ties,
                &fit,
                &cluster,
            );
            fit = fit.with_robust_variance(v);
            for (a, e) in fit
                .robust_se
                .as_ref()
                .unwrap()
                .iter()
                .zip(nums(&rec["robust_se"]))
            {
                assert_close!(*a, e, TOL);
            }
        }
        assert!(fit.converged, "{key}");
        assert_eq!(fit.n as u64, rec["n"].as_u64().unwrap(), "{key}");
        assert_eq!(fit.events as u64, rec["nevent"].as_u64().unwrap(), "{key}");
        assert_eq!(
            fit.iterations as u64,
            rec["iter"].as_u64().unwrap(),
            "{key} iterations"
        );
        for (field, ours) in [
            ("coef", &fit.coef),
            ("se", &fit.se),
            ("z", &fit.z),
            ("p", &fit.p),
        ] {
            for (a, e) in ours.iter().zip(nums(&rec[field])) {
                assert_close!(*a, e, TOL);
            }
        }
        for (a, row) in fit.var.iter().zip(rec["var"]["rows"].as_array().unwrap()) {
            // fit$var: the robust variance when one was asked for.
            for (x, e) in a.iter().zip(nums(row)) {
                assert_close!(*x, e, TOL);
            }
        }
        assert_close!(fit.loglik_null, rec["loglik_null"].as_f64().unwrap(), TOL);
        assert_close!(fit.loglik, rec["loglik_final"].as_f64().unwrap(), TOL);
        for (test, ours) in [
            ("lr_test", fit.lr_test),
            ("wald_test", fit.wald_test),
            ("score_test", fit.score_test),
        ] {
            assert_close!(ours.statistic, rec[test]["test"].as_f64().unwrap(), TOL);
            assert_close!(ours.p, rec[test]["pvalue"].as_f64().unwrap(), TOL);
            assert_eq!(ours.df as u64, rec[test]["df"].as_u64().unwrap());
        }
        assert!(fit.infinite.is_empty(), "{key}");
        // Concordance of the linear predictor (within strata; clustered SE
        // when the model has a cluster term).
        let lp: Vec<f64> = (0..time.len())
            .map(|i| columns.iter().zip(&fit.coef).map(|(c, b)| c[i] * b).sum())
            .collect();
        let cluster = cluster_var.map(|c| cluster_ids(&csv, &vars, c));
        let cc = studybook::stats::concordance::concordance(
            &time,
            &event,
            &lp,
            strata.as_deref(),
            cluster.as_deref(),
        );
        let rc = &rec["concordance"];
        assert_eq!(
            cc.concordant,
            rc["concordant"].as_f64().unwrap(),
            "{key} concordant"
        );
        assert_eq!(
            cc.discordant,
            rc["discordant"].as_f64().unwrap(),
            "{key} discordant"
        );
        assert_eq!(cc.tied_x, rc["tied.x"].as_f64().unwrap(), "{key} tied.x");
        assert_eq!(cc.tied_y, rc["tied.y"].as_f64().unwrap(), "{key} tied.y");
        assert_eq!(cc.tied_xy, rc["tied.xy"].as_f64().unwrap(), "{key} tied.xy");
        assert_close!(cc.concordance, rc["concordance"].as_f64().unwrap(), TOL);
        assert_close!(cc.std, rc["std"].as_f64().unwrap(), TOL);
        checked += 1;
    }
    checked
}

// lung: 7 univariable x 2 ties, 3- and 6-covariate models x 2 ties,
// strata(sex), and the robust variance with cluster(inst) (Efron, Breslow)
// and robust = TRUE.
#[test]
fn lung_cox_matches_r() {
    assert_eq!(check("lung"), 22);
}

// veteran after matching (match.data): treatment alone (Efron, Breslow),
// with cluster(subclass), and the full model with cluster(subclass).
#[test]
fn veteran_matched_cox_matches_r() {
    let json = reference("veteran");
    let md = matched_veteran(&json);
    assert_eq!(check_records("veteran", &json, &md, "psm_trt_cox_"), 4);
}

// veteran: 6 univariable x 2 ties (celltype as 3 dummies), full model x 2
// ties, and robust = TRUE.
#[test]
fn veteran_cox_matches_r() {
    assert_eq!(check("veteran"), 15);
}

/// Every `zph_*` record: cox.zph per term and GLOBAL.
fn check_zph(name: &str) -> usize {
    let json = reference(name);
    let csv = Csv::load(name);
    let mut checked = 0;
    for (key, rec) in json["results"].as_object().unwrap() {
        if !key.starts_with("zph_") {
            continue;
        }
        let call = rec["call"].as_str().unwrap();
        let transform = if call.contains("\"identity\"") {
            cox::ZphTransform::Identity
        } else if call.contains("\"rank\"") {
            cox::ZphTransform::Rank
        } else {
            cox::ZphTransform::Km
        };
        let ties = if call.contains("\"breslow\"") {
            Ties::Breslow
        } else {
            Ties::Efron
        };
        let formula = call
            .split('~')
            .nth(1)
            .unwrap()
            .split(", data")
            .next()
            .unwrap();
        let vars: Vec<&str> = formula.split('+').map(str::trim).collect();
        // Design columns and the term each belongs to (celltype: 3 dummies).
        let mut terms_cols: Vec<String> = Vec::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for v in &vars {
            if *v == "celltype" {
                let start = terms_cols.len();
                terms_cols.extend(
                    ["celltypesmallcell", "celltypeadeno", "celltypelarge"].map(String::from),
                );
                groups.push((start..start + 3).collect());
            } else {
                groups.push(vec![terms_cols.len()]);
                terms_cols.push(v.to_string());
            }
        }
        let (time, event, columns, _) = design(&csv, name, &vars, &terms_cols, None);
        let fit = cox::fit(&time, &event, &columns, None, ties).unwrap();
        let z = cox::zph(
            &time, &event, &columns, None, ties, &fit, transform, &groups,
        )
        .unwrap();
        let chisq = nums(&rec["chisq"]);
        let p = nums(&rec["p"]);
        for (k, t) in z.terms.iter().chain(std::iter::once(&z.global)).enumerate() {
            assert_close!(t.statistic, chisq[k], TOL);
            assert_close!(t.p, p[k], TOL);
            assert_eq!(t.df as u64, rec["df"][k].as_u64().unwrap(), "{key}");
        }
        checked += 1;
    }
    checked
}

// cox.zph on lung (km, identity, rank; Efron and Breslow) and veteran
// (celltype as one 3-df term).
#[test]
fn cox_zph_matches_r() {
    assert_eq!(check_zph("lung"), 4);
    assert_eq!(check_zph("veteran"), 4);
}
