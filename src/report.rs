//! The assembled results of a study run: plain, serializable data with full
//! precision, written as `results.json` and the single input to rendering.

use crate::analysis::Diagnostic;
use crate::analysis::complications::ComplicationRow;
pub use crate::analysis::regression::{RegressionResults, TableModel};
pub use crate::analysis::rmst::RmstResult;
pub use crate::analysis::robustness::RobustnessRow;
use crate::analysis::subgroups::SubgroupRow;
pub use crate::analysis::survival::CoxTerm;
use crate::analysis::survival::SurvivalResults;
pub use crate::analysis::table1::Table1Row;
pub use crate::bootstrap::BootstrapResult;
pub use crate::cohort::{ByPopulation, Made, PopulationInfo};
use crate::cohort::{Cohort, Flow, Group};
pub use crate::config::EstimandKind;
use crate::config::{
    CoxSection, Endpoint, FormatSection, LoadedConfig, RobustnessSection, SurvivalSection,
    Table1Section,
};
use crate::matching::MatchingResults;
pub use crate::weighting::WeightingResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// Schema tag of `results.json`.
pub const SCHEMA: &str = "studybook.results/3";

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
    /// The populations analysed, in order (the whole cohort first).
    pub populations: Vec<PopulationInfo>,
    /// Settings of Table 1's tests (named in Methods).
    pub table1_settings: Table1Section,
    /// Number formats.
    pub format: FormatSection,
    /// Table 1 rows of each population.
    pub table1: ByPopulation<Vec<Table1Row>>,
    /// Propensity-score matching, when configured.
    pub matching: Option<MatchingResults>,
    /// Propensity-score weighting, one entry per estimand (absent without
    /// `[weighting]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weighting: Vec<WeightingResult>,
    /// Complications by group (Table 4) of each population.
    pub complications: ByPopulation<Vec<ComplicationRow>>,
    /// Treatment effect within subgroups, per population analysed.
    pub subgroups: ByPopulation<Vec<SubgroupRow>>,
    /// Settings of the risk-factor tables.
    pub cox_settings: Option<CoxSection>,
    /// Univariable and multivariable Cox models of the risk-factor tables,
    /// per population (none without `[cox]`).
    pub regression: ByPopulation<RegressionResults>,
    /// Survival conventions (named in Methods).
    pub survival_settings: SurvivalSection,
    /// Survival analyses of every endpoint, per population.
    pub survival: ByPopulation<SurvivalResults>,
    /// The treatment effect under every adjustment, per endpoint (absent
    /// without `[matching]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub robustness: Vec<RobustnessRow>,
    /// The bootstrap interval of each endpoint's matched hazard ratio
    /// (absent without `[robustness] bootstrap`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bootstrap: Vec<BootstrapResult>,
    /// `[robustness]` as configured (its rare-outcome threshold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robustness_settings: Option<RobustnessSection>,
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
}

/// The results of every analysis, per population, as the stages return
/// them (the input of [`assemble`]).
#[derive(Debug, Clone, Default)]
pub struct Tables {
    /// The populations analysed, in order.
    pub populations: Vec<PopulationInfo>,
    /// Table 1.
    pub table1: ByPopulation<Vec<Table1Row>>,
    /// Survival.
    pub survival: ByPopulation<SurvivalResults>,
    /// Risk-factor tables.
    pub regression: ByPopulation<RegressionResults>,
    /// Table 4.
    pub complications: ByPopulation<Vec<ComplicationRow>>,
    /// Subgroups.
    pub subgroups: ByPopulation<Vec<SubgroupRow>>,
    /// Each weighting's summary.
    pub weighting: Vec<WeightingResult>,
    /// The robustness table's rows.
    pub robustness: Vec<RobustnessRow>,
    /// The bootstrap intervals.
    pub bootstrap: Vec<BootstrapResult>,
}

/// Assembles the results of a run: the study's description from the
/// config, the cohort's groups and flow, the populations and every table,
/// the figure files, the diagnostics and the provenance.
pub fn assemble(
    config: &LoadedConfig,
    cohort: &Cohort,
    matching: Option<MatchingResults>,
    tables: Tables,
    figures: Vec<String>,
    diagnostics: Vec<Diagnostic>,
    provenance: Provenance,
) -> Results {
    let c = &config.config;
    Results {
        schema: SCHEMA,
        study: StudyInfo {
            title: c.study.title.clone(),
            authors: c.study.authors.clone(),
            source: c.study.source.clone(),
            background: c.study.background.clone(),
            conclusions: c.study.conclusions.clone(),
            date: c.study.date.clone(),
            data_file: c.study.data.display().to_string(),
            treatment_column: c.treatment.column.clone(),
        },
        groups: cohort.groups.clone(),
        flow: cohort.flow.clone(),
        populations: tables.populations,
        table1_settings: c.table1.clone(),
        format: c.format.clone(),
        table1: tables.table1,
        matching,
        weighting: tables.weighting,
        robustness_settings: (!tables.robustness.is_empty()).then(|| c.robustness.clone()),
        robustness: tables.robustness,
        bootstrap: tables.bootstrap,
        complications: tables.complications,
        subgroups: tables.subgroups,
        cox_settings: c.cox.clone(),
        regression: tables.regression,
        survival_settings: c.survival.clone(),
        survival: tables.survival,
        endpoints: c.endpoints.clone(),
        variable_labels: cohort
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), v.label.clone()))
            .collect(),
        figures,
        diagnostics,
        provenance,
    }
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
