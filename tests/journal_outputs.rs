//! What a journal receives (`[output]`): the DOCX manuscript read back
//! (its tables have the Markdown tables' cells, its figures and captions
//! are all there), print figures at the asked size and resolution, the
//! review copy, the checklist, and every file identical across renders.
//! The veteran fixture study, at 300 ppi and one column wide to keep the
//! rasters small.

mod common;

use resvg::usvg::roxmltree;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use studybook::pipeline;

const OUTPUT: &str = r#"
[output]
formats = ["html", "md", "docx"]
figure-formats = ["svg", "png", "tiff"]
dpi = 300
figure-width = 84
review = true
checklist = true
"#;

/// The veteran study with `[output]`, in `dir` (templates from `templates`).
fn study(dir: &Path, templates: &[(&str, &str)]) -> PathBuf {
    let config = common::fixture_config("veteran").replace("replicates = 199", "replicates = 20");
    let path = dir.join("study.toml");
    std::fs::write(&path, config + OUTPUT).unwrap();
    if !templates.is_empty() {
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        for (name, text) in templates {
            std::fs::write(dir.join("templates").join(name), text).unwrap();
        }
    }
    path
}

/// Renders into `dir/out` and returns every written file by name.
fn render(dir: &Path, templates: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    let config = study(dir, templates);
    let out = dir.join("out");
    let (_, files) = pipeline::render_study(&config, Some(&out)).unwrap();
    files
        .iter()
        .map(|f| {
            let name = f
                .strip_prefix(&out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (name, std::fs::read(f).unwrap())
        })
        .collect()
}

fn zip_entry(docx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The text of an element: its `w:t` descendants, joined.
fn text_of(node: roxmltree::Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.has_tag_name((W, "t")))
        .filter_map(|n| n.text())
        .collect()
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// Each table of the DOCX as rows of cell texts.
fn docx_tables(xml: &str) -> Vec<Vec<Vec<String>>> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name((W, "tbl")))
        .map(|t| {
            t.children()
                .filter(|r| r.has_tag_name((W, "tr")))
                .map(|r| {
                    r.children()
                        .filter(|c| c.has_tag_name((W, "tc")))
                        .map(|c| text_of(c).trim().to_string())
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Each table of the Markdown as rows of cell texts (inline HTML dropped,
/// entities decoded, as Word shows them).
fn markdown_tables(md: &str) -> Vec<Vec<Vec<String>>> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let (mut tables, mut rows, mut row, mut cell) =
        (Vec::new(), Vec::new(), Vec::new(), String::new());
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::TableCell) => cell.clear(),
            Event::Text(t) | Event::Code(t) => cell.push_str(&t),
            Event::SoftBreak => cell.push(' '),
            Event::End(TagEnd::TableCell) => row.push(cell.trim().to_string()),
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                rows.push(std::mem::take(&mut row))
            }
            Event::End(TagEnd::Table) => tables.push(std::mem::take(&mut rows)),
            _ => {}
        }
    }
    tables
}

#[test]
fn docx_tables_figures_and_captions_match_the_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let files = render(dir.path(), &[]);
    let md = String::from_utf8(files["manuscript.md"].clone()).unwrap();
    let xml = zip_entry(&files["manuscript.docx"], "word/document.xml");
    let (word, markdown) = (docx_tables(&xml), markdown_tables(&md));
    assert!(markdown.len() >= 3, "Table 1, flow, Cox tables");
    assert_eq!(word, markdown);
    // Every figure the Markdown shows is embedded, with its caption.
    let images = md.matches("](figures/").count();
    assert!(images >= 3);
    assert_eq!(xml.matches("<pic:pic").count(), images);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let paragraphs: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name((W, "p")))
        .map(text_of)
        .collect();
    for caption in md
        .lines()
        .filter(|l| l.starts_with("**Figure") || l.starts_with("**Table"))
    {
        let plain = caption.replace("**", "");
        assert!(paragraphs.contains(&plain), "caption missing: {plain}");
    }
    // The review copy's DOCX numbers its lines; the manuscript's does not.
    assert!(!xml.contains("w:lnNumType"));
    let review = zip_entry(&files["manuscript-review.docx"], "word/document.xml");
    assert!(review.contains(r#"<w:lnNumType w:countBy="1" w:restart="continuous" />"#));
}

#[test]
fn print_figures_have_the_asked_size_and_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let files = render(dir.path(), &[]);
    let svgs: Vec<&String> = files.keys().filter(|n| n.ends_with(".svg")).collect();
    assert!(!svgs.is_empty());
    // 84 mm at 300 ppi: 84 / 25.4 * 300 = 992.1 -> 992 pixels wide.
    for svg in svgs {
        let stem = svg.trim_end_matches(".svg");
        let png = png::Decoder::new(std::io::Cursor::new(files[&format!("{stem}.png")].clone()));
        let info = png.read_info().unwrap();
        let dims = info.info().pixel_dims.unwrap();
        assert_eq!(info.info().width, 992, "{stem}.png");
        assert_eq!(dims.xppu, 11811, "300 ppi in pixels per metre");
        let tiff_bytes = files[&format!("{stem}.tiff")].clone();
        let mut tiff = tiff::decoder::Decoder::new(std::io::Cursor::new(tiff_bytes)).unwrap();
        assert_eq!(
            tiff.dimensions().unwrap(),
            (992, info.info().height),
            "{stem}.tiff"
        );
        assert_eq!(
            tiff.get_tag(tiff::tags::Tag::XResolution).unwrap(),
            tiff::decoder::ifd::Value::Rational(300, 1)
        );
    }
}

