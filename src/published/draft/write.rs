//! The draft's text: each table's blocks, variables and levels as TOML,
//! the footnote marks' tests, and the links between places.

use super::cells::{self, Cell};
use super::layout::{Block, Col, slug};
use super::rows::Var;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A TOML key: bare when it can be, else quoted.
pub(super) fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// The footnote marks of a table's notes: mark -> the test families named.
pub(super) fn marks(notes: &[String]) -> (BTreeMap<char, String>, Vec<String>) {
    let mut by_mark = BTreeMap::new();
    let mut general = Vec::new();
    for n in notes {
        let (text, sup) = cells::clean(n);
        let named = crate::published::audit::test_family_names(&text);
        if named.is_empty() {
            continue;
        }
        let lead = text.chars().next();
        let mark = sup.or(match lead {
            Some('°') | Some('º') => Some('c'),
            Some('ª') => Some('a'),
            _ => None,
        });
        match mark {
            Some(m) => {
                by_mark.insert(m, named.join(" or "));
            }
            None => general.push(named.join(" or ")),
        }
    }
    (by_mark, general)
}

/// Two blocks with the same groups, one of them matched ("PSM",
/// "matched"): the matched cohort is linked as a subset of the other, so
/// that a count above its unmatched count (a swapped column) is caught.
pub(super) fn subset_link(id: &str, blocks: &[Block], cols: &[Col]) -> String {
    let groups = |b: &Block| -> Vec<String> {
        b.cols
            .iter()
            .filter_map(|&j| match &cols[j] {
                Col::Group { key, .. } => Some(key.clone()),
                _ => None,
            })
            .collect()
    };
    let [a, b] = blocks else {
        return String::new();
    };
    if groups(a).len() < 2 || groups(a) != groups(b) {
        return String::new();
    }
    let is_matched = |x: &Block| x.name.contains("psm") || x.name.contains("match");
    let (matched, unmatched) = if is_matched(a) && !is_matched(b) {
        (a, b)
    } else {
        (b, a)
    };
    format!(
        "\n# The matched cohort is a subset of the other: matched <= unmatched, group by group.\n\
         [[audit.subset]]\nmatched = \"{id}.{}\"\nunmatched = \"{id}.{}\"\n\
         # balanced = []  # the variables the propensity model used, to check their SMDs\n",
        matched.name, unmatched.name
    )
}

/// The manifest text of one table.
pub(super) fn write_table(
    id: &str,
    blocks: &[Block],
    cols: &[Col],
    vars: &[Var],
    by_mark: &BTreeMap<char, String>,
    general: &[String],
) -> String {
    let mut s = String::new();
    for (bi, b) in blocks.iter().enumerate() {
        let _ = writeln!(s, "\n[{id}.{}]", key(&b.name));
        if let Some(note) = general.first() {
            let _ = writeln!(s, "test_note = \"{note}\"");
        }
        for &j in &b.cols {
            if let Col::Group { key: g, n, .. } = &cols[j] {
                let _ = writeln!(s, "{g}_n = {n}");
            }
        }
        let mut used: Vec<String> = Vec::new();
        for v in vars {
            let mut name = slug(&v.label);
            while used.contains(&name) {
                name.push('_');
            }
            used.push(name.clone());
            let p =
                v.p.get(bi)
                    .cloned()
                    .flatten()
                    .filter(|c| matches!(c, Cell::P { .. }));
            let has_levels = v
                .levels
                .iter()
                .any(|(_, l)| l.iter().any(|(b2, e)| *b2 == bi && !e.is_empty()));
            let single: Vec<(String, String)> = v
                .single
                .iter()
                .filter(|(b2, _)| *b2 == bi)
                .flat_map(|(_, e)| e.clone())
                .collect();
            if !has_levels && single.is_empty() && p.is_none() {
                continue;
            }
            let _ = writeln!(
                s,
                "\n[{id}.{}.{}]\nlabel = \"{}\"",
                key(&b.name),
                key(&name),
                v.label.replace('"', "'")
            );
            if let Some(Cell::P { value, lt, mark }) = &p {
                let _ = writeln!(s, "p = {value}");
                if *lt {
                    let _ = writeln!(s, "p_lt = true");
                }
                if let Some(test) = mark.and_then(|m| by_mark.get(&m)) {
                    let _ = writeln!(s, "test = \"{test}\"");
                }
            }
            for (k, val) in &single {
                let _ = writeln!(s, "{k} = {val}");
            }
            if has_levels {
                let names: Vec<String> = v
                    .levels
                    .iter()
                    .map(|(l, _)| format!("\"{}\"", l.replace('"', "'")))
                    .collect();
                let _ = writeln!(s, "levels = [{}]", names.join(", "));
                // A ratio's p printed on its variable's line belongs to the
                // only level compared with the reference.
                let compared: Vec<&String> = v
                    .levels
                    .iter()
                    .filter(|(_, line)| {
                        line.iter()
                            .any(|(b2, e)| *b2 == bi && e.iter().any(|(k, _)| k == "hr"))
                    })
                    .map(|(l, _)| l)
                    .collect();
                for (level, line) in &v.levels {
                    let _ = writeln!(s, "[{id}.{}.{}.{}]", key(&b.name), key(&name), key(level));
                    for (_, entries) in line.iter().filter(|(b2, _)| *b2 == bi) {
                        for (k, val) in entries {
                            let _ = writeln!(s, "{k} = {val}");
                        }
                    }
                    if compared.len() == 1
                        && compared[0] == level
                        && let Some(Cell::P { value, lt, .. }) = &p
                    {
                        let _ = writeln!(s, "p = {value}");
                        if *lt {
                            let _ = writeln!(s, "p_lt = true");
                        }
                    }
                }
            }
        }
    }
    s
}

/// `[abstract]` group sizes stated as "N patients ... GROUP" in one clause
/// of the abstract, linked to the first table's block by `[[audit.same]]`.
pub(super) fn abstract_links(text: &str, block: &str, groups: &[(String, String)]) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .collect();
    let mut found: Vec<(String, String)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if !w.chars().all(|c| c.is_ascii_digit())
            || words.get(i + 1).is_none_or(|n| n != "patients")
        {
            continue;
        }
        for (g, head) in groups {
            let name = head.split_whitespace().next().unwrap_or("");
            let hit = words[i + 2..words.len().min(i + 10)]
                .iter()
                .take_while(|x| !x.chars().all(|c| c.is_ascii_digit()))
                .any(|x| x == name);
            if hit && !found.iter().any(|(k, _)| k == g) {
                found.push((g.clone(), w.clone()));
            }
        }
    }
    if found.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n# Group sizes stated in the abstract.\n[abstract]\n");
    for (g, n) in &found {
        let _ = writeln!(s, "{g} = {n}");
    }
    for (g, _) in &found {
        let _ = writeln!(
            s,
            "\n[[audit.same]]\nwhat = \"{g} patients (abstract and {block})\"\npaths = [\"abstract.{g}\", \"{block}.{g}_n\"]"
        );
    }
    s
}
