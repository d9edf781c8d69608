//! Rule 2, category sums: the `X_n` of a variable's levels add up to the
//! group's `X_n`.

use super::context::*;

pub(super) fn category_sums(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        let node = site.node();
        let Some(rows) = level_tables(node) else {
            continue;
        };
        let Some((groups, counts)) = level_counts(&rows, &[]) else {
            continue;
        };
        for (j, g) in groups.iter().enumerate() {
            let Some(total) = site.inherited(&format!("{g}_n")) else {
                continue;
            };
            let sum: f64 = counts.iter().map(|r| r[j]).sum();
            if (sum - total.value).abs() < 0.5 {
                continue;
            }
            let parts: Vec<String> = counts.iter().map(|r| format!("{}", r[j])).collect();
            let (severity, explanation) = if sum > total.value {
                (
                    Severity::Error,
                    format!(
                        "The levels add up to {sum}, more than the {} patients of the group.",
                        total.raw
                    ),
                )
            } else {
                (
                    Severity::Warning,
                    format!(
                        "{} patient(s) of the group are in no level and the table shows no \
                         missing row.",
                        total.value - sum
                    ),
                )
            };
            found.push((
                site.path.clone(),
                node.clone(),
                severity,
                format!("{g}: {} (group n = {})", parts.join(" + "), total.raw),
                format!("sum {sum}"),
                explanation,
            ));
        }
    }
    for (path, node, sev, rep, rec, exp) in found {
        ctx.add(2, &path, &node, "category-sum", sev, rep, rec, exp);
    }
}

/// Each total column (`[audit] total_columns`) holds the sum of the other
/// groups' counts wherever they are printed side by side.
pub(super) fn total_columns(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        let node = site.node();
        let groups = ctx.groups(node, "_n");
        if groups.len() < 2 {
            continue;
        }
        for t in &ctx.totals {
            let Some(total) = node.num(&format!("{t}_n")) else {
                continue;
            };
            let parts: Option<Vec<&Num>> =
                groups.iter().map(|g| node.num(&format!("{g}_n"))).collect();
            let Some(parts) = parts else { continue };
            let sum: f64 = parts.iter().map(|n| n.value).sum();
            if (sum - total.value).abs() < 0.5 {
                continue;
            }
            let shown: Vec<&str> = parts.iter().map(|n| n.raw.as_str()).collect();
            found.push(Found::at(
                site,
                Severity::Error,
                "total-column",
                format!("{t}_n = {} ({})", total.raw, groups.join(" + ")),
                format!("sum {sum} = {}", shown.join(" + ")),
                format!("The total column ({t}) is not the sum of the groups' counts beside it."),
            ));
        }
    }
    ctx.add_all(2, found);
}
