//! `studybook diff`: two renders of the lung fixture study, one data cell
//! apart, differ in exactly the numbers that cell feeds.

use std::path::Path;
use studybook::{diff, pipeline};

/// The lung fixture study rendered on `csv` (written beside its config).
fn render(csv: &str, dir: &Path) -> serde_json::Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = std::fs::read_to_string(root.join("tests/fixtures/studies/lung/study.toml"))
        .unwrap()
        .replace("../../r-reference/data/lung.csv", "lung.csv");
    std::fs::write(dir.join("lung.csv"), csv).unwrap();
    std::fs::write(dir.join("study.toml"), config).unwrap();
    let (a, _) = pipeline::render_study(&dir.join("study.toml"), Some(&dir.join("out"))).unwrap();
    serde_json::to_value(&a.results).unwrap()
}

#[test]
fn one_data_cell_changes_exactly_the_numbers_it_feeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let csv =
        std::fs::read_to_string(root.join("tests/fixtures/r-reference/data/lung.csv")).unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let old = render(&csv, a.path());
    // The same render again: nothing changed.
    assert!(diff::compare(&old, &old).changes.is_empty());
    // Patient 1's age, one year more: the Cox models that use age change;
    // survival curves, log-rank tests and the flow do not.
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let head: Vec<&str> = lines[0].split(',').collect();
    let age = head.iter().position(|h| *h == "age").unwrap();
    let mut first: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    first[age] = (first[age].parse::<f64>().unwrap() + 1.0).to_string();
    lines[1] = first.join(",");
    let new = render(&(lines.join("\n") + "\n"), b.path());
    let d = diff::compare(&old, &new);
    assert!(!d.changes.is_empty());
    for c in &d.changes {
        match c.section.as_str() {
            "table1" => assert!(c.place.contains("variable=age"), "{c:?}"),
            "regression" | "survival" => assert!(
                !c.place.contains("km") && !c.place.contains("logrank"),
                "{c:?}"
            ),
            other => panic!("{other} changed: {c:?}"),
        }
    }
    // (The lung fixture's Table 1 lists no variables: age feeds the Cox tables.)
    assert!(
        d.changes
            .iter()
            .any(|c| c.section == "regression" && c.place.contains("variable=age"))
    );
    assert!(!d.changes.iter().any(|c| c.section == "survival"));
    // The report names each change and writes both files.
    let out = tempfile::tempdir().unwrap();
    let (_, files) = diff::run(&a.path().join("out"), &b.path().join("out"), out.path()).unwrap();
    assert_eq!(files.len(), 2);
    let md = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        md.contains("## regression") && md.contains("variable=age"),
        "{md}"
    );
    assert!(md.contains("Unchanged:"), "{md}");
}
