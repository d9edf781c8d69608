//! Kaplan-Meier curves with number-at-risk tables, one per endpoint and
//! population, and the panel figure of several endpoints.

use super::Figure;
use super::finish;
use crate::analysis::incidence::CifResult;
use crate::analysis::survival::{KmResult, MedianResult, SurvivalResults};
use crate::cohort::{ByPopulation, Group};
use crate::config::Endpoint;
use crate::format::Formatter;
use plotters::prelude::*;
use rayon::prelude::*;

/// A round axis step giving about six ticks over `[0, max]`: 1, 2, 2.5 or
/// 5 times a power of ten, or a multiple of 12 for times in months.
pub fn nice_step(max: f64, months: bool) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / 6.0;
    if months && raw >= 6.0 {
        return (raw / 12.0).round().max(1.0) * 12.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

/// What a Kaplan-Meier figure shows besides the curves.
#[derive(Debug, Clone)]
pub struct KmFigureSpec<'a> {
    /// File stem (`km-os-unmatched`).
    pub name: String,
    /// Group labels, in curve order.
    pub labels: Vec<&'a str>,
    /// x-axis title ("Time (months)").
    pub x_title: String,
    /// Tick spacing (also the number-at-risk columns).
    pub step: f64,
    /// Text drawn in the plot (log-rank p, HR), already formatted.
    pub annotation: Vec<String>,
    /// Panel title in a grid ("(a) Overall survival").
    pub panel: String,
    /// The curves are cumulative incidences (rising from 0), not survival.
    pub incidence: bool,
}

/// Height in pixels of a Kaplan-Meier panel with `groups` risk-table rows.
pub(super) fn km_height(groups: usize) -> u32 {
    380 + 34 + 20 * groups as u32
}

/// Kaplan-Meier curves by group: steps, censoring marks (crosses), and the
/// number at risk at each tick below the plot, aligned with the axis (one
/// shared x-scale: the table's columns are placed with the chart's own
/// coordinate mapping).
pub fn km_plot(curves: &[&KmResult], spec: &KmFigureSpec<'_>) -> Figure {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (720, km_height(curves.len()))).into_drawing_area();
        let _ = root.fill(&WHITE);
        draw_km(&root, curves, spec);
        let _ = root.present();
    }
    finish(&spec.name, svg)
}

/// Several Kaplan-Meier panels in a grid of two columns (the paper's 2 x 2
/// figure for four endpoints), each titled by its `panel` text.
///
/// `drawn` may hold each panel as [`km_plot`] already drew it: a panel
/// whose drawing has the cell's size is then placed in its cell (its SVG
/// elements in a group moved into place: the same picture) instead of
/// being drawn a second time.
pub fn km_grid(
    name: &str,
    panels: &[(Vec<&KmResult>, KmFigureSpec<'_>)],
    drawn: &[Figure],
) -> Figure {
    const TITLE: u32 = 24;
    let rows = panels.len().div_ceil(2).max(1);
    let groups = panels.iter().map(|(c, _)| c.len()).max().unwrap_or(2);
    let h = km_height(groups) + TITLE;
    let reusable = |k: usize, curves: &[&KmResult]| {
        km_height(curves.len()) == h - TITLE && drawn.get(k).is_some()
    };
    let mut placed = String::new();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1440, h * rows as u32)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let cells = root.split_evenly((rows, 2));
        for (k, ((curves, spec), cell)) in panels.iter().zip(&cells).enumerate() {
            let (title, body) = cell.split_vertically(TITLE);
            let _ = title.draw(&Text::new(spec.panel.clone(), (12, 4), ("sans-serif", 15)));
            match drawn.get(k).filter(|_| reusable(k, curves)) {
                Some(figure) => {
                    let (x, y) = body.get_base_pixel();
                    placed.push_str(&format!("<g transform=\"translate({x},{y})\">\n"));
                    placed.push_str(svg_body(&figure.svg));
                    placed.push_str("</g>\n");
                }
                None => draw_km(&body, curves, spec),
            }
        }
        let _ = root.present();
    }
    let end = svg.rfind("</svg>").unwrap_or(svg.len());
    svg.insert_str(end, &placed);
    finish(name, svg)
}

