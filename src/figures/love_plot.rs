//! The Love plot: absolute standardized mean differences before and after
//! matching, and with each propensity-score weighting.
//!
//! Drawn as plain SVG rather than with plotters: plotters sizes text by
//! an estimate, so long or non-ASCII covariate names crowded the labels and
//! its legend box sat on the markers. Here the label column is as wide as
//! the widest label in the print font, and the legend sits below the axis.

use super::Figure;
use super::finish;
use super::metrics::text_width;
use crate::matching::MatchOutput;
use crate::weighting::WeightingResult;

const SIZE: f64 = 12.0;
const ROW: i32 = 22;
const TOP: i32 = 12;
const MARGIN: i32 = 8;
const GAP: i32 = 12;
const PLOT_W: i32 = 420;
/// Space between the vertical axis and zero, so that a marker at zero
/// stays clear of the axis and the labels.
const PAD: f64 = 8.0;
/// A legend entry's marker box and the space after its text.
const KEY_W: i32 = 18;
const KEY_GAP: i32 = 24;

/// A marker: open or filled circle, black or grey triangle, cross.
#[derive(Clone, Copy)]
enum Marker {
    Open,
    Filled,
    Triangle,
    Cross,
    GreyTriangle,
}

impl Marker {
    /// The `k`-th weighting's marker: black triangle, cross, grey triangle
    /// in turn.
    fn weighting(k: usize) -> Marker {
        [Marker::Triangle, Marker::Cross, Marker::GreyTriangle][k % 3]
    }

    /// The marker centred on (x, y).
    fn svg(self, x: f64, y: f64) -> String {
        let tri = |fill: &str| {
            format!(
                r#"<path d="M{x:.1},{:.1}L{:.1},{:.1}L{:.1},{:.1}Z" fill="{fill}"/>"#,
                y - 5.0,
                x + 5.0,
                y + 4.0,
                x - 5.0,
                y + 4.0
            )
        };
        match self {
            Marker::Open => {
                format!(r##"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="none" stroke="#000000"/>"##)
            }
            Marker::Filled => {
                format!(r##"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="#000000"/>"##)
            }
            Marker::Triangle => tri("#000000"),
            Marker::GreyTriangle => tri("#808080"),
            Marker::Cross => format!(
                r##"<path d="M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}" stroke="#000000"/>"##,
                x - 4.0,
                y - 4.0,
                x + 4.0,
                y + 4.0,
                x - 4.0,
                y + 4.0,
                x + 4.0,
                y - 4.0
            ),
        }
    }
}

/// A series of the plot: its legend label, marker and |SMD| per row.
struct Series {
    label: String,
    marker: Marker,
    smd: Vec<Option<f64>>,
}

/// A 12-pixel text at (x, y).
fn text(x: i32, y: i32, anchor: &str, t: &str) -> String {
    super::svg::text(x, y, anchor, None, t)
}

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
    let abs = |v: Option<f64>| v.map(f64::abs);
    let mut series = vec![
        Series {
            label: before_label.into(),
            marker: Marker::Open,
            smd: rows.iter().map(|r| abs(r.smd_before)).collect(),
        },
        Series {
            label: after_label.into(),
            marker: Marker::Filled,
            smd: rows.iter().map(|r| abs(r.smd_after)).collect(),
        },
    ];
    for (k, w) in weighting.iter().enumerate() {
        // Each weighting's |SMD| on the matching rows (by variable and level).
        let smd = rows
            .iter()
            .map(|r| {
                let b = w
                    .balance
                    .iter()
                    .find(|b| b.variable == r.variable && b.level == r.level);
                abs(b.and_then(|b| b.smd))
            })
            .collect();
        series.push(Series {
            label: w.label.clone(),
            marker: Marker::weighting(k),
            smd,
        });
    }
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    draw(&labels, &series, m.results.smd_threshold)
}

/// The figure: `labels` down the left, each series' markers, the axis,
/// the threshold and the legend.
fn draw(labels: &[&str], series: &[Series], threshold: f64) -> Figure {
    let label_w = labels
        .iter()
        .map(|l| text_width(l, SIZE, false).ceil() as i32)
        .max()
        .unwrap_or(0);
    let plot_x = MARGIN + label_w + GAP;
    let plot_bottom = TOP + ROW * labels.len().max(1) as i32;
    let width = plot_x + PLOT_W + 24;
    let max_smd = series
        .iter()
        .flat_map(|s| s.smd.iter().flatten().copied())
        .fold(threshold * 1.5, f64::max);
    let (x_max, step) = axis_range(max_smd);
    let px = |v: f64| f64::from(plot_x) + PAD + v.min(x_max) / x_max * (f64::from(PLOT_W) - PAD);
    let mut s = String::new();
    for (i, label) in labels.iter().enumerate() {
        let y = TOP + ROW * i as i32 + ROW / 2;
        s.push_str(&text(plot_x - GAP + 4, y + 4, "end", label));
        for ser in series {
            if let Some(v) = ser.smd[i] {
                s.push_str(&ser.marker.svg(px(v), f64::from(y)));
            }
        }
    }
    let tx = px(threshold);
    s.push_str(&format!(
        r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{plot_bottom}" stroke="#000000" stroke-dasharray="4,3"/>"##
    ));
    s.push_str(&format!(
        r##"<path d="M{plot_x},{TOP}V{plot_bottom}H{}" fill="none" stroke="#000000"/>"##,
        plot_x + PLOT_W
    ));
    let ticks = (x_max / step).round() as usize;
    for t in 0..=ticks {
        let v = step * t as f64;
        let x = px(v).round() as i32;
        s.push_str(&format!(
            r##"<line x1="{x}" y1="{plot_bottom}" x2="{x}" y2="{}" stroke="#000000"/>"##,
            plot_bottom + 5
        ));
        s.push_str(&text(x, plot_bottom + 19, "middle", &format!("{v:.2}")));
    }
    let title_y = plot_bottom + 38;
    s.push_str(&text(
        plot_x + PLOT_W / 2,
        title_y,
        "middle",
        "Absolute standardized mean difference",
    ));
    let (legend, legend_h) = legend(series, plot_x, title_y + 12, width - MARGIN);
    s.push_str(&legend);
    let height = title_y + 12 + legend_h + 8;
    let svg = format!(
        r##"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>
{s}
</svg>
"##
    );
    finish("love-plot", svg)
}

/// The axis' upper end and tick step for a largest value `max`: the
/// smallest of 0.05, 0.1, 0.2, 0.25, 0.5, 1 (times a power of ten) that
/// needs at most ten steps.
fn axis_range(max: f64) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let scale = 10f64.powf(max.log10().floor() - 1.0);
    let step = [1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0]
        .into_iter()
        .map(|s| s * scale)
        .find(|s| (max * 1.05 / s).ceil() <= 10.0)
        .unwrap_or(100.0 * scale);
    ((max * 1.05 / step).ceil() * step, step)
}

