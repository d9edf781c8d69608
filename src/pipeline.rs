//! The only module that knows the stage order:
//! config -> data -> cohort -> matching -> analysis -> figures -> report ->
//! render -> files.

use crate::analysis::{Diagnostic, complications, regression, subgroups, survival, table1};
use crate::audit;
use crate::cohort::{self, Cohort};
use crate::config::{self, LoadedConfig};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::figures::{self, Figure};
use crate::format::Formatter;
use crate::matching::{self, MatchOutput};
use crate::render::{self, Templates};
use crate::report::{Provenance, Results, SCHEMA, StudyInfo, sha256_file, sha256_hex};
use crate::verify;
use rayon::prelude::*;
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
    /// The match, when the config asks for one.
    pub matching: Option<MatchOutput>,
    /// Figures (SVG).
    pub figures: Vec<Figure>,
}

/// Runs every stage up to the results (no files written).
pub fn analyse(config_path: &Path) -> Result<Analysis> {
    analyse_with(config_path, &|_| {})
}

/// The stages a render reports to a [`Progress`] callback, in order.
pub const STAGES: [&str; 9] = [
    "reading the config",
    "reading the data",
    "building the cohort",
    "matching",
    "Table 1 and survival",
    "Cox models",
    "complications and subgroups",
    "figures and checks",
    "rendering",
];

