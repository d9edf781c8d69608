//! The only module that knows the stage order:
//! config -> data -> study -> cohort -> matching -> populations -> analyses ->
//! figures -> report -> render -> files. Each stage is one call; what a
//! stage computes, and how it is shown, belongs to the stage.

use crate::analysis::{
    self, Diagnostic, complications, regression, robustness, subgroups, survival, table1,
};
use crate::bootstrap;
use crate::cohort::{self, ByPopulation, Cohort, Population, PopulationInfo};
use crate::config::{self, LoadedConfig};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::figures::{self, Figure};
use crate::files::write_atomically;
use crate::matching::{self, MatchOutput};
use crate::published::{self, Review, audit};
use crate::render::{self, Templates};
use crate::report::{self, Provenance, Results, Tables, sha256_file, sha256_hex};
use crate::study;
use crate::weighting::{self, WeightedSample};
use std::collections::BTreeMap;
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
pub const STAGES: [&str; 11] = [
    "reading the config",
    "reading the data",
    "building the cohort",
    "matching",
    "Table 1 and survival",
    "Cox models",
    "complications and subgroups",
    "bootstrap",
    "robustness",
    "figures and checks",
    "rendering",
];

/// Called with each stage's name as it starts (one of [`STAGES`]).
pub type Progress<'a> = &'a dyn Fn(&'static str);

/// Populations a caller adds after those the study makes (the whole cohort,
/// then the matched one): given the cohort, the extra populations.
pub type ExtraPopulations<'a> = &'a (dyn for<'c> Fn(&'c Cohort) -> Vec<Population<'c>> + Sync);

/// [`analyse`], reporting each stage to `progress`.
pub fn analyse_with(config_path: &Path, progress: Progress<'_>) -> Result<Analysis> {
    analyse_populations(config_path, progress, &|_| Vec::new())
}

/// [`analyse_with`] over the study's populations and those `extra` adds:
/// every analysis runs on each of them, and the report shows them all.
pub fn analyse_populations(
    config_path: &Path,
    progress: Progress<'_>,
    extra: ExtraPopulations<'_>,
) -> Result<Analysis> {
    progress(STAGES[0]);
    let config = config::load(config_path)?;
    progress(STAGES[1]);
    let (data, data_sha256) = read_data(&config)?;
    progress(STAGES[2]);
    let study = study::resolve(config, &data)?;
    let (cohort, complication_columns) = build_cohort(&study, data)?;
    let mut diagnostics: Vec<Diagnostic> = cohort
        .warnings
        .iter()
        .map(|w| Diagnostic::warning("cohort", w.clone()))
        .collect();
    progress(STAGES[3]);
    let matched = match &study.config.config.matching {
        Some(conf) => Some(
            matching::run(&cohort, conf, &mut diagnostics).map_err(|e| study.config_error(e.0))?,
        ),
        None => None,
    };
    // The derived values and exclusion masks are no longer needed.
    let config = study.into_config();
    let c = &config.config;
    let weighted = match (&c.weighting, &matched, &c.matching) {
        (Some(w), Some(m), Some(mc)) => weighting::run(&cohort, m, mc, w, &mut diagnostics),
        _ => Vec::new(),
    };
    let populations = populations(&cohort, matched.as_ref(), &weighted, extra);
    // Table 1, the Cox tables and Table 4 describe patients as counted;
    // weighted populations enter the survival analyses.
    let unweighted: Vec<Population<'_>> = populations
        .iter()
        .filter(|p| p.is_unweighted())
        .cloned()
        .collect();
    progress(STAGES[4]);
    // Together per population, so that the diagnostics keep their order.
    let (table1, survival) = unzip(analysis::over(&populations, &mut diagnostics, |p, d| {
        (
            p.is_unweighted().then(|| table1::compute(p, &c.table1, d)),
            survival::compute(p, &c.endpoints, &c.survival, d),
        )
    }));
    progress(STAGES[5]);
    let regression = match &c.cox {
        Some(cx) => analysis::over(&unweighted, &mut diagnostics, |p, d| {
            regression::compute(p, &c.endpoints, &c.survival, cx, d)
        }),
        None => ByPopulation::default(),
    };
    progress(STAGES[6]);
    let (complications, subgroups) = complications_and_subgroups(
        c,
        &cohort,
        &unweighted,
        complication_columns.as_ref(),
        &mut diagnostics,
    );
    progress(STAGES[7]);
    let bootstrap = bootstrap(c, &cohort, matched.as_ref(), &mut diagnostics);
    progress(STAGES[8]);
    let infos: Vec<PopulationInfo> = populations.iter().map(Population::info).collect();
    let robustness = robustness(
        c,
        &populations[0],
        &infos,
        &survival,
        &weighted,
        &mut diagnostics,
    );
    let tables = Tables {
        populations: infos,
        table1,
        survival,
        regression,
        complications,
        subgroups,
        weighting: weighted.iter().map(|w| w.result.clone()).collect(),
        robustness,
        bootstrap,
    };
    progress(STAGES[9]);
    let figures = draw_figures(c, &cohort, &tables, matched.as_ref());
    let templates = Templates::load(Some(&config.dir.join("templates")))?;
    let provenance = provenance(&config, data_sha256, &templates)?;
    let figure_files = figures
        .iter()
        .map(|f| format!("figures/{}.svg", f.name))
        .collect();
    drop(unweighted);
    drop(populations);
    let results = report::assemble(
        &config,
        &cohort,
        matched.as_ref().map(|m| m.results.clone()),
        tables,
        figure_files,
        diagnostics,
        provenance,
    );
    Ok(Analysis {
        config,
        cohort,
        results,
        templates,
        matching: matched,
        figures,
    })
}

/// Table 4's event columns, by column name, one value per cohort patient.
type ComplicationColumns = BTreeMap<String, Vec<bool>>;

/// The cohort of a resolved study, and Table 4's columns: all that is
/// still read from the raw data, read now so that the text is freed (at a
/// million rows, half a gigabyte).
fn build_cohort(
    study: &study::Study,
    data: Dataset,
) -> Result<(Cohort, Option<ComplicationColumns>)> {
    let cohort = cohort::build(study, &data)?;
    let columns = match &study.config.config.complications {
        Some(cc) => Some(cohort::complication_columns(&data, &cohort.rows, cc)?),
        None => None,
    };
    Ok((cohort, columns))
}

/// Every figure, from the tables and the match.
fn draw_figures(
    c: &config::StudyConfig,
    cohort: &Cohort,
    tables: &Tables,
    matched: Option<&MatchOutput>,
) -> Vec<Figure> {
    figures::draw(&figures::Inputs {
        cohort,
        populations: &tables.populations,
        endpoints: &c.endpoints,
        format: &c.format,
        survival: &tables.survival,
        subgroups: &tables.subgroups,
        matching: matched,
        weighting: &tables.weighting,
        robustness: &tables.robustness,
    })
}

/// The populations the analyses run on: the whole cohort, the matched
/// cohort when there is one, each weighting, then those `extra` adds.
fn populations<'c>(
    cohort: &'c Cohort,
    matched: Option<&'c MatchOutput>,
    weighted: &'c [WeightedSample],
    extra: ExtraPopulations<'_>,
) -> Vec<Population<'c>> {
    let mut populations = vec![Population::whole(cohort)];
    populations.extend(matched.map(MatchOutput::population));
    populations.extend(weighted.iter().map(WeightedSample::population));
    populations.extend(extra(cohort));
    populations
}

