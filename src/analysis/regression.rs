//! Risk-factor tables (the paper's Tables 2 and 3): a univariable Cox model
//! per factor, then a multivariable model of the factors selected by their
//! univariable p-value, for each endpoint and cohort. After matching the
//! variance is clustered on the matched pairs, as for the treatment HR.

use super::survival::{CoxResult, CoxTerm};
use super::{Diagnostic, follow_up, ties};
use crate::cohort::code;
use crate::cohort::{Cohort, Population, Values};
use crate::config::{CoxSection, Endpoint, MatchedVariance, Selection, SurvivalSection};
use crate::stats::cox;
use crate::stats::{StatsError, kaplan_meier};
use rayon::prelude::*;
use serde::Serialize;

/// One factor's overall test in a model.
#[derive(Debug, Clone, Serialize)]
pub struct FactorTest {
    /// Variable name ("treatment" for the treatment).
    pub variable: String,
    /// Printed name.
    pub label: String,
    /// Reference level (categorical factors).
    pub reference: Option<String>,
    /// Overall p: for a one-column factor its Wald p (as printed); for a
    /// factor of several columns the likelihood-ratio test with the
    /// model-based variance, the Wald test when the variance is robust.
    pub p: Option<f64>,
    /// Which test `p` is.
    pub test: String,
}

/// One model of a table.
#[derive(Debug, Clone, Serialize)]
pub struct TableModel {
    /// The fitted model (terms with HRs).
    pub model: CoxResult,
    /// Overall test of each factor.
    pub factors: Vec<FactorTest>,
}

/// A selection step: what entered the multivariable model and why.
#[derive(Debug, Clone, Serialize)]
pub struct SelectionStep {
    /// Endpoint id.
    pub endpoint: String,
    /// Variable.
    pub variable: String,
    /// Order of the step (forward-stepwise), 0 for univariable screening.
    pub step: usize,
    /// "entered", "not entered" or "removed".
    pub action: String,
    /// The p-value that decided it (univariable, or the step's LR test).
    pub p: Option<f64>,
    /// -2 log partial likelihood of the model after the step (forward-stepwise).
    pub deviance: Option<f64>,
}

/// Everything the tables need.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegressionResults {
    /// Univariable and multivariable models.
    pub models: Vec<TableModel>,
    /// Selection steps.
    pub selection: Vec<SelectionStep>,
}

/// A factor: the treatment or a cohort variable.
#[derive(Debug, Clone)]
enum Factor {
    Treatment,
    Variable(String),
}

struct Design {
    rows: Vec<usize>,
    columns: Vec<Vec<f64>>,
    terms: Vec<(String, Option<String>)>, // (variable, level)
    groups: Vec<Vec<usize>>,              // columns of each factor
    meta: Vec<(String, String, Option<String>)>, // (variable, label, reference)
}

fn design(cohort: &Cohort, factors: &[Factor], endpoint: &str, treatment_label: &str) -> Design {
    let ep = &cohort.endpoints[endpoint];
    let values: Vec<&Values> = factors
        .iter()
        .filter_map(|f| match f {
            Factor::Treatment => None,
            Factor::Variable(v) => Some(&cohort.variables[v].values),
        })
        .collect();
    let rows: Vec<usize> = ep
        .usable()
        .iter()
        .copied()
        .filter(|&i| {
            values.iter().all(|v| match v {
                Values::Continuous { values, .. } => values[i].is_some(),
                Values::Categorical { codes, .. } => codes[i].is_some(),
            })
        })
        .collect();
    let mut d = Design {
        rows: rows.clone(),
        columns: Vec::new(),
        terms: Vec::new(),
        groups: Vec::new(),
        meta: Vec::new(),
    };
    for f in factors {
        let start = d.columns.len();
        match f {
            Factor::Treatment => {
                for g in 1..cohort.groups.len() {
                    d.columns.push(
                        rows.iter()
                            .map(|&i| f64::from(u8::from(cohort.group[i] == g)))
                            .collect(),
                    );
                    d.terms
                        .push(("treatment".into(), Some(cohort.groups[g].label.clone())));
                }
                d.meta.push((
                    "treatment".into(),
                    treatment_label.into(),
                    Some(cohort.groups[0].label.clone()),
                ));
            }
            Factor::Variable(v) => {
                let var = &cohort.variables[v];
                match &var.values {
                    Values::Continuous { values, .. } => {
                        d.columns
                            .push(rows.iter().map(|&i| values[i].unwrap_or(0.0)).collect());
                        d.terms.push((v.clone(), None));
                        d.meta.push((v.clone(), var.label.clone(), None));
                    }
                    Values::Categorical { labels, codes, .. } => {
                        // Levels present among these rows; the first present is the reference.
                        let present: Vec<usize> = (0..labels.len())
                            .filter(|&k| rows.iter().any(|&i| codes[i] == code(k)))
                            .collect();
                        for &k in present.iter().skip(1) {
                            d.columns.push(
                                rows.iter()
                                    .map(|&i| f64::from(u8::from(codes[i] == code(k))))
                                    .collect(),
                            );
                            d.terms.push((v.clone(), Some(labels[k].clone())));
                        }
                        d.meta.push((
                            v.clone(),
                            var.label.clone(),
                            present.first().map(|&k| labels[k].clone()),
                        ));
                    }
                }
            }
        }
        d.groups.push((start..d.columns.len()).collect());
    }
    d
}

