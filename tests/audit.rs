//! `studybook audit`: each rule on small hand-made manifests, with a case
//! that passes and one that fails. Expected p-values come from R 4.2
//! (`chisq.test`, `fisher.test`, the t statistic from summaries); the other
//! expectations are worked by hand in the comments.

use std::path::Path;
use studybook::published::audit::{self, Finding, Manifest, Severity};

fn run(text: &str) -> Vec<Finding> {
    let m = Manifest::parse(Path::new("paper.toml"), text).expect("manifest parses");
    audit::audit(&m).expect("audit runs").findings
}

/// Findings of one kind, as (severity, location).
fn of_kind(findings: &[Finding], kind: &str) -> Vec<(Severity, String)> {
    findings
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| (f.severity, f.location.clone()))
        .collect()
}

// ------------------------------------------------------------ rule 1

// 25/100 = 25.0% passes; 26.0% fails, and 25/96 = 26.04% is the nearest
// denominator that gives it.
#[test]
fn percentages_against_counts() {
    let ok = run("[t]\na_n = 100\n[t.row]\na_n = 25\na_pct = 25.0\n");
    assert!(of_kind(&ok, "percentage").is_empty());
    let bad = run("[t]\na_n = 100\n[t.row]\na_n = 25\na_pct = 26.0\n");
    let f = bad.iter().find(|f| f.kind == "percentage").unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.location, "t.row.a_pct");
    assert_eq!(f.line, "paper.toml:5");
    assert!(
        f.explanation
            .contains("nearest denominator that gives it is 96")
    );
}

// 8/390 = 2.051%: printed 2.0 is truncation (a warning), printed 2.1 passes.
#[test]
fn truncated_percentages_are_warnings() {
    let trunc = run("[t]\na_n = 390\n[t.row]\na_n = 8\na_pct = 2.0\n");
    assert_eq!(
        of_kind(&trunc, "percentage"),
        vec![(Severity::Warning, "t.row.a_pct".to_string())]
    );
    let ok = run("[t]\na_n = 390\n[t.row]\na_n = 8\na_pct = 2.1\n");
    assert!(of_kind(&ok, "percentage").is_empty());
}

// Numerator and denominator named in the same table (running text).
#[test]
fn percentages_with_explicit_denominators() {
    let ok = run("[d]\nx_num = 184\nx_den = 609\nx_pct = 30.2\n");
    assert!(of_kind(&ok, "percentage").is_empty());
    let bad = run("[d]\nx_num = 184\nx_den = 609\nx_pct = 32.0\n");
    assert_eq!(of_kind(&bad, "percentage").len(), 1);
}

// ------------------------------------------------------------ rule 2

const LEVELS: &str = "[t]\na_n = 100\nb_n = 100\n[t.v]\nlevels = [\"x\", \"y\"]\n";

#[test]
fn category_counts_add_up_to_the_group() {
    let ok = run(&format!(
        "{LEVELS}[t.v.x]\na_n = 30\nb_n = 40\n[t.v.y]\na_n = 70\nb_n = 60\n"
    ));
    assert!(of_kind(&ok, "category-sum").is_empty());
    // a: 60 + 70 = 130 > 100 (error); b: 40 + 50 = 90 < 100 (warning).
    let bad = run(&format!(
        "{LEVELS}[t.v.x]\na_n = 60\nb_n = 40\n[t.v.y]\na_n = 70\nb_n = 50\n"
    ));
    assert_eq!(
        of_kind(&bad, "category-sum"),
        vec![
            (Severity::Error, "t.v".to_string()),
            (Severity::Warning, "t.v".to_string())
        ]
    );
}

// ------------------------------------------------------------ rule 3

fn two_by_two(name: &str, rows: [[u32; 2]; 2], p: &str, test: &str) -> String {
    format!(
        "[t.{name}]\nlevels = [\"yes\", \"no\"]\np = {p}\ntest = \"{test}\"\n\
         [t.{name}.yes]\na_n = {}\nb_n = {}\n[t.{name}.no]\na_n = {}\nb_n = {}\n",
        rows[0][0], rows[0][1], rows[1][0], rows[1][1]
    )
}

