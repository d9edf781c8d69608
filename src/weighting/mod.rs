//! Propensity-score weighting: one weighted population per estimand of
//! `[weighting]`, from `[matching]`'s propensity model (its complete cases,
//! its focal group as "treated"), with the diagnostics a reader checks:
//! weight summaries, Kish effective sample sizes and the weighted balance
//! of every covariate (cobalt's conventions, see `balance.rs`).

use crate::cohort::{Cohort, Made, Population};
use crate::config::{EstimandKind, MatchingSection, WeightingSection};
use crate::diagnostics::Diagnostic;
use crate::matching::MatchOutput;
use crate::stats::weighting::{self, Estimand};
use serde::Serialize;
use std::collections::BTreeMap;

mod balance;

pub use balance::WeightedBalanceRow;

/// The weights of one estimand, summarized.
#[derive(Debug, Clone, Serialize)]
pub struct WeightsSummary {
    /// Smallest weight.
    pub min: f64,
    /// Largest weight.
    pub max: f64,
    /// Mean weight.
    pub mean: f64,
    /// Sum of the weights per group (by group value).
    pub sum_by_group: BTreeMap<String, f64>,
    /// Patients whose weight exceeds `extreme_above`.
    pub extreme: usize,
    /// `[weighting] extreme-weight`.
    pub extreme_above: f64,
}

/// What `results.json` reports of one weighting.
#[derive(Debug, Clone, Serialize)]
pub struct WeightingResult {
    /// The estimand (its population's id).
    pub estimand: EstimandKind,
    /// Printed name ("Inverse probability weighting (ATE)").
    pub label: String,
    /// Stabilized weights (ATE only).
    pub stabilized: bool,
    /// Propensity bounds applied, if any.
    pub trim: Option<[f64; 2]>,
    /// Patients left out by the bounds, per group.
    pub trimmed_by_group: BTreeMap<String, usize>,
    /// Patients weighted, per group.
    pub n_by_group: BTreeMap<String, usize>,
    /// The weights.
    pub weights: WeightsSummary,
    /// Kish effective sample size per group.
    pub ess_by_group: BTreeMap<String, f64>,
    /// Weighted balance of each covariate (level).
    pub balance: Vec<WeightedBalanceRow>,
}

/// One weighted sample: its patients, their weights and its report.
#[derive(Debug, Clone)]
pub struct WeightedSample {
    /// The patients weighted (complete cases within the bounds).
    pub cohort: Cohort,
    /// One weight per patient of `cohort`.
    pub weights: Vec<f64>,
    /// The reported summary.
    pub result: WeightingResult,
}

impl WeightedSample {
    /// The sample as a population: id the estimand ("ate"), its weights.
    pub fn population(&self) -> Population<'_> {
        let r = &self.result;
        Population {
            id: r.estimand.id().into(),
            label: r.label.clone(),
            tag: Some(tag(r.estimand).into()),
            cohort: &self.cohort,
            weights: Some(std::borrow::Cow::Borrowed(&self.weights)),
            clusters: None,
            made: Made::Weighted {
                estimand: r.estimand,
                stabilized: r.stabilized,
            },
        }
    }
}

/// Printed name of an estimand's population.
fn label(e: EstimandKind) -> &'static str {
    match e {
        EstimandKind::Ate => "Inverse probability weighting (ATE)",
        EstimandKind::Att => "ATT weighting",
        EstimandKind::Ato => "Overlap weighting (ATO)",
    }
}

/// Word added to its column heads.
fn tag(e: EstimandKind) -> &'static str {
    match e {
        EstimandKind::Ate => "IPTW",
        EstimandKind::Att => "ATT-weighted",
        EstimandKind::Ato => "overlap-weighted",
    }
}

