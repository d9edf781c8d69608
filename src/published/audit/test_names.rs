//! The vocabulary of test names a manifest's `test` (and `test_note`) may
//! use, matched as whole words after folding case, punctuation and
//! separators ("Student's t-test", "t_test" and "unpaired t test" all read
//! as a t-test). A `test` that names none of them is an error that lists the
//! known names: the audit never falls back to another family of tests.

use super::context::*;

/// A family of tests the audit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// Two-sample t-test (Welch or pooled; both are recomputed).
    TTest,
    /// Pearson's chi-square (with or without Yates' correction).
    ChiSquare,
    /// Fisher's exact test.
    Fisher,
    /// A rank test (Mann-Whitney U / Wilcoxon rank-sum, Kruskal-Wallis):
    /// not computable from printed summaries.
    Rank,
}

impl Family {
    /// The family's name as the draft writes it (in the vocabulary).
    pub(super) fn canonical(self) -> &'static str {
        match self {
            Family::TTest => "t-test",
            Family::ChiSquare => "chi-square",
            Family::Fisher => "Fisher's exact test",
            Family::Rank => "Mann-Whitney U test",
        }
    }
}

/// Each family's names, as words after folding (see [`words`]).
const VOCABULARY: &[(Family, &[&str])] = &[
    (
        Family::TTest,
        &[
            "t test",
            "t tests",
            "ttest",
            "student t",
            "students t",
            "welch",
            "unpaired t",
            "two sample t",
            "independent t",
        ],
    ),
    (
        Family::ChiSquare,
        &[
            "chi square",
            "chi squared",
            "chisquare",
            "chisq",
            "chi2",
            "χ2",
            "χ²",
            "pearson",
            "yates",
        ],
    ),
    (Family::Fisher, &["fisher", "fishers", "fisher exact"]),
    (
        Family::Rank,
        &[
            "mann whitney",
            "mann whitney u",
            "wilcoxon rank sum",
            "wilcoxon",
            "rank sum",
            "u test",
            "kruskal wallis",
            "kruskal",
        ],
    ),
];

/// `text` folded to lowercase words: apostrophes dropped ("Fisher's" is
/// "fishers"), every other non-alphanumeric character a separator.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\'', '’'], "")
        .split(|c: char| !(c.is_alphanumeric() || c == '²'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The families `text` names, each once, in vocabulary order.
pub(super) fn families(text: &str) -> Vec<Family> {
    let have = words(text);
    VOCABULARY
        .iter()
        .filter(|(_, names)| {
            names.iter().any(|name| {
                let want: Vec<&str> = name.split(' ').collect();
                have.windows(want.len())
                    .any(|w| w.iter().zip(&want).all(|(a, b)| a == b))
            })
        })
        .map(|(f, _)| *f)
        .collect()
}

/// The documented names, for an error message.
fn known() -> String {
    "t-test (Student's t, unpaired t test, Welch), chi-square (Pearson, Yates), Fisher \
     (Fisher's exact test), Mann-Whitney U (Wilcoxon rank-sum), Kruskal-Wallis"
        .into()
}

/// Every `test` naming no known test: an error listing the known names.
/// (`test_note` is free text; it may name no test.)
pub(super) fn unknown_test_names(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        let Some(name) = site.node().str("test") else {
            continue;
        };
        if families(name).is_empty() {
            found.push(Found::at(
                site,
                Severity::Error,
                "test-name",
                format!("test = \"{name}\""),
                "no known test".into(),
                format!(
                    "The stated test is not one the audit knows, so no p-value under it is \
                     judged against its test. Known names (whole words, any case): {}.",
                    known()
                ),
            ));
        }
    }
    ctx.add_all(3, found);
}

#[cfg(test)]
mod tests {
    use super::{Family, families};

    #[test]
    fn synonyms_are_whole_words() {
        for t in [
            "t_test",
            "Student's t-test",
            "unpaired t test",
            "Welch",
            "two-sample t-test",
        ] {
            assert_eq!(families(t), vec![Family::TTest], "{t}");
        }
        for t in [
            "mann_whitney_u",
            "Mann-Whitney U",
            "Wilcoxon rank-sum test",
            "Kruskal-Wallis",
        ] {
            assert_eq!(families(t), vec![Family::Rank], "{t}");
        }
        assert_eq!(
            families("Chi-square test or Fisher's exact test"),
            vec![Family::ChiSquare, Family::Fisher]
        );
        // Words inside other words do not count.
        assert!(families("attest").is_empty());
        assert!(families("fishery survey").is_empty());
        assert!(families("ANOVA").is_empty());
    }
}
