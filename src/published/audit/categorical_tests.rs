//! Rule 3, categorical tests: chi-square with and without Yates'
//! correction and Fisher's exact test recomputed from the printed counts;
//! which of them reproduces the printed p, none, or a mix.

use super::context::*;
use super::test_names::{self, Family};

/// A table of counts, each cell its candidate values: one printed count, or
/// every count whose percentage rounds to the printed one.
type Cells = Vec<Vec<Vec<u64>>>;

/// A cell's candidates: "12", or "11-13" from a percentage.
fn show_cell(c: &[u64]) -> String {
    match (c.first(), c.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}-{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

/// 2 x 2 rows of one table reproduced only without / only with Yates.
struct Mix {
    path: Vec<String>,
    node: Node,
    plain: Vec<String>,
    yates: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Pearson,
    Yates,
    Fisher,
    /// Fisher's test with a Monte Carlo p-value, where the exact test
    /// passed its work budget.
    FisherMonteCarlo,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Pearson => "chi-square without continuity correction",
            Variant::Yates => "chi-square with Yates' continuity correction",
            Variant::Fisher => "Fisher's exact test",
            Variant::FisherMonteCarlo => {
                "Fisher's test with a Monte Carlo p-value (the exact test passed its work budget)"
            }
        }
    }
}

pub(super) fn categorical_tests(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    // Per enclosing table: rows reproduced only without and only with Yates.
    let mut mixes: Vec<Mix> = Vec::new();
    for site in &ctx.sites {
        let node = site.node();
        let Some(p) = node.num("p") else { continue };
        let lt = node.flag("p_lt");
        let Some(t) = counts(site, &ctx.totals).or_else(|| from_percentages(site, &ctx.totals))
        else {
            continue;
        };
        let results = recompute(&t);
        let (finding, agree) = judge(ctx, site, &t, &results, p, lt);
        found.push(finding);
        if t.len() == 2 && t[0].len() == 2 && !lt && !agree.is_empty() {
            record_mix(&mut mixes, site, &agree);
        }
    }
    ctx.add_all(3, found);
    report_mixes(ctx, mixes);
}

/// The printed counts of a site as a contingency table (levels by groups,
/// or events and non-events by group), total columns (`totals`) left out;
/// `None` unless whole and >= 0.
fn counts(site: &Site<'_>, totals: &[String]) -> Option<Cells> {
    let node = site.node();
    let table: Vec<Vec<f64>> = if let Some(rows) = level_tables(node) {
        match level_counts(&rows, totals) {
            Some((g, c)) if g.len() >= 2 => c,
            _ => return None,
        }
    } else {
        let total = node.get("total")?;
        let ns: Vec<(f64, f64)> = groups_with(total, "_n")
            .iter()
            .filter(|g| !totals.contains(g))
            .map(|g| {
                let n = total.num(&format!("{g}_n"))?.value;
                let big = site.inherited(&format!("{g}_n"))?.value;
                Some((n, big - n))
            })
            .collect::<Option<_>>()?;
        if ns.len() < 2 {
            return None;
        }
        vec![
            ns.iter().map(|x| x.0).collect(),
            ns.iter().map(|x| x.1).collect(),
        ]
    };
    if table.iter().flatten().any(|&x| x < 0.0 || x.fract() != 0.0) {
        return None;
    }
    Some(
        table
            .iter()
            .map(|r| r.iter().map(|&x| vec![x as u64]).collect())
            .collect(),
    )
}

/// Most tables of candidate counts recomputed for one printed p.
const MAX_CANDIDATE_TABLES: usize = 256;

/// A variable printed as percentages only (`X_pct` in each level, the
/// group's `X_n` above): each cell's candidates are the counts whose
/// percentage of the group rounds to the printed one.
fn from_percentages(site: &Site<'_>, totals: &[String]) -> Option<Cells> {
    let rows = level_tables(site.node())?;
    let groups: Vec<String> = groups_with(rows.first()?.1, "_pct")
        .into_iter()
        .filter(|g| !totals.contains(g))
        .collect();
    if groups.len() < 2 {
        return None;
    }
    let mut cells = Vec::new();
    for (_, row) in &rows {
        let mut line = Vec::new();
        for g in &groups {
            let pct = row.num(&format!("{g}_pct"))?;
            let big = site.inherited(&format!("{g}_n"))?.value.round() as u64;
            let (lo, hi) = pct.interval();
            let fits: Vec<u64> = (0..=big)
                .filter(|&n| {
                    let x = 100.0 * n as f64 / big as f64;
                    x >= lo && x <= hi
                })
                .collect();
            if fits.is_empty() {
                return None;
            }
            line.push(fits);
        }
        cells.push(line);
    }
    let tables: usize = cells
        .iter()
        .flatten()
        .map(Vec::len)
        .try_fold(1usize, |acc, k| acc.checked_mul(k))?;
    (tables <= MAX_CANDIDATE_TABLES).then_some(cells)
}