/// Called with each stage's name as it starts (one of [`STAGES`]).
pub type Progress<'a> = &'a dyn Fn(&'static str);

/// [`analyse`], reporting each stage to `progress`.
pub fn analyse_with(config_path: &Path, progress: Progress<'_>) -> Result<Analysis> {
    progress(STAGES[0]);
    let config = config::load(config_path)?;
    let data_path = config.data_path();
    progress(STAGES[1]);
    // The provenance hash reads the file a second time, beside the parse.
    let (data, data_sha256) = rayon::join(
        || Dataset::read(&data_path, &config.config.study.na_values),
        || sha256_file(&data_path),
    );
    let data = data?;
    let data_sha256 = data_sha256.map_err(|e| Error::io(&data_path, e))?;
    progress(STAGES[2]);
    let cohort = cohort::build(&config, &data)?;
    let mut diagnostics: Vec<Diagnostic> = cohort
        .warnings
        .iter()
        .map(|w| Diagnostic::warning("cohort", w.clone()))
        .collect();
    // Table 4's columns are all that is still read from the raw data: read
    // them now and free the text (at a million rows, half a gigabyte).
    let complication_columns = match &config.config.complications {
        Some(cc) => Some(crate::cohort::complication_columns(
            &data,
            &cohort.rows,
            cc,
        )?),
        None => None,
    };
    drop(data);
    progress(STAGES[3]);
    let matched = match &config.config.matching {
        Some(conf) => Some(matching::run(
            &cohort,
            conf,
            &config.path,
            &mut diagnostics,
        )?),
        None => None,
    };
    let c = &config.config;
    // Table 4's columns of the matched patients: those of the cohort.
    let complication_columns = complication_columns.map(|unmatched| {
        let matched_columns = matched.as_ref().map(|m| {
            unmatched
                .iter()
                .map(|(name, values)| {
                    let kept = values
                        .iter()
                        .zip(&m.in_matched)
                        .filter(|(_, keep)| **keep)
                        .map(|(v, _)| *v)
                        .collect();
                    (name.clone(), kept)
                })
                .collect()
        });
        (unmatched, matched_columns)
    });
    progress(STAGES[4]);
    let ((mut table1, mut surv), matched_t1) = side_by_side(
        |d| {
            (
                table1::compute(&cohort, &c.table1, "unmatched", d),
                survival::compute(&cohort, &c.endpoints, &c.survival, "unmatched", None, d),
            )
        },
        |d| {
            matched.as_ref().map(|m| {
                (
                    table1::compute(&m.matched, &c.table1, "matched", d),
                    survival::compute(
                        &m.matched,
                        &c.endpoints,
                        &c.survival,
                        "matched",
                        Some(&m.pair_of),
                        d,
                    ),
                )
            })
        },
        &mut diagnostics,
    );
    if let Some((t, ms)) = matched_t1 {
        table1.extend(t);
        surv.km.extend(ms.km);
        surv.logrank.extend(ms.logrank);
        surv.cox.extend(ms.cox);
    }
    let mut figures = Vec::new();
    progress(STAGES[5]);
    let mut reg = regression::RegressionResults::default();
    if let Some(cx) = &c.cox {
        let (unmatched_reg, matched_reg) = side_by_side(
            |d| regression::compute(&cohort, &c.endpoints, &c.survival, cx, "unmatched", None, d),
            |d| {
                matched.as_ref().map(|m| {
                    regression::compute(
                        &m.matched,
                        &c.endpoints,
                        &c.survival,
                        cx,
                        "matched",
                        Some(&m.pair_of),
                        d,
                    )
                })
            },
            &mut diagnostics,
        );
        reg = unmatched_reg;
        if let Some(r) = matched_reg {
            reg.models.extend(r.models);
            reg.selection.extend(r.selection);
        }
    }
    progress(STAGES[6]);
    // Table 4 is quick; the subgroup models run beside it.
    let (complication_rows, subgroup_rows) = side_by_side(
        |d| {
            let mut rows = Vec::new();
            if let (Some(cc), Some((unmatched_columns, matched_columns))) =
                (&c.complications, &complication_columns)
            {
                rows = complications::compute(
                    &cohort,
                    unmatched_columns,
                    cc,
                    &c.table1,
                    "unmatched",
                    d,
                );
                if let (Some(m), Some(columns)) = (&matched, matched_columns) {
                    rows.extend(complications::compute(
                        &m.matched, columns, cc, &c.table1, "matched", d,
                    ));
                }
            }
            rows
        },
        |d| match &c.subgroups {
            Some(sg) => subgroups::compute(&cohort, &c.endpoints, &c.survival, sg, "unmatched", d),
            None => Vec::new(),
        },
        &mut diagnostics,
    );
    let fmt = Formatter::new(c.format.clone());
    let group_pairs: Vec<(&str, &str)> = cohort
        .groups
        .iter()
        .map(|g| (g.value.as_str(), g.label.as_str()))
        .collect();
    for e in &c.endpoints {
        let rows: Vec<&subgroups::SubgroupRow> = subgroup_rows
            .iter()
            .filter(|r| r.endpoint == e.id)
            .collect();
        if !rows.is_empty() {
            let title = format!(
                "Hazard ratio, {} vs {}",
                cohort.groups[1].label, cohort.groups[0].label
            );
            figures.push(figures::forest_plot(
                &format!("forest-{}", e.id),
                &rows,
                &group_pairs,
                &fmt,
                &title,
            ));
        }
    }
    let group_labels: Vec<&str> = cohort.groups.iter().map(|g| g.label.as_str()).collect();
    let matched_counts: Option<(Vec<usize>, usize, String)> = matched.as_ref().map(|m| {
        let n = cohort
            .groups
            .iter()
            .map(|g| m.results.n.get(&g.value).copied().unwrap_or(0))
            .collect();
        (
            n,
            m.results.unmatched_focal.len(),
            m.results.focal_label.clone(),
        )
    });
    progress(STAGES[7]);
    // Figures are independent of each other: drawn on both cores.
    let (flow_and_km, matching_figures) = rayon::join(
        || {
            let flow = figures::flow_diagram(
                &cohort.flow,
                &group_labels,
                matched_counts
                    .as_ref()
                    .map(|(n, u, f)| (n.as_slice(), *u, f.as_str())),
            );
            let mut out = vec![flow];
            out.extend(km_figures(&cohort, c, &surv, matched.is_some()));
            out
        },
        || match &matched {
            Some(m) => {
                let labels = [
                    cohort.groups[0].label.as_str(),
                    cohort.groups[1].label.as_str(),
                ];
                let focal = cohort
                    .groups
                    .iter()
                    .position(|g| g.value == m.results.focal)
                    .unwrap_or(1);
                let (love, ps) = rayon::join(
                    || figures::love_plot(m, "Before matching", "After matching"),
                    || figures::ps_distribution(m, &cohort.group, labels, focal),
                );
                vec![love, ps]
            }
            None => Vec::new(),
        },
    );
    figures.extend(flow_and_km);
    figures.extend(matching_figures);
    let templates = Templates::load(Some(&config.dir.join("templates")))?;
    // The published manifest's own consistency, as a supplementary section.
    let manifest = match &c.study.published {
        Some(p) => {
            let path = config.dir.join(p);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            Some((audit::Manifest::load(&path)?, sha256_hex(&bytes)))
        }
        None => None,
    };
    let audit = match &manifest {
        Some((m, _)) => Some(audit::audit(m)?),
        None => None,
    };
    let published_sha256 = manifest.as_ref().map(|(_, h)| h.clone());
    let mut results = Results {
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
        table1_settings: c.table1.clone(),
        format: c.format.clone(),
        table1,
        matching: matched.as_ref().map(|m| m.results.clone()),
        survival: surv,
        regression: reg,
        subgroups: subgroup_rows,
        complications: complication_rows,
        cox_settings: c.cox.clone(),
        survival_settings: c.survival.clone(),
        endpoints: c.endpoints.clone(),
        variable_labels: cohort
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), v.label.clone()))
            .collect(),
        figures: figures
            .iter()
            .map(|f| format!("figures/{}.svg", f.name))
            .collect(),
        diagnostics,
        provenance: Provenance {
            studybook_version: env!("CARGO_PKG_VERSION").to_string(),
            data_sha256,
            config_sha256: sha256_hex(config.text.as_bytes()),
            templates_sha256: templates.hashes(),
            published_sha256,
        },
        audit,
        verification: None,
    };
    if let Some((m, _)) = &manifest {
        results.verification = Some(verify::verify(m, &results, &c.verify));
    }
    Ok(Analysis {
        config,
        cohort,
        results,
        templates,
        matching: matched,
        figures,
    })
}

