//! Survival by group for each endpoint and cohort: Kaplan-Meier curves
//! with landmark rates and medians, the log-rank test, and the Cox hazard
//! ratio of the treatment (robust variance clustered on matched pairs after
//! matching, as Austin 2013 recommends).

use super::incidence::{self, CauseSpecificResult, CifResult, FineGrayResult, GrayResult};
use super::rmst::{FollowUpResult, RmstResult};
use super::{Diagnostic, curves, rmst, treatment_cox};
use crate::cohort::Population;
use crate::config::{ConfTypeKind, Endpoint, SurvivalSection, TiesKind};
use crate::stats::cox;
use crate::stats::kaplan_meier::ConfType;
use crate::stats::log_rank;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// A median (or other quantile) with its confidence limits.
#[derive(Debug, Clone, Serialize)]
pub struct MedianResult {
    /// Estimate; `None` when the curve never reaches 0.5.
    pub estimate: Option<f64>,
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
}

/// Survival at one landmark time.
#[derive(Debug, Clone, Serialize)]
pub struct LandmarkResult {
    /// Time.
    pub time: f64,
    /// Survival probability (0-1).
    pub surv: f64,
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
    /// Patients still at risk.
    pub n_risk: usize,
    /// Weighted number still at risk (a weighted population).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_risk_weighted: Option<f64>,
}

/// One Kaplan-Meier curve.
#[derive(Debug, Clone, Serialize)]
pub struct KmResult {
    /// Endpoint id.
    pub endpoint: String,
    /// Group value.
    pub group: String,
    /// Distinct times.
    pub time: Vec<f64>,
    /// At risk before each time.
    pub n_risk: Vec<usize>,
    /// Events at each time.
    pub n_event: Vec<usize>,
    /// Censored at each time.
    pub n_censor: Vec<usize>,
    /// Survival after each time.
    pub surv: Vec<f64>,
    /// SE of -log S, the cumulative hazard scale (R's `std.err` of an
    /// unweighted curve; for a weighted one, R's `std.err / surv`).
    pub std_err: Vec<Option<f64>>,
    /// Lower confidence limits.
    pub lower: Vec<Option<f64>>,
    /// Upper confidence limits.
    pub upper: Vec<Option<f64>>,
    /// CI transformation.
    pub conf_type: ConfTypeKind,
    /// Median survival.
    pub median: MedianResult,
    /// Survival at the endpoint's landmarks.
    pub landmarks: Vec<LandmarkResult>,
    /// Patients and events.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// A weighted population's weighted counts (the counts above stay
    /// numbers of patients); absent for an unweighted one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighted: Option<WeightedCounts>,
}

/// The weighted numbers of a weighted Kaplan-Meier curve.
#[derive(Debug, Clone, Serialize)]
pub struct WeightedCounts {
    /// Weighted number at risk before each time.
    pub n_risk: Vec<f64>,
    /// Weighted events at each time.
    pub n_event: Vec<f64>,
    /// Weighted censorings at each time.
    pub n_censor: Vec<f64>,
    /// R's `std.err`: the infinitesimal-jackknife SE of S (non-integer
    /// weights) or Greenwood's SE of -log S (integer weights).
    pub std_err_r: Vec<Option<f64>>,
    /// Sum of the weights.
    pub n: f64,
    /// Sum of the events' weights.
    pub events: f64,
}

/// A log-rank test.
#[derive(Debug, Clone, Serialize)]
pub struct LogRankResult {
    /// Endpoint id.
    pub endpoint: String,
    /// Chi-square.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// p-value (`None` when df = 0).
    pub p: Option<f64>,
    /// Observed events by group.
    pub observed: BTreeMap<String, f64>,
    /// Expected events by group.
    pub expected: BTreeMap<String, f64>,
}

