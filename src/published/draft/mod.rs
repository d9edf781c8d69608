//! `studybook audit --draft ARTICLE`: a draft manifest read from the
//! article's own tables, for the author to review and then audit.
//!
//! Each table becomes `[tableN.<block>]` (a block is a run of group columns
//! with their p column, such as "Unmatched" and "PSM"; in a table of
//! ratios, each HR column with its p), the groups' sizes from the header
//! ("SR group (n = 219)" is `sr_n = 219`), and one sub-table per variable:
//! levels with `X_n`/`X_pct`, mean (SD) as `X_mean`/`X_sd`, median (IQR)
//! as `X_median`/`X_q1`/`X_q3`, `p` and `p_lt`, hazard ratios as `hr`,
//! `ci_lo`, `ci_hi`; the test a p-value's footnote mark names is its
//! `test`. Group sizes stated in the abstract ("209 patients underwent an
//! SR") are linked to the first table's by `[[audit.same]]`. A cell the
//! drafter could not read is listed as a comment with its table, row and
//! column, never dropped.

mod article;
mod cells;
mod layout;
mod rows;
mod write;

use crate::error::{Error, Result};
use rows::table;
use std::fmt::Write as _;
use std::path::Path;
use write::abstract_links;

/// A draft manifest and what it could not read.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The manifest text (TOML, the format of `published.toml`).
    pub text: String,
    /// Tables read.
    pub tables: usize,
    /// Cells not read, as "Table 1, row ..., column ...: text".
    pub unread: Vec<String>,
}

/// Drafts the manifest of the article at `path` (Markdown, HTML or JATS).
pub fn draft(path: &Path) -> Result<Draft> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(draft_text(&path.display().to_string(), &text))
}

/// Drafts the manifest of an article's text; `name` is quoted in its head.
pub fn draft_text(name: &str, text: &str) -> Draft {
    let art = article::read(text);
    let mut out = format!(
        "# Draft manifest of {name}, written by `studybook audit --draft`.\n\
         # Review every table against the article (group prefixes, block names,\n\
         # which p belongs to which test), then run `studybook audit` on it.\n\
         # Cells the drafter could not read are listed as `# not read:` comments.\n"
    );
    let mut unread = Vec::new();
    let mut first_block: Option<(String, Vec<(String, String)>)> = None;
    for (k, grid) in art.tables.iter().enumerate() {
        let number = table_number(&grid.caption).unwrap_or(k + 1);
        let id = unique(&format!("table{number}"), &out);
        let t = table(&id, grid, &mut unread);
        if first_block.is_none() {
            first_block = t.first_block.clone();
        }
        out.push_str(&t.text);
    }
    if let Some((block, groups)) = first_block {
        out.push_str(&abstract_links(&art.abstract_text, &block, &groups));
    }
    if !unread.is_empty() {
        let _ = writeln!(out, "\n# {} cell(s) not read:", unread.len());
        for u in &unread {
            let _ = writeln!(out, "# not read: {u}");
        }
    }
    Draft {
        text: out,
        tables: art.tables.len(),
        unread,
    }
}

/// "Table 2." -> 2.
fn table_number(caption: &str) -> Option<usize> {
    let t = caption.trim_start_matches(['#', '*', ' ']);
    let rest = t.get(6..)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `base`, or `base_b`, `base_c`... when `[base` is already in `text`.
fn unique(base: &str, text: &str) -> String {
    let mut id = base.to_string();
    let mut k = b'b';
    while text.contains(&format!("[{id}]")) || text.contains(&format!("[{id}.")) {
        id = format!("{base}_{}", k as char);
        k += 1;
    }
    id
}
