//! Views: the results rearranged for the templates (tables side by side
//! over the populations, survival per population and endpoint), so that
//! templates iterate and never look a population up by name.

use super::{Document, capitalize};
use crate::figures::forest_name;
use crate::report::{
    CoxTerm, EstimandKind, Made, PopulationInfo, Results, RmstResult, Table1Row, TableModel,
};
use minijinja::value::{Serde, Value};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The manuscript template's context: the results (with the published
/// paper's audit and verification) and the views the tables are drawn
/// from.
pub(super) fn manuscript_context(document: &Document<'_>) -> Value {
    let results = document.results;
    let (test_marks, test_list) = test_marks(results);
    let covariate_labels: Vec<String> = results
        .matching
        .as_ref()
        .map(|m| {
            m.covariates
                .iter()
                .map(|c| {
                    results
                        .variable_labels
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| c.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    minijinja::context! {
        results => Value::from(Serde(document)),
        primary => primary(&results.populations),
        table1_rows => Value::from(Serde(&table1_rows(results))),
        covariate_labels => Value::from(Serde(&covariate_labels)),
        survival_view => Value::from(Serde(&survival_view(results))),
        cox_tables => Value::from(Serde(&cox_tables(results))),
        subgroup_view => Value::from(Serde(&subgroup_view(results))),
        weighting_balance => Value::from(Serde(&weighting_balance(results))),
        test_marks => Value::from(Serde(&test_marks)),
        test_list => Value::from(Serde(&test_list)),
    }
}

/// The population the abstract reports: the matched one when there is
/// one, else the first (the whole cohort).
fn primary(populations: &[PopulationInfo]) -> String {
    populations
        .iter()
        .find(|p| p.made == Made::Matched)
        .or(populations.first())
        .map(|p| p.id.clone())
        .unwrap_or_default()
}

/// Test footnote marks of Table 1 (a, b, c ... per test, in order of first
/// use over the populations), by test key and as a list.
type TestMarks = (
    BTreeMap<String, String>,
    Vec<BTreeMap<&'static str, String>>,
);

fn test_marks(results: &Results) -> TestMarks {
    let mut list = Vec::new();
    let mut marks: BTreeMap<String, String> = BTreeMap::new();
    for row in results.table1.values().flatten() {
        if let Some(t) = row.test {
            let key = serde_json::to_value(t)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            if !marks.contains_key(&key) {
                let mark = char::from(b'a' + (marks.len() % 26) as u8).to_string();
                marks.insert(key, mark.clone());
                list.push(BTreeMap::from([
                    ("mark", mark),
                    ("name", capitalize(t.name())),
                ]));
            }
        }
    }
    (marks, list)
}

/// One Table 1 line of blocks: a variable of the first population (`u`),
/// its row in every population (`cells`, none where absent), the second
/// population's as `m` (the matched twin, for older templates), and
/// whether any population has missing values.
#[derive(Serialize)]
struct Table1Line<'a> {
    u: &'a Table1Row,
    #[serde(skip_serializing_if = "Option::is_none")]
    m: Option<&'a Table1Row>,
    cells: Vec<Option<&'a Table1Row>>,
    missing: bool,
}

fn table1_rows(results: &Results) -> Vec<Table1Line<'_>> {
    let mut populations = results.table1.values();
    let Some(first) = populations.next() else {
        return Vec::new();
    };
    let others: Vec<&Vec<Table1Row>> = populations.collect();
    first
        .iter()
        .map(|u| {
            let mut cells = vec![Some(u)];
            cells.extend(
                others
                    .iter()
                    .map(|rows| rows.iter().find(|r| r.variable == u.variable)),
            );
            let missing = cells
                .iter()
                .flatten()
                .any(|r| r.missing.values().sum::<usize>() > 0);
            Table1Line {
                u,
                m: cells.get(1).copied().flatten(),
                cells,
                missing,
            }
        })
        .collect()
}

/// A Kaplan-Meier curve for `km_at`: endpoint, population, group, times,
/// S(t).
pub(super) type KmCurve = (String, String, String, Vec<f64>, Vec<f64>);

pub(super) fn km_curves(results: &Results) -> Vec<KmCurve> {
    results
        .survival
        .iter()
        .flat_map(|(pop, s)| {
            s.km.iter().map(move |k| {
                (
                    k.endpoint.clone(),
                    pop.to_string(),
                    k.group.clone(),
                    k.time.clone(),
                    k.surv.clone(),
                )
            })
        })
        .collect()
}

/// The population `id`'s description.
fn population<'r>(results: &'r Results, id: &str) -> Option<&'r PopulationInfo> {
    results.populations.iter().find(|p| p.id == id)
}

