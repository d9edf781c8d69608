//! A `[variables.<name>]` entry resolved: where its values come from (a
//! data column or its evaluated expression) and how they are coded
//! (numbers, cut intervals, or listed levels).

use super::env::Env;
use crate::config::{Closed, Kind, SummaryKind, Variable};
use crate::error::{Error, Result};
use polars::prelude::DataType;

/// Where numbers come from.
#[derive(Debug, Clone)]
pub enum Numbers {
    /// A data column, parsed when the cohort is built (a cell that is not a
    /// number is an error naming its row).
    Column(String),
    /// An expression's values, one per data row.
    Values(Vec<Option<f64>>),
}

/// Where cells matched against listed levels come from.
#[derive(Debug, Clone)]
pub enum Cells {
    /// A data column, as written.
    Column(String),
    /// An expression's text, one per data row.
    Text(Vec<Option<String>>),
    /// An expression's numbers, one per data row (matched as numbers).
    Numbers(Vec<Option<f64>>),
}

/// How a variable is coded, with its source.
#[derive(Debug, Clone)]
pub enum Coding {
    /// Numbers, summarised as `summary`.
    Continuous {
        /// Mean (SD) or median (IQR).
        summary: SummaryKind,
        /// The numbers.
        source: Numbers,
    },
    /// Numbers cut into intervals.
    Cut {
        /// Cut points, ascending.
        cut: Vec<f64>,
        /// Which end of each interval is closed.
        closed: Closed,
        /// Interval names (listed, or "<=a", "a-b", ">b").
        levels: Vec<String>,
        /// Printed names.
        labels: Vec<String>,
        /// The numbers.
        source: Numbers,
    },
    /// Cells matched against listed levels.
    Levels {
        /// Level values as written in the data.
        levels: Vec<String>,
        /// Printed names.
        labels: Vec<String>,
        /// The cells.
        source: Cells,
    },
}

/// A variable resolved against the data.
#[derive(Debug, Clone)]
pub struct StudyVariable {
    /// Name (the key under `[variables]`).
    pub name: String,
    /// Printed name.
    pub label: String,
    /// Source and coding.
    pub coding: Coding,
}

/// What an expression gave, per data row.
enum Derived {
    Numbers(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
}

/// Resolves one variable: its column exists, or its expression evaluates
/// to what its coding needs (numbers unless it lists levels).
pub(super) fn resolve(env: &Env<'_>, name: &str, v: &Variable) -> Result<StudyVariable> {
    let at = format!("[variables.{name}]");
    let derived = match &v.expr {
        Some(_) => Some(derive(env, name, &at)?),
        None => None,
    };
    let column = || -> Result<String> {
        let col = v.column.clone().unwrap_or_else(|| name.to_string());
        env.data.column(&col, &at)?;
        Ok(col)
    };
    let numbers = |derived: Option<Derived>, what: &str| -> Result<Numbers> {
        match derived {
            None => Ok(Numbers::Column(column()?)),
            Some(Derived::Numbers(n)) => Ok(Numbers::Values(n)),
            Some(Derived::Text(_)) => Err(Error::config(
                env.path,
                format!("{at}: the expression does not give numbers; {what}"),
            )),
        }
    };
    let labels = |levels: &Vec<String>| v.level_labels.clone().unwrap_or_else(|| levels.clone());
    let coding = if let Some(cut) = &v.cut {
        let levels = v
            .levels
            .clone()
            .unwrap_or_else(|| cut_labels(cut, v.closed));
        Coding::Cut {
            cut: cut.clone(),
            closed: v.closed,
            labels: labels(&levels),
            levels,
            source: numbers(
                derived,
                "only numbers can be cut; drop `cut` and list the levels",
            )?,
        }
    } else if v.levels.is_some() || v.kind == Some(Kind::Categorical) {
        let levels = v.levels.clone().unwrap_or_default();
        let source = match derived {
            None => Cells::Column(column()?),
            Some(Derived::Numbers(n)) => Cells::Numbers(n),
            Some(Derived::Text(t)) => Cells::Text(t),
        };
        Coding::Levels {
            labels: labels(&levels),
            levels,
            source,
        }
    } else {
        Coding::Continuous {
            summary: v.summary.unwrap_or_default(),
            source: numbers(derived, "add levels to make it categorical")?,
        }
    };
    Ok(StudyVariable {
        name: name.to_string(),
        label: v.label.clone().unwrap_or_else(|| name.to_string()),
        coding,
    })
}

/// A derived variable's values for every data row: numbers (booleans as
/// 0/1) when polars gives a numeric type, else text.
fn derive(env: &Env<'_>, name: &str, at: &str) -> Result<Derived> {
    let s = env.named_series(name, &format!("{at} expr"), &mut Vec::new())?;
    let fail = |e: polars::error::PolarsError| Error::config(env.path, format!("{at}: {e}"));
    if s.dtype().is_primitive_numeric() || s.dtype() == &DataType::Boolean {
        let f = s.cast(&DataType::Float64).map_err(fail)?;
        let f = f.f64().map_err(fail)?;
        Ok(Derived::Numbers(
            f.iter().map(|x| x.filter(|x| x.is_finite())).collect(),
        ))
    } else {
        let t = s.cast(&DataType::String).map_err(fail)?;
        let t = t.str().map_err(fail)?;
        Ok(Derived::Text(
            t.iter().map(|x| x.map(str::to_string)).collect(),
        ))
    }
}

/// Default names of cut intervals: "<=a", "a-b", ">b" (right-closed) or
/// "<a", "a-b", ">=b" (left-closed).
pub(super) fn cut_labels(cut: &[f64], closed: Closed) -> Vec<String> {
    let f = |x: f64| fmt_number(x);
    let mut out = Vec::with_capacity(cut.len() + 1);
    let (lo, hi) = match closed {
        Closed::Right => ("<=", ">"),
        Closed::Left => ("<", ">="),
    };
    out.push(format!("{lo}{}", f(cut[0])));
    for w in cut.windows(2) {
        out.push(format!("{}-{}", f(w[0]), f(w[1])));
    }
    out.push(format!("{hi}{}", f(cut[cut.len() - 1])));
    out
}

/// Interval index of `x`: right-closed `(-inf, c1], (c1, c2], ..., (ck, inf)`
/// as R's `cut(right = TRUE)`, or left-closed `[c_i, c_i+1)`.
pub fn cut_code(x: f64, cut: &[f64], closed: Closed) -> usize {
    match closed {
        Closed::Right => cut.iter().filter(|&&c| x > c).count(),
        Closed::Left => cut.iter().filter(|&&c| x >= c).count(),
    }
}

/// Shortest text of a number ("65", "18.3").
pub fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
