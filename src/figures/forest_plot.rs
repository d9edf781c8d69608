//! Subgroup forest plots.

use super::Figure;
use super::finish;
use super::svg::xml;
use crate::analysis::subgroups::SubgroupRow;
use crate::cohort::{ByPopulation, Group, Made, PopulationInfo};
use crate::config::Endpoint;
use crate::format::Formatter;

const ROW: i32 = 22;
const TOP: i32 = 46;
const LABEL_W: i32 = 250;
const GROUP_W: i32 = 95;
const HR_W: i32 = 130;
const P_W: i32 = 70;
const PLOT_W: i32 = 250;

/// Where a forest plot's columns and axis fall.
struct Layout {
    groups: i32,
    /// Width of the label column.
    label_w: i32,
    /// Left edge of the plot column.
    plot_x: i32,
    /// The axis' lowest and highest HR shown (within [0.05, 20]).
    lo: f64,
    /// Log range of the axis.
    llo: f64,
    lhi: f64,
}

impl Layout {
    /// A log axis over the intervals of `rows`, within [0.05, 20].
    fn new(rows: &[&SubgroupRow], groups: usize, label_w: i32) -> Layout {
        let groups = groups as i32;
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
        Layout {
            groups,
            label_w,
            plot_x: label_w + GROUP_W * groups + HR_W + P_W,
            lo,
            llo: (lo.ln() - 0.1).min(-0.2),
            lhi: (hi.ln() + 0.1).max(0.2),
        }
    }

    /// The x of HR `v`.
    fn px(&self, v: f64) -> i32 {
        let v = v.clamp(self.lo.min(0.05_f64.max(self.lo)), 20.0);
        self.plot_x + ((v.ln() - self.llo) / (self.lhi - self.llo) * PLOT_W as f64) as i32
    }

    /// The centre of group column `g`.
    fn group_x(&self, g: usize) -> i32 {
        self.label_w + GROUP_W * g as i32 + GROUP_W / 2
    }

    /// The centre of the HR (95% CI) column.
    fn hr_x(&self) -> i32 {
        self.label_w + GROUP_W * self.groups + HR_W / 2
    }
}

/// A 12-point text at (x, y).
fn text(x: i32, y: i32, anchor: &str, weight: &str, t: &str) -> String {
    format!(
        r#"<text x="{x}" y="{y}" font-family="sans-serif" font-size="12" text-anchor="{anchor}" font-weight="{weight}">{}</text>"#,
        xml(t)
    )
}

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
    forest_plot_headed(
        name,
        rows,
        groups,
        fmt,
        x_title,
        ["Subgroup", "p interaction"],
        LABEL_W,
    )
}

/// [`forest_plot`] with other heads for the first and the p column
/// (the rows' `p_interaction` fills the latter) and a label column
/// `label_w` wide.
pub fn forest_plot_headed(
    name: &str,
    rows: &[&SubgroupRow],
    groups: &[(&str, &str)],
    fmt: &Formatter,
    x_title: &str,
    heads: [&str; 2],
    label_w: i32,
) -> Figure {
    let l = Layout::new(rows, groups.len(), label_w);
    let width = l.plot_x + PLOT_W + 20;
    let height = TOP + ROW * rows.len() as i32 + 50;
    let mut s = header(&l, groups, heads);
    let max_w = rows
        .iter()
        .filter_map(|r| r.se)
        .map(|se| 1.0 / (se * se))
        .fold(0.0, f64::max);
    let mut last_var = "";
    for (i, r) in rows.iter().enumerate() {
        let first = r.variable != last_var && r.level.is_some();
        s.push_str(&row(
            &l,
            r,
            TOP + ROW * i as i32 + ROW / 2,
            first,
            groups,
            fmt,
            max_w,
        ));
        last_var = &r.variable;
    }
    s.push_str(&axis(&l, TOP + ROW * rows.len() as i32 + 6, x_title));
    let svg = format!(
        r##"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>
{s}
</svg>
"##
    );
    finish(name, svg)
}

