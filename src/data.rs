//! Reading patient-level data (CSV or Parquet) into a table of text cells.
//!
//! Every column is read as text, so that the study decides what a column
//! means and a bad cell can be reported with its row and value (polars'
//! type inference would turn it into a silent null or a vague error).
//! Row numbers in messages are 1-based data rows; in a CSV, data row r is
//! on line r + 1.

use crate::error::{Error, Result, did_you_mean};
use polars::prelude::*;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

mod csv;

/// The raw data: named text columns of equal length; `None` is missing.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Where it was read from.
    pub path: PathBuf,
    names: Vec<String>,
    columns: Vec<TextColumn>,
    rows: usize,
}

impl Dataset {
    /// Reads a `.csv` or `.parquet` file. `na_values` are cell texts that mean
    /// missing (an empty cell always does).
    pub fn read(path: &Path, na_values: &[String]) -> Result<Dataset> {
        if !path.exists() {
            return Err(Error::data(
                path,
                "the data file does not exist; check [study] data in the config (paths are relative to the config file)",
            ));
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let (names, columns) = match ext.as_str() {
            "csv" => read_csv(path, na_values)?,
            "parquet" => read_parquet(path, na_values)?,
            _ => {
                return Err(Error::data(
                    path,
                    "unknown data format; use a .csv or .parquet file",
                ));
            }
        };
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        for name in &names {
            if !seen.insert(name.as_str()) {
                return Err(Error::data(
                    path,
                    format!("column `{name}` appears twice in the header; rename one of them"),
                ));
            }
        }
        let rows = columns.first().map_or(0, TextColumn::len);
        if names.is_empty() {
            return Err(Error::data(
                path,
                "the file has no columns; it must start with a header row",
            ));
        }
        if rows == 0 {
            return Err(Error::data(path, "the file has a header but no data rows"));
        }
        Ok(Dataset {
            path: path.to_path_buf(),
            names,
            columns,
            rows,
        })
    }

    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Column names in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether a column exists.
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The cells of a column, or an error that lists close names.
    pub fn column(&self, name: &str, used_by: &str) -> Result<&TextColumn> {
        match self.names.iter().position(|n| n == name) {
            Some(j) => Ok(&self.columns[j]),
            None => Err(Error::data(
                &self.path,
                format!(
                    "column `{name}` (named by {used_by}) is not in the data.{} The columns are: {}",
                    did_you_mean(name, self.names.iter().map(String::as_str)),
                    self.names.join(", ")
                ),
            )),
        }
    }

    /// A column parsed as numbers; a cell that is not a number is an error
    /// naming its row and value.
    pub fn numeric(&self, name: &str, used_by: &str) -> Result<Vec<Option<f64>>> {
        self.column(name, used_by)?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                None => Ok(None),
                Some(s) => parse_number(s).map(Some).ok_or_else(|| {
                    Error::data(
                        &self.path,
                        format!(
                            "column `{name}` (used by {used_by}), row {}: `{s}` is not a number; fix the cell, leave it empty if it is missing, or list this spelling of missing in [study] na-values",
                            i + 1
                        ),
                    )
                }),
            })
            .collect()
    }
}

/// One column's cells, packed: all texts in one string, so a million-row
/// file costs its text plus 4 bytes a cell, not an allocation per cell. A
/// missing cell is an empty one (readers trim cells and treat an empty
/// cell as missing, so no present cell is empty).
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    text: String,
    /// End of each cell's text in `text` (cell i spans ends[i-1]..ends[i]).
    ends: Vec<u32>,
}