/// Kaplan-Meier figures: one per endpoint and cohort, annotated with the
/// log-rank p and the treatment hazard ratio, plus one panel figure per
/// cohort when there are several endpoints (the paper's Figures 4 and 5).
fn km_figures(
    cohort: &Cohort,
    c: &config::StudyConfig,
    surv: &survival::SurvivalResults,
    matched: bool,
) -> Vec<Figure> {
    let fmt = Formatter::new(c.format.clone());
    let labels: Vec<&str> = cohort.groups.iter().map(|g| g.label.as_str()).collect();
    let mut per_cohort = Vec::new();
    let cohorts: &[&str] = if matched {
        &["unmatched", "matched"]
    } else {
        &["unmatched"]
    };
    for &co in cohorts {
        let mut panels = Vec::new();
        for e in &c.endpoints {
            let curves: Vec<&survival::KmResult> = surv
                .km
                .iter()
                .filter(|k| k.endpoint == e.id && k.cohort == co)
                .collect();
            if curves.is_empty() {
                continue;
            }
            let mut annotation = Vec::new();
            if let Some(lr) = surv
                .logrank
                .iter()
                .find(|l| l.endpoint == e.id && l.cohort == co)
            {
                annotation.push(format!("Log-rank {}", fmt.p_text(lr.p)));
            }
            if let Some(cx) = surv
                .cox
                .iter()
                .find(|x| x.endpoint == e.id && x.cohort == co)
            {
                for t in &cx.terms {
                    let level = cohort
                        .groups
                        .iter()
                        .find(|g| Some(&g.value) == t.level.as_ref())
                        .map_or("", |g| g.label.as_str());
                    annotation.push(format!(
                        "HR {level} vs {}: {}",
                        labels[0],
                        fmt.hr_ci(t.hr, t.lower, t.upper)
                    ));
                }
            }
            let max = curves
                .iter()
                .filter_map(|k| k.time.last().copied())
                .fold(0.0, f64::max);
            let unit = e.time_unit.clone().unwrap_or_default();
            let months = unit.starts_with("month");
            let letter = char::from(b'a' + (panels.len() % 26) as u8);
            let spec = figures::KmFigureSpec {
                name: format!("km-{}-{co}", e.id),
                labels: labels.clone(),
                x_title: if unit.is_empty() {
                    "Time".into()
                } else {
                    format!("Time ({unit})")
                },
                step: e
                    .axis_step
                    .unwrap_or_else(|| figures::nice_step(max, months)),
                annotation,
                panel: format!("({letter}) {}", e.label),
            };
            panels.push((curves, spec));
        }
        per_cohort.push((co, panels));
    }
    // Drawn in parallel, kept in order: each cohort's curves, then its
    // panel figure.
    per_cohort
        .par_iter()
        .flat_map_iter(|(co, panels)| {
            let mut out: Vec<Figure> = panels
                .par_iter()
                .map(|(curves, spec)| figures::km_plot(curves, spec))
                .collect();
            if panels.len() > 1 {
                let grid = figures::km_grid(&format!("km-{co}"), panels, &out);
                out.push(grid);
            }
            out
        })
        .collect()
}

