//! `studybook init DATA`: a commented `study.toml` for a new data file, as
//! `cargo new` and `mdbook init` start a project. Every column is typed from
//! its values (numbers with many values are continuous, summarised by mean
//! (SD) when roughly symmetric and by median (IQR) otherwise; text or few
//! values are categorical with their levels), the treatment's groups are
//! filled in, time/event column pairs are proposed as endpoints (commented
//! out), and the other sections are commented examples. The text is parsed
//! and checked before it is written, and an existing file is never
//! overwritten.

use crate::config;
use crate::data::{Dataset, parse_number};
use crate::error::{Error, Result};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// At most this many distinct values make a numeric column categorical.
const MAX_NUMERIC_LEVELS: usize = 6;
/// A text column with more distinct values is left out (free text, ids).
const MAX_TEXT_LEVELS: usize = 20;

/// How a column enters the study.
#[derive(Debug, Clone, PartialEq)]
enum Typed {
    /// Numbers: mean (SD) when |skewness| < 1, else median (IQR).
    Continuous { median: bool, skewness: f64 },
    /// Levels in table order (numbers ascending, text as sorted).
    Categorical(Vec<String>),
    /// Left out, with the reason.
    Skipped(String),
}

/// Types a column from its recorded values.
fn type_column(values: &[&str]) -> Typed {
    if values.is_empty() {
        return Typed::Skipped("no recorded value".into());
    }
    let numbers: Option<Vec<f64>> = values.iter().map(|v| parse_number(v)).collect();
    let mut distinct: Vec<&str> = values.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    match numbers {
        Some(mut x) if distinct.len() > MAX_NUMERIC_LEVELS => {
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            let sd =
                (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
            let skewness = if sd > 0.0 {
                x.iter().map(|v| ((v - mean) / sd).powi(3)).sum::<f64>() / n
            } else {
                0.0
            };
            x.clear();
            Typed::Continuous {
                median: skewness.abs() >= 1.0,
                skewness,
            }
        }
        Some(_) => {
            let mut levels: Vec<&str> = distinct;
            levels.sort_by(|a, b| {
                parse_number(a)
                    .unwrap_or(0.0)
                    .total_cmp(&parse_number(b).unwrap_or(0.0))
            });
            Typed::Categorical(levels.iter().map(|s| s.to_string()).collect())
        }
        None if distinct.len() > MAX_TEXT_LEVELS => Typed::Skipped(format!(
            "text with {} distinct values (free text or an id?)",
            distinct.len()
        )),
        None => Typed::Categorical(distinct.iter().map(|s| s.to_string()).collect()),
    }
}

/// A config key from a column name: lower case, other characters `_`.
fn key_of(column: &str) -> String {
    let mut key: String = column
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if key.starts_with(|c: char| c.is_ascii_digit()) || key.is_empty() {
        key.insert(0, 'v');
    }
    key
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `to` written relative to the folder `from` when they share a root.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (Ok(from), Ok(to)) = (from.canonicalize(), to.canonicalize()) else {
        return to.to_path_buf();
    };
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in from.components().skip(common) {
        out.push("..");
    }
    for c in to.components().skip(common) {
        out.push(c);
    }
    out
}

/// Whether a column name is one of `words` or has one as a part
/// (`os_time`, `time.os`, `death_flag`), in any case.
fn named_like(name: &str, words: &[&str]) -> bool {
    let n = name.to_lowercase();
    words.iter().any(|w| {
        n == *w
            || n.ends_with(&format!("_{w}"))
            || n.ends_with(&format!(".{w}"))
            || n.starts_with(&format!("{w}_"))
    })
}

/// Time/event pairs: a numeric column named like a time and a 0/1 or 1/2
/// column named like an event, matched by the rest of their names.
fn endpoint_pairs(columns: &[(String, Typed)]) -> Vec<(String, String)> {
    const TIMES: &[&str] = &[
        "time", "futime", "days", "months", "years", "os", "pfs", "dfs", "t",
    ];
    const EVENTS: &[&str] = &[
        "status", "event", "death", "dead", "fustat", "censor", "pstat", "e",
    ];
    let is_time = |n: &str| named_like(n, TIMES);
    let is_event = |n: &str, t: &Typed| {
        matches!(t, Typed::Categorical(l) if l.len() == 2 || l.len() == 3) && named_like(n, EVENTS)
    };
    let stem = |n: &str| {
        n.to_lowercase()
            .replace("time", "")
            .replace("status", "")
            .replace("event", "")
            .trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_string()
    };
    let mut pairs = Vec::new();
    for (t, tt) in columns {
        if !(is_time(t) && matches!(tt, Typed::Continuous { .. })) {
            continue;
        }
        let events: Vec<&String> = columns
            .iter()
            .filter(|(e, et)| is_event(e, et))
            .map(|(e, _)| e)
            .collect();
        if let Some(e) = events
            .iter()
            .find(|e| stem(e) == stem(t))
            .or(events.first())
        {
            pairs.push((t.clone(), (*e).clone()));
        }
    }
    pairs
}

/// The commented config for `data` with `treatment` (default: the first
/// two-level column that is not an endpoint's), its data path written
/// relative to `dir`.
pub fn draft(data: &Path, treatment: Option<&str>, dir: &Path) -> Result<String> {
    let na = config::default_na_values();
    let d = Dataset::read(data, &na)?;
    let columns = type_columns(&d, &na)?;
    let pairs = endpoint_pairs(&columns);
    let in_endpoints = |n: &str| pairs.iter().any(|(t, e)| t == n || e == n);
    let treatment = match treatment {
        Some(t) => t.to_string(),
        None => columns
            .iter()
            .filter(|(n, _)| !in_endpoints(n))
            .find(|(_, t)| matches!(t, Typed::Categorical(l) if l.len() == 2))
            .map(|(n, _)| n.clone())
            .ok_or_else(|| Error::data(data, "no two-level column to take as the treatment; name one with --treatment COLUMN"))?,
    };
    let groups = groups_of(&d, &columns, &treatment)?;
    let title = data
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut out = format!(
        "# Written by `studybook init {}`: check each choice, then `studybook check`.\n# The README's \"Writing a study config\" lists every key.\n\n[study]\ntitle = {}\ndata = {}\n\n[treatment]\ncolumn = {}\ngroups = [{}]   # the first is the reference\n\n",
        data.display(),
        quoted(&title),
        quoted(&relative(dir, data).to_string_lossy()),
        quoted(&treatment),
        list(&groups),
    );
    let kept: Vec<&(String, Typed)> = columns
        .iter()
        .filter(|(n, _)| *n != treatment && !in_endpoints(n))
        .collect();
    write_variables(&mut out, &kept);
    write_endpoints(&mut out, &columns, &pairs);
    out.push_str(EXAMPLES);
    // What is written must load: the same parser and checks as `check`.
    config::parse(&dir.join("study.toml"), &out)?;
    Ok(out)
}

/// Every column of `d`, typed from its recorded values.
fn type_columns(d: &Dataset, na: &[String]) -> Result<Vec<(String, Typed)>> {
    let mut columns = Vec::new();
    for name in d.names() {
        let column = d.column(name, "init")?;
        let values: Vec<&str> = column
            .iter()
            .flatten()
            .map(str::trim)
            .filter(|v| !v.is_empty() && !na.iter().any(|n| n == v))
            .collect();
        columns.push((name.clone(), type_column(&values)));
    }
    Ok(columns)
}

/// The treatment column's values, which must be few.
fn groups_of(d: &Dataset, columns: &[(String, Typed)], treatment: &str) -> Result<Vec<String>> {
    match columns.iter().find(|(n, _)| n == treatment) {
        Some((_, Typed::Categorical(levels))) => Ok(levels.clone()),
        Some(_) => Err(Error::data(
            &d.path,
            format!(
                "column `{treatment}` has too many values to be the treatment; name a column with its groups as values (--treatment COLUMN)"
            ),
        )),
        None => Err(Error::data(
            &d.path,
            format!(
                "no column `{treatment}`{}",
                crate::error::did_you_mean(treatment, d.names().iter().map(String::as_str))
            ),
        )),
    }
}

/// Quoted TOML strings, comma-separated.
fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| quoted(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `[variables.KEY]` table per kept column, then `[table1]` of them.
fn write_variables(out: &mut String, columns: &[&(String, Typed)]) {
    let mut table1 = Vec::new();
    for (name, typed) in columns {
        let key = key_of(name);
        match typed {
            Typed::Skipped(why) => {
                let _ = writeln!(out, "# `{name}` left out: {why}.\n");
            }
            Typed::Continuous { median, skewness } => {
                let (summary, why) = if *median {
                    ("median_iqr", "skewed")
                } else {
                    ("mean_sd", "roughly symmetric")
                };
                let _ = writeln!(
                    out,
                    "[variables.{key}]   # numbers, {why} (skewness {skewness:.2})\ncolumn = {}\nsummary = \"{summary}\"\n",
                    quoted(name)
                );
                table1.push(key);
            }
            Typed::Categorical(levels) => {
                let _ = writeln!(
                    out,
                    "[variables.{key}]   # {} levels; the first is the reference\ncolumn = {}\nlevels = [{}]\n",
                    levels.len(),
                    quoted(name),
                    list(levels)
                );
                table1.push(key);
            }
        }
    }
    let _ = writeln!(out, "[table1]\nvariables = [{}]\n", list(&table1));
}

/// Each time/event pair as a commented `[[endpoints]]` table: the event's
/// last level as the event, its first as censoring.
fn write_endpoints(out: &mut String, columns: &[(String, Typed)], pairs: &[(String, String)]) {
    out.push_str("# Endpoints guessed from time/event column pairs: check the event and\n# censoring codes, then uncomment.\n");
    for (t, e) in pairs {
        let codes = match columns.iter().find(|(n, _)| n == e) {
            Some((_, Typed::Categorical(l))) => l.clone(),
            _ => Vec::new(),
        };
        let censor = codes.first().cloned().unwrap_or_default();
        let event = codes.last().cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "# [[endpoints]]\n# id = {}\n# label = {}\n# time = {}\n# event = {}\n# event-value = {}\n# censor-value = {}\n",
            quoted(&key_of(t)),
            quoted(t),
            quoted(t),
            quoted(e),
            quoted(&event),
            quoted(&censor)
        );
    }
}

/// The other sections, commented out.
const EXAMPLES: &str = r#"# [[cohort.exclude]]            # exclusion steps, in order (the flow diagram)
# reason = "Age under 18"
# where = "age < 18"
#
# [matching]                    # 1:1 propensity-score matching
# covariates = ["age"]
# caliper = 0.1
#
# [weighting]                   # propensity-score weighting with [matching]'s model
# estimands = ["ate"]
#
# [cox]                         # univariable and multivariable Cox tables
# factors = ["age"]
#
# [output]                      # what a journal receives
# formats = ["html", "md", "docx"]
"#;

/// Writes `dir/study.toml` for `data`; never over an existing file.
pub fn init(data: &Path, treatment: Option<&str>, dir: &Path) -> Result<PathBuf> {
    let path = dir.join("study.toml");
    if path.exists() {
        return Err(Error::config(
            &path,
            "already exists; studybook init never overwrites a study: pass another --out folder, or remove the file",
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let text = draft(data, treatment, dir)?;
    crate::files::write_atomically(dir, &[("study.toml", text.as_bytes())])?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_typed_from_their_values() {
        let symmetric: Vec<String> = (1..=50).map(|i| i.to_string()).collect();
        let s: Vec<&str> = symmetric.iter().map(String::as_str).collect();
        assert!(matches!(
            type_column(&s),
            Typed::Continuous { median: false, .. }
        ));
        let skewed: Vec<String> = (1..=50).map(|i| (i * i * i).to_string()).collect();
        let s: Vec<&str> = skewed.iter().map(String::as_str).collect();
        assert!(matches!(
            type_column(&s),
            Typed::Continuous { median: true, .. }
        ));
        assert_eq!(
            type_column(&["2", "10", "1", "2"]),
            Typed::Categorical(vec!["1".into(), "2".into(), "10".into()])
        );
        assert_eq!(
            type_column(&["b", "a"]),
            Typed::Categorical(vec!["a".into(), "b".into()])
        );
        assert!(matches!(type_column(&[]), Typed::Skipped(_)));
        assert_eq!(key_of("ph.ecog"), "ph_ecog");
        assert_eq!(key_of("1st"), "v1st");
    }
}
