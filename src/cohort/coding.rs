//! The study's variables and endpoints coded for the included rows. Every
//! error here is about a data cell and names its row: a value outside the
//! listed levels, a negative time, an event that is neither coded value.

use super::{EndpointValues, Values, code};
use crate::data::{Dataset, parse_number};
use crate::error::{Error, Result};
use crate::study::{Cells, Coding, Numbers, StudyEndpoint, StudyVariable, cut_code, fmt_number};
use std::borrow::Cow;

/// Index of `value` in `levels`: equal text, or equal numbers ("2" = "2.0").
pub(super) fn position_of(levels: &[String], value: &str) -> Option<usize> {
    levels.iter().position(|l| l == value).or_else(|| {
        let x = parse_number(value)?;
        levels.iter().position(|l| parse_number(l) == Some(x))
    })
}

/// Numbers for every data row.
fn numbers<'a>(source: &'a Numbers, data: &Dataset, at: &str) -> Result<Cow<'a, [Option<f64>]>> {
    Ok(match source {
        Numbers::Column(c) => Cow::Owned(data.numeric(c, at)?),
        Numbers::Values(v) => Cow::Borrowed(v),
    })
}

/// The cell of data row `r` (numbers written as text, to match levels).
fn cell<'a>(
    source: &'a Cells,
    column: Option<&'a crate::data::TextColumn>,
    r: usize,
) -> Option<Cow<'a, str>> {
    match source {
        Cells::Column(_) => column.and_then(|c| c.get(r)).map(Cow::Borrowed),
        Cells::Text(t) => t[r].as_deref().map(Cow::Borrowed),
        Cells::Numbers(n) => n[r].map(|x| Cow::Owned(fmt_number(x))),
    }
}

/// The data column behind `source`, if it is one.
fn column<'d>(
    source: &Cells,
    data: &'d Dataset,
    at: &str,
) -> Result<Option<&'d crate::data::TextColumn>> {
    match source {
        Cells::Column(c) => data.column(c, at).map(Some),
        _ => Ok(None),
    }
}

/// A variable's values for the included `rows`; a listed level that never
/// occurs is a warning.
pub(super) fn values(
    v: &StudyVariable,
    data: &Dataset,
    rows: &[usize],
    warnings: &mut Vec<String>,
) -> Result<Values> {
    let at = format!("[variables.{}]", v.name);
    let values = match &v.coding {
        Coding::Continuous { summary, source } => {
            let nums = numbers(source, data, &at)?;
            let values: Vec<Option<f64>> = rows.iter().map(|&r| nums[r]).collect();
            if values.iter().all(Option::is_none) {
                return Err(Error::data(
                    &data.path,
                    format!(
                        "{at}: every value is missing among the {} patients analysed; check the column or drop the variable",
                        rows.len()
                    ),
                ));
            }
            return Ok(Values::Continuous {
                summary: *summary,
                values,
            });
        }
        Coding::Cut {
            cut,
            closed,
            levels,
            labels,
            source,
        } => {
            let nums = numbers(source, data, &at)?;
            Values::Categorical {
                levels: levels.clone(),
                labels: labels.clone(),
                codes: rows
                    .iter()
                    .map(|&r| nums[r].and_then(|x| code(cut_code(x, cut, *closed))))
                    .collect(),
            }
        }
        Coding::Levels {
            levels,
            labels,
            source,
        } => Values::Categorical {
            levels: levels.clone(),
            labels: labels.clone(),
            codes: level_codes(v, levels, source, data, rows, &at)?,
        },
    };
    check_levels(&v.name, &values, warnings);
    Ok(values)
}

/// Each included row's level index; a cell outside the levels is an error.
fn level_codes(
    v: &StudyVariable,
    levels: &[String],
    source: &Cells,
    data: &Dataset,
    rows: &[usize],
    at: &str,
) -> Result<Vec<Option<u32>>> {
    let column = column(source, data, at)?;
    rows.iter()
        .map(|&r| match cell(source, column, r).as_deref() {
            None => Ok(None),
            Some(s) => position_of(levels, s).map(code).ok_or_else(|| {
                Error::data(
                    &data.path,
                    format!(
                        "row {}, variable `{}`: value `{s}` is not one of the listed levels [{}]; add it to {at} levels (or fix the cell)",
                        r + 1,
                        v.name,
                        levels.join(", ")
                    ),
                )
            }),
        })
        .collect()
}

/// Warns of each listed level no included patient has.
fn check_levels(name: &str, values: &Values, warnings: &mut Vec<String>) {
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

/// Time and event of an endpoint for the included rows. A negative time
/// or an event value outside the declared coding is an error naming the row.
pub(super) fn endpoint(
    e: &StudyEndpoint,
    data: &Dataset,
    rows: &[usize],
) -> Result<EndpointValues> {
    let (at, ep) = (&e.at, &e.endpoint);
    let times = numbers(&e.time, data, &format!("{at} time"))?;
    let column = column(&e.event, data, &format!("{at} event"))?;
    let (events, censors) = (ep.event_codes(), ep.censor_codes());
    let mut time = Vec::with_capacity(rows.len());
    let mut event = Vec::with_capacity(rows.len());
    let mut competing = vec![false; rows.len()];
    for (i, &r) in rows.iter().enumerate() {
        let t = times[r].filter(|t| !t.is_nan());
        if let Some(t) = t
            && (t < 0.0 || !t.is_finite())
        {
            return Err(Error::data(
                &data.path,
                format!(
                    "row {}, {at}: time `{}` is {t}; follow-up times must be zero or positive",
                    r + 1,
                    ep.time
                ),
            ));
        }
        time.push(t);
        let cell = cell(&e.event, column, r);
        let v = cell.as_deref().map(str::trim).filter(|v| !v.is_empty());
        event.push(match v {
            None => None,
            Some(v) if position_of(&events, v).is_some() => Some(true),
            Some(v) if position_of(&censors, v).is_some() => Some(false),
            Some(v) if position_of(&ep.competing_values, v).is_some() => {
                competing[i] = true;
                Some(false)
            }
            Some(v) => return Err(unknown_code(e, data, r, v)),
        });
    }
    Ok(EndpointValues::with_competing(
        ep.id.clone(),
        time,
        event,
        competing,
    ))
}

/// An event cell that is none of the endpoint's codes, named with its row.
fn unknown_code(e: &StudyEndpoint, data: &Dataset, r: usize, v: &str) -> Error {
    let ep = &e.endpoint;
    let (events, censors) = (ep.event_codes(), ep.censor_codes());
    let message = if events.len() == 1 && censors.len() == 1 && !ep.is_competing() {
        format!(
            "row {}, {}: event `{}` is `{v}`, which is neither the event value `{}` nor the censoring value `{}`; fix the cell or set event-value / censor-value",
            r + 1,
            e.at,
            ep.event,
            events[0],
            censors[0]
        )
    } else {
        format!(
            "row {}, {}: event `{}` is `{v}`, which is none of the event values [{}], the censoring values [{}] or the competing values [{}]; fix the cell or set event-values / censor-values / competing-values",
            r + 1,
            e.at,
            ep.event,
            events.join(", "),
            censors.join(", "),
            ep.competing_values.join(", ")
        )
    };
    Error::data(&data.path, message)
}