/// One term of a Cox model.
#[derive(Debug, Clone, Serialize)]
pub struct CoxTerm {
    /// Term name (`treatment[TA]`).
    pub term: String,
    /// Variable.
    pub variable: String,
    /// Level compared with the reference.
    pub level: Option<String>,
    /// Log hazard ratio.
    pub coef: f64,
    /// Model-based SE.
    pub se: f64,
    /// Robust SE (when used).
    pub robust_se: Option<f64>,
    /// Hazard ratio; `None` when not estimable (monotone likelihood).
    pub hr: Option<f64>,
    /// Lower confidence limit of the HR.
    pub lower: Option<f64>,
    /// Upper confidence limit of the HR.
    pub upper: Option<f64>,
    /// Wald z.
    pub z: f64,
    /// Wald p.
    pub p: Option<f64>,
}

/// A likelihood-ratio, Wald or score test.
#[derive(Debug, Clone, Serialize)]
pub struct TestStat {
    /// Statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// p-value.
    pub p: f64,
}

/// A Cox model.
#[derive(Debug, Clone, Serialize)]
pub struct CoxResult {
    /// Endpoint id.
    pub endpoint: String,
    /// "treatment" ("cause-specific" for a competing-risks endpoint),
    /// "univariable", "multivariable" or "adjusted".
    pub model: String,
    /// Ties method.
    pub ties: TiesKind,
    /// "model" or "robust (cluster: matched pair)".
    pub variance: String,
    /// Patients in the model.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// Terms.
    pub terms: Vec<CoxTerm>,
    /// Log partial likelihood at 0 and at the estimate.
    pub loglik: [f64; 2],
    /// Likelihood-ratio test.
    pub lr_test: TestStat,
    /// Wald test.
    pub wald_test: TestStat,
    /// Score (log-rank) test.
    pub score_test: TestStat,
    /// Newton-Raphson iterations.
    pub iterations: usize,
    /// Converged.
    pub converged: bool,
    /// Harrell's C of the linear predictor, with its standard error.
    pub concordance: Option<ConcordanceResult>,
    /// Proportional-hazards tests (cox.zph, KM transform): per term, then GLOBAL.
    pub zph: Vec<ZphRow>,
}

impl CoxResult {
    /// The reported model of `fit` (`model` "treatment", "univariable" or
    /// "multivariable"), without concordance or proportional-hazards tests.
    pub(crate) fn of_fit(
        endpoint: &str,
        model: &str,
        ties: TiesKind,
        variance: String,
        fit: &cox::CoxFit,
        terms: Vec<CoxTerm>,
    ) -> CoxResult {
        CoxResult {
            endpoint: endpoint.to_string(),
            model: model.into(),
            ties,
            variance,
            n: fit.n,
            events: fit.events,
            terms,
            loglik: [fit.loglik_null, fit.loglik],
            lr_test: test_stat(fit.lr_test),
            wald_test: test_stat(fit.wald_test),
            score_test: test_stat(fit.score_test),
            iterations: fit.iterations,
            converged: fit.converged,
            concordance: None,
            zph: Vec::new(),
        }
    }
}

/// Harrell's C.
#[derive(Debug, Clone, Serialize)]
pub struct ConcordanceResult {
    /// C statistic.
    pub concordance: f64,
    /// Standard error (infinitesimal jackknife; clustered on pairs after matching).
    pub std: f64,
    /// Concordant pairs.
    pub concordant: f64,
    /// Discordant pairs.
    pub discordant: f64,
    /// Comparable pairs tied on the score.
    pub tied_x: f64,
    /// Event pairs tied on time.
    pub tied_y: f64,
    /// Event pairs tied on both.
    pub tied_xy: f64,
}

/// One row of the proportional-hazards test.
#[derive(Debug, Clone, Serialize)]
pub struct ZphRow {
    /// Term ("treatment") or "GLOBAL".
    pub term: String,
    /// Chi-square.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// p-value.
    pub p: f64,
}

/// Everything survival computed for one cohort.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SurvivalResults {
    /// Curves.
    pub km: Vec<KmResult>,
    /// Log-rank tests.
    pub logrank: Vec<LogRankResult>,
    /// Cox models.
    pub cox: Vec<CoxResult>,
    /// Restricted mean survival time per endpoint.
    pub rmst: Vec<RmstResult>,
    /// Median follow-up per endpoint (unweighted populations).
    pub follow_up: Vec<FollowUpResult>,
    /// Cumulative incidence per competing-risks endpoint and group;
    /// absent without such an endpoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cif: Vec<CifResult>,
    /// The Fine-Gray model of the treatment per competing-risks endpoint
    /// (unweighted populations; crr takes no weights).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fine_gray: Vec<FineGrayResult>,
    /// Gray's test per competing-risks endpoint (unweighted populations).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gray: Vec<GrayResult>,
    /// The cause-specific hazard ratios per competing-risks endpoint (the
    /// same model as its entry in `cox`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cause_specific: Vec<CauseSpecificResult>,
}

