//! Cumulative incidence of a competing-risks endpoint by group: the
//! Aalen-Johansen estimate of the event of interest (and of the competing
//! event) with its infinitesimal-jackknife SE, log-scale limits and the
//! incidence at the landmarks (see [`crate::stats::competing`]). A
//! competing-risks endpoint is never summarized by 1 - Kaplan-Meier.

use super::survival::conf;
use crate::config::{Endpoint, SurvivalSection};
use crate::stats::competing;
use crate::stats::kaplan_meier::{confidence_limits, z_value};
use serde::Serialize;

/// The incidence at one landmark.
#[derive(Debug, Clone, Serialize)]
pub struct IncidenceAt {
    /// Time.
    pub time: f64,
    /// Cumulative incidence of the event (0-1).
    pub incidence: f64,
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
    /// Cumulative incidence of the competing event.
    pub competing: f64,
}

/// One group's cumulative incidence curves.
#[derive(Debug, Clone, Serialize)]
pub struct CifResult {
    /// Endpoint id.
    pub endpoint: String,
    /// Group value.
    pub group: String,
    /// Patients.
    pub n: usize,
    /// Events of interest.
    pub events: usize,
    /// Competing events.
    pub competing_events: usize,
    /// Distinct times.
    pub time: Vec<f64>,
    /// At risk before each time.
    pub n_risk: Vec<usize>,
    /// Incidence of the event after each time.
    pub incidence: Vec<f64>,
    /// Its infinitesimal-jackknife SE.
    pub std_err: Vec<f64>,
    /// Lower limits.
    pub lower: Vec<Option<f64>>,
    /// Upper limits.
    pub upper: Vec<Option<f64>>,
    /// Incidence of the competing event after each time.
    pub competing: Vec<f64>,
    /// At the endpoint's landmarks.
    pub landmarks: Vec<IncidenceAt>,
}

/// The causes as the competing-risks kernels read them: 1 the event, 2 a
/// competing event, 0 censored.
pub(super) fn cause_codes(event: &[bool], competing: &[bool]) -> Vec<u8> {
    event
        .iter()
        .zip(competing)
        .map(|(&ev, &c)| if ev { 1 } else { 2 * u8::from(c) })
        .collect()
}

/// One group's curves from its times, events, competing events and (a
/// weighted population) weights.
pub(super) fn compute(
    e: &Endpoint,
    group: &str,
    (time, event, competing): (&[f64], &[bool], &[bool]),
    weights: Option<&[f64]>,
    conf_s: &SurvivalSection,
) -> CifResult {
    let cause = cause_codes(event, competing);
    let ci = competing::aalen_johansen_weighted(time, &cause, 2, weights);
    let (ct, z) = (conf(conf_s.conf_type), z_value(conf_s.conf_level));
    // survfit's limits of an incidence: its SE over the estimate on the log
    // scale (none where the incidence is 0).
    let limits = |p: f64, se: f64| confidence_limits(p, (p > 0.0).then(|| se / p), ct, z);
    let (lower, upper): (Vec<_>, Vec<_>) = ci.cif[0]
        .iter()
        .zip(&ci.std_err[0])
        .map(|(&p, &se)| limits(p, se))
        .unzip();
    let landmarks = e
        .landmarks
        .iter()
        .map(|&t| {
            let k = ci.time.partition_point(|&x| x <= t);
            let (p, se, c) = if k == 0 {
                (0.0, 0.0, 0.0)
            } else {
                (ci.cif[0][k - 1], ci.std_err[0][k - 1], ci.cif[1][k - 1])
            };
            let (lower, upper) = limits(p, se);
            IncidenceAt {
                time: t,
                incidence: p,
                lower,
                upper,
                competing: c,
            }
        })
        .collect();
    CifResult {
        endpoint: e.id.clone(),
        group: group.to_string(),
        n: time.len(),
        events: cause.iter().filter(|&&c| c == 1).count(),
        competing_events: cause.iter().filter(|&&c| c == 2).count(),
        time: ci.time,
        n_risk: ci.n_risk,
        incidence: ci.cif[0].clone(),
        std_err: ci.std_err[0].clone(),
        lower,
        upper,
        competing: ci.cif[1].clone(),
        landmarks,
    }
}

