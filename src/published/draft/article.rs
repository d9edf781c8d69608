//! An article's tables as grids of cell texts, with their captions and the
//! notes printed under them, and its abstract: from Markdown (pipe tables,
//! or the tab-separated rows that PDF-to-Markdown converters write), HTML
//! (`<table>`) or JATS XML (`<table-wrap>`, as PubMed Central distributes).

/// One printed table.
#[derive(Debug, Clone, Default)]
pub(super) struct Grid {
    /// "Table 1. Baseline characteristics ..." (empty when none was found).
    pub caption: String,
    /// Rows of cell texts (a spanning cell repeated over its columns in
    /// HTML; as printed in Markdown).
    pub rows: Vec<Vec<String>>,
    /// The lines printed under the table (footnotes).
    pub notes: Vec<String>,
}

/// What the drafter reads from an article.
#[derive(Debug, Clone, Default)]
pub(super) struct Article {
    pub tables: Vec<Grid>,
    /// The abstract's text (or the article's first paragraphs).
    pub abstract_text: String,
}

/// Reads `text` by its kind: JATS when it holds `<table-wrap`, HTML when it
/// holds `<table`, Markdown otherwise.
pub(super) fn read(text: &str) -> Article {
    if text.contains("<table-wrap") {
        jats(text)
    } else if text.contains("<table") {
        html(text)
    } else {
        markdown(text)
    }
}

/// Whether a line is a table caption ("Table 2.", "**Table 1**").
fn caption(line: &str) -> bool {
    let t = line.trim_start_matches(['#', '*', ' ']).to_lowercase();
    t.starts_with("table ") && t[6..].starts_with(|c: char| c.is_ascii_digit())
}

/// Markdown: a run of lines starting with `|` (the `|---|` rule skipped),
/// or of lines with two or more tabs, is a table; the caption is the
/// nearest "Table N" line above it, the notes the paragraphs below it up
/// to the next heading or table.
fn markdown(text: &str) -> Article {
    let lines: Vec<&str> = text.lines().collect();
    let mut tables = Vec::new();
    let mut i = 0;
    let mut last_caption = String::new();
    while i < lines.len() {
        if caption(lines[i]) {
            last_caption = lines[i].trim_start_matches(['#', ' ']).trim().to_string();
            // A caption's text may continue on the next line.
            if let Some(next) = lines.get(i + 1)
                && !next.trim().is_empty()
                && !is_row(next)
            {
                last_caption = format!("{last_caption} {}", next.trim());
            }
        }
        if !is_row(lines[i]) {
            i += 1;
            continue;
        }
        let mut rows = Vec::new();
        while i < lines.len()
            && (is_row(lines[i])
                || lines[i].trim().is_empty() && lines.get(i + 1).is_some_and(|l| is_row(l)))
        {
            if let Some(r) = split_row(lines[i]) {
                rows.push(r);
            }
            i += 1;
        }
        let mut notes = Vec::new();
        while i < lines.len()
            && notes.len() < 12
            && !is_row(lines[i])
            && !caption(lines[i])
            && !lines[i].starts_with('#')
        {
            if !lines[i].trim().is_empty() {
                notes.push(lines[i].trim().to_string());
            }
            i += 1;
        }
        let mut caption = std::mem::take(&mut last_caption);
        // A caption printed under its table (as PDF converters often put it).
        if caption.is_empty()
            && let Some(k) = lines[i..].iter().take(4).position(|l| !l.trim().is_empty())
            && self::caption(lines[i + k])
        {
            caption = lines[i + k]
                .trim_start_matches(['#', ' '])
                .trim()
                .to_string();
            i += k + 1;
        }
        let grid = Grid {
            caption,
            rows,
            notes,
        };
        // "Table 1. (Continued)": more rows of the table before it.
        match tables.last_mut() {
            Some(prev) if continues(&grid.caption) => {
                let prev: &mut Grid = prev;
                prev.rows.extend(grid.rows);
                prev.notes.extend(grid.notes);
            }
            _ => tables.push(grid),
        }
    }
    Article {
        tables,
        abstract_text: abstract_of(&lines),
    }
}

/// A caption of a table's continuation.
fn continues(caption: &str) -> bool {
    caption.to_lowercase().contains("continued")
}

fn is_row(line: &str) -> bool {
    line.trim_start().starts_with('|') || line.matches('\t').count() >= 2
}

