//! Pure numerics: slices in, plain structs out.
//!
//! Nothing here knows about studies, data frames, files or the rest of the
//! crate, so the module could become its own crate unchanged. Every function
//! documents the formula it computes and the R function it agrees with; the
//! tests in `tests/stats_*.rs` hold the R values (1e-6 relative) and
//! hand-derived cases.

pub mod bootstrap;
pub mod competing;
pub mod concordance;
pub mod contingency;
pub mod cox;
pub mod describe;
pub mod evalue;
pub mod fine_gray;
pub mod fisher_network;
pub mod gray;
pub mod kaplan_meier;
pub mod log_rank;
pub mod logistic;
pub mod matching;
pub mod rank;
pub mod rmst;
pub mod smd;
pub mod t_test;
pub mod weighted_km;
pub mod weighting;

use std::cmp::Ordering;
use thiserror::Error;

/// The row indices `0..n` in the stable order of `cmp`: the identity when
/// the rows already are in that order (the pipeline sorts each endpoint
/// once, and every survival kernel would otherwise sort it again: at a
/// million rows a tenth of a second a call), else a stable sort.
pub(crate) fn stable_order(n: usize, cmp: impl Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    if !(1..n).all(|i| cmp(i - 1, i).is_le()) {
        order.sort_by(|&a, &b| cmp(a, b));
    }
    order
}

/// Why a statistic could not be computed. These are results, not crashes:
/// callers record them as diagnostics.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A group has fewer observations than the method needs.
    #[error("a group has {found} non-missing value(s); the method needs at least {needed}")]
    TooFewObservations {
        /// Observations found in the smallest group.
        found: usize,
        /// Observations the method needs per group.
        needed: usize,
    },
    /// All values are identical, so a variance (or rank spread) is zero.
    #[error("all values are identical, so the statistic is undefined")]
    NoVariation,
    /// A contingency table has no usable cells (all margins zero or one row/column).
    #[error("the table needs at least 2 non-empty rows and 2 non-empty columns")]
    DegenerateTable,
    /// The design matrix is rank-deficient (a constant or collinear covariate).
    #[error(
        "the design matrix is singular: a covariate is constant or a linear combination of others"
    )]
    Singular,
    /// An exact test would take more work than the configured budget.
    #[error(
        "the exact test passed its budget of {0} steps; use a Monte Carlo p-value or the chi-square test for this table"
    )]
    WorkBudgetExceeded(u64),
}

/// Result of a hypothesis test: the statistic, its degrees of freedom (when
/// the reference distribution has them) and the two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestResult {
    /// Test statistic (chi-square, W, t, H; NaN-free by construction).
    pub statistic: f64,
    /// Degrees of freedom of the reference distribution, if any.
    pub df: Option<f64>,
    /// Two-sided p-value in [0, 1].
    pub p: f64,
}
