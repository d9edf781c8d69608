//! Treatment effect within subgroups (forest plots): for each level of each
//! subgroup variable the treatment hazard ratio from a Cox model fitted in
//! that level alone, and the interaction p-value from the likelihood-ratio
//! test of `treatment + variable + treatment x variable` against
//! `treatment + variable` in all patients.

use super::{Diagnostic, follow_up, ties};
use crate::cohort::code;
use crate::cohort::{Cohort, Population, Values};
use crate::config::{Endpoint, SubgroupSection, SurvivalSection};
use crate::stats::cox;
use crate::stats::{StatsError, kaplan_meier};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of a forest plot.
#[derive(Debug, Clone, Serialize)]
pub struct SubgroupRow {
    /// Endpoint id.
    pub endpoint: String,
    /// Variable ("overall" for the first row).
    pub variable: String,
    /// Printed variable name.
    pub label: String,
    /// Level (printed), `None` on the overall row.
    pub level: Option<String>,
    /// Patients per group.
    pub n: BTreeMap<String, usize>,
    /// Events per group.
    pub events: BTreeMap<String, usize>,
    /// Treatment HR (second group vs reference); `None` when not estimable.
    pub hr: Option<f64>,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
    /// SE of log HR (for the square sizes).
    pub se: Option<f64>,
    /// Interaction p of the variable (on its first level's row only).
    pub p_interaction: Option<f64>,
}

/// Subgroup rows of every endpoint of `conf` in `cohort` (two groups only).
pub fn compute(
    pop: &Population<'_>,
    endpoints: &[Endpoint],
    surv: &SurvivalSection,
    conf: &SubgroupSection,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<SubgroupRow> {
    let mut out = Vec::new();
    if pop.cohort.groups.len() != 2 {
        diagnostics.push(Diagnostic::note(
            "subgroups",
            "subgroup analyses need exactly two groups; skipped",
        ));
        return out;
    }
    for e in endpoints
        .iter()
        .filter(|e| conf.endpoints.is_empty() || conf.endpoints.contains(&e.id))
    {
        let (sorted, _) = super::time_ordered(pop.cohort, &e.id, &conf.variables, None);
        // Every model of the endpoint starts from the merged profiles.
        let merged = super::profiles(&sorted, &e.id);
        let (cohort, counts) = match &merged {
            Some(m) => (&m.cohort, Some(m.counts.as_slice())),
            None => (&sorted, None),
        };
        let s = Setting {
            cohort,
            e,
            population: &pop.id,
            ties: ties(surv.ties),
            z: kaplan_meier::z_value(surv.conf_level),
            counts,
        };
        let usable = cohort.endpoints[&e.id].usable();
        out.push(s.row("overall", "All patients", None, usable, diagnostics));
        // Variables are independent: fit them in parallel, then keep their
        // rows and diagnostics in config order (deterministic output).
        let results: Vec<(Vec<SubgroupRow>, Vec<Diagnostic>)> = conf
            .variables
            .par_iter()
            .map(|v| {
                let mut d = Vec::new();
                (s.variable_rows(v, &mut d), d)
            })
            .collect();
        for (rows, d) in results {
            out.extend(rows);
            diagnostics.extend(d);
        }
    }
    out
}

/// One endpoint in one population (its patients in time order).
struct Setting<'a> {
    cohort: &'a Cohort,
    e: &'a Endpoint,
    population: &'a str,
    ties: cox::Ties,
    z: f64,
    /// How many patients each cohort row stands for, when the rows are
    /// merged profiles (see [`super::profiles`]).
    counts: Option<&'a [usize]>,
}

