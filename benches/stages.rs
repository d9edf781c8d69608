//! Regression guard for each stage of a render (divan): loading the data,
//! the propensity model and match, Kaplan-Meier and log-rank, a Cox model,
//! the whole analysis and the rendering, the bootstrap of the matched
//! hazard ratios (999 replicates, pairs and full), a print figure, the
//! DOCX manuscript, Fisher's exact test on a 4 x 3 table of 929 and the
//! audit of the reference paper's manifest, on the default study (609
//! patients) and on synthetic kernels of 100,000.
//!
//!     cargo bench --bench stages
//!
//! CI only builds it (`cargo build --benches`); timings of the whole
//! pipeline against R are in bench/RESULTS.md (bench/compare.sh).

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use studybook::{data::Dataset, pipeline, render};

fn main() {
    divan::main();
}

fn study() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/tace-downstaging/study.toml")
}

static ANALYSIS: LazyLock<pipeline::Analysis> =
    LazyLock::new(|| pipeline::analyse(&study()).expect("the default study analyses"));

#[divan::bench]
fn load() -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tace-downstaging/cohort.csv");
    Dataset::read(&path, &["NA".to_string()]).expect("the twin cohort reads")
}

#[divan::bench(sample_count = 5)]
fn analyse() -> pipeline::Analysis {
    pipeline::analyse(&study()).expect("the default study analyses")
}

#[divan::bench]
fn render() -> render::Rendered {
    let a = &*ANALYSIS;
    let review = studybook::published::review(&a.config, &a.results).expect("the manifest reads");
    let document = render::Document::new(&a.results, review.as_ref());
    render::render(&document, &a.templates, &a.figures).expect("the default study renders")
}

#[divan::bench(sample_count = 5)]
fn match_100k() -> usize {
    studybook::bench::matching(100_000, 1).matched
}

#[divan::bench(sample_count = 5)]
fn km_logrank_cox_100k() -> usize {
    studybook::bench::survival(100_000, 1).events
}

/// The bootstrap of the default study's matched hazard ratios (four
/// endpoints), 999 replicates of `kind`.
fn bootstrap(kind: studybook::config::BootstrapKind) -> usize {
    let a = &*ANALYSIS;
    let c = &a.config.config;
    let setting = studybook::bootstrap::Setting {
        cohort: &a.cohort,
        matched: a.matching.as_ref().expect("the default study matches"),
        matching: c.matching.as_ref().expect("the default study matches"),
        endpoints: &c.endpoints,
        ties: c.survival.ties,
        level: c.survival.conf_level,
    };
    let conf = studybook::config::BootstrapSection {
        replicates: 999,
        seed: 1,
        kind,
    };
    studybook::bootstrap::run(&setting, &conf, &mut Vec::new()).len()
}

/// Goal (issue 17): under 2 s on 2 cores.
#[divan::bench(sample_count = 3)]
fn bootstrap_pairs_999() -> usize {
    bootstrap(studybook::config::BootstrapKind::Pairs)
}

/// Goal (issue 17): under 10 s on 2 cores (propensity model, match and Cox
/// in every replicate).
#[divan::bench(sample_count = 2)]
fn bootstrap_full_999() -> usize {
    bootstrap(studybook::config::BootstrapKind::Full)
}

/// One print figure (the matched Kaplan-Meier panels) at 600 ppi, 174 mm:
/// rasterized, then encoded as PNG and as LZW TIFF.
#[divan::bench(sample_count = 5)]
fn print_figure_600ppi() -> usize {
    use studybook::figures::print;
    let a = &*ANALYSIS;
    let figure = a
        .figures
        .iter()
        .find(|f| f.name == "km-matched")
        .expect("the matched Kaplan-Meier figure");
    let raster = print::rasterize(&figure.name, &figure.svg, 174.0, 600).expect("rasterizes");
    print::png(&raster).expect("PNG").len() + print::tiff(&raster).expect("TIFF").len()
}

/// The DOCX manuscript of the default study (figures as 300-ppi PNGs).
#[divan::bench(sample_count = 3)]
fn docx_manuscript() -> usize {
    use studybook::render::docx::{DocxFigure, docx};
    let a = &*ANALYSIS;
    let doc = render::Document::new(&a.results, None);
    let rendered = render::render(&doc, &a.templates, &a.figures).expect("renders");
    let printed =
        studybook::figures::print::print_all(&a.figures, 174.0, 300, false).expect("prints");
    let figures: Vec<DocxFigure<'_>> = printed
        .iter()
        .map(|p| DocxFigure {
            name: &p.name,
            png: &p.png,
            pixels: p.pixels,
            width_mm: 174.0,
        })
        .collect();
    docx("manuscript.docx", &rendered.markdown, &figures, false)
        .expect("DOCX")
        .len()
}

/// Fisher's exact test by the network algorithm on a 4 x 3 table of 929
/// patients whose p is 4.9e-14 (R's FEXACT: 63 s with workspace = 2e8).
#[divan::bench(sample_count = 3)]
fn fisher_4x3_n929() -> f64 {
    use studybook::stats::contingency;
    let table = vec![
        vec![310, 45, 12],
        vec![250, 60, 20],
        vec![120, 40, 22],
        vec![20, 30, 0],
    ];
    contingency::fisher_exact(&table, contingency::DEFAULT_FISHER_BUDGET)
        .expect("within the budget")
        .p
}

/// `studybook audit` of the reference paper's manifest (1,800 lines, every
/// rule; the target is well under a second).
#[divan::bench(sample_count = 5)]
fn audit_reference_paper() -> usize {
    use studybook::published::audit::{self, Manifest};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tace-downstaging/published.toml");
    let text = std::fs::read_to_string(&path).expect("the reference manifest");
    let m = Manifest::parse(&path, &text).expect("parses");
    audit::audit(&m).expect("audits").findings.len()
}
