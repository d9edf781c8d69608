//! E-values: hand-derived cases and R's definitions (tests/fixtures/
//! r-reference/evalue/evalue.R), at 1e-6 relative.

mod common;

use common::reference_dir;
use studybook::stats::evalue;

// RR = 2 (rare): 2 + sqrt(2 x 1); RR = 1/2 gives the same; RR = 1 gives 1.
#[test]
fn evalue_of_a_risk_ratio_by_hand() {
    assert_close!(evalue::of_rr(2.0), 2.0 + 2f64.sqrt(), 1e-12);
    assert_close!(evalue::of_rr(0.5), 2.0 + 2f64.sqrt(), 1e-12);
    assert_eq!(evalue::of_rr(1.0), 1.0);
    // The common-outcome transform maps 1 to 1 and x to 1 / (its value at 1/x).
    assert_eq!(evalue::hr_to_rr(1.0, false), 1.0);
    assert_close!(
        evalue::hr_to_rr(0.5, false),
        1.0 / evalue::hr_to_rr(2.0, false),
        1e-12
    );
}

// A confidence interval containing 1 has an E-value of 1.
#[test]
fn an_interval_containing_one_has_evalue_one() {
    let e = evalue::of_hr(1.3, 0.9, 1.8, true).unwrap();
    assert_eq!(e.ci, 1.0);
    assert!(evalue::of_hr(f64::NAN, 0.9, 1.8, true).is_none());
}

#[test]
fn evalues_match_r() {
    let path = reference_dir().join("evalue/evalue.json");
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for c in f["cases"].as_array().unwrap() {
        let x = |k: &str| c[k].as_f64().unwrap();
        let e = evalue::of_hr(
            x("hr"),
            x("lower"),
            x("upper"),
            c["rare"].as_bool().unwrap(),
        )
        .unwrap();
        assert_close!(e.point, x("e_value"), 1e-6);
        assert_close!(e.ci, x("e_value_ci"), 1e-6);
    }
}
