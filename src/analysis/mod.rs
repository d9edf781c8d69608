//! Turning a cohort into result values: descriptive tables and tests.
//! Results are plain serializable data with full precision; presentation
//! (rounding, wording) belongs to `render`.

pub mod table1;

use serde::Serialize;

/// A statistical finding worth the reader's attention (a test that could
/// not be computed, a level that never occurs). Reported, never hidden.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Pipeline stage ("cohort", "table1", ...).
    pub stage: String,
    /// "warning" or "note".
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
}
