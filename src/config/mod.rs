//! The study config: `study.toml` as typed structs (`StudyConfig`, a mirror
//! of what the author wrote) and its checks that need no data.
//!
//! Keys are kebab-case; unknown keys are rejected with the line, the column
//! and the closest valid key. Paths are relative to the config file.

use crate::error::{Error, Result, did_you_mean};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod analyses;
mod check;
mod format;
mod matching;
mod output;
mod robustness;
mod study;
mod weighting;

pub use analyses::*;
use check::check;
pub use format::*;
pub use matching::*;
pub use output::*;
pub use robustness::*;
pub use study::*;
pub use weighting::*;

/// A study config as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct StudyConfig {
    /// Title, data file, id column.
    pub study: StudySection,
    /// The grouping (treatment) column and its groups.
    pub treatment: Treatment,
    /// Variables by name: data columns or derived expressions.
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    /// Time-to-event endpoints (used by the survival analyses).
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// Exclusion steps that take the screened rows to the analysed cohort.
    #[serde(default)]
    pub cohort: CohortSection,
    /// Table 1: which variables, which tests.
    #[serde(default)]
    pub table1: Table1Section,
    /// Survival analysis conventions.
    #[serde(default)]
    pub survival: SurvivalSection,
    /// Univariable and multivariable Cox tables (Tables 2-3).
    pub cox: Option<CoxSection>,
    /// Complications by group (Table 4).
    pub complications: Option<ComplicationsSection>,
    /// Subgroup analyses of the treatment effect (forest plots).
    pub subgroups: Option<SubgroupSection>,
    /// Propensity-score matching; absent: no matched cohort.
    pub matching: Option<MatchingSection>,
    /// Propensity-score weighting (with `[matching]`'s model).
    pub weighting: Option<WeightingSection>,
    /// The effect under every adjustment: E-values, bootstrap.
    #[serde(default)]
    pub robustness: RobustnessSection,
    /// How numbers are printed.
    #[serde(default)]
    pub format: FormatSection,
    /// `[verify]`: how the published manifest's names map to this study's.
    #[serde(default)]
    pub verify: VerifySection,
    /// `[output]`: manuscript formats, print figures, review copy, checklist.
    #[serde(default)]
    pub output: OutputSection,
}

/// A config read from disk, with the folder its paths are relative to.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The config file.
    pub path: PathBuf,
    /// Its folder.
    pub dir: PathBuf,
    /// Its exact text (hashed for provenance).
    pub text: String,
    /// The parsed config.
    pub config: StudyConfig,
}

impl LoadedConfig {
    /// The data file's path.
    pub fn data_path(&self) -> PathBuf {
        self.dir.join(&self.config.study.data)
    }
}

/// Reads, parses and checks a study config.
pub fn load(path: &Path) -> Result<LoadedConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            "the study config does not exist; check the path (a study is a folder with study.toml)"
        } else {
            "the study config could not be read"
        };
        Error::config(path, format!("{hint} ({e})"))
    })?;
    let config = parse(path, &text)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    Ok(LoadedConfig {
        path: path.to_path_buf(),
        dir,
        text,
        config,
    })
}

/// Parses config text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<StudyConfig> {
    let config: StudyConfig =
        toml::from_str(text).map_err(|e| Error::config(path, explain_toml_error(&e, text)))?;
    check(&config).map_err(|m| Error::config(path, m))?;
    Ok(config)
}

/// Turns a TOML/serde error into "line L, column C: message. Did you mean …?".
fn explain_toml_error(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim_end_matches('\n').to_string();
    let place = e.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {col}: ")
    });
    let mut out = format!("{}{message}", place.unwrap_or_default());
    // serde: "unknown field `x`, expected one of `a`, `b`" / "expected `a` or `b`"
    if let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
        && let Some((word, expected)) = rest.split_once('`')
    {
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let here = e.span().and_then(|span| section_at(text, span.start));
        match (home_of(word), here) {
            (Some(home), Some(here)) if home != here => {
                out.push_str(&format!(
                    ". `{word}` is not a key of {here}; it belongs to {home}"
                ));
            }
            _ => out.push_str(&did_you_mean(word, candidates.iter().copied())),
        }
    }
    out
}

/// Keys that are often written in the wrong section, and where they go.
const KEY_HOMES: &[(&str, &str)] = &[
    ("conf-level", "[survival]"),
    ("ties", "[survival]"),
    ("caliper", "[matching]"),
    ("ratio", "[matching]"),
    ("exact", "[matching]"),
    ("smd-threshold", "[matching]"),
    ("landmarks", "[[endpoints]]"),
    ("time-unit", "[[endpoints]]"),
    ("rmst-tau", "[[endpoints]]"),
    ("p-enter", "[cox]"),
    ("p-remove", "[cox]"),
    ("selection", "[cox]"),
    ("estimands", "[weighting]"),
    ("bootstrap", "[robustness]"),
    ("digits", "[format]"),
    ("p-digits", "[format]"),
    ("dpi", "[output]"),
    ("formats", "[output]"),
];

/// The section a misplaced key belongs to.
fn home_of(key: &str) -> Option<&'static str> {
    KEY_HOMES.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

/// The header (`[cox]`, `[[endpoints]]`) of the table that holds byte
/// `at` of the config text; a dotted header names its first part
/// (`[variables.age]` is in `[variables]`).
fn section_at(text: &str, at: usize) -> Option<String> {
    let header = text[..at.min(text.len())]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))?;
    let double = header.starts_with("[[");
    let name = header
        .trim_start_matches('[')
        .split(']')
        .next()?
        .split('.')
        .next()?
        .trim();
    Some(if double {
        format!("[[{name}]]")
    } else {
        format!("[{name}]")
    })
}
