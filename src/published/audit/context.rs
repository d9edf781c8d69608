//! What the eight audit rules share: the tables of the manifest as sites,
//! the findings collected so far, the printed-precision comparisons, and
//! [`run`], which applies the rules in order. Each rule has its own file;
//! tolerances come from the printed decimals of the numbers involved.

pub(super) use super::{Finding, Severity};
pub(super) use crate::error::{Error, Result};
pub(super) use crate::format::Formatter;
pub(super) use crate::published::manifest::{Manifest, Node, Num, Value, parse_path, show_path};
pub(super) use crate::stats::{contingency, smd, t_test};
pub(super) use statrs::distribution::{ContinuousCDF, Normal};

use super::categorical_tests::categorical_tests;
use super::category_sums::{category_sums, total_columns};
use super::copy_paste::copy_paste;
use super::hazard_ratios::hazard_ratios;
use super::matched_cohorts::matched_cohorts;
use super::means::{integer_checks, mean_tests};
use super::percentages::percentages;
use super::repeated_numbers::repeated_numbers;
use super::test_names::unknown_test_names;

/// Two-sided 97.5% normal quantile, for Wald intervals.
pub(super) const Z975: f64 = 1.959_963_984_540_054;

/// Work budget of one printed p's exact Fisher test (network algorithm):
/// a few tenths of a second at most, so that an audit takes about a
/// second whatever the tables; past it, a seeded Monte Carlo p.
pub(super) const FISHER_BUDGET: u64 = 20_000_000;

/// An `[[audit.*]]` link: what it names, its paths, and its own entry.
pub(super) type Link<'a> = (String, Vec<Vec<String>>, &'a Node);

/// The level rows of a variable, by level name.
pub(super) type Rows<'a> = Vec<(&'a str, &'a Node)>;

/// A table of the manifest with its path and its enclosing tables.
pub(super) struct Site<'a> {
    pub(super) path: Vec<String>,
    /// Root first, the table itself last.
    pub(super) chain: Vec<&'a Node>,
}

impl<'a> Site<'a> {
    pub(super) fn node(&self) -> &'a Node {
        self.chain[self.chain.len() - 1]
    }

    /// The number `key` in the nearest table strictly enclosing this one.
    pub(super) fn inherited(&self, key: &str) -> Option<&'a Num> {
        self.chain[..self.chain.len() - 1]
            .iter()
            .rev()
            .find_map(|n| n.num(key))
    }

    /// The string `key` here or in the nearest enclosing table.
    pub(super) fn inherited_str(&self, keys: &[&str]) -> Option<&'a str> {
        self.chain
            .iter()
            .rev()
            .find_map(|n| keys.iter().find_map(|k| n.str(k)))
    }

    pub(super) fn parent(&self) -> Option<&'a Node> {
        (self.chain.len() >= 2).then(|| self.chain[self.chain.len() - 2])
    }
}

/// A finding collected while the sites are borrowed; [`Ctx::add_all`]
/// numbers and records them.
pub(super) struct Found {
    pub(super) path: Vec<String>,
    pub(super) node: Node,
    pub(super) severity: Severity,
    pub(super) kind: &'static str,
    pub(super) reported: String,
    pub(super) recomputed: String,
    pub(super) explanation: String,
}

impl Found {
    /// A finding at `site`.
    pub(super) fn at(
        site: &Site<'_>,
        severity: Severity,
        kind: &'static str,
        reported: String,
        recomputed: String,
        explanation: String,
    ) -> Found {
        Found {
            path: site.path.clone(),
            node: site.node().clone(),
            severity,
            kind,
            reported,
            recomputed,
            explanation,
        }
    }
}

pub(super) struct Ctx<'a> {
    pub(super) m: &'a Manifest,
    pub(super) fmt: &'a Formatter,
    pub(super) alpha: f64,
    pub(super) smd_threshold: f64,
    /// Group prefixes of total columns (`[audit] total_columns`): checked
    /// as the sum of the groups and left out of the tests between groups.
    pub(super) totals: Vec<String>,
    pub(super) sites: Vec<Site<'a>>,
    /// `[[audit.same]]` groups of paths.
    pub(super) same: Vec<Link<'a>>,
    pub(super) out: Vec<Finding>,
    pub(super) seq: [usize; 9],
}