// R: chisq.test(matrix(c(216,3,380,10),2)) p = 0.3278 (no correction),
// 0.4925 (Yates); fisher.test 0.3954. The paper's ascites row prints 0.026.
#[test]
fn categorical_p_reproduced_or_not() {
    let ok = run(&format!(
        "[t]\n{}",
        two_by_two("v", [[216, 380], [3, 10]], "0.328", "chi_square")
    ));
    let f = ok.iter().find(|f| f.kind == "test-variant").unwrap();
    assert_eq!(f.severity, Severity::Note);
    assert!(f.explanation.contains("without continuity correction"));
    let bad = run(&format!(
        "[t]\n{}",
        two_by_two("v", [[216, 380], [3, 10]], "0.026", "chi_square")
    ));
    assert_eq!(
        of_kind(&bad, "test-p"),
        vec![(Severity::Error, "t.v".to_string())]
    );
}

// R: fisher.test(matrix(c(8,2,1,9),2)) p = 0.005477; chi-square without
// correction 0.001654, with Yates 0.007001. A table that says Fisher but
// prints the uncorrected chi-square p is flagged.
#[test]
fn stated_test_must_be_the_one_that_reproduces() {
    let ok = run(&format!(
        "[t]\n{}",
        two_by_two("v", [[8, 1], [2, 9]], "0.005", "fisher")
    ));
    assert!(
        ok.iter()
            .any(|f| f.kind == "test-variant" && f.severity == Severity::Note)
    );
    let bad = run(&format!(
        "[t]\n{}",
        two_by_two("v", [[8, 1], [2, 9]], "0.002", "fisher")
    ));
    assert_eq!(
        of_kind(&bad, "test-variant"),
        vec![(Severity::Warning, "t.v".to_string())]
    );
}

// R: matrix(c(30,20,15,35),2): no correction 0.002569 -> "0.003" (only
// that variant); matrix(c(8,2,1,9),2): Yates 0.007001 -> "0.007" (only
// Yates). One table with both mixes variants silently.
#[test]
fn mixed_chi_square_variants_in_one_table() {
    let mixed = run(&format!(
        "[t]\n{}{}",
        two_by_two("u", [[30, 15], [20, 35]], "0.003", "chi_square"),
        two_by_two("v", [[8, 1], [2, 9]], "0.007", "chi_square")
    ));
    assert_eq!(
        of_kind(&mixed, "test-mixed"),
        vec![(Severity::Warning, "t".to_string())]
    );
    let same = run(&format!(
        "[t]\n{}{}",
        two_by_two("u", [[30, 15], [20, 35]], "0.005", "chi_square"),
        two_by_two("v", [[8, 1], [2, 9]], "0.007", "chi_square")
    ));
    assert!(of_kind(&same, "test-mixed").is_empty());
}

// R: chisq.test(matrix(c(10,20,30,25,20,15),3)) p = 0.003299 (3 x 2).
#[test]
fn r_by_c_tables() {
    let text = "[t.v]\nlevels = [\"x\", \"y\", \"z\"]\np = 0.003\ntest = \"chi_square\"\n\
                [t.v.x]\na_n = 10\nb_n = 25\n[t.v.y]\na_n = 20\nb_n = 20\n[t.v.z]\na_n = 30\nb_n = 15\n";
    assert!(of_kind(&run(text), "test-p").is_empty());
    assert_eq!(
        of_kind(&run(&text.replace("0.003", "0.03")), "test-p").len(),
        1
    );
}

