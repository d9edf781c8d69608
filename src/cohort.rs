//! From the raw data to the analysed cohort: derived variables (SQL
//! expressions, cut into levels), exclusion steps with their counts (the
//! patient flow), and each patient's group.

use crate::config::{Closed, ComplicationsSection, Kind, LoadedConfig, SummaryKind, Variable};
use crate::data::{Dataset, parse_number};
use crate::error::{Error, Result, did_you_mean};
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// A treatment group.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Value as written in the data.
    pub value: String,
    /// Printed name.
    pub label: String,
}

/// One step of the patient flow.
#[derive(Debug, Clone, Serialize)]
pub struct FlowStep {
    /// 1-based step number.
    pub step: usize,
    /// Printed reason.
    pub reason: String,
    /// The SQL condition.
    pub condition: String,
    /// Patients removed by this step (among those left by earlier steps).
    pub excluded: usize,
    /// Patients left after it.
    pub remaining: usize,
}

/// Patient flow: screened, excluded step by step, included by group.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// Printed name of the starting population.
    pub screened_label: String,
    /// Rows in the data.
    pub screened: usize,
    /// Exclusion steps in order.
    pub steps: Vec<FlowStep>,
    /// Printed name of the analysed cohort.
    pub included_label: String,
    /// Patients analysed.
    pub included: usize,
    /// Patients analysed per group (in group order).
    pub by_group: Vec<usize>,
}

/// Values of one variable for the included patients (in cohort order).
#[derive(Debug, Clone)]
pub enum Values {
    /// Numbers, `None` = missing.
    Continuous {
        /// Mean (SD) or median (IQR).
        summary: SummaryKind,
        /// One value per patient.
        values: Vec<Option<f64>>,
    },
    /// Level codes (indices into `levels`), `None` = missing.
    Categorical {
        /// Level values (or cut-interval names), table order.
        levels: Vec<String>,
        /// Printed level names.
        labels: Vec<String>,
        /// One code per patient (a level index; 4 bytes, so that a million
        /// patients' variable takes 8 MB rather than 16).
        codes: Vec<Option<u32>>,
    },
}

/// The stored code of level `k` (see [`Values::Categorical`]); `None`
/// only beyond four billion levels, which no variable has.
pub fn code(k: usize) -> Option<u32> {
    u32::try_from(k).ok()
}

/// Follow-up of one endpoint for the included patients (cohort order).
#[derive(Debug, Clone)]
pub struct EndpointValues {
    /// Endpoint id.
    pub id: String,
    /// Follow-up time; `None` when missing.
    pub time: Vec<Option<f64>>,
    /// Event (true) or censored (false); `None` when missing.
    pub event: Vec<Option<bool>>,
    /// The patients with both time and status, by increasing time (ties in
    /// cohort order), computed on first use. Every model, curve and test of
    /// the endpoint receives rows already in time order, so none of them
    /// sorts again (the sorts are stable and find a sorted run in one pass).
    by_time: std::sync::OnceLock<Vec<usize>>,
}

impl EndpointValues {
    /// Time and status per patient.
    pub fn new(id: String, time: Vec<Option<f64>>, event: Vec<Option<bool>>) -> EndpointValues {
        EndpointValues {
            id,
            time,
            event,
            by_time: std::sync::OnceLock::new(),
        }
    }

    /// The patients with both time and status, by increasing time (stable).
    pub fn usable(&self) -> &[usize] {
        self.by_time.get_or_init(|| {
            let (time, event) = (&self.time, &self.event);
            // (time, row) pairs sorted in place on both cores: contiguous,
            // and with the row breaking ties every key is distinct, so the
            // order is the stable one whatever the sort.
            let mut keyed: Vec<(f64, usize)> = (0..time.len())
                .filter_map(|i| Some((time[i]?, i)).filter(|_| event[i].is_some()))
                .collect();
            keyed.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            keyed.into_iter().map(|(_, i)| i).collect()
        })
    }
}