/// One group's Fine-Gray subdistribution hazard ratio against the reference.
#[derive(Debug, Clone, Serialize)]
pub struct FineGrayTerm {
    /// The group compared (value).
    pub group: String,
    /// Log subdistribution hazard ratio.
    pub coef: f64,
    /// Its sandwich SE.
    pub se: f64,
    /// Subdistribution hazard ratio.
    pub hr: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
    /// Wald p.
    pub p: f64,
}

/// The Fine-Gray model of the treatment for one competing-risks endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct FineGrayResult {
    /// Endpoint id.
    pub endpoint: String,
    /// One term per non-reference group.
    pub terms: Vec<FineGrayTerm>,
    /// Whether crr's convergence rule was met.
    pub converged: bool,
}

/// The treatment's Fine-Gray model (`cmprsk::crr` of the group dummies),
/// or none (with the reason) when it cannot be fitted.
pub(super) fn fine_gray(
    e: &Endpoint,
    groups: &[crate::cohort::Group],
    (time, event, competing, group): (&[f64], &[bool], &[bool], &[usize]),
    conf_s: &SurvivalSection,
) -> Result<FineGrayResult, String> {
    let cause = cause_codes(event, competing);
    let columns: Vec<Vec<f64>> = (1..groups.len())
        .map(|g| group.iter().map(|&x| f64::from(u8::from(x == g))).collect())
        .collect();
    let fit =
        crate::stats::fine_gray::fit(time, &cause, &columns).map_err(|err| err.to_string())?;
    let z = z_value(conf_s.conf_level);
    Ok(FineGrayResult {
        endpoint: e.id.clone(),
        terms: (1..groups.len())
            .map(|g| {
                let (b, se) = (fit.coef[g - 1], fit.se[g - 1]);
                FineGrayTerm {
                    group: groups[g].value.clone(),
                    coef: b,
                    se,
                    hr: b.exp(),
                    lower: (b - z * se).exp(),
                    upper: (b + z * se).exp(),
                    p: fit.p[g - 1],
                }
            })
            .collect(),
        converged: fit.converged,
    })
}

/// Gray's test of one competing-risks endpoint: its event, and the
/// competing event.
#[derive(Debug, Clone, Serialize)]
pub struct GrayResult {
    /// Endpoint id.
    pub endpoint: String,
    /// Chi-square of the event's incidence.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// p of the event's incidence.
    pub p: f64,
    /// p of the competing event's incidence.
    pub competing_p: Option<f64>,
}

/// Gray's test of the groups' incidences of the event (and of the
/// competing event); none when its variance is singular.
pub(super) fn gray(
    e: &Endpoint,
    groups: usize,
    (time, event, competing, group): (&[f64], &[bool], &[bool], &[usize]),
) -> Option<GrayResult> {
    let code = |of_event: bool| -> Vec<u8> {
        event
            .iter()
            .zip(competing)
            .map(|(&ev, &c)| match (ev, c) {
                (true, _) => 2 - u8::from(of_event),
                (false, true) => 1 + u8::from(of_event),
                _ => 0,
            })
            .collect()
    };
    let own = crate::stats::gray::test(time, &code(true), group, groups)?;
    let other = crate::stats::gray::test(time, &code(false), group, groups);
    Some(GrayResult {
        endpoint: e.id.clone(),
        statistic: own.statistic,
        df: own.df,
        p: own.p,
        competing_p: other.map(|t| t.p),
    })
}

/// The cause-specific hazard ratios of a competing-risks endpoint (the
/// treatment's Cox model with the competing event censored), as a record
/// of their own beside the Fine-Gray ones.
#[derive(Debug, Clone, Serialize)]
pub struct CauseSpecificResult {
    /// Endpoint id.
    pub endpoint: String,
    /// The model's terms (one per non-reference group).
    pub terms: Vec<crate::analysis::survival::CoxTerm>,
    /// Which variance ("model", "robust", "robust (cluster: matched pair)").
    pub variance: String,
}