pub(crate) fn conf(kind: ConfTypeKind) -> ConfType {
    match kind {
        ConfTypeKind::Log => ConfType::Log,
        ConfTypeKind::LogLog => ConfType::LogLog,
        ConfTypeKind::Plain => ConfType::Plain,
    }
}

pub(crate) fn test_stat(t: cox::ChiSquareTest) -> TestStat {
    TestStat {
        statistic: t.statistic,
        df: t.df,
        p: t.p,
    }
}

/// Analyses every endpoint in the population `pop`; in a clustered
/// (matched) population the hazard ratios' variance is clustered on the
/// pairs when `matched-variance = "robust-pairs"`.
pub fn compute(
    pop: &Population<'_>,
    endpoints: &[Endpoint],
    conf_s: &SurvivalSection,
    diagnostics: &mut Vec<Diagnostic>,
) -> SurvivalResults {
    // Endpoints are independent: analysed in parallel, their curves, tests
    // and diagnostics kept in config order.
    let mut out = SurvivalResults::default();
    let parts: Vec<_> = endpoints
        .par_iter()
        .map(|e| endpoint(pop, e, conf_s))
        .collect();
    for (part, d) in parts {
        out.km.extend(part.km);
        out.logrank.extend(part.logrank);
        out.cox.extend(part.cox);
        out.rmst.extend(part.rmst);
        out.follow_up.extend(part.follow_up);
        out.cif.extend(part.cif);
        out.fine_gray.extend(part.fine_gray);
        out.gray.extend(part.gray);
        out.cause_specific.extend(part.cause_specific);
        diagnostics.extend(d);
    }
    out
}

