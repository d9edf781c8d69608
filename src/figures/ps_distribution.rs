//! Propensity-score distributions by group, before and after matching.

use super::Figure;
use super::finish;
use crate::matching::MatchOutput;
use plotters::prelude::*;

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
