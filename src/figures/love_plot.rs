//! The Love plot: absolute standardized mean differences before and after
//! matching, and with each propensity-score weighting.

use super::Figure;
use super::finish;
use crate::matching::MatchOutput;
use crate::weighting::WeightingResult;
use plotters::prelude::*;

/// Love plot: |SMD| per covariate (and level) before (open circles) and
/// after matching (filled), then one marker per weighting (black triangle,
/// cross, grey triangle, in `weighting`'s order), with the threshold as a
/// dashed line.
pub fn love_plot(
    m: &MatchOutput,
    weighting: &[WeightingResult],
    before_label: &str,
    after_label: &str,
) -> Figure {
    let rows = &m.results.balance;
    // Each weighting's |SMD| on the matching rows (by variable and level).
    let weighted: Vec<Vec<Option<f64>>> = weighting
        .iter()
        .map(|w| {
            rows.iter()
                .map(|r| {
                    w.balance
                        .iter()
                        .find(|b| b.variable == r.variable && b.level == r.level)
                        .and_then(|b| b.smd)
                })
                .collect()
        })
        .collect();
    let k = rows.len().max(1);
    let height = 90 + 22 * k as u32;
    let max_smd = rows
        .iter()
        .flat_map(|r| [r.smd_before, r.smd_after])
        .chain(weighted.iter().flatten().copied())
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
            for (k, (w, smd)) in weighting.iter().zip(&weighted).enumerate() {
                let points: Vec<(f64, f64)> = smd
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| s.map(|s| (s.abs(), y(i))))
                    .collect();
                draw_weighting(&mut chart, k, &points, &w.label);
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

/// The Love plot's coordinates: |SMD| by covariate row.
type LoveChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The `k`-th weighting's markers and legend entry: black triangles,
/// crosses, grey triangles, in turn.
fn draw_weighting<DB: DrawingBackend>(
    chart: &mut LoveChart<'_, DB>,
    k: usize,
    points: &[(f64, f64)],
    label: &str,
) {
    let label = label.to_string();
    match k % 3 {
        0 => {
            let style = BLACK.stroke_width(1);
            if let Ok(s) =
                chart.draw_series(points.iter().map(|&p| TriangleMarker::new(p, 5, style)))
            {
                s.label(label)
                    .legend(move |(x, y)| TriangleMarker::new((x, y), 5, style));
            }
        }
        1 => {
            let style = BLACK.stroke_width(1);
            if let Ok(s) = chart.draw_series(points.iter().map(|&p| Cross::new(p, 4, style))) {
                s.label(label)
                    .legend(move |(x, y)| Cross::new((x, y), 4, style));
            }
        }
        _ => {
            let style = RGBColor(128, 128, 128).filled();
            if let Ok(s) =
                chart.draw_series(points.iter().map(|&p| TriangleMarker::new(p, 5, style)))
            {
                s.label(label)
                    .legend(move |(x, y)| TriangleMarker::new((x, y), 5, style));
            }
        }
    }
}
