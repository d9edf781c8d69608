//! The assembled results of a study run: plain, serializable data with full
//! precision, written as `results.json` and the single input to rendering.

use crate::analysis::Diagnostic;
use crate::analysis::complications::ComplicationRow;
use crate::analysis::regression::RegressionResults;
use crate::analysis::subgroups::SubgroupRow;
pub use crate::analysis::survival::CoxTerm;
use crate::analysis::survival::SurvivalResults;
pub use crate::analysis::table1::Table1Row;
use crate::audit::Audit;
use crate::cohort::{Flow, Group};
use crate::config::{CoxSection, Endpoint, FormatSection, SurvivalSection, Table1Section};
use crate::matching::MatchingResults;
use serde::Serialize;
use std::collections::BTreeMap;

/// Schema tag of `results.json`.
pub const SCHEMA: &str = "studybook.results/1";

/// Everything a study run computed.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Title, authors, data description.
    pub study: StudyInfo,
    /// Groups, reference first.
    pub groups: Vec<Group>,
    /// Patient flow.
    pub flow: Flow,
    /// Settings of Table 1's tests (named in Methods).
    pub table1_settings: Table1Section,
    /// Number formats.
    pub format: FormatSection,
    /// Table 1 rows: the unmatched cohort, then the matched one.
    pub table1: Vec<Table1Row>,
    /// Propensity-score matching, when configured.
    pub matching: Option<MatchingResults>,
    /// Complications by group (Table 4), unmatched then matched.
    pub complications: Vec<ComplicationRow>,
    /// Treatment effect within subgroups (unmatched cohort).
    pub subgroups: Vec<SubgroupRow>,
    /// Settings of the risk-factor tables.
    pub cox_settings: Option<CoxSection>,
    /// Univariable and multivariable Cox models of the risk-factor tables.
    pub regression: RegressionResults,
    /// Survival conventions (named in Methods).
    pub survival_settings: SurvivalSection,
    /// Survival analyses of every endpoint, unmatched then matched.
    pub survival: SurvivalResults,
    /// Endpoints as configured (labels, landmarks, units).
    pub endpoints: Vec<Endpoint>,
    /// Printed name of every variable, by name.
    pub variable_labels: BTreeMap<String, String>,
    /// Figure files written beside the manuscript.
    pub figures: Vec<String>,
    /// Findings that qualify the results.
    pub diagnostics: Vec<Diagnostic>,
    /// Hashes of the inputs and the tool version.
    pub provenance: Provenance,
    /// The audit of the published manifest, when the config names one.
    pub audit: Option<Audit>,
    /// The regenerated numbers against the published ones, claim by claim.
    pub verification: Option<Verification>,
}

/// Regenerated results against a published manifest (`studybook verify`).
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The manifest's file name.
    pub manifest: String,
    /// Every claim, in manifest order.
    pub claims: Vec<Claim>,
    /// Counts per section and cohort.
    pub summary: Vec<ClaimSummary>,
}

/// One published number and its regenerated counterpart.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// Where the manuscript reports it ("Table 1", "Table 2", "Kaplan-Meier"...).
    pub section: String,
    /// `unmatched` or `matched`.
    pub cohort: String,
    /// What it is, e.g. "Age (years) <=65, SR, n".
    pub claim: String,
    /// The manifest path.
    pub path: String,
    /// As printed.
    pub published: String,
    /// Regenerated, printed with the published decimals ("" when missing).
    pub regenerated: String,
    /// `reproduced`, `differs` or `missing`.
    pub verdict: String,
}

/// Claims reproduced per section and cohort.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimSummary {
    /// Section.
    pub section: String,
    /// Cohort.
    pub cohort: String,
    /// Claims reproduced within the printed precision.
    pub reproduced: usize,
    /// Claims compared (missing ones excluded).
    pub compared: usize,
    /// Claims with no regenerated counterpart.
    pub missing: usize,
}

/// Descriptive fields of the study.
#[derive(Debug, Clone, Serialize)]
pub struct StudyInfo {
    /// Manuscript title.
    pub title: String,
    /// Authors.
    pub authors: Vec<String>,
    /// Data source description.
    pub source: Option<String>,
    /// Abstract background.
    pub background: Option<String>,
    /// Abstract conclusions.
    pub conclusions: Option<String>,
    /// Date given by the config (provenance).
    pub date: Option<String>,
    /// Data file name (as given in the config).
    pub data_file: String,
    /// Treatment column.
    pub treatment_column: String,
}

/// What produced the results: SHA-256 of every input, the tool version.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// `studybook` version.
    pub studybook_version: String,
    /// SHA-256 (hex) of the data file.
    pub data_sha256: String,
    /// SHA-256 (hex) of the config file.
    pub config_sha256: String,
    /// SHA-256 (hex) of each template, by name.
    pub templates_sha256: BTreeMap<String, String>,
    /// SHA-256 (hex) of the published manifest, when the config names one.
    pub published_sha256: Option<String>,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex SHA-256 of a file's bytes, read in blocks (a large data
/// file is not held twice).
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
