//! # studybook
//!
//! Regenerates a clinical cohort study's manuscript from its data: a study
//! config (TOML) and patient-level data (CSV or Parquet) in; a Markdown
//! manuscript, one self-contained HTML page and `results.json` out.
//!
//! The modules read as the pipeline, and [`pipeline`] is the only one that
//! knows their order:
//!
//! 1. [`config`]: the study config as typed structs, checked.
//! 2. [`data`]: the data file as text columns.
//! 3. [`cohort`]: derived variables, exclusions (the patient flow), groups.
//! 4. [`matching`]: propensity model, nearest-neighbour matching, balance.
//! 5. [`analysis`]: Table 1 and its tests, as plain results.
//! 6. [`figures`]: deterministic SVG figures.
//! 7. [`report`]: the assembled, serializable [`report::Results`].
//! 8. [`render`]: the formatter, templates, Markdown and HTML.
//!
//! Every stage may record [`diagnostics`]: statistical trouble is a result.
//!
//! [`stats`] is pure numerics (slices in, structs out) used by `analysis`;
//! [`simulate`] builds the synthetic twin cohort of the reference study;
//! [`audit`] checks a published paper's printed numbers for consistency;
//! [`verify`] compares the regenerated results with them.

#![warn(missing_docs)]

pub mod analysis;
pub mod audit;
pub mod bench;
pub mod cohort;
pub mod config;
pub mod data;
pub mod diagnostics;
pub mod error;
pub mod figures;
pub mod format;
pub mod matching;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod simulate;
pub mod stats;
pub mod verify;

pub use error::{Error, Result};
