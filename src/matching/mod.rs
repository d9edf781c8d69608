//! Propensity-score matching: the propensity model (logistic regression on
//! the covariates, categorical ones as treatment-contrast dummies), greedy
//! nearest-neighbour matching with MatchIt's rules, and covariate balance
//! before and after.

mod balance;

pub use balance::BalanceRow;

use crate::cohort::code;
use crate::cohort::{Cohort, Population, Values};
use crate::config::{DistanceScale, MatchingSection, MissingCovariates, OrderKind, SmdDenominator};
use crate::diagnostics::Diagnostic;
use crate::stats::{describe, logistic, matching as nn};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// The fitted propensity model, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct PropensityModel {
    /// Design columns: "(Intercept)", continuous names, `name[level]` dummies.
    pub terms: Vec<String>,
    /// Log odds of being in the focal group, per term.
    pub coef: Vec<f64>,
    /// Standard errors.
    pub se: Vec<f64>,
    /// Wald p-values.
    pub p: Vec<f64>,
    /// Residual deviance.
    pub deviance: f64,
    /// Null deviance.
    pub null_deviance: f64,
    /// IRLS iterations.
    pub iterations: usize,
    /// Whether IRLS converged.
    pub converged: bool,
    /// Whether fitted probabilities of 0 or 1 occurred (separation).
    pub separation: bool,
}

/// The caliper as applied.
#[derive(Debug, Clone, Serialize)]
pub struct Caliper {
    /// Width in SDs of the distance (the config's `caliper`).
    pub value: f64,
    /// SD of the distance over all patients in the model (n - 1 denominator).
    pub sd: f64,
    /// Absolute width on the distance scale, `value x sd`.
    pub width: f64,
    /// "ps" or "logit".
    pub scale: DistanceScale,
}

/// One focal patient and one of its controls.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// Pair (subclass) number, 1-based, in focal data order.
    pub pair: usize,
    /// Focal patient id.
    pub focal: String,
    /// Control patient id.
    #[serde(rename = "match")]
    pub control: String,
    /// |distance difference|.
    pub distance: f64,
}

/// Everything matching produced, for `results.json`.
#[derive(Debug, Clone, Serialize)]
pub struct MatchingResults {
    /// Covariates of the propensity model (variable names).
    pub covariates: Vec<String>,
    /// Variables matched exactly.
    pub exact: Vec<String>,
    /// The propensity model.
    pub model: PropensityModel,
    /// Scale of the matching distance.
    pub distance: DistanceScale,
    /// Caliper, when one was used.
    pub caliper: Option<Caliper>,
    /// Focal group value.
    pub focal: String,
    /// Focal group label.
    pub focal_label: String,
    /// Controls per focal patient.
    pub ratio: usize,
    /// Processing order.
    pub order: OrderKind,
    /// With replacement.
    pub replace: bool,
    /// Patients with every covariate recorded (the model's sample).
    pub complete_cases: usize,
    /// Patients left out for a missing covariate, per group.
    pub excluded_missing: BTreeMap<String, usize>,
    /// Matched pairs.
    pub pairs: Vec<Pair>,
    /// Focal patients without a match.
    pub unmatched_focal: Vec<String>,
    /// Matched patients per group.
    pub n: BTreeMap<String, usize>,
    /// |SMD| threshold.
    pub smd_threshold: f64,
    /// SMD denominator after matching.
    pub smd_denominator: SmdDenominator,
    /// Balance per covariate (and level).
    pub balance: Vec<BalanceRow>,
    /// Labels of covariates whose |SMD| after matching exceeds the threshold.
    pub imbalanced_after: Vec<String>,
}

/// Matching's results plus what later stages need.
#[derive(Debug, Clone)]
pub struct MatchOutput {
    /// The reported results.
    pub results: MatchingResults,
    /// The matched cohort (in the cohort's order).
    pub matched: Cohort,
    /// Pair number of each matched patient (aligned with `matched`).
    pub pair_of: Vec<usize>,
    /// Propensity score of each cohort patient (None: not in the model).
    pub ps: Vec<Option<f64>>,
    /// Whether each cohort patient is in the matched cohort.
    pub in_matched: Vec<bool>,
}