/// The elements of an SVG document: the lines between its opening `<svg>`
/// line and its closing `</svg>` (the layout plotters writes).
pub(super) fn svg_body(svg: &str) -> &str {
    let start = svg.find('\n').map_or(svg.len(), |i| i + 1);
    let end = svg.rfind("</svg>").unwrap_or(svg.len()).max(start);
    &svg[start..end]
}

/// The Kaplan-Meier chart's coordinates: time by survival probability.
type KmChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A text style anchored at `h` and the top.
fn anchored(size: u32, h: plotters::style::text_anchor::HPos) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size)).pos(plotters::style::text_anchor::Pos::new(
        h,
        plotters::style::text_anchor::VPos::Top,
    ))
}

/// Draws the curves of `spec` on `area`: the chart (curves, censoring
/// marks, legend, annotation, x ticks at multiples of the step) above, the
/// number-at-risk table below, its columns under the ticks.
pub(super) fn draw_km<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    curves: &[&KmResult],
    spec: &KmFigureSpec<'_>,
) {
    let x_max_data = curves
        .iter()
        .filter_map(|c| c.time.last().copied())
        .fold(0.0, f64::max);
    let step = spec.step.max(f64::MIN_POSITIVE);
    let x_max = ((x_max_data / step).ceil() * step).max(step);
    let ticks: Vec<f64> = (0..=((x_max / step).round() as usize))
        .map(|i| i as f64 * step)
        .collect();
    let (upper, lower) = area.split_vertically(380);
    let chart = ChartBuilder::on(&upper)
        .margin_left(12)
        .margin_right(24)
        .margin_top(12)
        .x_label_area_size(40)
        .y_label_area_size(120)
        .build_cartesian_2d(0.0..x_max, 0.0..1.02);
    let Ok(mut chart) = chart else { return };
    let _ = chart
        .configure_mesh()
        .disable_mesh()
        // The x ticks are drawn below at exact multiples of `step`, the
        // same positions as the number-at-risk columns.
        .x_labels(0)
        .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
        .x_desc(spec.x_title.as_str())
        .y_desc(if spec.incidence {
            "Cumulative incidence"
        } else {
            "Survival probability"
        })
        .draw();
    draw_curves(&mut chart, curves, spec, x_max_data);
    let _ = chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .position(if spec.incidence {
            SeriesLabelPosition::UpperLeft
        } else {
            SeriesLabelPosition::LowerLeft
        })
        .draw();
    // backend_coord is in the whole figure's pixels; the areas of a panel
    // grid do not start at (0, 0).
    let (ux, uy) = upper.get_base_pixel();
    for (i, line) in spec.annotation.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(x_max * 0.98, 1.0));
        let style = anchored(13, plotters::style::text_anchor::HPos::Right);
        let at = (px - ux, py - uy + 4 + 16 * i as i32);
        let _ = upper.draw(&Text::new(line.clone(), at, style));
    }
    for &t in &ticks {
        let (px, py) = chart.backend_coord(&(t, 0.0));
        let (px, py) = (px - ux, py - uy);
        let _ = upper.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK));
        let style = anchored(12, plotters::style::text_anchor::HPos::Center);
        let _ = upper.draw(&Text::new(format!("{t}"), (px, py + 8), style));
    }
    at_risk(&lower, &chart, curves, spec, &ticks);
}

