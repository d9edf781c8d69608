//! Deterministic SVG figures drawn with plotters (SVG backend only, its
//! built-in font metrics, no system fonts): Kaplan-Meier curves with
//! number-at-risk tables, the Love plot and the propensity-score
//! distributions. Figures are strings; writing them is the
//! pipeline's job.

use crate::analysis::subgroups::SubgroupRow;
use crate::analysis::survival::KmResult;
use crate::cohort::Flow;
use crate::format::Formatter;
use crate::matching::MatchOutput;
use plotters::prelude::*;

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

/// Love plot: |SMD| per covariate (and level) before (open circles) and
/// after matching (filled), with the threshold as a dashed line.
pub fn love_plot(m: &MatchOutput, before_label: &str, after_label: &str) -> Figure {
    let rows = &m.results.balance;
    let k = rows.len().max(1);
    let height = 90 + 22 * k as u32;
    let max_smd = rows
        .iter()
        .flat_map(|r| [r.smd_before, r.smd_after])
        .flatten()
        .map(f64::abs)
        .fold(m.results.smd_threshold * 1.5, f64::max);
    let x_max = (max_smd * 1.1 * 10.0).ceil() / 10.0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
        let chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(260)
            .build_cartesian_2d(0.0..x_max, -0.5..(k as f64 - 0.5));
        if let Ok(mut chart) = chart {
            let _ = chart
                .configure_mesh()
                .disable_mesh()
                .x_desc("Absolute standardized mean difference")
                .y_labels(k)
                .y_label_formatter(&|y: &f64| {
                    let i = y.round();
                    if (y - i).abs() < 1e-9 && i >= 0.0 {
                        labels.get(k - 1 - i as usize).cloned().unwrap_or_default()
                    } else {
                        " ".into()
                    }
                })
                .x_label_formatter(&|x: &f64| format!("{x:.2}"))
                .draw();
            let t = m.results.smd_threshold;
            let _ = chart.draw_series(DashedLineSeries::new(
                vec![(t, -0.5), (t, k as f64 - 0.5)],
                4,
                3,
                BLACK.stroke_width(1),
            ));
            let y = |i: usize| (k - 1 - i) as f64;
            let before: Vec<(f64, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.smd_before.map(|s| (s.abs(), y(i))))
                .collect();
            let after: Vec<(f64, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.smd_after.map(|s| (s.abs(), y(i))))
                .collect();
            if let Ok(series) = chart.draw_series(
                before
                    .iter()
                    .map(|&p| Circle::new(p, 4, BLACK.stroke_width(1))),
            ) {
                series
                    .label(before_label)
                    .legend(|(x, y)| Circle::new((x, y), 4, BLACK.stroke_width(1)));
            }
            if let Ok(series) =
                chart.draw_series(after.iter().map(|&p| Circle::new(p, 4, BLACK.filled())))
            {
                series
                    .label(after_label)
                    .legend(|(x, y)| Circle::new((x, y), 4, BLACK.filled()));
            }
            let _ = chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE)
                .position(SeriesLabelPosition::LowerRight)
                .draw();
        }
        let _ = root.present();
    }
    finish("love-plot", svg)
}

