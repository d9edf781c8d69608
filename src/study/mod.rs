//! The study: the config resolved against its data, as ripgrep turns raw
//! arguments into validated ones. [`resolve`] binds every name the config
//! uses to a data column or an evaluated expression, fixes each variable's
//! scale and levels, evaluates the exclusion conditions, and words every
//! error about the config once, naming the config file. Later stages take
//! a [`Study`] and report only what the data's rows do (a value outside the
//! listed levels, a negative time), naming the data file and the row.

use crate::config::{ComplicationsSection, ExcludeStep, LoadedConfig};
use crate::data::Dataset;
use crate::error::{Error, Result};
use polars::prelude::DataType;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

mod endpoints;
mod env;
mod variables;

pub use endpoints::StudyEndpoint;
use env::Env;
pub use variables::{Cells, Coding, Numbers, StudyVariable, cut_code, fmt_number};

/// A treatment group.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Value as written in the data.
    pub value: String,
    /// Printed name.
    pub label: String,
}

/// One `[[cohort.exclude]]` step, evaluated.
#[derive(Debug, Clone)]
pub struct Exclusion {
    /// Printed reason.
    pub reason: String,
    /// The SQL condition as written.
    pub condition: String,
    /// Per data row: the condition is true (a NULL keeps the row).
    pub drops: Vec<bool>,
}

/// A study config resolved against its data.
#[derive(Debug)]
pub struct Study {
    /// The config as written, and the file it came from.
    pub config: LoadedConfig,
    /// The data column holding each patient's group (present in the data).
    pub treatment: String,
    /// Groups, reference first.
    pub groups: Vec<Group>,
    /// The patient id column (present in the data); row numbers when absent.
    pub id: Option<String>,
    /// Exclusion steps in order.
    pub exclusions: Vec<Exclusion>,
    /// Variables in config (name) order.
    pub variables: Vec<StudyVariable>,
    /// Endpoints in config order.
    pub endpoints: Vec<StudyEndpoint>,
    /// Printed name of the starting population.
    pub screened_label: String,
    /// Printed name of the analysed cohort.
    pub included_label: String,
}

impl Study {
    /// An error about the config, worded against its file: for the few
    /// faults only a later stage can see (a propensity model that cannot
    /// be fitted), so that they read like those found here.
    pub fn config_error(&self, message: impl Into<String>) -> Error {
        Error::config(&self.config.path, message)
    }

    /// The config as written, once the study's resolved parts are no longer
    /// needed (the exclusion masks and derived values are freed).
    pub fn into_config(self) -> LoadedConfig {
        self.config
    }
}

/// Resolves `config` against `data`. Errors come in config order: the
/// exclusion steps, the treatment and id columns, the variables, the
/// endpoints, then Table 4's columns.
pub fn resolve(config: LoadedConfig, data: &Dataset) -> Result<Study> {
    let c = &config.config;
    let env = Env {
        path: &config.path,
        variables: &c.variables,
        data,
        derived: std::sync::Mutex::new(BTreeMap::new()),
    };
    let exclusions = exclusions(&env, &c.cohort.exclude)?;
    data.column(&c.treatment.column, "[treatment] column")?;
    if let Some(id) = &c.study.id {
        data.column(id, "[study] id")?;
    }
    // Variables are independent: resolved in parallel (sharing the derived
    // values), the first error in config order.
    let variables: Vec<Result<StudyVariable>> = c
        .variables
        .par_iter()
        .map(|(name, v)| variables::resolve(&env, name, v))
        .collect();
    let variables = variables.into_iter().collect::<Result<Vec<_>>>()?;
    let endpoints: Vec<Result<StudyEndpoint>> = c
        .endpoints
        .par_iter()
        .map(|e| endpoints::resolve(&env, e))
        .collect();
    let endpoints = endpoints.into_iter().collect::<Result<Vec<_>>>()?;
    if let Some(cc) = &c.complications {
        complication_columns(data, cc)?;
    }
    drop(env);
    let t = &c.treatment;
    let groups = t
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Group {
            value: g.clone(),
            label: t.labels.get(i).cloned().unwrap_or_else(|| g.clone()),
        })
        .collect();
    Ok(Study {
        treatment: t.column.clone(),
        groups,
        id: c.study.id.clone(),
        exclusions,
        variables,
        endpoints,
        screened_label: c
            .cohort
            .screened
            .clone()
            .unwrap_or_else(|| "Patients in the data".into()),
        included_label: c
            .cohort
            .included
            .clone()
            .unwrap_or_else(|| "Patients analysed".into()),
        config,
    })
}

/// The exclusion conditions, evaluated in one query over every data row.
fn exclusions(env: &Env<'_>, steps: &[ExcludeStep]) -> Result<Vec<Exclusion>> {
    let places: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(k, step)| format!("[[cohort.exclude]] step {} (\"{}\")", k + 1, step.reason))
        .collect();
    let conditions: Vec<(&str, &str)> = steps
        .iter()
        .zip(&places)
        .map(|(step, at)| (step.condition.as_str(), at.as_str()))
        .collect();
    let evaluated = env.eval_all(&conditions)?;
    let mut out = Vec::with_capacity(steps.len());
    for ((step, at), cond) in steps.iter().zip(&places).zip(evaluated) {
        let cond = cond.cast(&DataType::Boolean).map_err(|_| {
            Error::config(env.path, format!("{at}: where = \"{}\" is not a true/false condition; write a comparison such as `age > 75`", step.condition))
        })?;
        let cond = cond
            .bool()
            .map_err(|e| Error::config(env.path, format!("{at}: {e}")))?;
        out.push(Exclusion {
            reason: step.reason.clone(),
            condition: step.condition.clone(),
            drops: cond.iter().map(|v| v == Some(true)).collect(),
        });
    }
    Ok(out)
}

/// Table 4's columns are in the data.
fn complication_columns(data: &Dataset, conf: &ComplicationsSection) -> Result<()> {
    for item in conf.groups.iter().flat_map(|g| &g.items) {
        data.column(&item.column, "[complications] items")?;
    }
    Ok(())
}