/// Each group's step curve (to the last time), its censoring crosses and
/// its legend entry.
fn draw_curves<DB: DrawingBackend>(
    chart: &mut KmChart<'_, DB>,
    curves: &[&KmResult],
    spec: &KmFigureSpec<'_>,
    x_max_data: f64,
) {
    let styles = [
        BLACK.stroke_width(2),
        RGBColor(150, 150, 150).stroke_width(2),
        RGBColor(90, 90, 90).stroke_width(1),
    ];
    for (g, c) in curves.iter().enumerate() {
        let style = styles[g % styles.len()];
        let start = if spec.incidence { 0.0 } else { 1.0 };
        let mut pts = vec![(0.0, start)];
        let mut s_prev = start;
        for (i, &t) in c.time.iter().enumerate() {
            if c.surv[i] != s_prev {
                pts.push((t, s_prev));
                pts.push((t, c.surv[i]));
                s_prev = c.surv[i];
            }
        }
        pts.push((x_max_data, s_prev));
        let label = spec.labels.get(g).copied().unwrap_or("");
        // With three or more groups greys alone blur in print: every group
        // after the first also gets its own dash pattern.
        match dashes(g, curves.len()) {
            None => {
                if let Ok(series) = chart.draw_series(LineSeries::new(pts, style)) {
                    series
                        .label(label)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
                }
            }
            Some((size, gap)) => {
                if let Ok(series) = chart.draw_series(DashedLineSeries::new(pts, size, gap, style))
                {
                    series.label(label).legend(move |(x, y)| {
                        plotters::element::DashedPathElement::new(
                            vec![(x, y), (x + 20, y)],
                            size,
                            gap,
                            style,
                        )
                    });
                }
            }
        }
        let marks = c
            .time
            .iter()
            .enumerate()
            .filter(|(i, _)| c.n_censor[*i] > 0)
            .map(|(i, &t)| Cross::new((t, c.surv[i]), 3, style));
        let _ = chart.draw_series(marks);
    }
}

/// The dash (length, gap) of group `g` among `groups`: none with two
/// groups (solid lines, as before) and for the first group.
fn dashes(g: usize, groups: usize) -> Option<(u32, u32)> {
    const PATTERNS: [(u32, u32); 3] = [(8, 4), (2, 3), (12, 4)];
    (groups >= 3 && g > 0).then(|| PATTERNS[(g - 1) % PATTERNS.len()])
}

/// The number-at-risk table: one row per group, one column per tick.
fn at_risk<DB: DrawingBackend>(
    lower: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &KmChart<'_, DB>,
    curves: &[&KmResult],
    spec: &KmFigureSpec<'_>,
    ticks: &[f64],
) {
    let head = TextStyle::from(("sans-serif", 13));
    let _ = lower.draw(&Text::new("Number at risk", (12, 6), head));
    for (g, c) in curves.iter().enumerate() {
        let y = 28 + 20 * g as i32;
        let label = spec.labels.get(g).copied().unwrap_or("").to_string();
        let _ = lower.draw(&Text::new(
            label,
            (12, y),
            TextStyle::from(("sans-serif", 12)),
        ));
        for &t in ticks {
            let k = c.time.partition_point(|&x| x < t);
            // A weighted curve shows its weighted number at risk, rounded
            // to whole patients (the caption says so).
            let n = match &c.weighted {
                Some(w) => w.n_risk.get(k).map_or(0, |x| x.round() as usize),
                None => c.n_risk.get(k).copied().unwrap_or(0),
            };
            let (px, _) = chart.backend_coord(&(t, 0.0));
            let px = px - lower.get_base_pixel().0;
            let style = anchored(12, plotters::style::text_anchor::HPos::Center);
            let _ = lower.draw(&Text::new(n.to_string(), (px, y), style));
        }
    }
}

/// Kaplan-Meier figures: one per endpoint and population, annotated with
/// the log-rank p and the treatment hazard ratio, plus one panel figure per
/// population when there are several endpoints (the paper's Figures 4 and
/// 5). Drawn in parallel, kept in order: each population's curves, then
/// its panel figure.
pub(super) fn km_figures(
    groups: &[Group],
    endpoints: &[Endpoint],
    survival: &ByPopulation<SurvivalResults>,
    fmt: &Formatter,
) -> Vec<Figure> {
    let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
    // The incidence curves of competing-risks endpoints, drawn in their
    // place (a competing-risks endpoint is never shown as 1 - Kaplan-Meier).
    let incidence: Vec<Vec<KmResult>> = survival
        .iter()
        .map(|(_, surv)| surv.cif.iter().map(incidence_curve).collect())
        .collect();
    let mut per_population = Vec::new();
    for ((pop, surv), incidence) in survival.iter().zip(&incidence) {
        let mut panels = Vec::new();
        for e in endpoints {
            let source = if e.is_competing() {
                incidence
            } else {
                &surv.km
            };
            let curves: Vec<&KmResult> = source.iter().filter(|k| k.endpoint == e.id).collect();
            if curves.is_empty() {
                continue;
            }
            let letter = char::from(b'a' + (panels.len() % 26) as u8);
            let spec = KmFigureSpec {
                name: format!("km-{}-{pop}", e.id),
                labels: labels.clone(),
                x_title: x_title(e),
                step: e.axis_step.unwrap_or_else(|| {
                    let max = curves
                        .iter()
                        .filter_map(|k| k.time.last().copied())
                        .fold(0.0, f64::max);
                    nice_step(
                        max,
                        e.time_unit.as_deref().unwrap_or("").starts_with("month"),
                    )
                }),
                annotation: annotation(groups, surv, e, fmt),
                panel: format!("({letter}) {}", e.label),
                incidence: e.is_competing(),
            };
            panels.push((curves, spec));
        }
        per_population.push((pop, panels));
    }
    per_population
        .par_iter()
        .flat_map_iter(|(pop, panels)| {
            let mut out: Vec<Figure> = panels
                .par_iter()
                .map(|(curves, spec)| km_plot(curves, spec))
                .collect();
            if panels.len() > 1 {
                let grid = km_grid(&format!("km-{pop}"), panels, &out);
                out.push(grid);
            }
            out
        })
        .collect()
}

