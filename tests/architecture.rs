//! The module dependency graph points one way (config -> data -> cohort ->
//! analysis -> report -> render, run by pipeline), and `stats` is a pure
//! leaf. Rust does not enforce intra-crate layering, so this test reads the
//! sources and fails on any `crate::X` use outside the allowed edges.

use std::path::Path;

/// Modules each module may use (besides itself, `error` and `diagnostics`).
const ALLOWED: &[(&str, &[&str])] = &[
    ("stats", &[]),
    ("error", &[]),
    ("config", &[]),
    ("data", &["config"]),
    ("cohort", &["data", "config"]),
    ("diagnostics", &[]),
    ("format", &["config"]),
    ("matching", &["cohort", "config", "stats"]),
    ("analysis", &["cohort", "config", "stats"]),
    ("figures", &["matching", "analysis", "cohort", "format"]),
    (
        "report",
        &["analysis", "matching", "cohort", "config", "audit"],
    ),
    (
        "render",
        &["report", "figures", "format", "config", "audit"],
    ),
    ("simulate", &["pipeline", "stats", "data"]),
    ("bench", &["stats"]),
    ("audit", &["stats", "format", "config"]),
    (
        "verify",
        &["audit", "report", "config", "format", "analysis"],
    ),
    (
        "pipeline",
        &[
            "analysis", "audit", "cohort", "config", "data", "figures", "format", "matching",
            "render", "report", "stats", "verify",
        ],
    ),
];

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
