//! Rule 1, percentages: `X_pct` beside `X_n` must be `100 n / N` rounded
//! to its printed decimals (N from `X_den`, `X_denominator` or the
//! nearest enclosing table's `X_n`).

use super::context::*;

pub(super) fn percentages(ctx: &mut Ctx<'_>) {
    let mut todo = Vec::new();
    for (si, site) in ctx.sites.iter().enumerate() {
        let node = site.node();
        for (key, child) in node.entries() {
            let (Some(group), Value::Num(pct)) = (key.strip_suffix("_pct"), &child.value) else {
                continue;
            };
            let Some(n) = node
                .num(&format!("{group}_n"))
                .or_else(|| node.num(&format!("{group}_num")))
            else {
                continue;
            };
            let total = node
                .num(&format!("{group}_den"))
                .or_else(|| node.num(&format!("{group}_denominator")))
                .or_else(|| site.inherited(&format!("{group}_n")));
            let Some(total) = total else { continue };
            todo.push((
                si,
                key.clone(),
                group.to_string(),
                pct.clone(),
                n.clone(),
                total.clone(),
            ));
        }
    }
    for (si, key, group, pct, n, total) in todo {
        let site = &ctx.sites[si];
        let node = site.node();
        let calc = |den: f64| 100.0 * n.value / den;
        if total.value > 0.0 && within(calc(total.value), &pct) {
            continue;
        }
        if total.value == 0.0 && n.value == 0.0 {
            continue;
        }
        // The variable's own column sum: percentages of those with data.
        let column = site.parent().and_then(|parent| {
            let levels = parent.strings("levels");
            (!levels.is_empty())
                .then(|| {
                    levels
                        .iter()
                        .map(|l| parent.get(l).and_then(|t| t.num(&format!("{group}_n"))))
                        .map(|x| x.map(|x| x.value))
                        .sum::<Option<f64>>()
                })
                .flatten()
        });
        if let Some(s) = column.filter(|&s| s > 0.0 && within(calc(s), &pct)) {
            if (s - total.value).abs() > 0.5 {
                let mut path = site.path.clone();
                path.push(key.clone());
                let line_node = node.get(&key).unwrap_or(node);
                let recomputed = format!(
                    "{}/{} = {}% (of the {} with data: {}/{} = {}%)",
                    n.raw,
                    total.raw,
                    ctx.num(calc(total.value), pct.decimals),
                    s,
                    n.raw,
                    s,
                    ctx.num(calc(s), pct.decimals)
                );
                ctx.add(
                    1,
                    &path,
                    line_node,
                    "percentage",
                    Severity::Note,
                    format!("{} ({}%)", n.raw, pct.raw),
                    recomputed,
                    "The percentage is of the patients with a recorded value, not of the group; \
                     the table does not show the missing ones."
                        .into(),
                );
            }
            continue;
        }
        // Which denominators would give the printed percentage?
        let lo = n.value.max(1.0) as u64;
        let hi = (total.value * 3.0).max(lo as f64 + 1.0) as u64;
        let nearest = (lo..=hi)
            .filter(|&d| within(calc(d as f64), &pct))
            .min_by_key(|&d| (d as i64 - total.value as i64).abs());
        let truncated = {
            let scale = 10f64.powi(pct.decimals as i32);
            ((calc(total.value) * scale + 1e-9).floor() / scale - pct.value).abs() < 1e-9
        };
        let mut explanation = format!(
            "{}/{} is {}%, which does not round to the printed {}% at {} decimal(s).",
            n.raw,
            total.raw,
            ctx.num(calc(total.value), pct.decimals + 2),
            pct.raw,
            pct.decimals
        );
        if truncated {
            explanation.push_str(" Truncating instead of rounding would give it.");
        } else if let Some(d) = nearest {
            explanation.push_str(&format!(" The nearest denominator that gives it is {d}."));
        } else {
            explanation.push_str(" No denominator gives it for this count.");
        }
        let mut path = site.path.clone();
        path.push(key.clone());
        let line_node = node.get(&key).unwrap_or(node);
        ctx.add(
            1,
            &path,
            line_node,
            "percentage",
            if truncated {
                Severity::Warning
            } else {
                Severity::Error
            },
            format!("{} ({}%) of {}", n.raw, pct.raw, total.raw),
            format!("{}%", ctx.num(calc(total.value), pct.decimals)),
            explanation,
        );
    }
}
