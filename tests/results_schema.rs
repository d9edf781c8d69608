//! The results.json schema is documented in one place,
//! `reports/guide/results.md`: its version and its table of top-level keys
//! must match what a render writes.

use std::path::Path;
use studybook::report::SCHEMA;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The keys of the guide's "Top-level keys" table, in order.
fn documented_keys(page: &str) -> Vec<String> {
    let table = page
        .split("## Top-level keys")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or("");
    table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

// The guide names the current schema version and every top-level key of
// the default study's results.json, in file order.
#[test]
fn the_schema_page_matches_results_json() {
    let page = std::fs::read_to_string(root().join("reports/guide/results.md")).unwrap();
    assert!(
        page.contains(&format!("Current version: `{SCHEMA}`.")),
        "reports/guide/results.md does not name {SCHEMA}"
    );
    let text =
        std::fs::read_to_string(root().join("reports/tace-downstaging/results.json")).unwrap();
    let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let written: Vec<String> = json.keys().cloned().collect();
    assert_eq!(json["schema"], SCHEMA);
    assert_eq!(documented_keys(&page), written);
}