impl TextColumn {
    /// Packs cells (`None`, or empty text, is missing).
    pub fn from_cells<'a>(cells: impl Iterator<Item = Option<&'a str>>) -> TextColumn {
        let mut c = TextColumn::default();
        for cell in cells {
            c.push(cell);
        }
        c
    }

    /// An empty column with room for `cells` cells of `bytes` text in all.
    pub fn with_capacity(cells: usize, bytes: usize) -> TextColumn {
        TextColumn {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(cells),
        }
    }

    /// Adds a cell at the end (`None`, or empty text, is missing).
    #[inline]
    pub fn push(&mut self, cell: Option<&str>) {
        if let Some(cell) = cell {
            self.text.push_str(cell);
        }
        // A column's text beyond 4 GB would overflow; such a file is far
        // beyond what the rest of the pipeline holds in memory anyway.
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    /// The cells of `pieces`, one after the other.
    pub fn concat(pieces: Vec<TextColumn>) -> TextColumn {
        if pieces.len() == 1 {
            return pieces.into_iter().next().unwrap_or_default();
        }
        let cells = pieces.iter().map(TextColumn::len).sum();
        let bytes = pieces.iter().map(|p| p.text.len()).sum();
        let mut out = TextColumn::with_capacity(cells, bytes);
        for piece in pieces {
            let offset = u32::try_from(out.text.len()).unwrap_or(u32::MAX);
            out.text.push_str(&piece.text);
            out.ends
                .extend(piece.ends.iter().map(|&e| offset.saturating_add(e)));
        }
        out
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `i` (`None` when missing or out of range).
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        if start == end {
            return None;
        }
        self.text.get(start..end)
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Parses a finite number ("12", "-0.5", "1e3"); `None` otherwise.
pub fn parse_number(s: &str) -> Option<f64> {
    plain_decimal(s.as_bytes())
        .or_else(|| s.trim().parse::<f64>().ok())
        .filter(|x| x.is_finite())
}

/// The value of a plain decimal (optional sign, digits with at most one
/// point, no exponent) whose digits form an integer below 2^53 and that has
/// at most 22 decimals; `None` for anything else, which the full parser
/// then reads. Such a decimal is `m / 10^k` with `m` and `10^k` exact in
/// f64, so one correctly rounded division gives the correctly rounded
/// value, bit for bit what `str::parse` gives (Clinger 1990, "How to read
/// floating point numbers accurately", PLDI; the fast path of every
/// correctly rounding parser). Nearly every cell of a clinical data file
/// takes this path, at a fraction of the full parser's cost.
fn plain_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let (negative, body) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let (mut m, mut digits, mut decimals) = (0u64, 0usize, None);
    for (k, &c) in body.iter().enumerate() {
        match c {
            b'0'..=b'9' if digits < 19 => {
                m = m * 10 + u64::from(c - b'0');
                digits += 1;
            }
            b'.' if decimals.is_none() => decimals = Some(body.len() - k - 1),
            _ => return None,
        }
    }
    let k = decimals.unwrap_or(0);
    if digits == 0 || m >= 1 << 53 || k >= POW10.len() {
        return None;
    }
    let v = m as f64 / POW10[k];
    Some(if negative { -v } else { v })
}

fn read_csv(path: &Path, na_values: &[String]) -> Result<(Vec<String>, Vec<TextColumn>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::data(
            path,
            "the file is empty; it needs a header row and data rows",
        ));
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = csv::line_of(&bytes, e.valid_up_to());
            return Err(Error::data(
                path,
                format!(
                    "line {line} is not valid UTF-8; save the file as UTF-8 (e.g. \"CSV UTF-8\" in a spreadsheet program)"
                ),
            ));
        }
    };
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    csv::parse(&text[bom..], na_values).map_err(|(offset, problem)| {
        let line = csv::line_of(&text.as_bytes()[bom..], offset);
        let message = match problem {
            csv::Problem::UnclosedQuote => format!(
                "line {line}: a quoted field opens with `\"` and is never closed; add the closing quote (a quote inside a quoted field is written `\"\"`)"
            ),
            csv::Problem::Fields { found, expected } => format!(
                "the CSV could not be read: line {line} has {found} fields and the header has {expected}; give every row one field per column (a value with a comma goes in quotes: \"a,b\")"
            ),
            csv::Problem::BlankLine => format!(
                "the CSV could not be read: line {line} is empty; delete the empty line (row numbers in messages count the file's lines)"
            ),
            csv::Problem::NoRows => "the file has a header but no data rows".to_string(),
        };
        Error::data(path, message)
    })
}

/// A Parquet file of text columns (`None` is missing), as bytes; used to
/// write scaled benchmark cohorts.
pub fn parquet_bytes(
    columns: &[(&str, Vec<Option<&str>>)],
) -> std::result::Result<Vec<u8>, String> {
    let cols: Vec<Column> = columns
        .iter()
        .map(|(name, values)| Column::new((*name).into(), values.as_slice()))
        .collect();
    let mut df = DataFrame::new_infer_height(cols).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .finish(&mut df)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn read_parquet(path: &Path, na_values: &[String]) -> Result<(Vec<String>, Vec<TextColumn>)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::data(path, format!("the Parquet file could not be read: {e}")))?;
    let names: Vec<String> = df
        .columns()
        .iter()
        .map(|c| c.name().trim_start_matches('\u{feff}').to_string())
        .collect();
    // Columns are packed in parallel, each polars column dropped as soon
    // as it is packed (the text is then held once, not twice).
    let columns = df
        .into_columns()
        .into_par_iter()
        .zip(names.par_iter())
        .map(|(col, name)| {
            let s = col
                .take_materialized_series()
                .cast(&DataType::String)
                .map_err(|e| {
                    Error::data(path, format!("column `{name}` cannot be read as text: {e}"))
                })?;
            let ca = s.str().map_err(|e| Error::data(path, e.to_string()))?;
            Ok(TextColumn::from_cells(ca.iter().map(|v| {
                v.map(str::trim)
                    .filter(|v| !v.is_empty() && !na_values.iter().any(|na| na == v))
            })))
        })
        .collect::<Result<Vec<TextColumn>>>()?;
    Ok((names, columns))
}