/// Propensity-score distributions by group before and after matching:
/// mirrored histograms (focal group up, the other down), 20 bins on [0, 1].
pub fn ps_distribution(
    m: &MatchOutput,
    group: &[usize],
    labels: [&str; 2],
    focal: usize,
) -> Figure {
    const BINS: usize = 20;
    let mut counts = [[[0usize; BINS]; 2]; 2]; // [panel][up/down][bin]
    for (i, ps) in m.ps.iter().enumerate() {
        let Some(ps) = ps else { continue };
        let bin = ((ps * BINS as f64) as usize).min(BINS - 1);
        let side = usize::from(group[i] != focal);
        counts[0][side][bin] += 1;
        if m.in_matched[i] {
            counts[1][side][bin] += 1;
        }
    }
    let y_max = counts
        .iter()
        .flatten()
        .flatten()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 320)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let panels = root.split_evenly((1, 2));
        for (p, area) in panels.iter().enumerate() {
            let title = if p == 0 {
                "Before matching"
            } else {
                "After matching"
            };
            let chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 16))
                .margin(10)
                .x_label_area_size(34)
                .y_label_area_size(44)
                .build_cartesian_2d(0.0..1.0, -y_max..y_max);
            let Ok(mut chart) = chart else { continue };
            let _ = chart
                .configure_mesh()
                .disable_mesh()
                .x_desc("Propensity score")
                .y_desc("Patients")
                .y_label_formatter(&|y: &f64| format!("{:.0}", y.abs()))
                .x_label_formatter(&|x: &f64| format!("{x:.1}"))
                .draw();
            for side in 0..2 {
                let sign = if side == 0 { 1.0 } else { -1.0 };
                let style = if side == 0 {
                    BLACK.mix(0.75).filled()
                } else {
                    BLACK.mix(0.25).filled()
                };
                let bars = (0..BINS).filter(|&b| counts[p][side][b] > 0).map(|b| {
                    let x0 = b as f64 / BINS as f64;
                    Rectangle::new(
                        [
                            (x0, 0.0),
                            (x0 + 1.0 / BINS as f64, sign * counts[p][side][b] as f64),
                        ],
                        style,
                    )
                });
                if let Ok(series) = chart.draw_series(bars)
                    && p == 0
                {
                    let label = labels[if side == 0 { focal } else { 1 - focal }];
                    series
                        .label(label)
                        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], style));
                }
            }
            let _ = chart.draw_series(LineSeries::new(
                vec![(0.0, 0.0), (1.0, 0.0)],
                BLACK.stroke_width(1),
            ));
            if p == 0 {
                let _ = chart
                    .configure_series_labels()
                    .border_style(BLACK)
                    .background_style(WHITE)
                    .position(SeriesLabelPosition::UpperRight)
                    .draw();
            }
        }
        let _ = root.present();
    }
    finish("ps-distribution", svg)
}

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
}

/// Height in pixels of a Kaplan-Meier panel with `groups` risk-table rows.
fn km_height(groups: usize) -> u32 {
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
fn svg_body(svg: &str) -> &str {
    let start = svg.find('\n').map_or(svg.len(), |i| i + 1);
    let end = svg.rfind("</svg>").unwrap_or(svg.len()).max(start);
    &svg[start..end]
}

fn draw_km<DB: DrawingBackend>(
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
    {
        let (upper, lower) = area.split_vertically(380);
        let chart = ChartBuilder::on(&upper)
            .margin_left(12)
            .margin_right(24)
            .margin_top(12)
            .x_label_area_size(40)
            .y_label_area_size(120)
            .build_cartesian_2d(0.0..x_max, 0.0..1.02);
        if let Ok(mut chart) = chart {
            let _ = chart
                .configure_mesh()
                .disable_mesh()
                // The x ticks are drawn below at exact multiples of `step`,
                // the same positions as the number-at-risk columns.
                .x_labels(0)
                .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
                .x_desc(spec.x_title.as_str())
                .y_desc("Survival probability")
                .draw();
            let styles = [
                BLACK.stroke_width(2),
                RGBColor(150, 150, 150).stroke_width(2),
                RGBColor(90, 90, 90).stroke_width(1),
            ];
            for (g, c) in curves.iter().enumerate() {
                let style = styles[g % styles.len()];
                let mut pts = vec![(0.0, 1.0)];
                let mut s_prev = 1.0;
                for (i, &t) in c.time.iter().enumerate() {
                    if c.surv[i] != s_prev {
                        pts.push((t, s_prev));
                        pts.push((t, c.surv[i]));
                        s_prev = c.surv[i];
                    }
                }
                pts.push((x_max_data, s_prev));
                let label = spec.labels.get(g).copied().unwrap_or("");
                if let Ok(series) = chart.draw_series(LineSeries::new(pts, style)) {
                    series
                        .label(label)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
                }
                let marks = c
                    .time
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| c.n_censor[*i] > 0)
                    .map(|(i, &t)| Cross::new((t, c.surv[i]), 3, style));
                let _ = chart.draw_series(marks);
            }
            let _ = chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE)
                .position(SeriesLabelPosition::LowerLeft)
                .draw();
            for (i, line) in spec.annotation.iter().enumerate() {
                // backend_coord is in the whole figure's pixels; the areas
                // of a panel grid do not start at (0, 0).
                let (px, py) = chart.backend_coord(&(x_max * 0.98, 1.0));
                let (ox, oy) = upper.get_base_pixel();
                let (px, py) = (px - ox, py - oy);
                let style = TextStyle::from(("sans-serif", 13)).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Right,
                        plotters::style::text_anchor::VPos::Top,
                    ),
                );
                let _ = upper.draw(&Text::new(
                    line.clone(),
                    (px, py + 4 + 16 * i as i32),
                    style,
                ));
            }
            let (ux, uy) = upper.get_base_pixel();
            for &t in &ticks {
                let (px, py) = chart.backend_coord(&(t, 0.0));
                let (px, py) = (px - ux, py - uy);
                let _ = upper.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK));
                let style = TextStyle::from(("sans-serif", 12)).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Top,
                    ),
                );
                let _ = upper.draw(&Text::new(format!("{t}"), (px, py + 8), style));
            }
            // Number at risk, aligned with the x-axis ticks.
            let head = TextStyle::from(("sans-serif", 13));
            let _ = lower.draw(&Text::new("Number at risk", (12, 6), head.clone()));
            for (g, c) in curves.iter().enumerate() {
                let y = 28 + 20 * g as i32;
                let label_style = TextStyle::from(("sans-serif", 12));
                let _ = lower.draw(&Text::new(
                    spec.labels.get(g).copied().unwrap_or("").to_string(),
                    (12, y),
                    label_style,
                ));
                for &t in &ticks {
                    let k = c.time.partition_point(|&x| x < t);
                    let n = c.n_risk.get(k).copied().unwrap_or(0);
                    let (px, _) = chart.backend_coord(&(t, 0.0));
                    let px = px - lower.get_base_pixel().0;
                    let style = TextStyle::from(("sans-serif", 12)).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Top,
                        ),
                    );
                    let _ = lower.draw(&Text::new(n.to_string(), (px, y), style));
                }
            }
        }
    }
}

