//! The twin cohort's survival reproduces the paper's: Kaplan-Meier rates
//! near the published ones, and the published risk factors with hazard
//! ratios inside the published 95% confidence intervals.

use std::path::Path;
use studybook::cohort::Values;
use studybook::pipeline;
use studybook::stats::cox;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// Every unmatched 1-, 3-, 5- and 10-year rate of OS, PFS, EPFS and PPS in
// both groups is within 3 percentage points of the published one.
#[test]
fn twin_rates_match_published_rates() {
    let a = pipeline::analyse(&root().join("reports/tace-downstaging/study.toml")).unwrap();
    let text =
        std::fs::read_to_string(root().join("data/tace-downstaging/published.toml")).unwrap();
    let published: toml::Value = toml::from_str(&text).unwrap();
    let mut compared = 0;
    for ep in ["os", "pfs", "epfs", "pps"] {
        for (group, key) in [("SR", "sr_pct"), ("TA", "ta_pct")] {
            let km = a
                .results
                .survival
                .get("unmatched")
                .unwrap()
                .km
                .iter()
                .find(|k| k.endpoint == ep && k.group == group)
                .unwrap();
            let target = published["km"]["unmatched"][ep][key].as_array().unwrap();
            for (l, t) in km.landmarks.iter().zip(target) {
                let printed = t.as_float().unwrap();
                assert!(
                    (l.surv * 100.0 - printed).abs() <= 3.0,
                    "{ep} {group} at {}: {} vs {printed}",
                    l.time,
                    l.surv * 100.0
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 32);
}

// Univariable Cox models of ALBI grade 2-3, AFP > 400 ng/mL and no targeted
// therapy, for OS (Table 2) and PFS (Table 3): each HR lies within the
// published 95% CI.
#[test]
fn twin_risk_factors_have_published_hazard_ratios() {
    let a = pipeline::analyse(&root().join("reports/tace-downstaging/study.toml")).unwrap();
    let c = &a.cohort;
    let indicator = |var: &str, level: usize| -> Vec<f64> {
        match &c.variables[var].values {
            Values::Categorical { codes, .. } => codes
                .iter()
                .map(|x| f64::from(u8::from(*x == studybook::cohort::code(level))))
                .collect(),
            Values::Continuous { .. } => panic!("{var} is categorical"),
        }
    };
    // Published CIs (Tables 2 and 3, unmatched, univariable).
    let cases = [
        ("os", "albi_grade", 1, 1.10, 2.29),
        ("os", "afp_group", 1, 0.95, 2.13),
        ("os", "targeted_immunotherapy", 0, 1.11, 3.02),
        ("pfs", "albi_grade", 1, 1.11, 1.81),
        ("pfs", "afp_group", 1, 1.07, 1.75),
        ("pfs", "targeted_immunotherapy", 0, 1.09, 2.08),
    ];
    for (ep, var, level, lo, hi) in cases {
        let e = &c.endpoints[ep];
        let rows: Vec<usize> = (0..c.ids.len())
            .filter(|&i| e.time[i].is_some() && e.event[i].is_some())
            .collect();
        let time: Vec<f64> = rows.iter().map(|&i| e.time[i].unwrap()).collect();
        let event: Vec<bool> = rows.iter().map(|&i| e.event[i].unwrap()).collect();
        let x = indicator(var, level);
        let column = vec![rows.iter().map(|&i| x[i]).collect::<Vec<f64>>()];
        let fit = cox::fit(&time, &event, &column, None, cox::Ties::Efron).unwrap();
        let hr = fit.coef[0].exp();
        assert!(
            hr >= lo && hr <= hi,
            "{ep} {var}: HR {hr:.2} outside the published CI {lo}-{hi}"
        );
    }
}
