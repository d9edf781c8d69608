//! The treatment's Cox model in one population: hazard ratios of each
//! group against the reference, tests, concordance and the
//! proportional-hazards test; the robust variance clustered on pairs in a
//! matched population, the weighted model with a sandwich variance in a
//! weighted one, the cause-specific model for a competing-risks endpoint.

use super::Diagnostic;
use super::survival::{ConcordanceResult, CoxResult, CoxTerm, FollowUp, ZphRow};
use crate::cohort::{Group, Population};
use crate::config::{Endpoint, MatchedVariance, SurvivalSection};
use crate::stats::concordance;
use crate::stats::cox;
use crate::stats::kaplan_meier;

/// The name of the treatment's Cox model: for a competing-risks endpoint
/// it is the cause-specific model (competing events censored).
fn treatment_model(e: &Endpoint) -> &'static str {
    if e.is_competing() {
        "cause-specific"
    } else {
        "treatment"
    }
}

/// The Cox model of the treatment (one column per non-reference group)
/// for one endpoint: hazard ratios, tests, concordance and the
/// proportional-hazards test; the robust variance clustered on pairs in a
/// matched population; in a weighted one, the weighted model with the
/// robust (sandwich) variance, as `coxph(weights = w, robust = TRUE)`,
/// without concordance or proportional-hazards tests. None (with a
/// diagnostic) when it cannot be fitted.
pub(super) fn fit(
    pop: &Population<'_>,
    e: &Endpoint,
    conf_s: &SurvivalSection,
    rows: &[usize],
    follow: &FollowUp<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<CoxResult> {
    let (time, event, group) = (follow.time, follow.event, follow.group);
    let (cohort, cohort_name, pairs) = (pop.cohort, pop.id.as_str(), pop.clusters);
    let k = cohort.groups.len();
    // Treatment hazard ratio(s) against the reference group.
    let columns: Vec<Vec<f64>> = (1..k)
        .map(|g| group.iter().map(|&x| f64::from(u8::from(x == g))).collect())
        .collect();
    let ties = super::ties(conf_s.ties);
    if let Some(w) = follow.weights {
        let what = format!("{} ({cohort_name})", e.label);
        let fit = cox::fit_weighted(time, event, &columns, w, ties, None);
        return weighted_cox(e, conf_s, fit, &cohort.groups, &what, diagnostics);
    }
    let mut fit = match cox::fit(time, event, &columns, None, ties) {
        Ok(fit) => fit,
        Err(err) => {
            diagnostics.push(Diagnostic::warning(
                "survival",
                format!("{} ({cohort_name}): no Cox model: {err}", e.label),
            ));
            return None;
        }
    };
    let robust = conf_s.matched_variance == MatchedVariance::RobustPairs;
    let cluster: Option<Vec<usize>> = pairs
        .filter(|_| robust)
        .map(|p| rows.iter().map(|&i| p[i]).collect());
    let concordance = concordance_of(time, event, &columns, &fit, cluster.as_deref());
    let zph = zph_rows(time, event, &columns, ties, &fit);
    let mut variance = "model".to_string();
    if let Some(cluster) = &cluster {
        let v = cox::robust_variance(time, event, &columns, None, ties, &fit, cluster);
        fit = fit.with_robust_variance(v);
        variance = "robust (cluster: matched pair)".into();
    }
    if !fit.converged {
        diagnostics.push(Diagnostic::warning(
            "survival",
            format!(
                "{} ({cohort_name}): the Cox model did not converge",
                e.label
            ),
        ));
    }
    let z = kaplan_meier::z_value(conf_s.conf_level);
    let what = format!("{} ({cohort_name})", e.label);
    let terms = treatment_terms(&fit, &cohort.groups, z, &what, diagnostics);
    Some(CoxResult {
        concordance,
        zph,
        ..CoxResult::of_fit(
            &e.id,
            treatment_model(e),
            conf_s.ties,
            variance,
            &fit,
            terms,
        )
    })
}

/// The weighted treatment model's report, from its fit with the robust
/// variance.
fn weighted_cox(
    e: &Endpoint,
    conf_s: &SurvivalSection,
    fit: Result<cox::CoxFit, crate::stats::StatsError>,
    groups: &[Group],
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<CoxResult> {
    let fit = match fit {
        Ok(fit) => fit,
        Err(err) => {
            diagnostics.push(Diagnostic::warning(
                "survival",
                format!("{what}: no Cox model: {err}"),
            ));
            return None;
        }
    };
    if !fit.converged {
        diagnostics.push(Diagnostic::warning(
            "survival",
            format!("{what}: the Cox model did not converge"),
        ));
    }
    let z = kaplan_meier::z_value(conf_s.conf_level);
    let terms = treatment_terms(&fit, groups, z, what, diagnostics);
    Some(CoxResult::of_fit(
        &e.id,
        treatment_model(e),
        conf_s.ties,
        "robust".into(),
        &fit,
        terms,
    ))
}

/// Harrell's concordance of the model's linear predictor (its SE
/// clustered on the pairs when the variance is).
fn concordance_of(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    fit: &cox::CoxFit,
    cluster: Option<&[usize]>,
) -> Option<ConcordanceResult> {
    let lp: Vec<f64> = (0..time.len())
        .map(|i| columns.iter().zip(&fit.coef).map(|(c, b)| c[i] * b).sum())
        .collect();
    let cc = concordance::concordance(time, event, &lp, None, cluster);
    cc.concordance.is_finite().then_some(ConcordanceResult {
        concordance: cc.concordance,
        std: cc.std,
        concordant: cc.concordant,
        discordant: cc.discordant,
        tied_x: cc.tied_x,
        tied_y: cc.tied_y,
        tied_xy: cc.tied_xy,
    })
}

/// The proportional-hazards test (R's cox.zph, KM transform) of the
/// treatment's columns as one term, and the global test; none when it
/// cannot be computed.
fn zph_rows(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    ties: cox::Ties,
    fit: &cox::CoxFit,
) -> Vec<ZphRow> {
    let term_cols = vec![(0..columns.len()).collect::<Vec<usize>>()];
    let Ok(z) = cox::zph(
        time,
        event,
        columns,
        None,
        ties,
        fit,
        cox::ZphTransform::Km,
        &term_cols,
    ) else {
        return Vec::new();
    };
    z.terms
        .iter()
        .map(|t| ("treatment", t))
        .chain(std::iter::once(("GLOBAL", &z.global)))
        .map(|(term, t)| ZphRow {
            term: term.into(),
            chisq: t.statistic,
            df: t.df,
            p: t.p,
        })
        .collect()
}

/// One row per non-reference group: its HR against the reference (on the
/// robust SE when there is one), or not estimable with a diagnostic.
fn treatment_terms(
    fit: &cox::CoxFit,
    groups: &[Group],
    z: f64,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<CoxTerm> {
    let se_used: Vec<f64> = fit.robust_se.clone().unwrap_or_else(|| fit.se.clone());
    (1..groups.len())
        .map(|g| {
            let j = g - 1;
            let estimable =
                !fit.infinite.contains(&j) && fit.coef[j].is_finite() && se_used[j].is_finite();
            if !estimable {
                diagnostics.push(Diagnostic::warning(
                    "survival",
                    format!(
                        "{what}: the hazard ratio of {} vs {} is not estimable (monotone likelihood, e.g. no events in one group)",
                        groups[g].label, groups[0].label
                    ),
                ));
            }
            CoxTerm {
                term: format!("treatment[{}]", groups[g].value),
                variable: "treatment".into(),
                level: Some(groups[g].value.clone()),
                coef: fit.coef[j],
                se: fit.se[j],
                robust_se: fit.robust_se.as_ref().map(|r| r[j]),
                hr: estimable.then(|| fit.coef[j].exp()),
                lower: estimable.then(|| (fit.coef[j] - z * se_used[j]).exp()),
                upper: estimable.then(|| (fit.coef[j] + z * se_used[j]).exp()),
                z: fit.z[j],
                p: estimable.then_some(fit.p[j]),
            }
        })
        .collect()
}
