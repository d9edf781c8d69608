//! The treatment effect under every adjustment, one row per population
//! (unadjusted, matched, each weighting, ...) and the multivariable model
//! adjusted for the propensity model's covariates, each with its E-values
//! (VanderWeele & Ding 2017; see [`crate::stats::evalue`]).

use super::Diagnostic;
use super::regression::{self, TableModel};
use super::survival::{CoxResult, SurvivalResults};
use crate::cohort::{ByPopulation, Made, Population, PopulationInfo};
use crate::config::{Endpoint, SurvivalSection};
use crate::stats::evalue;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One adjustment's treatment hazard ratio for one endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct RobustnessRow {
    /// Endpoint id.
    pub endpoint: String,
    /// The population's id, or "adjusted" for the multivariable model.
    pub adjustment: String,
    /// Printed name ("Matched, pair-robust variance").
    pub label: String,
    /// Patients in the model.
    pub n: usize,
    /// Kish effective sample size (a weighted population).
    pub ess: Option<f64>,
    /// Patients with an event.
    pub events: usize,
    /// Patients per group (by group value).
    pub n_by_group: BTreeMap<String, usize>,
    /// Events per group.
    pub events_by_group: BTreeMap<String, usize>,
    /// Hazard ratio (second group vs reference).
    pub hr: Option<f64>,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
    /// Wald p (robust where the variance is).
    pub p: Option<f64>,
    /// Model-based SE of log HR.
    pub se: f64,
    /// Robust SE of log HR, where used.
    pub robust_se: Option<f64>,
    /// Which variance ("model", "robust", "robust (cluster: matched pair)").
    pub variance: String,
    /// Whether the E-values took the outcome as rare (RR = HR).
    pub rare: bool,
    /// E-value of the hazard ratio.
    pub e_value: Option<f64>,
    /// E-value of the confidence limit nearer 1.
    pub e_value_ci: Option<f64>,
}

/// The multivariable model of each endpoint: the treatment adjusted for
/// `covariates` in the whole cohort `pop`, with the patients and events of
/// each group it used.
pub struct Adjusted {
    /// Endpoint id.
    pub endpoint: String,
    /// The model.
    pub model: TableModel,
    /// Patients per group.
    pub n_by_group: BTreeMap<String, usize>,
    /// Events per group.
    pub events_by_group: BTreeMap<String, usize>,
}

