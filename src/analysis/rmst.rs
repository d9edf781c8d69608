//! Restricted mean survival time per group and its contrasts between
//! groups (see [`crate::stats::rmst`]) or, for a competing-risks endpoint,
//! the restricted mean time lost to its event (the area under its
//! incidence), and the follow-up of each group by the reverse Kaplan-Meier
//! method (STROBE item 14c).

use super::survival::{KmResult, conf};
use crate::config::{Endpoint, SurvivalSection};
use crate::stats::kaplan_meier;
use crate::stats::rmst::{self, Rmst};
use serde::Serialize;

/// One group's RMST.
#[derive(Debug, Clone, Serialize)]
pub struct RmstGroup {
    /// Group value.
    pub group: String,
    /// RMST up to tau.
    pub rmst: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// A contrast with its interval and p.
#[derive(Debug, Clone, Serialize)]
pub struct ContrastResult {
    /// Estimate.
    pub estimate: f64,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
    /// Two-sided p.
    pub p: f64,
}

/// One group against the reference group.
#[derive(Debug, Clone, Serialize)]
pub struct RmstContrast {
    /// The group compared (value).
    pub group: String,
    /// The reference group (value).
    pub reference: String,
    /// RMST difference, group minus reference.
    pub difference: ContrastResult,
    /// RMST ratio, group over reference.
    pub ratio: ContrastResult,
}

/// The RMST of one endpoint in one population.
#[derive(Debug, Clone, Serialize)]
pub struct RmstResult {
    /// Endpoint id.
    pub endpoint: String,
    /// The horizon.
    pub tau: f64,
    /// How tau was chosen: "configured", "largest landmark within follow-up"
    /// or "shortest group follow-up".
    pub tau_rule: String,
    /// "survival" (the area under the Kaplan-Meier curve) or, for a
    /// competing-risks endpoint, "lost" (the restricted mean time lost to
    /// the event: the area under its cumulative incidence).
    pub measure: String,
    /// Per group.
    pub groups: Vec<RmstGroup>,
    /// Each non-reference group against the reference.
    pub contrasts: Vec<RmstContrast>,
}

/// The horizon: `rmst-tau` when configured, else the largest landmark not
/// beyond the shortest group's follow-up, else that follow-up.
fn horizon(e: &Endpoint, curves: &[&KmResult]) -> Option<(f64, &'static str)> {
    if let Some(tau) = e.rmst_tau {
        return Some((tau, "configured"));
    }
    let shortest = curves
        .iter()
        .map(|k| k.time.last().copied())
        .collect::<Option<Vec<f64>>>()?
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    if !shortest.is_finite() || shortest <= 0.0 {
        return None;
    }
    match e
        .landmarks
        .iter()
        .copied()
        .filter(|&l| l > 0.0 && l <= shortest)
        .reduce(f64::max)
    {
        Some(l) => Some((l, "largest landmark within follow-up")),
        None => Some((shortest, "shortest group follow-up")),
    }
}

/// One group's follow-up: its value, times, events and (a weighted
/// population) weights.
pub(super) struct GroupData {
    pub(super) group: String,
    pub(super) time: Vec<f64>,
    pub(super) event: Vec<bool>,
    /// Competing events (all false without competing values).
    pub(super) competing: Vec<bool>,
    pub(super) weights: Option<Vec<f64>>,
}

/// The RMST of one group's curve: Uno's variance, or for a weighted curve
/// the infinitesimal-jackknife variance of its influence (R's survfit
/// influence integrated to tau; the frequency-weight formula survfit
/// prints would treat the weights as replicated patients).
fn of_curve(k: &KmResult, data: &GroupData, tau: f64, lost: bool) -> Rmst {
    if lost {
        // The time lost to the event: the area under its incidence.
        let cause = super::incidence::cause_codes(&data.event, &data.competing);
        let (estimate, se) = crate::stats::competing::restricted_mean_lost(
            &data.time,
            &cause,
            2,
            1,
            tau,
            data.weights.as_deref(),
        );
        return Rmst { tau, estimate, se };
    }
    match (&k.weighted, &data.weights) {
        (Some(wc), Some(w)) => Rmst {
            se: kaplan_meier::rmst_se_ij(&data.time, &data.event, w, tau),
            ..rmst::rmst(&k.time, &k.surv, &wc.n_risk, &wc.n_event, tau)
        },
        _ => {
            let f = |v: &[usize]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
            rmst::rmst(&k.time, &k.surv, &f(&k.n_risk), &f(&k.n_event), tau)
        }
    }
}

fn contrast(c: rmst::Contrast) -> ContrastResult {
    ContrastResult {
        estimate: c.estimate,
        lower: c.lower,
        upper: c.upper,
        p: c.p,
    }
}

/// The RMST of every group of `curves` (one endpoint, group order) and
/// each group's contrasts with the first; none without a usable horizon.
pub(super) fn compute(
    e: &Endpoint,
    curves: &[&KmResult],
    data: &[GroupData],
    conf_s: &SurvivalSection,
) -> Option<RmstResult> {
    let (tau, rule) = horizon(e, curves)?;
    let z = kaplan_meier::z_value(conf_s.conf_level);
    let values: Vec<Rmst> = curves
        .iter()
        .zip(data)
        .map(|(k, d)| of_curve(k, d, tau, e.is_competing()))
        .collect();
    let groups = curves
        .iter()
        .zip(&values)
        .map(|(k, r)| RmstGroup {
            group: k.group.clone(),
            rmst: r.estimate,
            se: r.se,
            lower: r.estimate - z * r.se,
            upper: r.estimate + z * r.se,
        })
        .collect();
    let contrasts = curves
        .iter()
        .zip(&values)
        .skip(1)
        .map(|(k, r)| (k, r, rmst::difference(r, &values[0], conf_s.conf_level)))
        // Without variance (no event before tau in either group) there is
        // nothing to test: the caller says so.
        .filter(|(_, _, d)| d.p.is_finite())
        .map(|(k, r, d)| RmstContrast {
            group: k.group.clone(),
            reference: curves[0].group.clone(),
            difference: contrast(d),
            ratio: contrast(rmst::ratio(r, &values[0], conf_s.conf_level)),
        })
        .collect();
    Some(RmstResult {
        endpoint: e.id.clone(),
        tau,
        tau_rule: rule.into(),
        measure: if e.is_competing() { "lost" } else { "survival" }.into(),
        groups,
        contrasts,
    })
}

/// One group's median follow-up.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpGroup {
    /// Group value.
    pub group: String,
    /// Median follow-up by the reverse Kaplan-Meier method; none when the
    /// reverse curve never reaches one half.
    pub median: Option<f64>,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
}

/// The follow-up of one endpoint's groups.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpResult {
    /// Endpoint id.
    pub endpoint: String,
    /// Per group.
    pub groups: Vec<FollowUpGroup>,
}

/// The reverse Kaplan-Meier median (censoring as the event) of each group.
pub(super) fn follow_up(
    e: &Endpoint,
    groups: &[GroupData],
    conf_s: &SurvivalSection,
) -> FollowUpResult {
    let ct = conf(conf_s.conf_type);
    FollowUpResult {
        endpoint: e.id.clone(),
        groups: groups
            .iter()
            .map(|g| {
                let reverse: Vec<bool> = g.event.iter().map(|x| !x).collect();
                let q =
                    kaplan_meier::fit(&g.time, &reverse).quantiles(&[0.5], ct, conf_s.conf_level)
                        [0];
                FollowUpGroup {
                    group: g.group.clone(),
                    median: q.estimate,
                    lower: q.lower,
                    upper: q.upper,
                }
            })
            .collect(),
    }
}
