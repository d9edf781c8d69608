//! Rule 1, percentages: `X_pct` beside `X_n` must be `100 n / N` rounded
//! to its printed decimals (N from `X_den`, `X_denominator` or the
//! nearest enclosing table's `X_n`).

use super::context::*;

pub(super) fn percentages(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        for x in printed(site) {
            found.extend(check(ctx, site, &x));
        }
    }
    ctx.add_all(1, found);
}

/// A printed percentage with its count and denominator.
struct Printed<'a> {
    key: &'a str,
    group: &'a str,
    pct: &'a Num,
    n: &'a Num,
    total: &'a Num,
}

impl Printed<'_> {
    /// `100 n / den`.
    fn of(&self, den: f64) -> f64 {
        100.0 * self.n.value / den
    }
}

/// The percentages of one table that have a count and a denominator.
fn printed<'a>(site: &Site<'a>) -> Vec<Printed<'a>> {
    let node = site.node();
    node.entries()
        .iter()
        .filter_map(|(key, child)| {
            let (Some(group), Value::Num(pct)) = (key.strip_suffix("_pct"), &child.value) else {
                return None;
            };
            let n = node
                .num(&format!("{group}_n"))
                .or_else(|| node.num(&format!("{group}_num")))?;
            let total = node
                .num(&format!("{group}_den"))
                .or_else(|| node.num(&format!("{group}_denominator")))
                .or_else(|| site.inherited(&format!("{group}_n")))?;
            Some(Printed {
                key,
                group,
                pct,
                n,
                total,
            })
        })
        .collect()
}

/// The finding at percentage `x.key` of `site`.
fn at(
    site: &Site<'_>,
    x: &Printed<'_>,
    severity: Severity,
    reported: String,
    recomputed: String,
    explanation: String,
) -> Found {
    let node = site.node();
    let mut path = site.path.clone();
    path.push(x.key.to_string());
    Found {
        path,
        node: node.get(x.key).unwrap_or(node).clone(),
        severity,
        kind: "percentage",
        reported,
        recomputed,
        explanation,
    }
}

/// A percentage that is not `100 n / N` rounded: of those with data (a
/// note), truncated (a warning), or wrong (an error, with the nearest
/// denominator that would give it).
fn check(ctx: &Ctx<'_>, site: &Site<'_>, x: &Printed<'_>) -> Option<Found> {
    let (pct, n, total) = (x.pct, x.n, x.total);
    if total.value > 0.0 && within(x.of(total.value), pct) {
        return None;
    }
    if total.value == 0.0 && n.value == 0.0 {
        return None;
    }
    if let Some(s) = column_sum(site, x.group).filter(|&s| s > 0.0 && within(x.of(s), pct)) {
        if (s - total.value).abs() <= 0.5 {
            return None;
        }
        let recomputed = format!(
            "{}/{} = {}% (of the {} with data: {}/{} = {}%)",
            n.raw,
            total.raw,
            ctx.num(x.of(total.value), pct.decimals),
            s,
            n.raw,
            s,
            ctx.num(x.of(s), pct.decimals)
        );
        let why = "The percentage is of the patients with a recorded value, not of the group; \
                   the table does not show the missing ones.";
        let reported = format!("{} ({}%)", n.raw, pct.raw);
        return Some(at(
            site,
            x,
            Severity::Note,
            reported,
            recomputed,
            why.into(),
        ));
    }
    // Which denominators would give the printed percentage?
    let lo = n.value.max(1.0) as u64;
    let hi = (total.value * 3.0).max(lo as f64 + 1.0) as u64;
    let nearest = (lo..=hi)
        .filter(|&d| within(x.of(d as f64), pct))
        .min_by_key(|&d| (d as i64 - total.value as i64).abs());
    let truncated = {
        let scale = 10f64.powi(pct.decimals as i32);
        ((x.of(total.value) * scale + 1e-9).floor() / scale - pct.value).abs() < 1e-9
    };
    let mut explanation = format!(
        "{}/{} is {}%, which does not round to the printed {}% at {} decimal(s).",
        n.raw,
        total.raw,
        ctx.num(x.of(total.value), pct.decimals + 2),
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
    let severity = if truncated {
        Severity::Warning
    } else {
        Severity::Error
    };
    Some(at(
        site,
        x,
        severity,
        format!("{} ({}%) of {}", n.raw, pct.raw, total.raw),
        format!("{}%", ctx.num(x.of(total.value), pct.decimals)),
        explanation,
    ))
}

/// The variable's own column sum of `group`'s counts over its levels (the
/// patients with data), when the enclosing table lists its levels.
fn column_sum(site: &Site<'_>, group: &str) -> Option<f64> {
    let parent = site.parent()?;
    let levels = parent.strings("levels");
    if levels.is_empty() {
        return None;
    }
    levels
        .iter()
        .map(|l| parent.get(l).and_then(|t| t.num(&format!("{group}_n"))))
        .map(|x| x.map(|x| x.value))
        .sum::<Option<f64>>()
}
