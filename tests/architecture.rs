//! The module dependency graph points one way (config -> data -> study -> cohort ->
//! matching -> analysis -> figures -> report -> render, run by pipeline),
//! `stats` is a pure leaf, and the published-paper wing (`published`) is
//! imported by nothing below `render`. Rust does not enforce intra-crate
//! layering, so these tests read the sources and fail on any `crate::X`
//! use outside the allowed edges, and on files that outgrow one concept.

use std::path::Path;

/// Modules each module may use (besides itself, `error` and `diagnostics`):
/// `../shared/style.md`'s table, with `format` (the one formatter) for the
/// modules that print numbers, `files` (atomic writes) for those that
/// write, and the wing above `report`.
const ALLOWED: &[(&str, &[&str])] = &[
    ("stats", &[]),
    ("error", &[]),
    ("diagnostics", &[]),
    ("files", &[]),
    ("config", &[]),
    ("format", &["config"]),
    ("data", &["config"]),
    ("study", &["data", "config"]),
    ("cohort", &["study", "data", "config"]),
    ("matching", &["cohort", "config", "stats"]),
    ("weighting", &["matching", "cohort", "config", "stats"]),
    ("bootstrap", &["matching", "cohort", "config", "stats"]),
    ("analysis", &["cohort", "config", "stats"]),
    (
        "figures",
        &[
            "analysis",
            "matching",
            "weighting",
            "cohort",
            "config",
            "format",
        ],
    ),
    (
        "report",
        &[
            "analysis",
            "matching",
            "weighting",
            "bootstrap",
            "cohort",
            "config",
        ],
    ),
    (
        "published",
        &["report", "config", "format", "stats", "data", "files"],
    ),
    // `config` for `[output]` alone: which files a render writes.
    (
        "render",
        &["report", "figures", "format", "published", "config"],
    ),
    ("diff", &["render", "format", "files", "config"]),
    ("bench", &["stats"]),
    ("watch", &["pipeline", "config"]),
    ("init", &["data", "config", "files"]),
    (
        "pipeline",
        &[
            "analysis",
            "bootstrap",
            "cohort",
            "config",
            "data",
            "figures",
            "files",
            "matching",
            "published",
            "render",
            "report",
            "study",
            "weighting",
        ],
    ),
];

/// Files outside `stats/` hold one concept each: none is longer than this.
const MAX_LINES: usize = 700;

fn uses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
        // `use crate::{a, b}` lists
        if rest.starts_with('{') {
            let list = &rest[1..rest.find('}').unwrap_or(1)];
            out.extend(
                list.split(',')
                    .map(|s| s.trim().split("::").next().unwrap_or("").to_string()),
            );
        }
    }
    out
}

// No module imports a module outside its allowed list; stats imports nothing.
#[test]
fn module_dependencies_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = entry.path().strip_prefix(&src).unwrap();
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let allowed = ALLOWED
            .iter()
            .find(|(m, _)| *m == module)
            .unwrap_or_else(|| {
                panic!("module `{module}` is not in the ALLOWED table; add it with its edges")
            })
            .1;
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for used in uses(&text) {
            let ok = used == module
                || (matches!(used.as_str(), "error" | "diagnostics") && module != "stats")
                || allowed.contains(&used.as_str());
            if !ok {
                violations.push(format!("{} uses crate::{used}", rel.display()));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "forbidden module edges:\n{}",
        violations.join("\n")
    );
}

// One concept per file: no source file outside `stats/` is over MAX_LINES
// lines (the populations issue split the ones that were).
#[test]
fn files_outside_stats_stay_small() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut long = Vec::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if !entry.file_type().is_file()
            || path.extension().is_none_or(|e| e != "rs")
            || path.starts_with(src.join("stats"))
        {
            continue;
        }
        let lines = std::fs::read_to_string(path).unwrap().lines().count();
        if lines > MAX_LINES {
            long.push(format!("{} ({lines} lines)", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these along their responsibilities:\n{}",
        long.join("\n")
    );
}

// The README's speed table is the one bench/compare.sh wrote with
// bench/RESULTS.md in the same run: every row of it is a row of the
// results (the script writes both; nobody types either).
#[test]
fn readme_speed_table_comes_from_the_benchmark() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let results = std::fs::read_to_string(root.join("bench/RESULTS.md")).unwrap();
    let block = readme
        .split("<!-- speed:begin")
        .nth(1)
        .and_then(|b| b.split("<!-- speed:end").next())
        .expect("README has the speed markers");
    let rows: Vec<&str> = block
        .lines()
        .filter(|l| l.starts_with("| ") && l.chars().nth(2).is_some_and(|c| c.is_ascii_digit()))
        .collect();
    assert!(
        rows.len() >= 3,
        "no speed rows between the markers:\n{block}"
    );
    for row in rows {
        // "| 609 | 0.07 s, 40 MB | 2.90 s, 252 MB | 41x |" -> "| 609 | 0.07 | 40 | 2.90 | 252 | 41x |"
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let n = cells[0];
        if n == "1000000" {
            let t = cells[1].split(" s").next().unwrap();
            assert!(
                results.contains(&format!("At n = 1,000,000: studybook {t} s wall")),
                "{row}"
            );
            continue;
        }
        let split = |c: &str| -> Vec<String> {
            c.split(',')
                .map(|x| {
                    x.trim()
                        .trim_end_matches(" MB")
                        .trim_end_matches(" s")
                        .to_string()
                })
                .collect()
        };
        if cells[2].starts_with("over") {
            let sb = split(cells[1]);
            assert!(
                results.contains(&format!("| {n} | {} | {} |", sb[0], sb[1])),
                "{row}"
            );
            continue;
        }
        let mut want = vec![n.to_string()];
        want.extend(split(cells[1]));
        want.extend(split(cells[2]));
        want.push(cells[3].to_string());
        let line = format!("| {} |", want.join(" | "));
        assert!(
            results.contains(&line),
            "README row {row} is not in bench/RESULTS.md ({line})"
        );
    }
}
