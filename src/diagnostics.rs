//! Findings that qualify the results (a test that could not be computed, a
//! model that did not converge, unmatched patients). Every stage may add
//! them; they are reported in `results.json` and in the manuscript, never
//! hidden.

use serde::Serialize;

/// How much a finding matters to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The reader should know: a number is missing, qualified or suspect.
    Warning,
    /// Context: how a number came about.
    Note,
}

impl Severity {
    /// The word printed for it ("warning", "note").
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Pipeline stage ("cohort", "matching", "table1", ...).
    pub stage: String,
    /// Warning (the reader should know) or note (context).
    pub severity: Severity,
    /// What happened and what it means for the results.
    pub message: String,
}

impl Diagnostic {
    /// A warning from `stage`.
    pub fn warning(stage: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            stage: stage.into(),
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    /// A note from `stage`.
    pub fn note(stage: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            stage: stage.into(),
            severity: Severity::Note,
            message: message.into(),
        }
    }
}
