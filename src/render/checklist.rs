//! The reporting checklist: each item of STROBE (cohort studies) and the
//! items of TARGET that apply to a propensity-score analysis, with the
//! place in the rendered manuscript that answers it, or "not addressed".
//!
//! Locations are found in what the render produced, never typed: the
//! headings and their text, and the numbered tables and figures (with the
//! text of each table). An item lists the evidence that answers it; each
//! piece that is present adds its location.
//!
//! STROBE: von Elm E, Altman DG, Egger M, et al. The Strengthening the
//! Reporting of Observational Studies in Epidemiology (STROBE) statement.
//! PLoS Med 2007;4:e296; checklist for cohort studies, version 4 (CC BY,
//! <https://www.strobe-statement.org>). TARGET: Cashin AG, Hansford HJ,
//! Hernán MA, et al. Transparent reporting of observational studies
//! emulating a target trial: the TARGET statement. JAMA/BMJ 2025; its
//! items are paraphrased here, and numbered by studybook, not by TARGET.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where an item may be answered.
#[derive(Debug, Clone, Copy)]
enum Evidence {
    /// A section with one of these headings, with text in it.
    Heading(&'static [&'static str]),
    /// A section (under the top-level heading, when given) whose text has
    /// one of these phrases (case-insensitive).
    Phrase(Option<&'static str>, &'static [&'static str]),
    /// A numbered table or figure whose label id starts with this.
    Label(&'static str),
    /// The numbered table `label` whose cells have the phrase.
    TableWith(&'static str, &'static str),
}

use Evidence::{Heading, Label, Phrase, TableWith};

/// One checklist item and its evidence.
struct Item {
    guideline: &'static str,
    number: &'static str,
    topic: &'static str,
    text: &'static str,
    evidence: &'static [Evidence],
}

/// A checklist row as printed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChecklistRow {
    /// "STROBE" or "TARGET".
    pub guideline: &'static str,
    /// Item number ("6b").
    pub number: &'static str,
    /// Its topic ("Participants").
    pub topic: &'static str,
    /// The recommendation.
    pub text: &'static str,
    /// Where the manuscript answers it ("Methods: Statistical analysis;
    /// Table 1"), or `None`: not addressed.
    pub location: Option<String>,
}

const DISCUSSION: Option<&str> = Some("Discussion");
const METHODS: Option<&str> = Some("Methods");

#[rustfmt::skip]
const ITEMS: &[Item] = &[
    Item { guideline: "STROBE", number: "1a", topic: "Title and abstract", text: "Indicate the study's design with a commonly used term in the title or the abstract.", evidence: &[Phrase(Some("Abstract"), &["cohort", "propensity"])] },
    Item { guideline: "STROBE", number: "1b", topic: "Title and abstract", text: "Provide in the abstract an informative and balanced summary of what was done and what was found.", evidence: &[Heading(&["Abstract"])] },
    Item { guideline: "STROBE", number: "2", topic: "Background/rationale", text: "Explain the scientific background and rationale for the investigation being reported.", evidence: &[Heading(&["Introduction", "Background"]), Phrase(Some("Abstract"), &["background."])] },
    Item { guideline: "STROBE", number: "3", topic: "Objectives", text: "State specific objectives, including any prespecified hypotheses.", evidence: &[Heading(&["Objectives"]), Phrase(Some("Introduction"), &["objective", "we aimed", "hypothes"])] },
    Item { guideline: "STROBE", number: "4", topic: "Study design", text: "Present key elements of study design early in the paper.", evidence: &[Phrase(METHODS, &["cohort", "propensity"])] },
    Item { guideline: "STROBE", number: "5", topic: "Setting", text: "Describe the setting, locations, and relevant dates, including periods of recruitment, exposure, follow-up, and data collection.", evidence: &[Heading(&["Setting", "Data and cohort"])] },
    Item { guideline: "STROBE", number: "6a", topic: "Participants", text: "Give the eligibility criteria, and the sources and methods of selection of participants. Describe methods of follow-up.", evidence: &[Heading(&["Participants", "Data and cohort"]), Label("flow")] },
    Item { guideline: "STROBE", number: "6b", topic: "Participants", text: "For matched studies, give matching criteria and number of exposed and unexposed.", evidence: &[Phrase(METHODS, &["caliper"]), Heading(&["Propensity-score matching"])] },
    Item { guideline: "STROBE", number: "7", topic: "Variables", text: "Clearly define all outcomes, exposures, predictors, potential confounders, and effect modifiers. Give diagnostic criteria, if applicable.", evidence: &[Phrase(METHODS, &["survival (", "endpoint"]), Label("table1")] },
    Item { guideline: "STROBE", number: "8", topic: "Data sources/measurement", text: "For each variable of interest, give sources of data and details of methods of assessment (measurement). Describe comparability of assessment methods if there is more than one group.", evidence: &[Heading(&["Data sources", "Data and cohort"])] },
    Item { guideline: "STROBE", number: "9", topic: "Bias", text: "Describe any efforts to address potential sources of bias.", evidence: &[Phrase(METHODS, &["confounding"])] },
    Item { guideline: "STROBE", number: "10", topic: "Study size", text: "Explain how the study size was arrived at.", evidence: &[Label("flow")] },
    Item { guideline: "STROBE", number: "11", topic: "Quantitative variables", text: "Explain how quantitative variables were handled in the analyses. If applicable, describe which groupings were chosen and why.", evidence: &[Phrase(METHODS, &["continuous variables"]), Label("table1")] },
    Item { guideline: "STROBE", number: "12a", topic: "Statistical methods", text: "Describe all statistical methods, including those used to control for confounding.", evidence: &[Heading(&["Statistical analysis", "Statistical methods"])] },
    Item { guideline: "STROBE", number: "12b", topic: "Statistical methods", text: "Describe any methods used to examine subgroups and interactions.", evidence: &[Phrase(None, &["interaction"])] },
    Item { guideline: "STROBE", number: "12c", topic: "Statistical methods", text: "Explain how missing data were addressed.", evidence: &[Phrase(METHODS, &["missing", "complete-case", "recorded value", "every covariate recorded"])] },
    Item { guideline: "STROBE", number: "12d", topic: "Statistical methods", text: "If applicable, explain how loss to follow-up was addressed.", evidence: &[Phrase(None, &["lost to follow-up", "censored follow-up", "censoring"])] },
    Item { guideline: "STROBE", number: "12e", topic: "Statistical methods", text: "Describe any sensitivity analyses.", evidence: &[Phrase(METHODS, &["sensitivity analys", "e-value", "bootstrap"])] },
    Item { guideline: "STROBE", number: "13a", topic: "Participants", text: "Report numbers of individuals at each stage of study.", evidence: &[Label("flow")] },
    Item { guideline: "STROBE", number: "13b", topic: "Participants", text: "Give reasons for non-participation at each stage.", evidence: &[Label("flow")] },
    Item { guideline: "STROBE", number: "13c", topic: "Participants", text: "Consider use of a flow diagram.", evidence: &[Label("flow")] },
    Item { guideline: "STROBE", number: "14a", topic: "Descriptive data", text: "Give characteristics of study participants (demographic, clinical, social) and information on exposures and potential confounders.", evidence: &[Label("table1")] },
    Item { guideline: "STROBE", number: "14b", topic: "Descriptive data", text: "Indicate number of participants with missing data for each variable of interest.", evidence: &[TableWith("table1", "missing"), Label("missing")] },
    Item { guideline: "STROBE", number: "14c", topic: "Descriptive data", text: "Summarise follow-up time (e.g., average and total amount).", evidence: &[Phrase(Some("Results"), &["median follow-up", "follow-up time"])] },
    Item { guideline: "STROBE", number: "15", topic: "Outcome data", text: "Report numbers of outcome events or summary measures over time.", evidence: &[Label("km-"), Label("cox-")] },
    Item { guideline: "STROBE", number: "16a", topic: "Main results", text: "Give unadjusted estimates and, if applicable, confounder-adjusted estimates and their precision (e.g., 95% confidence interval). Make clear which confounders were adjusted for and why they were included.", evidence: &[Label("cox-"), Label("robustness")] },
    Item { guideline: "STROBE", number: "16b", topic: "Main results", text: "Report category boundaries when continuous variables were categorized.", evidence: &[Label("table1")] },
    Item { guideline: "STROBE", number: "16c", topic: "Main results", text: "If relevant, consider translating estimates of relative risk into absolute risk for a meaningful time period.", evidence: &[Phrase(Some("Results"), &["survival rates were", "restricted mean"]), Label("rmst")] },
    Item { guideline: "STROBE", number: "17", topic: "Other analyses", text: "Report other analyses done, e.g. analyses of subgroups and interactions, and sensitivity analyses.", evidence: &[Heading(&["Subgroup analysis", "The effect under every adjustment"]), Label("robustness")] },
    Item { guideline: "STROBE", number: "18", topic: "Key results", text: "Summarise key results with reference to study objectives.", evidence: &[Heading(&["Discussion", "Key results"])] },
    Item { guideline: "STROBE", number: "19", topic: "Limitations", text: "Discuss limitations of the study, taking into account sources of potential bias or imprecision. Discuss both direction and magnitude of any potential bias.", evidence: &[Heading(&["Limitations"]), Phrase(DISCUSSION, &["limitation"])] },
    Item { guideline: "STROBE", number: "20", topic: "Interpretation", text: "Give a cautious overall interpretation of results considering objectives, limitations, multiplicity of analyses, results from similar studies, and other relevant evidence.", evidence: &[Phrase(DISCUSSION, &["interpret"]), Phrase(Some("Abstract"), &["conclusions."])] },
    Item { guideline: "STROBE", number: "21", topic: "Generalisability", text: "Discuss the generalisability (external validity) of the study results.", evidence: &[Phrase(DISCUSSION, &["generalis", "generaliz", "external validity"])] },
    Item { guideline: "STROBE", number: "22", topic: "Funding", text: "Give the source of funding and the role of the funders for the present study and, if applicable, for the original study on which the present article is based.", evidence: &[Heading(&["Funding"]), Phrase(None, &["funded by", "funding"])] },
    Item { guideline: "TARGET", number: "T1", topic: "Causal estimand", text: "State the causal estimand(s): the population in which the effect is estimated (e.g. the whole sample, the treated, the overlap population).", evidence: &[Phrase(METHODS, &["average treatment effect", "estimand", "average effect in"])] },
    Item { guideline: "TARGET", number: "T2", topic: "Treatment strategies", text: "Describe the treatment strategies compared and how patients were assigned to them in the data.", evidence: &[Phrase(METHODS, &["reference group", "were compared"])] },
    Item { guideline: "TARGET", number: "T3", topic: "Confounders", text: "List the baseline confounders adjusted for and how they were measured.", evidence: &[Phrase(METHODS, &["propensity scores"]), Label("balance")] },
    Item { guideline: "TARGET", number: "T4", topic: "Adjustment method", text: "Describe how confounding was adjusted for (e.g. matching or weighting on the propensity score) with its settings.", evidence: &[Phrase(METHODS, &["matched 1:", "weights for"])] },
    Item { guideline: "TARGET", number: "T5", topic: "Start of follow-up", text: "Say when follow-up started (time zero) and how it aligns with eligibility and treatment assignment.", evidence: &[Phrase(METHODS, &["time zero", "follow-up started", "follow-up began"])] },
    Item { guideline: "TARGET", number: "T6", topic: "Overlap", text: "Report the overlap (positivity) of the propensity-score distributions of the groups.", evidence: &[Label("ps-distribution")] },
    Item { guideline: "TARGET", number: "T7", topic: "Balance", text: "Report the balance of the confounders after adjustment.", evidence: &[Label("balance"), Label("weighted-balance"), Label("love-plot")] },
    Item { guideline: "TARGET", number: "T8", topic: "Missing data", text: "Describe missing data and how they were handled.", evidence: &[Phrase(METHODS, &["missing", "every covariate recorded"])] },
    Item { guideline: "TARGET", number: "T9", topic: "Estimates", text: "For each causal estimand, report the effect estimate with its precision.", evidence: &[Label("robustness"), Label("cox-")] },
    Item { guideline: "TARGET", number: "T10", topic: "Sensitivity analyses", text: "Report sensitivity analyses, including for unmeasured confounding.", evidence: &[Phrase(None, &["e-value"])] },
];

/// A section of the manuscript: its heading path and its own text.
#[derive(Debug, Default)]
struct Section {
    /// "Methods: Statistical analysis".
    path: String,
    /// The top-level (`##`) heading it is under.
    top: String,
    /// Its heading, lower case.
    heading: String,
    /// Its heading level (0 before the first heading).
    level: usize,
    /// Its own text (not its subsections'), lower case.
    text: String,
}

/// What the render produced: its sections and its numbered tables and
/// figures (with each table's text).
struct Manuscript {
    sections: Vec<Section>,
    /// Label id -> printed name, in the order of the names.
    labels: Vec<(String, String)>,
    /// Printed name -> text of the table or figure it captions.
    float_text: BTreeMap<String, String>,
}

impl Manuscript {
    fn read(markdown: &str, labels: &BTreeMap<String, String>) -> Manuscript {
        let mut sections: Vec<Section> = vec![Section::default()];
        let mut stack: Vec<(HeadingLevel, String)> = Vec::new();
        let mut heading: Option<(HeadingLevel, String)> = None;
        let mut float_text: BTreeMap<String, String> = BTreeMap::new();
        let mut caption: Option<String> = None;
        let mut in_table = false;
        for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
                Event::End(TagEnd::Heading(_)) => {
                    let Some((level, title)) = heading.take() else {
                        continue;
                    };
                    stack.retain(|(l, _)| *l < level);
                    stack.push((level, title.trim().to_string()));
                    let path: Vec<&str> = stack
                        .iter()
                        .filter(|(l, _)| *l > HeadingLevel::H1)
                        .map(|(_, t)| t.as_str())
                        .collect();
                    sections.push(Section {
                        path: path.join(": "),
                        top: path.first().map(|t| t.to_string()).unwrap_or_default(),
                        heading: title.trim().to_lowercase(),
                        level: level as usize,
                        text: String::new(),
                    });
                }
                Event::Start(Tag::Table(_)) => in_table = true,
                Event::End(TagEnd::Table) => {
                    in_table = false;
                    caption = None;
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, title)) = &mut heading {
                        title.push_str(&t);
                        continue;
                    }
                    let lower = t.to_lowercase();
                    if let Some(name) = labels.values().find(|n| t.starts_with(&format!("{n}."))) {
                        caption = Some(name.clone());
                    }
                    if in_table && let Some(name) = &caption {
                        float_text.entry(name.clone()).or_default().push_str(&lower);
                    }
                    if let Some(s) = sections.last_mut() {
                        s.text.push_str(&lower);
                        s.text.push(' ');
                    }
                }
                _ => {}
            }
        }
        let mut labels: Vec<(String, String)> =
            labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        labels.sort_by_key(|(_, name)| order_of(name));
        Manuscript {
            sections,
            labels,
            float_text,
        }
    }

    /// Whether section `i` or one of its subsections has text.
    fn has_text(&self, i: usize) -> bool {
        let level = self.sections[i].level;
        std::iter::once(&self.sections[i])
            .chain(
                self.sections[i + 1..]
                    .iter()
                    .take_while(|s| s.level > level),
            )
            .any(|s| !s.text.trim().is_empty())
    }

    /// The locations `evidence` finds.
    fn locate(&self, evidence: &Evidence) -> Vec<String> {
        match *evidence {
            Heading(titles) => (0..self.sections.len())
                .filter(|&i| {
                    titles
                        .iter()
                        .any(|t| self.sections[i].heading == t.to_lowercase())
                })
                .find(|&i| self.has_text(i))
                .map(|i| self.sections[i].path.clone())
                .into_iter()
                .collect(),
            Phrase(under, phrases) => self
                .sections
                .iter()
                .filter(|s| !s.path.is_empty() && under.is_none_or(|u| s.top == u))
                .find(|s| phrases.iter().any(|p| s.text.contains(p)))
                .map(|s| s.path.clone())
                .into_iter()
                .collect(),
            Label(prefix) => self
                .labels
                .iter()
                .filter(|(id, _)| id.starts_with(prefix))
                .map(|(_, name)| name.clone())
                .collect(),
            TableWith(id, phrase) => self
                .labels
                .iter()
                .filter(|(i, name)| {
                    i == id
                        && self
                            .float_text
                            .get(name)
                            .is_some_and(|t| t.contains(phrase))
                })
                .map(|(_, name)| name.clone())
                .collect(),
        }
    }
}