/// Per population: its label, its figure and one entry per endpoint with
/// what the Results text needs.
fn survival_view(results: &Results) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for (cohort, surv) in results.survival.iter() {
        let mut entries = Vec::new();
        for e in &results.endpoints {
            let curves: Vec<_> = surv.km.iter().filter(|k| k.endpoint == e.id).collect();
            if curves.is_empty() {
                continue;
            }
            let unit = e.time_unit.clone().unwrap_or_default();
            let landmark_labels: Vec<String> = e.landmark_labels.clone().unwrap_or_else(|| {
                e.landmarks
                    .iter()
                    .map(|t| format!("{t} {unit}").trim().to_string())
                    .collect()
            });
            let groups: Vec<serde_json::Value> = curves
                .iter()
                .map(|k| {
                    let label = results
                        .groups
                        .iter()
                        .find(|g| g.value == k.group)
                        .map_or(k.group.clone(), |g| g.label.clone());
                    json!({
                        "label": label,
                        "n": k.n,
                        "events": k.events,
                        "rates": k.landmarks.iter().map(|l| l.surv * 100.0).collect::<Vec<f64>>(),
                        "median": k.median,
                    })
                })
                .collect();
            let logrank = surv.logrank.iter().find(|l| l.endpoint == e.id);
            let cox = surv.cox.iter().find(|x| x.endpoint == e.id);
            let rmst = surv.rmst.iter().find(|x| x.endpoint == e.id);
            let fine_gray: Vec<serde_json::Value> = surv
                .fine_gray
                .iter()
                .filter(|f| f.endpoint == e.id)
                .flat_map(|f| &f.terms)
                .map(|t| {
                    let label = results
                        .groups
                        .iter()
                        .find(|g| g.value == t.group)
                        .map_or(t.group.clone(), |g| g.label.clone());
                    json!({ "label": label, "hr": t.hr, "lower": t.lower, "upper": t.upper, "p": t.p })
                })
                .collect();
            let incidence: Vec<serde_json::Value> = surv
                .cif
                .iter()
                .filter(|c| c.endpoint == e.id)
                .map(|c| {
                    json!({
                        "rates": c.landmarks.iter().map(|l| l.incidence * 100.0).collect::<Vec<f64>>(),
                        "competing": c.landmarks.iter().map(|l| l.competing * 100.0).collect::<Vec<f64>>(),
                        "events": c.events,
                        "competing_events": c.competing_events,
                    })
                })
                .collect();
            entries.push(json!({
                "endpoint": e.id,
                "label": e.label,
                "unit": unit,
                "cohort": cohort,
                "landmark_labels": landmark_labels,
                "custom_labels": e.landmark_labels.is_some(),
                "landmark_times": e.landmarks.iter().map(|t| format!("{t}")).collect::<Vec<String>>(),
                "groups": groups,
                "logrank_p": logrank.and_then(|l| l.p),
                "hr": cox.map(|c| c.terms.clone()).unwrap_or_default(),
                "variance": cox.map(|c| c.variance.clone()),
                "zph_p": cox.and_then(|c| c.zph.iter().find(|z| z.term == "GLOBAL").map(|z| z.p)),
                "concordance": cox.and_then(|c| c.concordance.as_ref().map(|x| x.concordance)),
                "figure": format!("figures/km-{}-{cohort}.svg", e.id),
                "rmst": rmst.map(|r| rmst_view(results, r)),
                "competing": e.is_competing(),
                "competing_label": e.competing_label.clone().unwrap_or_else(|| "the competing event".into()),
                "event_label": e.event_label.clone().unwrap_or_else(|| e.label.to_lowercase()),
                "incidence": incidence,
                "fine_gray": fine_gray,
                "gray_p": surv.gray.iter().find(|g| g.endpoint == e.id).map(|g| g.p),
            }));
        }
        if entries.is_empty() {
            continue;
        }
        let figure = if entries.len() > 1 {
            format!("figures/km-{cohort}.svg")
        } else {
            entries[0]["figure"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let info = population(results, cohort);
        let label = info.map_or(cohort, |p| p.label.as_str());
        out.push(json!({
            "cohort": cohort,
            "label": label,
            "phrase": info.map_or_else(|| label.to_lowercase(), phrase),
            "weighted": info.is_some_and(|p| p.weighted),
            "figure": figure,
            "entries": entries,
        }));
    }
    out
}

/// An RMST result with the groups' printed names.
fn rmst_view(results: &Results, r: &RmstResult) -> serde_json::Value {
    let label = |value: &str| {
        results
            .groups
            .iter()
            .find(|g| g.value == value)
            .map_or(value.to_string(), |g| g.label.clone())
    };
    json!({
        "tau": r.tau,
        "tau_rule": r.tau_rule,
        "groups": r.groups.iter().map(|g| json!({
            "label": label(&g.group), "rmst": g.rmst, "lower": g.lower, "upper": g.upper,
        })).collect::<Vec<_>>(),
        "contrasts": r.contrasts.iter().map(|c| json!({
            "label": label(&c.group), "reference": label(&c.reference),
            "difference": c.difference, "ratio": c.ratio,
        })).collect::<Vec<_>>(),
    })
}

/// The weighted balance table: one row per covariate (level) with the
/// unweighted SMD of the propensity model's patients (matching's "before")
/// and each weighting's SMD, matched by variable and level.
fn weighting_balance(results: &Results) -> Vec<serde_json::Value> {
    let Some(first) = results.weighting.first() else {
        return Vec::new();
    };
    first
        .balance
        .iter()
        .map(|b| {
            let before = results.matching.as_ref().and_then(|m| {
                m.balance
                    .iter()
                    .find(|x| x.variable == b.variable && x.level == b.level)
                    .and_then(|x| x.smd_before)
            });
            let smd: Vec<Option<f64>> = results
                .weighting
                .iter()
                .map(|w| {
                    w.balance
                        .iter()
                        .find(|x| x.variable == b.variable && x.level == b.level)
                        .and_then(|x| x.smd)
                })
                .collect();
            json!({ "label": b.label, "before": before, "smd": smd })
        })
        .collect()
}

/// A population's name inside a sentence ("after matching", "with overlap
/// weights (ATO)"): a weighting's is written out, since its label's
/// abbreviations must keep their capitals.
fn phrase(p: &PopulationInfo) -> String {
    match &p.made {
        Made::Weighted {
            estimand,
            stabilized,
        } => {
            let stabilized = if *stabilized { "stabilized " } else { "" };
            match estimand {
                EstimandKind::Ate => {
                    format!("with {stabilized}inverse probability of treatment weights (ATE)")
                }
                EstimandKind::Att => "with ATT weights".to_string(),
                EstimandKind::Ato => "with overlap weights (ATO)".to_string(),
            }
        }
        _ => p.label.to_lowercase(),
    }
}

/// Per population with subgroup rows: its label and, per endpoint with
/// rows, the forest plot's id and file.
fn subgroup_view(results: &Results) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for (id, rows) in results.subgroups.iter() {
        let Some(p) = population(results, id) else {
            continue;
        };
        let endpoints: Vec<serde_json::Value> = results
            .endpoints
            .iter()
            .filter(|e| rows.iter().any(|r| r.endpoint == e.id))
            .map(|e| {
                let name = forest_name(&e.id, p);
                json!({
                    "endpoint": e.id,
                    "label": e.label,
                    "id": name,
                    "figure": format!("figures/{name}.svg"),
                })
            })
            .collect();
        if !endpoints.is_empty() {
            out.push(json!({"population": id, "label": p.label, "endpoints": endpoints}));
        }
    }
    out
}