/// The legend from `x` at `y`, entries left to right, a new line before
/// an entry that would pass `right`; its SVG and height.
fn legend(series: &[Series], x0: i32, y: i32, right: i32) -> (String, i32) {
    let mut s = String::new();
    let (mut x, mut line) = (x0, 0);
    for ser in series {
        let w = KEY_W + text_width(&ser.label, SIZE, false).ceil() as i32;
        if x > x0 && x + w > right {
            (x, line) = (x0, line + 1);
        }
        let cy = y + ROW * line + ROW / 2;
        s.push_str(&ser.marker.svg(f64::from(x + 5), f64::from(cy)));
        s.push_str(&text(x + KEY_W, cy + 4, "start", &ser.label));
        x += w + KEY_GAP;
    }
    (s, ROW * (line + 1))
}

#[cfg(test)]
mod tests {
    use super::axis_range;

    #[test]
    fn axis_steps_are_round_and_few() {
        let near =
            |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-12 && (a.1 - b.1).abs() < 1e-12;
        assert!(near(axis_range(0.8), (0.9, 0.1)), "{:?}", axis_range(0.8));
        assert!(
            near(axis_range(0.15), (0.16, 0.02)),
            "{:?}",
            axis_range(0.15)
        );
        let (max, step) = axis_range(3.2);
        assert!(max >= 3.2 && max / step <= 10.0 + 1e-9);
        assert!(
            near(axis_range(f64::NAN), (1.2, 0.2)),
            "{:?}",
            axis_range(f64::NAN)
        );
    }
}