/// Every table of counts the candidates allow.
fn tables(cells: &Cells) -> Vec<Vec<Vec<u64>>> {
    let mut out = vec![Vec::new()];
    for row in cells {
        let mut next = Vec::new();
        for partial in &out {
            let mut lines: Vec<Vec<u64>> = vec![Vec::new()];
            for cell in row {
                lines = lines
                    .iter()
                    .flat_map(|l| {
                        cell.iter().map(move |&x| {
                            let mut l = l.clone();
                            l.push(x);
                            l
                        })
                    })
                    .collect();
            }
            for line in lines {
                let mut t: Vec<Vec<u64>> = partial.clone();
                t.push(line);
                next.push(t);
            }
        }
        out = next;
    }
    out
}

/// Draws of the Monte Carlo p where the exact Fisher test is past its
/// budget; its p is judged within four binomial standard errors.
const MC_REPLICATES: usize = 20_000;

/// Each variant's p-value from one table (Yates only for a 2 x 2 table),
/// the exact Fisher test within `budget` steps and a seeded Monte Carlo p
/// past it.
fn recompute_one(t: &[Vec<u64>], budget: u64) -> Vec<(Variant, Option<f64>)> {
    let mut results = vec![(
        Variant::Pearson,
        contingency::chi_square(t, false).ok().map(|r| r.p),
    )];
    if t.len() == 2 && t[0].len() == 2 {
        results.push((
            Variant::Yates,
            contingency::chi_square(t, true).ok().map(|r| r.p),
        ));
    }
    results.push(match contingency::fisher_exact(t, budget) {
        Ok(r) => (Variant::Fisher, Some(r.p)),
        Err(crate::stats::StatsError::WorkBudgetExceeded(_)) => (
            Variant::FisherMonteCarlo,
            contingency::fisher_monte_carlo(t, MC_REPLICATES, contingency::FISHER_MC_SEED)
                .ok()
                .map(|r| r.p),
        ),
        Err(_) => (Variant::Fisher, None),
    });
    results
}

/// Each variant's p-values over every table the cells allow: the smallest
/// and largest.
/// A Monte Carlo p is widened by four binomial standard errors.
fn recompute(cells: &Cells) -> Vec<(Variant, Option<(f64, f64)>)> {
    let tables = tables(cells);
    // The exact test's budget is shared by the candidate tables.
    let budget = (FISHER_BUDGET / tables.len().max(1) as u64).max(100_000);
    let mut out: Vec<(Variant, Option<(f64, f64)>)> = Vec::new();
    for t in &tables {
        for (k, (v, p)) in recompute_one(t, budget).into_iter().enumerate() {
            if out.len() <= k {
                out.push((v, None));
            }
            if v == Variant::FisherMonteCarlo {
                out[k].0 = v;
            }
            if let Some(p) = p {
                let se = if v == Variant::FisherMonteCarlo {
                    4.0 * (p * (1.0 - p) / MC_REPLICATES as f64).sqrt()
                } else {
                    0.0
                };
                let r = out[k].1.get_or_insert((p - se, p + se));
                *r = (r.0.min(p - se), r.1.max(p + se));
            }
        }
    }
    out
}

