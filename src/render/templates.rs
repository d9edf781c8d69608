//! The template set of a study: the built-in templates, each replaceable
//! by a file of the same name in the study's `templates/` folder.

use crate::error::{Error, Result};
use crate::report::sha256_hex;
use std::collections::BTreeMap;
use std::path::Path;

/// The built-in templates, by name; a study overrides any of them by putting
/// a file of the same name in its `templates/` folder.
const BUILTIN: &[(&str, &str)] = &[
    (
        "manuscript.md.j2",
        include_str!("../../templates/manuscript.md.j2"),
    ),
    (
        "methods.md.j2",
        include_str!("../../templates/methods.md.j2"),
    ),
    ("flow.md.j2", include_str!("../../templates/flow.md.j2")),
    ("table1.md.j2", include_str!("../../templates/table1.md.j2")),
    (
        "survival.md.j2",
        include_str!("../../templates/survival.md.j2"),
    ),
    (
        "cox_tables.md.j2",
        include_str!("../../templates/cox_tables.md.j2"),
    ),
    (
        "subgroups.md.j2",
        include_str!("../../templates/subgroups.md.j2"),
    ),
    (
        "complications.md.j2",
        include_str!("../../templates/complications.md.j2"),
    ),
    (
        "provenance.md.j2",
        include_str!("../../templates/provenance.md.j2"),
    ),
    (
        "matching.md.j2",
        include_str!("../../templates/matching.md.j2"),
    ),
    (
        "weighting.md.j2",
        include_str!("../../templates/weighting.md.j2"),
    ),
    (
        "robustness.md.j2",
        include_str!("../../templates/robustness.md.j2"),
    ),
    ("rmst.md.j2", include_str!("../../templates/rmst.md.j2")),
    (
        "missing.md.j2",
        include_str!("../../templates/missing.md.j2"),
    ),
    (
        "manuscript.html.j2",
        include_str!("../../templates/manuscript.html.j2"),
    ),
    ("audit.md.j2", include_str!("../../templates/audit.md.j2")),
    (
        "abstract.md.j2",
        include_str!("../../templates/abstract.md.j2"),
    ),
    (
        "discussion.md.j2",
        include_str!("../../templates/discussion.md.j2"),
    ),
    ("macros.md.j2", include_str!("../../templates/macros.md.j2")),
    ("verify.md.j2", include_str!("../../templates/verify.md.j2")),
    ("style.css", include_str!("../../templates/style.css")),
    ("review.js", include_str!("../../templates/review.js")),
    (
        "checklist.md.j2",
        include_str!("../../templates/checklist.md.j2"),
    ),
];

/// The template set used for one study.
#[derive(Debug, Clone)]
pub struct Templates {
    pub(super) sources: BTreeMap<String, String>,
}

impl Templates {
    /// The built-in templates, with those found in `override_dir` (when it
    /// exists) taking their place.
    pub fn load(override_dir: Option<&Path>) -> Result<Templates> {
        let mut sources: BTreeMap<String, String> = BUILTIN
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        if let Some(dir) = override_dir.filter(|d| d.is_dir()) {
            for entry in walkdir::WalkDir::new(dir).sort_by_file_name().max_depth(1) {
                let entry = entry.map_err(|e| Error::Template {
                    name: dir.display().to_string(),
                    message: e.to_string(),
                })?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = entry.file_name().to_string_lossy().to_string();
                let text = std::fs::read_to_string(entry.path())
                    .map_err(|e| Error::io(entry.path(), e))?;
                sources.insert(name, text);
            }
        }
        Ok(Templates { sources })
    }

    /// The same set with `name` replaced by `source` (as a study's
    /// `templates/` folder would).
    pub fn with(mut self, name: &str, source: &str) -> Templates {
        self.sources.insert(name.to_string(), source.to_string());
        self
    }

    /// SHA-256 of each template, by name (for provenance).
    pub fn hashes(&self) -> BTreeMap<String, String> {
        self.sources
            .iter()
            .map(|(n, s)| (n.clone(), sha256_hex(s.as_bytes())))
            .collect()
    }
}
