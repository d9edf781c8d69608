//! Presentation: the formatter, the templates (Markdown with Jinja
//! expressions) and the HTML page. The only module that knows how a number
//! or a table looks.

use crate::audit::Audit;
use crate::error::{Error, Result};
use crate::figures::Figure;
use crate::format::Formatter;
use crate::report::{Results, sha256_hex};
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Instructions a template may run per render (minijinja fuel).
const TEMPLATE_FUEL: u64 = 20_000_000;

/// The built-in templates, by name; a study overrides any of them by putting
/// a file of the same name in its `templates/` folder.
const BUILTIN: &[(&str, &str)] = &[
    (
        "manuscript.md.j2",
        include_str!("../../templates/manuscript.md.j2"),
    ),
    (
        "methods.md.j2",
        include_str!("../../templates/methods.md.j2"),
    ),
    ("flow.md.j2", include_str!("../../templates/flow.md.j2")),
    ("table1.md.j2", include_str!("../../templates/table1.md.j2")),
    (
        "survival.md.j2",
        include_str!("../../templates/survival.md.j2"),
    ),
    (
        "cox_tables.md.j2",
        include_str!("../../templates/cox_tables.md.j2"),
    ),
    (
        "subgroups.md.j2",
        include_str!("../../templates/subgroups.md.j2"),
    ),
    (
        "complications.md.j2",
        include_str!("../../templates/complications.md.j2"),
    ),
    (
        "provenance.md.j2",
        include_str!("../../templates/provenance.md.j2"),
    ),
    (
        "matching.md.j2",
        include_str!("../../templates/matching.md.j2"),
    ),
    (
        "manuscript.html.j2",
        include_str!("../../templates/manuscript.html.j2"),
    ),
    ("audit.md.j2", include_str!("../../templates/audit.md.j2")),
    (
        "abstract.md.j2",
        include_str!("../../templates/abstract.md.j2"),
    ),
    (
        "discussion.md.j2",
        include_str!("../../templates/discussion.md.j2"),
    ),
    ("macros.md.j2", include_str!("../../templates/macros.md.j2")),
    ("verify.md.j2", include_str!("../../templates/verify.md.j2")),
    ("style.css", include_str!("../../templates/style.css")),
];

/// The template set used for one study.
#[derive(Debug, Clone)]
pub struct Templates {
    sources: BTreeMap<String, String>,
}

impl Templates {
    /// The built-in templates, with those found in `override_dir` (when it
    /// exists) taking their place.
    pub fn load(override_dir: Option<&Path>) -> Result<Templates> {
        let mut sources: BTreeMap<String, String> = BUILTIN
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        if let Some(dir) = override_dir.filter(|d| d.is_dir()) {
            for entry in walkdir::WalkDir::new(dir).sort_by_file_name().max_depth(1) {
                let entry = entry.map_err(|e| Error::Template {
                    name: dir.display().to_string(),
                    message: e.to_string(),
                })?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = entry.file_name().to_string_lossy().to_string();
                let text = std::fs::read_to_string(entry.path())
                    .map_err(|e| Error::io(entry.path(), e))?;
                sources.insert(name, text);
            }
        }
        Ok(Templates { sources })
    }

    /// The same set with `name` replaced by `source` (as a study's
    /// `templates/` folder would).
    pub fn with(mut self, name: &str, source: &str) -> Templates {
        self.sources.insert(name.to_string(), source.to_string());
        self
    }

    /// SHA-256 of each template, by name (for provenance).
    pub fn hashes(&self) -> BTreeMap<String, String> {
        self.sources
            .iter()
            .map(|(n, s)| (n.clone(), sha256_hex(s.as_bytes())))
            .collect()
    }
}

/// A warning about a template: a literal number in a line that also prints
/// a result, which is how a stale hand-typed number survives a re-render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    /// Template name.
    pub template: String,
    /// 1-based line.
    pub line: usize,
    /// The literal as written.
    pub literal: String,
}

impl std::fmt::Display for Lint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "template {}, line {}: the literal number `{}` stands next to a result; print it from `results` (or move it out of the sentence) so a re-render cannot leave it stale",
            self.template, self.line, self.literal
        )
    }
}

