//! Snapshot tests: every fixture study under `tests/fixtures/studies/`
//! renders, and its `manuscript.md` and `results.json` equal the committed
//! snapshots in `tests/snapshots/<study>/`. A difference fails with a
//! unified diff; after reviewing it, `SNAPSHOTS=overwrite cargo test --test
//! snapshots` rewrites the snapshots (then read the change in git).

use similar::TextDiff;
use std::path::{Path, PathBuf};
use studybook::pipeline;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every fixture study, by folder name.
fn fixture_studies() -> Vec<(String, PathBuf)> {
    pipeline::find_studies(&root().join("tests/fixtures/studies"))
        .into_iter()
        .map(|config| {
            let name = config
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            (name, config)
        })
        .collect()
}

/// The differences of `actual` from the snapshot `path` (none when equal);
/// with `SNAPSHOTS=overwrite`, the snapshot is rewritten instead.
fn compare(path: &Path, actual: &str) -> Option<String> {
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return None;
    }
    let diff = TextDiff::from_lines(&expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(&path.display().to_string(), "rendered now")
        .to_string();
    // A whole report of differences would drown the first one.
    let shown: String = diff.lines().take(80).map(|l| format!("{l}\n")).collect();
    Some(shown)
}

// Each fixture study renders to its committed manuscript and results.
#[test]
fn fixture_studies_match_their_snapshots() {
    let studies = fixture_studies();
    assert!(studies.len() >= 4, "fixture studies: {studies:?}");
    let mut failures = Vec::new();
    for (name, config) in studies {
        let out = tempfile::tempdir().unwrap();
        pipeline::render_study(&config, Some(out.path()))
            .unwrap_or_else(|e| panic!("{name} does not render: {e}"));
        for file in ["manuscript.md", "results.json"] {
            let actual = std::fs::read_to_string(out.path().join(file)).unwrap();
            let snapshot = root().join("tests/snapshots").join(&name).join(file);
            if let Some(diff) = compare(&snapshot, &actual) {
                failures.push(diff);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "rendered output differs from the snapshots (review, then SNAPSHOTS=overwrite):\n{}",
        failures.join("\n")
    );
}

// The comparison itself: equal text passes, a changed line is shown.
#[test]
fn a_changed_line_is_shown_in_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.md");
    std::fs::write(&path, "a\nb\nc\n").unwrap();
    assert_eq!(compare(&path, "a\nb\nc\n"), None);
    if std::env::var("SNAPSHOTS").as_deref() != Ok("overwrite") {
        let diff = compare(&path, "a\nB\nc\n").unwrap();
        assert!(diff.contains("-b\n+B\n"), "{diff}");
    }
}

// A footnote never points to a reason that is not listed: wherever a
// manuscript prints the not-estimable mark, its Diagnostics section lists
// at least one reason (lung's Cox tables once defined NE† and sent the
// reader to a Diagnostics section that did not exist).
#[test]
fn every_not_estimable_mark_has_a_listed_reason() {
    let mut manuscripts: Vec<(String, String)> = fixture_studies()
        .into_iter()
        .map(|(name, path)| {
            let out = tempfile::tempdir().unwrap();
            studybook::pipeline::render_study(&path, Some(out.path())).unwrap();
            (
                name,
                std::fs::read_to_string(out.path().join("manuscript.md")).unwrap(),
            )
        })
        .collect();
    manuscripts.push((
        "default".into(),
        std::fs::read_to_string(root().join("reports/tace-downstaging/manuscript.md")).unwrap(),
    ));
    for (name, md) in manuscripts {
        if !md.contains("NE†") {
            continue;
        }
        let diagnostics = md.split("\n## Diagnostics\n").nth(1).unwrap_or_default();
        let diagnostics = diagnostics.split("\n## ").next().unwrap_or_default();
        assert!(
            diagnostics.lines().any(|l| l.starts_with("- **")),
            "{name}: NE† printed, and no reason listed"
        );
    }
}