/// The bootstrap intervals of the matched hazard ratios, when
/// `[robustness] bootstrap` asks for them.
fn bootstrap(
    c: &config::StudyConfig,
    cohort: &Cohort,
    matched: Option<&MatchOutput>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<bootstrap::BootstrapResult> {
    let (Some(b), Some(m), Some(mc)) = (&c.robustness.bootstrap, matched, &c.matching) else {
        return Vec::new();
    };
    let setting = bootstrap::Setting {
        cohort,
        matched: m,
        matching: mc,
        endpoints: &c.endpoints,
        ties: c.survival.ties,
        level: c.survival.conf_level,
    };
    bootstrap::run(&setting, b, diagnostics)
}

/// The treatment effect under every adjustment (with a match to compare):
/// each population's hazard ratio and the model adjusted for the
/// propensity covariates, with E-values.
fn robustness(
    c: &config::StudyConfig,
    whole: &Population<'_>,
    populations: &[PopulationInfo],
    survival: &ByPopulation<survival::SurvivalResults>,
    weighted: &[WeightedSample],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<robustness::RobustnessRow> {
    let Some(m) = &c.matching else {
        return Vec::new();
    };
    let adjusted =
        robustness::adjusted(whole, &c.endpoints, &c.survival, &m.covariates, diagnostics);
    let ess = weighted
        .iter()
        .map(|w| {
            (
                w.result.estimand.id().to_string(),
                w.result.ess_by_group.values().sum(),
            )
        })
        .collect();
    robustness::rows(
        &c.endpoints,
        populations,
        survival,
        &ess,
        &adjusted,
        c.robustness.rare_threshold,
    )
}

/// What produced the results: the tool version and the SHA-256 of every
/// input.
fn provenance(
    config: &LoadedConfig,
    data_sha256: String,
    templates: &Templates,
) -> Result<Provenance> {
    Ok(Provenance {
        studybook_version: env!("CARGO_PKG_VERSION").to_string(),
        data_sha256,
        config_sha256: sha256_hex(config.text.as_bytes()),
        templates_sha256: templates.hashes(),
        published_sha256: published_sha256(config)?,
    })
}

/// Table 4 in every population and the subgroup models in the whole
/// cohort, side by side (Table 4 is quick); diagnostics Table 4's first.
fn complications_and_subgroups(
    c: &config::StudyConfig,
    cohort: &Cohort,
    populations: &[Population<'_>],
    complication_columns: Option<&ComplicationColumns>,
    diagnostics: &mut Vec<Diagnostic>,
) -> (
    ByPopulation<Vec<complications::ComplicationRow>>,
    ByPopulation<Vec<subgroups::SubgroupRow>>,
) {
    let whole = &populations[..1];
    let ((rows4, d4), (rows_sg, dsg)) = rayon::join(
        || {
            let mut d = Vec::new();
            let rows = match (&c.complications, complication_columns) {
                (Some(cc), Some(columns)) => analysis::over(populations, &mut d, |p, d| {
                    let columns = complications::columns_of(p, cohort, columns);
                    complications::compute(p, &columns, cc, &c.table1, d)
                }),
                _ => ByPopulation::default(),
            };
            (rows, d)
        },
        || {
            let mut d = Vec::new();
            let rows = match &c.subgroups {
                Some(sg) => analysis::over(whole, &mut d, |p, d| {
                    subgroups::compute(p, &c.endpoints, &c.survival, sg, d)
                }),
                None => ByPopulation::default(),
            };
            (rows, d)
        },
    );
    diagnostics.extend(d4);
    diagnostics.extend(dsg);
    (rows4, rows_sg)
}

/// The data file read into columns, and its SHA-256 (streamed beside the
/// parse: the file is read twice, at once).
fn read_data(config: &LoadedConfig) -> Result<(Dataset, String)> {
    let path = config.data_path();
    let (data, sha256) = rayon::join(
        || Dataset::read(&path, &config.config.study.na_values),
        || sha256_file(&path),
    );
    Ok((data?, sha256.map_err(|e| Error::io(&path, e))?))
}

/// SHA-256 of the published manifest the study names, if any.
fn published_sha256(config: &LoadedConfig) -> Result<Option<String>> {
    let Some(p) = &config.config.study.published else {
        return Ok(None);
    };
    let path = config.dir.join(p);
    sha256_file(&path)
        .map(Some)
        .map_err(|e| Error::io(&path, e))
}

/// Two results per population as two lists (the first only where there
/// is one).
fn unzip<A, B>(both: ByPopulation<(Option<A>, B)>) -> (ByPopulation<A>, ByPopulation<B>) {
    let (mut a, mut b) = (ByPopulation::default(), ByPopulation::default());
    for (id, (x, y)) in both.into_iter() {
        if let Some(x) = x {
            a.push(id.clone(), x);
        }
        b.push(id, y);
    }
    (a, b)
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
    let review = published::review(&analysis.config, &analysis.results)?;
    progress(STAGES[10]);
    let document = render::Document::new(&analysis.results, review.as_ref());
    let output = &analysis.config.config.output;
    let (rendered, json) = rayon::join(
        || render::outputs::render_files(&document, &analysis.templates, &analysis.figures, output),
        || json_bytes("results.json", &document),
    );
    let (rendered, json) = (rendered?, json?);
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| analysis.config.dir.clone());
    let provenance = provenance_json(&analysis.results, config_path);
    let mut files: Vec<(&str, &[u8])> = vec![
        ("provenance.json", provenance.as_bytes()),
        ("results.json", &json),
    ];
    files.extend(rendered.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    let written = write_atomically(&out, &files)?;
    Ok((analysis, written))
}

/// `provenance.json`: the hashes of the inputs, the platform and the
/// command that rendered them.
fn provenance_json(results: &Results, config_path: &Path) -> String {
    let p = &results.provenance;
    serde_json::to_string_pretty(&serde_json::json!({
        "studybook_version": p.studybook_version,
        "data": results.study.data_file,
        "data_sha256": p.data_sha256,
        "config_sha256": p.config_sha256,
        "templates_sha256": p.templates_sha256,
        "published_sha256": p.published_sha256,
        "platform": format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        "command": format!("studybook render {}", config_path.display()),
    }))
    .unwrap_or_default()
        + "\n"
}

/// Pretty JSON of `value` with a final newline, for the file `name`.
fn json_bytes(name: &str, value: &impl serde::Serialize) -> Result<Vec<u8>> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Template {
        name: name.into(),
        message: e.to_string(),
    })?;
    Ok((text + "\n").into_bytes())
}

/// Compares a study's regenerated results with its published manifest and
/// writes `verify.md`, `verify.html` and `verify.json` into `out` (default:
/// the study's folder). Fails when the config names no manifest. Returns
/// the analysis, its review and the files written.
pub fn verify_study(
    config_path: &Path,
    out: Option<&Path>,
) -> Result<(Analysis, Review, Vec<PathBuf>)> {
    let analysis = analyse(config_path)?;
    let Some(review) = published::review(&analysis.config, &analysis.results)? else {
        return Err(Error::config(
            config_path,
            "the study names no published manifest; add `published = \"published.toml\"` to [study] (the format of the reference study's manifest)",
        ));
    };
    let rendered =
        render::render_verification(&analysis.results, &review.verification, &analysis.templates)?;
    let json = json_bytes("verify.json", &review.verification)?;
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
    Ok((analysis, review, written))
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