/// A variable resolved against the data.
#[derive(Debug, Clone)]
pub struct CohortVariable {
    /// Name (the key under `[variables]`).
    pub name: String,
    /// Printed name.
    pub label: String,
    /// Values for the included patients.
    pub values: Values,
}

/// The analysed cohort.
#[derive(Debug, Clone)]
pub struct Cohort {
    /// Groups, reference first.
    pub groups: Vec<Group>,
    /// Patient ids (the id column, or the 1-based row number).
    pub ids: Vec<String>,
    /// Data row (0-based) of each patient.
    pub rows: Vec<usize>,
    /// Group index of each patient.
    pub group: Vec<usize>,
    /// Variables by name.
    pub variables: BTreeMap<String, CohortVariable>,
    /// Endpoints by id.
    pub endpoints: BTreeMap<String, EndpointValues>,
    /// The flow that led here.
    pub flow: Flow,
    /// Non-fatal findings (a listed level that never occurs, ...).
    pub warnings: Vec<String>,
}

impl Cohort {
    /// The patients at `idx` (indices into this cohort), in that order.
    pub fn subset(&self, idx: &[usize]) -> Cohort {
        self.subset_with(idx, |_| true, |_| true, true)
    }

    /// [`Cohort::subset`] keeping only the variables and endpoints for which
    /// `variable` and `endpoint` are true, with blank ids unless `ids` (a
    /// model's data need not copy the rest: at a million patients each
    /// variable is 16 MB). Variables are copied in parallel.
    pub fn subset_with(
        &self,
        idx: &[usize],
        variable: impl Fn(&str) -> bool + Sync,
        endpoint: impl Fn(&str) -> bool,
        ids: bool,
    ) -> Cohort {
        let keep = variable;
        let pick_f = |v: &[Option<f64>]| idx.iter().map(|&i| v[i]).collect();
        let pick_c = |v: &[Option<u32>]| idx.iter().map(|&i| v[i]).collect();
        let variables = self
            .variables
            .iter()
            .filter(|(name, _)| keep(name))
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(name, v)| {
                let values = match &v.values {
                    Values::Continuous { summary, values } => Values::Continuous {
                        summary: *summary,
                        values: pick_f(values),
                    },
                    Values::Categorical {
                        levels,
                        labels,
                        codes,
                    } => Values::Categorical {
                        levels: levels.clone(),
                        labels: labels.clone(),
                        codes: pick_c(codes),
                    },
                };
                (
                    name.clone(),
                    CohortVariable {
                        name: v.name.clone(),
                        label: v.label.clone(),
                        values,
                    },
                )
            })
            .collect();
        let endpoints = self
            .endpoints
            .iter()
            .filter(|(k, _)| endpoint(k))
            .map(|(k, e)| {
                let ep = EndpointValues::new(
                    e.id.clone(),
                    idx.iter().map(|&i| e.time[i]).collect(),
                    idx.iter().map(|&i| e.event[i]).collect(),
                );
                (k.clone(), ep)
            })
            .collect();
        Cohort {
            endpoints,
            groups: self.groups.clone(),
            ids: if ids {
                idx.iter().map(|&i| self.ids[i].clone()).collect()
            } else {
                vec![String::new(); idx.len()]
            },
            rows: idx.iter().map(|&i| self.rows[i]).collect(),
            group: idx.iter().map(|&i| self.group[i]).collect(),
            variables,
            flow: self.flow.clone(),
            warnings: Vec::new(),
        }
    }
}

