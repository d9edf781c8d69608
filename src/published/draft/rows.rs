//! The body of a drafted table: each row read as a variable, a level of
//! the variable above it, or a header printed again, into `key = value`
//! entries per block.

use super::article::Grid;
use super::cells::{self, Cell};
use super::layout::{Block, Col, blocks, columns, head};
use super::write::{marks, subset_link, write_table};
use std::fmt::Write as _;

/// A drafted table: its text, and its first block's name and groups (for
/// the abstract's links).
pub(super) struct Drafted {
    pub(super) text: String,
    pub(super) first_block: Option<(String, Vec<(String, String)>)>,
}

/// One table's draft.
pub(super) fn table(id: &str, grid: &Grid, unread: &mut Vec<String>) -> Drafted {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n# {}",
        if grid.caption.is_empty() {
            id
        } else {
            &grid.caption
        }
    );
    let Some((h, cols)) = columns(grid) else {
        unread.push(format!(
            "{id}: no header with group sizes (n = ...) or HR columns; table left out"
        ));
        return Drafted {
            text: s,
            first_block: None,
        };
    };
    let blocks = blocks(grid, h, &cols);
    let (by_mark, general) = marks(&grid.notes);
    let mut vars: Vec<Var> = Vec::new();
    let mut current: Option<usize> = None;
    for (r, row) in grid.rows.iter().enumerate().skip(h + 1) {
        let label = cells::clean(row.first().map_or("", String::as_str)).0;
        let read: Vec<Cell> = (0..cols.len())
            .map(|j| cells::read(row.get(j).map_or("", String::as_str)))
            .collect();
        if read.iter().any(|c| matches!(c, Cell::Group { .. }))
            || label.eq_ignore_ascii_case("continued")
            || repeats_header(grid, h, &label, &read)
        {
            continue;
        }
        let values = |b: &Block| b.cols.iter().any(|&j| !matches!(read[j], Cell::Empty));
        let any_value = blocks.iter().any(values);
        let any_p = blocks
            .iter()
            .any(|b| b.p.is_some_and(|j| matches!(read[j], Cell::P { .. })));
        if label.is_empty() && !any_value && !any_p {
            continue;
        }
        let lower = label.to_lowercase();
        let one_row = lower.contains("mean") || lower.contains("median") || lower.contains("sd)");
        if !any_value || (any_p && !one_row && is_heading(&read, &blocks)) {
            vars.push(Var::new(&label));
            current = Some(vars.len() - 1);
            if let Some(v) = vars.last_mut() {
                v.p = blocks
                    .iter()
                    .map(|b| b.p.map(|j| read[j].clone()))
                    .collect();
            }
            continue;
        }
        let level_row = current.is_some() && !one_row && !any_p;
        let target = if level_row {
            current.unwrap_or(0)
        } else {
            vars.push(Var::new(&label));
            current = None;
            vars.len() - 1
        };
        let v = &mut vars[target];
        if !level_row {
            v.p = blocks
                .iter()
                .map(|b| b.p.map(|j| read[j].clone()))
                .collect();
        }
        let mut line = Vec::new();
        for (bi, b) in blocks.iter().enumerate() {
            let mut entries = Vec::new();
            for &j in &b.cols {
                let raw = row.get(j).map_or("", String::as_str);
                match (&cols[j], &read[j]) {
                    (_, Cell::Empty) => {}
                    (Col::Group { key: g, .. }, c) => match value_keys(g, c, &lower, level_row) {
                        Some(kv) => entries.extend(kv),
                        None => unread.push(format!(
                            "{id}, row \"{label}\", column \"{}\" ({}): \"{}\"",
                            head(&cols[j]),
                            b.name,
                            cells::clean(raw).0
                        )),
                    },
                    (Col::Ratio { .. }, Cell::Reference) => {
                        entries.push(("reference".into(), "true".into()))
                    }
                    (Col::Ratio { .. }, c) => match cells::ratio(c, raw) {
                        Some((hr, lo, hi)) => entries.extend([
                            ("hr".into(), hr),
                            ("ci_lo".into(), lo),
                            ("ci_hi".into(), hi),
                        ]),
                        None => unread.push(format!(
                            "{id}, row \"{label}\", column \"{}\" ({}): \"{}\"",
                            head(&cols[j]),
                            b.name,
                            cells::clean(raw).0
                        )),
                    },
                    _ => {}
                }
            }
            line.push((bi, entries));
        }
        if level_row {
            let mut name = if label.is_empty() {
                format!("row{r}")
            } else {
                label.clone()
            };
            while v.levels.iter().any(|(l, _)| *l == name) {
                name.push('_');
            }
            v.levels.push((name, line));
        } else {
            v.single = line;
        }
    }
    let text = write_table(id, &blocks, &cols, &vars, &by_mark, &general);
    s.push_str(&text);
    s.push_str(&subset_link(id, &blocks, &cols));
    let first_block = blocks.first().map(|b| {
        let groups = b
            .cols
            .iter()
            .filter_map(|&j| match &cols[j] {
                Col::Group { key, head, .. } => Some((key.clone(), head.clone())),
                _ => None,
            })
            .collect();
        (format!("{id}.{}", b.name), groups)
    });
    Drafted {
        text: s,
        first_block,
    }
}

