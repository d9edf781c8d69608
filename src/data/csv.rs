//! CSV text (RFC 4180) into text columns.
//!
//! A record ends at a line feed (`\r\n` as well); fields are separated by
//! commas; a field that starts with `"` runs to the next lone `"`, may hold
//! commas and line breaks, and writes a quote inside it as `""`. Text after
//! a closing quote is kept as written (as most readers do). Every record
//! must have as many fields as the header, so that a stray comma is found
//! where it is, not as a shifted column far away; blank lines at the end of
//! the file are ignored, a blank line inside it is an error (row numbers in
//! messages would no longer match the file's lines).
//!
//! Written here rather than read through polars: the study reads every
//! cell as text anyway, the reader knows each record's line for messages,
//! and it fills the packed columns directly (polars built an Arrow array
//! per column first, then the columns were copied into the packed form).
//! A file without a quote is cut at line ends and read in parallel.

use super::TextColumn;
use rayon::prelude::*;

/// What is wrong with the text, at a byte offset of it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Problem {
    /// A quoted field opens and is never closed.
    UnclosedQuote,
    /// A record's field count differs from the header's.
    Fields { found: usize, expected: usize },
    /// A blank line before the last record.
    BlankLine,
    /// Only a header (or nothing).
    NoRows,
}

/// A problem and the byte offset where the offending record (or quoted
/// field) starts.
pub(super) type Failure = (usize, Problem);

/// Parses `text` (BOM already removed): the header names and one column
/// per name. Cells are trimmed; an empty cell or one equal to a
/// `na_values` entry is missing.
pub(super) fn parse(
    text: &str,
    na_values: &[String],
) -> Result<(Vec<String>, Vec<TextColumn>), Failure> {
    // Trailing blank lines (and spaces) are not records.
    let end = text.trim_end().len();
    let mut names = Vec::new();
    let mut scratch = String::new();
    let body = record(text, 0, end, &mut scratch, |_, field| {
        names.push(field.to_string())
    })?;
    if body >= end {
        return Err((end, Problem::NoRows));
    }
    let ncols = names.len();
    let chunks = chunks(text, body, end);
    let parts: Vec<Result<Vec<TextColumn>, Failure>> = chunks
        .par_iter()
        .map(|&(from, to)| rows(text, from, to, ncols, na_values))
        .collect();
    let parts = parts.into_iter().collect::<Result<Vec<_>, _>>()?;
    // Each column's pieces, in file order, joined on both cores (each
    // column allocated once at its final size).
    let mut pieces: Vec<Vec<TextColumn>> = (0..ncols).map(|_| Vec::new()).collect();
    for part in parts {
        for (j, piece) in part.into_iter().enumerate() {
            pieces[j].push(piece);
        }
    }
    let columns: Vec<TextColumn> = pieces.into_par_iter().map(TextColumn::concat).collect();
    Ok((names, columns))
}