// A total row against the group sizes (Table 4's shape): 15/219 vs 30/390.
#[test]
fn total_rows_are_tested_against_the_group() {
    // R: chisq.test(matrix(c(15,204,30,360),2)) p = 0.7952 (Yates),
    // 0.7029 without correction.
    let text = "[t]\na_n = 219\nb_n = 390\ntest_note = \"chi-square\"\n[t.major]\np = 0.703\n\
                [t.major.total]\na_n = 15\nb_n = 30\n";
    let f = run(text);
    assert!(of_kind(&f, "test-p").is_empty());
    assert_eq!(
        of_kind(&run(&text.replace("0.703", "0.070")), "test-p").len(),
        1
    );
}

// Percentages without counts: each cell is any count whose percentage of
// the group rounds to the printed one (30% of 200 is 59-61), and each test
// is judged over every such table (R, all 81: chi-square 0.0111-0.0377,
// Yates 0.0153-0.0497, Fisher 0.0151-0.0493; at 60/140 vs 40/160 they
// are 0.021, 0.028, 0.028). A printed 0.045 is possible; 0.060 is not.
#[test]
fn chi_square_from_percentages_within_rounding() {
    let text = "[t]\na_n = 200\nb_n = 200\n[t.v]\nlevels = [\"yes\", \"no\"]\np = 0.045\n\
                test = \"chi-square\"\n[t.v.yes]\na_pct = 30\nb_pct = 20\n\
                [t.v.no]\na_pct = 70\nb_pct = 80\n";
    let f = run(text);
    assert!(of_kind(&f, "test-p").is_empty(), "{f:?}");
    let bad = run(&text.replace("p = 0.045", "p = 0.060"));
    let e = bad.iter().find(|f| f.kind == "test-p").unwrap();
    assert_eq!(e.severity, Severity::Error);
    assert!(e.reported.contains("59-61/39-41"), "{}", e.reported);
}

// ------------------------------------------------------------ rule 4

// Means 10 (2) n 50 vs 11 (2.5) n 40: R t.test Welch p = 0.04318,
// pooled 0.03781.
#[test]
fn t_tests_from_summaries() {
    let text = "[t]\na_n = 50\nb_n = 40\n[t.v]\na_mean = 10.0\na_sd = 2.0\nb_mean = 11.0\n\
                b_sd = 2.5\np = 0.043\ntest = \"t_test\"\n";
    assert!(of_kind(&run(text), "mean-test").is_empty());
    assert!(of_kind(&run(&text.replace("0.043", "0.038")), "mean-test").is_empty());
    assert_eq!(
        of_kind(&run(&text.replace("0.043", "0.430")), "mean-test"),
        vec![(Severity::Error, "t.v".to_string())]
    );
}

// A t-test p is judged over every mean and SD that rounds to the printed
// ones (R, a grid over the rounding box): 10.4 (3.1) n 40 vs 10.2 (2.9)
// n 48 gives Welch p 0.757 from the printed numbers and 0.637-0.879 within
// rounding (pooled 0.635-0.878), so a printed 0.850 is possible and 0.900
// is not; 12.3 (4.0) n 35 vs 10.1 (3.6) n 52 gives Welch 0.0109, range
// 0.0072-0.0162, so 0.015 is possible and 0.018 is not.
#[test]
fn t_test_p_within_the_rounding_of_its_inputs() {
    // (mean, SD, n) of each group as printed, and the printed p.
    let row = |(am, asd, an): (&str, &str, u32), (bm, bsd, bn): (&str, &str, u32), p: &str| {
        format!(
            "[t]\na_n = {an}\nb_n = {bn}\n[t.v]\na_mean = {am}\na_sd = {asd}\nb_mean = {bm}\n\
             b_sd = {bsd}\np = {p}\ntest = \"t_test\"\n"
        )
    };
    let errors = |a, b, p| of_kind(&run(&row(a, b, p)), "mean-test").len();
    let (a1, b1) = (("10.4", "3.1", 40), ("10.2", "2.9", 48));
    let (a2, b2) = (("12.3", "4.0", 35), ("10.1", "3.6", 52));
    assert_eq!(errors(a1, b1, "0.850"), 0);
    assert_eq!(errors(a1, b1, "0.900"), 1);
    assert_eq!(errors(a2, b2, "0.015"), 0);
    assert_eq!(errors(a2, b2, "0.018"), 1);
    let f = run(&row(a2, b2, "0.018"));
    assert_eq!(
        f[0].recomputed,
        "Welch: 0.0072 to 0.0162; pooled t: 0.0058 to 0.0137"
    );
}

