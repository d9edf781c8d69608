//! The only module that knows the stage order:
//! config -> data -> cohort -> analysis -> report -> render -> files.

use crate::analysis::{Diagnostic, table1};
use crate::cohort::{self, Cohort};
use crate::config::{self, LoadedConfig};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::render::{self, Templates};
use crate::report::{Provenance, Results, SCHEMA, StudyInfo, sha256_hex};
use std::path::{Path, PathBuf};

/// A study analysed: its config, cohort and results.
#[derive(Debug)]
pub struct Analysis {
    /// The config as read.
    pub config: LoadedConfig,
    /// The analysed cohort.
    pub cohort: Cohort,
    /// Every computed number.
    pub results: Results,
    /// The templates used (for rendering).
    pub templates: Templates,
}

/// Runs every stage up to the results (no files written).
pub fn analyse(config_path: &Path) -> Result<Analysis> {
    let config = config::load(config_path)?;
    let data_path = config.data_path();
    let data = Dataset::read(&data_path, &config.config.study.na_values)?;
    let cohort = cohort::build(&config, &data)?;
    let mut diagnostics: Vec<Diagnostic> = cohort
        .warnings
        .iter()
        .map(|w| Diagnostic::warning("cohort", w.clone()))
        .collect();
    let table1 = table1::compute(
        &cohort,
        &config.config.table1,
        "unmatched",
        &mut diagnostics,
    );
    let templates = Templates::load(Some(&config.dir.join("templates")))?;
    let data_bytes = std::fs::read(&data_path).map_err(|e| Error::io(&data_path, e))?;
    let c = &config.config;
    let results = Results {
        schema: SCHEMA,
        study: StudyInfo {
            title: c.study.title.clone(),
            authors: c.study.authors.clone(),
            source: c.study.source.clone(),
            data_file: c.study.data.display().to_string(),
            treatment_column: c.treatment.column.clone(),
        },
        groups: cohort.groups.clone(),
        flow: cohort.flow.clone(),
        table1_settings: c.table1.clone(),
        format: c.format.clone(),
        table1,
        diagnostics,
        provenance: Provenance {
            studybook_version: env!("CARGO_PKG_VERSION").to_string(),
            data_sha256: sha256_hex(&data_bytes),
            config_sha256: sha256_hex(config.text.as_bytes()),
            templates_sha256: templates.hashes(),
        },
    };
    Ok(Analysis {
        config,
        cohort,
        results,
        templates,
    })
}

/// Renders a study into `out` (default: the config's folder) and returns
/// the files written. All files are written under temporary names first
/// and renamed into place only when every one is complete, so a failed run
/// leaves the previous report as it was.
pub fn render_study(config_path: &Path, out: Option<&Path>) -> Result<(Analysis, Vec<PathBuf>)> {
    let analysis = analyse(config_path)?;
    let rendered = render::render(&analysis.results, &analysis.templates)?;
    let json = serde_json::to_string_pretty(&analysis.results).map_err(|e| Error::Template {
        name: "results.json".into(),
        message: e.to_string(),
    })? + "\n";
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| analysis.config.dir.clone());
    let files = [
        ("manuscript.md", rendered.markdown.into_bytes()),
        ("manuscript.html", rendered.html.into_bytes()),
        ("results.json", json.into_bytes()),
    ];
    let written = write_atomically(&out, &files)?;
    Ok((analysis, written))
}

/// Writes each `(name, bytes)` to `dir/.name.tmp`, then renames all of them
/// into place; on any failure the temporary files are removed.
pub fn write_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut temps = Vec::new();
    let cleanup = |temps: &[(PathBuf, PathBuf)]| {
        for (t, _) in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (name, bytes) in files {
        let target = dir.join(name);
        let temp = dir.join(format!(".{name}.tmp"));
        if let Err(e) = std::fs::write(&temp, bytes) {
            cleanup(&temps);
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io(&temp, e));
        }
        temps.push((temp, target));
    }
    for (temp, target) in &temps {
        std::fs::rename(temp, target).map_err(|e| {
            cleanup(&temps);
            Error::io(target, e)
        })?;
    }
    Ok(temps.into_iter().map(|(_, t)| t).collect())
}

/// Every `study.toml` under `root`, sorted by path.
pub fn find_studies(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.file_name() == "study.toml")
        .map(|e| e.into_path())
        .collect()
}

/// Writes `root/SUMMARY.md` (the mdBook table of contents) listing each
/// study's manuscript by title.
pub fn write_summary(root: &Path, studies: &[(String, PathBuf)]) -> Result<PathBuf> {
    let mut s = String::from("# Summary\n\n");
    for (title, manuscript) in studies {
        let rel = manuscript.strip_prefix(root).unwrap_or(manuscript);
        let title = title.replace('[', "\\[").replace(']', "\\]");
        s.push_str(&format!("- [{title}]({})\n", rel.display()));
    }
    let written = write_atomically(root, &[("SUMMARY.md", s.into_bytes())])?;
    Ok(written
        .into_iter()
        .next()
        .unwrap_or_else(|| root.join("SUMMARY.md")))
}