/// What every model of one endpoint in one population shares.
struct Setting<'a> {
    cohort: &'a Cohort,
    e: &'a Endpoint,
    conf: &'a SurvivalSection,
    /// Printed name of the treatment factor.
    treatment_label: &'a str,
    /// The population's id, for messages.
    population: &'a str,
    /// Matched pair of each patient (the population's clusters); with
    /// merged profiles, of each patient behind them (see `merged`).
    pairs: Option<&'a [usize]>,
    /// Whether each factor's overall test is computed (a refit per factor
    /// of several levels); off where only the treatment's row is read.
    factor_tests: bool,
    /// The merged profiles the cohort rows are, if they are (see
    /// [`super::profiles`]): how many patients each row stands for, and
    /// the row of each patient.
    merged: Option<&'a super::Profiles>,
}

impl Setting<'_> {
    /// The robust variance clusters on the matched pair; it leaves the
    /// estimates, log-likelihoods and LR tests as they are.
    fn robust(&self) -> bool {
        self.pairs.is_some() && self.conf.matched_variance == MatchedVariance::RobustPairs
    }

    /// Fits `columns` on the cohort rows `rows` (whose follow-up is `time`
    /// and `event`), each row counted as the patients it stands for.
    fn fit(
        &self,
        rows: &[usize],
        (time, event): (&[f64], &[bool]),
        columns: &[Vec<f64>],
    ) -> Result<cox::CoxFit, StatsError> {
        super::fit_rows(
            self.merged.map(|m| m.counts.as_slice()),
            rows,
            (time, event),
            columns,
            ties(self.conf.ties),
        )
    }

    /// [`Setting::fit`] with the robust variance clustered on the matched
    /// pairs `pairs`: on merged profiles, each patient of a profile among
    /// `rows` adds its residual to its own pair's sum.
    fn fit_robust(
        &self,
        rows: &[usize],
        (time, event): (&[f64], &[bool]),
        columns: &[Vec<f64>],
        pairs: &[usize],
    ) -> Result<cox::CoxFit, StatsError> {
        let ties = ties(self.conf.ties);
        match self.merged {
            Some(super::Profiles { counts, of, .. }) => {
                let mut at = vec![usize::MAX; counts.len()];
                for (k, &r) in rows.iter().enumerate() {
                    at[r] = k;
                }
                let patients: Vec<(usize, usize)> = of
                    .iter()
                    .zip(pairs)
                    .filter(|(q, _)| at[**q] != usize::MAX)
                    .map(|(&q, &g)| (at[q], g))
                    .collect();
                let counts: Vec<usize> = rows.iter().map(|&i| counts[i]).collect();
                cox::fit_counted_robust(time, event, columns, &counts, ties, &patients)
            }
            None => {
                let cluster: Vec<usize> = rows.iter().map(|&i| pairs[i]).collect();
                cox::fit_robust(time, event, columns, None, ties, &cluster)
            }
        }
    }
}

