//! Subgroup forest plots.

use super::Figure;
use super::finish;
use super::metrics::text_width;
use crate::analysis::subgroups::SubgroupRow;
use crate::cohort::{ByPopulation, Group, Made, PopulationInfo};
use crate::config::Endpoint;
use crate::format::Formatter;

const ROW: i32 = 22;
const TOP: i32 = 46;
/// Text size in px.
const SIZE: f64 = 12.0;
/// Left margin, and the space between two columns' texts.
const MARGIN: i32 = 8;
const GAP: i32 = 16;
/// How far a level sits in from its variable.
const INDENT: i32 = 16;
const PLOT_W: i32 = 250;

/// One printed line of the plot: the overall row, a variable's heading
/// (with its interaction p), or a level (indented under its heading).
#[derive(Clone, Copy)]
enum Line<'a> {
    Overall(&'a SubgroupRow),
    Heading(&'a SubgroupRow),
    Level(&'a SubgroupRow),
}

impl Line<'_> {
    /// The label and whether it is bold.
    fn label(&self) -> (&str, bool) {
        match self {
            Line::Overall(r) => (&r.label, true),
            Line::Heading(r) => (&r.label, false),
            Line::Level(r) => (r.level.as_deref().unwrap_or_default(), false),
        }
    }

    /// The label's left edge.
    fn label_x(&self) -> i32 {
        match self {
            Line::Level(_) => MARGIN + INDENT,
            _ => MARGIN,
        }
    }
}

/// The printed lines of `rows`: each variable's heading before its first
/// level.
fn lines<'a>(rows: &[&'a SubgroupRow]) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let mut last_var = None;
    for r in rows {
        if r.level.is_none() {
            out.push(Line::Overall(r));
        } else {
            if last_var != Some(r.variable.as_str()) {
                out.push(Line::Heading(r));
            }
            out.push(Line::Level(r));
        }
        last_var = Some(r.variable.as_str());
    }
    out
}

/// The widest of `texts` at the plot's size, rounded up.
fn widest<'t>(texts: impl IntoIterator<Item = (&'t str, bool)>) -> i32 {
    texts
        .into_iter()
        .map(|(t, bold)| text_width(t, SIZE, bold).ceil() as i32)
        .max()
        .unwrap_or(0)
}

/// Where a forest plot's columns and axis fall: every text column as wide
/// as its widest text (measured with the print font) plus a gap.
struct Layout {
    /// Width of the label column.
    label_w: i32,
    /// Width of each group's events/n column.
    group_w: Vec<i32>,
    /// Width of the HR (95% CI) and p columns.
    hr_w: i32,
    p_w: i32,
    /// Left edge of the plot column.
    plot_x: i32,
    /// The axis' lowest HR shown (within [0.05, 20]).
    lo: f64,
    /// Log range of the axis.
    llo: f64,
    lhi: f64,
}

