//! Findings that qualify the results (a test that could not be computed, a
//! model that did not converge, unmatched patients). Every stage may add
//! them; they are reported in `results.json` and in the manuscript, never
//! hidden.

use serde::Serialize;

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Pipeline stage ("cohort", "matching", "table1", ...).
    pub stage: String,
    /// "warning" (the reader should know) or "note" (context).
    pub severity: String,
    /// What happened and what it means for the results.
    pub message: String,
}

impl Diagnostic {
    /// A warning from `stage`.
    pub fn warning(stage: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            stage: stage.into(),
            severity: "warning".into(),
            message: message.into(),
        }
    }

    /// A note from `stage`.
    pub fn note(stage: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            stage: stage.into(),
            severity: "note".into(),
            message: message.into(),
        }
    }
}
