//! The review copy: the manuscript with every numbered table and figure
//! moved to the end (tables, then figures), as journals ask of a
//! submission, and line numbers (added by the page or by Word).
//!
//! A float is found from the numbering the render produced, not from the
//! wording: a table float is the paragraph that opens with a table's bold
//! label (`**Table 2.**`), the table after it and the footnote lines
//! (starting with a `<sup>` mark) after that; a figure float is an image
//! whose text starts with a figure's label, and its bold caption after it.

use pulldown_cmark::{Event, Options, Parser, Tag};
use std::collections::BTreeMap;
use std::ops::Range;

/// What a top-level Markdown block is, for moving floats.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    /// A paragraph opening with a bold label: `**Table 1.**`.
    Caption(String),
    /// A paragraph that is one image whose text opens with a label.
    Figure(String),
    /// A paragraph opening with a `<sup>` footnote mark.
    Footnote,
    Table,
    Other,
}

/// The top-level blocks of `markdown` with their byte ranges, each
/// classified against the labels' printed names.
fn blocks(markdown: &str, names: &[&str]) -> Vec<(Block, Range<usize>)> {
    let label = |text: &str| {
        names
            .iter()
            .find(|n| text.starts_with(&format!("{n}.")))
            .map(|n| n.to_string())
    };
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut first: Option<Event<'_>> = None;
    let mut second: Option<Event<'_>> = None;
    let mut start = 0;
    for (event, range) in Parser::new_ext(markdown, Options::ENABLE_TABLES).into_offset_iter() {
        match &event {
            Event::Start(_) => {
                if depth == 0 {
                    start = range.start;
                    first = Some(event.clone());
                    second = None;
                } else if depth == 1 && second.is_none() {
                    second = Some(event.clone());
                }
                depth += 1;
            }
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    let kind = classify(
                        first.take(),
                        second.take(),
                        &markdown[start..range.end],
                        &label,
                    );
                    out.push((kind, start..range.end));
                }
            }
            _ if depth == 1 && second.is_none() => second = Some(event.clone()),
            _ if depth == 0 => out.push((Block::Other, range)),
            _ => {}
        }
    }
    out
}

fn classify(
    first: Option<Event<'_>>,
    second: Option<Event<'_>>,
    text: &str,
    label: &dyn Fn(&str) -> Option<String>,
) -> Block {
    match (first, second) {
        (Some(Event::Start(Tag::Table(_))), _) => Block::Table,
        (Some(Event::Start(Tag::Paragraph)), Some(Event::Start(Tag::Strong))) => text
            .strip_prefix("**")
            .and_then(label)
            .map_or(Block::Other, Block::Caption),
        (Some(Event::Start(Tag::Paragraph)), Some(Event::Start(Tag::Image { .. })))
            if text.trim_end().ends_with(')') =>
        {
            text.strip_prefix("![")
                .and_then(label)
                .map_or(Block::Other, Block::Figure)
        }
        (Some(Event::Start(Tag::Paragraph)), Some(Event::InlineHtml(h)))
            if h.as_ref() == "<sup>" =>
        {
            Block::Footnote
        }
        _ => Block::Other,
    }
}

/// The manuscript with its numbered tables and figures moved to the end,
/// under "Tables" and "Figures" headings, in their order.
pub(super) fn floats_at_end(markdown: &str, labels: &BTreeMap<String, String>) -> String {
    let names: Vec<&str> = labels.values().map(String::as_str).collect();
    let blocks = blocks(markdown, &names);
    let mut body = String::new();
    let (mut tables, mut figures) = (Vec::new(), Vec::new());
    let mut kept = 0;
    let mut i = 0;
    while i < blocks.len() {
        let (kind, range) = &blocks[i];
        let is_table_caption = matches!(kind, Block::Caption(n) if n.contains("Table"))
            && matches!(blocks.get(i + 1), Some((Block::Table, _)));
        let float_end = if is_table_caption {
            let mut j = i + 2;
            while matches!(blocks.get(j), Some((Block::Footnote, _))) {
                j += 1;
            }
            Some((j, true))
        } else if matches!(kind, Block::Figure(_)) {
            let captioned =
                matches!(blocks.get(i + 1), Some((Block::Caption(n), _)) if n.contains("Figure"));
            Some((i + 1 + usize::from(captioned), false))
        } else {
            None
        };
        match float_end {
            Some((end, is_table)) => {
                body.push_str(&markdown[kept..range.start]);
                let last = &blocks[end - 1].1;
                let float = markdown[range.start..last.end].to_string();
                if is_table {
                    tables.push(float);
                } else {
                    figures.push(float);
                }
                kept = last.end;
                i = end;
            }
            None => i += 1,
        }
    }
    body.push_str(&markdown[kept..]);
    let mut out = super::tidy(&body);
    for (heading, floats) in [("Tables", &tables), ("Figures", &figures)] {
        if !floats.is_empty() {
            out.push_str(&format!("\n## {heading}\n"));
            for f in floats.iter() {
                out.push('\n');
                out.push_str(f.trim_end());
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> BTreeMap<String, String> {
        [
            ("t1", "Table 1"),
            ("f1", "Figure 1"),
            ("s1", "Supplemental Table 1"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    const TEXT: &str = "# Title\n\nIntro cites Table 1.\n\n![Figure 1. Flow.](figures/flow.svg)\n\n**Figure 1.** Flow.\n\n| Step | n |\n|:--|--:|\n| a | 1 |\n\n**Table 1.** Baseline.\n\n| A | B |\n|:--|--:|\n| 1 | 2 |\n\n<sup>a</sup> A test.\n\n**Table 9.** Not a label.\n\n| X |\n|:--|\n| y |\n\nEnd text.\n";

    #[test]
    fn numbered_tables_and_figures_move_to_the_end_in_order() {
        let out = floats_at_end(TEXT, &labels());
        let body = out.split("\n## Tables\n").next().unwrap();
        assert!(body.contains("Intro cites Table 1."));
        assert!(body.contains("End text."));
        // The unlabelled flow table and the unknown "Table 9" stay.
        assert!(body.contains("| a | 1 |"));
        assert!(body.contains("**Table 9.** Not a label."));
        assert!(!body.contains("**Table 1.**"));
        assert!(!body.contains("![Figure 1."));
        let tail = out.split("\n## Tables\n").nth(1).unwrap();
        let (tables, figures) = tail.split_once("\n## Figures\n").unwrap();
        assert!(tables.contains("**Table 1.** Baseline.\n\n| A | B |"));
        assert!(
            tables.contains("<sup>a</sup> A test."),
            "footnote moves with its table"
        );
        assert!(figures.contains("![Figure 1. Flow.](figures/flow.svg)\n\n**Figure 1.** Flow."));
    }

    #[test]
    fn without_labels_nothing_moves() {
        let out = floats_at_end(TEXT, &BTreeMap::new());
        assert_eq!(out, super::super::tidy(TEXT));
    }
}