impl MatchOutput {
    /// The matched patients as a population, clustered on their pairs.
    pub fn population(&self) -> Population<'_> {
        Population::matched(&self.matched, &self.pair_of)
    }
}

/// Why the data cannot be matched as `[matching]` asks: a sentence naming
/// the section and the fix. The driver adds the config file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchingError(pub String);

impl std::fmt::Display for MatchingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MatchingError {}

/// Runs the propensity model and the match on `cohort`.
pub fn run(
    cohort: &Cohort,
    conf: &MatchingSection,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::result::Result<MatchOutput, MatchingError> {
    let groups = &cohort.groups;
    let focal_g = focal_group(cohort, conf);
    let n = cohort.ids.len();
    let (rows, excluded_missing) = complete_cases(cohort, conf);
    missing_covariates(conf, n - rows.len(), rows.len(), diagnostics)?;
    let (terms, y, fit) = propensity(cohort, conf, &rows, focal_g, diagnostics)?;
    let n_focal = y.iter().filter(|&&v| v == 1.0).count();
    let distance: Vec<f64> = match conf.distance {
        DistanceScale::Ps => fit.fitted.clone(),
        DistanceScale::Logit => fit.linear_predictor.clone(),
    };
    // The caliper is in SDs of the distance (MatchIt's std.caliper).
    let caliper = conf.caliper.map(|value| {
        let sd = describe::sd(&distance).unwrap_or(0.0);
        Caliper {
            value,
            sd,
            width: value * sd,
            scale: conf.distance,
        }
    });
    let focal: Vec<bool> = y.iter().map(|&v| v == 1.0).collect();
    short_of_controls(conf, n_focal, focal.len() - n_focal, diagnostics);
    let opts = nn::NearestOptions {
        ratio: conf.ratio,
        caliper: caliper.as_ref().map(|c| c.width),
        replace: conf.replace,
    };
    let matches = match_in_strata(cohort, conf, &rows, &distance, &focal, opts);
    let Paired {
        pair_rows,
        unmatched_rows,
        in_matched,
        pair_by_patient,
    } = pair_up(&matches, &focal, &rows, &distance, n);
    let matched_idx: Vec<usize> = (0..n).filter(|&i| in_matched[i]).collect();
    let (pairs, unmatched_focal, matched, balance) = matched_cohort(
        cohort,
        conf,
        &rows,
        &pair_rows,
        &unmatched_rows,
        &in_matched,
        &matched_idx,
    );
    unmatched(
        unmatched_focal.len(),
        n_focal,
        &groups[focal_g].label,
        pairs.is_empty(),
        diagnostics,
    );
    let pair_of: Vec<usize> = matched_idx.iter().map(|&i| pair_by_patient[i]).collect();
    let mut count = BTreeMap::new();
    for (g, grp) in groups.iter().enumerate() {
        count.insert(
            grp.value.clone(),
            matched.group.iter().filter(|&&x| x == g).count(),
        );
    }
    let imbalanced_after = imbalanced(&balance, conf.smd_threshold, diagnostics);
    let mut ps = vec![None; n];
    for (k, &i) in rows.iter().enumerate() {
        ps[i] = Some(fit.fitted[k]);
    }
    let results = MatchingResults {
        covariates: conf.covariates.clone(),
        exact: conf.exact.clone(),
        model: PropensityModel::of(terms, &fit),
        distance: conf.distance,
        caliper,
        focal: groups[focal_g].value.clone(),
        focal_label: groups[focal_g].label.clone(),
        ratio: conf.ratio,
        order: conf.order,
        replace: conf.replace,
        complete_cases: rows.len(),
        excluded_missing,
        pairs,
        unmatched_focal,
        n: count,
        smd_threshold: conf.smd_threshold,
        smd_denominator: conf.smd_denominator,
        balance,
        imbalanced_after,
    };
    Ok(MatchOutput {
        results,
        matched,
        pair_of,
        ps,
        in_matched,
    })
}

/// Patients missing a covariate: an error when `missing = "error"`, else
/// left out with a warning.
fn missing_covariates(
    conf: &MatchingSection,
    n_missing: usize,
    complete: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::result::Result<(), MatchingError> {
    if n_missing == 0 {
        return Ok(());
    }
    if conf.missing == MissingCovariates::Error {
        return Err(MatchingError(format!(
            "[matching] {n_missing} patients miss a covariate and missing = \"error\"; impute them, drop the covariate, or set missing = \"complete-case\""
        )));
    }
    diagnostics.push(Diagnostic::warning(
        "matching",
        format!("{n_missing} patients missing a matching covariate were left out of matching (complete cases: {complete})"),
    ));
    Ok(())
}

/// Too few controls for 1:ratio matching without replacement.
fn short_of_controls(
    conf: &MatchingSection,
    n_focal: usize,
    n_controls: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if !conf.replace && n_controls < n_focal * conf.ratio {
        diagnostics.push(Diagnostic::warning(
            "matching",
            format!("{} focal patients need {} controls at 1:{} but only {n_controls} are available; some focal patients stay unmatched", n_focal, n_focal * conf.ratio, conf.ratio),
        ));
    }
}

/// Focal patients left without a control, and a match with no pair.
fn unmatched(
    n_unmatched: usize,
    n_focal: usize,
    focal_label: &str,
    no_pairs: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if n_unmatched > 0 {
        diagnostics.push(Diagnostic::note(
            "matching",
            format!("{n_unmatched} of {n_focal} {focal_label} patients found no control within the caliper and are not in the matched cohort"),
        ));
    }
    if no_pairs {
        diagnostics.push(Diagnostic::warning(
            "matching",
            "no patient could be matched: the groups do not overlap within the caliper",
        ));
    }
}

/// The covariates whose |SMD| after matching exceeds the threshold (a
/// warning names them).
fn imbalanced(
    balance: &[BalanceRow],
    threshold: f64,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let labels: Vec<String> = balance
        .iter()
        .filter(|b| b.smd_after.is_some_and(|s| s.abs() > threshold))
        .map(|b| b.label.clone())
        .collect();
    if !labels.is_empty() {
        diagnostics.push(Diagnostic::warning(
            "matching",
            format!(
                "after matching, |SMD| exceeds {threshold} for: {}",
                labels.join(", ")
            ),
        ));
    }
    labels
}

impl PropensityModel {
    /// The reported model of a logistic fit with its terms' names.
    fn of(terms: Vec<String>, fit: &logistic::LogisticFit) -> PropensityModel {
        PropensityModel {
            terms,
            coef: fit.coef.clone(),
            se: fit.se.clone(),
            p: fit.p.clone(),
            deviance: fit.deviance,
            null_deviance: fit.null_deviance,
            iterations: fit.iterations,
            converged: fit.converged,
            separation: fit.separation,
        }
    }
}

/// The propensity model over the complete cases `rows`: the design's
/// term names, the outcome (1 for the focal group) and the logistic fit.
/// Non-convergence and separation are diagnostics; a model that cannot be
/// fitted, or a group left empty, is an error.
fn propensity(
    cohort: &Cohort,
    conf: &MatchingSection,
    rows: &[usize],
    focal_g: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::result::Result<(Vec<String>, Vec<f64>, logistic::LogisticFit), MatchingError> {
    let (terms, columns) = design(cohort, &conf.covariates, rows);
    let y: Vec<f64> = rows
        .iter()
        .map(|&i| f64::from(u8::from(cohort.group[i] == focal_g)))
        .collect();
    let n_focal = y.iter().filter(|&&v| v == 1.0).count();
    if n_focal == 0 || n_focal == rows.len() {
        return Err(MatchingError("[matching] after leaving out patients with missing covariates, one group is empty; nothing can be matched".into()));
    }
    let fit = logistic::fit(&columns, &y).map_err(|e| {
        MatchingError(format!("[matching] the propensity model cannot be fitted: {e}. Remove constant or redundant covariates from [matching] covariates"))
    })?;
    if !fit.converged {
        diagnostics.push(Diagnostic::warning(
            "matching",
            format!(
                "the propensity model did not converge in {} iterations",
                fit.iterations
            ),
        ));
    }
    if fit.separation {
        diagnostics.push(Diagnostic::warning(
            "matching",
            "the propensity model has fitted probabilities of 0 or 1 (complete or quasi-complete separation): some patients have no counterpart in the other group",
        ));
    }
    Ok((terms, y, fit))
}

/// The group whose members receive matches: `focal` as configured, else
/// the smaller group (the second on a tie).
fn focal_group(cohort: &Cohort, conf: &MatchingSection) -> usize {
    match &conf.focal {
        Some(f) => cohort
            .groups
            .iter()
            .position(|g| &g.value == f)
            .unwrap_or(1),
        None => {
            let n0 = cohort.group.iter().filter(|&&g| g == 0).count();
            let n1 = cohort.group.len() - n0;
            usize::from(n1 <= n0)
        }
    }
}

/// The patients with every covariate and exact variable recorded, and the
/// others counted by group value.
fn complete_cases(
    cohort: &Cohort,
    conf: &MatchingSection,
) -> (Vec<usize>, BTreeMap<String, usize>) {
    // Design matrix over complete cases.
    let n = cohort.ids.len();
    let mut complete = vec![true; n];
    for name in conf.covariates.iter().chain(&conf.exact) {
        let v = &cohort.variables[name];
        for (i, c) in complete.iter_mut().enumerate() {
            let missing = match &v.values {
                Values::Continuous { values, .. } => values[i].is_none(),
                Values::Categorical { codes, .. } => codes[i].is_none(),
            };
            if missing {
                *c = false;
            }
        }
    }
    let rows: Vec<usize> = (0..n).filter(|&i| complete[i]).collect();
    let mut excluded_missing = BTreeMap::new();
    for (g, grp) in cohort.groups.iter().enumerate() {
        let k = (0..n)
            .filter(|&i| !complete[i] && cohort.group[i] == g)
            .count();
        excluded_missing.insert(grp.value.clone(), k);
    }
    (rows, excluded_missing)
}

/// Nearest-neighbour matching within each stratum of the exact variables
/// (one stratum without them): for each of `rows` (complete cases), the
/// indices of its controls.
fn match_in_strata(
    cohort: &Cohort,
    conf: &MatchingSection,
    rows: &[usize],
    distance: &[f64],
    focal: &[bool],
    opts: nn::NearestOptions,
) -> Vec<Vec<usize>> {
    // Strata for exact matching (one stratum when none).
    let key = |i: usize| -> Vec<usize> {
        conf.exact
            .iter()
            .map(|name| match &cohort.variables[name].values {
                Values::Categorical { codes, .. } => {
                    codes[rows[i]].map_or(usize::MAX, |c| c as usize)
                }
                Values::Continuous { values, .. } => {
                    values[rows[i]].map_or(u64::MAX, f64::to_bits) as usize
                }
            })
            .collect()
    };
    let mut strata: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
    if conf.exact.is_empty() {
        // One stratum: no key to build per patient.
        strata.insert(Vec::new(), (0..rows.len()).collect());
    } else {
        for i in 0..rows.len() {
            strata.entry(key(i)).or_default().push(i);
        }
    }
    let mut matches: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut rng = ChaCha8Rng::seed_from_u64(conf.seed);
    for members in strata.values() {
        let d: Vec<f64> = members.iter().map(|&i| distance[i]).collect();
        let f: Vec<bool> = members.iter().map(|&i| focal[i]).collect();
        let order = match conf.order {
            OrderKind::Largest => nn::processing_order(&d, &f, nn::MatchOrder::Largest),
            OrderKind::Smallest => nn::processing_order(&d, &f, nn::MatchOrder::Smallest),
            OrderKind::Data => nn::processing_order(&d, &f, nn::MatchOrder::Data),
            OrderKind::Random => {
                let mut o = nn::processing_order(&d, &f, nn::MatchOrder::Data);
                for k in (1..o.len()).rev() {
                    let j = rng.random_range(0..=k);
                    o.swap(k, j);
                }
                o
            }
        };
        let m = nn::nearest(&d, &f, &order, opts);
        for (local, controls) in m.into_iter().enumerate() {
            matches[members[local]] = controls.into_iter().map(|c| members[c]).collect();
        }
    }
    matches
}

/// The pairs and the unmatched focal patients by id, the matched cohort
/// and its balance (ids copied on one core, cohort and balance on the
/// other).
#[allow(clippy::type_complexity)]
fn matched_cohort(
    cohort: &Cohort,
    conf: &MatchingSection,
    rows: &[usize],
    pair_rows: &[(usize, usize, usize, f64)],
    unmatched_rows: &[usize],
    in_matched: &[bool],
    matched_idx: &[usize],
) -> (Vec<Pair>, Vec<String>, Cohort, Vec<BalanceRow>) {
    let ((pairs, unmatched_focal), (matched, balance)) = rayon::join(
        || {
            let pairs: Vec<Pair> = pair_rows
                .iter()
                .map(|&(pair, fi, ci, distance)| Pair {
                    pair,
                    focal: cohort.ids[fi].clone(),
                    control: cohort.ids[ci].clone(),
                    distance,
                })
                .collect();
            let unmatched: Vec<String> = unmatched_rows
                .iter()
                .map(|&fi| cohort.ids[fi].clone())
                .collect();
            (pairs, unmatched)
        },
        || {
            let matched = cohort.subset(matched_idx);
            let balance = balance::compute(
                cohort,
                rows,
                in_matched,
                &conf.covariates,
                conf.smd_denominator,
            );
            (matched, balance)
        },
    );
    (pairs, unmatched_focal, matched, balance)
}

/// The match as pairs over the cohort's patients.
struct Paired {
    /// (pair number, focal patient, control patient, distance).
    pair_rows: Vec<(usize, usize, usize, f64)>,
    /// Focal patients without a match.
    unmatched_rows: Vec<usize>,
    /// Whether each cohort patient is in the matched cohort.
    in_matched: Vec<bool>,
    /// Pair number of each cohort patient (0: none; a control reused with
    /// replacement keeps its first pair).
    pair_by_patient: Vec<usize>,
}

/// Numbers the pairs (1, 2, ... in focal order) of `matches` (per
/// complete case, its controls), over the `n` cohort patients.
fn pair_up(
    matches: &[Vec<usize>],
    focal: &[bool],
    rows: &[usize],
    distance: &[f64],
    n: usize,
) -> Paired {
    let mut pair_rows: Vec<(usize, usize, usize, f64)> = Vec::new();
    let mut unmatched_rows = Vec::new();
    let mut in_matched = vec![false; n];
    // Pair number of each cohort patient (0: none).
    let mut pair_by_patient = vec![0usize; n];
    let mut pair_no = 0;
    for (i, controls) in matches.iter().enumerate() {
        if !focal[i] {
            continue;
        }
        let fi = rows[i];
        if controls.is_empty() {
            unmatched_rows.push(fi);
            continue;
        }
        pair_no += 1;
        in_matched[fi] = true;
        pair_by_patient[fi] = pair_no;
        for &c in controls {
            let ci = rows[c];
            in_matched[ci] = true;
            if pair_by_patient[ci] == 0 {
                pair_by_patient[ci] = pair_no;
            }
            pair_rows.push((pair_no, fi, ci, (distance[i] - distance[c]).abs()));
        }
    }
    Paired {
        pair_rows,
        unmatched_rows,
        in_matched,
        pair_by_patient,
    }
}

/// Design columns for the covariates over `rows`: an intercept, each
/// continuous variable, and a 0/1 dummy for each categorical level but the
/// first present one (treatment contrasts, R's default).
fn design(cohort: &Cohort, covariates: &[String], rows: &[usize]) -> (Vec<String>, Vec<Vec<f64>>) {
    // Each covariate's columns built on its own core, kept in order.
    let per_covariate: Vec<Vec<(String, Vec<f64>)>> = covariates
        .par_iter()
        .map(|name| match &cohort.variables[name].values {
            Values::Continuous { values, .. } => vec![(
                name.clone(),
                rows.iter().map(|&i| values[i].unwrap_or(0.0)).collect(),
            )],
            Values::Categorical { levels, codes, .. } => {
                let present: Vec<usize> = (0..levels.len())
                    .filter(|&k| rows.iter().any(|&i| codes[i] == code(k)))
                    .collect();
                present
                    .iter()
                    .skip(1)
                    .map(|&k| {
                        (
                            format!("{name}[{}]", levels[k]),
                            rows.iter()
                                .map(|&i| f64::from(u8::from(codes[i] == code(k))))
                                .collect(),
                        )
                    })
                    .collect()
            }
        })
        .collect();
    let mut terms = vec!["(Intercept)".to_string()];
    let mut columns = vec![vec![1.0; rows.len()]];
    for (term, column) in per_covariate.into_iter().flatten() {
        terms.push(term);
        columns.push(column);
    }
    (terms, columns)
}