// A rank test with p = 1.000 for 3.0 (0.2) vs 2.8 (0.3) in 219 and 390
// patients (t-tests: p ~ 1e-20) is impossible; p = 0.001 is not.
#[test]
fn rank_test_plausibility() {
    let text = "[t]\na_n = 219\nb_n = 390\n[t.v]\na_mean = 3.0\na_sd = 0.2\nb_mean = 2.8\n\
                b_sd = 0.3\np = 1.000\ntest = \"mann_whitney_u\"\n";
    assert_eq!(
        of_kind(&run(text), "mean-test"),
        vec![(Severity::Error, "t.v".to_string())]
    );
    let ok = text.replace("p = 1.000", "p = 0.001\np_lt = true");
    assert!(of_kind(&run(&ok), "mean-test").is_empty());
}

// GRIM: 10 integers cannot average 2.35 (the sum would be 23.5).
// GRIMMER: integers with mean 2.8 are 2s and 3s at best, SD >= 0.40, so
// SD 0.3 is impossible and SD 0.4 is possible.
#[test]
fn grim_and_grimmer() {
    let grim =
        "[audit]\ninteger_valued = [\"t.v\"]\n[t]\na_n = 10\n[t.v]\na_mean = 2.35\na_sd = 1.00\n";
    assert_eq!(
        of_kind(&run(grim), "grim"),
        vec![(Severity::Error, "t.v".to_string())]
    );
    assert!(of_kind(&run(&grim.replace("2.35", "2.30")), "grim").is_empty());
    let grimmer =
        "[audit]\ninteger_valued = [\"t.v\"]\n[t]\na_n = 390\n[t.v]\na_mean = 2.8\na_sd = 0.3\n";
    let f = run(grimmer);
    assert_eq!(
        of_kind(&f, "grimmer"),
        vec![(Severity::Error, "t.v".to_string())]
    );
    assert!(of_kind(&run(&grimmer.replace("0.3", "0.4")), "grimmer").is_empty());
}

// Quartiles must enclose the median.
#[test]
fn quartiles_enclose_the_median() {
    let ok = "[v]\na_median = 5.0\na_q1 = 3.0\na_q3 = 7.0\n";
    assert!(of_kind(&run(ok), "quartiles").is_empty());
    assert_eq!(
        of_kind(&run(&ok.replace("a_q1 = 3.0", "a_q1 = 6.0")), "quartiles").len(),
        1
    );
}

// ------------------------------------------------------------ rule 5

// 1.58 (1.10-2.29), p 0.014: sqrt(1.10 x 2.29) = 1.587 and the Wald p is
// 0.0139: consistent. 1.33 (1.12-2.50): the centre is 1.673, not 1.33.
#[test]
fn hazard_ratio_symmetry() {
    let ok = "[h]\nhr = 1.58\nci_lo = 1.10\nci_hi = 2.29\np = 0.014\n";
    assert!(run(ok).is_empty());
    let bad = run("[h]\nhr = 1.33\nci_lo = 1.12\nci_hi = 2.50\np = 0.012\n");
    assert_eq!(
        of_kind(&bad, "hr-ci"),
        vec![(Severity::Error, "h".to_string())]
    );
}

// A CI that excludes 1 with p = 0.20 contradicts itself.
#[test]
fn hazard_ratio_significance() {
    let bad = run("[h]\nhr = 1.50\nci_lo = 1.10\nci_hi = 2.05\np = 0.200\n");
    assert_eq!(
        of_kind(&bad, "hr-significance"),
        vec![(Severity::Error, "h".to_string())]
    );
    let bad = run("[h]\nhr = 1.10\nci_lo = 0.80\nci_hi = 1.51\np = 0.010\n");
    assert_eq!(of_kind(&bad, "hr-significance").len(), 1);
}

