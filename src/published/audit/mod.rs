//! `studybook audit`: checks a published paper's numbers for internal
//! consistency, from the printed numbers alone (no patient data).
//!
//! The input is a manifest in the format of `published.toml` (one table per
//! printed table, group keys as prefixes: `sr_n`, `sr_pct`, `ta_mean` ...).
//! The rules find their material by shape, not by name, so another paper's
//! manifest works without code changes:
//!
//! 1. **Percentages** (`X_pct` beside `X_n`, denominator `X_n` of the nearest
//!    enclosing table or `X_den`/`X_denominator`): the printed percentage must
//!    be `100 n / N` rounded to its printed decimals.
//! 2. **Category sums**: the `X_n` of a variable's `levels` must add up to
//!    the group's `X_n`.
//! 3. **Categorical tests** (a table with `p` and level counts, or a `total`
//!    row): chi-square with and without Yates' correction and Fisher's exact
//!    test recomputed; which reproduces the printed p, none, or a mix.
//! 4. **Two-group means** (`X_mean`, `X_sd`): Welch and pooled t-tests from
//!    the printed summaries; GRIM and GRIMMER for variables declared integer.
//! 5. **Hazard ratios** (`hr`, `ci_lo`, `ci_hi`, `p`): the CI symmetric about
//!    log HR, the Wald p it implies, and significance agreeing with the CI.
//! 6. **Repeated numbers**: paths linked in `[[audit.same]]` must agree, and
//!    `[[audit.sum]]` parts must add to their total.
//! 7. **Matched cohorts** (`[[audit.subset]]`): no matched count above its
//!    unmatched count; matched variables balanced (SMD).
//! 8. **Copy-paste**: a variable's rows (or one group's column) repeating
//!    another variable's, and identical HR/CI/p records in unlinked places.
//!
//! Every tolerance comes from the printed precision: a number printed with
//! `d` decimals stands for any value within `0.5 x 10^-d` of it.

mod categorical_tests;
mod category_sums;
mod context;
mod copy_paste;
mod hazard_ratios;
mod matched_cohorts;
mod means;
mod percentages;
mod repeated_numbers;
mod test_names;

pub use super::manifest::Manifest;

/// The test families `text` names in the audit's vocabulary (see
/// `test_names`), by their canonical names: "t-test", "chi-square",
/// "Fisher's exact test", "Mann-Whitney U test".
pub fn test_family_names(text: &str) -> Vec<&'static str> {
    test_names::families(text)
        .into_iter()
        .map(test_names::Family::canonical)
        .collect()
}

use crate::format::Formatter;
use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Impossible under any rounding of the printed numbers.
    Error,
    /// Suspicious, or depends on an unstated convention.
    Warning,
    /// Consistent; records how (e.g. which test variant reproduces a p).
    Note,
}

impl Severity {
    /// "error", "warning" or "note".
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding of the audit.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable identifier: rule number and sequence, e.g. "3.02".
    pub id: String,
    /// The rule (1-8, see the module documentation).
    pub rule: u8,
    /// Where in the manifest: a dotted path.
    pub location: String,
    /// File and line of that path, e.g. "published.toml:712".
    pub line: String,
    /// What was checked, e.g. "percentage", "test-p", "hr-ci".
    pub kind: String,
    /// How serious.
    pub severity: Severity,
    /// The number(s) as printed.
    pub reported: String,
    /// What the printed numbers imply.
    pub recomputed: String,
    /// Why this is (or is not) a problem.
    pub explanation: String,
}

/// The audit of one manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// The manifest's file name.
    pub manifest: String,
    /// Findings, errors first, then by rule and manifest order.
    pub findings: Vec<Finding>,
    /// Findings per severity: errors, warnings, notes.
    pub counts: Counts,
}

/// Findings per severity.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
}

/// Audits a loaded manifest. Malformed `[audit]` links (a path that does
/// not exist) are errors of the manifest, reported with their line.
pub fn audit(manifest: &Manifest) -> crate::error::Result<Audit> {
    let fmt = Formatter::new(Default::default());
    let mut findings = context::run(manifest, &fmt)?;
    // Stable order: severity, rule, then the order the rules found them.
    findings.sort_by_key(|f| (f.severity, f.rule));
    let mut counts = Counts::default();
    for f in &findings {
        match f.severity {
            Severity::Error => counts.errors += 1,
            Severity::Warning => counts.warnings += 1,
            Severity::Note => counts.notes += 1,
        }
    }
    Ok(Audit {
        manifest: manifest
            .file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        findings,
        counts,
    })
}
