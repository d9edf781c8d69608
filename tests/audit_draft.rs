//! `studybook audit --draft`: a manifest drafted from an article's tables
//! (Markdown, HTML, JATS) that `audit` reads, on small hand-made articles
//! and on the reference paper's Markdown, whose draft must give the
//! headline findings of the hand-written manifest.

use std::path::Path;
use studybook::published::audit::{self, Finding, Manifest, Severity};
use studybook::published::draft::draft_text;

fn audit_of(text: &str) -> Vec<Finding> {
    let m = Manifest::parse(Path::new("draft.toml"), text)
        .unwrap_or_else(|e| panic!("the draft parses: {e}\n{text}"));
    audit::audit(&m).expect("audit runs").findings
}

fn has(f: &[Finding], kind: &str, at: &str, severity: Severity) -> bool {
    f.iter()
        .any(|x| x.kind == kind && x.location.starts_with(at) && x.severity == severity)
}

// A pipe table with a group header, a categorical variable with its p and
// footnote mark, a mean (SD) row and an HR row read into the manifest's
// shapes; an unreadable cell is listed with its table, row and column.
#[test]
fn a_markdown_table_becomes_a_manifest() {
    let md = "Table 1. Baseline\n\n\
              | Variable | SR (n = 50) | TA (n = 40) | p |\n\
              |---|---|---|---|\n\
              | Sex, n (%) | | | 0.018<sup>a</sup> |\n\
              | Female | 12 (24.0) | 2 (5.0) | |\n\
              | Male | 38 (76.0) | 38 (95.0) | |\n\
              | Age, mean (SD) | 10.0 (2.0) | 11.0 (2.5) | 0.430 |\n\
              | Weight, mean (SD) | n.a. | 70.1 (9.0) | |\n\n\
              <sup>a</sup>Fisher's exact test.\n";
    let d = draft_text("a.md", md);
    assert_eq!(d.tables, 1);
    for line in [
        "[table1.b1]",
        "sr_n = 50",
        "levels = [\"Female\", \"Male\"]",
        "test = \"Fisher's exact test\"",
        "sr_pct = 24.0",
        "ta_mean = 11.0",
        "p = 0.430",
    ] {
        assert!(d.text.contains(line), "{line} missing from\n{}", d.text);
    }
    assert_eq!(d.unread.len(), 1, "{:?}", d.unread);
    assert!(
        d.unread[0].contains("row \"Weight, mean (SD)\""),
        "{:?}",
        d.unread
    );
    assert!(
        d.text
            .contains("# not read: table1, row \"Weight, mean (SD)\"")
    );
    let f = audit_of(&d.text);
    // 12/38 vs 2/38: Fisher 0.0180 reproduces 0.018.
    assert!(
        !has(&f, "test-p", "table1.b1.sex", Severity::Error),
        "{f:?}"
    );
}

// The same table as HTML and as JATS (a PubMed Central table-wrap, its
// footnotes in table-wrap-foot) gives the same numbers.
#[test]
fn html_and_jats_tables_are_read() {
    let rows = "<tr><th>Variable</th><th>SR (n = 50)</th><th>TA (n = 40)</th><th>p</th></tr>\
                <tr><td>Sex, n (%)</td><td></td><td></td><td>0.002<sup>a</sup></td></tr>\
                <tr><td>Female</td><td>12 (24.0)</td><td>2 (5.0)</td><td></td></tr>\
                <tr><td>Male</td><td>38 (76.0)</td><td>38 (95.0)</td><td></td></tr>";
    let html = format!(
        "<html><body><table><caption>Table 1. Baseline</caption>{rows}</table></body></html>"
    );
    let jats = format!(
        "<article><abstract><p>Of 90 patients, 50 patients underwent SR.</p></abstract>\
         <table-wrap id=\"t1\"><label>Table 1</label><caption><p>Baseline</p></caption>\
         <table>{rows}</table><table-wrap-foot><fn><p><sup>a</sup>Fisher's exact test.</p></fn>\
         </table-wrap-foot></table-wrap></article>"
    );
    for text in [html, jats] {
        let d = draft_text("a", &text);
        assert_eq!(d.tables, 1, "{}", d.text);
        assert!(
            d.text.contains("sr_n = 50") && d.text.contains("ta_pct = 95.0"),
            "{}",
            d.text
        );
    }
    let d = draft_text(
        "a",
        &format!(
            "<article><abstract><p>Of 90 patients, 48 patients underwent SR.</p></abstract>\
         <table-wrap><label>Table 1</label><table>{rows}</table></table-wrap></article>"
        ),
    );
    assert!(d.text.contains("[abstract]\nsr = 48"), "{}", d.text);
    let f = audit_of(&d.text);
    assert!(has(&f, "repeat", "abstract.sr", Severity::Error), "{f:?}");
}

// The reference paper's Markdown (tab-separated tables converted from the
// PDF): the draft's audit finds the headline findings of the hand-written
// manifest, and lists the cells it could not read.
#[test]
fn the_reference_papers_draft_finds_its_headline_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/paper/an-2025-sr-vs-ta-after-tace.md");
    let d = studybook::published::draft::draft(&path).unwrap();
    let f = audit_of(&d.text);
    // 209 SR patients in the abstract, 219 in Table 1.
    assert!(has(&f, "repeat", "abstract.sr", Severity::Error));
    // The PSM rows of HCC diameter add up to 268 of 185.
    let sum = f
        .iter()
        .find(|x| {
            x.kind == "category-sum" && x.location == "table1.psm.hcc_diameter_before_tace_cm"
        })
        .expect("the 268 finding");
    assert!(sum.recomputed.contains("268"), "{}", sum.recomputed);
    // ECOG's matched rows repeat BMI's.
    assert!(
        has(&f, "copy-paste", "table1.psm.ecog", Severity::Warning),
        "{f:?}"
    );
    // TACE sessions: p = 1.000 for 3 (0.2) vs 2.8 (0.3) in 219 and 390.
    assert!(has(
        &f,
        "mean-test",
        "table1.unmatched.tace_sessions",
        Severity::Error
    ));
    // HRs off the centre of their CIs in the multivariable models.
    let asymmetric = f
        .iter()
        .filter(|x| x.kind == "hr-ci" && x.severity == Severity::Error)
        .count();
    assert!(asymmetric >= 8, "{asymmetric} asymmetric CIs");
    // Matched counts above the unmatched ones (the subset link is drafted).
    assert!(has(&f, "matched-subset", "table1.psm", Severity::Error));
    // What it could not read is listed, with table, row and column.
    assert!(
        d.unread
            .iter()
            .any(|u| u.contains("ALT (U/L), median (IQR)")),
        "{:?}",
        d.unread
    );
    assert_eq!(d.text.matches("# not read: ").count(), d.unread.len());
}
