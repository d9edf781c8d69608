//! The header of a drafted table: which column holds a group (with its
//! n), a p-value or a ratio, and the blocks they form.

use super::article::Grid;
use super::cells::{self, Cell};

/// A name as a key: lowercase words joined by `_`, at most five words,
/// without the summary a label states (", n (%)", ", mean (±SD)").
pub(super) fn slug(s: &str) -> String {
    let lower = s.to_lowercase();
    let cut = [
        ", n (%)", "n (%)", ", mean", "mean (", ", median", "median (",
    ]
    .iter()
    .filter_map(|m| lower.find(m))
    .min()
    .unwrap_or(lower.len());
    let words: Vec<String> = lower[..cut]
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        "row".into()
    } else {
        words.join("_")
    }
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Col {
    Label,
    Group {
        key: String,
        n: String,
        head: String,
    },
    P,
    Ratio {
        head: String,
    },
    Other,
}

/// A block: its name and its columns' indices (groups or one ratio, then p).
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub(super) name: String,
    pub(super) cols: Vec<usize>,
    pub(super) p: Option<usize>,
}

/// The header row (the one with two or more group headings or ratio
/// headings) and each column's kind.
pub(super) fn columns(grid: &Grid) -> Option<(usize, Vec<Col>)> {
    for (h, row) in grid.rows.iter().enumerate().take(6) {
        let cols: Vec<Col> = row
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let (text, _) = cells::clean(c);
                let lower = text.to_lowercase();
                match cells::read(c) {
                    Cell::Group { name, n } => Col::Group {
                        key: slug(name.split_whitespace().next().unwrap_or("group")),
                        n,
                        head: text,
                    },
                    _ if lower.starts_with("p")
                        && (lower.contains("value") || lower.len() <= 2) =>
                    {
                        Col::P
                    }
                    _ if lower.starts_with("hr")
                        || lower.starts_with("or ")
                        || lower.contains("hazard ratio") =>
                    {
                        Col::Ratio { head: text }
                    }
                    _ if j == 0 => Col::Label,
                    _ => Col::Other,
                }
            })
            .collect();
        let groups = cols
            .iter()
            .filter(|c| matches!(c, Col::Group { .. }))
            .count();
        let ratios = cols
            .iter()
            .filter(|c| matches!(c, Col::Ratio { .. }))
            .count();
        if groups >= 2 || ratios >= 1 {
            return Some((h, cols));
        }
    }
    None
}

/// The blocks of a header: a run of group columns and the p after it, or a
/// ratio column and the p after it; named from the rows above.
pub(super) fn blocks(grid: &Grid, h: usize, cols: &[Col]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut cur: Option<Block> = None;
    for (j, c) in cols.iter().enumerate() {
        match c {
            Col::Group { .. } => {
                if cur.as_ref().is_some_and(|b| {
                    b.p.is_some() || b.cols.iter().any(|&k| matches!(cols[k], Col::Ratio { .. }))
                }) {
                    out.extend(cur.take());
                }
                cur.get_or_insert_with(|| Block {
                    name: String::new(),
                    cols: Vec::new(),
                    p: None,
                })
                .cols
                .push(j);
            }
            Col::Ratio { .. } => {
                out.extend(cur.take());
                cur = Some(Block {
                    name: String::new(),
                    cols: vec![j],
                    p: None,
                });
            }
            Col::P => {
                if let Some(b) = cur.as_mut()
                    && b.p.is_none()
                {
                    b.p = Some(j);
                }
            }
            _ => {}
        }
    }
    out.extend(cur);
    // Names: the texts above the block's first column (or the nearest to
    // its left), top row first.
    let mut seen: Vec<String> = Vec::new();
    for (k, b) in out.iter_mut().enumerate() {
        let j = b.cols[0];
        let mut words = Vec::new();
        for row in &grid.rows[..h] {
            let above = (0..=j).rev().take(4).find_map(|i| {
                let t = cells::clean(row.get(i).map_or("", String::as_str)).0;
                (!t.is_empty() && i > 0).then_some(t)
            });
            if let Some(t) = above {
                words.push(slug(&t).split('_').next().unwrap_or("").to_string());
            }
        }
        words.retain(|w| !w.is_empty());
        let mut name = if words.is_empty() {
            format!("b{}", k + 1)
        } else {
            words.join("_")
        };
        if seen.contains(&name) {
            name = format!("{name}_{}", k + 1);
        }
        seen.push(name.clone());
        b.name = name;
    }
    out
}

pub(super) fn head(c: &Col) -> &str {
    match c {
        Col::Group { head, .. } | Col::Ratio { head } => head,
        _ => "",
    }
}