/// Builds the cohort: exclusions, groups, then every variable named in the config.
pub fn build(cfg: &LoadedConfig, data: &Dataset) -> Result<Cohort> {
    let c = &cfg.config;
    let env = Env {
        cfg,
        data,
        derived: std::sync::Mutex::new(BTreeMap::new()),
    };
    // Exclusion steps, in order.
    let mut keep = vec![true; data.rows()];
    let mut steps = Vec::new();
    let places: Vec<String> = c
        .cohort
        .exclude
        .iter()
        .enumerate()
        .map(|(k, step)| format!("[[cohort.exclude]] step {} (\"{}\")", k + 1, step.reason))
        .collect();
    let conditions: Vec<(&str, &str)> = c
        .cohort
        .exclude
        .iter()
        .zip(&places)
        .map(|(step, at)| (step.condition.as_str(), at.as_str()))
        .collect();
    let evaluated = env.eval_all(&conditions)?;
    for ((k, step), cond) in c.cohort.exclude.iter().enumerate().zip(evaluated) {
        let at = &places[k];
        let cond = cond.cast(&DataType::Boolean).map_err(|_| {
            Error::config(&cfg.path, format!("{at}: where = \"{}\" is not a true/false condition; write a comparison such as `age > 75`", step.condition))
        })?;
        let cond = cond
            .bool()
            .map_err(|e| Error::config(&cfg.path, format!("{at}: {e}")))?;
        let mut excluded = 0;
        for (i, v) in cond.iter().enumerate() {
            if keep[i] && v == Some(true) {
                keep[i] = false;
                excluded += 1;
            }
        }
        steps.push(FlowStep {
            step: k + 1,
            reason: step.reason.clone(),
            condition: step.condition.clone(),
            excluded,
            remaining: keep.iter().filter(|&&k| k).count(),
        });
    }
    let rows: Vec<usize> = (0..data.rows()).filter(|&i| keep[i]).collect();
    // Groups.
    let t = &c.treatment;
    let groups: Vec<Group> = t
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Group {
            value: g.clone(),
            label: t.labels.get(i).cloned().unwrap_or_else(|| g.clone()),
        })
        .collect();
    let tcol = data.column(&t.column, "[treatment] column")?;
    let mut group = Vec::with_capacity(rows.len());
    for &r in &rows {
        let v = tcol.get(r);
        match v.and_then(|v| position_of(&t.groups, v)) {
            Some(g) => group.push(g),
            None => {
                return Err(Error::data(
                    &data.path,
                    format!(
                        "row {}: column `{}` is {}, which is not one of the groups [{}]; add it to [treatment] groups or exclude the row with a [[cohort.exclude]] step",
                        r + 1,
                        t.column,
                        v.map_or("missing".to_string(), |v| format!("`{v}`")),
                        t.groups.join(", ")
                    ),
                ));
            }
        }
    }
    let by_group: Vec<usize> = (0..groups.len())
        .map(|g| group.iter().filter(|&&x| x == g).count())
        .collect();
    if let Some(g) = by_group.iter().position(|&n| n == 0) {
        return Err(Error::data(
            &data.path,
            format!(
                "group `{}` has no patients in the cohort (column `{}`); check the group values in [treatment] against the data and the exclusion steps",
                t.groups[g], t.column
            ),
        ));
    }
    // Variables and endpoints are independent: built in parallel, then
    // taken in config order, so the first error and the warnings are those
    // a sequential build would give.
    // The ids are checked beside them (their error still comes first).
    let (ids, built) = rayon::join(
        || patient_ids(cfg, data, &rows),
        || -> Vec<Result<(CohortVariable, Vec<String>)>> {
            c.variables
                .par_iter()
                .map(|(name, v)| {
                    let mut warnings = Vec::new();
                    let values = env.values(name, v, &rows, &mut warnings)?;
                    let label = v.label.clone().unwrap_or_else(|| name.clone());
                    let variable = CohortVariable {
                        name: name.clone(),
                        label,
                        values,
                    };
                    Ok((variable, warnings))
                })
                .collect()
        },
    );
    let ids = ids?;
    let mut warnings = Vec::new();
    let mut variables = BTreeMap::new();
    for b in built {
        let (variable, w) = b?;
        warnings.extend(w);
        variables.insert(variable.name.clone(), variable);
    }
    let built: Vec<Result<EndpointValues>> = c
        .endpoints
        .par_iter()
        .map(|e| env.endpoint(e, &rows))
        .collect();
    let mut endpoints = BTreeMap::new();
    for values in built {
        let values = values?;
        endpoints.insert(values.id.clone(), values);
    }
    let flow = Flow {
        screened_label: c
            .cohort
            .screened
            .clone()
            .unwrap_or_else(|| "Patients in the data".into()),
        screened: data.rows(),
        steps,
        included_label: c
            .cohort
            .included
            .clone()
            .unwrap_or_else(|| "Patients analysed".into()),
        included: rows.len(),
        by_group,
    };
    Ok(Cohort {
        groups,
        ids,
        rows,
        group,
        variables,
        endpoints,
        flow,
        warnings,
    })
}

