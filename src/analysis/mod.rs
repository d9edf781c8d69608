//! Turning a cohort into result values: descriptive tables and tests.
//! Results are plain serializable data with full precision; presentation
//! (rounding, wording) belongs to `render`.

pub mod complications;
pub mod regression;
pub mod subgroups;
pub mod survival;
pub mod table1;

pub use crate::diagnostics::Diagnostic;