/// The weighted samples `conf` asks for, from the propensity scores of
/// `matched` (two groups only; otherwise a note and none).
pub fn run(
    cohort: &Cohort,
    matched: &MatchOutput,
    matching: &MatchingSection,
    conf: &WeightingSection,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<WeightedSample> {
    if cohort.groups.len() != 2 {
        diagnostics.push(Diagnostic::note(
            "weighting",
            "propensity-score weighting needs exactly two groups; skipped",
        ));
        return Vec::new();
    }
    let focal = cohort
        .groups
        .iter()
        .position(|g| g.value == matched.results.focal)
        .unwrap_or(1);
    let complete: Vec<usize> = (0..cohort.ids.len())
        .filter(|&i| matched.ps[i].is_some())
        .collect();
    let trim = match conf.trim.as_slice() {
        [lo, hi] => Some([*lo, *hi]),
        _ => None,
    };
    let kept: Vec<usize> = complete
        .iter()
        .copied()
        .filter(|&i| trim.is_none_or(|[lo, hi]| (lo..=hi).contains(&matched.ps[i].unwrap_or(0.0))))
        .collect();
    let denominators = balance::denominators(cohort, &complete, &matching.covariates);
    conf.estimands
        .iter()
        .map(|&e| {
            let sample = cohort.subset(&kept);
            let ps: Vec<f64> = kept.iter().map(|&i| matched.ps[i].unwrap_or(0.0)).collect();
            let treated: Vec<bool> = kept.iter().map(|&i| cohort.group[i] == focal).collect();
            let stabilized = conf.stabilize && e == EstimandKind::Ate;
            let w = weighting::weights(&ps, &treated, estimand(e), stabilized);
            let balance = balance::rows(&sample, &w, &matching.covariates, &denominators);
            let result = WeightingResult {
                estimand: e,
                label: label(e).into(),
                stabilized,
                trim,
                trimmed_by_group: by_group(cohort, |g| {
                    complete.iter().filter(|&&i| cohort.group[i] == g).count()
                        - kept.iter().filter(|&&i| cohort.group[i] == g).count()
                }),
                n_by_group: by_group(cohort, |g| sample.group.iter().filter(|&&x| x == g).count()),
                weights: summary(&sample, &w, conf.extreme_weight),
                ess_by_group: by_group(cohort, |g| weighting::ess(&of_group(&sample, &w, g))),
                balance,
            };
            report(&result, conf, diagnostics);
            WeightedSample {
                cohort: sample,
                weights: w,
                result,
            }
        })
        .collect()
}

/// The statistics kernel's estimand.
fn estimand(e: EstimandKind) -> Estimand {
    match e {
        EstimandKind::Ate => Estimand::Ate,
        EstimandKind::Att => Estimand::Att,
        EstimandKind::Ato => Estimand::Ato,
    }
}

/// `f` of each group index, keyed by group value.
fn by_group<T>(cohort: &Cohort, f: impl Fn(usize) -> T) -> BTreeMap<String, T> {
    cohort
        .groups
        .iter()
        .enumerate()
        .map(|(g, grp)| (grp.value.clone(), f(g)))
        .collect()
}

/// The weights of group `g`'s patients.
fn of_group(sample: &Cohort, w: &[f64], g: usize) -> Vec<f64> {
    w.iter()
        .zip(&sample.group)
        .filter(|(_, x)| **x == g)
        .map(|(w, _)| *w)
        .collect()
}

/// Min, max, mean, per-group sums and the count above `extreme`.
fn summary(sample: &Cohort, w: &[f64], extreme: f64) -> WeightsSummary {
    let s = weighting::summarize(w);
    WeightsSummary {
        min: s.map_or(f64::NAN, |s| s.min),
        max: s.map_or(f64::NAN, |s| s.max),
        mean: s.map_or(f64::NAN, |s| s.mean),
        sum_by_group: by_group(sample, |g| of_group(sample, w, g).iter().sum()),
        extreme: w.iter().filter(|&&x| x > extreme).count(),
        extreme_above: extreme,
    }
}

/// Diagnostics of one weighting: trimmed patients and extreme weights.
fn report(r: &WeightingResult, conf: &WeightingSection, diagnostics: &mut Vec<Diagnostic>) {
    let id = r.estimand.id();
    let trimmed: usize = r.trimmed_by_group.values().sum();
    if let (Some([lo, hi]), true) = (r.trim, trimmed > 0) {
        diagnostics.push(Diagnostic::note(
            "weighting",
            format!("{id}: {trimmed} patients with a propensity score outside [{lo}, {hi}] were left out of the weighted analyses"),
        ));
    }
    if r.weights.extreme > 0 {
        diagnostics.push(Diagnostic::warning(
            "weighting",
            format!(
                "{id}: {} patients have a weight above {} (largest {:.1}); extreme weights make the weighted estimates unstable: consider overlap weights or trimming",
                r.weights.extreme, conf.extreme_weight, r.weights.max
            ),
        ));
    }
}