/// Fits one model; `None` (with a diagnostic) when it cannot be fitted.
fn fit_model(
    s: &Setting<'_>,
    factors: &[Factor],
    kind: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<TableModel> {
    let d = design(s.cohort, factors, &s.e.id, s.treatment_label);
    let what = format!(
        "{} ({}, {kind}: {})",
        s.e.label,
        s.population,
        d.meta
            .iter()
            .map(|m| m.1.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // A factor left with a single level has no column: say so and drop it.
    for (g, m) in d.groups.iter().zip(&d.meta) {
        if g.is_empty() {
            diagnostics.push(Diagnostic::warning(
                "cox",
                format!(
                    "{what}: {} has one level among these patients and was left out",
                    m.1
                ),
            ));
        }
    }
    if d.columns.is_empty() {
        return None;
    }
    let (time, event) = follow_up(&s.cohort.endpoints[&s.e.id], &d.rows);
    let fitted = match s.pairs.filter(|_| s.robust()) {
        Some(pairs) => s.fit_robust(&d.rows, (&time, &event), &d.columns, pairs),
        None => s.fit(&d.rows, (&time, &event), &d.columns),
    };
    let fit = match fitted {
        Ok(f) => f,
        Err(err) => {
            // As R reports NA for an aliased coefficient, drop the last
            // factor whose removal lets the model be fitted, and say so.
            if let Some((k, fewer)) = without_collinear(s, factors) {
                diagnostics.push(Diagnostic::warning(
                    "cox",
                    format!("{what}: {} is collinear with the other factors (coefficient not estimable, as R's NA) and was dropped", d.meta[k].1),
                ));
                return fit_model(s, &fewer, kind, diagnostics);
            }
            diagnostics.push(Diagnostic::warning(
                "cox",
                format!("{what}: not fitted: {err} (collinear or constant factors?)"),
            ));
            return None;
        }
    };
    let terms = terms(
        &fit,
        &d,
        kaplan_meier::z_value(s.conf.conf_level),
        &what,
        diagnostics,
    );
    let factor_tests = if s.factor_tests {
        factor_tests(s, &fit, &d, &terms, (&time, &event))
    } else {
        Vec::new()
    };
    let variance = if s.robust() {
        "robust (cluster: matched pair)"
    } else {
        "model"
    };
    Some(TableModel {
        model: CoxResult::of_fit(&s.e.id, kind, s.conf.ties, variance.into(), &fit, terms),
        factors: factor_tests,
    })
}

/// The last factor `k` whose removal lets the model be fitted, and the
/// factors without it.
fn without_collinear(s: &Setting<'_>, factors: &[Factor]) -> Option<(usize, Vec<Factor>)> {
    if factors.len() < 2 {
        return None;
    }
    let ep = &s.cohort.endpoints[&s.e.id];
    (0..factors.len()).rev().find_map(|k| {
        let fewer: Vec<Factor> = factors
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, f)| f.clone())
            .collect();
        let dd = design(s.cohort, &fewer, &s.e.id, s.treatment_label);
        let (tt, ee) = follow_up(ep, &dd.rows);
        s.fit(&dd.rows, (&tt, &ee), &dd.columns)
            .is_ok()
            .then_some((k, fewer))
    })
}

/// The model's rows: HR and CI on the robust SE when there is one; a term
/// whose likelihood is monotone has none (and a diagnostic says so).
fn terms(
    fit: &cox::CoxFit,
    d: &Design,
    z: f64,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<CoxTerm> {
    let se: Vec<f64> = fit.robust_se.clone().unwrap_or_else(|| fit.se.clone());
    d.terms
        .iter()
        .enumerate()
        .map(|(j, (variable, level))| {
            let ok = !fit.infinite.contains(&j) && se[j].is_finite();
            if !ok {
                diagnostics.push(Diagnostic::warning(
                    "cox",
                    format!(
                        "{what}: the HR of {variable} {} is not estimable (monotone likelihood)",
                        level.clone().unwrap_or_default()
                    ),
                ));
            }
            CoxTerm {
                term: match level {
                    Some(l) => format!("{variable}[{l}]"),
                    None => variable.clone(),
                },
                variable: variable.clone(),
                level: level.clone(),
                coef: fit.coef[j],
                se: fit.se[j],
                robust_se: fit.robust_se.as_ref().map(|r| r[j]),
                hr: ok.then(|| fit.coef[j].exp()),
                lower: ok.then(|| (fit.coef[j] - z * se[j]).exp()),
                upper: ok.then(|| (fit.coef[j] + z * se[j]).exp()),
                z: fit.z[j],
                p: ok.then_some(fit.p[j]),
            }
        })
        .collect()
}

/// The overall test of each factor: a one-column factor's own Wald p (the
/// p that decides selection), a robust Wald test of its columns, or the
/// likelihood-ratio test against the model refitted without it.
fn factor_tests(
    s: &Setting<'_>,
    fit: &cox::CoxFit,
    d: &Design,
    terms: &[CoxTerm],
    (time, event): (&[f64], &[bool]),
) -> Vec<FactorTest> {
    let robust = s.robust();
    let mut out = Vec::new();
    for (k, (g, m)) in d.groups.iter().zip(&d.meta).enumerate() {
        if g.is_empty() {
            continue;
        }
        let (p, test) = if g.len() == 1 {
            (terms[g[0]].p, if robust { "robust Wald" } else { "Wald" })
        } else if robust {
            (cox::wald_subset(fit, g).map(|t| t.p), "robust Wald")
        } else if d.groups.len() == 1 {
            (Some(fit.lr_test.p), "likelihood ratio")
        } else {
            // Refit without the factor on the same patients.
            let keep: Vec<Vec<f64>> = d
                .groups
                .iter()
                .enumerate()
                .filter(|(kk, _)| *kk != k)
                .flat_map(|(_, cols)| cols.iter().map(|&c| d.columns[c].clone()))
                .collect();
            let reduced = if keep.is_empty() {
                Some(fit.loglik_null)
            } else {
                s.fit(&d.rows, (time, event), &keep).ok().map(|f| f.loglik)
            };
            (
                reduced.map(|l| cox::lr_test(fit.loglik, l, g.len()).p),
                "likelihood ratio",
            )
        };
        out.push(FactorTest {
            variable: m.0.clone(),
            label: m.1.clone(),
            reference: m.2.clone(),
            p,
            test: test.into(),
        });
    }
    out
}

/// Univariable models of every factor (and the treatment), then the
/// multivariable model of the selected ones, per endpoint of `conf`.
pub fn compute(
    pop: &Population<'_>,
    endpoints: &[Endpoint],
    surv: &SurvivalSection,
    conf: &CoxSection,
    diagnostics: &mut Vec<Diagnostic>,
) -> RegressionResults {
    let (cohort, cohort_name, pairs) = (pop.cohort, pop.id.as_str(), pop.clusters);
    let mut out = RegressionResults::default();
    let mut factors: Vec<Factor> = conf.factors.iter().cloned().map(Factor::Variable).collect();
    if conf.include_treatment {
        factors.push(Factor::Treatment);
    }
    for e in endpoints
        .iter()
        .filter(|e| conf.endpoints.is_empty() || conf.endpoints.contains(&e.id))
    {
        let (sorted, sorted_pairs) = super::time_ordered(cohort, &e.id, &conf.factors, pairs);
        // Every model starts from the merged profiles; a robust variance
        // finds each patient's pair through its profile.
        let merged = super::profiles(&sorted, &e.id);
        let setting = Setting {
            cohort: merged.as_ref().map_or(&sorted, |m| &m.cohort),
            e,
            conf: surv,
            treatment_label: &conf.treatment_label,
            population: cohort_name,
            pairs: sorted_pairs.as_deref(),
            factor_tests: true,
            merged: merged.as_ref(),
        };
        let mut selected = Vec::new();
        // Univariable models are independent: fit in parallel, then walk
        // them (and their diagnostics) in factor order.
        let fits: Vec<(Option<TableModel>, Vec<Diagnostic>)> = factors
            .par_iter()
            .map(|f| {
                let mut d = Vec::new();
                let m = fit_model(&setting, std::slice::from_ref(f), "univariable", &mut d);
                (m, d)
            })
            .collect();
        for (f, (m, d)) in factors.iter().zip(fits) {
            diagnostics.extend(d);
            let Some(m) = m else {
                continue;
            };
            let p = m.factors.first().and_then(|t| t.p);
            let enter = match conf.selection {
                Selection::None => true,
                Selection::UnivariableP => p.is_some_and(|p| p < conf.p_enter),
                Selection::ForwardStepwise => false,
            };
            let variable = match f {
                Factor::Treatment => "treatment".to_string(),
                Factor::Variable(v) => v.clone(),
            };
            if conf.selection == Selection::ForwardStepwise {
                out.models.push(m);
                continue;
            }
            out.selection.push(SelectionStep {
                endpoint: e.id.clone(),
                step: 0,
                deviance: None,
                variable,
                action: if enter { "entered" } else { "not entered" }.into(),
                p,
            });
            if enter {
                selected.push(f.clone());
            }
            out.models.push(m);
        }
        if conf.selection == Selection::ForwardStepwise {
            let (chosen, steps) = forward_stepwise(&setting, &factors, conf);
            out.selection.extend(steps);
            selected = chosen;
        }
        if selected.is_empty() {
            diagnostics.push(Diagnostic::note("cox", format!("{} ({cohort_name}): no factor had a univariable p below {}; no multivariable model", e.label, conf.p_enter)));
            continue;
        }
        if let Some(m) = fit_model(&setting, &selected, "multivariable", diagnostics) {
            out.models.push(m);
        }
    }
    out
}

/// The treatment's model adjusted for `covariates` (the propensity
/// model's) in `pop`, on the patients with all of them recorded: the
/// robustness table's "multivariable-adjusted" row. `None` (with a
/// diagnostic) when it cannot be fitted. Only the treatment's row is read,
/// so the factors' overall tests are left empty (each would refit the
/// model without one covariate of several levels).
pub fn adjusted_treatment(
    pop: &Population<'_>,
    e: &Endpoint,
    surv: &SurvivalSection,
    covariates: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<TableModel> {
    let mut factors = vec![Factor::Treatment];
    factors.extend(covariates.iter().cloned().map(Factor::Variable));
    // From the merged profiles when patients share times; without ties the
    // design gathers the rows straight from the cohort (for one model a
    // time-ordered copy costs more than it saves).
    let sorted = profiles_possible(pop.cohort, &e.id)
        .then(|| super::time_ordered(pop.cohort, &e.id, covariates, None).0);
    let merged = sorted.as_ref().and_then(|s| super::profiles(s, &e.id));
    let setting = Setting {
        cohort: merged.as_ref().map_or(pop.cohort, |m| &m.cohort),
        e,
        conf: surv,
        treatment_label: "Treatment",
        population: &pop.id,
        pairs: None,
        factor_tests: false,
        merged: merged.as_ref(),
    };
    fit_model(&setting, &factors, "adjusted", diagnostics)
}

/// Whether two patients with follow-up for `endpoint` share a time (else
/// no two can merge into a profile).
fn profiles_possible(cohort: &Cohort, endpoint: &str) -> bool {
    let ep = &cohort.endpoints[endpoint];
    ep.usable()
        .windows(2)
        .any(|w| ep.time[w[0]] == ep.time[w[1]])
}

/// Forward stepwise selection on likelihood-ratio tests over the patients
/// with every candidate recorded: repeatedly add the candidate with the
/// smallest p (if below `p-enter`), then remove the member with the largest
/// p (if above `p-remove`). Returns the chosen factors and the steps taken.
fn forward_stepwise(
    s: &Setting<'_>,
    factors: &[Factor],
    conf: &CoxSection,
) -> (Vec<Factor>, Vec<SelectionStep>) {
    let e = s.e;
    let d = design(s.cohort, factors, &e.id, &conf.treatment_label);
    let ep = &s.cohort.endpoints[&e.id];
    let (time, event) = follow_up(ep, &d.rows);
    let loglik = |members: &[usize]| -> Option<f64> {
        let cols: Vec<Vec<f64>> = members
            .iter()
            .flat_map(|&f| d.groups[f].iter().map(|&c| d.columns[c].clone()))
            .collect();
        if cols.is_empty() {
            // The null model: its log partial likelihood from any fit's start.
            let any: Vec<Vec<f64>> = d.columns.first().cloned().into_iter().collect();
            return s
                .fit(&d.rows, (&time, &event), &any)
                .ok()
                .map(|f| f.loglik_null);
        }
        s.fit(&d.rows, (&time, &event), &cols)
            .ok()
            .map(|f| f.loglik)
    };
    let name = |f: usize| d.meta[f].0.clone();
    let mut current: Vec<usize> = Vec::new();
    let mut steps: Vec<SelectionStep> = Vec::new();
    let record =
        |steps: &mut Vec<SelectionStep>, members: &[usize], f: usize, action: &str, p: f64| {
            let step = steps.len() + 1;
            steps.push(SelectionStep {
                endpoint: e.id.clone(),
                step,
                variable: name(f),
                action: action.into(),
                p: Some(p),
                deviance: loglik(members).map(|l| -2.0 * l),
            });
        };
    let candidates: Vec<usize> = (0..factors.len())
        .filter(|&f| !d.groups[f].is_empty())
        .collect();
    for _ in 0..(4 * candidates.len()).max(1) {
        let Some(base) = loglik(&current) else { break };
        // Entry.
        let best = candidates
            .iter()
            .filter(|f| !current.contains(f))
            .filter_map(|&f| {
                let mut with = current.clone();
                with.push(f);
                loglik(&with).map(|l| (f, cox::lr_test(l, base, d.groups[f].len()).p))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((f, p)) if p < conf.p_enter => {
                current.push(f);
                record(&mut steps, &current, f, "entered", p);
            }
            _ => break,
        }
        // Removal.
        let Some(full) = loglik(&current) else { break };
        let worst = current
            .iter()
            .filter_map(|&f| {
                let without: Vec<usize> = current.iter().copied().filter(|&g| g != f).collect();
                loglik(&without).map(|l| (f, cox::lr_test(full, l, d.groups[f].len()).p))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((f, p)) = worst
            && p > conf.p_remove
        {
            current.retain(|&g| g != f);
            record(&mut steps, &current, f, "removed", p);
        }
    }
    (
        current.into_iter().map(|f| factors[f].clone()).collect(),
        steps,
    )
}
