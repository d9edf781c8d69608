//! The bootstrap of the matched hazard ratio, as MatchIt's "Estimating
//! effects after matching" vignette recommends (Austin & Small 2014, Stat
//! Med 33:4306): `kind = "pairs"` resamples matched pairs with replacement
//! and refits the treatment's Cox model; `kind = "full"` resamples the
//! whole cohort's patients, re-estimates the propensity model, matches
//! again and refits, in every replicate. The statistic is the hazard ratio
//! (second group vs reference); its interval is the percentile interval of
//! `boot.ci(type = "perc")` (see [`crate::stats::bootstrap`]).
//!
//! Replicate i draws from a generator seeded by (seed, i) alone, and the
//! replicates are collected in index order, so the interval does not
//! depend on the number of threads.

mod pairs;

use crate::cohort::{Cohort, EndpointValues};
use crate::config::{BootstrapKind, BootstrapSection, Endpoint, MatchingSection, TiesKind};
use crate::diagnostics::Diagnostic;
use crate::matching::{self, MatchOutput};
use crate::stats::bootstrap::{percentile_interval, replicate_seed};
use crate::stats::cox::{self, Ties};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

/// The bootstrap interval of one endpoint's matched hazard ratio.
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapResult {
    /// Endpoint id.
    pub endpoint: String,
    /// What each replicate resampled.
    pub kind: BootstrapKind,
    /// Replicates asked for.
    pub replicates: usize,
    /// The seed.
    pub seed: u64,
    /// Coverage of the interval.
    pub level: f64,
    /// Percentile limits of the hazard ratio; none with fewer than two
    /// usable replicates.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
    /// Replicates without a hazard ratio (no event in a group, no match).
    pub failed: usize,
}

/// What every replicate of one study shares.
pub struct Setting<'a> {
    /// The analysed cohort (for `full`).
    pub cohort: &'a Cohort,
    /// The match (for `pairs`).
    pub matched: &'a MatchOutput,
    /// `[matching]` (for `full`).
    pub matching: &'a MatchingSection,
    /// The endpoints.
    pub endpoints: &'a [Endpoint],
    /// Ties of the Cox models.
    pub ties: TiesKind,
    /// Coverage of the interval.
    pub level: f64,
}

/// Bootstraps every endpoint's matched hazard ratio as `conf` asks.
pub fn run(
    s: &Setting<'_>,
    conf: &BootstrapSection,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<BootstrapResult> {
    if s.cohort.groups.len() != 2 {
        diagnostics.push(Diagnostic::note(
            "bootstrap",
            "the bootstrap needs exactly two groups; skipped",
        ));
        return Vec::new();
    }
    let ids: Vec<&str> = s.endpoints.iter().map(|e| e.id.as_str()).collect();
    // What every `pairs` replicate shares, computed once.
    let shared = (conf.kind == BootstrapKind::Pairs).then(|| pairs::Pairs::new(s.matched, &ids));
    // One row per replicate: the hazard ratio of each endpoint.
    let draws: Vec<Vec<Option<f64>>> = (0..conf.replicates)
        .into_par_iter()
        .map(|i| {
            let mut rng = ChaCha8Rng::seed_from_u64(replicate_seed(conf.seed, i as u64));
            match &shared {
                Some(p) => p.replicate(cox_ties(s.ties), &mut rng),
                None => full_replicate(s, &ids, &mut rng),
            }
        })
        .collect();
    ids.iter()
        .enumerate()
        .map(|(k, id)| {
            let hr: Vec<f64> = draws.iter().filter_map(|d| d[k]).collect();
            let failed = conf.replicates - hr.len();
            if failed > 0 {
                diagnostics.push(Diagnostic::note(
                    "bootstrap",
                    format!("{id}: {failed} of {} replicates gave no hazard ratio (no event in a group, or no match) and were left out of the interval", conf.replicates),
                ));
            }
            let ci = percentile_interval(&hr, s.level);
            BootstrapResult {
                endpoint: id.to_string(),
                kind: conf.kind,
                replicates: conf.replicates,
                seed: conf.seed,
                level: s.level,
                lower: ci.map(|c| c.0),
                upper: ci.map(|c| c.1),
                failed,
            }
        })
        .collect()
}

/// The treatment's hazard ratio among `rows` of `cohort` for one endpoint.
fn hazard_ratio(
    cohort: &Cohort,
    e: &EndpointValues,
    rows: &[usize],
    ties: TiesKind,
) -> Option<f64> {
    let rows: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&i| e.time[i].is_some() && e.event[i].is_some())
        .collect();
    let time: Vec<f64> = rows.iter().map(|&i| e.time[i].unwrap_or(0.0)).collect();
    let event: Vec<bool> = rows.iter().map(|&i| e.event[i].unwrap_or(false)).collect();
    let x = vec![
        rows.iter()
            .map(|&i| f64::from(u8::from(cohort.group[i] == 1)))
            .collect::<Vec<f64>>(),
    ];
    let fit = cox::fit(&time, &event, &x, None, cox_ties(ties)).ok()?;
    (fit.infinite.is_empty() && fit.coef[0].is_finite()).then(|| fit.coef[0].exp())
}

/// The Cox code's ties method of the config's.
fn cox_ties(ties: TiesKind) -> Ties {
    match ties {
        TiesKind::Efron => Ties::Efron,
        TiesKind::Breslow => Ties::Breslow,
    }
}

/// One `full` replicate: the cohort's patients drawn with replacement, the
/// propensity model and the match redone, the model refitted.
fn full_replicate(s: &Setting<'_>, ids: &[&str], rng: &mut ChaCha8Rng) -> Vec<Option<f64>> {
    let n = s.cohort.ids.len();
    let draw: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
    let needed: Vec<&String> = s
        .matching
        .covariates
        .iter()
        .chain(&s.matching.exact)
        .collect();
    let sample = s.cohort.subset_with(
        &draw,
        |v| needed.iter().any(|c| c.as_str() == v),
        |e| ids.contains(&e),
        false,
    );
    let Ok(out) = matching::run(&sample, s.matching, &mut Vec::new()) else {
        return vec![None; ids.len()];
    };
    let m = &out.matched;
    let all: Vec<usize> = (0..m.ids.len()).collect();
    ids.iter()
        .map(|id| hazard_ratio(m, m.endpoints.get(*id)?, &all, s.ties))
        .collect()
}
