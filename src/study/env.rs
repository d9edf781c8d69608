//! The SQL expression environment: derived variables and exclusion
//! conditions evaluated by polars over every data row and the variables
//! derived so far. Every error it raises is about the config (an unknown
//! name, a cycle, an expression polars cannot evaluate) and names the
//! config file and the place in it.

use crate::config::Variable;
use crate::data::{Dataset, parse_number};
use crate::error::{Error, Result, did_you_mean};
use polars::prelude::*;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Evaluates SQL expressions over the data and derived variables.
pub(super) struct Env<'a> {
    /// The config file (for messages).
    pub(super) path: &'a Path,
    /// `[variables]` as written.
    pub(super) variables: &'a BTreeMap<String, Variable>,
    pub(super) data: &'a Dataset,
    /// Derived variables evaluated so far (shared by the threads that
    /// build the variables).
    pub(super) derived: std::sync::Mutex<BTreeMap<String, Series>>,
}

impl Env<'_> {
    pub(super) fn derived(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Series>> {
        // A panic elsewhere cannot leave the cache half-written: inserts
        // are whole values.
        self.derived
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The values of several SQL expressions (`(sql, where it is written)`)
    /// for every data row, in one query: each column they name is read
    /// once and polars evaluates them side by side. Should the query fail,
    /// each expression is evaluated alone so the error names the one at
    /// fault.
    pub(super) fn eval_all(&self, exprs: &[(&str, &str)]) -> Result<Vec<Series>> {
        let one_by_one = || -> Result<Vec<Series>> {
            exprs
                .iter()
                .map(|(sql, at)| self.eval_guarded(sql, at, &mut Vec::new()))
                .collect()
        };
        let mut parsed = Vec::with_capacity(exprs.len());
        for (k, (sql, _)) in exprs.iter().enumerate() {
            match polars::sql::sql_expr(sql) {
                Ok(e) => parsed.push(e.alias(format!("__value{k}"))),
                Err(_) => return one_by_one(),
            }
        }
        let mut roots = Vec::new();
        for expr in &parsed {
            for root in expr.clone().meta().root_names() {
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
        }
        // Each named column parsed on its own core, kept in order.
        let series: Vec<Result<Series>> = roots
            .par_iter()
            .map(|root| self.named_series(root.as_str(), "", &mut Vec::new()))
            .collect();
        let mut cols: Vec<Column> = Vec::with_capacity(roots.len());
        for (root, series) in roots.iter().zip(series) {
            match series {
                Ok(series) => cols.push(series.with_name(root.clone()).into_column()),
                Err(_) => return one_by_one(),
            }
        }
        if cols.is_empty() || parsed.is_empty() {
            return one_by_one();
        }
        let Ok(df) = DataFrame::new_infer_height(cols) else {
            return one_by_one();
        };
        match df.lazy().select(parsed).collect() {
            Ok(out) => {
                let values: Vec<Series> = out
                    .columns()
                    .iter()
                    .map(|c| c.as_materialized_series().clone())
                    .collect();
                if values.len() == exprs.len() && values.iter().all(|v| v.len() == self.data.rows())
                {
                    Ok(values)
                } else {
                    one_by_one()
                }
            }
            Err(_) => one_by_one(),
        }
    }

    pub(super) fn eval_guarded(
        &self,
        sql: &str,
        at: &str,
        stack: &mut Vec<String>,
    ) -> Result<Series> {
        let path = self.path;
        let expr = polars::sql::sql_expr(sql).map_err(|e| {
            Error::config(
                path,
                format!(
                    "{at}: `{sql}` is not a valid SQL expression: {}",
                    first_line(&e.to_string())
                ),
            )
        })?;
        let roots = expr.clone().meta().root_names();
        let mut cols: Vec<Column> = Vec::new();
        for root in roots {
            let name = root.to_string();
            if cols.iter().any(|c| c.name().as_str() == name) {
                continue;
            }
            let series = self.named_series(&name, at, stack)?;
            cols.push(series.with_name(root.clone()).into_column());
        }
        let df = if cols.is_empty() {
            DataFrame::new_infer_height(vec![Column::new(
                "__row".into(),
                vec![0u32; self.data.rows()],
            )])
        } else {
            DataFrame::new_infer_height(cols)
        }
        .map_err(|e| Error::config(path, format!("{at}: {e}")))?;
        let out = df
            .lazy()
            .select([expr.alias("__value")])
            .collect()
            .map_err(|e| {
                Error::config(
                    path,
                    format!(
                        "{at}: `{sql}` could not be evaluated: {}",
                        first_line(&e.to_string())
                    ),
                )
            })?;
        let col = out
            .column("__value")
            .map_err(|e| Error::config(path, format!("{at}: {e}")))?
            .as_materialized_series()
            .clone();
        if col.len() != self.data.rows() {
            return Err(Error::config(
                path,
                format!(
                    "{at}: `{sql}` gives one value, not one per row; do not use aggregate functions here"
                ),
            ));
        }
        Ok(col)
    }

    /// A data column (as numbers when every cell is one, else text) or a
    /// derived variable's raw value.
    pub(super) fn named_series(
        &self,
        name: &str,
        at: &str,
        stack: &mut Vec<String>,
    ) -> Result<Series> {
        if let Some(s) = self.derived().get(name) {
            return Ok(s.clone());
        }
        // Inside a variable's own expression its name means the data column.
        let own = stack.last().is_some_and(|s| s == name) && self.data.has(name);
        if let Some(v) = self.variables.get(name).filter(|_| !own) {
            if let Some(expr) = &v.expr {
                if stack.iter().any(|s| s == name) {
                    return Err(Error::config(
                        self.path,
                        format!(
                            "[variables.{name}] refers to itself through {}; break the cycle",
                            stack.join(" -> ")
                        ),
                    ));
                }
                stack.push(name.to_string());
                let s =
                    self.eval_guarded(&expr.clone(), &format!("[variables.{name}] expr"), stack)?;
                stack.pop();
                self.derived().insert(name.to_string(), s.clone());
                return Ok(s);
            }
            let col = v.column.clone().unwrap_or_else(|| name.to_string());
            if col != name {
                return self.named_series(&col, at, stack);
            }
        }
        if !self.data.has(name) {
            let mut known: Vec<&str> = self.data.names().iter().map(String::as_str).collect();
            known.extend(self.variables.keys().map(String::as_str));
            return Err(Error::config(
                self.path,
                format!(
                    "{at}: `{name}` is neither a data column nor a variable.{} (Quote names with dots or spaces: \"ph.ecog\".)",
                    did_you_mean(name, known)
                ),
            ));
        }
        let cells = self.data.column(name, at)?;
        let numbers: Vec<Option<f64>> = cells.iter().map(|c| c.and_then(parse_number)).collect();
        let all_numeric = cells
            .iter()
            .zip(&numbers)
            .all(|(c, n)| c.is_none() || n.is_some());
        Ok(if all_numeric {
            Series::new(name.into(), numbers)
        } else {
            Series::new(name.into(), cells.iter().collect::<Vec<Option<&str>>>())
        })
    }
}

pub(super) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