/// The adjusted model of every endpoint (two groups only).
pub fn adjusted(
    pop: &Population<'_>,
    endpoints: &[Endpoint],
    surv: &SurvivalSection,
    covariates: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Adjusted> {
    let cohort = pop.cohort;
    if cohort.groups.len() != 2 || covariates.is_empty() {
        return Vec::new();
    }
    // Endpoints in parallel; each one's diagnostics kept and appended in
    // endpoint order, whichever finishes first.
    let fitted: Vec<(Option<Adjusted>, Vec<Diagnostic>)> = endpoints
        .par_iter()
        .map(|e| {
            let mut d = Vec::new();
            (one(pop, e, surv, covariates, &mut d), d)
        })
        .collect();
    fitted
        .into_iter()
        .filter_map(|(a, d)| {
            diagnostics.extend(d);
            a
        })
        .collect()
}

/// The adjusted model of one endpoint, with its patients and events by group.
fn one(
    pop: &Population<'_>,
    e: &Endpoint,
    surv: &SurvivalSection,
    covariates: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Adjusted> {
    let cohort = pop.cohort;
    let model = regression::adjusted_treatment(pop, e, surv, covariates, diagnostics)?;
    let ep = cohort.endpoints.get(&e.id)?;
    // The model's patients: follow-up and every covariate recorded,
    // counted per group in one pass (variables looked up once).
    let recorded: Vec<_> = covariates
        .iter()
        .map(|c| &cohort.variables[c].values)
        .collect();
    let groups = cohort.groups.len();
    let (mut n, mut events) = (vec![0usize; groups], vec![0usize; groups]);
    for &i in ep.usable() {
        if recorded.iter().all(|v| v.is_recorded(i)) {
            n[cohort.group[i]] += 1;
            events[cohort.group[i]] += usize::from(ep.event[i] == Some(true));
        }
    }
    let by_group = |counts: &[usize]| -> BTreeMap<String, usize> {
        cohort
            .groups
            .iter()
            .zip(counts)
            .map(|(g, &k)| (g.value.clone(), k))
            .collect()
    };
    Some(Adjusted {
        endpoint: e.id.clone(),
        n_by_group: by_group(&n),
        events_by_group: by_group(&events),
        model,
    })
}

/// Rows of every endpoint: each population's treatment model, then the
/// adjusted one. An endpoint whose share of patients with an event (in
/// the whole cohort) is below `rare_threshold` is rare for its E-values.
pub fn rows(
    endpoints: &[Endpoint],
    populations: &[PopulationInfo],
    survival: &ByPopulation<SurvivalResults>,
    weighted_ess: &BTreeMap<String, f64>,
    adjusted: &[Adjusted],
    rare_threshold: f64,
) -> Vec<RobustnessRow> {
    let mut out = Vec::new();
    for e in endpoints {
        let Some(rare) = event_share(survival, &e.id).map(|s| s < rare_threshold) else {
            continue;
        };
        for p in populations {
            let Some(surv) = survival.get(&p.id) else {
                continue;
            };
            let Some(cox) = surv.cox.iter().find(|c| c.endpoint == e.id) else {
                continue;
            };
            let curves = surv.km.iter().filter(|k| k.endpoint == e.id);
            let (n, events): (BTreeMap<_, _>, BTreeMap<_, _>) = curves
                .map(|k| ((k.group.clone(), k.n), (k.group.clone(), k.events)))
                .unzip();
            let mut row = row(e, &p.id, &label(p), cox, rare, n, events);
            row.ess = weighted_ess.get(&p.id).copied();
            out.push(row);
        }
        if let Some(a) = adjusted.iter().find(|a| a.endpoint == e.id) {
            out.push(row(
                e,
                "adjusted",
                "Multivariable-adjusted",
                &a.model.model,
                rare,
                a.n_by_group.clone(),
                a.events_by_group.clone(),
            ));
        }
    }
    out
}

/// The share of the whole cohort's patients with an event.
fn event_share(survival: &ByPopulation<SurvivalResults>, endpoint: &str) -> Option<f64> {
    let whole = survival.values().next()?;
    let (n, d) = whole
        .km
        .iter()
        .filter(|k| k.endpoint == endpoint)
        .fold((0, 0), |(n, d), k| (n + k.n, d + k.events));
    (n > 0).then(|| d as f64 / n as f64)
}

/// A population's row name.
fn label(p: &PopulationInfo) -> String {
    match &p.made {
        Made::Cohort => "Unadjusted".into(),
        Made::Matched => "Propensity-score matched".into(),
        Made::Weighted { .. } | Made::Other { .. } => p.label.clone(),
    }
}

/// One row from a treatment model's first term.
fn row(
    e: &Endpoint,
    adjustment: &str,
    label: &str,
    cox: &CoxResult,
    rare: bool,
    n_by_group: BTreeMap<String, usize>,
    events_by_group: BTreeMap<String, usize>,
) -> RobustnessRow {
    let t = cox
        .terms
        .iter()
        .find(|t| t.variable == "treatment")
        .or(cox.terms.first());
    let ev = t.and_then(|t| evalue::of_hr(t.hr?, t.lower?, t.upper?, rare));
    RobustnessRow {
        endpoint: e.id.clone(),
        adjustment: adjustment.into(),
        label: label.into(),
        n: cox.n,
        ess: None,
        events: cox.events,
        n_by_group,
        events_by_group,
        hr: t.and_then(|t| t.hr),
        lower: t.and_then(|t| t.lower),
        upper: t.and_then(|t| t.upper),
        p: t.and_then(|t| t.p),
        se: t.map_or(f64::NAN, |t| t.se),
        robust_se: t.and_then(|t| t.robust_se),
        variance: cox.variance.clone(),
        rare,
        e_value: ev.map(|e| e.point),
        e_value_ci: ev.map(|e| e.ci),
    }
}