/// A row's cells; `None` for a `|---|` rule.
fn split_row(line: &str) -> Option<Vec<String>> {
    let t = line.trim();
    if t.starts_with('|') {
        let inner = t.trim_start_matches('|').trim_end_matches('|');
        if inner.chars().all(|c| matches!(c, '-' | ':' | '|' | ' ')) {
            return None;
        }
        return Some(inner.split('|').map(|c| c.trim().to_string()).collect());
    }
    Some(
        line.trim_end()
            .split('\t')
            .map(|c| c.trim().to_string())
            .collect(),
    )
}

/// The abstract: from a heading or line "Abstract" to the next top-level
/// heading; else the first 40 lines.
fn abstract_of(lines: &[&str]) -> String {
    let start = lines.iter().position(|l| {
        l.trim_start_matches(['#', '*', ' '])
            .to_lowercase()
            .starts_with("abstract")
    });
    let Some(start) = start else {
        return lines
            .iter()
            .take(40)
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
    };
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.starts_with("# ") || l.to_lowercase().contains("abstract"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text between the first `<tag ...>` and its `</tag>` from `at`, and
/// where it ends.
fn element<'t>(text: &'t str, tag: &str, at: usize) -> Option<(&'t str, usize)> {
    let open = text[at..].find(&format!("<{tag}"))? + at;
    let body = text[open..].find('>')? + open + 1;
    let close = text[body..].find(&format!("</{tag}>"))? + body;
    Some((&text[body..close], close + tag.len() + 3))
}

/// Tags dropped (but `<sup>` kept for footnote marks), entities decoded.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else { break };
        let tag = &rest[i..i + j + 1];
        if tag.starts_with("<sup") || tag == "</sup>" {
            out.push_str(if tag.starts_with("</") {
                "</sup>"
            } else {
                "<sup>"
            });
        } else if tag.starts_with("<br") || tag.starts_with("</p") {
            out.push(' ');
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&#x000b1;", "±")
        .replace("&#177;", "±")
        .replace("&plusmn;", "±")
        .replace("&#x02013;", "–")
        .replace("&ndash;", "–")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An HTML table's rows, a cell with `colspan="k"` repeated k times.
fn rows_of(table: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut at = 0;
    while let Some((tr, end)) = element(table, "tr", at) {
        at = end;
        let mut cells = Vec::new();
        let mut k = 0;
        while let Some(open) = tr[k..].find("<t").map(|i| i + k) {
            let tag = if tr[open..].starts_with("<td") {
                "td"
            } else if tr[open..].starts_with("<th") {
                "th"
            } else {
                k = open + 2;
                continue;
            };
            let Some((body, end)) = element(tr, tag, open) else {
                break;
            };
            let head = &tr[open..tr[open..].find('>').map_or(open, |j| open + j)];
            let span = head
                .split("colspan=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(1);
            let text = text_of(body);
            for _ in 0..span.clamp(1, 50) {
                cells.push(text.clone());
            }
            k = end;
        }
        rows.push(cells);
    }
    rows
}

fn html(text: &str) -> Article {
    let mut tables = Vec::new();
    let mut at = 0;
    while let Some((table, end)) = element(text, "table", at) {
        let caption = element(table, "caption", 0)
            .map(|(c, _)| text_of(c))
            .unwrap_or_default();
        tables.push(Grid {
            caption,
            rows: rows_of(table),
            notes: Vec::new(),
        });
        at = end;
    }
    let plain = text_of(text);
    let abstract_text = plain
        .find("Abstract")
        .map(|i| plain[i..].chars().take(3000).collect())
        .unwrap_or_else(|| plain.chars().take(3000).collect());
    Article {
        tables,
        abstract_text,
    }
}

fn jats(text: &str) -> Article {
    let mut tables = Vec::new();
    let mut at = 0;
    while let Some((wrap, end)) = element(text, "table-wrap", at) {
        at = end;
        let label = element(wrap, "label", 0)
            .map(|(c, _)| text_of(c))
            .unwrap_or_default();
        let title = element(wrap, "caption", 0)
            .map(|(c, _)| text_of(c))
            .unwrap_or_default();
        let rows = element(wrap, "table", 0)
            .map(|(t, _)| rows_of(t))
            .unwrap_or_default();
        let mut notes = Vec::new();
        if let Some((foot, _)) = element(wrap, "table-wrap-foot", 0) {
            let mut k = 0;
            while let Some((fn_, e)) = element(foot, "fn", k) {
                notes.push(text_of(fn_));
                k = e;
            }
            if notes.is_empty() {
                notes.push(text_of(foot));
            }
        }
        tables.push(Grid {
            caption: format!("{label} {title}").trim().to_string(),
            rows,
            notes,
        });
    }
    let abstract_text = element(text, "abstract", 0)
        .map(|(a, _)| text_of(a))
        .unwrap_or_default();
    Article {
        tables,
        abstract_text,
    }
}