/// The finding for one printed p: not computable, reproduced by no
/// variant, by another than the stated test, or by the stated one; and
/// the variants that reproduce it.
fn judge(
    ctx: &Ctx<'_>,
    site: &Site<'_>,
    t: &Cells,
    results: &[(Variant, Option<(f64, f64)>)],
    p: &Num,
    lt: bool,
) -> (Found, Vec<Variant>) {
    let stated = site
        .inherited_str(&["test", "test_note"])
        .unwrap_or("")
        .to_lowercase();
    let named = test_names::families(&stated);
    let stated_variants: Vec<Variant> = [
        (named.contains(&Family::ChiSquare), Variant::Pearson),
        (named.contains(&Family::ChiSquare), Variant::Yates),
        (named.contains(&Family::Fisher), Variant::Fisher),
        (named.contains(&Family::Fisher), Variant::FisherMonteCarlo),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, v)| *v)
    .collect();
    let reported = format!(
        "{} from counts {}",
        printed_p(p, lt),
        t.iter()
            .map(|r| r.iter().map(|c| show_cell(c)).collect::<Vec<_>>().join("/"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let found = |severity, kind, recomputed: String, explanation: String| {
        Found::at(
            site,
            severity,
            kind,
            reported.clone(),
            recomputed,
            explanation,
        )
    };
    if results.iter().all(|(_, r)| r.is_none()) {
        let why = "No test of independence is defined for these counts (a group or a level has \
                   no patients), yet a p-value is printed.";
        let f = found(
            Severity::Warning,
            "test-p",
            "not computable".into(),
            why.into(),
        );
        return (f, Vec::new());
    }
    let recomputed = results
        .iter()
        .map(|(v, r)| {
            let name = match v {
                Variant::Pearson => "chi-square",
                Variant::Yates => "Yates",
                Variant::Fisher => "Fisher",
                Variant::FisherMonteCarlo => "Fisher (Monte Carlo, 20000 tables, seed 1)",
            };
            format!(
                "{name}: {}",
                r.map_or("n/a".to_string(), |x| ctx.p_range(x))
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let agree: Vec<Variant> = results
        .iter()
        .filter(|(_, r)| r.is_some_and(|x| range_agrees(x, p, lt)))
        .map(|(v, _)| *v)
        .collect();
    let names: Vec<&str> = agree.iter().map(|v| v.name()).collect();
    let f = if agree.is_empty() {
        let (lo, hi) = p.interval();
        let why = if lt {
            format!(
                "No variant of the test gives a p-value below {} from the printed counts.",
                p.raw
            )
        } else {
            format!(
                "No variant of the test reproduces the printed p-value from the printed \
                 counts (at {} decimals it stands for {}-{}).",
                p.decimals,
                ctx.p(lo.max(0.0)),
                ctx.p(hi.min(1.0))
            )
        };
        found(Severity::Error, "test-p", recomputed, why)
    } else if !stated_variants.is_empty() && !agree.iter().any(|v| stated_variants.contains(v)) {
        let why = format!(
            "The printed p-value is reproduced by {} only, not by the stated test ({stated}).",
            names.join(" and ")
        );
        found(Severity::Warning, "test-variant", recomputed, why)
    } else {
        let why = format!("Reproduced by {}.", names.join(" and "));
        found(Severity::Note, "test-variant", recomputed, why)
    };
    (f, agree)
}

/// Notes a 2 x 2 row reproduced only without, or only with, Yates'
/// correction under its enclosing table.
fn record_mix(mixes: &mut Vec<Mix>, site: &Site<'_>, agree: &[Variant]) {
    let parent_path = site.path[..site.path.len().saturating_sub(1)].to_vec();
    let at = match mixes.iter().position(|m| m.path == parent_path) {
        Some(k) => k,
        None => {
            mixes.push(Mix {
                path: parent_path,
                node: site.parent().unwrap_or(site.node()).clone(),
                plain: Vec::new(),
                yates: Vec::new(),
            });
            mixes.len() - 1
        }
    };
    let name = site.path.last().cloned().unwrap_or_default();
    match (
        agree.contains(&Variant::Pearson),
        agree.contains(&Variant::Yates),
    ) {
        (true, false) => mixes[at].plain.push(name),
        (false, true) => mixes[at].yates.push(name),
        _ => {}
    }
}

/// A table whose 2 x 2 rows need different chi-square variants.
fn report_mixes(ctx: &mut Ctx<'_>, mixes: Vec<Mix>) {
    for Mix {
        path,
        node,
        plain,
        yates,
    } in mixes
    {
        if !plain.is_empty() && !yates.is_empty() {
            ctx.add(
                3,
                &path,
                &node,
                "test-mixed",
                Severity::Warning,
                format!(
                    "one chi-square test stated for all rows of {}",
                    show_path(&path)
                ),
                format!(
                    "without correction only: {}; with Yates only: {}",
                    plain.join(", "),
                    yates.join(", ")
                ),
                "The table mixes chi-square variants without saying so: some 2 x 2 p-values are \
                 reproduced only without the continuity correction, others only with it."
                    .into(),
            );
        }
    }
}
