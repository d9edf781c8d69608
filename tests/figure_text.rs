//! No figure text collides: every text element of every default figure,
//! and of each fixture study's figures, is laid out with the print fonts
//! and no two boxes share an area (the default forest plot's "Targeted
//! therapy or immunotherapy: Absence" once ran into the events column).

use std::path::{Path, PathBuf};
use studybook::figures::metrics::{TextBox, text_boxes};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Each pair of overlapping text boxes of `svg`, and each text reaching
/// past the figure's edge, described.
fn collisions(name: &str, svg: &str) -> Vec<String> {
    let size = |attr: &str| -> f64 {
        let head = svg.split('>').next().unwrap_or_default();
        let value = head
            .split(&format!(" {attr}=\""))
            .nth(1)
            .unwrap_or_default();
        value.split('"').next().unwrap_or_default().parse().unwrap()
    };
    let (width, height) = (size("width"), size("height"));
    let boxes: Vec<TextBox> = text_boxes(svg)
        .unwrap_or_else(|| panic!("{name} does not parse"))
        .into_iter()
        .filter(|b| !b.text.trim().is_empty())
        .collect();
    let mut out = Vec::new();
    for b in &boxes {
        if b.left < 0.0 || b.top < 0.0 || b.right > width || b.bottom > height {
            out.push(format!("{name}: {:?} reaches past the edge", b.text));
        }
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            if a.overlaps(b) {
                out.push(format!("{name}: {:?} overlaps {:?}", a.text, b.text));
            }
        }
    }
    out
}

/// The SVG files in `dir`, by name.
fn svgs(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn no_default_figure_text_overlaps() {
    let figures = svgs(&root().join("reports/tace-downstaging/figures"));
    assert!(figures.len() > 10, "{} figures", figures.len());
    let found: Vec<String> = figures
        .iter()
        .flat_map(|(name, svg)| collisions(name, svg))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn no_fixture_figure_text_overlaps() {
    let (mut found, mut figures) = (Vec::new(), 0);
    for config in studybook::pipeline::find_studies(&root().join("tests/fixtures/studies")) {
        let out = tempfile::tempdir().unwrap();
        studybook::pipeline::render_study(&config, Some(out.path())).unwrap();
        for (name, svg) in svgs(&out.path().join("figures")) {
            figures += 1;
            found.extend(collisions(&format!("{}: {name}", config.display()), &svg));
        }
    }
    assert!(figures > 10, "{figures} figures");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

// The check itself: two texts set on one spot collide, apart they do not.
#[test]
fn a_collision_is_found() {
    let svg = |x2: i32| {
        format!(
            r#"<svg width="300" height="40" xmlns="http://www.w3.org/2000/svg">
<text x="10" y="20" font-family="sans-serif" font-size="12">Targeted therapy: Absence</text>
<text x="{x2}" y="20" font-family="sans-serif" font-size="12">12/40</text></svg>"#
        )
    };
    assert_eq!(collisions("a", &svg(100)).len(), 1);
    assert!(collisions("b", &svg(200)).is_empty());
}

// Long and non-ASCII labels (measured by their characters' widths, not
// their bytes) get a label column as wide as they are, and levels sit
// indented under their variable.
#[test]
fn long_non_ascii_forest_labels_get_their_width() {
    use std::collections::BTreeMap;
    use studybook::analysis::subgroups::SubgroupRow;
    let row = |variable: &str, label: &str, level: Option<&str>| SubgroupRow {
        endpoint: "os".into(),
        variable: variable.into(),
        label: label.into(),
        level: level.map(Into::into),
        n: BTreeMap::from([("0".into(), 120), ("1".into(), 80)]),
        events: BTreeMap::from([("0".into(), 40), ("1".into(), 30)]),
        hr: Some(1.2),
        lower: Some(0.8),
        upper: Some(1.9),
        se: Some(0.2),
        p_interaction: level.filter(|l| l.starts_with('≥')).map(|_| 0.04),
    };
    let rows = [
        row("overall", "Alle Patientinnen und Patienten", None),
        row(
            "alder",
            "Ålder vid diagnos (år)",
            Some("≥ 65 år — äldre än gränsvärdet"),
        ),
        row("alder", "Ålder vid diagnos (år)", Some("< 65 år")),
        row(
            "ther",
            "Thérapie ciblée ou immunothérapie",
            Some("Présence"),
        ),
    ];
    let refs: Vec<&SubgroupRow> = rows.iter().collect();
    let fmt = studybook::format::Formatter::new(Default::default());
    let figure = studybook::figures::forest_plot(
        "forest",
        &refs,
        &[("0", "Résection chirurgicale"), ("1", "Ablation thermique")],
        &fmt,
        "Hazard ratio, Ablation thermique vs Résection chirurgicale",
    );
    assert_eq!(collisions("forest", &figure.svg), Vec::<String>::new());
    let boxes = text_boxes(&figure.svg).unwrap();
    let left = |t: &str| boxes.iter().find(|b| b.text == t).unwrap().left;
    assert!(left("< 65 år") > left("Ålder vid diagnos (år)") + 8.0);
}
