//! Rule 8, copy-paste: a variable's rows (or one group's column) repeating
//! another variable's, and identical HR/CI/p records in unlinked places.

use super::context::*;

pub(super) fn copy_paste(ctx: &mut Ctx<'_>) {
    let mut found: Vec<Found> = ctx.sites.iter().flat_map(copied_rows).collect();
    found.extend(repeated_hrs(ctx));
    ctx.add_all(8, found);
}

/// A row's numbers as `key=value` (only `group`'s when given).
fn signature(row: &Node, group: Option<&str>) -> Vec<String> {
    row.entries()
        .iter()
        .filter(|(k, _)| group.is_none_or(|g| k.starts_with(&format!("{g}_"))))
        .filter_map(|(k, v)| match &v.value {
            Value::Num(n) => Some(format!("{k}={}", n.value)),
            _ => None,
        })
        .collect()
}

/// Some number of the rows (of `group`'s column) is not zero.
fn nonzero(rows: &[(&str, &Node)], group: Option<&str>) -> bool {
    rows.iter().any(|(_, r)| {
        r.entries().iter().any(|(k, v)| {
            group.is_none_or(|g| k.starts_with(&format!("{g}_")))
                && matches!(&v.value, Value::Num(n) if n.value != 0.0)
        })
    })
}

/// `small` occurs as a run of consecutive rows of `big`.
fn contains(big: &[Vec<String>], small: &[Vec<String>]) -> bool {
    small.len() <= big.len() && big.windows(small.len()).any(|w| w == small)
}

/// A copy-paste warning on variable `name` of `site`.
fn copied(
    site: &Site<'_>,
    name: &str,
    node: &Node,
    reported: String,
    recomputed: String,
    explanation: String,
) -> Found {
    let mut path = site.path.clone();
    path.push(name.to_string());
    Found {
        path,
        node: node.clone(),
        severity: Severity::Warning,
        kind: "copy-paste",
        reported,
        recomputed,
        explanation,
    }
}

/// The variables (children with levels) of one table whose rows, or one
/// group's column, repeat another variable's.
fn copied_rows(site: &Site<'_>) -> Vec<Found> {
    let vars: Vec<(&str, &Node, Rows)> = site
        .node()
        .entries()
        .iter()
        .filter_map(|(k, v)| level_tables(v).map(|rows| (k.as_str(), v, rows)))
        .collect();
    let mut found = Vec::new();
    if vars.len() < 2 {
        return found;
    }
    let rows_of = |rows: &Rows, group: Option<&str>| -> Vec<Vec<String>> {
        rows.iter().map(|(_, r)| signature(r, group)).collect()
    };
    for (i, (a_name, a_node, a_rows)) in vars.iter().enumerate() {
        if a_rows.len() < 2 || !nonzero(a_rows, None) {
            continue;
        }
        let a_sig = rows_of(a_rows, None);
        for (j, (b_name, _, b_rows)) in vars.iter().enumerate() {
            if i == j {
                continue;
            }
            // Report a pair once: the later variable repeats the earlier.
            let full = contains(&rows_of(b_rows, None), &a_sig);
            if full && (j < i || b_rows.len() > a_rows.len()) {
                found.push(copied(
                    site,
                    a_name,
                    a_node,
                    format!("all {} rows of {a_name}", a_rows.len()),
                    format!("identical to rows of {b_name}"),
                    format!(
                        "Every number in the rows of {a_name} repeats rows of {b_name} \
                         exactly; a copy-paste error is likely."
                    ),
                ));
                continue;
            }
            if full || j < i || a_rows.len() < 3 {
                continue;
            }
            // One group's column repeated (three or more levels, so the
            // match is more than one free number).
            for g in groups_with(a_rows[0].1, "_n") {
                if nonzero(a_rows, Some(&g))
                    && contains(&rows_of(b_rows, Some(&g)), &rows_of(a_rows, Some(&g)))
                {
                    found.push(copied(
                        site,
                        a_name,
                        a_node,
                        format!("{g} column of {a_name}"),
                        format!("identical to the {g} column of {b_name}"),
                        format!(
                            "The {g} counts and percentages of {a_name} repeat those of \
                             {b_name} exactly."
                        ),
                    ));
                }
            }
        }
    }
    found
}

/// Identical HR records in places that no `[[audit.same]]` links.
fn repeated_hrs(ctx: &Ctx<'_>) -> Vec<Found> {
    let records: Vec<(&Site, String)> = ctx
        .sites
        .iter()
        .filter_map(|s| {
            let n = s.node();
            let (hr, lo, hi) = (n.num("hr")?, n.num("ci_lo")?, n.num("ci_hi")?);
            Some((
                s,
                format!(
                    "{} ({}-{}), p {}",
                    hr.raw,
                    lo.raw,
                    hi.raw,
                    n.num("p").map_or("-", |p| p.raw.as_str())
                ),
            ))
        })
        .collect();
    let linked = |a: &[String], b: &[String]| {
        ctx.same.iter().any(|(_, paths, _)| {
            paths.iter().any(|p| a.starts_with(p)) && paths.iter().any(|p| b.starts_with(p))
        })
    };
    let mut found = Vec::new();
    for (i, (a, sig)) in records.iter().enumerate() {
        if let Some((b, _)) = records[..i]
            .iter()
            .find(|(b, s)| s == sig && !linked(&a.path, &b.path))
        {
            found.push(Found::at(
                a,
                Severity::Warning,
                "repeat-hr",
                sig.clone(),
                format!("identical at {}", show_path(&b.path)),
                "Two different estimates print the same HR, CI and p-value to the last digit; \
                 unless they are the same estimate (link them in [[audit.same]]), one was \
                 probably copied."
                    .into(),
            ));
        }
    }
    found
}