/// Rows of the risk-factor tables, one table per endpoint: each factor's
/// level rows with the univariable and multivariable HR (95% CI) and p in
/// each population (`null` where a factor did not enter the model). The
/// factors are those of the first population's univariable models.
fn cox_tables(results: &Results) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let Some((_, first)) = results.regression.iter().next() else {
        return out;
    };
    for e in &results.endpoints {
        let uni: Vec<&TableModel> = first
            .models
            .iter()
            .filter(|m| m.model.endpoint == e.id && m.model.model == "univariable")
            .collect();
        if uni.is_empty() {
            continue;
        }
        let columns: Vec<(&str, &[TableModel])> = results
            .regression
            .iter()
            .filter(|(_, r)| r.models.iter().any(|m| m.model.endpoint == e.id))
            .map(|(id, r)| (id, r.models.as_slice()))
            .collect();
        let rows = cox_rows(&uni, &columns, &e.id);
        let counts: Vec<_> = columns
            .iter()
            .map(|(id, models)| {
                let m = models
                    .iter()
                    .find(|m| m.model.endpoint == e.id && m.model.model == "multivariable");
                let p = population(results, id);
                json!({
                    "cohort": id,
                    "label": p.map_or(*id, |p| p.label.as_str()),
                    "tag": p.and_then(|p| p.tag.clone()),
                    "n": m.map(|m| m.model.n),
                    "events": m.map(|m| m.model.events),
                    "variance": m.map(|m| m.model.variance.clone()),
                })
            })
            .collect();
        let populations: Vec<_> = columns
            .iter()
            .map(|(id, _)| {
                let p = population(results, id);
                json!({
                    "id": id,
                    "label": p.map_or(*id, |p| p.label.as_str()),
                    "tag": p.and_then(|p| p.tag.clone()),
                })
            })
            .collect();
        let cohorts: Vec<&str> = columns.iter().map(|(id, _)| *id).collect();
        out.push(json!({
            "endpoint": e.id,
            "label": e.label,
            "cohorts": cohorts,
            "populations": populations,
            "rows": rows,
            "counts": counts,
        }));
    }
    out
}