/// The patients' ids (the `[study] id` column, else row numbers), checked
/// to be present and unique.
fn patient_ids(cfg: &LoadedConfig, data: &Dataset, rows: &[usize]) -> Result<Vec<String>> {
    Ok(match &cfg.config.study.id {
        Some(col) => {
            let ids = data.column(col, "[study] id")?;
            let mut seen = std::collections::HashMap::with_capacity(rows.len());
            let mut out = Vec::with_capacity(rows.len());
            for &r in rows {
                let id = ids.get(r).ok_or_else(|| {
                    Error::data(
                        &data.path,
                        format!(
                            "row {}: the id column `{col}` is empty; every patient needs an id",
                            r + 1
                        ),
                    )
                })?;
                if let Some(first) = seen.insert(id, r) {
                    return Err(Error::data(
                        &data.path,
                        format!(
                            "rows {} and {}: id `{id}` appears twice in column `{col}`; ids must be unique",
                            first + 1,
                            r + 1
                        ),
                    ));
                }
                out.push(id.to_string());
            }
            out
        }
        None => rows.iter().map(|r| (r + 1).to_string()).collect(),
    })
}

/// Reads the complication columns for the cohort's patients: `true` where
/// the cell equals the event value.
pub fn complication_columns(
    data: &Dataset,
    cohort_rows: &[usize],
    conf: &ComplicationsSection,
) -> Result<BTreeMap<String, Vec<bool>>> {
    let mut out = BTreeMap::new();
    for g in &conf.groups {
        for item in &g.items {
            let cells = data.column(&item.column, "[complications] items")?;
            let ev = &conf.event_value;
            let ev_number = parse_number(ev);
            // A column holds few distinct texts ("0", "1"): remember the
            // answer for each instead of parsing every cell.
            let mut seen: Vec<(&str, bool)> = Vec::new();
            let values = cohort_rows
                .iter()
                .map(|&r| {
                    cells.get(r).is_some_and(|v| {
                        if let Some(&(_, hit)) = seen.iter().find(|(t, _)| *t == v) {
                            return hit;
                        }
                        let hit =
                            v == ev || parse_number(v).zip(ev_number).is_some_and(|(a, b)| a == b);
                        if seen.len() < 16 {
                            seen.push((v, hit));
                        }
                        hit
                    })
                })
                .collect();
            out.insert(item.column.clone(), values);
        }
    }
    Ok(out)
}

/// Index of `value` in `levels`: equal text, or equal numbers ("2" = "2.0").
fn position_of(levels: &[String], value: &str) -> Option<usize> {
    levels.iter().position(|l| l == value).or_else(|| {
        let x = parse_number(value)?;
        levels.iter().position(|l| parse_number(l) == Some(x))
    })
}

/// A variable's raw cells: a data column, derived text, or derived numbers
/// (formatted only if levels must be matched by name).
enum Raw<'d> {
    Data(&'d crate::data::TextColumn),
    Text(Vec<Option<String>>),
    Numbers,
}

