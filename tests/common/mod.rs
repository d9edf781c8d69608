//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Asserts `|actual - expected| <= rel * |expected|`: a relative tolerance
/// only, so an expected 0 demands an exact 0. The four-argument form,
/// `assert_close!(a, e, rel, scale)`, measures the error against
/// `max(|expected|, scale)` instead: for quantities that are rounding noise
/// around zero in R (a chi-square of 1e-30 on a table of 137 patients), the
/// scale is the size of the terms that cancelled (the table total).
#[macro_export]
macro_rules! assert_close {
    ($actual:expr, $expected:expr, $rel:expr, $scale:expr) => {{
        let (a, e, r, s): (f64, f64, f64, f64) = ($actual, $expected, $rel, $scale);
        assert!(
            (a - e).abs() <= r * e.abs().max(s),
            "{} = {a:?}, expected {e:?} (error {:e} > {r:e} x max(|expected|, {s}))",
            stringify!($actual),
            (a - e).abs()
        );
    }};
    ($actual:expr, $expected:expr, $rel:expr) => {{
        let (a, e, r): (f64, f64, f64) = ($actual, $expected, $rel);
        let ok = if e == 0.0 {
            a == 0.0
        } else {
            ((a - e) / e).abs() <= r
        };
        assert!(
            ok,
            "{} = {a:?}, expected {e:?} (relative error {:e} > {r:e})",
            stringify!($actual),
            ((a - e) / e).abs()
        );
    }};
}

/// A reference table of counts (`[[1, 2], [3, 4]]` in JSON) as rows.
pub fn counts_table(v: &serde_json::Value) -> Vec<Vec<u64>> {
    v.as_array()
        .expect("a table is an array of rows")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("a row is an array of counts")
                .iter()
                .map(|x| x.as_u64().expect("a count"))
                .collect()
        })
        .collect()
}

/// Folder of the copied R reference values.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/r-reference")
}

/// Loads one reference JSON file (`lung`, `veteran`, `lalonde`).
pub fn reference(name: &str) -> serde_json::Value {
    let path = reference_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).expect("reference JSON present");
    serde_json::from_str(&text).expect("reference JSON parses")
}

/// A reference CSV as header + rows of raw strings (these files have no quoting).
#[derive(Clone)]
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn load(name: &str) -> Csv {
        let path = reference_dir().join("data").join(format!("{name}.csv"));
        let text = std::fs::read_to_string(path).expect("reference CSV present");
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        Csv { header, rows }
    }

    pub fn col(&self, name: &str) -> Vec<String> {
        let j = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"));
        self.rows.iter().map(|r| r[j].clone()).collect()
    }
}

/// A JSON array of numbers as a vector.
pub fn nums(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A fixture study's config (`tests/fixtures/studies/NAME/study.toml`) with
/// its data path made absolute, for writing into a temporary folder.
pub fn fixture_config(name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let text = std::fs::read_to_string(root.join("studies").join(name).join("study.toml"))
        .expect("the fixture study exists");
    let (before, after) = text.split_once("\ndata = \"").expect("a data line");
    let (relative, rest) = after.split_once('"').expect("a quoted data path");
    let data = root.join("studies").join(name).join(relative);
    format!("{before}\ndata = \"{}\"{rest}", data.display())
}