#[test]
fn every_file_is_identical_across_renders() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (render(a.path(), &[]), render(b.path(), &[]));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &first {
        if name == "provenance.json" {
            continue; // names the config's path, which differs
        }
        assert!(bytes == &second[name], "{name} differs between two renders");
    }
}

#[test]
fn review_copy_puts_tables_and_figures_last_and_numbers_lines() {
    let dir = tempfile::tempdir().unwrap();
    let files = render(dir.path(), &[]);
    let html = String::from_utf8(files["manuscript-review.html"].clone()).unwrap();
    let tables_at = html.find("<h2>Tables</h2>").expect("a Tables section");
    let figures_at = html.find("<h2>Figures</h2>").expect("a Figures section");
    assert!(tables_at < figures_at);
    // Table 1's caption and every figure come after the text.
    let caption = html.find("<strong>Table 1.</strong>").unwrap();
    assert!(caption > tables_at);
    assert!(
        html[..tables_at].matches("<svg").count() == 0,
        "a figure before the end"
    );
    // The line-number script runs under the page's CSP by its hash.
    assert!(html.contains("script-src 'sha256-"));
    assert!(html.contains("line-number"));
    assert!(!files.contains_key("manuscript-review.md"));
}

#[test]
fn checklist_items_follow_the_rendered_manuscript() {
    let dir = tempfile::tempdir().unwrap();
    let files = render(dir.path(), &[]);
    let md = String::from_utf8(files["checklist.md"].clone()).unwrap();
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| STROBE") || l.starts_with("| TARGET"))
        .collect();
    assert!(rows.len() >= 22 + 10);
    for r in &rows {
        let location = r.trim_end_matches(" |").rsplit(" | ").next().unwrap();
        assert!(!location.is_empty(), "{r}");
    }
    let flow = |md: &str| {
        md.lines()
            .find(|l| l.starts_with("| STROBE | 13c |"))
            .unwrap()
            .to_string()
    };
    assert!(flow(&md).ends_with("| Figure 1 |"), "{}", flow(&md));
    // Without the flow section, the flow-diagram item is not addressed.
    let other = tempfile::tempdir().unwrap();
    let files = render(other.path(), &[("flow.md.j2", "")]);
    let md = String::from_utf8(files["checklist.md"].clone()).unwrap();
    assert!(flow(&md).ends_with("| not addressed |"), "{}", flow(&md));
}