/// A header row printed again (a table continued on the next page): its
/// first cell is empty or the header's, and every other cell is text.
pub(super) fn repeats_header(grid: &Grid, h: usize, label: &str, read: &[Cell]) -> bool {
    let first = |r: usize| cells::clean(grid.rows[r].first().map_or("", String::as_str)).0;
    let head_label = label.is_empty() || (0..=h).any(|r| first(r) == label);
    let rest: Vec<&Cell> = read
        .iter()
        .skip(1)
        .filter(|c| !matches!(c, Cell::Empty))
        .collect();
    head_label && !rest.is_empty() && rest.iter().all(|c| matches!(c, Cell::Text(_)))
}

/// A heading row: a p-value and no counts (or only references).
pub(super) fn is_heading(read: &[Cell], blocks: &[Block]) -> bool {
    blocks.iter().all(|b| {
        b.cols
            .iter()
            .all(|&j| matches!(read[j], Cell::Empty | Cell::Reference))
    })
}

/// A group cell's keys: counts on a level row or under "n (%)", mean and
/// SD under "mean", median and quartiles under "median".
pub(super) fn value_keys(
    g: &str,
    c: &Cell,
    label: &str,
    level: bool,
) -> Option<Vec<(String, String)>> {
    let kv = |k: &str, v: &String| (format!("{g}_{k}"), v.clone());
    match c {
        Cell::Count { n, pct } => Some(vec![kv("n", n), kv("pct", pct)]),
        Cell::MeanSd { mean, sd } => Some(vec![kv("mean", mean), kv("sd", sd)]),
        Cell::Pair { a, b } if level || label.contains("n (%)") => {
            Some(vec![kv("n", a), kv("pct", b)])
        }
        Cell::Pair { a, b } if label.contains("mean") => {
            Some(vec![kv("mean", &as_decimals_of(a, b)), kv("sd", b)])
        }
        Cell::Triple { a, b, c } if label.contains("median") || label.contains("iqr") => {
            Some(vec![kv("median", a), kv("q1", b), kv("q3", c)])
        }
        _ => None,
    }
}

/// A mean printed without decimals beside an SD with some ("3 (0.2)"): a
/// trailing zero dropped by the typesetting, written with the SD's
/// decimals ("3.0") so that its rounding is not ten times wider than
/// printed; the reviewer sees both in the row's label and value.
pub(super) fn as_decimals_of(mean: &str, sd: &str) -> String {
    match (mean.contains('.'), sd.split_once('.')) {
        (false, Some((_, d))) => format!("{mean}.{}", "0".repeat(d.len())),
        _ => mean.to_string(),
    }
}

/// One row's `key = value` entries, per block (by the block's index).
pub(super) type Line = Vec<(usize, Vec<(String, String)>)>;

/// One variable of a table: its label, p per block, and its level rows
/// (or its single row).
pub(super) struct Var {
    pub(super) label: String,
    pub(super) p: Vec<Option<Cell>>,
    pub(super) levels: Vec<(String, Line)>,
    pub(super) single: Line,
}

impl Var {
    pub(super) fn new(label: &str) -> Var {
        Var {
            label: label.to_string(),
            p: Vec::new(),
            levels: Vec::new(),
            single: Vec::new(),
        }
    }
}
