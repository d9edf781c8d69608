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

/// A place holding a linked number: its path, the number and its table.
type Holder<'a> = (&'a Vec<String>, &'a Num, &'a Node);

/// A finding of this rule, before numbering.
type Raw = (
    Vec<String>,
    Node,
    Severity,
    &'static str,
    String,
    String,
    String,
);

/// The places of one linked number judged by agreement: the largest group
/// of places that agree with each other stands, and each place outside it
/// is an error. When no group is larger than the places outside it (two
/// places that differ, or an even split), every place is flagged, and the
/// finding says the majority cannot tell which is right.
fn disagreements(key: &str, holders: &[Holder<'_>], what: &str) -> Vec<Raw> {
    let agree = |i: usize| -> Vec<usize> {
        (0..holders.len())
            .filter(|&j| overlap(holders[i].1, holders[j].1))
            .collect()
    };
    let Some(best) = (0..holders.len()).max_by_key(|&i| (agree(i).len(), usize::MAX - i)) else {
        return Vec::new();
    };
    let majority = agree(best);
    if majority.len() == holders.len() {
        return Vec::new();
    }
    let full = |p: &Vec<String>| {
        let mut v = p.clone();
        v.extend(parse_path(key));
        v
    };
    let clear = majority.len() * 2 > holders.len();
    let (p0, n0, _) = holders[best];
    (0..holders.len())
        .filter(|i| !clear || !majority.contains(i))
        .map(|i| {
            let (p, n, node) = holders[i];
            let others: Vec<String> = (0..holders.len())
                .filter(|&j| j != i)
                .map(|j| format!("{} at {}", holders[j].1.raw, show_path(&full(holders[j].0))))
                .collect();
            let (recomputed, why) = if clear {
                (
                    format!("{} at {} of {} places, e.g. {}", n0.raw, majority.len(), holders.len(), show_path(&full(p0))),
                    format!(
                        "The same number{} is printed otherwise in {} of the {} places that report it; this one disagrees.",
                        in_parentheses(what),
                        majority.len(),
                        holders.len()
                    ),
                )
            } else {
                (
                    others.join("; "),
                    format!(
                        "The same number{} is reported differently, and no value is printed in more places \
                         than the others: which one is right cannot be told from the paper, so every place is flagged.",
                        in_parentheses(what)
                    ),
                )
            };
            (full(p), node.clone(), Severity::Error, "repeat", format!("{} at {}", n.raw, show_path(&full(p))), recomputed, why)
        })
        .collect()
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
            let holders: Vec<Holder<'_>> = nodes
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
            found.extend(disagreements(key, &holders, what));
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
