//! A published-numbers manifest as a tree that remembers how each number was
//! printed (its decimals) and where it sits in the file (its line), so that
//! every check can derive its tolerance from the printed precision and every
//! finding can point at the line that reports the number.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// A number as printed: its value and the decimals it was printed with.
#[derive(Debug, Clone, PartialEq)]
pub struct Num {
    /// The value.
    pub value: f64,
    /// Decimals in the printed text ("75.90" -> 2, "609" -> 0).
    pub decimals: u32,
    /// The literal text in the manifest.
    pub raw: String,
}

impl Num {
    /// Half a unit of the last printed decimal: the printed value stands for
    /// any true value within this distance.
    pub fn half_unit(&self) -> f64 {
        0.5 * 10f64.powi(-(self.decimals as i32))
    }

    /// The interval of true values that print as this number.
    pub fn interval(&self) -> (f64, f64) {
        let h = self.half_unit() * (1.0 + 1e-9);
        (self.value - h, self.value + h)
    }
}

/// A value in the manifest.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer or float.
    Num(Num),
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An array.
    Arr(Vec<Node>),
    /// A table, entries in file order.
    Table(Vec<(String, Node)>),
    /// A date or time (not audited).
    Other,
}

/// A value with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line in the manifest.
    pub line: usize,
}

impl Node {
    /// The entry `key` of a table.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The number at `key`.
    pub fn num(&self, key: &str) -> Option<&Num> {
        match &self.get(key)?.value {
            Value::Num(n) => Some(n),
            _ => None,
        }
    }

    /// The string at `key`.
    pub fn str(&self, key: &str) -> Option<&str> {
        match &self.get(key)?.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean at `key` (false when absent).
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key).map(|n| &n.value), Some(Value::Bool(true)))
    }

    /// The strings of the array at `key`.
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.get(key).map(|n| &n.value) {
            Some(Value::Arr(items)) => items
                .iter()
                .filter_map(|i| match &i.value {
                    Value::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The table entries (empty for other values).
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Table(entries) => entries,
            _ => &[],
        }
    }

    /// Whether this is a table.
    pub fn is_table(&self) -> bool {
        matches!(self.value, Value::Table(_))
    }
}

/// A loaded manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file it was read from.
    pub file: PathBuf,
    /// The top-level table.
    pub root: Node,
}

impl Manifest {
    /// Reads and parses a manifest; TOML errors carry line and column.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Manifest::parse(path, &text)
    }

    /// Parses manifest text (`path` names it in messages).
    pub fn parse(path: &Path, text: &str) -> Result<Manifest> {
        let table = DeTable::parse(text).map_err(|e| {
            Error::config(
                path,
                format!(
                    "{} Fix the TOML syntax at that place.",
                    e.to_string().trim_end()
                ),
            )
        })?;
        let lines = LineIndex::new(text);
        let root = Node {
            value: convert_table(table.get_ref(), &lines),
            line: 1,
        };
        Ok(Manifest {
            file: path.to_path_buf(),
            root,
        })
    }

    /// The node at a path.
    pub fn get(&self, path: &[String]) -> Option<&Node> {
        let mut node = &self.root;
        for key in path {
            node = match &node.value {
                Value::Table(_) => node.get(key)?,
                Value::Arr(items) => items.get(key.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// "published.toml:123" for a node.
    pub fn at(&self, node: &Node) -> String {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        format!("{name}:{}", node.line)
    }
}

/// Splits a dotted path (`table1.unmatched.age."<=65".sr_n`) into keys;
/// keys may be quoted with `"` to hold dots or other punctuation.
pub fn parse_path(path: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => keys.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    keys.push(cur);
    keys.into_iter().filter(|k| !k.is_empty()).collect()
}

/// Joins keys into a dotted path, quoting keys that are not bare TOML keys.
pub fn show_path(keys: &[String]) -> String {
    keys.iter()
        .map(|k| {
            if !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                k.clone()
            } else {
                format!("\"{k}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Byte offset -> 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

fn convert_table(table: &DeTable<'_>, lines: &LineIndex) -> Value {
    let mut entries: Vec<(usize, String, Node)> = table
        .iter()
        .map(|(k, v)| {
            let start = v.span().start.min(k.span().start);
            (
                start,
                k.get_ref().to_string(),
                Node {
                    value: convert(v.get_ref(), lines),
                    line: lines.line(k.span().start),
                },
            )
        })
        .collect();
    // File order, whatever order the map keeps.
    entries.sort_by_key(|(start, _, _)| *start);
    Value::Table(entries.into_iter().map(|(_, k, v)| (k, v)).collect())
}

fn convert(value: &DeValue<'_>, lines: &LineIndex) -> Value {
    match value {
        DeValue::Integer(i) => Value::Num(Num {
            value: i64::from_str_radix(i.as_str(), i.radix())
                .map(|v| v as f64)
                .unwrap_or(f64::NAN),
            decimals: 0,
            raw: i.as_str().to_string(),
        }),
        DeValue::Float(f) => {
            let raw = f.as_str().replace('_', "");
            let value = raw.parse::<f64>().unwrap_or(f64::NAN);
            Value::Num(Num {
                value,
                decimals: decimals_of(&raw),
                raw,
            })
        }
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Array(items) => Value::Arr(
            items
                .iter()
                .map(|v| Node {
                    value: convert(v.get_ref(), lines),
                    line: lines.line(v.span().start),
                })
                .collect(),
        ),
        DeValue::Table(t) => convert_table(t, lines),
        DeValue::Datetime(_) => Value::Other,
    }
}

/// Decimals printed in a float literal ("1.20" -> 2, "1e-3" -> 3, "5.0" -> 1).
fn decimals_of(raw: &str) -> u32 {
    let (mantissa, exp) = match raw.find(['e', 'E']) {
        Some(i) => (&raw[..i], raw[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (raw, 0),
    };
    let frac = mantissa.split_once('.').map_or(0, |(_, f)| f.len() as i32);
    (frac - exp).max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_printed_decimals_and_lines() {
        let m = Manifest::parse(
            Path::new("m.toml"),
            "[a]\nx = 75.90\ny = 609\n[a.\"<=65\"]\nz = 1e-3\n",
        )
        .unwrap();
        let a = m.get(&parse_path("a")).unwrap();
        assert_eq!(a.num("x").unwrap().decimals, 2);
        assert_eq!(a.num("y").unwrap().decimals, 0);
        assert_eq!(a.get("y").unwrap().line, 3);
        let z = m.get(&parse_path("a.\"<=65\".z")).unwrap();
        assert_eq!(z.line, 5);
        assert_eq!(
            show_path(&parse_path("a.\"<=65\".z")),
            "a.\"<=65\".z".to_string()
        );
        if let Value::Num(n) = &z.value {
            assert_eq!(n.decimals, 3);
        } else {
            panic!("z is a number");
        }
    }
}