/// Renders a study into `out` (default: the config's folder) and returns
/// the files written. All files are written under temporary names first
/// and renamed into place only when every one is complete, so a failed run
/// leaves the previous report as it was.
pub fn render_study(config_path: &Path, out: Option<&Path>) -> Result<(Analysis, Vec<PathBuf>)> {
    render_study_with(config_path, out, &|_| {})
}

/// [`render_study`], reporting each stage to `progress`.
pub fn render_study_with(
    config_path: &Path,
    out: Option<&Path>,
    progress: Progress<'_>,
) -> Result<(Analysis, Vec<PathBuf>)> {
    let analysis = analyse_with(config_path, progress)?;
    progress(STAGES[8]);
    let (rendered, json) = rayon::join(
        || render::render(&analysis.results, &analysis.templates, &analysis.figures),
        || json_bytes("results.json", &analysis.results),
    );
    let (rendered, json) = (rendered?, json?);
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| analysis.config.dir.clone());
    let provenance = serde_json::to_string_pretty(&serde_json::json!({
        "studybook_version": analysis.results.provenance.studybook_version,
        "data": analysis.results.study.data_file,
        "data_sha256": analysis.results.provenance.data_sha256,
        "config_sha256": analysis.results.provenance.config_sha256,
        "templates_sha256": analysis.results.provenance.templates_sha256,
        "published_sha256": analysis.results.provenance.published_sha256,
        "platform": format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        "command": format!("studybook render {}", config_path.display()),
    }))
    .unwrap_or_default()
        + "\n";
    let names: Vec<String> = analysis
        .figures
        .iter()
        .map(|f| format!("figures/{}.svg", f.name))
        .collect();
    let mut files: Vec<(&str, &[u8])> = vec![
        ("provenance.json", provenance.as_bytes()),
        ("manuscript.md", rendered.markdown.as_bytes()),
        ("manuscript.html", rendered.html.as_bytes()),
        ("results.json", &json),
    ];
    for (name, f) in names.iter().zip(&analysis.figures) {
        files.push((name, f.svg.as_bytes()));
    }
    let written = write_atomically(&out, &files)?;
    Ok((analysis, written))
}

/// Pretty JSON of `value` with a final newline, for the file `name`.
fn json_bytes(name: &str, value: &impl serde::Serialize) -> Result<Vec<u8>> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Template {
        name: name.into(),
        message: e.to_string(),
    })?;
    Ok((text + "\n").into_bytes())
}

