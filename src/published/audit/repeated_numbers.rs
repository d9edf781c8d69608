//! Rule 6, repeated numbers: paths linked in `[[audit.same]]` agree, and
//! `[[audit.sum]]` parts add up to their total.

use super::context::*;

/// " (what)", or nothing when a link has no `what`.
fn in_parentheses(what: &str) -> String {
    if what.is_empty() {
        String::new()
    } else {
        format!(" ({what})")
    }
}

pub(super) fn repeated_numbers(ctx: &mut Ctx<'_>, settings: Option<&Node>) -> Result<()> {
    let mut found = Vec::new();
    for (what, paths, _) in &ctx.same {
        let nodes: Vec<(&Vec<String>, Vec<Leaf>)> = paths
            .iter()
            .map(|p| {
                let mut out = Vec::new();
                if let Some(n) = ctx.m.get(p) {
                    leaves(n, "", &mut out);
                }
                (p, out)
            })
            .collect();
        let Some((_, first)) = nodes.first() else {
            continue;
        };
        // Compare every other place with the first place that has the key.
        let mut keys: Vec<&str> = first.iter().map(|(k, _, _)| k.as_str()).collect();
        for (_, l) in &nodes[1..] {
            for (k, _, _) in l {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
        for key in keys {
            let holders: Vec<(&Vec<String>, &Num, &Node)> = nodes
                .iter()
                .filter_map(|(p, l)| {
                    l.iter()
                        .find(|(k, _, _)| k == key)
                        .map(|(_, n, node)| (*p, *n, *node))
                })
                .collect();
            if holders.len() < 2 {
                continue;
            }
            let (p0, n0, _) = holders[0];
            for &(p, n, node) in &holders[1..] {
                if !overlap(n0, n) {
                    let under = |p: &Vec<String>| {
                        let mut v = p.clone();
                        v.extend(parse_path(key));
                        v
                    };
                    let full = |p: &Vec<String>| show_path(&under(p));
                    found.push((
                        under(p),
                        node.clone(),
                        Severity::Error,
                        "repeat",
                        format!("{} at {}", n.raw, full(p)),
                        format!("{} at {}", n0.raw, full(p0)),
                        format!(
                            "The same number{} is reported differently in two places.",
                            in_parentheses(what)
                        ),
                    ));
                }
            }
        }
    }
    for (what, parts, item) in links(ctx.m, settings, "sum", "parts")? {
        let Some(total_path) = item.str("total").map(parse_path) else {
            continue;
        };
        let total_node = resolve(ctx.m, item, "sum", &total_path)?;
        let Value::Num(total) = &total_node.value else {
            continue;
        };
        let nums: Vec<&Num> = parts
            .iter()
            .filter_map(|p| match &ctx.m.get(p)?.value {
                Value::Num(n) => Some(n),
                _ => None,
            })
            .collect();
        let sum: f64 = nums.iter().map(|n| n.value).sum();
        let slack: f64 = nums.iter().map(|n| n.half_unit()).sum::<f64>() + total.half_unit();
        if (sum - total.value).abs() > slack * (1.0 + 1e-9) {
            found.push((
                total_path.clone(),
                total_node.clone(),
                Severity::Error,
                "sum",
                format!(
                    "{} = {}",
                    nums.iter()
                        .map(|n| n.raw.as_str())
                        .collect::<Vec<_>>()
                        .join(" + "),
                    total.raw
                ),
                format!("sum {}", ctx.num(sum, total.decimals)),
                format!(
                    "The parts{} do not add up to the printed total.",
                    in_parentheses(&what)
                ),
            ));
        }
    }
    for (path, node, sev, kind, rep, rec, exp) in found {
        ctx.add(6, &path, &node, kind, sev, rep, rec, exp);
    }
    Ok(())
}
