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
            let Some(d) = printed_smd(v) else { continue };
            if d > ctx.smd_threshold {
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
                    format!("SMD {}", ctx.num(d, 3)),
                    format!(
                        "A variable used in the matching should be balanced afterwards \
                         (|SMD| <= {}); the printed matched numbers are not.",
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

/// The SMD of a printed variable between its first two groups: from level
/// percentages (Yang-Dalton; the binary SMD for two levels) or from means
/// and SDs (`|m2 - m1| / sqrt((s1^2 + s2^2)/2)`).
fn printed_smd(v: &Node) -> Option<f64> {
    if let Some(rows) = level_tables(v) {
        let groups = groups_with(rows.first()?.1, "_pct");
        if groups.len() < 2 {
            return None;
        }
        let props = |g: &str| -> Option<Vec<f64>> {
            let raw: Option<Vec<f64>> = rows
                .iter()
                .map(|(_, r)| r.num(&format!("{g}_pct")).map(|n| n.value / 100.0))
                .collect();
            let raw = raw?;
            let total: f64 = raw.iter().sum();
            (total > 0.0).then(|| raw.iter().map(|x| x / total).collect())
        };
        let (a, b) = (props(&groups[0])?, props(&groups[1])?);
        return if a.len() == 2 {
            smd::binary(b[1], a[1]).map(f64::abs)
        } else {
            smd::categorical(&b, &a)
        };
    }
    let groups = groups_with(v, "_mean");
    if groups.len() < 2 {
        return None;
    }
    let get = |g: &str, s: &str| v.num(&format!("{g}_{s}")).map(|n| n.value);
    let (m1, s1, m2, s2) = (
        get(&groups[0], "mean")?,
        get(&groups[0], "sd")?,
        get(&groups[1], "mean")?,
        get(&groups[1], "sd")?,
    );
    let pooled = ((s1 * s1 + s2 * s2) / 2.0).sqrt();
    (pooled > 0.0).then(|| (m2 - m1).abs() / pooled)
}
