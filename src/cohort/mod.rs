//! From the resolved study to the analysed cohort: the exclusion steps
//! with their counts (the patient flow), each patient's group and id, and
//! every variable and endpoint coded for the included patients.

use crate::config::{ComplicationsSection, SummaryKind};
use crate::data::{Dataset, parse_number};
use crate::error::{Error, Result};
use crate::study::{Exclusion, Study};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

mod coding;
mod population;
pub use crate::study::Group;
use coding::position_of;
pub use population::{ByPopulation, Made, Population, PopulationInfo};

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

impl Values {
    /// Whether patient `i` has a value.
    pub fn is_recorded(&self, i: usize) -> bool {
        match self {
            Values::Continuous { values, .. } => values[i].is_some(),
            Values::Categorical { codes, .. } => codes[i].is_some(),
        }
    }
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
    /// A competing event (then `event` is false: for the event of interest
    /// the patient is censored at that time); all false for an endpoint
    /// without competing values.
    pub competing: Vec<bool>,
    /// The patients with both time and status, by increasing time (ties in
    /// cohort order), computed on first use. Every model, curve and test of
    /// the endpoint receives rows already in time order, so none of them
    /// sorts again (the sorts are stable and find a sorted run in one pass).
    by_time: std::sync::OnceLock<Vec<usize>>,
}

impl EndpointValues {
    /// Time and status per patient.
    pub fn new(id: String, time: Vec<Option<f64>>, event: Vec<Option<bool>>) -> EndpointValues {
        let competing = vec![false; time.len()];
        EndpointValues::with_competing(id, time, event, competing)
    }

    /// Time, status and competing events per patient.
    pub fn with_competing(
        id: String,
        time: Vec<Option<f64>>,
        event: Vec<Option<bool>>,
        competing: Vec<bool>,
    ) -> EndpointValues {
        EndpointValues {
            id,
            time,
            event,
            competing,
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
                let ep = EndpointValues::with_competing(
                    e.id.clone(),
                    idx.iter().map(|&i| e.time[i]).collect(),
                    idx.iter().map(|&i| e.event[i]).collect(),
                    idx.iter().map(|&i| e.competing[i]).collect(),
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

/// Builds the cohort from a resolved study: the exclusion steps' flow,
/// each patient's group and id, then every variable and endpoint coded for
/// the included rows. Errors name a data row.
pub fn build(study: &Study, data: &Dataset) -> Result<Cohort> {
    let (rows, steps) = exclude(&study.exclusions, data.rows());
    let group = groups(study, data, &rows)?;
    let by_group: Vec<usize> = (0..study.groups.len())
        .map(|g| group.iter().filter(|&&x| x == g).count())
        .collect();
    if let Some(g) = by_group.iter().position(|&n| n == 0) {
        return Err(Error::data(
            &data.path,
            format!(
                "group `{}` has no patients in the cohort (column `{}`); check the group values in [treatment] against the data and the exclusion steps",
                study.groups[g].value, study.treatment
            ),
        ));
    }
    // Variables and endpoints are independent: coded in parallel, then
    // taken in config order, so the first error and the warnings are those
    // a sequential build would give. The ids are checked beside them
    // (their error still comes first).
    let (ids, coded) = rayon::join(
        || patient_ids(study, data, &rows),
        || -> Vec<Result<(CohortVariable, Vec<String>)>> {
            study
                .variables
                .par_iter()
                .map(|v| {
                    let mut warnings = Vec::new();
                    let values = coding::values(v, data, &rows, &mut warnings)?;
                    let variable = CohortVariable {
                        name: v.name.clone(),
                        label: v.label.clone(),
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
    for c in coded {
        let (variable, w) = c?;
        warnings.extend(w);
        variables.insert(variable.name.clone(), variable);
    }
    let coded: Vec<Result<EndpointValues>> = study
        .endpoints
        .par_iter()
        .map(|e| coding::endpoint(e, data, &rows))
        .collect();
    let mut endpoints = BTreeMap::new();
    for values in coded {
        let values = values?;
        endpoints.insert(values.id.clone(), values);
    }
    let flow = Flow {
        screened_label: study.screened_label.clone(),
        screened: data.rows(),
        steps,
        included_label: study.included_label.clone(),
        included: rows.len(),
        by_group,
    };
    Ok(Cohort {
        groups: study.groups.clone(),
        ids,
        rows,
        group,
        variables,
        endpoints,
        flow,
        warnings,
    })
}

/// The exclusion steps applied in order: the rows left, and each step's
/// count (a row leaves at the first step whose condition is true).
fn exclude(exclusions: &[Exclusion], n: usize) -> (Vec<usize>, Vec<FlowStep>) {
    let mut keep = vec![true; n];
    let mut steps = Vec::with_capacity(exclusions.len());
    for (k, step) in exclusions.iter().enumerate() {
        let mut excluded = 0;
        for (kept, &drops) in keep.iter_mut().zip(&step.drops) {
            if *kept && drops {
                *kept = false;
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
    ((0..n).filter(|&i| keep[i]).collect(), steps)
}

/// Each included row's group index; a value outside the groups names its row.
fn groups(study: &Study, data: &Dataset, rows: &[usize]) -> Result<Vec<usize>> {
    let values: Vec<String> = study.groups.iter().map(|g| g.value.clone()).collect();
    let column = data.column(&study.treatment, "[treatment] column")?;
    rows.iter()
        .map(|&r| {
            let v = column.get(r);
            v.and_then(|v| position_of(&values, v)).ok_or_else(|| {
                Error::data(
                    &data.path,
                    format!(
                        "row {}: column `{}` is {}, which is not one of the groups [{}]; add it to [treatment] groups or exclude the row with a [[cohort.exclude]] step",
                        r + 1,
                        study.treatment,
                        v.map_or("missing".to_string(), |v| format!("`{v}`")),
                        values.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// The patients' ids (the `[study] id` column, else row numbers), checked
/// to be present and unique.
fn patient_ids(study: &Study, data: &Dataset, rows: &[usize]) -> Result<Vec<String>> {
    Ok(match &study.id {
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
