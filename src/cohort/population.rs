//! Populations: the sets of patients an analysis runs on. The whole cohort
//! is one; propensity-score matching makes another (with the matched pairs
//! as clusters); weighting makes one per estimand (with weights). Every
//! analysis takes a [`Population`] and its results are kept
//! [`ByPopulation`], so a new population is one more entry in a list, not
//! a new code path.

use super::Cohort;
use serde::Serialize;
use serde::ser::SerializeMap;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How a population was made (named in the Methods text and in
/// `results.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Made {
    /// Every analysed patient, unweighted.
    Cohort,
    /// Propensity-score matching; the matched pairs are its clusters.
    Matched,
    /// Propensity-score weighting.
    Weighted {
        /// The estimand the weights target.
        estimand: crate::config::EstimandKind,
        /// Stabilized weights.
        stabilized: bool,
    },
    /// Made some other way, described in words.
    Other {
        /// What was done, for the reader.
        description: String,
    },
}

/// The patients of one analysis: rows of a cohort, with optional weights
/// and cluster (pair) ids. Borrowed: a population never copies its cohort.
#[derive(Debug, Clone)]
pub struct Population<'a> {
    /// Identifier in `results.json` and in diagnostics ("unmatched").
    pub id: String,
    /// Printed name, as a heading ("Before matching").
    pub label: String,
    /// Word added to a column head of this population ("matched"); none
    /// for the whole cohort, whose columns carry only the group.
    pub tag: Option<String>,
    /// The patients.
    pub cohort: &'a Cohort,
    /// One weight per patient; none means every patient counts once.
    pub weights: Option<Cow<'a, [f64]>>,
    /// One cluster (matched pair) per patient, for robust variances.
    pub clusters: Option<&'a [usize]>,
    /// How it was made.
    pub made: Made,
}

impl<'a> Population<'a> {
    /// Every analysed patient ("unmatched", "Before matching").
    pub fn whole(cohort: &'a Cohort) -> Population<'a> {
        Population {
            id: "unmatched".into(),
            label: "Before matching".into(),
            tag: None,
            cohort,
            weights: None,
            clusters: None,
            made: Made::Cohort,
        }
    }

    /// The propensity-score matched patients, clustered on their pairs
    /// ("matched", "After matching").
    pub fn matched(cohort: &'a Cohort, pairs: &'a [usize]) -> Population<'a> {
        Population {
            id: "matched".into(),
            label: "After matching".into(),
            tag: Some("matched".into()),
            cohort,
            weights: None,
            clusters: Some(pairs),
            made: Made::Matched,
        }
    }

    /// Whether every patient counts once (no weights, or all weights 1):
    /// only otherwise do the analyses need their weighted forms.
    pub fn is_unweighted(&self) -> bool {
        self.weights
            .as_deref()
            .is_none_or(|w| w.iter().all(|&x| x == 1.0))
    }

    /// What `results.json` and the templates know of this population.
    pub fn info(&self) -> PopulationInfo {
        let mut n: BTreeMap<String, usize> = BTreeMap::new();
        for (k, g) in self.cohort.groups.iter().enumerate() {
            n.insert(
                g.value.clone(),
                self.cohort.group.iter().filter(|&&x| x == k).count(),
            );
        }
        PopulationInfo {
            id: self.id.clone(),
            label: self.label.clone(),
            tag: self.tag.clone(),
            made: self.made.clone(),
            n,
            weighted: !self.is_unweighted(),
            clustered: self.clusters.is_some(),
        }
    }
}

/// A population as `results.json` and the templates see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationInfo {
    /// Identifier ("unmatched", "matched").
    pub id: String,
    /// Printed name as a heading ("Before matching").
    pub label: String,
    /// Word added to its column heads ("matched"), if any.
    pub tag: Option<String>,
    /// How it was made.
    pub made: Made,
    /// Patients per treatment group (by group value).
    pub n: BTreeMap<String, usize>,
    /// Whether its patients carry weights other than 1.
    pub weighted: bool,
    /// Whether it has clusters (matched pairs).
    pub clustered: bool,
}

/// One value per population, in the order of the populations. Serialized
/// as a JSON object keyed by population id.
#[derive(Debug, Clone, PartialEq)]
pub struct ByPopulation<T> {
    entries: Vec<(String, T)>,
}

impl<T> Default for ByPopulation<T> {
    fn default() -> Self {
        ByPopulation {
            entries: Vec::new(),
        }
    }
}

impl<T> ByPopulation<T> {
    /// Adds the value of population `id` (after those already there).
    pub fn push(&mut self, id: impl Into<String>, value: T) {
        self.entries.push((id.into(), value));
    }

    /// The value of population `id`.
    pub fn get(&self, id: &str) -> Option<&T> {
        self.entries.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }

    /// `(id, value)` in population order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The values in population order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Whether no population has a value.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<T> FromIterator<(String, T)> for ByPopulation<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(iter: I) -> Self {
        ByPopulation {
            entries: iter.into_iter().collect(),
        }
    }
}

impl<T: Serialize> Serialize for ByPopulation<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<T> IntoIterator for ByPopulation<T> {
    type Item = (String, T);
    type IntoIter = std::vec::IntoIter<(String, T)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}
