//! The robustness figure: the treatment hazard ratio of every endpoint
//! under each adjustment, as a forest plot (endpoints as blocks, the
//! analyses as their rows).

use super::Figure;
use super::forest_plot::forest_plot_headed;
use crate::analysis::robustness::RobustnessRow;
use crate::analysis::subgroups::SubgroupRow;
use crate::cohort::Group;
use crate::config::Endpoint;
use crate::format::Formatter;

/// The forest plot of `rows` ("robustness"); none without rows.
pub(super) fn robustness_plot(
    rows: &[RobustnessRow],
    endpoints: &[Endpoint],
    groups: &[Group],
    fmt: &Formatter,
) -> Option<Figure> {
    if rows.is_empty() {
        return None;
    }
    // Forest rows: the endpoint as the "variable", each analysis a level;
    // the p column carries the hazard ratio's own p.
    let forest: Vec<SubgroupRow> = rows
        .iter()
        .map(|r| SubgroupRow {
            endpoint: r.endpoint.clone(),
            variable: r.endpoint.clone(),
            label: endpoints
                .iter()
                .find(|e| e.id == r.endpoint)
                .map_or(r.endpoint.clone(), |e| e.label.clone()),
            level: Some(r.label.clone()),
            n: r.n_by_group.clone(),
            events: r.events_by_group.clone(),
            hr: r.hr,
            lower: r.lower,
            upper: r.upper,
            se: Some(r.robust_se.unwrap_or(r.se)).filter(|s| s.is_finite()),
            p_interaction: r.p,
        })
        .collect();
    let refs: Vec<&SubgroupRow> = forest.iter().collect();
    let pairs: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g.value.as_str(), g.label.as_str()))
        .collect();
    let label = |k: usize| groups.get(k).map_or("", |g| g.label.as_str());
    let title = format!("Hazard ratio, {} vs {}", label(1), label(0));
    Some(forest_plot_headed(
        "robustness",
        &refs,
        &pairs,
        fmt,
        &title,
        ["Endpoint and analysis", "p"],
        true,
    ))
}