impl<'a> Ctx<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add(
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

    /// Records the findings of `rule`, in order.
    pub(super) fn add_all(&mut self, rule: u8, found: Vec<Found>) {
        for f in found {
            self.add(
                rule,
                &f.path,
                &f.node,
                f.kind,
                f.severity,
                f.reported,
                f.recomputed,
                f.explanation,
            );
        }
    }

    pub(super) fn num(&self, x: f64, d: u32) -> String {
        self.fmt.fixed(Some(x), d as usize)
    }

    /// The group prefixes `X` of the keys `X_<suffix>` in `node` that are
    /// not total columns.
    pub(super) fn groups(&self, node: &Node, suffix: &str) -> Vec<String> {
        groups_with(node, suffix)
            .into_iter()
            .filter(|g| !self.totals.contains(g))
            .collect()
    }

    /// The p-values a recomputation gives over its inputs' rounding,
    /// "0.5880 to 0.6410"; one p when both ends print alike.
    pub(super) fn p_range(&self, (lo, hi): (f64, f64)) -> String {
        let (a, b) = (self.p(lo), self.p(hi));
        if a == b { a } else { format!("{a} to {b}") }
    }

    /// A p-value with enough digits to compare with a printed one.
    pub(super) fn p(&self, x: f64) -> String {
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
        totals: settings
            .map(|s| s.strings("total_columns"))
            .unwrap_or_default(),
        sites,
        same: Vec::new(),
        out: Vec::new(),
        seq: [0; 9],
    };
    ctx.same = links(m, settings, "same", "paths")?;
    percentages(&mut ctx);
    category_sums(&mut ctx);
    total_columns(&mut ctx);
    unknown_test_names(&mut ctx);
    categorical_tests(&mut ctx);
    mean_tests(&mut ctx);
    integer_checks(&mut ctx, settings)?;
    hazard_ratios(&mut ctx);
    repeated_numbers(&mut ctx, settings)?;
    matched_cohorts(&mut ctx, settings)?;
    copy_paste(&mut ctx);
    Ok(ctx.out)
}

pub(super) fn collect<'a>(
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
pub(super) fn links<'a>(
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

pub(super) fn resolve<'a>(
    m: &'a Manifest,
    at: &Node,
    section: &str,
    path: &[String],
) -> Result<&'a Node> {
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
pub(super) fn groups_with(node: &Node, suffix: &str) -> Vec<String> {
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
pub(super) fn overlap(a: &Num, b: &Num) -> bool {
    if a.decimals == b.decimals {
        return (a.value - b.value).abs() <= 1e-9 * a.value.abs().max(1.0);
    }
    let (a0, a1) = (a.value - a.half_unit(), a.value + a.half_unit());
    let (b0, b1) = (b.value - b.half_unit(), b.value + b.half_unit());
    a0 < b1 && b0 < a1
}

pub(super) fn within(x: f64, n: &Num) -> bool {
    let (lo, hi) = n.interval();
    x >= lo && x <= hi
}

/// Whether a recomputed p range (over its inputs' rounding) meets the
/// printed p (`p < x` when `lt`) within the printed p's own rounding.
pub(super) fn range_agrees((lo, hi): (f64, f64), printed: &Num, lt: bool) -> bool {
    if lt {
        lo < printed.value * (1.0 + 1e-9)
    } else {
        let (plo, phi) = printed.interval();
        lo <= phi && hi >= plo
    }
}

pub(super) fn printed_p(p: &Num, lt: bool) -> String {
    if lt {
        format!("p < {}", p.raw)
    } else {
        format!("p = {}", p.raw)
    }
}

// ---------------------------------------------------------------- rule 1

// ---------------------------------------------------------------- rule 2

// ---------------------------------------------------------------- rule 3

// ---------------------------------------------------------------- rule 4

// ---------------------------------------------------------------- rule 5

// ---------------------------------------------------------------- rule 6

// ---------------------------------------------------------------- rule 7

// ---------------------------------------------------------------- rule 8

/// Level tables of a variable (`levels = [...]`), when all are present.
pub(super) fn level_tables(node: &Node) -> Option<Rows<'_>> {
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

/// The count matrix (levels x groups) of a variable, with the group names;
/// the groups in `skip` (total columns) left out.
pub(super) fn level_counts(
    rows: &[(&str, &Node)],
    skip: &[String],
) -> Option<(Vec<String>, Vec<Vec<f64>>)> {
    let groups: Vec<String> = groups_with(rows.first()?.1, "_n")
        .into_iter()
        .filter(|g| !skip.contains(g))
        .collect();
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

/// A number under a node: its relative key, value and node.
pub(super) type Leaf<'a> = (String, &'a Num, &'a Node);

/// The numbers under a node, keyed by their path relative to it.
pub(super) fn leaves<'a>(node: &'a Node, prefix: &str, out: &mut Vec<Leaf<'a>>) {
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

pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}
