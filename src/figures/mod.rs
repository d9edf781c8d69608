//! Deterministic SVG figures: Kaplan-Meier curves with number-at-risk
//! tables and the propensity-score distributions drawn with plotters (SVG
//! backend only, no system fonts); forest plots, the Love plot and the
//! flow diagram written as SVG, their text columns sized with the print
//! font's metrics (`metrics`). Figures are strings; writing them is the
//! pipeline's job.

use crate::analysis::robustness::RobustnessRow;
use crate::analysis::subgroups::SubgroupRow;
use crate::analysis::survival::SurvivalResults;
use crate::cohort::{ByPopulation, Cohort, PopulationInfo};
use crate::config::{Endpoint, FormatSection};
use crate::format::Formatter;
use crate::matching::MatchOutput;
use crate::weighting::WeightingResult;
use forest_plot::forest_plots;

mod flow_diagram;
mod forest_plot;
mod km_plot;
mod love_plot;
pub mod metrics;
pub mod print;
mod ps_distribution;
mod robustness_plot;
mod svg;

pub use flow_diagram::flow_diagram;
pub use forest_plot::{forest_name, forest_plot};
pub use km_plot::{KmFigureSpec, km_grid, km_plot, nice_step};
pub use love_plot::love_plot;
pub use ps_distribution::ps_distribution;

/// A rendered figure: file stem, caption and SVG text.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name without extension (`love-plot`).
    pub name: String,
    /// SVG document, without blank lines (a blank line would end a
    /// Markdown HTML block).
    pub svg: String,
}

fn finish(name: &str, svg: String) -> Figure {
    let svg = svg
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    Figure {
        name: name.into(),
        svg,
    }
}

/// What a study's figures are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The analysed cohort (groups, flow, group of each patient).
    pub cohort: &'a Cohort,
    /// The populations analysed, in order.
    pub populations: &'a [PopulationInfo],
    /// Endpoints as configured.
    pub endpoints: &'a [Endpoint],
    /// Number formats (annotations, forest plot columns).
    pub format: &'a FormatSection,
    /// Survival of each population.
    pub survival: &'a ByPopulation<SurvivalResults>,
    /// Subgroup rows of each population.
    pub subgroups: &'a ByPopulation<Vec<SubgroupRow>>,
    /// The match, when there is one.
    pub matching: Option<&'a MatchOutput>,
    /// Each weighting (its balance joins the Love plot).
    pub weighting: &'a [WeightingResult],
    /// The robustness table's rows (its forest plot).
    pub robustness: &'a [RobustnessRow],
}

/// Every figure of a study, in a fixed order: forest plots, the flow
/// diagram, Kaplan-Meier figures, then the Love plot and the
/// propensity-score distributions. Independent figures are drawn on both
/// cores.
pub fn draw(inputs: &Inputs<'_>) -> Vec<Figure> {
    let fmt = Formatter::new(inputs.format.clone());
    let cohort = inputs.cohort;
    let mut figures = forest_plots(
        &cohort.groups,
        inputs.populations,
        inputs.endpoints,
        inputs.subgroups,
        &fmt,
    );
    let group_labels: Vec<&str> = cohort.groups.iter().map(|g| g.label.as_str()).collect();
    let (flow_and_km, matching) = rayon::join(
        || {
            let counts = inputs.matching.map(|m| {
                let n: Vec<usize> = cohort
                    .groups
                    .iter()
                    .map(|g| m.results.n.get(&g.value).copied().unwrap_or(0))
                    .collect();
                (
                    n,
                    m.results.unmatched_focal.len(),
                    m.results.focal_label.as_str(),
                )
            });
            let flow = flow_diagram(
                &cohort.flow,
                &group_labels,
                counts.as_ref().map(|(n, u, f)| (n.as_slice(), *u, *f)),
            );
            let mut out = vec![flow];
            out.extend(km_plot::km_figures(
                &cohort.groups,
                inputs.endpoints,
                inputs.survival,
                &fmt,
            ));
            out
        },
        || match inputs.matching {
            Some(m) => {
                let labels = [group_labels[0], group_labels[1]];
                let focal = cohort
                    .groups
                    .iter()
                    .position(|g| g.value == m.results.focal)
                    .unwrap_or(1);
                let (love, ps) = rayon::join(
                    || love_plot(m, inputs.weighting, "Before matching", "After matching"),
                    || ps_distribution(m, &cohort.group, labels, focal),
                );
                vec![love, ps]
            }
            None => Vec::new(),
        },
    );
    figures.extend(flow_and_km);
    figures.extend(robustness_plot::robustness_plot(
        inputs.robustness,
        inputs.endpoints,
        &cohort.groups,
        &fmt,
    ));
    figures.extend(matching);
    figures
}