/// Lints the templates: in each line that prints an expression (`{{ }}`),
/// the text outside tags and comments must not hold a decimal number or a
/// percentage. "95% CI" is allowed (intervals of hazard ratios are 95% by
/// construction); Jinja comments are ignored.
pub fn lint(templates: &Templates) -> Vec<Lint> {
    let mut out = Vec::new();
    for (name, src) in &templates.sources {
        if !name.ends_with(".j2") {
            continue;
        }
        let text = strip_comments(src);
        for (i, line) in text.lines().enumerate() {
            if !line.contains("{{") {
                continue;
            }
            let outside = outside_tags(line);
            for literal in number_literals(&outside) {
                out.push(Lint {
                    template: name.clone(),
                    line: i + 1,
                    literal,
                });
            }
        }
    }
    out
}

/// The text with `{# #}` comments blanked (newlines kept, so lines count).
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(start) = rest.find("{#") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find("#}").map_or(after.len(), |e| e + 2);
        out.extend(after[..end].chars().filter(|&c| c == '\n'));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The line without `{{ }}` and `{% %}` tags.
fn outside_tags(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        let next = [rest.find("{{"), rest.find("{%")]
            .into_iter()
            .flatten()
            .min();
        let Some(start) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        out.push(' ');
        let close = if rest[start..].starts_with("{{") {
            "}}"
        } else {
            "%}"
        };
        match rest[start..].find(close) {
            Some(e) => rest = &rest[start + e + 2..],
            None => return out,
        }
    }
}

/// Decimal numbers ("3.4") and percentages ("12%", "12.5%") in prose, but
/// not "95% CI", version-like "3.x" or digits inside words.
fn number_literals(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        let mut decimal = false;
        if j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit() {
            decimal = true;
            j += 1;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
        }
        let percent = j < chars.len() && chars[j] == '%';
        let literal: String = chars[i..j + usize::from(percent)].iter().collect();
        let rest: String = chars[j + usize::from(percent)..].iter().collect();
        let ci = literal == "95%"
            && (rest.trim_start().starts_with("CI") || rest.trim_start().starts_with("confidence"));
        let word_follows = j < chars.len() && (chars[j].is_alphabetic());
        if (decimal || percent) && !ci && !word_follows {
            out.push(literal);
        }
        i = j + 1;
    }
    out
}

