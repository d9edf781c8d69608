//! The eight audit rules (see the module documentation of `audit`). Each rule
//! walks the manifest by shape and records findings; tolerances come from
//! the printed decimals of the numbers involved.

use super::{Finding, Severity};
use crate::error::{Error, Result};
use crate::format::Formatter;
use crate::published::manifest::{Manifest, Node, Num, Value, parse_path, show_path};
use crate::stats::{contingency, smd, t_test};
use statrs::distribution::{ContinuousCDF, Normal};

/// Two-sided 97.5% normal quantile, for Wald intervals.
const Z975: f64 = 1.959_963_984_540_054;

/// Node budget of the exact test (tables printed in papers are small).
const FISHER_BUDGET: u64 = 10_000_000;

/// An `[[audit.*]]` link: what it names, its paths, and its own entry.
type Link<'a> = (String, Vec<Vec<String>>, &'a Node);

/// A number under a node: its relative key, value and node.
type Leaf<'a> = (String, &'a Num, &'a Node);

/// The level rows of a variable, by level name.
type Rows<'a> = Vec<(&'a str, &'a Node)>;

/// 2 x 2 rows of one table reproduced only without / only with Yates.
struct Mix {
    path: Vec<String>,
    node: Node,
    plain: Vec<String>,
    yates: Vec<String>,
}

/// A table of the manifest with its path and its enclosing tables.
struct Site<'a> {
    path: Vec<String>,
    /// Root first, the table itself last.
    chain: Vec<&'a Node>,
}

impl<'a> Site<'a> {
    fn node(&self) -> &'a Node {
        self.chain[self.chain.len() - 1]
    }

    /// The number `key` in the nearest table strictly enclosing this one.
    fn inherited(&self, key: &str) -> Option<&'a Num> {
        self.chain[..self.chain.len() - 1]
            .iter()
            .rev()
            .find_map(|n| n.num(key))
    }

    /// The string `key` here or in the nearest enclosing table.
    fn inherited_str(&self, keys: &[&str]) -> Option<&'a str> {
        self.chain
            .iter()
            .rev()
            .find_map(|n| keys.iter().find_map(|k| n.str(k)))
    }

    fn parent(&self) -> Option<&'a Node> {
        (self.chain.len() >= 2).then(|| self.chain[self.chain.len() - 2])
    }
}

struct Ctx<'a> {
    m: &'a Manifest,
    fmt: &'a Formatter,
    alpha: f64,
    smd_threshold: f64,
    sites: Vec<Site<'a>>,
    /// `[[audit.same]]` groups of paths.
    same: Vec<Link<'a>>,
    out: Vec<Finding>,
    seq: [usize; 9],
}

impl<'a> Ctx<'a> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rule: u8,
        path: &[String],
        node: &Node,
        kind: &str,
        severity: Severity,
        reported: String,
        recomputed: String,
        explanation: String,
    ) {
        self.seq[rule as usize] += 1;
        self.out.push(Finding {
            id: format!("{rule}.{:02}", self.seq[rule as usize]),
            rule,
            location: show_path(path),
            line: self.m.at(node),
            kind: kind.into(),
            severity,
            reported,
            recomputed,
            explanation,
        });
    }

    fn num(&self, x: f64, d: u32) -> String {
        self.fmt.fixed(Some(x), d as usize)
    }

    /// A p-value with enough digits to compare with a printed one.
    fn p(&self, x: f64) -> String {
        if x < 1e-4 {
            format!("{x:.1e}")
        } else {
            self.fmt.fixed(Some(x), 4)
        }
    }
}

/// Runs every rule.
pub(super) fn run(m: &Manifest, fmt: &Formatter) -> Result<Vec<Finding>> {
    let settings = m.root.get("audit");
    let mut sites = Vec::new();
    collect(&m.root, &mut Vec::new(), &mut vec![&m.root], &mut sites);
    let mut ctx = Ctx {
        m,
        fmt,
        alpha: settings
            .and_then(|s| s.num("alpha"))
            .map_or(0.05, |n| n.value),
        smd_threshold: settings
            .and_then(|s| s.num("smd_threshold"))
            .map_or(0.1, |n| n.value),
        sites,
        same: Vec::new(),
        out: Vec::new(),
        seq: [0; 9],
    };
    ctx.same = links(m, settings, "same", "paths")?;
    percentages(&mut ctx);
    category_sums(&mut ctx);
    categorical_tests(&mut ctx);
    mean_tests(&mut ctx);
    integer_checks(&mut ctx, settings)?;
    hazard_ratios(&mut ctx);
    repeated_numbers(&mut ctx, settings)?;
    matched_cohorts(&mut ctx, settings)?;
    copy_paste(&mut ctx);
    Ok(ctx.out)
}

