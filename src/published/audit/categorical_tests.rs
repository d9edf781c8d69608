//! Rule 3, categorical tests: chi-square with and without Yates'
//! correction and Fisher's exact test recomputed from the printed counts;
//! which of them reproduces the printed p, none, or a mix.

use super::context::*;

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
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Pearson => "chi-square without continuity correction",
            Variant::Yates => "chi-square with Yates' continuity correction",
            Variant::Fisher => "Fisher's exact test",
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
        let table: Vec<Vec<f64>> = if let Some(rows) = level_tables(node) {
            match level_counts(&rows) {
                Some((g, c)) if g.len() >= 2 => c,
                _ => continue,
            }
        } else if let Some(total) = node.get("total") {
            let groups = groups_with(total, "_n");
            let ns: Option<Vec<(f64, f64)>> = groups
                .iter()
                .map(|g| {
                    let n = total.num(&format!("{g}_n"))?.value;
                    let big = site.inherited(&format!("{g}_n"))?.value;
                    Some((n, big - n))
                })
                .collect();
            match ns {
                Some(ns) if ns.len() >= 2 => vec![
                    ns.iter().map(|x| x.0).collect(),
                    ns.iter().map(|x| x.1).collect(),
                ],
                _ => continue,
            }
        } else {
            continue;
        };
        if table.iter().flatten().any(|&x| x < 0.0 || x.fract() != 0.0) {
            continue;
        }
        let t: Vec<Vec<u64>> = table
            .iter()
            .map(|r| r.iter().map(|&x| x as u64).collect())
            .collect();
        let stated = site
            .inherited_str(&["test", "test_note"])
            .unwrap_or("")
            .to_lowercase();
        let stated_variants: Vec<Variant> = [
            (stated.contains("chi"), Variant::Pearson),
            (stated.contains("chi"), Variant::Yates),
            (stated.contains("fisher"), Variant::Fisher),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, v)| *v)
        .collect();
        let two_by_two = t.len() == 2 && t[0].len() == 2;
        let mut results: Vec<(Variant, Option<f64>)> = vec![(
            Variant::Pearson,
            contingency::chi_square(&t, false).ok().map(|r| r.p),
        )];
        if two_by_two {
            results.push((
                Variant::Yates,
                contingency::chi_square(&t, true).ok().map(|r| r.p),
            ));
        }
        results.push((
            Variant::Fisher,
            contingency::fisher_exact(&t, FISHER_BUDGET)
                .ok()
                .map(|r| r.p),
        ));
        let shown = format!(
            "{} from counts {}",
            printed_p(p, lt),
            t.iter()
                .map(|r| r.iter().map(u64::to_string).collect::<Vec<_>>().join("/"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        if results.iter().all(|(_, r)| r.is_none()) {
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Warning,
                "test-p",
                shown,
                "not computable".to_string(),
                "No test of independence is defined for these counts (a group or a level has \
                 no patients), yet a p-value is printed."
                    .to_string(),
            ));
            continue;
        }
        let recomputed = results
            .iter()
            .map(|(v, r)| {
                format!(
                    "{}: {}",
                    match v {
                        Variant::Pearson => "chi-square",
                        Variant::Yates => "Yates",
                        Variant::Fisher => "Fisher",
                    },
                    r.map_or("n/a".to_string(), |x| ctx.p(x))
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let agree: Vec<Variant> = results
            .iter()
            .filter(|(_, r)| r.is_some_and(|x| p_agrees(x, p, lt)))
            .map(|(v, _)| *v)
            .collect();
        let (lo, hi) = p.interval();
        if agree.is_empty() {
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Error,
                "test-p",
                shown,
                recomputed,
                if lt {
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
                },
            ));
            continue;
        }
        let names: Vec<&str> = agree.iter().map(|v| v.name()).collect();
        if !stated_variants.is_empty() && !agree.iter().any(|v| stated_variants.contains(v)) {
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Warning,
                "test-variant",
                shown,
                recomputed,
                format!(
                    "The printed p-value is reproduced by {} only, not by the stated test ({stated}).",
                    names.join(" and ")
                ),
            ));
        } else {
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Note,
                "test-variant",
                shown,
                recomputed,
                format!("Reproduced by {}.", names.join(" and ")),
            ));
        }
        if two_by_two && !lt {
            let parent_path = site.path[..site.path.len().saturating_sub(1)].to_vec();
            let parent = site.parent().cloned().unwrap_or_else(|| node.clone());
            let entry = match mixes.iter_mut().find(|m| m.path == parent_path) {
                Some(e) => e,
                None => {
                    mixes.push(Mix {
                        path: parent_path,
                        node: parent,
                        plain: Vec::new(),
                        yates: Vec::new(),
                    });
                    mixes.last_mut().expect("just pushed")
                }
            };
            let name = site.path.last().cloned().unwrap_or_default();
            match (
                agree.contains(&Variant::Pearson),
                agree.contains(&Variant::Yates),
            ) {
                (true, false) => entry.plain.push(name),
                (false, true) => entry.yates.push(name),
                _ => {}
            }
        }
    }
    for (path, node, sev, kind, rep, rec, exp) in found {
        ctx.add(3, &path, &node, kind, sev, rep, rec, exp);
    }
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
