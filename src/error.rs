//! The crate's error type: every failure a user can cause, each with a
//! message that names the file, the place in it and what to do.

use std::path::PathBuf;
use thiserror::Error;

/// Result alias for the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure, by stage. Messages are complete sentences that end with the fix.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The study config could not be read, parsed or validated.
    #[error("{path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, where, and what to do.
        message: String,
    },
    /// The data file could not be read or does not fit the config.
    #[error("{path}: {message}")]
    Data {
        /// The data file.
        path: PathBuf,
        /// What is wrong (column, row, value) and what to do.
        message: String,
    },
    /// A template could not be loaded or rendered.
    #[error("template {name}: {message}")]
    Template {
        /// The template's name (file name).
        name: String,
        /// The template engine's message, with line.
        message: String,
    },
    /// An audit found error-severity findings (the report is written).
    #[error("the audit found {0} error(s); see the findings above and the audit report")]
    Findings(usize),
    /// `diff` found numbers that changed (the report is written).
    #[error("{0} number(s) changed; see the list above and diff.md")]
    Changed(usize),
    /// An output file (print figure, DOCX) could not be encoded.
    #[error("{file}: {message}")]
    Output {
        /// The output file.
        file: String,
        /// What failed and what to do.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl Error {
    /// A config error for `path`.
    pub fn config(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Config {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A data error for `path`.
    pub fn data(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.into(),
            message: message.into(),
        }
    }

    /// An I/O error for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Levenshtein edit distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word` when it is close enough to be a likely
/// typo (edit distance at most a third of the length, at least 2), else `None`.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// " Did you mean `x`?" or "" when nothing is close.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(word, candidates).map_or_else(String::new, |s| format!(" Did you mean `{s}`?"))
}
