//! Automatic numbering of tables and figures, in order of appearance, and
//! cross-references that may precede their label (two passes).

use super::capitalize;
use super::environment::invalid;
use std::collections::BTreeMap;

/// Automatic numbering of tables and figures, per kind ("table", "figure",
/// "supplemental table", "supplemental figure"), in order of appearance.
#[derive(Debug, Clone, Default)]
pub(super) struct Numbering {
    /// Numbers known from the first pass (id -> "Table 2"); `None` while
    /// collecting.
    known: Option<BTreeMap<String, String>>,
    /// Labels met in this pass: id -> printed name.
    labels: BTreeMap<String, String>,
    /// Next number per kind.
    next: BTreeMap<String, usize>,
}

impl Numbering {
    const KINDS: [&'static str; 4] = [
        "table",
        "figure",
        "supplemental table",
        "supplemental figure",
    ];

    /// Numbers the next `kind` as `id` and returns its printed name.
    pub(super) fn label(
        &mut self,
        kind: &str,
        id: &str,
    ) -> std::result::Result<String, minijinja::Error> {
        if !Self::KINDS.contains(&kind) {
            return Err(invalid(format!(
                "label(\"{kind}\", \"{id}\"): the kind must be one of {}",
                Self::KINDS.join(", ")
            )));
        }
        if self.labels.contains_key(id) {
            return Err(invalid(format!(
                "label `{id}` is defined twice; give each table and figure its own id"
            )));
        }
        let n = self.next.entry(kind.to_string()).or_insert(0);
        *n += 1;
        let name = format!("{} {n}", capitalize_words(kind));
        self.labels.insert(id.to_string(), name.clone());
        Ok(name)
    }

    /// The printed name of a labelled table or figure.
    pub(super) fn cite(&self, id: &str) -> std::result::Result<String, minijinja::Error> {
        match &self.known {
            // First pass: labels may come later.
            None => Ok(self.labels.get(id).cloned().unwrap_or_else(|| "??".into())),
            Some(known) => known.get(id).cloned().ok_or_else(|| {
                invalid(format!(
                    "ref(\"{id}\") points at no table or figure{}",
                    crate::error::did_you_mean(id, known.keys().map(String::as_str))
                ))
            }),
        }
    }

    /// Every label met in this pass: id -> printed name ("Table 1").
    pub(super) fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// A fresh numbering for the second pass, with every label known.
    pub(super) fn resolved(&self) -> Numbering {
        Numbering {
            known: Some(self.labels.clone()),
            ..Numbering::default()
        }
    }
}

fn capitalize_words(s: &str) -> String {
    s.split(' ').map(capitalize).collect::<Vec<_>>().join(" ")
}
