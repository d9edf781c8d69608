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
        let df = match ext.as_str() {
            "csv" => read_csv(path, na_values)?,
            "parquet" => read_parquet(path)?,
            _ => {
                return Err(Error::data(
                    path,
                    "unknown data format; use a .csv or .parquet file",
                ));
            }
        };
        let rows = df.height();
        let mut names: Vec<String> = Vec::new();
        for col in df.columns() {
            let name = col.name().trim_start_matches('\u{feff}').to_string();
            if names.contains(&name) {
                return Err(Error::data(
                    path,
                    format!("column `{name}` appears twice in the header; rename one of them"),
                ));
            }
            names.push(name);
        }
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
/// file costs its text plus 5 bytes a cell, not an allocation per cell.
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    text: String,
    /// End of each cell's text in `text` (cell i spans ends[i-1]..ends[i]).
    ends: Vec<u32>,
    present: Vec<bool>,
}

impl TextColumn {
    /// Packs cells (`None` is missing).
    pub fn from_cells<'a>(cells: impl Iterator<Item = Option<&'a str>>) -> TextColumn {
        let mut c = TextColumn::default();
        for cell in cells {
            c.text.push_str(cell.unwrap_or(""));
            // A column's text beyond 4 GB would overflow; such a file is far
            // beyond what the rest of the pipeline holds in memory anyway.
            c.ends.push(u32::try_from(c.text.len()).unwrap_or(u32::MAX));
            c.present.push(cell.is_some());
        }
        c
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
    pub fn get(&self, i: usize) -> Option<&str> {
        if !*self.present.get(i)? {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize)
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Parses a finite number ("12", "-0.5", "1e3"); `None` otherwise.
pub fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

fn read_csv(path: &Path, na_values: &[String]) -> Result<DataFrame> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::data(
            path,
            "the file is empty; it needs a header row and data rows",
        ));
    }
    if let Err(e) = std::str::from_utf8(&bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        return Err(Error::data(
            path,
            format!(
                "line {line} is not valid UTF-8; save the file as UTF-8 (e.g. \"CSV UTF-8\" in a spreadsheet program)"
            ),
        ));
    }
    // polars 0.55's CSV parser reads past the end of its buffer on a quoted
    // field that is never closed (found by fuzzing: `,\n"`), so such files
    // are refused before they reach it.
    if let Some(line) = unclosed_quote(&bytes) {
        return Err(Error::data(
            path,
            format!(
                "line {line}: a quoted field opens with `\"` and is never closed; add the closing quote (a quote inside a quoted field is written `\"\"`)"
            ),
        ));
    }
    let mut nulls: Vec<PlSmallStr> = na_values
        .iter()
        .map(|s| PlSmallStr::from(s.as_str()))
        .collect();
    nulls.push(PlSmallStr::from(""));
    let parse = CsvParseOptions::default().with_null_values(Some(NullValues::AllColumns(nulls)));
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(parse)
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::data(path, format!("the CSV could not be read: {e}. Check that every row has as many fields as the header")))
}

/// The line where a quoted field opens that the file never closes
/// (RFC 4180: a field that starts with `"` ends at the next lone `"`;
/// `""` inside it is an escaped quote).
fn unclosed_quote(bytes: &[u8]) -> Option<usize> {
    // Most files quote nothing: one fast scan settles it.
    if !bytes.contains(&b'"') {
        return None;
    }
    let mut line = 1;
    let mut opened_at = None;
    let mut field_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match opened_at {
            Some(_) if b == b'"' && bytes.get(i + 1) == Some(&b'"') => i += 1,
            Some(_) if b == b'"' => opened_at = None,
            None if b == b'"' && field_start => opened_at = Some(line),
            _ => {}
        }
        if b == b'\n' {
            line += 1;
        }
        field_start = opened_at.is_none() && (b == b',' || b == b'\n' || b == b'\r');
        i += 1;
    }
    opened_at
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

fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::data(path, format!("the Parquet file could not be read: {e}")))
}