// 2.14 (1.11-4.12): Wald p 0.0230 (rounding allows 0.022-0.024).
// p = 0.023 passes, 0.018 is a warning (other tests differ this little),
// 0.003 an error (a factor of eight).
#[test]
fn hazard_ratio_wald_p() {
    let h = |p: &str| {
        run(&format!(
            "[h]\nhr = 2.14\nci_lo = 1.11\nci_hi = 4.12\np = {p}\n"
        ))
    };
    assert!(h("0.023").is_empty());
    assert_eq!(
        of_kind(&h("0.018"), "hr-p"),
        vec![(Severity::Warning, "h".to_string())]
    );
    assert_eq!(
        of_kind(&h("0.003"), "hr-p"),
        vec![(Severity::Error, "h".to_string())]
    );
}

#[test]
fn corrected_typesetting_is_reported() {
    let f = run("[h]\nhr = 1.60\nci_lo = 1.11\nci_hi = 2.32\nci_hi_printed = 232.0\np = 0.012\n");
    assert_eq!(
        of_kind(&f, "typesetting"),
        vec![(Severity::Warning, "h".to_string())]
    );
}

// ------------------------------------------------------------ rule 6

#[test]
fn linked_numbers_must_agree() {
    let text = "[[audit.same]]\nwhat = \"SR\"\npaths = [\"a.sr\", \"b.sr\"]\n[a]\nsr = 219\n[b]\nsr = 219\n";
    assert!(run(text).is_empty());
    // Two places that differ: neither outnumbers the other, both flagged.
    let bad = run(&text.replace("[b]\nsr = 219", "[b]\nsr = 209"));
    assert_eq!(
        of_kind(&bad, "repeat"),
        vec![
            (Severity::Error, "a.sr".to_string()),
            (Severity::Error, "b.sr".to_string())
        ]
    );
    assert!(bad[0].explanation.contains("cannot be told"));
    // Tables are compared key by key; 68 and 68.0 agree.
    let tables = "[[audit.same]]\npaths = [\"k\", \"abs\"]\n[k]\nrates = [99.1, 68.0]\nhr = 1.22\n\
                  [abs]\nrates = [99.1, 68]\n";
    assert!(run(tables).is_empty());
    let bad = run(&tables.replace("[99.1, 68]", "[99.0, 68]"));
    assert_eq!(
        of_kind(&bad, "repeat"),
        vec![
            (Severity::Error, "k.rates.0".to_string()),
            (Severity::Error, "abs.rates.0".to_string())
        ]
    );
}

// Three places: the one that disagrees with the other two is flagged, even
// when it is the first listed (209 in the abstract, 219 in the cohort and
// Table 1); two against two flags all four.
#[test]
fn repeats_are_judged_by_agreement() {
    let text = "[[audit.same]]\nwhat = \"SR\"\npaths = [\"abstract.sr\", \"cohort.sr\", \"t1.sr\"]\n\
                [abstract]\nsr = 209\n[cohort]\nsr = 219\n[t1]\nsr = 219\n";
    let f = run(text);
    assert_eq!(
        of_kind(&f, "repeat"),
        vec![(Severity::Error, "abstract.sr".to_string())]
    );
    assert_eq!(f[0].recomputed, "219 at 2 of 3 places, e.g. cohort.sr");
    let split = "[[audit.same]]\npaths = [\"a.x\", \"b.x\", \"c.x\", \"d.x\"]\n\
                 [a]\nx = 1\n[b]\nx = 1\n[c]\nx = 2\n[d]\nx = 2\n";
    assert_eq!(of_kind(&run(split), "repeat").len(), 4);
}

#[test]
fn sums_must_add_up() {
    let text = "[[audit.sum]]\nparts = [\"c.sr\", \"c.ta\"]\ntotal = \"c.all\"\n[c]\nsr = 219\nta = 390\nall = 609\n";
    assert!(run(text).is_empty());
    assert_eq!(
        of_kind(&run(&text.replace("sr = 219", "sr = 209")), "sum"),
        vec![(Severity::Error, "c.all".to_string())]
    );
}

