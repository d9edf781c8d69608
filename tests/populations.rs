//! Populations are a list: a population added by a caller is analysed by
//! every analysis and shown by every template, with no change to either.

use std::borrow::Cow;
use std::path::Path;
use studybook::cohort::{Cohort, Made, Population};
use studybook::pipeline::{self, Analysis};
use studybook::render::{self, Document};

fn study() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/tace-downstaging/study.toml")
}

/// Every analysed patient once more, under another name, weighted `w`.
fn everyone(cohort: &Cohort, w: f64) -> Vec<Population<'_>> {
    vec![Population {
        id: "all".into(),
        label: "All patients, weight 1".into(),
        tag: Some("weight 1".into()),
        cohort,
        weights: Some(Cow::Owned(vec![w; cohort.ids.len()])),
        clusters: None,
        made: Made::Other {
            description: "every analysed patient with weight 1 (a test)".into(),
        },
    }]
}

fn analyse(w: f64) -> Analysis {
    pipeline::analyse_populations(&study(), &|_| {}, &|c| everyone(c, w)).unwrap()
}

// A third population ("all patients, weight 1") runs through every
// analysis: its results equal the whole cohort's, number for number.
#[test]
fn an_added_population_is_analysed_like_the_whole_cohort() {
    let a = analyse(1.0);
    let r = &a.results;
    let ids: Vec<&str> = r.populations.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["unmatched", "matched", "ate", "att", "ato", "all"]);
    let json = |v: &dyn erased::Json| v.json();
    for (what, whole, all) in [
        (
            "table1",
            json(&r.table1.get("unmatched")),
            json(&r.table1.get("all")),
        ),
        (
            "survival",
            json(&r.survival.get("unmatched")),
            json(&r.survival.get("all")),
        ),
        (
            "regression",
            json(&r.regression.get("unmatched")),
            json(&r.regression.get("all")),
        ),
        (
            "complications",
            json(&r.complications.get("unmatched")),
            json(&r.complications.get("all")),
        ),
    ] {
        assert_ne!(all, "null", "{what}: the added population has no results");
        assert_eq!(whole, all, "{what}: the added population differs");
    }
    // Unit weights are no weights: nothing to warn about.
    assert!(!r.diagnostics.iter().any(|d| d.stage == "populations"));
}

// The built-in templates show the added population without being told of
// it: its Table 1 and Table 4 columns, its Cox table columns, its
// Kaplan-Meier section and figure.
#[test]
fn an_added_population_is_rendered_by_the_builtin_templates() {
    let a = analyse(1.0);
    let document = Document::new(&a.results, None);
    let out = render::render(&document, &a.templates, &a.figures).unwrap();
    let md = &out.markdown;
    assert!(
        md.contains("| SR, weight 1 (n = 219) | TA, weight 1 (n = 390) |"),
        "Table 1 head"
    );
    assert!(
        md.contains("Univariable HR (95% CI), weight 1"),
        "Cox table head"
    );
    assert!(
        md.contains("**Overall survival, all patients, weight 1**"),
        "survival text"
    );
    assert!(
        md.contains("Kaplan-Meier and cumulative incidence curves all patients, weight 1"),
        "KM caption"
    );
    assert!(md.contains("(figures/km-all.svg)"), "KM panel figure");
    assert!(a.figures.iter().any(|f| f.name == "km-os-all"));
    // Table 4 has a third block of columns.
    let t4 = md
        .lines()
        .find(|l| l.starts_with("| Complication |"))
        .unwrap();
    assert_eq!(t4.matches(" p |").count(), 3, "{t4}");
}

// A weighted population enters the survival analyses with its weights and
// is left out of the tables that count patients (Table 1, the Cox tables,
// Table 4). Weights of 2 for everyone change no estimate: the curves and
// the hazard ratio equal the whole cohort's, while the counts double.
#[test]
fn a_weighted_population_is_analysed_with_its_weights() {
    let a = analyse(2.0);
    let r = &a.results;
    assert!(r.table1.get("all").is_none());
    assert!(r.regression.get("all").is_none());
    assert!(r.complications.get("all").is_none());
    let (whole, all) = (
        r.survival.get("unmatched").unwrap(),
        r.survival.get("all").unwrap(),
    );
    for (u, w) in whole.km.iter().zip(&all.km) {
        let counts = w.weighted.as_ref().expect("weighted counts");
        assert_eq!(counts.n, 2.0 * u.n as f64);
        for (a, b) in u.surv.iter().zip(&w.surv) {
            assert!((a - b).abs() <= 1e-12 * a.abs(), "{a} vs {b}");
        }
    }
    for (u, w) in whole.cox.iter().zip(&all.cox) {
        let (a, b) = (u.terms[0].coef, w.terms[0].coef);
        assert!((a - b).abs() <= 1e-9 * a.abs(), "{a} vs {b}");
        assert_eq!(w.variance, "robust");
    }
    // The restricted mean survival times are the same too.
    for (u, w) in whole.rmst.iter().zip(&all.rmst) {
        assert_eq!(u.tau, w.tau);
        for (a, b) in u.groups.iter().zip(&w.groups) {
            assert!(
                (a.rmst - b.rmst).abs() <= 1e-12 * a.rmst,
                "{} vs {}",
                a.rmst,
                b.rmst
            );
        }
    }
    // Follow-up describes patients: only the unweighted populations have it.
    assert!(all.follow_up.is_empty() && !whole.follow_up.is_empty());
    // R's survdiff takes no weights: no log-rank test for it.
    assert!(all.logrank.is_empty());
    assert!(!r.diagnostics.iter().any(|d| d.stage == "populations"));
    // Its survival is rendered; Table 1 keeps its two blocks of columns.
    let document = Document::new(r, None);
    let out = render::render(&document, &a.templates, &a.figures).unwrap();
    assert!(
        out.markdown
            .contains("**Overall survival, all patients, weight 1**")
    );
    let head = out
        .markdown
        .lines()
        .find(|l| l.starts_with("| Characteristic |"))
        .unwrap();
    assert_eq!(head.matches(" SMD |").count(), 2, "{head}");
}

/// JSON text of any serializable value (to compare results whole).
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}