/// The rows of one risk-factor table: per univariable model's factor, a
/// header row (factors with several levels) and one row per level, each
/// with a cell per population column.
fn cox_rows(
    uni: &[&TableModel],
    columns: &[(&str, &[TableModel])],
    endpoint: &str,
) -> Vec<serde_json::Value> {
    fn find<'m>(
        models: &'m [TableModel],
        endpoint: &str,
        kind: &str,
        variable: &str,
    ) -> Option<&'m TableModel> {
        models.iter().find(|m| {
            m.model.endpoint == endpoint
                && m.model.model == kind
                && (kind == "multivariable" || m.factors.iter().any(|f| f.variable == variable))
        })
    }
    let mut rows = Vec::new();
    for m in uni {
        let Some(f) = m.factors.first() else { continue };
        let levels: Vec<&CoxTerm> = m
            .model
            .terms
            .iter()
            .filter(|t| t.variable == f.variable)
            .collect();
        let cell = |models: &[TableModel], kind: &str, term: &str| -> serde_json::Value {
            find(models, endpoint, kind, &f.variable)
                .and_then(|model| model.model.terms.iter().find(|t| t.term == term))
                .map_or(
                    serde_json::Value::Null,
                    |t| json!({"hr": t.hr, "lower": t.lower, "upper": t.upper, "p": t.p}),
                )
        };
        let factor_p = |models: &[TableModel], kind: &str| -> serde_json::Value {
            find(models, endpoint, kind, &f.variable)
                .and_then(|model| model.factors.iter().find(|x| x.variable == f.variable))
                .map_or(serde_json::Value::Null, |x| json!(x.p))
        };
        if levels.len() > 1 {
            let cells: Vec<_> = columns
                .iter()
                .map(|(_, ms)| json!({"uni_p": factor_p(ms, "univariable"), "multi_p": factor_p(ms, "multivariable")}))
                .collect();
            rows.push(json!({"label": f.label, "header": true, "cells": cells}));
        }
        for t in &levels {
            let label = match (&t.level, &f.reference) {
                (Some(l), Some(r)) if levels.len() == 1 => format!("{} ({l} vs {r})", f.label),
                (Some(l), Some(r)) => format!("{l} vs {r}"),
                _ => format!("{} (per unit)", f.label),
            };
            let cells: Vec<_> = columns
                .iter()
                .map(|(_, ms)| json!({"uni": cell(ms, "univariable", &t.term), "multi": cell(ms, "multivariable", &t.term)}))
                .collect();
            rows.push(json!({"label": label, "header": false, "indent": levels.len() > 1, "cells": cells}));
        }
    }
    rows
}
