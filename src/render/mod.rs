//! Presentation: the formatter, the templates (Markdown with Jinja
//! expressions) and the HTML page. The only module that knows how a number
//! or a table looks.
//!
//! - [`templates`]: the template set (built-in, overridable per study);
//! - [`lint`](mod@lint): literal numbers next to printed results;
//! - `views`: the results arranged for the templates;
//! - `environment`: filters and functions templates call;
//! - `numbering`: table and figure numbers, cross-references;
//! - `html`: the self-contained page.

pub mod checklist;
pub mod docx;
mod environment;
mod html;
pub mod lint;
mod numbering;
pub mod outputs;
mod review;
pub mod templates;
mod views;

pub use lint::{Lint, lint};
pub use templates::Templates;

use crate::error::{Error, Result};
use crate::figures::Figure;
use crate::format::Formatter;
use crate::published::Review;
use crate::published::audit::Audit;
use crate::published::verify::Verification;
use crate::report::Results;
use environment::{environment, get_render};
use html::page;
use minijinja::value::{Serde, Value};
use numbering::Numbering;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use views::{km_curves, manuscript_context};

/// What is rendered and written as `results.json`: the results, and the
/// published paper's audit and verification when the study names one
/// (their own values, not part of the analysis).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Document<'a> {
    /// Every computed number.
    #[serde(flatten)]
    pub results: &'a Results,
    /// The published manifest's audit.
    pub audit: Option<&'a Audit>,
    /// The regenerated numbers against the published ones.
    pub verification: Option<&'a Verification>,
}

impl<'a> Document<'a> {
    /// The results with the review of their published paper, if any.
    pub fn new(results: &'a Results, review: Option<&'a Review>) -> Document<'a> {
        Document {
            results,
            audit: review.map(|r| &r.audit),
            verification: review.map(|r| &r.verification),
        }
    }
}

/// The rendered manuscript.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Markdown (for mdBook).
    pub markdown: String,
    /// One self-contained HTML page.
    pub html: String,
    /// Every table and figure: label id -> printed name ("Table 1").
    pub labels: BTreeMap<String, String>,
}

/// Escapes text from the config or the data for Markdown that becomes HTML:
/// `&` and `<` as entities (so nothing can open a tag), and the Markdown
/// punctuation that would change the structure as backslash escapes.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Renders Markdown and HTML from the results. Figures are linked as files
/// (`figures/NAME.svg`) in the Markdown and inlined in the HTML.
pub fn render(
    document: &Document<'_>,
    templates: &Templates,
    figures: &[Figure],
) -> Result<Rendered> {
    let results = document.results;
    let numbering = Arc::new(Mutex::new(Numbering::default()));
    let fmt = Formatter::new(results.format.clone());
    // Compiling the templates and converting the results to template
    // values are independent: done at once.
    let (env, ctx) = rayon::join(
        || environment(templates, &fmt, &numbering, &km_curves(results)),
        || manuscript_context(document),
    );
    let env = env?;
    // Pass 1 numbers every table and figure; pass 2 renders with every
    // cross-reference known, so a reference may precede its label and a
    // dangling one is an error. One environment and one context serve
    // both (the results are converted to template values once).
    get_render(&env, "manuscript.md.j2", &ctx)?;
    {
        let mut n = numbering.lock().map_err(|_| Error::Template {
            name: "manuscript.md.j2".into(),
            message: "numbering lock poisoned".into(),
        })?;
        *n = n.resolved();
    }
    fmt.clear_not_estimable();
    let markdown = tidy(&get_render(&env, "manuscript.md.j2", &ctx)?);
    let labels = numbering
        .lock()
        .map(|n| n.labels().clone())
        .unwrap_or_default();
    let html = page(
        &env,
        templates,
        &results.study.title,
        &results.provenance.studybook_version,
        &markdown,
        figures,
    )?;
    Ok(Rendered {
        markdown,
        html,
        labels,
    })
}

