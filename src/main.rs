//! The `studybook` command: parses arguments, calls the library, prints the
//! error chain and maps the outcome to an exit code (0 ok, 1 failure,
//! 2 usage error from clap).

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use studybook::pipeline;
use studybook::published::twin;

/// The default study, rendered by `studybook render` with no argument.
const DEFAULT_STUDY: &str = "reports/tace-downstaging/study.toml";

#[derive(Parser)]
#[command(
    name = "studybook",
    version,
    about = "Regenerates a cohort study's manuscript from its data"
)]
struct Cli {
    /// No progress bar (it is also hidden when stderr is not a terminal or
    /// CI is set).
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a study: manuscript.md, manuscript.html and results.json.
    Render {
        /// The study config.
        #[arg(default_value = DEFAULT_STUDY)]
        study: PathBuf,
        /// Output folder (default: the study's folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Render every study.toml under reports/ and rewrite reports/SUMMARY.md.
        #[arg(long, conflicts_with = "out")]
        all: bool,
    },
    /// Write a commented study.toml for a data file: columns typed from
    /// their values, the treatment's groups, endpoints guessed from
    /// time/event pairs (commented out). Never overwrites a file.
    Init {
        /// The data file (CSV or Parquet).
        data: PathBuf,
        /// The treatment column (default: the first two-level column).
        #[arg(long)]
        treatment: Option<String>,
        /// Folder of the new study.toml.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Render a study, then again whenever its config, data, templates or
    /// published manifest change (debounced); a failed render shows the
    /// error and keeps the previous report. Stop with Ctrl-C.
    Watch {
        /// The study config.
        #[arg(default_value = DEFAULT_STUDY)]
        study: PathBuf,
        /// Output folder (default: the study's folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Milliseconds to wait for a burst of changes to end.
        #[arg(long, default_value_t = 300)]
        debounce: u64,
    },
    /// Compare two renders' results.json (or their folders): lists every
    /// number that changed, writes diff.md and diff.html; exits 1 when a
    /// number changed.
    Diff {
        /// The earlier results.json, or its folder.
        old: PathBuf,
        /// The later results.json, or its folder.
        new: PathBuf,
        /// Output folder (default: the current folder).
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Validate a study's config and data and print the cohort summary.
    Check {
        /// The study config.
        #[arg(default_value = DEFAULT_STUDY)]
        study: PathBuf,
    },
    /// Compare a study's regenerated results with its published manifest,
    /// claim by claim: prints the summary and the differing claims, writes
    /// verify.md, verify.html and verify.json.
    Verify {
        /// The study config (its [study] published names the manifest).
        #[arg(default_value = DEFAULT_STUDY)]
        study: PathBuf,
        /// Output folder (default: the study's folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print every claim, not only those that differ.
        #[arg(long)]
        all: bool,
    },
    /// Check a published paper's numbers for internal consistency: prints the
    /// findings, writes audit.md, audit.html and audit.json; exits 1 when
    /// there is an error-severity finding.
    Audit {
        /// The manifest of published numbers (the format of published.toml).
        #[arg(required_unless_present = "draft")]
        manifest: Option<PathBuf>,
        /// Instead of auditing, draft a manifest from an article's tables
        /// (Markdown, HTML or JATS XML): written to `--out` (default: the
        /// article's name with `.manifest.toml`), never over an existing file.
        #[arg(long, value_name = "ARTICLE", conflicts_with = "manifest")]
        draft: Option<PathBuf>,
        /// Output folder (default: `audit/` beside the manifest); with
        /// `--draft`, the draft's file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also print the notes (reproduced numbers), not only errors and warnings.
        #[arg(long)]
        notes: bool,
    },
    /// Time a kernel on synthetic data: `studybook bench matching --n 1000000`.
    Bench {
        /// What to time: `matching` (propensity model and 1:1 match) or
        /// `survival` (Kaplan-Meier, log-rank, 10-covariate Cox).
        #[arg(value_parser = ["matching", "survival", "render"])]
        what: String,
        /// For `render`: the study to render (timed per stage; output to a
        /// temporary folder).
        #[arg(long, default_value = DEFAULT_STUDY)]
        study: PathBuf,
        /// Patients to simulate.
        #[arg(long, default_value_t = 1_000_000)]
        n: usize,
        /// Seed of the ChaCha8 generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write the synthetic twin cohort of the reference study.
    Simulate {
        /// Manifest of published numbers to match.
        #[arg(long, default_value = "data/tace-downstaging/published.toml")]
        published: PathBuf,
        /// Output file (.csv).
        #[arg(long, default_value = "data/tace-downstaging/cohort.csv")]
        out: PathBuf,
        /// Seed of the ChaCha8 generator.
        #[arg(long, default_value_t = 20250101)]
        seed: u64,
        /// Resample the twin to this many rows (a bootstrap, for benchmarks;
        /// Parquet when --out ends in .parquet).
        #[arg(long)]
        n: Option<usize>,
    },
}

/// Prints a line to standard output; a closed pipe (`studybook ... | head`)
/// is not an error, as in other Unix tools.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let show = !cli.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    match run(cli.command, show) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A progress bar over the pipeline's stages for one study, drawn on stderr
/// only when `show`.
fn progress_bar(show: bool, study: &Path) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(pipeline::STAGES.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(study.display().to_string());
    bar
}

/// Renders one study with a progress bar.
fn render_one(
    study: &Path,
    out: Option<&Path>,
    show: bool,
) -> studybook::Result<(pipeline::Analysis, Vec<PathBuf>)> {
    let bar = progress_bar(show, study);
    let step = |stage: &'static str| {
        bar.set_message(stage);
        bar.inc(1);
    };
    let result = pipeline::render_study_with(study, out, &step);
    bar.finish_and_clear();
    result
}

fn run(command: Command, show: bool) -> studybook::Result<()> {
    match command {
        Command::Render { study, out, all } => render(&study, out.as_deref(), all, show),
        Command::Verify { study, out, all } => verify(&study, out.as_deref(), all),
        Command::Audit {
            manifest,
            draft,
            out,
            notes,
        } => match (draft, manifest) {
            (Some(article), _) => draft_manifest(&article, out),
            (None, Some(manifest)) => audit(&manifest, out, notes),
            (None, None) => unreachable!("clap requires a manifest unless --draft is given"),
        },
        Command::Check { study } => check(&study),
        Command::Init {
            data,
            treatment,
            out,
        } => {
            let path = studybook::init::init(&data, treatment.as_deref(), &out)?;
            say!(
                "wrote {}; review it, then run `studybook check {}`",
                path.display(),
                path.display()
            );
            Ok(())
        }
        Command::Watch {
            study,
            out,
            debounce,
        } => watch(&study, out.as_deref(), debounce),
        Command::Diff { old, new, out } => diff(&old, &new, &out),
        Command::Bench { what, study, .. } if what == "render" => bench_render(&study),
        Command::Bench { what, n, seed, .. } if what == "survival" => {
            let b = studybook::bench::survival(n, seed);
            say!(
                "survival: n = {}, events = {}; Kaplan-Meier by group {:.3} s, log-rank {:.3} s, Cox with 10 covariates {:.3} s ({} iterations)",
                b.n,
                b.events,
                b.km_seconds,
                b.logrank_seconds,
                b.cox_seconds,
                b.cox_iterations
            );
            Ok(())
        }
        Command::Bench { n, seed, .. } => {
            let b = studybook::bench::matching(n, seed);
            say!(
                "matching: n = {}, focal = {}, matched = {}; propensity model {:.3} s, 1:1 match (caliper 0.1 SD) {:.3} s",
                b.n,
                b.focal,
                b.matched,
                b.fit_seconds,
                b.match_seconds
            );
            Ok(())
        }
        Command::Simulate {
            published,
            out,
            seed,
            n,
        } => {
            let summary = match n {
                Some(n) => twin::write_scaled_cohort(&published, &out, seed, n)?,
                None => twin::write_twin_cohort(&published, &out, seed)?,
            };
            say!("wrote {} ({} rows)", out.display(), summary);
            Ok(())
        }
    }
}

/// `render`: one study, or every study under `reports/` and the summary.
fn render(study: &Path, out: Option<&Path>, all: bool, show: bool) -> studybook::Result<()> {
    if all {
        let root = Path::new("reports");
        let mut listed = Vec::new();
        for config in pipeline::find_studies(root) {
            let (analysis, files) = render_one(&config, None, show)?;
            report_written(&files);
            let manuscript = files
                .iter()
                .find(|f| f.ends_with("manuscript.md"))
                .cloned()
                .unwrap_or_default();
            listed.push((analysis.results.study.title.clone(), manuscript));
        }
        let summary = pipeline::write_summary(root, &listed)?;
        say!("wrote {}", summary.display());
    } else {
        let (_, files) = render_one(study, out, show)?;
        report_written(&files);
    }
    Ok(())
}

/// `watch`: renders on every change, reporting each render on stderr.
fn watch(study: &Path, out: Option<&Path>, debounce: u64) -> studybook::Result<()> {
    use studybook::watch::WatchEvent;
    let mut report = |event: WatchEvent<'_>| match event {
        WatchEvent::Rendering([]) => eprintln!("watch: rendering {}", study.display()),
        WatchEvent::Rendering(changed) => {
            let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
            eprintln!("watch: {} changed; rendering", names.join(", "));
        }
        WatchEvent::Rendered(files) => {
            eprintln!(
                "watch: wrote {} files; waiting for changes (Ctrl-C stops)",
                files.len()
            )
        }
        WatchEvent::Failed(e) => {
            eprintln!("error: {e}\nwatch: the previous report is kept; waiting for changes")
        }
    };
    studybook::watch::watch(
        study,
        out,
        std::time::Duration::from_millis(debounce),
        &mut report,
    )
}

/// `verify`: the claims that did not reproduce (all with `--all`) and the
/// summary per section.
fn verify(study: &Path, out: Option<&Path>, all: bool) -> studybook::Result<()> {
    let (_, review, files) = pipeline::verify_study(study, out)?;
    {
        let v = &review.verification;
        say!(
            "{:<10} {:<40} {:>12} {:>12}  verdict",
            "cohort",
            "claim",
            "published",
            "regenerated"
        );
        for c in &v.claims {
            if all || c.verdict != "reproduced" {
                say!(
                    "{:<10} {:<40} {:>12} {:>12}  {}",
                    c.cohort,
                    format!("{}: {}", c.section, c.claim),
                    c.published,
                    c.regenerated,
                    c.verdict
                );
            }
        }
        for s in &v.summary {
            say!(
                "{} ({}): {} of {} reproduced, {} missing",
                s.section,
                s.cohort,
                s.reproduced,
                s.compared,
                s.missing
            );
        }
    }
    report_written(&files);
    Ok(())
}

/// `audit`: the findings (notes with `--notes`) and their counts; an
/// error finding fails the command after the report is written.
fn audit(manifest: &Path, out: Option<PathBuf>, notes: bool) -> studybook::Result<()> {
    let out = out.unwrap_or_else(|| {
        manifest
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("audit")
    });
    let (audit, files) = pipeline::audit_manifest(manifest, &out)?;
    for f in &audit.findings {
        if f.severity == studybook::published::audit::Severity::Note && !notes {
            continue;
        }
        say!(
            "{} {} {} ({}) {}\n    reported:   {}\n    recomputed: {}\n    {}",
            f.severity.name(),
            f.id,
            f.location,
            f.line,
            f.kind,
            f.reported,
            f.recomputed,
            f.explanation
        );
    }
    let c = audit.counts;
    say!(
        "{}: {} error(s), {} warning(s), {} note(s)",
        manifest.display(),
        c.errors,
        c.warnings,
        c.notes
    );
    report_written(&files);
    if c.errors > 0 {
        return Err(studybook::Error::Findings(c.errors));
    }
    Ok(())
}

/// `audit --draft`: a draft manifest from an article's tables, with the
/// cells it could not read listed; never over an existing file.
fn draft_manifest(article: &Path, out: Option<PathBuf>) -> studybook::Result<()> {
    let out = out.unwrap_or_else(|| article.with_extension("manifest.toml"));
    if out.exists() {
        return Err(studybook::Error::Output {
            file: out.display().to_string(),
            message: "exists; the draft is never written over a file. Pass another --out, or \
                      remove it."
                .into(),
        });
    }
    let d = studybook::published::draft::draft(article)?;
    let (dir, name) = studybook::files::folder_and_name(&out);
    studybook::files::write_atomically(dir, &[(name.as_str(), d.text.as_bytes())])?;
    say!(
        "{}: {} table(s) read, {} cell(s) not read (listed at the end of the draft)",
        article.display(),
        d.tables,
        d.unread.len()
    );
    say!("wrote {}", out.display());
    say!(
        "Review it against the article, then: studybook audit {}",
        out.display()
    );
    Ok(())
}

/// `diff`: the numbers that changed between two renders.
fn diff(old: &Path, new: &Path, out: &Path) -> studybook::Result<()> {
    let (d, files) = studybook::diff::run(old, new, out)?;
    for c in &d.changes {
        say!(
            "{} › {}: {} → {}",
            c.section,
            c.place,
            c.printed.0,
            c.printed.1
        );
    }
    say!("{} number(s) changed", d.changes.len());
    report_written(&files);
    if !d.changes.is_empty() {
        return Err(studybook::Error::Changed(d.changes.len()));
    }
    Ok(())
}

/// `check`: config, data and manifest read; template lint; the flow.
fn check(study: &Path) -> studybook::Result<()> {
    let a = pipeline::analyse(study)?;
    // The published manifest, if the study names one, must read too.
    studybook::published::review(&a.config, &a.results)?;
    for lint in studybook::render::lint(&a.templates) {
        say!("warning: {lint}");
    }
    let f = &a.results.flow;
    say!("{}: config and data are valid", study.display());
    say!("  {}: {}", f.screened_label, f.screened);
    for s in &f.steps {
        say!(
            "  - {}: {} excluded, {} remain",
            s.reason,
            s.excluded,
            s.remaining
        );
    }
    let groups: Vec<String> = a
        .results
        .groups
        .iter()
        .zip(&f.by_group)
        .map(|(g, n)| format!("{} {n}", g.label))
        .collect();
    say!(
        "  {}: {} ({})",
        f.included_label,
        f.included,
        groups.join(", ")
    );
    say!(
        "  variables: {}; Table 1 rows: {}",
        a.cohort.variables.len(),
        a.results.table1.values().map(Vec::len).sum::<usize>()
    );
    for d in &a.results.diagnostics {
        say!("  {}: {}", d.severity, d.message);
    }
    Ok(())
}

/// `bench render`: the wall time and peak memory of each stage.
fn bench_render(study: &Path) -> studybook::Result<()> {
    let peak = || {
        studybook::bench::peak_rss_mb()
            .map(|mb| format!("peak {mb:>6.0} MB"))
            .unwrap_or_default()
    };
    let start = std::time::Instant::now();
    let last = std::cell::RefCell::new((start, ""));
    let step = |stage: &'static str| {
        let mut l = last.borrow_mut();
        if !l.1.is_empty() {
            say!(
                "{:>8.3} s  {:<32}{}",
                l.0.elapsed().as_secs_f64(),
                l.1,
                peak()
            );
        }
        *l = (std::time::Instant::now(), stage);
    };
    let out = std::env::temp_dir().join(format!("studybook-bench-{}", std::process::id()));
    let result = pipeline::render_study_with(study, Some(&out), &step);
    let l = last.borrow();
    say!(
        "{:>8.3} s  {:<32}{}",
        l.0.elapsed().as_secs_f64(),
        format!("{} and writing", l.1),
        peak()
    );
    say!("{:>8.3} s  total", start.elapsed().as_secs_f64());
    let _ = std::fs::remove_dir_all(&out);
    result.map(|_| ())
}

fn report_written(files: &[PathBuf]) {
    for f in files {
        say!("wrote {}", f.display());
    }
}
