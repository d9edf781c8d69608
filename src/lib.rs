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
//! 3. [`study`]: the config resolved against the data: every name bound to
//!    a column or an evaluated expression, codings and levels known, the
//!    exclusion conditions evaluated. Config errors are worded here, once.
//! 4. [`cohort`]: the study coded for the included rows: the patient flow,
//!    groups, ids, variables and endpoints (errors name a data row). The
//!    cohort also defines [`cohort::Population`]: the patients one
//!    analysis runs on (rows, optional weights and clusters, how they were
//!    made); results are kept [`cohort::ByPopulation`].
//! 5. [`matching`]: propensity model, nearest-neighbour matching, balance;
//!    the matched patients become a population.
//! 6. [`analysis`]: Table 1, survival, Cox tables, complications and
//!    subgroups of each population, as plain results.
//! 7. [`figures`]: deterministic SVG figures, one file per figure.
//! 8. [`report`]: the assembled, serializable [`report::Results`].
//! 9. [`render`]: the formatter, templates, Markdown and HTML.
//! 10. [`files`]: atomic writes of the output.
//!
//! Every stage may record [`diagnostics`]: statistical trouble is a result.
//!
//! [`stats`] is pure numerics (slices in, structs out) used by `analysis`.
//! [`published`] is the wing for a published paper's printed numbers: its
//! manifest, the audit of the numbers against each other, the verification
//! of the regenerated results against them, and the synthetic twin cohort
//! of the reference study. Nothing in the analysis imports it.

#![warn(missing_docs)]

pub mod analysis;
pub mod bench;
pub mod bootstrap;
pub mod cohort;
pub mod config;
pub mod data;
pub mod diagnostics;
pub mod diff;
pub mod error;
pub mod figures;
pub mod files;
pub mod format;
pub mod init;
pub mod matching;
pub mod pipeline;
pub mod published;
pub mod render;
pub mod report;
pub mod stats;
pub mod study;
pub mod watch;
pub mod weighting;

pub use error::{Error, Result};