/// One endpoint in `pop`: Kaplan-Meier curves by group, the log-rank test
/// and the treatment's Cox model, with their diagnostics.
fn endpoint(
    pop: &Population<'_>,
    e: &Endpoint,
    conf_s: &SurvivalSection,
) -> (SurvivalResults, Vec<Diagnostic>) {
    let (cohort, cohort_name) = (pop.cohort, pop.id.as_str());
    let k = cohort.groups.len();
    let mut out = SurvivalResults::default();
    let mut diagnostics = Vec::new();
    let diagnostics = &mut diagnostics;
    let Some(values) = cohort.endpoints.get(&e.id) else {
        return (out, std::mem::take(diagnostics));
    };
    let rows = values.usable();
    let missing = cohort.ids.len() - rows.len();
    if missing > 0 {
        diagnostics.push(Diagnostic::warning(
            "survival",
            format!("{} ({cohort_name}): {missing} patients without follow-up time or status were left out", e.label),
        ));
    }
    let time: Vec<f64> = rows
        .iter()
        .map(|&i| values.time[i].unwrap_or(0.0))
        .collect();
    let event: Vec<bool> = rows
        .iter()
        .map(|&i| values.event[i].unwrap_or(false))
        .collect();
    let group: Vec<usize> = rows.iter().map(|&i| cohort.group[i]).collect();
    // Weights of 1 are no weights: such a population is analysed as is.
    let w: Option<Vec<f64>> = pop
        .weights
        .as_deref()
        .filter(|_| !pop.is_unweighted())
        .map(|w| rows.iter().map(|&i| w[i]).collect());
    if !event.iter().any(|&x| x) {
        diagnostics.push(Diagnostic::warning(
            "survival",
            format!("{} ({cohort_name}): no events; survival stays at 100% and no test or hazard ratio can be computed", e.label),
        ));
    }
    let mut by_group = Vec::with_capacity(k);
    for (g, grp) in cohort.groups.iter().enumerate() {
        let idx: Vec<usize> = (0..rows.len()).filter(|&i| group[i] == g).collect();
        let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
        let ev: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
        let wg: Option<Vec<f64>> = w.as_ref().map(|w| idx.iter().map(|&i| w[i]).collect());
        out.km.push(match &wg {
            Some(wg) => {
                let robust = w.iter().flatten().any(|x| x.fract() != 0.0);
                curves::weighted(e, &grp.value, (&t, &ev, wg), robust, conf_s)
            }
            None => curves::unweighted(e, &grp.value, &t, &ev, conf_s),
        });
        let c: Vec<bool> = idx.iter().map(|&i| values.competing[rows[i]]).collect();
        // A competing-risks endpoint: its incidence.
        if e.is_competing() {
            let curve = incidence::compute(e, &grp.value, (&t, &ev, &c), wg.as_deref(), conf_s);
            out.cif.push(curve);
        }
        by_group.push(rmst::GroupData {
            group: grp.value.clone(),
            time: t,
            event: ev,
            competing: c,
            weights: wg,
        });
    }
    let curves: Vec<&KmResult> = out.km.iter().collect();
    if let Some(r) = rmst::compute(e, &curves, &by_group, conf_s) {
        if r.contrasts.len() + 1 < r.groups.len() {
            diagnostics.push(Diagnostic::note(
                "survival",
                format!("{} ({cohort_name}): the restricted mean survival times have no variance (no event before the horizon); they are not compared", e.label),
            ));
        }
        out.rmst.push(r);
    }
    if e.is_competing() && w.is_none() {
        let competing: Vec<bool> = rows.iter().map(|&i| values.competing[i]).collect();
        let follow = (&time[..], &event[..], &competing[..], &group[..]);
        out.gray
            .extend(incidence::gray(e, cohort.groups.len(), follow));
        match incidence::fine_gray(e, &cohort.groups, follow, conf_s) {
            Ok(fg) => out.fine_gray.push(fg),
            Err(err) => diagnostics.push(Diagnostic::warning(
                "survival",
                format!("{} ({cohort_name}): no Fine-Gray model: {err}", e.label),
            )),
        }
    }
    // Follow-up describes the patients, so the unweighted populations only.
    if w.is_none() {
        out.follow_up.push(rmst::follow_up(e, &by_group, conf_s));
    }
    // R's survdiff takes no weights: a weighted population has no log-rank
    // test (its comparison is the weighted Cox model's robust Wald test).
    if w.is_none() {
        out.logrank
            .push(log_rank_result(e, cohort, &time, &event, &group, k));
    }
    let follow = FollowUp {
        time: &time,
        event: &event,
        group: &group,
        weights: w.as_deref(),
    };
    if let Some(cox) = treatment_cox::fit(pop, e, conf_s, rows, &follow, diagnostics) {
        if e.is_competing() {
            out.cause_specific.push(CauseSpecificResult {
                endpoint: e.id.clone(),
                terms: cox.terms.clone(),
                variance: cox.variance.clone(),
            });
        }
        out.cox.push(cox);
    }
    (out, std::mem::take(diagnostics))
}

/// One endpoint's usable follow-up in a population: time, status, group
/// and (a weighted population) weight of each patient.
pub(super) struct FollowUp<'a> {
    pub(super) time: &'a [f64],
    pub(super) event: &'a [bool],
    pub(super) group: &'a [usize],
    pub(super) weights: Option<&'a [f64]>,
}

/// The log-rank test of the groups.
fn log_rank_result(
    e: &Endpoint,
    cohort: &crate::cohort::Cohort,
    time: &[f64],
    event: &[bool],
    group: &[usize],
    k: usize,
) -> LogRankResult {
    let lr = log_rank::test(time, event, group, k, None, 0.0);
    LogRankResult {
        endpoint: e.id.clone(),
        chisq: lr.chisq,
        df: lr.df,
        p: lr.p,
        observed: cohort
            .groups
            .iter()
            .zip(&lr.observed)
            .map(|(g, o)| (g.value.clone(), *o))
            .collect(),
        expected: cohort
            .groups
            .iter()
            .zip(&lr.expected)
            .map(|(g, x)| (g.value.clone(), *x))
            .collect(),
    }
}