fn collect<'a>(
    node: &'a Node,
    path: &mut Vec<String>,
    chain: &mut Vec<&'a Node>,
    out: &mut Vec<Site<'a>>,
) {
    out.push(Site {
        path: path.clone(),
        chain: chain.clone(),
    });
    for (key, child) in node.entries() {
        if path.is_empty() && key == "audit" {
            continue;
        }
        match &child.value {
            Value::Table(_) => {
                path.push(key.clone());
                chain.push(child);
                collect(child, path, chain, out);
                chain.pop();
                path.pop();
            }
            Value::Arr(items) => {
                for (i, item) in items.iter().enumerate().filter(|(_, i)| i.is_table()) {
                    path.push(key.clone());
                    path.push(i.to_string());
                    chain.push(item);
                    collect(item, path, chain, out);
                    chain.pop();
                    path.pop();
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

/// `[[audit.<section>]]` entries: (what, paths, node). Every path must exist.
fn links<'a>(
    m: &'a Manifest,
    settings: Option<&'a Node>,
    section: &str,
    key: &str,
) -> Result<Vec<Link<'a>>> {
    let Some(Value::Arr(items)) = settings.and_then(|s| s.get(section)).map(|n| &n.value) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in items {
        let paths: Vec<Vec<String>> = item.strings(key).iter().map(|p| parse_path(p)).collect();
        for p in &paths {
            resolve(m, item, section, p)?;
        }
        let what = item.str("what").unwrap_or("").to_string();
        out.push((what, paths, item));
    }
    Ok(out)
}

fn resolve<'a>(m: &'a Manifest, at: &Node, section: &str, path: &[String]) -> Result<&'a Node> {
    m.get(path).ok_or_else(|| {
        Error::config(
            &m.file,
            format!(
                "line {}: [[audit.{section}]] names `{}`, which is not in the manifest. \
                 Check the path against the table headers (quote keys with punctuation, \
                 e.g. table1.unmatched.age.\"<=65\".sr_n).",
                at.line,
                show_path(path)
            ),
        )
    })
}

/// Group prefixes of the keys `X_<suffix>` in a table, in file order.
fn groups_with(node: &Node, suffix: &str) -> Vec<String> {
    node.entries()
        .iter()
        .filter(|(_, v)| matches!(v.value, Value::Num(_)))
        .filter_map(|(k, _)| k.strip_suffix(suffix).map(str::to_string))
        .filter(|g| !g.is_empty())
        .collect()
}

/// Whether two printed numbers can be the same value: equal when printed
/// with the same decimals, else rounding intervals that overlap (68 and
/// 68.0 agree; 99.1 and 99.0 do not).
fn overlap(a: &Num, b: &Num) -> bool {
    if a.decimals == b.decimals {
        return (a.value - b.value).abs() <= 1e-9 * a.value.abs().max(1.0);
    }
    let (a0, a1) = (a.value - a.half_unit(), a.value + a.half_unit());
    let (b0, b1) = (b.value - b.half_unit(), b.value + b.half_unit());
    a0 < b1 && b0 < a1
}

fn within(x: f64, n: &Num) -> bool {
    let (lo, hi) = n.interval();
    x >= lo && x <= hi
}

/// Whether a recomputed p agrees with a printed one ("<x" when `lt`).
fn p_agrees(calc: f64, printed: &Num, lt: bool) -> bool {
    if lt {
        calc < printed.value * (1.0 + 1e-9)
    } else {
        within(calc, printed)
    }
}

fn printed_p(p: &Num, lt: bool) -> String {
    if lt {
        format!("p < {}", p.raw)
    } else {
        format!("p = {}", p.raw)
    }
}

// ---------------------------------------------------------------- rule 1

fn percentages(ctx: &mut Ctx<'_>) {
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

// ---------------------------------------------------------------- rule 2

/// Level tables of a variable (`levels = [...]`), when all are present.
fn level_tables(node: &Node) -> Option<Rows<'_>> {
    let names = node.strings("levels");
    if names.is_empty() {
        return None;
    }
    let rows: Vec<(&str, &Node)> = node
        .entries()
        .iter()
        .filter(|(k, v)| v.is_table() && names.contains(k))
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    (rows.len() == names.len()).then_some(rows)
}

/// The count matrix (levels x groups) of a variable, with the group names.
fn level_counts(rows: &[(&str, &Node)]) -> Option<(Vec<String>, Vec<Vec<f64>>)> {
    let groups = groups_with(rows.first()?.1, "_n");
    let counts: Option<Vec<Vec<f64>>> = rows
        .iter()
        .map(|(_, r)| {
            groups
                .iter()
                .map(|g| r.num(&format!("{g}_n")).map(|n| n.value))
                .collect()
        })
        .collect();
    Some((groups, counts?))
}

fn category_sums(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        let node = site.node();
        let Some(rows) = level_tables(node) else {
            continue;
        };
        let Some((groups, counts)) = level_counts(&rows) else {
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

// ---------------------------------------------------------------- rule 3

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

fn categorical_tests(ctx: &mut Ctx<'_>) {
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

// ---------------------------------------------------------------- rule 4

fn mean_tests(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        let node = site.node();
        let groups: Vec<String> = groups_with(node, "_mean")
            .into_iter()
            .filter(|g| node.num(&format!("{g}_sd")).is_some())
            .collect();
        // Quartiles must enclose the median whatever the test.
        for g in groups_with(node, "_median") {
            let get = |s: &str| node.num(&format!("{g}_{s}"));
            if let (Some(md), Some(q1), Some(q3)) = (get("median"), get("q1"), get("q3"))
                && !(q1.value <= md.value && md.value <= q3.value)
            {
                found.push((
                    site.path.clone(),
                    node.clone(),
                    Severity::Error,
                    "quartiles",
                    format!("{g}: {} ({}-{})", md.raw, q1.raw, q3.raw),
                    "Q1 <= median <= Q3".to_string(),
                    "The interquartile range does not contain the median.".to_string(),
                ));
            }
        }
        if groups.len() != 2 {
            continue;
        }
        let Some(p) = node.num("p") else { continue };
        let lt = node.flag("p_lt");
        let summary = |g: &str| -> Option<[f64; 3]> {
            Some([
                node.num(&format!("{g}_mean"))?.value,
                node.num(&format!("{g}_sd"))?.value,
                site.inherited(&format!("{g}_n"))
                    .or_else(|| node.num(&format!("{g}_n")))?
                    .value,
            ])
        };
        let (Some(a), Some(b)) = (summary(&groups[0]), summary(&groups[1])) else {
            continue;
        };
        let welch = t_test::from_summary(a, b, false).ok().map(|r| r.p);
        let pooled = t_test::from_summary(a, b, true).ok().map(|r| r.p);
        let (Some(welch), Some(pooled)) = (welch, pooled) else {
            continue;
        };
        let stated = site.inherited_str(&["test"]).unwrap_or("").to_lowercase();
        let is_t = ["t_test", "t-test", "welch", "student"]
            .iter()
            .any(|s| stated.contains(s));
        let shown = format!(
            "{} ({}) vs {} ({}), n {} vs {}, {}",
            node.num(&format!("{}_mean", groups[0]))
                .map_or("", |n| &n.raw),
            node.num(&format!("{}_sd", groups[0]))
                .map_or("", |n| &n.raw),
            node.num(&format!("{}_mean", groups[1]))
                .map_or("", |n| &n.raw),
            node.num(&format!("{}_sd", groups[1]))
                .map_or("", |n| &n.raw),
            a[2],
            b[2],
            printed_p(p, lt)
        );
        let recomputed = format!("Welch: {}; pooled t: {}", ctx.p(welch), ctx.p(pooled));
        let agrees = p_agrees(welch, p, lt) || p_agrees(pooled, p, lt);
        if is_t {
            if !agrees {
                found.push((
                    site.path.clone(),
                    node.clone(),
                    Severity::Error,
                    "mean-test",
                    shown,
                    recomputed,
                    "Neither t-test reproduces the printed p-value from the printed means, SDs \
                     and group sizes."
                        .to_string(),
                ));
            }
            continue;
        }
        // A rank test cannot be recomputed from summaries; flag only a
        // printed p on the other side of alpha from both t-tests, and call
        // it an error when they are three orders of magnitude apart.
        let (plo, phi) = if lt { (0.0, p.value) } else { p.interval() };
        let t_sig = welch.max(pooled) < ctx.alpha;
        let t_non = welch.min(pooled) > ctx.alpha;
        let printed_sig = phi < ctx.alpha;
        let printed_non = plo > ctx.alpha;
        if (t_sig && printed_non) || (t_non && printed_sig) {
            let gap = if t_sig {
                (plo / welch.max(pooled)).log10()
            } else {
                (welch.min(pooled) / phi.max(1e-300)).log10()
            };
            found.push((
                site.path.clone(),
                node.clone(),
                if gap > 3.0 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                "mean-test",
                shown,
                recomputed,
                format!(
                    "The stated test ({}) cannot be recomputed from summaries, but both t-tests \
                     put the difference on the other side of {} from the printed p-value{}.",
                    if stated.is_empty() {
                        "not stated"
                    } else {
                        &stated
                    },
                    ctx.alpha,
                    if gap > 3.0 {
                        " by more than three orders of magnitude: no test of these data can \
                         give the printed value"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    for (path, node, sev, kind, rep, rec, exp) in found {
        ctx.add(4, &path, &node, kind, sev, rep, rec, exp);
    }
}

/// GRIM and GRIMMER (with the minimum variance of integer data) for the
/// variables listed in `[audit] integer_valued`.
fn integer_checks(ctx: &mut Ctx<'_>, settings: Option<&Node>) -> Result<()> {
    let Some(s) = settings else { return Ok(()) };
    let mut found = Vec::new();
    for path in s.strings("integer_valued") {
        let keys = parse_path(&path);
        let node = resolve(
            ctx.m,
            s.get("integer_valued").unwrap_or(s),
            "integer_valued",
            &keys,
        )?;
        let site = ctx.sites.iter().find(|x| x.path == keys);
        for g in groups_with(node, "_mean") {
            let (Some(mean), Some(sd)) =
                (node.num(&format!("{g}_mean")), node.num(&format!("{g}_sd")))
            else {
                continue;
            };
            let Some(n) = site
                .and_then(|s| s.inherited(&format!("{g}_n")))
                .or_else(|| node.num(&format!("{g}_n")))
            else {
                continue;
            };
            let n_int = n.value.round() as i64;
            if n_int < 2 {
                continue;
            }
            let verdict = grimmer(mean, sd, n_int);
            let shown = format!("{g}: {} ({}), n = {n_int}", mean.raw, sd.raw);
            match verdict {
                Grimmer::Possible => {}
                Grimmer::MeanImpossible => found.push((
                    keys.clone(),
                    node.clone(),
                    "grim",
                    shown,
                    format!("no integer total / {n_int} rounds to {}", mean.raw),
                    format!(
                        "GRIM: no sum of {n_int} integers has a mean that rounds to {}.",
                        mean.raw
                    ),
                )),
                Grimmer::SdImpossible { min_sd } => found.push((
                    keys.clone(),
                    node.clone(),
                    "grimmer",
                    shown,
                    format!("smallest possible SD {}", ctx.num(min_sd, sd.decimals + 2)),
                    format!(
                        "GRIMMER: no {n_int} integers with a mean that rounds to {} have an SD \
                         that rounds to {} (integer data with this mean cannot vary less than \
                         SD {}, and the sum of squares must have the parity of the sum).",
                        mean.raw,
                        sd.raw,
                        ctx.num(min_sd, sd.decimals + 2)
                    ),
                )),
            }
        }
    }
    for (path, node, kind, rep, rec, exp) in found {
        ctx.add(4, &path, &node, kind, Severity::Error, rep, rec, exp);
    }
    Ok(())
}

enum Grimmer {
    Possible,
    MeanImpossible,
    SdImpossible { min_sd: f64 },
}

/// For integer data: a sum `S` with `S/n` in the mean's rounding interval
/// (GRIM), and a sum of squares `Q` with `Q = S (mod 2)`, `Q >= Q_min(S)`
/// (all values within one of each other) and the sample SD
/// `sqrt((Q - S^2/n)/(n-1))` in the SD's rounding interval (GRIMMER;
/// Anaya 2016; Brown & Heathers 2017).
fn grimmer(mean: &Num, sd: &Num, n: i64) -> Grimmer {
    let (m0, m1) = mean.interval();
    let (s0, s1) = sd.interval();
    let nf = n as f64;
    let sums: Vec<i64> = ((m0 * nf).ceil() as i64..=(m1 * nf).floor() as i64).collect();
    if sums.is_empty() {
        return Grimmer::MeanImpossible;
    }
    let mut min_sd = f64::INFINITY;
    for &s in &sums {
        let fl = s.div_euclid(n);
        let r = s.rem_euclid(n);
        let q_min = n * fl * fl + r * (2 * fl + 1);
        let sf = s as f64;
        let q_of = |sd: f64| sd * sd * (nf - 1.0) + sf * sf / nf;
        let sd_of_q = |q: i64| ((q as f64 - sf * sf / nf) / (nf - 1.0)).max(0.0).sqrt();
        min_sd = min_sd.min(sd_of_q(q_min));
        let lo = (q_of(s0.max(0.0)).ceil() as i64).max(q_min);
        let hi = q_of(s1).floor() as i64;
        if (lo..=hi).any(|q| (q - s).rem_euclid(2) == 0) {
            return Grimmer::Possible;
        }
    }
    Grimmer::SdImpossible { min_sd }
}

// ---------------------------------------------------------------- rule 5

fn hazard_ratios(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    let normal = Normal::standard();
    for site in &ctx.sites {
        let node = site.node();
        // Values the manifest corrected from the print.
        for (key, child) in node.entries() {
            if let (Some(base), Value::Num(printed)) = (key.strip_suffix("_printed"), &child.value)
                && let Some(read) = node.num(base)
                && read.value != printed.value
            {
                found.push((
                    site.path.clone(),
                    node.clone(),
                    Severity::Warning,
                    "typesetting",
                    format!("{base} printed as {}", printed.raw),
                    format!("{} (read)", read.raw),
                    node.str("parse_note")
                        .map(|s| format!("The printed value is not possible here: {s}."))
                        .unwrap_or_else(|| "The printed value is not possible here.".into()),
                ));
            }
        }
        let (Some(hr), Some(lo), Some(hi)) = (node.num("hr"), node.num("ci_lo"), node.num("ci_hi"))
        else {
            continue;
        };
        let p = node.num("p");
        let lt = node.flag("p_lt");
        let shown = format!(
            "{} ({}-{}){}",
            hr.raw,
            lo.raw,
            hi.raw,
            p.map(|p| format!(", {}", printed_p(p, lt)))
                .unwrap_or_default()
        );
        let (h0, h1) = hr.interval();
        let (l0, l1) = lo.interval();
        let (u0, u1) = hi.interval();
        if !(l0 <= h1 && h0 <= u1) {
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Error,
                "hr-ci",
                shown,
                "lower <= HR <= upper".into(),
                "The hazard ratio lies outside its own confidence interval.".into(),
            ));
            continue;
        }
        if l0 <= 0.0 {
            continue;
        }
        let d = hr.decimals.max(lo.decimals).max(hi.decimals);
        // Symmetry on the log scale: some (h, l, u) in the rounding boxes
        // with ln h = (ln l + ln u) / 2.
        let mid0 = (l0.ln() + u0.ln()) / 2.0;
        let mid1 = (l1.ln() + u1.ln()) / 2.0;
        let symmetric = mid0 <= h1.ln() && h0.ln() <= mid1;
        if !symmetric {
            let gm = (lo.value * hi.value).sqrt();
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Error,
                "hr-ci",
                shown.clone(),
                format!("centre of the CI on the log scale: {}", ctx.num(gm, d)),
                format!(
                    "A Wald interval is symmetric about log HR, so the HR should be the \
                     geometric mean of its limits, sqrt({} x {}) = {}; no rounding of the \
                     printed numbers makes it {}.",
                    lo.raw,
                    hi.raw,
                    ctx.num(gm, d + 1),
                    hr.raw
                ),
            ));
        }
        let Some(p) = p else { continue };
        // Significance must agree with the CI.
        let excludes = l0 > 1.0 || u1 < 1.0;
        let includes = l1 < 1.0 && 1.0 < u0;
        let (p0, p1) = if lt { (0.0, p.value) } else { p.interval() };
        let sig = p1 < ctx.alpha || (lt && p.value <= ctx.alpha);
        let non = p0 > ctx.alpha;
        if (excludes && non) || (includes && sig) {
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Error,
                "hr-significance",
                shown,
                if excludes {
                    "CI excludes 1".into()
                } else {
                    "CI includes 1".into()
                },
                format!(
                    "A 95% CI that {} 1 implies p {} {}, but the printed p-value says otherwise.",
                    if excludes { "excludes" } else { "includes" },
                    if excludes { "<" } else { ">" },
                    ctx.alpha
                ),
            ));
            continue;
        }
        if !symmetric {
            continue;
        }
        // The Wald p implied by the CI, over the rounding box.
        let wald = |ln_hr: f64, width: f64| {
            let se = width / (2.0 * Z975);
            2.0 * normal.sf(ln_hr.abs() / se)
        };
        let abs_max = h0.ln().abs().max(h1.ln().abs());
        let abs_min = if h0 <= 1.0 && 1.0 <= h1 {
            0.0
        } else {
            h0.ln().abs().min(h1.ln().abs())
        };
        let pmin = wald(abs_max, u0.ln() - l1.ln());
        let pmax = wald(abs_min, u1.ln() - l0.ln());
        if pmax < p0 || pmin > p1 {
            let centre = wald(hr.value.ln(), hi.value.ln() - lo.value.ln());
            // Likelihood-ratio and score p-values differ from the Wald one,
            // but not by a factor of two at the sizes of a published model.
            let far = pmax * 2.0 < p0 || pmin > p1 * 2.0;
            found.push((
                site.path.clone(),
                node.clone(),
                if far {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                "hr-p",
                shown,
                format!(
                    "Wald p {} (rounding allows {}-{})",
                    ctx.p(centre),
                    ctx.p(pmin),
                    ctx.p(pmax)
                ),
                if far {
                    "The p-value implied by the HR and its CI (Wald test, SE from the CI width) \
                     differs from the printed p by more than a factor of two beyond rounding; \
                     no other test of the same model differs that much."
                        .into()
                } else {
                    "The p-value implied by the HR and its CI (Wald test, SE from the CI width) \
                     disagrees with the printed p beyond rounding; a likelihood-ratio or score \
                     p-value would explain a difference this small."
                        .into()
                },
            ));
        }
    }
    for (path, node, sev, kind, rep, rec, exp) in found {
        ctx.add(5, &path, &node, kind, sev, rep, rec, exp);
    }
}

// ---------------------------------------------------------------- rule 6

/// The numbers under a node, keyed by their path relative to it.
fn leaves<'a>(node: &'a Node, prefix: &str, out: &mut Vec<Leaf<'a>>) {
    match &node.value {
        Value::Num(n) => out.push((prefix.to_string(), n, node)),
        Value::Arr(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves(item, &join(prefix, &i.to_string()), out);
            }
        }
        Value::Table(entries) => {
            for (k, v) in entries {
                leaves(v, &join(prefix, k), out);
            }
        }
        _ => {}
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// " (what)", or nothing when a link has no `what`.
fn in_parentheses(what: &str) -> String {
    if what.is_empty() {
        String::new()
    } else {
        format!(" ({what})")
    }
}

fn repeated_numbers(ctx: &mut Ctx<'_>, settings: Option<&Node>) -> Result<()> {
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

// ---------------------------------------------------------------- rule 7

fn matched_cohorts(ctx: &mut Ctx<'_>, settings: Option<&Node>) -> Result<()> {
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

// ---------------------------------------------------------------- rule 8

fn copy_paste(ctx: &mut Ctx<'_>) {
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
