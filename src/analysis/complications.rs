//! Complications by group (Table 4): for each group of complications
//! (major, minor) the patients with any of them, then each complication,
//! as n (%) per treatment group with a chi-square or Fisher test chosen by
//! the same rule as Table 1.

use super::Diagnostic;
use super::table1::TestKind;
use crate::cohort::{Cohort, Made, Population};
use crate::config::{CategoricalTest, ComplicationsSection, Table1Section};
use crate::stats::contingency;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One row of Table 4.
#[derive(Debug, Clone, Serialize)]
pub struct ComplicationRow {
    /// Complication group ("Major complications").
    pub group: String,
    /// Row label ("Total" for any complication of the group).
    pub label: String,
    /// Whether this is the group's total row.
    pub total: bool,
    /// Patients with the complication, per treatment group.
    pub n: BTreeMap<String, usize>,
    /// Percent of the treatment group.
    pub pct: BTreeMap<String, f64>,
    /// Test used.
    pub test: Option<TestKind>,
    /// p-value.
    pub p: Option<f64>,
}

/// The complication columns of `pop`'s patients, from `columns` of the
/// whole cohort `base` (`columns[c][i]` for its patient `i`): each patient
/// is found by its data row (the cohort's rows ascend, as the data's).
/// The whole cohort itself borrows the columns.
pub fn columns_of<'c>(
    pop: &Population<'_>,
    base: &Cohort,
    columns: &'c BTreeMap<String, Vec<bool>>,
) -> Cow<'c, BTreeMap<String, Vec<bool>>> {
    if std::ptr::eq(pop.cohort, base) {
        return Cow::Borrowed(columns);
    }
    let at: Vec<Option<usize>> = pop
        .cohort
        .rows
        .iter()
        .map(|r| base.rows.binary_search(r).ok())
        .collect();
    Cow::Owned(
        columns
            .iter()
            .map(|(name, values)| {
                let picked = at.iter().map(|i| i.is_some_and(|i| values[i])).collect();
                (name.clone(), picked)
            })
            .collect(),
    )
}

/// Table 4 rows for `cohort`; `columns[c][i]` is complication `c` of the
/// cohort's patient `i` (from `cohort::complication_columns`).
pub fn compute(
    pop: &Population<'_>,
    columns: &BTreeMap<String, Vec<bool>>,
    conf: &ComplicationsSection,
    table1: &Table1Section,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ComplicationRow> {
    let cohort = pop.cohort;
    let k = cohort.groups.len();
    let sizes: Vec<usize> = (0..k)
        .map(|g| cohort.group.iter().filter(|&&x| x == g).count())
        .collect();
    let mut out = Vec::new();
    for grp in &conf.groups {
        let item_columns: Vec<&Vec<bool>> =
            grp.items.iter().map(|it| &columns[&it.column]).collect();
        let mut any = vec![false; cohort.ids.len()];
        for c in &item_columns {
            for (a, &x) in any.iter_mut().zip(c.iter()) {
                *a |= x;
            }
        }
        let mut rows: Vec<(String, bool, Vec<bool>)> = vec![("Total".into(), true, any)];
        for (it, c) in grp.items.iter().zip(&item_columns) {
            let v: Vec<bool> = (*c).clone();
            if !v.iter().any(|&x| x) && pop.made == Made::Cohort {
                diagnostics.push(Diagnostic::note(
                    "complications",
                    format!("{}: no patient has {}", grp.label, it.label),
                ));
            }
            rows.push((it.label.clone(), false, v));
        }
        for (label, total, v) in rows {
            let mut counts = vec![0u64; k];
            for (&x, &g) in v.iter().zip(&cohort.group) {
                counts[g] += u64::from(x);
            }
            let table: Vec<Vec<u64>> = vec![
                counts.clone(),
                (0..k).map(|g| sizes[g] as u64 - counts[g]).collect(),
            ];
            let fisher = match table1.categorical_test {
                CategoricalTest::Fisher => true,
                CategoricalTest::ChiSquare => false,
                CategoricalTest::Auto => {
                    contingency::min_expected(&table).is_some_and(|m| m < table1.fisher_below)
                }
            };
            let (test, r) = if fisher {
                super::table1::fisher(&table, contingency::DEFAULT_FISHER_BUDGET)
            } else {
                let kind = if table1.yates && k == 2 {
                    TestKind::ChiSquareYates
                } else {
                    TestKind::ChiSquare
                };
                (kind, contingency::chi_square(&table, table1.yates))
            };
            let (test, p) = match r {
                Ok(t) => (Some(test), Some(t.p)),
                Err(_) => (None, None),
            };
            out.push(ComplicationRow {
                group: grp.label.clone(),
                label,
                total,
                n: cohort
                    .groups
                    .iter()
                    .zip(&counts)
                    .map(|(g, &c)| (g.value.clone(), c as usize))
                    .collect(),
                pct: cohort
                    .groups
                    .iter()
                    .zip(&counts)
                    .zip(&sizes)
                    .filter(|(_, s)| **s > 0)
                    .map(|((g, &c), &s)| (g.value.clone(), 100.0 * c as f64 / s as f64))
                    .collect(),
                test,
                p,
            });
        }
    }
    out
}
