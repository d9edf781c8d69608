//! Every file a render writes besides `results.json` and the provenance,
//! by `[output]`: the manuscript in each format, the figures (SVG, and
//! PNG/TIFF at print resolution), the review copy and the checklist.

use super::docx::{DocxFigure, docx};
use super::{Document, Rendered, Templates, render, render_checklist, render_review};
use crate::config::{FigureFormat, ManuscriptFormat, OutputSection};
use crate::error::Result;
use crate::figures::Figure;
use crate::figures::print::{Printed, print_all};

/// A file to write: its path under the report folder and its bytes.
pub type OutputFile = (String, Vec<u8>);

/// Renders the manuscript and every file `[output]` asks for.
pub fn render_files(
    document: &Document<'_>,
    templates: &Templates,
    figures: &[Figure],
    output: &OutputSection,
) -> Result<Vec<OutputFile>> {
    let (rendered, printed) = rayon::join(
        || render(document, templates, figures),
        || match output.rasterizes() {
            true => print_all(
                figures,
                output.figure_width,
                output.dpi,
                output.figures_as(FigureFormat::Tiff),
            ),
            false => Ok(Vec::new()),
        },
    );
    let (rendered, printed) = (rendered?, printed?);
    let results = document.results;
    let title = (
        results.study.title.as_str(),
        results.provenance.studybook_version.as_str(),
    );
    let mut files = manuscript_files("manuscript", &rendered, &printed, output)?;
    if output.review {
        let review = render_review(&rendered, templates, figures, title)?;
        let mut review_files = manuscript_files("manuscript-review", &review, &printed, output)?;
        // The review copy is for reading: no Markdown twin.
        review_files.retain(|(name, _)| !name.ends_with(".md"));
        files.extend(review_files);
    }
    if output.checklist {
        let checklist = render_checklist(&rendered, templates, title)?;
        files.extend(manuscript_files("checklist", &checklist, &[], output)?);
    }
    for f in figures {
        files.push((
            format!("figures/{}.svg", f.name),
            f.svg.clone().into_bytes(),
        ));
    }
    for p in printed {
        if output.figures_as(FigureFormat::Png) {
            files.push((format!("figures/{}.png", p.name), p.png));
        }
        if let Some(tiff) = p.tiff {
            files.push((format!("figures/{}.tiff", p.name), tiff));
        }
    }
    Ok(files)
}

/// `STEM.md`, `STEM.html` and `STEM.docx`, as `[output] formats` lists.
/// The review copy's DOCX numbers its lines.
fn manuscript_files(
    stem: &str,
    rendered: &Rendered,
    printed: &[Printed],
    output: &OutputSection,
) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    if output.writes(ManuscriptFormat::Md) {
        files.push((format!("{stem}.md"), rendered.markdown.clone().into_bytes()));
    }
    if output.writes(ManuscriptFormat::Html) {
        files.push((format!("{stem}.html"), rendered.html.clone().into_bytes()));
    }
    if output.writes(ManuscriptFormat::Docx) {
        let figures: Vec<DocxFigure<'_>> = printed
            .iter()
            .map(|p| DocxFigure {
                name: &p.name,
                png: &p.png,
                pixels: p.pixels,
                width_mm: output.figure_width,
            })
            .collect();
        let name = format!("{stem}.docx");
        let bytes = docx(
            &name,
            &rendered.markdown,
            &figures,
            stem.ends_with("review"),
        )?;
        files.push((name, bytes));
    }
    Ok(files)
}