// A link to a path that does not exist is a manifest error with its line.
#[test]
fn dangling_links_are_errors_with_a_line() {
    let m = Manifest::parse(
        Path::new("paper.toml"),
        "[a]\nx = 1\n[[audit.same]]\npaths = [\"a.x\", \"a.y\"]\n",
    )
    .unwrap();
    let e = audit::audit(&m).unwrap_err().to_string();
    assert!(e.contains("paper.toml"), "{e}");
    assert!(e.contains("line 3"), "{e}");
    assert!(e.contains("`a.y`"), "{e}");
}

// ------------------------------------------------------------ rule 7

const SUBSET: &str = "[[audit.subset]]\nmatched = \"m\"\nunmatched = \"u\"\nbalanced = [\"v\"]\n\
                      [u]\na_n = 200\nb_n = 300\n[u.v]\nlevels = [\"x\", \"y\"]\n\
                      [u.v.x]\na_n = 50\na_pct = 25.0\nb_n = 150\nb_pct = 50.0\n\
                      [u.v.y]\na_n = 150\na_pct = 75.0\nb_n = 150\nb_pct = 50.0\n\
                      [m]\na_n = 100\nb_n = 100\n[m.v]\nlevels = [\"x\", \"y\"]\n";

// Matched 40/100 vs 42/100 in level x: SMD 0.041, balanced, and within the
// unmatched counts. Matched 60 in level x exceeds the 50 before matching,
// and 60% vs 30% is far from balanced: SMD = 0.3 / sqrt((0.24 + 0.21) / 2) = 0.632.
#[test]
fn matched_cohort_is_a_balanced_subset() {
    let ok = format!(
        "{SUBSET}[m.v.x]\na_n = 40\na_pct = 40.0\nb_n = 42\nb_pct = 42.0\n\
         [m.v.y]\na_n = 60\na_pct = 60.0\nb_n = 58\nb_pct = 58.0\n"
    );
    let f = run(&ok);
    assert!(of_kind(&f, "matched-subset").is_empty());
    assert!(of_kind(&f, "matched-balance").is_empty());
    let bad = format!(
        "{SUBSET}[m.v.x]\na_n = 60\na_pct = 60.0\nb_n = 30\nb_pct = 30.0\n\
         [m.v.y]\na_n = 40\na_pct = 40.0\nb_n = 70\nb_pct = 70.0\n"
    );
    let f = run(&bad);
    assert_eq!(
        of_kind(&f, "matched-subset"),
        vec![(Severity::Error, "m.v.x.a_n".to_string())]
    );
    let b = f.iter().find(|f| f.kind == "matched-balance").unwrap();
    assert_eq!(
        b.recomputed,
        "SMD 0.632 (at least 0.630 within the rounding of the printed numbers)"
    );
}

// The SMD from printed percentages is judged at its least within their
// rounding: 40% vs 45% (whole percentages) is SMD 0.101 as printed but
// 0.081 at 40.5% vs 44.5%, so it may be balanced; 40.0% vs 45.2% is 0.105
// as printed and at least 0.103 (40.05% vs 45.15%), so it is not.
#[test]
fn matched_balance_within_rounding() {
    let rows = |a: &str, b: &str, a2: &str, b2: &str| {
        format!(
            "{SUBSET}[m.v.x]\na_n = 40\na_pct = {a}\nb_n = 45\nb_pct = {b}\n\
             [m.v.y]\na_n = 60\na_pct = {a2}\nb_n = 55\nb_pct = {b2}\n"
        )
    };
    let f = run(&rows("40", "45", "60", "55"));
    assert!(of_kind(&f, "matched-balance").is_empty(), "{f:?}");
    let f = run(&rows("40.0", "45.2", "60.0", "54.8"));
    assert_eq!(of_kind(&f, "matched-balance").len(), 1, "{f:?}");
}

