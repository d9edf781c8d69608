//! `studybook diff OLD NEW`: every number of two renders' `results.json`
//! that changed, with its place (the path through the results, rows named
//! by their endpoint, variable, term or group rather than by position), the
//! old and new values and their printed forms in the study's number format.
//! Provenance, figure lists, diagnostics and the published wing hold no
//! results of the study and are left out.

use crate::config::FormatSection;
use crate::error::{Error, Result};
use crate::files::write_atomically;
use crate::format::Formatter;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Top-level keys that are not results of the study.
const SKIPPED: [&str; 7] = [
    "schema",
    "study",
    "provenance",
    "figures",
    "diagnostics",
    "audit",
    "verification",
];

/// Fields that name a row of an array, in the order they are joined.
const ROW_KEYS: [&str; 10] = [
    "endpoint",
    "model",
    "adjustment",
    "estimand",
    "variable",
    "term",
    "group",
    "level",
    "label",
    "time",
];

/// One number that changed, appeared or disappeared.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Its place: top-level section, then path.
    pub section: String,
    /// The path within the section.
    pub place: String,
    /// Old value (none: new number).
    pub old: Option<f64>,
    /// New value (none: removed).
    pub new: Option<f64>,
    /// Old and new printed forms.
    pub printed: (String, String),
}

/// The comparison of two results.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Every change, in path order.
    pub changes: Vec<Change>,
    /// Numbers compared per section.
    pub compared: BTreeMap<String, usize>,
}

/// Reads `results.json` (or a folder holding one).
pub fn read(path: &Path) -> Result<Value> {
    let file: PathBuf = if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::data(
            &file,
            format!("not a results.json ({e}); give a results.json or the folder of a render"),
        )
    })
}

/// The numbers of `v` by path.
fn flatten(v: &Value, path: &str, out: &mut BTreeMap<String, f64>) {
    match v {
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.insert(path.to_string(), x);
            }
        }
        Value::Object(map) => {
            for (k, x) in map {
                flatten(x, &format!("{path} › {k}"), out);
            }
        }
        Value::Array(items) => {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for (i, x) in items.iter().enumerate() {
                let name = row_name(x).unwrap_or_else(|| format!("[{}]", i + 1));
                // Rows with the same name keep their order among themselves.
                let k = seen.entry(name.clone()).or_insert(0);
                *k += 1;
                let name = if *k > 1 { format!("{name} #{k}") } else { name };
                flatten(x, &format!("{path} › {name}"), out);
            }
        }
        _ => {}
    }
}

/// `[endpoint=os, group=SR]` from a row's naming fields, if it has any.
fn row_name(v: &Value) -> Option<String> {
    let map = v.as_object()?;
    let parts: Vec<String> = ROW_KEYS
        .iter()
        .filter_map(|k| match map.get(*k)? {
            Value::String(s) => Some(format!("{k}={s}")),
            Value::Number(n) => Some(format!("{k}={n}")),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| format!("[{}]", parts.join(", ")))
}

/// The printed form of a number under the key it sits at.
fn printed(fmt: &Formatter, place: &str, x: Option<f64>) -> String {
    let key = place.rsplit(" › ").next().unwrap_or("");
    match x {
        None => "—".into(),
        Some(_) if key == "p" || key.ends_with("_p") || key.starts_with("p_") => fmt.p(x),
        Some(_) if ["hr", "lower", "upper"].contains(&key) && place.contains("hr") => fmt.hr(x),
        Some(_) if key.contains("pct") => fmt.pct(x),
        Some(_) if key.starts_with("smd") => fmt.smd(x),
        Some(v) if ["surv", "incidence", "competing"].contains(&key) => {
            format!("{}%", fmt.rate(Some(v * 100.0)))
        }
        Some(_) => fmt.num(x),
    }
}

/// The study's number format from a results.json (its keys snake_case).
fn format_of(v: &Value) -> FormatSection {
    let kebab = |v: &Value| -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.replace('_', "-"), x.clone()))
                    .collect(),
            ),
            other => other.clone(),
        }
    };
    v.get("format")
        .and_then(|f| serde_json::from_value(kebab(f)).ok())
        .unwrap_or_default()
}

/// Compares two results.
pub fn compare(old: &Value, new: &Value) -> Diff {
    let fmt = Formatter::new(format_of(new));
    let mut diff = Diff::default();
    let sections = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|m| {
                m.keys()
                    .filter(|k| !SKIPPED.contains(&k.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut names = sections(old);
    for n in sections(new) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    for section in names {
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        if let Some(v) = old.get(&section) {
            flatten(v, "", &mut a);
        }
        if let Some(v) = new.get(&section) {
            flatten(v, "", &mut b);
        }
        let mut places: Vec<&String> = a.keys().chain(b.keys()).collect();
        places.sort();
        places.dedup();
        diff.compared.insert(section.clone(), places.len());
        for place in places {
            let (x, y) = (a.get(place).copied(), b.get(place).copied());
            if x != y {
                let place = place.trim_start_matches(" › ").to_string();
                diff.changes.push(Change {
                    printed: (printed(&fmt, &place, x), printed(&fmt, &place, y)),
                    section: section.clone(),
                    place,
                    old: x,
                    new: y,
                });
            }
        }
    }
    diff
}

/// The report: a summary, then per section its changes (unchanged
/// sections collapsed into one line).
pub fn markdown(d: &Diff, old: &str, new: &str) -> String {
    let mut s = format!("# Changes in the results\n\nFrom `{old}` to `{new}`: ");
    let printed = d
        .changes
        .iter()
        .filter(|c| c.printed.0 != c.printed.1)
        .count();
    s.push_str(&match d.changes.len() {
        0 => "no number changed.\n".to_string(),
        n => format!("{n} number(s) changed, {printed} of them as printed.\n"),
    });
    let unchanged: Vec<&str> = d
        .compared
        .keys()
        .filter(|k| !d.changes.iter().any(|c| &c.section == *k))
        .map(String::as_str)
        .collect();
    if !unchanged.is_empty() {
        s.push_str(&format!("\nUnchanged: {}.\n", unchanged.join(", ")));
    }
    let mut section = "";
    for c in &d.changes {
        if c.section != section {
            section = &c.section;
            s.push_str(&format!(
                "\n## {section}\n\n| place | old | new | printed |\n|:--|--:|--:|:--|\n"
            ));
        }
        let show = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{v}"));
        let printed = if c.printed.0 == c.printed.1 {
            format!("{} (same)", c.printed.0)
        } else {
            format!("{} → {}", c.printed.0, c.printed.1)
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            crate::render::escape_markdown(&c.place),
            show(c.old),
            show(c.new),
            crate::render::escape_markdown(&printed)
        ));
    }
    s
}

/// Compares `old` with `new` and writes `diff.md` and `diff.html` to `out`.
pub fn run(old: &Path, new: &Path, out: &Path) -> Result<(Diff, Vec<PathBuf>)> {
    let d = compare(&read(old)?, &read(new)?);
    let md = markdown(&d, &old.display().to_string(), &new.display().to_string());
    let mut body = String::new();
    pulldown_cmark::html::push_html(
        &mut body,
        pulldown_cmark::Parser::new_ext(&md, pulldown_cmark::Options::ENABLE_TABLES),
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>Changes in the results</title><style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ccc;padding:2px 8px}}</style></head><body>\n{body}</body></html>\n"
    );
    let files = write_atomically(
        out,
        &[("diff.md", md.as_bytes()), ("diff.html", html.as_bytes())],
    )?;
    Ok((d, files))
}