/// Escapes text for SVG/XML.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Splits `text` into lines of at most `chars` characters at spaces (a word
/// longer than a line is cut), so that the text stays inside its box.
fn wrap(text: &str, chars: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > chars {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(chars).collect();
            word = word.chars().skip(chars).collect();
            lines.push(head);
        }
        let need = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if need > chars && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A box of wrapped text; returns its SVG and height.
fn text_box(x: i32, y: i32, w: i32, lines: &[String]) -> (String, i32) {
    const LINE: i32 = 17;
    let h = 12 + LINE * lines.len() as i32;
    let mut s = format!(
        r##"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#FFFFFF" stroke="#000000"/>"##
    );
    for (i, l) in lines.iter().enumerate() {
        s.push_str(&format!(
            r#"<text x="{}" y="{}" font-family="sans-serif" font-size="13" text-anchor="middle">{}</text>"#,
            x + w / 2,
            y + 6 + LINE * (i as i32 + 1) - 4,
            xml(l)
        ));
    }
    (s, h)
}

fn arrow(x1: i32, y1: i32, x2: i32, y2: i32) -> String {
    format!(
        r##"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#000000" marker-end="url(#arrow)"/>"##
    )
}

/// The patient-flow diagram (CONSORT style): the screened population, each
/// exclusion step as a side box, the analysed cohort by group and, with
/// matching, the matched cohort by group and the unmatched focal patients.
/// Text is wrapped to its box by a conservative width of 7.5 px per
/// character at 13 px.
pub fn flow_diagram(
    flow: &Flow,
    groups: &[&str],
    matched: Option<(&[usize], usize, &str)>,
) -> Figure {
    const W: i32 = 760;
    let (main_x, main_w) = (40, 300);
    let (side_x, side_w) = (400, 330);
    let chars = |w: i32| ((w - 16) as f64 / 7.5) as usize;
    let mut body = String::new();
    let mut y = 10;
    let (b, h) = text_box(
        main_x,
        y,
        main_w,
        &wrap(
            &format!("{} (n = {})", flow.screened_label, flow.screened),
            chars(main_w),
        ),
    );
    body.push_str(&b);
    y += h;
    let spine_x = main_x + main_w / 2;
    let mut yy = y + 16;
    for s in &flow.steps {
        let lines = wrap(
            &format!("Excluded (n = {}): {}", s.excluded, s.reason),
            chars(side_w),
        );
        let (b, h) = text_box(side_x, yy, side_w, &lines);
        body.push_str(&b);
        body.push_str(&arrow(spine_x, yy + h / 2, side_x, yy + h / 2));
        yy += h + 10;
    }
    let included_y = yy + 10;
    body.push_str(&arrow(spine_x, y, spine_x, included_y));
    let (b, h) = text_box(
        main_x,
        included_y,
        main_w,
        &wrap(
            &format!("{} (n = {})", flow.included_label, flow.included),
            chars(main_w),
        ),
    );
    body.push_str(&b);
    y = included_y + h + 30;
    // Groups side by side under the included box.
    let k = groups.len().max(1) as i32;
    let gw = (W - 60 - 20 * (k - 1)) / k;
    let mut bottom = y;
    for (g, label) in groups.iter().enumerate() {
        let gx = 30 + g as i32 * (gw + 20);
        body.push_str(&arrow(spine_x, included_y + h, gx + gw / 2, y));
        let (b, gh) = text_box(
            gx,
            y,
            gw,
            &wrap(
                &format!(
                    "{label} (n = {})",
                    flow.by_group.get(g).copied().unwrap_or(0)
                ),
                chars(gw),
            ),
        );
        body.push_str(&b);
        let mut gy = y + gh;
        if let Some((n_matched, _, _)) = matched {
            let my = gy + 30;
            body.push_str(&arrow(gx + gw / 2, gy, gx + gw / 2, my));
            let (b, mh) = text_box(
                gx,
                my,
                gw,
                &wrap(
                    &format!(
                        "Matched {label} (n = {})",
                        n_matched.get(g).copied().unwrap_or(0)
                    ),
                    chars(gw),
                ),
            );
            body.push_str(&b);
            gy = my + mh;
        }
        bottom = bottom.max(gy);
    }
    if let Some((_, unmatched, focal)) = matched {
        let (b, uh) = text_box(
            30,
            bottom + 16,
            W - 60,
            &wrap(
                &format!("{focal} patients without a match within the caliper: n = {unmatched}"),
                chars(W - 60),
            ),
        );
        body.push_str(&b);
        bottom += 16 + uh;
    }
    let height = bottom + 10;
    let svg = format!(
        r##"<svg width="{W}" height="{height}" viewBox="0 0 {W} {height}" xmlns="http://www.w3.org/2000/svg">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#000000"/></marker></defs>
<rect x="0" y="0" width="{W}" height="{height}" fill="#FFFFFF"/>
{body}
</svg>
"##
    );
    finish("flow", svg)
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

#[cfg(test)]
mod tests {
    use super::*;

    // Wrapped lines never exceed the width, words are kept whole when they
    // fit, and an over-long word is cut rather than overflowing.
    #[test]
    fn wrap_keeps_text_inside_its_box() {
        let lines = wrap("Excluded (n = 913): Downstaging not successful", 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "Excluded (n = 913): Downstaging not successful"
        );
        let long = wrap("Supercalifragilisticexpialidocious", 10);
        assert!(long.iter().all(|l| l.chars().count() <= 10));
        assert_eq!(long.concat(), "Supercalifragilisticexpialidocious");
    }

    // Flow text from the config is escaped in the SVG.
    #[test]
    fn flow_diagram_escapes_text() {
        let flow = Flow {
            screened_label: "<script>x</script> & co".into(),
            screened: 10,
            steps: vec![],
            included_label: "In".into(),
            included: 10,
            by_group: vec![5, 5],
        };
        let f = flow_diagram(&flow, &["A", "B"], None);
        assert!(!f.svg.contains("<script>"));
        assert!(f.svg.contains("&lt;script&gt;x&lt;/script&gt; &amp; co"));
    }
}
