//! Turning a cohort into result values: descriptive tables and tests.
//! Results are plain serializable data with full precision; presentation
//! (rounding, wording) belongs to `render`.

pub mod complications;
mod curves;
pub mod incidence;
pub mod regression;
pub mod rmst;
pub mod robustness;
pub mod subgroups;
pub mod survival;
pub mod table1;
mod treatment_cox;

pub use crate::diagnostics::Diagnostic;

use crate::cohort::{ByPopulation, Cohort, EndpointValues, Population};
use crate::config::TiesKind;
use crate::stats::cox::Ties;
use rayon::prelude::*;

/// The stats kernel's ties method for a configured one.
pub(crate) fn ties(kind: TiesKind) -> Ties {
    match kind {
        TiesKind::Efron => Ties::Efron,
        TiesKind::Breslow => Ties::Breslow,
    }
}

/// The patients of `cohort` with follow-up for `endpoint`, reordered by
/// increasing time, with `pairs` (matched pair per patient) carried along.
/// The many models of one endpoint then read every column in order instead
/// of gathering rows scattered over the cohort for each model.
/// Only the variables `variables` and this endpoint are carried, and no ids.
pub(crate) fn time_ordered(
    cohort: &Cohort,
    endpoint: &str,
    variables: &[String],
    pairs: Option<&[usize]>,
) -> (Cohort, Option<Vec<usize>>) {
    let order = cohort.endpoints[endpoint].usable();
    (
        cohort.subset_with(
            order,
            |name| variables.iter().any(|v| v == name),
            |id| id == endpoint,
            false,
        ),
        pairs.map(|p| order.iter().map(|&i| p[i]).collect()),
    )
}

/// The patients of a time-ordered cohort (see [`time_ordered`]) merged
/// into profiles: patients alike in time, status, group and every variable
/// carried are one row with a count. Every Cox model of the endpoint merges
/// such patients anyway (its rows are the same, as are their order and
/// counts; see `stats::cox`), so it can start from the profiles instead of
/// hashing every patient again. Each profile sits at its last patient in
/// time order, where a model's backward scan meets the profile first.
/// `None` when no two patients share a time (nothing can merge).
pub(crate) fn profiles(sorted: &Cohort, endpoint: &str) -> Option<Profiles> {
    let ep = &sorted.endpoints[endpoint];
    let n = ep.time.len();
    if !(1..n).any(|i| ep.time[i] == ep.time[i - 1]) {
        return None;
    }
    let variables: Vec<&crate::cohort::Values> =
        sorted.variables.values().map(|v| &v.values).collect();
    let bits = |v: &crate::cohort::Values, i: usize| -> Option<u64> {
        match v {
            crate::cohort::Values::Continuous { values, .. } => values[i].map(f64::to_bits),
            crate::cohort::Values::Categorical { codes, .. } => codes[i].map(u64::from),
        }
    };
    let same = |a: usize, b: usize| {
        ep.time[a].map(f64::to_bits) == ep.time[b].map(f64::to_bits)
            && ep.event[a] == ep.event[b]
            && sorted.group[a] == sorted.group[b]
            && variables.iter().all(|v| bits(v, a) == bits(v, b))
    };
    // FxHash-style mix (candidates only; `same` decides).
    let mix = |h: u64, x: u64| (h.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    let hash = |i: usize| {
        let head = mix(
            mix(
                ep.time[i].map_or(1, f64::to_bits),
                u64::from(ep.event[i] == Some(true)),
            ),
            sorted.group[i] as u64,
        );
        variables.iter().fold(head, |h, v| {
            mix(h, bits(v, i).map_or(u64::MAX, |b| b ^ 0x9e37))
        })
    };
    // Backwards, so that each profile's first patient met is its last in
    // time order; `latest` holds the newest profile of a hash, `chain` the
    // one before it with the same hash.
    let mut latest: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let (mut reps, mut counts, mut chain): (Vec<usize>, Vec<usize>, Vec<usize>) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut of = vec![0; n];
    for i in (0..n).rev() {
        let h = hash(i);
        let mut m = latest.get(&h).copied().unwrap_or(usize::MAX);
        while m != usize::MAX && !same(reps[m], i) {
            m = chain[m];
        }
        if m == usize::MAX {
            m = reps.len();
            chain.push(latest.insert(h, m).unwrap_or(usize::MAX));
            reps.push(i);
            counts.push(0);
        }
        counts[m] += 1;
        of[i] = m;
    }
    reps.reverse();
    counts.reverse();
    // Profiles were numbered backwards; number them in time order.
    let last = reps.len() - 1;
    of.iter_mut().for_each(|m| *m = last - *m);
    Some(Profiles {
        cohort: sorted.subset_with(&reps, |_| true, |_| true, false),
        counts,
        of,
    })
}

/// A time-ordered cohort's patients merged into profiles (see [`profiles`]).
pub(crate) struct Profiles {
    /// One row per profile, in time order.
    pub(crate) cohort: Cohort,
    /// How many patients each profile stands for.
    pub(crate) counts: Vec<usize>,
    /// The profile of each patient of the time-ordered cohort.
    pub(crate) of: Vec<usize>,
}

/// A Cox model of `columns` on the cohort rows `rows` (follow-up `time`
/// and `event`), each row counted as the patients it stands for when
/// `counts` is given (the rows are merged profiles, see [`profiles`]).
pub(crate) fn fit_rows(
    counts: Option<&[usize]>,
    rows: &[usize],
    (time, event): (&[f64], &[bool]),
    columns: &[Vec<f64>],
    ties: Ties,
) -> Result<crate::stats::cox::CoxFit, crate::stats::StatsError> {
    match counts {
        Some(c) => {
            let counts: Vec<usize> = rows.iter().map(|&i| c[i]).collect();
            crate::stats::cox::fit_counted(time, event, columns, &counts, ties)
        }
        None => crate::stats::cox::fit(time, event, columns, None, ties),
    }
}

/// Follow-up time and event of the patients `rows` (missing values were
/// excluded before; they read as 0 / censored here).
pub(crate) fn follow_up(ep: &EndpointValues, rows: &[usize]) -> (Vec<f64>, Vec<bool>) {
    (
        rows.iter().map(|&i| ep.time[i].unwrap_or(0.0)).collect(),
        rows.iter().map(|&i| ep.event[i].unwrap_or(false)).collect(),
    )
}

/// Runs `analyse` on every population, populations in parallel. Results
/// are kept in population order, and so are the diagnostics: each
/// population's are appended after those of the populations before it,
/// whichever finishes first.
pub fn over<T: Send>(
    populations: &[Population<'_>],
    diagnostics: &mut Vec<Diagnostic>,
    analyse: impl Fn(&Population<'_>, &mut Vec<Diagnostic>) -> T + Sync,
) -> ByPopulation<T> {
    let computed: Vec<(T, Vec<Diagnostic>)> = populations
        .par_iter()
        .map(|p| {
            let mut d = Vec::new();
            (analyse(p, &mut d), d)
        })
        .collect();
    populations
        .iter()
        .zip(computed)
        .map(|(p, (value, d))| {
            diagnostics.extend(d);
            (p.id.clone(), value)
        })
        .collect()
}
