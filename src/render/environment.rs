//! The template environment: every template, the formatter's filters, the
//! Markdown escaping filter and the functions templates call (`label`,
//! `ref`, `km_at`, `not_estimable`).

use super::numbering::Numbering;
use super::views::KmCurve;
use super::{Templates, escape_markdown};
use crate::error::{Error, Result};
use crate::format::Formatter;
use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Instructions a template may run per render (minijinja fuel).
const TEMPLATE_FUEL: u64 = 20_000_000;

/// The template environment: every template, the formatter filters and the
/// Markdown escaping filter.
pub(super) fn environment(
    templates: &Templates,
    fmt: &Formatter,
    numbering: &Arc<Mutex<Numbering>>,
    km_curves: &[KmCurve],
) -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Debug info names the undefined expression in a template error
    // ("`results.no_such_thing` is undefined"). minijinja keeps it only in
    // debug builds by default, so the release binary, the one authors run,
    // gave the vaguer message.
    env.set_debug(true);
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
    add_numbering(&mut env, numbering);
    add_km_at(&mut env, km_curves);
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

/// Tables and figures: `label(kind, id)` numbers them in order of
/// appearance, `ref(id)` cites them anywhere (also before the label).
fn add_numbering(env: &mut Environment<'static>, numbering: &Arc<Mutex<Numbering>>) {
    let labels = Arc::clone(numbering);
    env.add_function("label", move |kind: String, id: String| {
        labels
            .lock()
            .map_err(|_| invalid("numbering lock poisoned"))?
            .label(&kind, &id)
    });
    let citations = Arc::clone(numbering);
    env.add_function("ref", move |id: String| {
        citations
            .lock()
            .map_err(|_| invalid("numbering lock poisoned"))?
            .cite(&id)
    });
}

/// Kaplan-Meier survival (percent) of one curve at any time:
/// `km_at("os", "matched", "SR", 60)`. The curve is a step function, so
/// this is S at the last event time at or before t.
fn add_km_at(env: &mut Environment<'static>, km_curves: &[KmCurve]) {
    let km: Vec<KmCurve> = km_curves.to_vec();
    let mut populations: Vec<String> = Vec::new();
    for c in &km {
        if !populations.contains(&c.1) {
            populations.push(c.1.clone());
        }
    }
    let populations = populations
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let km_at = move |endpoint: String, cohort: String, group: String, t: f64| {
        let curve = km
            .iter()
            .find(|c| c.0 == endpoint && c.1 == cohort && c.2 == group)
            .ok_or_else(|| {
                invalid(format!(
                    "km_at(\"{endpoint}\", \"{cohort}\", \"{group}\", {t}): no such curve; endpoints are the [[endpoints]] ids, populations {populations}, groups the treatment values"
                ))
            })?;
        let i = curve.3.partition_point(|&x| x <= t);
        Ok(if i == 0 {
            100.0
        } else {
            curve.4[i - 1] * 100.0
        })
    };
    env.add_function("km_at", km_at);
}

pub(super) fn add_number_filter(
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

pub(super) fn get_render(env: &Environment<'_>, name: &str, ctx: &Value) -> Result<String> {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| template_error(name, &e))
}

pub(super) fn template_error(name: &str, e: &minijinja::Error) -> Error {
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

pub(super) fn invalid(message: impl Into<String>) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message.into())
}
