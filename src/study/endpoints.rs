//! A `[[endpoints]]` entry resolved: its time as numbers and its event as
//! cells, each a data column or a derived variable's values.

use super::env::Env;
use super::variables::{Cells, Numbers};
use crate::config::Endpoint;
use crate::error::{Error, Result};
use polars::prelude::DataType;

/// An endpoint resolved against the data.
#[derive(Debug, Clone)]
pub struct StudyEndpoint {
    /// The endpoint as written (id, label, coding, landmarks).
    pub endpoint: Endpoint,
    /// Where it is written (the section and the endpoint id), for messages.
    pub at: String,
    /// Follow-up time.
    pub time: Numbers,
    /// Event cells, matched against the event and censoring values.
    pub event: Cells,
}

/// Resolves one endpoint's time and event.
pub(super) fn resolve(env: &Env<'_>, e: &Endpoint) -> Result<StudyEndpoint> {
    let at = format!("[[endpoints]] `{}`", e.id);
    let time = time(env, &e.time, &format!("{at} time"))?;
    let event = event(env, &e.event, &at)?;
    Ok(StudyEndpoint {
        endpoint: e.clone(),
        at,
        time,
        event,
    })
}

/// A plain data column is parsed when the cohort is built (a cell that is
/// not a number names its row); a derived or renamed variable goes through
/// its expression.
fn time(env: &Env<'_>, name: &str, at: &str) -> Result<Numbers> {
    let plain = env
        .variables
        .get(name)
        .is_none_or(|v| v.expr.is_none() && v.column.as_deref().is_none_or(|c| c == name));
    if plain && env.data.has(name) {
        return Ok(Numbers::Column(name.to_string()));
    }
    let series = env.named_series(name, at, &mut Vec::new())?;
    let series = series.cast(&DataType::Float64).map_err(|_| {
        Error::data(
            &env.data.path,
            format!("{at}: `{name}` is not numeric; give follow-up times as numbers"),
        )
    })?;
    let values = series
        .f64()
        .map_err(|err| Error::config(env.path, format!("{at}: {err}")))?;
    Ok(Numbers::Values(values.iter().collect()))
}

/// The event cells as written, so that messages quote them exactly; a
/// derived event variable is read through its expression.
fn event(env: &Env<'_>, name: &str, at: &str) -> Result<Cells> {
    let derived = env.variables.get(name).is_some_and(|v| v.expr.is_some());
    if env.data.has(name) && !derived {
        return Ok(Cells::Column(name.to_string()));
    }
    let series = env.named_series(name, &format!("{at} event"), &mut Vec::new())?;
    let fail = |err: polars::error::PolarsError| Error::config(env.path, format!("{at}: {err}"));
    let text = series.cast(&DataType::String).map_err(fail)?;
    let text = text.str().map_err(fail)?;
    Ok(Cells::Text(
        text.iter().map(|x| x.map(str::to_string)).collect(),
    ))
}