// ------------------------------------------------------------ rule 8

fn var(name: &str, x: (u32, u32), y: (u32, u32)) -> String {
    format!(
        "[t.{name}]\nlevels = [\"x\", \"y\"]\n[t.{name}.x]\na_n = {}\nb_n = {}\n\
         [t.{name}.y]\na_n = {}\nb_n = {}\n",
        x.0, x.1, y.0, y.1
    )
}

#[test]
fn copied_rows_are_flagged() {
    let distinct = format!(
        "{}{}",
        var("u", (10, 20), (90, 80)),
        var("v", (11, 20), (89, 80))
    );
    assert!(of_kind(&run(&distinct), "copy-paste").is_empty());
    let copied = format!(
        "{}{}",
        var("u", (10, 20), (90, 80)),
        var("v", (10, 20), (90, 80))
    );
    assert_eq!(
        of_kind(&run(&copied), "copy-paste"),
        vec![(Severity::Warning, "t.v".to_string())]
    );
}

// The same HR, CI and p in two places is a copy unless linked as the same
// estimate.
#[test]
fn repeated_hazard_ratios() {
    let two = "[os]\nhr = 0.77\nci_lo = 0.29\nci_hi = 2.08\np = 0.608\n\
               [pfs]\nhr = 0.77\nci_lo = 0.29\nci_hi = 2.08\np = 0.608\n";
    assert_eq!(
        of_kind(&run(two), "repeat-hr"),
        vec![(Severity::Warning, "pfs".to_string())]
    );
    let linked = format!("[[audit.same]]\npaths = [\"os\", \"pfs\"]\n{two}");
    assert!(of_kind(&run(&linked), "repeat-hr").is_empty());
}

// The reference paper's manifest (a copy with the [audit] links): the
// errors the issue names are all found.
#[test]
fn reference_paper_findings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tace-downstaging/published.toml");
    let m = Manifest::load(&path).unwrap();
    let a = audit::audit(&m).unwrap();
    let has = |kind: &str, loc: &str| {
        a.findings
            .iter()
            .any(|f| f.kind == kind && f.location == loc && f.severity == Severity::Error)
    };
    assert!(has("repeat", "abstract.sr"), "209 vs 219");
    assert!(has("sum", "abstract.successful_downstaging"), "209 + 390");
    assert!(has("category-sum", "table1.psm.afp"), "268 per group");
    assert!(has("category-sum", "table1.psm.bclc"));
    assert!(has(
        "category-sum",
        "table1.psm.hcc_diameter_before_tace_cm"
    ));
    assert!(has("test-p", "table1.unmatched.ascites"), "ascites p 0.026");
    assert!(has("mean-test", "table1.unmatched.tace_sessions"), "p = 1");
    assert!(
        has("grimmer", "table1.unmatched.tace_sessions"),
        "2.8 (0.3)"
    );
    assert!(has("matched-subset", "table1.psm.cirrhosis.absence.sr_n"));
    assert!(has("hr-ci", "table3.unmatched.multivariable.albi_grade"));
    assert!(has("repeat", "text.downstaging.interval_p"));
    assert!(
        a.findings
            .iter()
            .any(|f| f.kind == "copy-paste" && f.location == "table1.psm.ecog")
    );
    assert!(a.counts.errors > 50);
}

// ------------------------------------------------------------ test names