/// The rendered manuscript.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Markdown (for mdBook).
    pub markdown: String,
    /// One self-contained HTML page.
    pub html: String,
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
pub fn render(results: &Results, templates: &Templates, figures: &[Figure]) -> Result<Rendered> {
    let numbering = Arc::new(Mutex::new(Numbering::default()));
    let fmt = Formatter::new(results.format.clone());
    // Compiling the templates and converting the results to template
    // values are independent: done at once.
    let (env, ctx) = rayon::join(
        || environment(templates, &fmt, &numbering, &km_curves(results)),
        || manuscript_context(results),
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
    let html = page(
        &env,
        templates,
        &results.study.title,
        &results.provenance.studybook_version,
        &markdown,
        figures,
    )?;
    Ok(Rendered { markdown, html })
}

/// The manuscript template's context: the results and the views the
/// tables are drawn from.
fn manuscript_context(results: &Results) -> Value {
    // Footnote marks: a, b, c ... per test, in order of first use in Table 1.
    let mut test_list: Vec<BTreeMap<&str, String>> = Vec::new();
    let mut test_marks: BTreeMap<String, String> = BTreeMap::new();
    for row in &results.table1 {
        if let Some(t) = row.test {
            let key = serde_json::to_value(t)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            if !test_marks.contains_key(&key) {
                let mark = char::from(b'a' + (test_marks.len() % 26) as u8).to_string();
                test_marks.insert(key, mark.clone());
                test_list.push(BTreeMap::from([
                    ("mark", mark),
                    ("name", capitalize(t.name())),
                ]));
            }
        }
    }
    // Table 1 side by side: each unmatched row with its matched twin.
    let table1_rows: Vec<BTreeMap<&str, &crate::report::Table1Row>> = results
        .table1
        .iter()
        .filter(|r| r.cohort == "unmatched")
        .map(|u| {
            let mut m = BTreeMap::from([("u", u)]);
            if let Some(t) = results
                .table1
                .iter()
                .find(|r| r.cohort == "matched" && r.variable == u.variable)
            {
                m.insert("m", t);
            }
            m
        })
        .collect();
    let covariate_labels: Vec<String> = results
        .matching
        .as_ref()
        .map(|m| {
            m.covariates
                .iter()
                .map(|c| {
                    results
                        .variable_labels
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| c.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    minijinja::context! {
        results => Value::from(Serde(results)),
        table1_rows => Value::from(Serde(&table1_rows)),
        covariate_labels => Value::from(Serde(&covariate_labels)),
        survival_view => Value::from(Serde(&survival_view(results))),
        cox_tables => Value::from(Serde(&cox_tables(results))),
        test_marks => Value::from(Serde(&test_marks)),
        test_list => Value::from(Serde(&test_list)),
    }
}

/// A Kaplan-Meier curve for `km_at`: endpoint, cohort, group, times, S(t).
type KmCurve = (String, String, String, Vec<f64>, Vec<f64>);

fn km_curves(results: &Results) -> Vec<KmCurve> {
    results
        .survival
        .km
        .iter()
        .map(|k| {
            (
                k.endpoint.clone(),
                k.cohort.clone(),
                k.group.clone(),
                k.time.clone(),
                k.surv.clone(),
            )
        })
        .collect()
}

/// The template environment: every template, the formatter filters and the
/// Markdown escaping filter.
fn environment(
    templates: &Templates,
    fmt: &Formatter,
    numbering: &Arc<Mutex<Numbering>>,
    km_curves: &[KmCurve],
) -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // A template that loops without end is stopped, not left to hang: the
    // default study's manuscript uses under 100,000 (200 times less).
    env.set_fuel(Some(TEMPLATE_FUEL));
    for (name, src) in &templates.sources {
        env.add_template_owned(name.clone(), src.clone())
            .map_err(|e| template_error(name, &e))?;
    }
    let fmt = fmt.clone();
    add_number_filter(&mut env, "num", &fmt, Formatter::num);
    add_number_filter(&mut env, "pct", &fmt, Formatter::pct);
    add_number_filter(&mut env, "p", &fmt, Formatter::p);
    add_number_filter(&mut env, "smd", &fmt, Formatter::smd);
    add_number_filter(&mut env, "hr", &fmt, Formatter::hr);
    add_number_filter(&mut env, "rate", &fmt, Formatter::rate);
    add_number_filter(&mut env, "time", &fmt, Formatter::time);
    add_number_filter(&mut env, "p_text", &fmt, Formatter::p_text);
    env.add_filter("md", |s: String| escape_markdown(&s));
    env.add_global("ci_sep", fmt.ci_separator().to_string());
    // Tables and figures: `label(kind, id)` numbers them in order of
    // appearance, `ref(id)` cites them anywhere (also before the label).
    {
        let numbering = Arc::clone(numbering);
        env.add_function("label", move |kind: String, id: String| {
            numbering
                .lock()
                .map_err(|_| invalid("numbering lock poisoned"))?
                .label(&kind, &id)
        });
    }
    {
        let numbering = Arc::clone(numbering);
        env.add_function("ref", move |id: String| {
            numbering
                .lock()
                .map_err(|_| invalid("numbering lock poisoned"))?
                .cite(&id)
        });
    }
    // Kaplan-Meier survival (percent) of one curve at any time:
    // km_at("os", "matched", "SR", 60). The curve is a step function, so
    // this is S at the last event time at or before t.
    {
        let km: Vec<KmCurve> = km_curves.to_vec();
        env.add_function(
            "km_at",
            move |endpoint: String, cohort: String, group: String, t: f64| {
                let curve = km
                    .iter()
                    .find(|c| c.0 == endpoint && c.1 == cohort && c.2 == group)
                    .ok_or_else(|| {
                        invalid(format!(
                            "km_at(\"{endpoint}\", \"{cohort}\", \"{group}\", {t}): no such curve; endpoints are the [[endpoints]] ids, cohorts \"unmatched\" or \"matched\", groups the treatment values"
                        ))
                    })?;
                let i = curve.3.partition_point(|&x| x <= t);
                Ok(if i == 0 { 100.0 } else { curve.4[i - 1] * 100.0 })
            },
        );
    }
    // What has printed as not estimable so far in this render (templates
    // call it at the end, in the Diagnostics section).
    {
        let fmt = fmt.clone();
        env.add_function("not_estimable", move || {
            let counts = fmt.not_estimable();
            let kinds: Vec<BTreeMap<&str, Value>> = counts
                .iter()
                .map(|(k, n)| {
                    BTreeMap::from([("kind", Value::from(*k)), ("count", Value::from(*n))])
                })
                .collect();
            minijinja::context! {
                total => counts.values().sum::<usize>(),
                kinds => kinds,
                mark => crate::format::NOT_ESTIMABLE,
            }
        });
    }
    {
        let fmt = fmt.clone();
        env.add_filter("fixed", move |v: Value, digits: usize| {
            let x = if v.is_none() || v.is_undefined() {
                None
            } else {
                f64::try_from(v).ok()
            };
            fmt.fixed(x, digits)
        });
    }
    env.add_filter("total", |v: Value| -> Result<i64, minijinja::Error> {
        let mut sum = 0i64;
        for key in v.try_iter()? {
            sum += i64::try_from(v.get_item(&key)?).unwrap_or(0);
        }
        Ok(sum)
    });
    Ok(env)
}

/// One self-contained HTML page from Markdown: figures inlined, the style
/// sheet embedded, the page template around it.
fn page(
    env: &Environment<'_>,
    templates: &Templates,
    title: &str,
    version: &str,
    markdown: &str,
    figures: &[Figure],
) -> Result<String> {
    let mut body = String::new();
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    pulldown_cmark::html::push_html(&mut body, inline_figures(parser, figures));
    let css = templates
        .sources
        .get("style.css")
        .cloned()
        .unwrap_or_default();
    let page_ctx = minijinja::context! {
        title => title,
        version => version,
        css => Value::from_safe_string(css),
        body => Value::from_safe_string(body),
    };
    get_render(env, "manuscript.html.j2", &page_ctx)
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
    Ok(Rendered { markdown, html })
}

/// Renders a verification on its own: `verify.md` and `verify.html`.
pub fn render_verification(results: &Results, templates: &Templates) -> Result<Option<Rendered>> {
    let Some(v) = &results.verification else {
        return Ok(None);
    };
    let env = environment(
        templates,
        &Formatter::new(results.format.clone()),
        &Arc::new(Mutex::new(Numbering::default())),
        &km_curves(results),
    )?;
    let ctx = minijinja::context! {
        verification => Value::from(Serde(v)),
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
    Ok(Some(Rendered { markdown, html }))
}

/// Per cohort (unmatched, then matched): its figure and one entry per
/// endpoint with what the Results text needs.
fn survival_view(results: &Results) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for cohort in ["unmatched", "matched"] {
        let mut entries = Vec::new();
        for e in &results.endpoints {
            let curves: Vec<_> = results
                .survival
                .km
                .iter()
                .filter(|k| k.endpoint == e.id && k.cohort == cohort)
                .collect();
            if curves.is_empty() {
                continue;
            }
            let unit = e.time_unit.clone().unwrap_or_default();
            let landmark_labels: Vec<String> = e.landmark_labels.clone().unwrap_or_else(|| {
                e.landmarks
                    .iter()
                    .map(|t| format!("{t} {unit}").trim().to_string())
                    .collect()
            });
            let groups: Vec<serde_json::Value> = curves
                .iter()
                .map(|k| {
                    let label = results
                        .groups
                        .iter()
                        .find(|g| g.value == k.group)
                        .map_or(k.group.clone(), |g| g.label.clone());
                    serde_json::json!({
                        "label": label,
                        "n": k.n,
                        "events": k.events,
                        "rates": k.landmarks.iter().map(|l| l.surv * 100.0).collect::<Vec<f64>>(),
                        "median": k.median,
                    })
                })
                .collect();
            let logrank = results
                .survival
                .logrank
                .iter()
                .find(|l| l.endpoint == e.id && l.cohort == cohort);
            let cox = results
                .survival
                .cox
                .iter()
                .find(|x| x.endpoint == e.id && x.cohort == cohort);
            entries.push(serde_json::json!({
                "endpoint": e.id,
                "label": e.label,
                "unit": unit,
                "cohort": cohort,
                "landmark_labels": landmark_labels,
                "custom_labels": e.landmark_labels.is_some(),
                "landmark_times": e.landmarks.iter().map(|t| format!("{t}")).collect::<Vec<String>>(),
                "groups": groups,
                "logrank_p": logrank.and_then(|l| l.p),
                "hr": cox.map(|c| c.terms.clone()).unwrap_or_default(),
                "variance": cox.map(|c| c.variance.clone()),
                "zph_p": cox.and_then(|c| c.zph.iter().find(|z| z.term == "GLOBAL").map(|z| z.p)),
                "concordance": cox.and_then(|c| c.concordance.as_ref().map(|x| x.concordance)),
                "figure": format!("figures/km-{}-{cohort}.svg", e.id),
            }));
        }
        if entries.is_empty() {
            continue;
        }
        let figure = if entries.len() > 1 {
            format!("figures/km-{cohort}.svg")
        } else {
            entries[0]["figure"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        out.push(serde_json::json!({ "cohort": cohort, "figure": figure, "entries": entries }));
    }
    out
}

/// Rows of the risk-factor tables, one table per endpoint: each factor's
/// level rows with the univariable and multivariable HR (95% CI) and p in
/// each cohort (`null` where a factor did not enter the model).
fn cox_tables(results: &Results) -> Vec<serde_json::Value> {
    use serde_json::json;
    let models = &results.regression.models;
    let mut out = Vec::new();
    for e in &results.endpoints {
        let uni: Vec<_> = models
            .iter()
            .filter(|m| {
                m.model.endpoint == e.id
                    && m.model.model == "univariable"
                    && m.model.cohort == "unmatched"
            })
            .collect();
        if uni.is_empty() {
            continue;
        }
        let cohorts: Vec<&str> = ["unmatched", "matched"]
            .into_iter()
            .filter(|c| {
                models
                    .iter()
                    .any(|m| m.model.endpoint == e.id && m.model.cohort == *c)
            })
            .collect();
        let find = |cohort: &str, kind: &str, variable: &str| {
            models.iter().find(|m| {
                m.model.endpoint == e.id
                    && m.model.cohort == cohort
                    && m.model.model == kind
                    && (kind == "multivariable" || m.factors.iter().any(|f| f.variable == variable))
            })
        };
        let mut rows = Vec::new();
        for m in &uni {
            let Some(f) = m.factors.first() else { continue };
            let levels: Vec<&crate::report::CoxTerm> = m
                .model
                .terms
                .iter()
                .filter(|t| t.variable == f.variable)
                .collect();
            let cell = |cohort: &str, kind: &str, term: &str| -> serde_json::Value {
                let Some(model) = find(cohort, kind, &f.variable) else {
                    return serde_json::Value::Null;
                };
                match model.model.terms.iter().find(|t| t.term == term) {
                    Some(t) => json!({"hr": t.hr, "lower": t.lower, "upper": t.upper, "p": t.p}),
                    None => serde_json::Value::Null,
                }
            };
            let factor_p = |cohort: &str, kind: &str| -> serde_json::Value {
                find(cohort, kind, &f.variable)
                    .and_then(|model| model.factors.iter().find(|x| x.variable == f.variable))
                    .map_or(serde_json::Value::Null, |x| json!(x.p))
            };
            if levels.len() > 1 {
                let cells: Vec<_> = cohorts.iter().map(|c| json!({"uni_p": factor_p(c, "univariable"), "multi_p": factor_p(c, "multivariable")})).collect();
                rows.push(json!({"label": f.label, "header": true, "cells": cells}));
            }
            for t in &levels {
                let label = match (&t.level, &f.reference) {
                    (Some(l), Some(r)) if levels.len() == 1 => format!("{} ({l} vs {r})", f.label),
                    (Some(l), Some(r)) => format!("{l} vs {r}"),
                    _ => format!("{} (per unit)", f.label),
                };
                let cells: Vec<_> = cohorts.iter().map(|c| json!({"uni": cell(c, "univariable", &t.term), "multi": cell(c, "multivariable", &t.term)})).collect();
                rows.push(json!({"label": label, "header": false, "indent": levels.len() > 1, "cells": cells}));
            }
        }
        let counts: Vec<_> = cohorts
            .iter()
            .map(|c| {
                let m = models.iter().find(|m| m.model.endpoint == e.id && m.model.cohort == *c && m.model.model == "multivariable");
                json!({"cohort": c, "n": m.map(|m| m.model.n), "events": m.map(|m| m.model.events), "variance": m.map(|m| m.model.variance.clone())})
            })
            .collect();
        out.push(json!({"endpoint": e.id, "label": e.label, "cohorts": cohorts, "rows": rows, "counts": counts}));
    }
    out
}

/// Replaces each image that links a figure file with the figure's SVG, so
/// that the HTML page is self-contained.
fn inline_figures<'a>(
    events: impl Iterator<Item = pulldown_cmark::Event<'a>>,
    figures: &'a [Figure],
) -> impl Iterator<Item = pulldown_cmark::Event<'a>> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut skipping = false;
    events.filter_map(move |e| match e {
        Event::Start(Tag::Image { dest_url, .. }) => {
            let svg = figures
                .iter()
                .find(|f| dest_url.as_ref() == format!("figures/{}.svg", f.name));
            match svg {
                Some(f) => {
                    skipping = true;
                    Some(Event::InlineHtml(f.svg.trim_end().to_string().into()))
                }
                None => Some(Event::Start(Tag::Image {
                    link_type: pulldown_cmark::LinkType::Inline,
                    dest_url,
                    title: "".into(),
                    id: "".into(),
                })),
            }
        }
        Event::End(TagEnd::Image) if skipping => {
            skipping = false;
            None
        }
        _ if skipping => None,
        other => Some(other),
    })
}

fn add_number_filter(
    env: &mut Environment<'_>,
    name: &'static str,
    fmt: &Formatter,
    f: fn(&Formatter, Option<f64>) -> String,
) {
    let fmt = fmt.clone();
    env.add_filter(name, move |v: Value| {
        let x = if v.is_none() || v.is_undefined() {
            None
        } else {
            f64::try_from(v).ok()
        };
        f(&fmt, x)
    });
}

fn get_render(env: &Environment<'_>, name: &str, ctx: &Value) -> Result<String> {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| template_error(name, &e))
}

fn template_error(name: &str, e: &minijinja::Error) -> Error {
    let mut message = e.to_string();
    if let (Some(line), false) = (e.line(), message.contains("line")) {
        message = format!("line {line}: {message}");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    Error::Template {
        name: e.name().unwrap_or(name).to_string(),
        message,
    }
}

fn invalid(message: impl Into<String>) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message.into())
}

/// Automatic numbering of tables and figures, per kind ("table", "figure",
/// "supplemental table", "supplemental figure"), in order of appearance.
#[derive(Debug, Clone, Default)]
struct Numbering {
    /// Numbers known from the first pass (id -> "Table 2"); `None` while
    /// collecting.
    known: Option<BTreeMap<String, String>>,
    /// Labels met in this pass: id -> printed name.
    labels: BTreeMap<String, String>,
    /// Next number per kind.
    next: BTreeMap<String, usize>,
}

impl Numbering {
    const KINDS: [&'static str; 4] = [
        "table",
        "figure",
        "supplemental table",
        "supplemental figure",
    ];

    /// Numbers the next `kind` as `id` and returns its printed name.
    fn label(&mut self, kind: &str, id: &str) -> std::result::Result<String, minijinja::Error> {
        if !Self::KINDS.contains(&kind) {
            return Err(invalid(format!(
                "label(\"{kind}\", \"{id}\"): the kind must be one of {}",
                Self::KINDS.join(", ")
            )));
        }
        if self.labels.contains_key(id) {
            return Err(invalid(format!(
                "label `{id}` is defined twice; give each table and figure its own id"
            )));
        }
        let n = self.next.entry(kind.to_string()).or_insert(0);
        *n += 1;
        let name = format!("{} {n}", capitalize_words(kind));
        self.labels.insert(id.to_string(), name.clone());
        Ok(name)
    }

    /// The printed name of a labelled table or figure.
    fn cite(&self, id: &str) -> std::result::Result<String, minijinja::Error> {
        match &self.known {
            // First pass: labels may come later.
            None => Ok(self.labels.get(id).cloned().unwrap_or_else(|| "??".into())),
            Some(known) => known.get(id).cloned().ok_or_else(|| {
                invalid(format!(
                    "ref(\"{id}\") points at no table or figure{}",
                    crate::error::did_you_mean(id, known.keys().map(String::as_str))
                ))
            }),
        }
    }

    /// A fresh numbering for the second pass, with every label known.
    fn resolved(&self) -> Numbering {
        Numbering {
            known: Some(self.labels.clone()),
            ..Numbering::default()
        }
    }
}

fn capitalize_words(s: &str) -> String {
    s.split(' ').map(capitalize).collect::<Vec<_>>().join(" ")
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