/// Writes each `(name, bytes)` to `dir/.name.tmp`, then renames all of them
/// into place; on any failure the temporary files are removed.
pub fn write_atomically(dir: &Path, files: &[(&str, &[u8])]) -> Result<Vec<PathBuf>> {
    let mut temps = Vec::new();
    let cleanup = |temps: &[(PathBuf, PathBuf)]| {
        for (t, _) in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (name, bytes) in files {
        let target = dir.join(name);
        let parent = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let temp = parent.join(format!(".{file_name}.tmp"));
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

/// Compares a study's regenerated results with its published manifest and
/// writes `verify.md`, `verify.html` and `verify.json` into `out` (default:
/// the study's folder). Fails when the config names no manifest.
pub fn verify_study(config_path: &Path, out: Option<&Path>) -> Result<(Analysis, Vec<PathBuf>)> {
    let analysis = analyse(config_path)?;
    let Some(rendered) = render::render_verification(&analysis.results, &analysis.templates)?
    else {
        return Err(Error::config(
            config_path,
            "the study names no published manifest; add `published = \"published.toml\"` to [study] (the format of the reference study's manifest)",
        ));
    };
    let json = json_bytes("verify.json", &analysis.results.verification)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| analysis.config.dir.clone());
    let written = write_atomically(
        &out,
        &[
            ("verify.md", rendered.markdown.as_bytes()),
            ("verify.html", rendered.html.as_bytes()),
            ("verify.json", &json),
        ],
    )?;
    Ok((analysis, written))
}

/// Audits a published-numbers manifest and writes `audit.md`, `audit.html`
/// and `audit.json` into `out` (atomically). Returns the audit and the files.
pub fn audit_manifest(manifest: &Path, out: &Path) -> Result<(audit::Audit, Vec<PathBuf>)> {
    let loaded = audit::Manifest::load(manifest)?;
    let result = audit::audit(&loaded)?;
    let templates = render::Templates::load(None)?;
    let rendered = render::render_audit(&result, &templates)?;
    let json = json_bytes("audit.json", &result.findings)?;
    let written = write_atomically(
        out,
        &[
            ("audit.md", rendered.markdown.as_bytes()),
            ("audit.html", rendered.html.as_bytes()),
            ("audit.json", &json),
        ],
    )?;
    Ok((result, written))
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
    // The user guide: every Markdown file under guide/, titled by its
    // first heading.
    let guide: Vec<PathBuf> = walkdir::WalkDir::new(root.join("guide"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    if !guide.is_empty() {
        s.push_str("\n# User guide\n\n");
        for page in guide {
            let text = std::fs::read_to_string(&page).map_err(|e| Error::io(&page, e))?;
            let title = text
                .lines()
                .find_map(|l| l.strip_prefix("# "))
                .unwrap_or("Untitled")
                .trim()
                .to_string();
            let rel = page.strip_prefix(root).unwrap_or(&page);
            s.push_str(&format!("- [{title}]({})\n", rel.display()));
        }
    }
    let written = write_atomically(root, &[("SUMMARY.md", s.as_bytes())])?;
    Ok(written
        .into_iter()
        .next()
        .unwrap_or_else(|| root.join("SUMMARY.md")))
}

/// Runs two independent parts of a stage at once (two cores), typically the
/// unmatched and the matched cohort. Each part keeps its own diagnostics,
/// appended first part first, so the report does not depend on which part
/// finishes first.
fn side_by_side<A: Send, B: Send>(
    unmatched: impl FnOnce(&mut Vec<Diagnostic>) -> A + Send,
    matched: impl FnOnce(&mut Vec<Diagnostic>) -> B + Send,
    diagnostics: &mut Vec<Diagnostic>,
) -> (A, B) {
    let ((a, da), (b, db)) = rayon::join(
        || {
            let mut d = Vec::new();
            (unmatched(&mut d), d)
        },
        || {
            let mut d = Vec::new();
            (matched(&mut d), d)
        },
    );
    diagnostics.extend(da);
    diagnostics.extend(db);
    (a, b)
}
