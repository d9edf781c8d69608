//! The patient-flow diagram (CONSORT style).

use super::Figure;
use super::finish;
use super::svg::{arrow, text_box, wrap};
use crate::cohort::Flow;

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

#[cfg(test)]
mod tests {
    use super::super::svg::wrap;
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
