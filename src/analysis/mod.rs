//! Turning a cohort into result values: descriptive tables and tests.
//! Results are plain serializable data with full precision; presentation
//! (rounding, wording) belongs to `render`.

pub mod complications;
mod curves;
pub mod incidence;
pub mod regression;
pub mod rmst;
pub mod robustness;
pub mod subgroups;
pub mod survival;
pub mod table1;
mod treatment_cox;

pub use crate::diagnostics::Diagnostic;

use crate::cohort::{ByPopulation, Cohort, EndpointValues, Population};
use crate::config::TiesKind;
use crate::stats::cox::Ties;
use rayon::prelude::*;

/// The stats kernel's ties method for a configured one.
pub(crate) fn ties(kind: TiesKind) -> Ties {
    match kind {
        TiesKind::Efron => Ties::Efron,
        TiesKind::Breslow => Ties::Breslow,
    }
}

/// The patients of `cohort` with follow-up for `endpoint`, reordered by
/// increasing time, with `pairs` (matched pair per patient) carried along.
/// The many models of one endpoint then read every column in order instead
/// of gathering rows scattered over the cohort for each model.
/// Only the variables `variables` and this endpoint are carried, and no ids.
pub(crate) fn time_ordered(
    cohort: &Cohort,
    endpoint: &str,
    variables: &[String],
    pairs: Option<&[usize]>,
) -> (Cohort, Option<Vec<usize>>) {
    let order = cohort.endpoints[endpoint].usable();
    (
        cohort.subset_with(
            order,
            |name| variables.iter().any(|v| v == name),
            |id| id == endpoint,
            false,
        ),
        pairs.map(|p| order.iter().map(|&i| p[i]).collect()),
    )
}

/// Follow-up time and event of the patients `rows` (missing values were
/// excluded before; they read as 0 / censored here).
pub(crate) fn follow_up(ep: &EndpointValues, rows: &[usize]) -> (Vec<f64>, Vec<bool>) {
    (
        rows.iter().map(|&i| ep.time[i].unwrap_or(0.0)).collect(),
        rows.iter().map(|&i| ep.event[i].unwrap_or(false)).collect(),
    )
}

/// Runs `analyse` on every population, populations in parallel. Results
/// are kept in population order, and so are the diagnostics: each
/// population's are appended after those of the populations before it,
/// whichever finishes first.
pub fn over<T: Send>(
    populations: &[Population<'_>],
    diagnostics: &mut Vec<Diagnostic>,
    analyse: impl Fn(&Population<'_>, &mut Vec<Diagnostic>) -> T + Sync,
) -> ByPopulation<T> {
    let computed: Vec<(T, Vec<Diagnostic>)> = populations
        .par_iter()
        .map(|p| {
            let mut d = Vec::new();
            (analyse(p, &mut d), d)
        })
        .collect();
    populations
        .iter()
        .zip(computed)
        .map(|(p, (value, d))| {
            diagnostics.extend(d);
            (p.id.clone(), value)
        })
        .collect()
}