impl Layout {
    /// Columns sized to `lines`' texts; a log axis over their intervals,
    /// within [0.05, 20].
    fn new(lines: &[Line<'_>], texts: &Texts, heads: [&str; 2], groups: &[(&str, &str)]) -> Self {
        let label_w = lines
            .iter()
            .map(|l| {
                let (t, bold) = l.label();
                l.label_x() + widest([(t, bold)])
            })
            .chain([MARGIN + widest([(heads[0], true)])])
            .max()
            .unwrap_or(0)
            + GAP;
        let group_w = groups
            .iter()
            .enumerate()
            .map(|(g, (_, label))| {
                let cells = texts.counts.iter().map(|c| (c[g].as_str(), false));
                widest(cells.chain([(*label, true), ("events/n", false)])) + GAP
            })
            .collect::<Vec<_>>();
        let hr_w = widest(
            texts
                .hr
                .iter()
                .map(|t| (t.as_str(), false))
                .chain([("HR (95% CI)", true)]),
        ) + GAP;
        let p_w = widest(
            texts
                .p
                .iter()
                .map(|t| (t.as_str(), false))
                .chain([(heads[1], true)]),
        ) + GAP;
        let rows = lines.iter().map(|l| match l {
            Line::Overall(r) | Line::Heading(r) | Line::Level(r) => *r,
        });
        let lo = rows
            .clone()
            .filter_map(|r| r.lower)
            .fold(1.0f64, f64::min)
            .max(0.05);
        let hi = rows
            .filter_map(|r| r.upper)
            .fold(1.0f64, f64::max)
            .min(20.0);
        Layout {
            plot_x: label_w + group_w.iter().sum::<i32>() + hr_w + p_w,
            label_w,
            group_w,
            hr_w,
            p_w,
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
        self.label_w + self.group_w[..g].iter().sum::<i32>() + self.group_w[g] / 2
    }

    /// The centre of the HR (95% CI) column.
    fn hr_x(&self) -> i32 {
        self.label_w + self.group_w.iter().sum::<i32>() + self.hr_w / 2
    }

    /// The centre of the p column.
    fn p_x(&self) -> i32 {
        self.plot_x - self.p_w / 2
    }
}

/// The formatted texts of each line, in line order: events/n per group,
/// HR (95% CI) and p (empty where the line has none).
struct Texts {
    counts: Vec<Vec<String>>,
    hr: Vec<String>,
    p: Vec<String>,
}

impl Texts {
    fn new(
        lines: &[Line<'_>],
        groups: &[(&str, &str)],
        fmt: &Formatter,
        p_per_level: bool,
    ) -> Self {
        let mut t = Texts {
            counts: Vec::new(),
            hr: Vec::new(),
            p: Vec::new(),
        };
        for line in lines {
            let (counts, hr, p) = match *line {
                Line::Heading(r) => (
                    vec![String::new(); groups.len()],
                    String::new(),
                    if p_per_level { None } else { r.p_interaction },
                ),
                Line::Overall(r) | Line::Level(r) => {
                    let counts = groups
                        .iter()
                        .map(|(value, _)| {
                            let e = r.events.get(*value).copied().unwrap_or(0);
                            let n = r.n.get(*value).copied().unwrap_or(0);
                            format!("{e}/{n}")
                        })
                        .collect();
                    let p = if p_per_level || matches!(line, Line::Overall(_)) {
                        r.p_interaction
                    } else {
                        None
                    };
                    (counts, fmt.hr_ci(r.hr, r.lower, r.upper), p)
                }
            };
            t.counts.push(counts);
            t.hr.push(hr);
            t.p.push(p.map(|p| fmt.p(Some(p))).unwrap_or_default());
        }
        t
    }
}

/// A 12-pixel text at (x, y).
fn text(x: i32, y: i32, anchor: &str, weight: &str, t: &str) -> String {
    super::svg::text(x, y, anchor, Some(weight), t)
}

/// A subgroup forest plot: the overall row first, then each variable's
/// name with its interaction p and its levels indented below, each with
/// events/patients per group, the treatment HR (95% CI) as text and as a
/// square (area by inverse variance) with its interval on a log axis, the
/// null line at 1. Every text column is as wide as its widest text in the
/// print font, so no text runs into the next column.
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
        false,
    )
}

/// [`forest_plot`] with other heads for the first and the p column; with
/// `p_per_level`, each level prints its own p (the rows' `p_interaction`)
/// instead of the variable's heading printing its first level's.
pub fn forest_plot_headed(
    name: &str,
    rows: &[&SubgroupRow],
    groups: &[(&str, &str)],
    fmt: &Formatter,
    x_title: &str,
    heads: [&str; 2],
    p_per_level: bool,
) -> Figure {
    let lines = lines(rows);
    let texts = Texts::new(&lines, groups, fmt, p_per_level);
    let l = Layout::new(&lines, &texts, heads, groups);
    let title_w = widest([(x_title, false)]);
    let width = (l.plot_x + PLOT_W + 20).max(l.plot_x + PLOT_W / 2 + title_w / 2 + MARGIN);
    let height = TOP + ROW * lines.len() as i32 + 50;
    let mut s = header(&l, groups, heads);
    let max_w = rows
        .iter()
        .filter_map(|r| r.se)
        .map(|se| 1.0 / (se * se))
        .fold(0.0, f64::max);
    for (i, line) in lines.iter().enumerate() {
        let y = TOP + ROW * i as i32 + ROW / 2;
        s.push_str(&line_texts(&l, line, &texts, i, y));
        if let Line::Overall(r) | Line::Level(r) = line {
            s.push_str(&interval(&l, r, y, max_w));
        }
    }
    s.push_str(&axis(&l, TOP + ROW * lines.len() as i32 + 6, x_title));
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
    let mut s = text(MARGIN, 20, "start", "bold", first);
    for (g, (_, label)) in groups.iter().enumerate() {
        s.push_str(&text(l.group_x(g), 20, "middle", "bold", label));
        s.push_str(&text(l.group_x(g), 36, "middle", "normal", "events/n"));
    }
    s.push_str(&text(l.hr_x(), 20, "middle", "bold", "HR (95% CI)"));
    s.push_str(&text(l.p_x(), 20, "middle", "bold", p));
    s
}

/// Line `i`'s texts at height `y`: its label, events/n per group,
/// HR (95% CI) and p.
fn line_texts(l: &Layout, line: &Line<'_>, texts: &Texts, i: usize, y: i32) -> String {
    let (label, bold) = line.label();
    let weight = if bold { "bold" } else { "normal" };
    let mut s = text(line.label_x(), y + 4, "start", weight, label);
    for (g, count) in texts.counts[i].iter().enumerate() {
        if !count.is_empty() {
            s.push_str(&text(l.group_x(g), y + 4, "middle", "normal", count));
        }
    }
    for (x, t) in [(l.hr_x(), &texts.hr[i]), (l.p_x(), &texts.p[i])] {
        if !t.is_empty() {
            s.push_str(&text(x, y + 4, "middle", "normal", t));
        }
    }
    s
}

/// Row `r`'s interval at height `y` with a square of area by inverse
/// variance (`max_w` the largest).
fn interval(l: &Layout, r: &SubgroupRow, y: i32, max_w: f64) -> String {
    let (Some(hr), Some(lo), Some(hi), Some(se)) = (r.hr, r.lower, r.upper, r.se) else {
        return String::new();
    };
    let side = (4.0 + 10.0 * ((1.0 / (se * se)) / max_w).sqrt()) as i32;
    let fill = if r.level.is_none() {
        "#000000"
    } else {
        "#444444"
    };
    format!(
        r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#000000"/><rect x="{}" y="{}" width="{side}" height="{side}" fill="{fill}"/>"##,
        l.px(lo),
        l.px(hi),
        l.px(hr) - side / 2,
        y - side / 2
    )
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
