//! Rule 7, matched cohorts (`[[audit.subset]]`): no matched count above
//! its unmatched count; matched variables balanced (SMD).

use super::context::*;

pub(super) fn matched_cohorts(ctx: &mut Ctx<'_>, settings: Option<&Node>) -> Result<()> {
    let Some(Value::Arr(items)) = settings.and_then(|s| s.get("subset")).map(|n| &n.value) else {
        return Ok(());
    };
    let mut found = Vec::new();
    for item in items {
        let (Some(mp), Some(up)) = (item.str("matched"), item.str("unmatched")) else {
            return Err(Error::config(
                &ctx.m.file,
                format!(
                    "line {}: [[audit.subset]] needs `matched` and `unmatched` paths.",
                    item.line
                ),
            ));
        };
        let (mp, up) = (parse_path(mp), parse_path(up));
        let matched = resolve(ctx.m, item, "subset", &mp)?;
        let unmatched = resolve(ctx.m, item, "subset", &up)?;
        let mut ml = Vec::new();
        leaves(matched, "", &mut ml);
        let mut ul = Vec::new();
        leaves(unmatched, "", &mut ul);
        for (key, n, node) in &ml {
            if !key.ends_with("_n") {
                continue;
            }
            if let Some((_, u, _)) = ul.iter().find(|(k, _, _)| k == key)
                && n.value > u.value
            {
                let mut path = mp.clone();
                path.extend(parse_path(key));
                let mut upath = up.clone();
                upath.extend(parse_path(key));
                found.push((
                    path,
                    (*node).clone(),
                    Severity::Error,
                    "matched-subset",
                    format!("{} matched", n.raw),
                    format!("{} before matching ({})", u.raw, show_path(&upath)),
                    "A matched cohort is a subset of the unmatched one, so no category can \
                     hold more matched patients than it held before matching."
                        .into(),
                ));
            }
        }
        for var in item.strings("balanced") {
            let Some(v) = matched.get(&var) else {
                return Err(Error::config(
                    &ctx.m.file,
                    format!(
                        "line {}: [[audit.subset]] lists `{var}` as balanced, but {} has no \
                         such variable.",
                        item.line,
                        show_path(&mp)
                    ),
                ));
            };
            let Some(d) = printed_smd(v, &ctx.totals, Take::Printed) else {
                continue;
            };
            let least = printed_smd(v, &ctx.totals, Take::Closest).unwrap_or(d);
            if least > ctx.smd_threshold {
                let mut path = mp.clone();
                path.push(var.clone());
                found.push((
                    path,
                    v.clone(),
                    Severity::Warning,
                    "matched-balance",
                    format!(
                        "matched on {var}{}",
                        v.num("p")
                            .map(|p| format!(", {}", printed_p(p, v.flag("p_lt"))))
                            .unwrap_or_default()
                    ),
                    format!(
                        "SMD {} (at least {} within the rounding of the printed numbers)",
                        ctx.num(d, 3),
                        ctx.num(least, 3)
                    ),
                    format!(
                        "A variable used in the matching should be balanced afterwards \
                         (|SMD| <= {}); the printed matched numbers are not, whatever \
                         their rounding.",
                        ctx.smd_threshold
                    ),
                ));
            }
        }
    }
    for (path, node, sev, kind, rep, rec, exp) in found {
        ctx.add(7, &path, &node, kind, sev, rep, rec, exp);
    }
    Ok(())
}

/// Where in its rounding interval a printed number is taken.
#[derive(Clone, Copy, PartialEq)]
enum Take {
    /// As printed.
    Printed,
    /// Within its rounding, as close to the other group as it can be
    /// (and SDs at their largest): the least imbalance the printed numbers
    /// allow.
    Closest,
}

/// `x` moved into `n`'s rounding interval as close to `toward` as it goes.
fn toward(n: &Num, target: f64) -> f64 {
    let (lo, hi) = n.interval();
    target.clamp(lo, hi)
}

/// The SMD of a printed variable between its first two groups
/// (`totals`, the total columns, left out): from level percentages
/// (Yang-Dalton; the binary SMD for two levels) or from means and SDs
/// (`|m2 - m1| / sqrt((s1^2 + s2^2)/2)`), with the numbers as printed or
/// at their closest within rounding ([`Take`]).
fn printed_smd(v: &Node, totals: &[String], take: Take) -> Option<f64> {
    let groups_of = |node: &Node, suffix: &str| -> Vec<String> {
        groups_with(node, suffix)
            .into_iter()
            .filter(|g| !totals.contains(g))
            .collect()
    };
    if let Some(rows) = level_tables(v) {
        let groups = groups_of(rows.first()?.1, "_pct");
        if groups.len() < 2 {
            return None;
        }
        let pct = |g: &str| -> Option<Vec<&Num>> {
            rows.iter()
                .map(|(_, r)| r.num(&format!("{g}_pct")))
                .collect()
        };
        let (pa, pb) = (pct(&groups[0])?, pct(&groups[1])?);
        let mut a: Vec<f64> = pa.iter().map(|n| n.value).collect();
        let mut b: Vec<f64> = pb.iter().map(|n| n.value).collect();
        if take == Take::Closest {
            for l in 0..a.len() {
                a[l] = toward(pa[l], b[l]);
                b[l] = toward(pb[l], a[l]);
            }
        }
        let props = |raw: &[f64]| -> Option<Vec<f64>> {
            let total: f64 = raw.iter().sum();
            (total > 0.0).then(|| raw.iter().map(|x| x / total).collect())
        };
        let (a, b) = (props(&a)?, props(&b)?);
        return if a.len() == 2 {
            smd::binary(b[1], a[1]).map(f64::abs)
        } else {
            smd::categorical(&b, &a)
        };
    }
    let groups = groups_of(v, "_mean");
    if groups.len() < 2 {
        return None;
    }
    let get = |g: &str, s: &str| v.num(&format!("{g}_{s}"));
    let (m1, s1, m2, s2) = (
        get(&groups[0], "mean")?,
        get(&groups[0], "sd")?,
        get(&groups[1], "mean")?,
        get(&groups[1], "sd")?,
    );
    let (mut a, mut b, mut sa, mut sb) = (m1.value, m2.value, s1.value, s2.value);
    if take == Take::Closest {
        a = toward(m1, b);
        b = toward(m2, a);
        (sa, sb) = (s1.interval().1, s2.interval().1);
    }
    let pooled = ((sa * sa + sb * sb) / 2.0).sqrt();
    (pooled > 0.0).then(|| (b - a).abs() / pooled)
}
