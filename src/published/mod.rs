//! The published-paper wing: what studybook does with a paper's printed
//! numbers, apart from the analysis of the data.
//!
//! - [`manifest`]: the printed numbers as a tree (`published.toml`), with
//!   each number's decimals and line; the one parser of the format.
//! - [`audit`]: the printed numbers checked against each other, one file
//!   per rule.
//! - [`draft`]: a draft manifest read from the article's own tables.
//! - [`verify`]: the regenerated results against the printed numbers, claim
//!   by claim.
//! - [`twin`]: the synthetic twin cohort of the reference study, built from
//!   its manifest.
//!
//! Nothing in the analysis imports this wing: `render` receives the audit
//! and the verification as their own values beside the results.

pub mod audit;
pub mod draft;
pub mod manifest;
pub mod twin;
pub mod verify;

use crate::config::LoadedConfig;
use crate::error::Result;
use crate::report::Results;
use audit::Audit;
use manifest::Manifest;
use verify::Verification;

/// A study's published paper checked: its audit and the regenerated
/// results against it.
#[derive(Debug, Clone)]
pub struct Review {
    /// The printed numbers checked against each other.
    pub audit: Audit,
    /// The regenerated numbers against the printed ones.
    pub verification: Verification,
}

/// Reviews the manifest that the study's `[study] published` names, if
/// any: audits it and verifies `results` against it.
pub fn review(config: &LoadedConfig, results: &Results) -> Result<Option<Review>> {
    let Some(p) = &config.config.study.published else {
        return Ok(None);
    };
    let manifest = Manifest::load(&config.dir.join(p))?;
    Ok(Some(Review {
        audit: audit::audit(&manifest)?,
        verification: verify::verify(&manifest, results, &config.config.verify),
    }))
}