/// A group's incidence as a curve to draw (the figure reads times, heights
/// and numbers at risk; no censoring marks).
fn incidence_curve(c: &CifResult) -> KmResult {
    let none = vec![None; c.time.len()];
    KmResult {
        endpoint: c.endpoint.clone(),
        group: c.group.clone(),
        time: c.time.clone(),
        n_risk: c.n_risk.clone(),
        n_event: vec![0; c.time.len()],
        n_censor: vec![0; c.time.len()],
        surv: c.incidence.clone(),
        std_err: none.clone(),
        lower: none.clone(),
        upper: none,
        conf_type: crate::config::ConfTypeKind::Log,
        median: MedianResult {
            estimate: None,
            lower: None,
            upper: None,
        },
        landmarks: Vec::new(),
        n: c.n,
        events: c.events,
        weighted: None,
    }
}

/// "Time (months)", or "Time" without a unit.
fn x_title(e: &Endpoint) -> String {
    match e.time_unit.as_deref().unwrap_or("") {
        "" => "Time".into(),
        unit => format!("Time ({unit})"),
    }
}

/// The text drawn in a Kaplan-Meier plot: the log-rank p and each
/// treatment hazard ratio (95% CI).
fn annotation(
    groups: &[Group],
    surv: &SurvivalResults,
    e: &Endpoint,
    fmt: &Formatter,
) -> Vec<String> {
    let (endpoint, competing) = (e.id.as_str(), e.is_competing());
    let mut out = Vec::new();
    // A competing-risks endpoint's log-rank test compares cause-specific
    // hazards, not the incidences drawn: Gray's test is shown instead.
    if competing {
        if let Some(g) = surv.gray.iter().find(|g| g.endpoint == endpoint) {
            out.push(format!("Gray's test {}", fmt.p_text(Some(g.p))));
        }
    } else if let Some(lr) = surv.logrank.iter().find(|l| l.endpoint == endpoint) {
        out.push(format!("Log-rank {}", fmt.p_text(lr.p)));
    }
    if let Some(cx) = surv.cox.iter().find(|x| x.endpoint == endpoint) {
        for t in &cx.terms {
            let level = groups
                .iter()
                .find(|g| Some(&g.value) == t.level.as_ref())
                .map_or("", |g| g.label.as_str());
            out.push(format!(
                "{}HR {level} vs {}: {}",
                if competing { "Cause-specific " } else { "" },
                groups[0].label,
                fmt.hr_ci(t.hr, t.lower, t.upper)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dashes;

    // Two groups keep solid lines (the figures of two-arm studies are
    // unchanged); from three groups on, every group after the first has its
    // own dash pattern, cycling after three.
    #[test]
    fn groups_beyond_two_get_dash_patterns() {
        assert_eq!(dashes(1, 2), None);
        assert_eq!(dashes(0, 3), None);
        let patterns: Vec<_> = (1..4).map(|g| dashes(g, 4).unwrap()).collect();
        assert_eq!(patterns.len(), 3);
        assert!(patterns[0] != patterns[1] && patterns[1] != patterns[2]);
        assert_eq!(dashes(4, 5), dashes(1, 5));
    }
}
