//! Subgroup forest plots.

use super::Figure;
use super::finish;
use super::svg::xml;
use crate::analysis::subgroups::SubgroupRow;
use crate::cohort::{ByPopulation, Group, Made, PopulationInfo};
use crate::config::Endpoint;
use crate::format::Formatter;

/// A subgroup forest plot: one row per subgroup level (overall first) with
/// events/patients per group, the treatment HR (95% CI) as text and as a
/// square (area by inverse variance) with its interval on a log axis, the
/// null line at 1, and the interaction p on each variable's first row.
/// Text columns are fixed-width and numbers come formatted from `fmt`.
pub fn forest_plot(
    name: &str,
    rows: &[&SubgroupRow],
    groups: &[(&str, &str)],
    fmt: &Formatter,
    x_title: &str,
) -> Figure {
    const ROW: i32 = 22;
    let (label_w, group_w, hr_w, p_w, plot_w) = (250, 95, 130, 70, 250);
    let plot_x = label_w + group_w * groups.len() as i32 + hr_w + p_w;
    let width = plot_x + plot_w + 20;
    let top = 46;
    let height = top + ROW * rows.len() as i32 + 50;
    // Log axis over the intervals, within [0.05, 20].
    let lo = rows
        .iter()
        .filter_map(|r| r.lower)
        .fold(1.0f64, f64::min)
        .max(0.05);
    let hi = rows
        .iter()
        .filter_map(|r| r.upper)
        .fold(1.0f64, f64::max)
        .min(20.0);
    let (llo, lhi) = ((lo.ln() - 0.1).min(-0.2), (hi.ln() + 0.1).max(0.2));
    let px = |v: f64| {
        plot_x
            + ((v.clamp(lo.min(0.05_f64.max(lo)), 20.0).ln() - llo) / (lhi - llo) * plot_w as f64)
                as i32
    };
    let mut s = String::new();
    let text = |x: i32, y: i32, anchor: &str, weight: &str, t: &str| {
        format!(
            r#"<text x="{x}" y="{y}" font-family="sans-serif" font-size="12" text-anchor="{anchor}" font-weight="{weight}">{}</text>"#,
            xml(t)
        )
    };
    // Header.
    s.push_str(&text(8, 20, "start", "bold", "Subgroup"));
    for (g, (_, label)) in groups.iter().enumerate() {
        let x = label_w + group_w * g as i32 + group_w / 2;
        s.push_str(&text(x, 20, "middle", "bold", label));
        s.push_str(&text(x, 36, "middle", "normal", "events/n"));
    }
    s.push_str(&text(
        label_w + group_w * groups.len() as i32 + hr_w / 2,
        20,
        "middle",
        "bold",
        "HR (95% CI)",
    ));
    s.push_str(&text(
        plot_x - p_w / 2,
        20,
        "middle",
        "bold",
        "p interaction",
    ));
    let max_w = rows
        .iter()
        .filter_map(|r| r.se)
        .map(|se| 1.0 / (se * se))
        .fold(0.0, f64::max);
    let mut last_var = "";
    for (i, r) in rows.iter().enumerate() {
        let y = top + ROW * i as i32 + ROW / 2;
        let mut label = match &r.level {
            Some(l) => format!("    {l}"),
            None => r.label.clone(),
        };
        if r.variable != last_var && r.level.is_some() {
            // The variable's name above its first level.
            label = format!("{}: {}", r.label, r.level.clone().unwrap_or_default());
        }
        last_var = &r.variable;
        s.push_str(&text(
            8,
            y + 4,
            "start",
            if r.level.is_none() { "bold" } else { "normal" },
            &label,
        ));
        for (g, (value, _)) in groups.iter().enumerate() {
            let e = r.events.get(*value).copied().unwrap_or(0);
            let n = r.n.get(*value).copied().unwrap_or(0);
            s.push_str(&text(
                label_w + group_w * g as i32 + group_w / 2,
                y + 4,
                "middle",
                "normal",
                &format!("{e}/{n}"),
            ));
        }
        let hr_text = fmt.hr_ci(r.hr, r.lower, r.upper);
        s.push_str(&text(
            label_w + group_w * groups.len() as i32 + hr_w / 2,
            y + 4,
            "middle",
            "normal",
            &hr_text,
        ));
        if let Some(p) = r.p_interaction {
            s.push_str(&text(
                plot_x - p_w / 2,
                y + 4,
                "middle",
                "normal",
                &fmt.p(Some(p)),
            ));
        }
        if let (Some(hr), Some(l), Some(u), Some(se)) = (r.hr, r.lower, r.upper, r.se) {
            s.push_str(&format!(
                r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#000000"/>"##,
                px(l),
                px(u)
            ));
            let side = 4.0 + 10.0 * ((1.0 / (se * se)) / max_w).sqrt();
            let side = side as i32;
            let fill = if r.level.is_none() {
                "#000000"
            } else {
                "#444444"
            };
            s.push_str(&format!(
                r#"<rect x="{}" y="{}" width="{side}" height="{side}" fill="{fill}"/>"#,
                px(hr) - side / 2,
                y - side / 2
            ));
        }
    }
    // Axis, ticks, null line.
    let axis_y = top + ROW * rows.len() as i32 + 6;
    s.push_str(&format!(
        r##"<line x1="{plot_x}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#000000"/>"##,
        plot_x + plot_w
    ));
    s.push_str(&format!(r##"<line x1="{0}" y1="{top}" x2="{0}" y2="{axis_y}" stroke="#000000" stroke-dasharray="4,3"/>"##, px(1.0)));
    for tick in [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0] {
        let v: f64 = tick;
        if v.ln() < llo || v.ln() > lhi {
            continue;
        }
        let x = px(v);
        s.push_str(&format!(
            r##"<line x1="{x}" y1="{axis_y}" x2="{x}" y2="{}" stroke="#000000"/>"##,
            axis_y + 5
        ));
        s.push_str(&text(x, axis_y + 18, "middle", "normal", &format!("{v}")));
    }
    s.push_str(&text(
        plot_x + plot_w / 2,
        axis_y + 36,
        "middle",
        "normal",
        x_title,
    ));
    let svg = format!(
        r##"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>
{s}
</svg>
"##
    );
    finish(name, svg)
}

/// The file stem of the forest plot of `endpoint` in `population`:
/// `forest-os` for the whole cohort, `forest-os-matched` for another.
pub fn forest_name(endpoint: &str, population: &PopulationInfo) -> String {
    match population.made {
        Made::Cohort => format!("forest-{endpoint}"),
        _ => format!("forest-{endpoint}-{}", population.id),
    }
}

/// One forest plot per endpoint and population with subgroup rows, titled
/// with the treatment contrast.
pub(super) fn forest_plots(
    groups: &[Group],
    populations: &[PopulationInfo],
    endpoints: &[Endpoint],
    subgroups: &ByPopulation<Vec<SubgroupRow>>,
    fmt: &Formatter,
) -> Vec<Figure> {
    let pairs: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g.value.as_str(), g.label.as_str()))
        .collect();
    let title = || {
        let label = |k: usize| groups.get(k).map_or("", |g| g.label.as_str());
        format!("Hazard ratio, {} vs {}", label(1), label(0))
    };
    let mut out = Vec::new();
    for (id, rows) in subgroups.iter() {
        let Some(population) = populations.iter().find(|p| p.id == id) else {
            continue;
        };
        for e in endpoints {
            let rows: Vec<&SubgroupRow> = rows.iter().filter(|r| r.endpoint == e.id).collect();
            if !rows.is_empty() {
                let name = forest_name(&e.id, population);
                out.push(forest_plot(&name, &rows, &pairs, fmt, &title()));
            }
        }
    }
    out
}