/// Sorts "Table 2" before "Table 10", tables before figures, main before
/// supplemental.
fn order_of(name: &str) -> (bool, bool, usize) {
    let n = name
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (name.starts_with("Supplemental"), name.contains("Figure"), n)
}

/// Every checklist item with its location in the rendered manuscript.
pub fn checklist(markdown: &str, labels: &BTreeMap<String, String>) -> Vec<ChecklistRow> {
    let manuscript = Manuscript::read(markdown, labels);
    ITEMS
        .iter()
        .map(|item| {
            let mut found: Vec<String> = Vec::new();
            for e in item.evidence {
                for l in manuscript.locate(e) {
                    if !found.contains(&l) {
                        found.push(l);
                    }
                }
            }
            ChecklistRow {
                guideline: item.guideline,
                number: item.number,
                topic: item.topic,
                text: item.text,
                location: (!found.is_empty()).then(|| found.join("; ")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn row<'a>(rows: &'a [ChecklistRow], number: &str) -> &'a ChecklistRow {
        rows.iter().find(|r| r.number == number).unwrap()
    }

    const TEXT: &str = "# T\n\n## Abstract\n\n**Background.** Why.\n\n## Methods\n\n### Statistical analysis\n\nConfounding was reduced by propensity scores.\n\n## Results\n\n![Figure 1. Flow.](figures/flow.svg)\n\n**Table 1.** Baseline.\n\n| A | B |\n|:--|--:|\n| &emsp;Missing | 3 |\n\n## Discussion\n\nOne limitation is size.\n";

    #[test]
    fn items_point_to_headings_phrases_and_numbered_floats() {
        let rows = checklist(
            TEXT,
            &labels(&[("flow", "Figure 1"), ("table1", "Table 1")]),
        );
        assert_eq!(rows.len(), ITEMS.len());
        assert_eq!(
            row(&rows, "12a").location.as_deref(),
            Some("Methods: Statistical analysis")
        );
        assert_eq!(
            row(&rows, "9").location.as_deref(),
            Some("Methods: Statistical analysis")
        );
        assert_eq!(row(&rows, "13c").location.as_deref(), Some("Figure 1"));
        assert_eq!(
            row(&rows, "14b").location.as_deref(),
            Some("Table 1"),
            "Table 1 has missing counts"
        );
        assert_eq!(row(&rows, "19").location.as_deref(), Some("Discussion"));
        assert_eq!(row(&rows, "2").location.as_deref(), Some("Abstract"));
        assert_eq!(row(&rows, "22").location, None, "no funding statement");
    }

    #[test]
    fn an_item_without_its_section_is_not_addressed() {
        let without = TEXT.replace("One limitation is size.", "Nothing more.");
        let rows = checklist(
            &without,
            &labels(&[("flow", "Figure 1"), ("table1", "Table 1")]),
        );
        assert_eq!(row(&rows, "19").location, None);
        let rows = checklist(TEXT, &labels(&[("table1", "Table 1")]));
        assert_eq!(row(&rows, "13a").location, None, "no flow figure labelled");
    }

    #[test]
    fn strobe_has_its_22_items() {
        let mut items: Vec<&str> = ITEMS
            .iter()
            .filter(|i| i.guideline == "STROBE")
            .map(|i| i.number.trim_end_matches(char::is_alphabetic))
            .collect();
        items.dedup();
        assert_eq!(items.len(), 22);
        assert_eq!(items.last(), Some(&"22"));
    }
}