/// The column titles.
fn header(l: &Layout, groups: &[(&str, &str)], [first, p]: [&str; 2]) -> String {
    let mut s = text(8, 20, "start", "bold", first);
    for (g, (_, label)) in groups.iter().enumerate() {
        s.push_str(&text(l.group_x(g), 20, "middle", "bold", label));
        s.push_str(&text(l.group_x(g), 36, "middle", "normal", "events/n"));
    }
    s.push_str(&text(l.hr_x(), 20, "middle", "bold", "HR (95% CI)"));
    s.push_str(&text(l.plot_x - P_W / 2, 20, "middle", "bold", p));
    s
}

/// One subgroup's row at height `y`: its label (with the variable's name
/// on its `first` level), events/n per group, HR (95% CI), interaction p,
/// and the interval with a square of area by inverse variance.
fn row(
    l: &Layout,
    r: &SubgroupRow,
    y: i32,
    first: bool,
    groups: &[(&str, &str)],
    fmt: &Formatter,
    max_w: f64,
) -> String {
    let label = match &r.level {
        Some(level) if first => format!("{}: {level}", r.label),
        Some(level) => format!("    {level}"),
        None => r.label.clone(),
    };
    let weight = if r.level.is_none() { "bold" } else { "normal" };
    let mut s = text(8, y + 4, "start", weight, &label);
    for (g, (value, _)) in groups.iter().enumerate() {
        let e = r.events.get(*value).copied().unwrap_or(0);
        let n = r.n.get(*value).copied().unwrap_or(0);
        s.push_str(&text(
            l.group_x(g),
            y + 4,
            "middle",
            "normal",
            &format!("{e}/{n}"),
        ));
    }
    let hr_text = fmt.hr_ci(r.hr, r.lower, r.upper);
    s.push_str(&text(l.hr_x(), y + 4, "middle", "normal", &hr_text));
    if let Some(p) = r.p_interaction {
        s.push_str(&text(
            l.plot_x - P_W / 2,
            y + 4,
            "middle",
            "normal",
            &fmt.p(Some(p)),
        ));
    }
    if let (Some(hr), Some(lo), Some(hi), Some(se)) = (r.hr, r.lower, r.upper, r.se) {
        s.push_str(&format!(
            r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#000000"/>"##,
            l.px(lo),
            l.px(hi)
        ));
        let side = (4.0 + 10.0 * ((1.0 / (se * se)) / max_w).sqrt()) as i32;
        let fill = if r.level.is_none() {
            "#000000"
        } else {
            "#444444"
        };
        s.push_str(&format!(
            r#"<rect x="{}" y="{}" width="{side}" height="{side}" fill="{fill}"/>"#,
            l.px(hr) - side / 2,
            y - side / 2
        ));
    }
    s
}

/// The log axis at height `axis_y`, its ticks and title, and the dashed
/// null line at 1.
fn axis(l: &Layout, axis_y: i32, x_title: &str) -> String {
    let plot_x = l.plot_x;
    let mut s = format!(
        r##"<line x1="{plot_x}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#000000"/>"##,
        plot_x + PLOT_W
    );
    s.push_str(&format!(r##"<line x1="{0}" y1="{TOP}" x2="{0}" y2="{axis_y}" stroke="#000000" stroke-dasharray="4,3"/>"##, l.px(1.0)));
    for v in [0.05f64, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0] {
        if v.ln() < l.llo || v.ln() > l.lhi {
            continue;
        }
        let x = l.px(v);
        s.push_str(&format!(
            r##"<line x1="{x}" y1="{axis_y}" x2="{x}" y2="{}" stroke="#000000"/>"##,
            axis_y + 5
        ));
        s.push_str(&text(x, axis_y + 18, "middle", "normal", &format!("{v}")));
    }
    s.push_str(&text(
        plot_x + PLOT_W / 2,
        axis_y + 36,
        "middle",
        "normal",
        x_title,
    ));
    s
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