// Synonyms are read as whole words ("Student's t-test" is a t-test, so the
// t-test rule judges the row); an unknown name is an error that lists the
// known ones, and the row is not judged as some other family.
#[test]
fn test_names_are_a_vocabulary() {
    let row = |test: &str| {
        format!(
            "[t]\na_n = 50\nb_n = 40\n[t.v]\na_mean = 10.0\na_sd = 2.0\nb_mean = 11.0\n\
             b_sd = 2.5\np = 0.430\ntest = \"{test}\"\n"
        )
    };
    for name in ["Student's t-test", "unpaired t test", "Welch"] {
        let f = run(&row(name));
        assert_eq!(of_kind(&f, "mean-test").len(), 1, "{name}");
        assert!(of_kind(&f, "test-name").is_empty(), "{name}");
    }
    let f = run(&row("ANOVA-ish"));
    let unknown = f.iter().find(|f| f.kind == "test-name").unwrap();
    assert_eq!(unknown.severity, Severity::Error);
    assert!(
        unknown.explanation.contains("Mann-Whitney U"),
        "{}",
        unknown.explanation
    );
    // Fisher named in free text makes Fisher the stated test: 12/8 vs 2/18
    // gives Fisher 0.0022 (chi-square 0.0009, Yates 0.0028).
    let two = "[t.v]\nlevels = [\"yes\", \"no\"]\np = 0.002\ntest = \"Fisher's exact test\"\n\
               [t.v.yes]\na_n = 12\nb_n = 2\n[t.v.no]\na_n = 8\nb_n = 18\n";
    let f = run(two);
    assert!(of_kind(&f, "test-name").is_empty());
    assert!(
        of_kind(&f, "test-variant")
            .iter()
            .all(|(s, _)| *s == Severity::Note),
        "{f:?}"
    );
}

// ------------------------------------------------------------ total columns

// An Overall column marked in `[audit] total_columns` is checked as the sum
// of the groups and left out of the tests: 12/8 vs 2/18 with an overall
// 14/26 gives Fisher 0.0022 between the two groups (a 2 x 3 test with the
// total as a third group would give another p), and an overall count that
// is not the sum is an error.
#[test]
fn total_columns_are_sums_not_groups() {
    let text = "[audit]\ntotal_columns = [\"overall\"]\n\
                [t]\na_n = 20\nb_n = 20\noverall_n = 40\n\
                [t.v]\nlevels = [\"yes\", \"no\"]\np = 0.002\ntest = \"Fisher\"\n\
                [t.v.yes]\na_n = 12\nb_n = 2\noverall_n = 14\n\
                [t.v.no]\na_n = 8\nb_n = 18\noverall_n = 26\n";
    let f = run(text);
    assert!(of_kind(&f, "test-p").is_empty(), "{f:?}");
    assert!(of_kind(&f, "total-column").is_empty(), "{f:?}");
    let unmarked = run(&text.replace("total_columns = [\"overall\"]", ""));
    assert_eq!(of_kind(&unmarked, "test-p").len(), 1);
    let bad = run(&text.replace("overall_n = 14", "overall_n = 15"));
    assert_eq!(
        of_kind(&bad, "total-column"),
        vec![(Severity::Error, "t.v.yes".to_string())]
    );
}

// A table past the exact test's budget (10 x 2, 3000 patients: R's FEXACT
// stops with "LDSTP too small" even with workspace = 2e8) gets a seeded
// Monte Carlo p, named in the finding, instead of no Fisher p.
#[test]
fn fisher_past_its_budget_says_monte_carlo() {
    let rows = [
        (150, 140),
        (160, 120),
        (170, 150),
        (140, 160),
        (155, 145),
        (150, 150),
        (130, 170),
        (165, 135),
        (145, 155),
        (150, 150),
    ];
    let mut text = String::from("[t]\na_n = 1515\nb_n = 1475\n[t.v]\nlevels = [");
    let names: Vec<String> = (0..rows.len()).map(|i| format!("\"l{i}\"")).collect();
    text.push_str(&names.join(", "));
    text.push_str("]\np = 0.020\ntest = \"Fisher\"\n");
    for (i, (a, b)) in rows.iter().enumerate() {
        text.push_str(&format!("[t.v.l{i}]\na_n = {a}\nb_n = {b}\n"));
    }
    let f = run(&text);
    let test = f
        .iter()
        .find(|f| f.location == "t.v" && f.rule == 3)
        .unwrap();
    assert!(
        test.recomputed
            .contains("Fisher (Monte Carlo, 20000 tables, seed 1)"),
        "{}",
        test.recomputed
    );
}