/// Evaluates SQL expressions over the data and derived variables.
struct Env<'a> {
    cfg: &'a LoadedConfig,
    data: &'a Dataset,
    /// Derived variables evaluated so far (shared by the threads that
    /// build the variables).
    derived: std::sync::Mutex<BTreeMap<String, Series>>,
}

impl Env<'_> {
    fn derived(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Series>> {
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
    fn eval_all(&self, exprs: &[(&str, &str)]) -> Result<Vec<Series>> {
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

    fn eval_guarded(&self, sql: &str, at: &str, stack: &mut Vec<String>) -> Result<Series> {
        let path = self.cfg.path.clone();
        let expr = polars::sql::sql_expr(sql).map_err(|e| {
            Error::config(
                &path,
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
        .map_err(|e| Error::config(&path, format!("{at}: {e}")))?;
        let out = df
            .lazy()
            .select([expr.alias("__value")])
            .collect()
            .map_err(|e| {
                Error::config(
                    &path,
                    format!(
                        "{at}: `{sql}` could not be evaluated: {}",
                        first_line(&e.to_string())
                    ),
                )
            })?;
        let col = out
            .column("__value")
            .map_err(|e| Error::config(&path, format!("{at}: {e}")))?
            .as_materialized_series()
            .clone();
        if col.len() != self.data.rows() {
            return Err(Error::config(
                &path,
                format!(
                    "{at}: `{sql}` gives one value, not one per row; do not use aggregate functions here"
                ),
            ));
        }
        Ok(col)
    }

    /// A data column (as numbers when every cell is one, else text) or a
    /// derived variable's raw value.
    fn named_series(&self, name: &str, at: &str, stack: &mut Vec<String>) -> Result<Series> {
        if let Some(s) = self.derived().get(name) {
            return Ok(s.clone());
        }
        // Inside a variable's own expression its name means the data column.
        let own = stack.last().is_some_and(|s| s == name) && self.data.has(name);
        if let Some(v) = self.cfg.config.variables.get(name).filter(|_| !own) {
            if let Some(expr) = &v.expr {
                if stack.iter().any(|s| s == name) {
                    return Err(Error::config(
                        &self.cfg.path,
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
            known.extend(self.cfg.config.variables.keys().map(String::as_str));
            return Err(Error::config(
                &self.cfg.path,
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

    /// A variable's values for the included rows, coded by its kind.
    fn values(
        &self,
        name: &str,
        v: &Variable,
        rows: &[usize],
        warnings: &mut Vec<String>,
    ) -> Result<Values> {
        let at = format!("[variables.{name}]");
        let categorical =
            v.cut.is_some() || v.levels.is_some() || v.kind == Some(Kind::Categorical);
        // Raw value per data row: number or text (text made only when
        // levels are matched by name).
        let raw: Raw<'_>;
        let nums: Option<Vec<Option<f64>>>;
        if let Some(expr) = &v.expr {
            let s = self.named_series(name, &format!("{at} expr"), &mut Vec::new())?;
            let _ = expr;
            if s.dtype().is_primitive_numeric() || s.dtype() == &DataType::Boolean {
                let f = s
                    .cast(&DataType::Float64)
                    .map_err(|e| Error::config(&self.cfg.path, format!("{at}: {e}")))?;
                let f = f
                    .f64()
                    .map_err(|e| Error::config(&self.cfg.path, format!("{at}: {e}")))?;
                let vals: Vec<Option<f64>> =
                    f.iter().map(|x| x.filter(|x| x.is_finite())).collect();
                raw = Raw::Numbers;
                nums = Some(vals);
            } else {
                let t = s
                    .cast(&DataType::String)
                    .map_err(|e| Error::config(&self.cfg.path, format!("{at}: {e}")))?;
                let t = t
                    .str()
                    .map_err(|e| Error::config(&self.cfg.path, format!("{at}: {e}")))?;
                raw = Raw::Text(t.iter().map(|x| x.map(str::to_string)).collect());
                nums = None;
            }
        } else {
            let col = v.column.clone().unwrap_or_else(|| name.to_string());
            let data = self.data;
            raw = Raw::Data(data.column(&col, &at)?);
            nums = if categorical && v.cut.is_none() {
                None
            } else {
                Some(self.data.numeric(&col, &at)?)
            };
        }
        let label = |i: usize| format!("row {}", rows[i] + 1);
        if !categorical {
            let nums = nums.ok_or_else(|| Error::config(&self.cfg.path, format!("{at}: the expression does not give numbers; add levels to make it categorical")))?;
            let values: Vec<Option<f64>> = rows.iter().map(|&r| nums[r]).collect();
            if values.iter().all(Option::is_none) {
                return Err(Error::data(
                    &self.data.path,
                    format!(
                        "{at}: every value is missing among the {} patients analysed; check the column or drop the variable",
                        rows.len()
                    ),
                ));
            }
            return Ok(Values::Continuous {
                summary: v.summary.unwrap_or_default(),
                values,
            });
        }
        if let Some(cut) = &v.cut {
            let nums = nums.unwrap_or_default();
            let levels = v
                .levels
                .clone()
                .unwrap_or_else(|| cut_labels(cut, v.closed));
            let labels = v.level_labels.clone().unwrap_or_else(|| levels.clone());
            let codes = rows
                .iter()
                .map(|&r| {
                    nums.get(r)
                        .copied()
                        .flatten()
                        .and_then(|x| code(cut_code(x, cut, v.closed)))
                })
                .collect();
            let values = Values::Categorical {
                levels,
                labels,
                codes,
            };
            self.check_levels(name, &values, warnings);
            return Ok(values);
        }
        let levels = v.levels.clone().unwrap_or_default();
        let labels = v.level_labels.clone().unwrap_or_else(|| levels.clone());
        let mut codes = Vec::with_capacity(rows.len());
        for (i, &r) in rows.iter().enumerate() {
            let cell = match &raw {
                Raw::Data(c) => c.get(r).map(std::borrow::Cow::Borrowed),
                Raw::Text(v) => v[r].as_deref().map(std::borrow::Cow::Borrowed),
                Raw::Numbers => nums
                    .as_ref()
                    .and_then(|n| n[r])
                    .map(|x| std::borrow::Cow::Owned(fmt_number(x))),
            };
            match cell.as_deref() {
                None => codes.push(None),
                Some(s) => match position_of(&levels, s) {
                    Some(k) => codes.push(code(k)),
                    None => {
                        return Err(Error::data(
                            &self.data.path,
                            format!(
                                "{}, variable `{name}`: value `{s}` is not one of the listed levels [{}]; add it to {at} levels (or fix the cell)",
                                label(i),
                                levels.join(", ")
                            ),
                        ));
                    }
                },
            }
        }
        let values = Values::Categorical {
            levels,
            labels,
            codes,
        };
        self.check_levels(name, &values, warnings);
        Ok(values)
    }

    /// A column or variable as numbers for every data row: a data column is
    /// parsed directly (a cell that is not a number is an error naming its
    /// row); a derived or renamed variable goes through its expression.
    fn numbers(&self, name: &str, at: &str) -> Result<Vec<Option<f64>>> {
        let plain = self
            .cfg
            .config
            .variables
            .get(name)
            .is_none_or(|v| v.expr.is_none() && v.column.as_deref().is_none_or(|c| c == name));
        if plain && self.data.has(name) {
            return self.data.numeric(name, at);
        }
        let series = self.named_series(name, at, &mut Vec::new())?;
        let series = series.cast(&DataType::Float64).map_err(|_| {
            Error::data(
                &self.data.path,
                format!("{at}: `{name}` is not numeric; give follow-up times as numbers"),
            )
        })?;
        let values = series
            .f64()
            .map_err(|err| Error::config(&self.cfg.path, format!("{at}: {err}")))?;
        Ok(values.iter().collect())
    }

    /// Time and event of an endpoint for the included rows. A negative time
    /// or an event value outside the declared coding is an error naming the row.
    fn endpoint(&self, e: &crate::config::Endpoint, rows: &[usize]) -> Result<EndpointValues> {
        let at = format!("[[endpoints]] `{}`", e.id);
        let times = self.numbers(&e.time, &format!("{at} time"))?;
        // The event cells as written, so that messages quote them exactly;
        // a derived event variable is read through its expression.
        let derived = self
            .cfg
            .config
            .variables
            .get(&e.event)
            .is_some_and(|v| v.expr.is_some());
        let derived_text: Option<Series> = if self.data.has(&e.event) && !derived {
            None
        } else {
            let series = self.named_series(&e.event, &format!("{at} event"), &mut Vec::new())?;
            Some(
                series
                    .cast(&DataType::String)
                    .map_err(|err| Error::config(&self.cfg.path, format!("{at}: {err}")))?,
            )
        };
        let data_cells = match &derived_text {
            None => Some(self.data.column(&e.event, &format!("{at} event"))?),
            Some(_) => None,
        };
        let derived_cells = match &derived_text {
            Some(s) => Some(
                s.str()
                    .map_err(|err| Error::config(&self.cfg.path, format!("{at}: {err}")))?,
            ),
            None => None,
        };
        let event_cell = |r: usize| -> Option<&str> {
            match (data_cells, derived_cells) {
                (Some(c), _) => c.get(r),
                (None, Some(c)) => c.get(r),
                (None, None) => None,
            }
        };
        let coding = [e.censor_value.clone(), e.event_value.clone()];
        let mut time = Vec::with_capacity(rows.len());
        let mut event = Vec::with_capacity(rows.len());
        for &r in rows {
            let t = times[r].filter(|t| !t.is_nan());
            if let Some(t) = t
                && (t < 0.0 || !t.is_finite())
            {
                return Err(Error::data(
                    &self.data.path,
                    format!(
                        "row {}, {at}: time `{}` is {t}; follow-up times must be zero or positive",
                        r + 1,
                        e.time
                    ),
                ));
            }
            time.push(t);
            let v = event_cell(r).map(str::trim).filter(|v| !v.is_empty());
            event.push(match v {
                None => None,
                Some(v) => match position_of(&coding, v) {
                    Some(k) => Some(k == 1),
                    None => {
                        return Err(Error::data(
                            &self.data.path,
                            format!(
                                "row {}, {at}: event `{}` is `{v}`, which is neither the event value `{}` nor the censoring value `{}`; fix the cell or set event-value / censor-value",
                                r + 1,
                                e.event,
                                e.event_value,
                                e.censor_value
                            ),
                        ));
                    }
                },
            });
        }
        Ok(EndpointValues::new(e.id.clone(), time, event))
    }

    fn check_levels(&self, name: &str, values: &Values, warnings: &mut Vec<String>) {
        if let Values::Categorical { levels, codes, .. } = values {
            for (k, l) in levels.iter().enumerate() {
                if !codes.contains(&code(k)) {
                    warnings.push(format!(
                        "variable `{name}`: level `{l}` does not occur among the patients analysed"
                    ));
                }
            }
        }
    }
}

/// Default names of cut intervals: "<=a", "a-b", ">b" (right-closed) or
/// "<a", "a-b", ">=b" (left-closed).
fn cut_labels(cut: &[f64], closed: Closed) -> Vec<String> {
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
fn cut_code(x: f64, cut: &[f64], closed: Closed) -> usize {
    match closed {
        Closed::Right => cut.iter().filter(|&&c| x > c).count(),
        Closed::Left => cut.iter().filter(|&&c| x >= c).count(),
    }
}

/// Shortest text of a number ("65", "18.3").
fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
