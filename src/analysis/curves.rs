//! One group's Kaplan-Meier curve with its limits, median and landmark
//! rates: unweighted (R's `survfit`, Greenwood), or with case weights (R's
//! `survfit(weights = w)`, whose SE for non-integer weights is the
//! infinitesimal jackknife).

use super::survival::{KmResult, LandmarkResult, MedianResult, WeightedCounts, conf};
use crate::config::{Endpoint, SurvivalSection};
use crate::stats::kaplan_meier::{self, KaplanMeier};

/// The Kaplan-Meier curve of one group (times `t`, events `ev`) with its
/// limits, median and landmark rates.
pub(super) fn unweighted(
    e: &Endpoint,
    group: &str,
    t: &[f64],
    ev: &[bool],
    conf_s: &SurvivalSection,
) -> KmResult {
    of_curve(e, group, ev, kaplan_meier::fit(t, ev), conf_s)
}

/// The reported curve of `km` (patients' events `ev`): limits, median and
/// landmark rates.
fn of_curve(
    e: &Endpoint,
    group: &str,
    ev: &[bool],
    km: KaplanMeier,
    conf_s: &SurvivalSection,
) -> KmResult {
    let ct = conf(conf_s.conf_type);
    let (lower, upper) = km.limits(ct, conf_s.conf_level);
    let q = km.quantiles(&[0.5], ct, conf_s.conf_level);
    let landmarks = e
        .landmarks
        .iter()
        .map(|&lt| {
            let a = km.at(lt, ct, conf_s.conf_level);
            LandmarkResult {
                time: lt,
                surv: a.surv,
                lower: a.lower,
                upper: a.upper,
                n_risk: a.n_risk,
                n_risk_weighted: None,
            }
        })
        .collect();
    KmResult {
        endpoint: e.id.clone(),
        group: group.to_string(),
        n: ev.len(),
        events: ev.iter().filter(|&&x| x).count(),
        time: km.time,
        n_risk: km.n_risk,
        n_event: km.n_event,
        n_censor: km.n_censor,
        surv: km.surv,
        std_err: km.std_err,
        lower,
        upper,
        conf_type: conf_s.conf_type,
        median: MedianResult {
            estimate: q[0].estimate,
            lower: q[0].lower,
            upper: q[0].upper,
        },
        landmarks,
        weighted: None,
    }
}

/// The weighted curve of one group (times `t`, events `ev`, weights `w`):
/// survival, limits, median and landmarks as [`unweighted`]'s from the
/// weighted estimate (its `curve()`, whose SE is on the -log S scale);
/// counts of patients beside the weighted counts. The SE is the
/// infinitesimal jackknife's when `robust` (R's choice when any weight of
/// the population is not an integer).
pub(super) fn weighted(
    e: &Endpoint,
    group: &str,
    (t, ev, w): (&[f64], &[bool], &[f64]),
    robust: bool,
    conf_s: &SurvivalSection,
) -> KmResult {
    let wkm = kaplan_meier::fit_weighted(t, ev, w, robust);
    let mut out = of_curve(e, group, ev, wkm.curve(), conf_s);
    for l in &mut out.landmarks {
        l.n_risk_weighted = Some(wkm.n_risk_at(l.time));
    }
    out.weighted = Some(WeightedCounts {
        n: w.iter().sum(),
        events: w.iter().zip(ev).filter(|(_, e)| **e).map(|(w, _)| w).sum(),
        n_risk: wkm.n_risk,
        n_event: wkm.n_event,
        n_censor: wkm.n_censor,
        std_err_r: wkm.std_err,
    });
    out
}