impl Setting<'_> {
    /// The patients cohort row `i` stands for.
    fn count(&self, i: usize) -> usize {
        self.counts.map_or(1, |c| c[i])
    }

    /// Fits `columns` on the cohort rows `rows` (follow-up `time`, `event`),
    /// each row counted as the patients it stands for.
    fn fit(
        &self,
        rows: &[usize],
        (time, event): (&[f64], &[bool]),
        columns: &[Vec<f64>],
    ) -> Result<cox::CoxFit, StatsError> {
        super::fit_rows(self.counts, rows, (time, event), columns, self.ties)
    }

    /// Treatment indicator (second group) of `rows`.
    fn treated(&self, rows: &[usize]) -> Vec<f64> {
        rows.iter()
            .map(|&i| f64::from(u8::from(self.cohort.group[i] == 1)))
            .collect()
    }

    /// The row of the patients `rows`: counts and events per group and the
    /// treatment HR (a diagnostic when it is not estimable).
    fn row(
        &self,
        variable: &str,
        label: &str,
        level: Option<String>,
        rows: &[usize],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> SubgroupRow {
        let (cohort, e) = (self.cohort, self.e);
        let (time, event) = follow_up(&cohort.endpoints[&e.id], rows);
        let mut n = BTreeMap::new();
        let mut events = BTreeMap::new();
        for (g, grp) in cohort.groups.iter().enumerate() {
            n.insert(
                grp.value.clone(),
                rows.iter()
                    .filter(|&&i| cohort.group[i] == g)
                    .map(|&i| self.count(i))
                    .sum::<usize>(),
            );
            events.insert(
                grp.value.clone(),
                rows.iter()
                    .zip(&event)
                    .filter(|(i, e)| cohort.group[**i] == g && **e)
                    .map(|(&i, _)| self.count(i))
                    .sum::<usize>(),
            );
        }
        let fit = self
            .fit(rows, (&time, &event), &[self.treated(rows)])
            .ok()
            .filter(|f| f.infinite.is_empty() && f.se[0].is_finite());
        if fit.is_none() {
            diagnostics.push(Diagnostic::warning(
                "subgroups",
                format!("{} ({}), {label} {}: the hazard ratio is not estimable (too few events in a group)", e.label, self.population, level.clone().unwrap_or_default()),
            ));
        }
        let z = self.z;
        SubgroupRow {
            endpoint: e.id.clone(),
            variable: variable.into(),
            label: label.into(),
            level,
            n,
            events,
            hr: fit.as_ref().map(|f| f.coef[0].exp()),
            lower: fit.as_ref().map(|f| (f.coef[0] - z * f.se[0]).exp()),
            upper: fit.as_ref().map(|f| (f.coef[0] + z * f.se[0]).exp()),
            se: fit.as_ref().map(|f| f.se[0]),
            p_interaction: None,
        }
    }

    /// A categorical variable's rows, one per level present, the first
    /// carrying the interaction p.
    fn variable_rows(&self, v: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<SubgroupRow> {
        let var = &self.cohort.variables[v];
        let Values::Categorical { labels, codes, .. } = &var.values else {
            return Vec::new();
        };
        let rows: Vec<usize> = self.cohort.endpoints[&self.e.id]
            .usable()
            .iter()
            .copied()
            .filter(|&i| codes[i].is_some())
            .collect();
        let present: Vec<usize> = (0..labels.len())
            .filter(|&k| rows.iter().any(|&i| codes[i] == code(k)))
            .collect();
        let p_int = self.interaction(&rows, codes.as_slice(), &present);
        if p_int.is_none() {
            diagnostics.push(Diagnostic::warning(
                "subgroups",
                format!("{} ({}): no interaction test for {} (a single level, or a model that cannot be fitted)", self.e.label, self.population, var.label),
            ));
        }
        let mut out = Vec::with_capacity(present.len());
        for (j, &k) in present.iter().enumerate() {
            let sub: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|&i| codes[i] == code(k))
                .collect();
            let mut r = self.row(v, &var.label, Some(labels[k].clone()), &sub, diagnostics);
            if j == 0 {
                r.p_interaction = p_int;
            }
            out.push(r);
        }
        out
    }

    /// Interaction: LR test of treatment x variable (df = levels present
    /// - 1); `None` for a single level or a model that cannot be fitted.
    fn interaction(&self, rows: &[usize], codes: &[Option<u32>], present: &[usize]) -> Option<f64> {
        let (time, event) = follow_up(&self.cohort.endpoints[&self.e.id], rows);
        let treat = self.treated(rows);
        let dummies: Vec<Vec<f64>> = present
            .iter()
            .skip(1)
            .map(|&k| {
                rows.iter()
                    .map(|&i| f64::from(u8::from(codes[i] == code(k))))
                    .collect()
            })
            .collect();
        if dummies.is_empty() {
            return None;
        }
        let mut main = vec![treat.clone()];
        main.extend(dummies.iter().cloned());
        let mut full = main.clone();
        full.extend(dummies.iter().map(|d| {
            d.iter()
                .zip(&treat)
                .map(|(a, b)| a * b)
                .collect::<Vec<f64>>()
        }));
        let m = self.fit(rows, (&time, &event), &main).ok()?;
        let f = self.fit(rows, (&time, &event), &full).ok()?;
        Some(cox::lr_test(f.loglik, m.loglik, dummies.len()).p)
    }
}
