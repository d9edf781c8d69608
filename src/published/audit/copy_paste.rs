//! Rule 8, copy-paste: a variable's rows (or one group's column) repeating
//! another variable's, and identical HR/CI/p records in unlinked places.

use super::context::*;

pub(super) fn copy_paste(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        let node = site.node();
        // Variables (children with levels) of this table.
        let vars: Vec<(&str, &Node, Rows)> = node
            .entries()
            .iter()
            .filter_map(|(k, v)| level_tables(v).map(|rows| (k.as_str(), v, rows)))
            .collect();
        if vars.len() < 2 {
            continue;
        }
        let signature = |row: &Node, group: Option<&str>| -> Vec<String> {
            row.entries()
                .iter()
                .filter(|(k, _)| group.is_none_or(|g| k.starts_with(&format!("{g}_"))))
                .filter_map(|(k, v)| match &v.value {
                    Value::Num(n) => Some(format!("{k}={}", n.value)),
                    _ => None,
                })
                .collect()
        };
        let nonzero = |rows: &[(&str, &Node)], group: Option<&str>| {
            rows.iter().any(|(_, r)| {
                r.entries().iter().any(|(k, v)| {
                    group.is_none_or(|g| k.starts_with(&format!("{g}_")))
                        && matches!(&v.value, Value::Num(n) if n.value != 0.0)
                })
            })
        };
        let contains = |big: &[Vec<String>], small: &[Vec<String>]| {
            small.len() <= big.len() && big.windows(small.len()).any(|w| w == small)
        };
        for (i, (a_name, a_node, a_rows)) in vars.iter().enumerate() {
            if a_rows.len() < 2 || !nonzero(a_rows, None) {
                continue;
            }
            let a_sig: Vec<Vec<String>> = a_rows.iter().map(|(_, r)| signature(r, None)).collect();
            for (j, (b_name, _, b_rows)) in vars.iter().enumerate() {
                if i == j {
                    continue;
                }
                let b_sig: Vec<Vec<String>> =
                    b_rows.iter().map(|(_, r)| signature(r, None)).collect();
                // Report a pair once: the later variable repeats the earlier.
                let full = contains(&b_sig, &a_sig);
                if full && (j < i || b_rows.len() > a_rows.len()) {
                    let mut path = site.path.clone();
                    path.push(a_name.to_string());
                    found.push((
                        path,
                        (*a_node).clone(),
                        "copy-paste",
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
                    if !nonzero(a_rows, Some(&g)) {
                        continue;
                    }
                    let a_col: Vec<Vec<String>> =
                        a_rows.iter().map(|(_, r)| signature(r, Some(&g))).collect();
                    let b_col: Vec<Vec<String>> =
                        b_rows.iter().map(|(_, r)| signature(r, Some(&g))).collect();
                    if contains(&b_col, &a_col) {
                        let mut path = site.path.clone();
                        path.push(a_name.to_string());
                        found.push((
                            path,
                            (*a_node).clone(),
                            "copy-paste",
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
    }
    // Identical HR records in places that no [[audit.same]] links.
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
    for (i, (a, sig)) in records.iter().enumerate() {
        if let Some((b, _)) = records[..i]
            .iter()
            .find(|(b, s)| s == sig && !linked(&a.path, &b.path))
        {
            found.push((
                a.path.clone(),
                a.node().clone(),
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
    for (path, node, kind, rep, rec, exp) in found {
        ctx.add(8, &path, &node, kind, Severity::Warning, rep, rec, exp);
    }
}