/// The 1-based line of byte `offset` in `text`.
pub(super) fn line_of(text: &[u8], offset: usize) -> usize {
    text[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Byte ranges of `text[from..to]` to read separately: cut at line ends
/// when no field can hold a line break (no quote anywhere), else one range.
fn chunks(text: &str, from: usize, to: usize) -> Vec<(usize, usize)> {
    // Below a few megabytes a second thread costs more than it saves.
    const MIN_CHUNK: usize = 4 << 20;
    let bytes = &text.as_bytes()[from..to];
    let pieces = (bytes.len() / MIN_CHUNK).clamp(1, 4 * rayon::current_num_threads());
    if pieces == 1 || bytes.contains(&b'"') {
        return vec![(from, to)];
    }
    let mut out = Vec::with_capacity(pieces);
    let mut start = from;
    for k in 1..pieces {
        let target = (from + k * bytes.len() / pieces).max(start);
        let cut = match text.as_bytes()[target..to].iter().position(|&b| b == b'\n') {
            Some(p) => target + p + 1,
            None => to,
        };
        if cut > start && cut < to {
            out.push((start, cut));
            start = cut;
        }
    }
    out.push((start, to));
    out
}

/// Reads the records of `text[from..to]` (whole records) into columns.
fn rows(
    text: &str,
    from: usize,
    to: usize,
    ncols: usize,
    na_values: &[String],
) -> Result<Vec<TextColumn>, Failure> {
    // One record per line unless quotes hold line breaks: reserving that
    // many cells saves the copies of a growing column.
    let lines = text.as_bytes()[from..to]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let mut columns: Vec<TextColumn> = (0..ncols)
        .map(|_| TextColumn::with_capacity(lines, (to - from) / ncols))
        .collect();
    let mut scratch = String::new();
    let mut pos = from;
    while pos < to {
        let start = pos;
        let mut found = 0;
        pos = record(text, pos, to, &mut scratch, |j, field| {
            found = j + 1;
            if let Some(column) = columns.get_mut(j) {
                let cell = trim(field);
                let missing = cell.is_empty() || na_values.iter().any(|na| na == cell);
                column.push((!missing).then_some(cell));
            }
        })?;
        if found != ncols {
            // A record that is one empty field is a blank line.
            let blank = text[start..pos].trim().is_empty();
            return Err(if blank && ncols > 1 {
                (start, Problem::BlankLine)
            } else {
                (
                    start,
                    Problem::Fields {
                        found,
                        expected: ncols,
                    },
                )
            });
        }
    }
    Ok(columns)
}

/// Reads the record starting at `pos` (before `end`), calling `field` with
/// each field's index and text (quotes removed); returns where the next
/// record starts.
fn record(
    text: &str,
    mut pos: usize,
    end: usize,
    scratch: &mut String,
    mut field: impl FnMut(usize, &str),
) -> Result<usize, Failure> {
    let bytes = text.as_bytes();
    let mut j = 0;
    loop {
        if bytes.get(pos) == Some(&b'"') && pos < end {
            // Quoted: copy the pieces between escaped quotes.
            let open = pos;
            scratch.clear();
            pos += 1;
            loop {
                let Some(q) = bytes[pos..end].iter().position(|&b| b == b'"') else {
                    return Err((open, Problem::UnclosedQuote));
                };
                scratch.push_str(&text[pos..pos + q]);
                pos += q + 1;
                if bytes.get(pos) == Some(&b'"') && pos < end {
                    scratch.push('"');
                    pos += 1;
                } else {
                    break;
                }
            }
            // Anything up to the separator is kept as written.
            let rest = field_end(bytes, pos, end);
            scratch.push_str(&text[pos..rest]);
            field(j, trim_cr(scratch));
            pos = rest;
        } else {
            let rest = field_end(bytes, pos, end);
            field(j, trim_cr(&text[pos..rest]));
            pos = rest;
        }
        j += 1;
        match bytes.get(pos) {
            Some(b',') if pos < end => pos += 1,
            Some(b'\n') if pos < end => return Ok(pos + 1),
            _ => return Ok(end.max(pos)),
        }
    }
}

/// The first comma or line feed at or after `pos`, or `end`.
fn field_end(bytes: &[u8], pos: usize, end: usize) -> usize {
    bytes[pos..end]
        .iter()
        .position(|&b| b == b',' || b == b'\n')
        .map_or(end, |p| pos + p)
}

/// `field` without surrounding white space; most cells have none, which
/// two byte tests settle without the Unicode-aware scan.
fn trim(field: &str) -> &str {
    let solid = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii() && !b.is_ascii_whitespace());
    let b = field.as_bytes();
    if solid(b.first()) && solid(b.last()) {
        field
    } else {
        field.trim()
    }
}

/// A field at the end of a `\r\n` line without its `\r`.
fn trim_cr(s: &str) -> &str {
    s.strip_suffix('\r').unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Table = (Vec<String>, Vec<Vec<Option<String>>>);

    fn cells_of(text: &str) -> Result<Table, Failure> {
        let (names, cols) = parse(text, &["NA".to_string()])?;
        let cols = cols
            .iter()
            .map(|c| c.iter().map(|v| v.map(str::to_string)).collect())
            .collect();
        Ok((names, cols))
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    // Quotes, escaped quotes, commas and line breaks inside quotes, CRLF,
    // NA and empty cells, trailing blank lines.
    #[test]
    fn rfc_4180_fields() {
        let (names, cols) =
            cells_of("a,\"b c\"\r\n\"x,1\",\"say \"\"hi\"\"\"\r\nNA,\"two\nlines\"\r\n , \r\n\n\n")
                .unwrap();
        assert_eq!(names, ["a", "b c"]);
        assert_eq!(cols[0], [s("x,1"), None, None]);
        assert_eq!(cols[1], [s("say \"hi\""), s("two\nlines"), None]);
    }

    // The last record needs no line end; a last empty field is a cell.
    #[test]
    fn last_record_without_newline() {
        let (_, cols) = cells_of("a,b\n1,").unwrap();
        assert_eq!(cols[0], [s("1")]);
        assert_eq!(cols[1], [None]);
    }

    #[test]
    fn problems_name_their_record() {
        let text = "a,b\n1,2\n3,4,5\n";
        assert_eq!(
            cells_of(text).unwrap_err(),
            (
                8,
                Problem::Fields {
                    found: 3,
                    expected: 2
                }
            )
        );
        assert_eq!(line_of(text.as_bytes(), 8), 3);
        assert_eq!(
            cells_of("a,b\n1\n").unwrap_err().1,
            Problem::Fields {
                found: 1,
                expected: 2
            }
        );
        assert_eq!(
            cells_of("a,b\n1,2\n\n3,4\n").unwrap_err(),
            (8, Problem::BlankLine)
        );
        assert_eq!(
            cells_of("a,b\n1,\"2\n3,4\n").unwrap_err(),
            (6, Problem::UnclosedQuote)
        );
        assert_eq!(cells_of("a,b\n\n \n").unwrap_err().1, Problem::NoRows);
    }

    // One column: an empty line inside the file is a missing cell.
    #[test]
    fn single_column_blank_is_missing() {
        let (_, cols) = cells_of("a\n1\n\n2\n").unwrap();
        assert_eq!(cols[0], [s("1"), None, s("2")]);
    }

    // Cut into chunks at line ends, the columns are those of one pass.
    #[test]
    fn chunks_cut_at_line_ends() {
        let mut text = String::from("id,x\n");
        for i in 0..1_000_000 {
            text.push_str(&format!("{i},{}\n", i % 7));
        }
        let ranges = chunks(&text, 5, text.trim_end().len());
        assert!(ranges.len() > 1);
        for w in ranges.windows(2) {
            assert_eq!(w[0].1, w[1].0);
            assert_eq!(text.as_bytes()[w[0].1 - 1], b'\n');
        }
        let (_, cols) = cells_of(&text).unwrap();
        assert_eq!(cols[0].len(), 1_000_000);
        assert_eq!(cols[0][999_999], s("999999"));
        assert_eq!(cols[1][12], s("5"));
    }

    /// Writes `rows` as RFC 4180 text: a field is quoted when it holds a
    /// comma, quote, line break or edge space, or at random otherwise.
    fn write(header: &[String], rows: &[Vec<String>], quote_all: &[bool], crlf: bool) -> String {
        let eol = if crlf { "\r\n" } else { "\n" };
        let field = |v: &str, k: usize| {
            let special = v.contains([',', '"', '\n', '\r']);
            if special || quote_all[k % quote_all.len()] {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.to_string()
            }
        };
        let mut out = header.join(",") + eol;
        for (i, row) in rows.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(j, v)| field(v, i + j))
                .collect();
            out += &(cells.join(",") + eol);
        }
        out
    }

    proptest::proptest! {
        // Any table written as CSV reads back cell for cell (trimmed,
        // empty and NA cells missing).
        #[test]
        fn written_tables_read_back(
            ncols in 1usize..5,
            cells in proptest::collection::vec("[a-c ,\"\n\r]{0,4}|NA|[0-9]{1,3}", 1..80),
            quote_all in proptest::collection::vec(proptest::bool::ANY, 1..7),
            crlf in proptest::bool::ANY,
        ) {
            let header: Vec<String> = (0..ncols).map(|j| format!("c{j}")).collect();
            let rows: Vec<Vec<String>> = cells.chunks(ncols).filter(|r| r.len() == ncols).map(<[String]>::to_vec).collect();
            proptest::prop_assume!(!rows.is_empty());
            // A row that is one blank field would be a blank line.
            proptest::prop_assume!(ncols > 1 || rows.iter().all(|r| !r[0].trim().is_empty() || r[0].contains(['\n', '\r', ','])));
            let text = write(&header, &rows, &quote_all, crlf);
            let (names, cols) = cells_of(&text).unwrap();
            proptest::prop_assert_eq!(names, header);
            for (j, col) in cols.iter().enumerate() {
                let expected: Vec<Option<String>> = rows.iter().map(|r| {
                    let v = r[j].trim();
                    (!v.is_empty() && v != "NA").then(|| v.to_string())
                }).collect();
                proptest::prop_assert_eq!(col, &expected);
            }
        }
    }
}