/// The review copy of a rendered manuscript: its numbered tables and
/// figures moved to the end, and numbered lines in the HTML page
/// (`review.js`). Returns the Markdown (the DOCX is made from it) and the
/// page.
pub fn render_review(
    rendered: &Rendered,
    templates: &Templates,
    figures: &[Figure],
    (title, version): (&str, &str),
) -> Result<Rendered> {
    let env = plain_environment(templates)?;
    let markdown = review::floats_at_end(&rendered.markdown, &rendered.labels);
    let script = templates.sources.get("review.js").map(String::as_str);
    let html = html::page_with_script(
        &env,
        templates,
        (&format!("{title} (review copy)"), version),
        &markdown,
        figures,
        script,
    )?;
    Ok(Rendered {
        markdown,
        html,
        labels: rendered.labels.clone(),
    })
}

/// The reporting checklist of a rendered manuscript (`checklist.md.j2`):
/// each item with where the manuscript answers it.
pub fn render_checklist(
    rendered: &Rendered,
    templates: &Templates,
    (title, version): (&str, &str),
) -> Result<Rendered> {
    let env = plain_environment(templates)?;
    let rows = checklist::checklist(&rendered.markdown, &rendered.labels);
    let addressed = rows.iter().filter(|r| r.location.is_some()).count();
    let ctx = minijinja::context! {
        rows => Value::from(Serde(&rows)),
        addressed => addressed,
        title => title,
    };
    let markdown = tidy(&get_render(&env, "checklist.md.j2", &ctx)?);
    let page_title = format!("Reporting checklist: {title}");
    let html = page(&env, templates, &page_title, version, &markdown, &[])?;
    Ok(Rendered {
        markdown,
        html,
        labels: BTreeMap::new(),
    })
}

/// An environment for pages that print no results (no formatter settings,
/// no numbering).
fn plain_environment(templates: &Templates) -> Result<minijinja::Environment<'static>> {
    environment(
        templates,
        &Formatter::new(Default::default()),
        &Arc::new(Mutex::new(Numbering::default())),
        &[],
    )
}

/// Renders an audit on its own: `audit.md` and `audit.html`.
pub fn render_audit(audit: &Audit, templates: &Templates) -> Result<Rendered> {
    let env = environment(
        templates,
        &Formatter::new(Default::default()),
        &Arc::new(Mutex::new(Numbering::default())),
        &[],
    )?;
    let ctx = minijinja::context! {
        audit => Value::from(Serde(audit)),
        standalone => true,
    };
    let markdown = tidy(&get_render(&env, "audit.md.j2", &ctx)?);
    let title = format!("Audit of {}", audit.manifest);
    let html = page(
        &env,
        templates,
        &title,
        env!("CARGO_PKG_VERSION"),
        &markdown,
        &[],
    )?;
    Ok(Rendered {
        markdown,
        html,
        labels: BTreeMap::new(),
    })
}

/// Renders a verification on its own: `verify.md` and `verify.html`.
pub fn render_verification(
    results: &Results,
    verification: &Verification,
    templates: &Templates,
) -> Result<Rendered> {
    let env = environment(
        templates,
        &Formatter::new(results.format.clone()),
        &Arc::new(Mutex::new(Numbering::default())),
        &km_curves(results),
    )?;
    let ctx = minijinja::context! {
        verification => Value::from(Serde(verification)),
        title => results.study.title.clone(),
        standalone => true,
    };
    let markdown = tidy(&get_render(&env, "verify.md.j2", &ctx)?);
    let title = format!("{}: regenerated against published", results.study.title);
    let html = page(
        &env,
        templates,
        &title,
        &results.provenance.studybook_version,
        &markdown,
        &[],
    )?;
    Ok(Rendered {
        markdown,
        html,
        labels: BTreeMap::new(),
    })
}

/// Collapses runs of blank lines left by template control blocks and ends
/// the text with exactly one newline.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    let trimmed = out.trim_matches('\n');
    format!("{trimmed}\n")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}
