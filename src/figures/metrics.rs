//! Text measured with the font the figures are printed in.
//!
//! The SVGs name the generic `sans-serif` family. Print figures are
//! rasterized with DejaVu Sans embedded in the binary, and a browser shows
//! its own sans-serif face, which for the common ones (Arial, Helvetica,
//! Liberation Sans) is narrower than DejaVu Sans. Columns sized by DejaVu
//! Sans' advance widths therefore hold their text in print and on screen.
//! Widths come from the font's `hmtx` advances through skrifa; the boxes
//! of a finished SVG come from usvg's layout of the same fonts, so the
//! figure tests check what a reader sees, not an estimate.

use resvg::usvg::{self, fontdb};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::sync::{Arc, OnceLock};

const REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// The embedded fonts as a database for usvg, loaded once per process.
pub(super) fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_font_data(REGULAR.to_vec());
            db.load_font_data(BOLD.to_vec());
            db.set_sans_serif_family("DejaVu Sans");
            Arc::new(db)
        })
        .clone()
}

/// usvg's options with the embedded fonts and no system fonts.
pub(super) fn options() -> usvg::Options<'static> {
    usvg::Options {
        fontdb: fonts(),
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    }
}

/// The width in pixels of `text` set at `size` px, regular or bold: the sum
/// of its characters' advance widths (a character the font lacks counts as
/// the font's widest common letter, "M").
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let Ok(font) = FontRef::new(if bold { BOLD } else { REGULAR }) else {
        return 0.6 * size * text.chars().count() as f64;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size as f32), LocationRef::default());
    let advance = |c: char| {
        charmap
            .map(c)
            .or_else(|| charmap.map('M'))
            .and_then(|g| metrics.advance_width(g))
            .unwrap_or(0.0)
    };
    text.chars().map(|c| f64::from(advance(c))).sum()
}

/// A laid-out text element of an SVG: its characters and the box its glyph
/// advances and the font's ascent and descent span, in SVG user units.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    /// The element's characters.
    pub text: String,
    /// Left, top, right and bottom edges.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub right: f64,
    /// Bottom edge.
    pub bottom: f64,
}

impl TextBox {
    /// Whether the two boxes share an area (touching edges do not count).
    pub fn overlaps(&self, other: &TextBox) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }
}

/// Every text element of `svg` with its box, laid out with the embedded
/// fonts as a print figure is; `None` when the SVG does not parse.
pub fn text_boxes(svg: &str) -> Option<Vec<TextBox>> {
    let tree = usvg::Tree::from_str(svg, &options()).ok()?;
    let mut out = Vec::new();
    collect(tree.root(), &mut out);
    Some(out)
}

fn collect(group: &usvg::Group, out: &mut Vec<TextBox>) {
    for node in group.children() {
        match node {
            usvg::Node::Group(g) => collect(g, out),
            usvg::Node::Text(t) => {
                let b = t.abs_bounding_box();
                let text = t.chunks().iter().map(|c| c.text()).collect();
                out.push(TextBox {
                    text,
                    left: f64::from(b.left()),
                    top: f64::from(b.top()),
                    right: f64::from(b.right()),
                    bottom: f64::from(b.bottom()),
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_add_up_and_bold_is_wider() {
        let a = text_width("Age", 12.0, false);
        let b = text_width("Age, years", 12.0, false);
        assert!(a > 0.0 && b > a);
        assert!(text_width("Age", 12.0, true) > a);
        // DejaVu Sans' "M" advances 1767 of 2048 units.
        assert_eq!(text_width("M", 2048.0, false), 1767.0);
        // A multi-byte character is one advance, not one per byte.
        assert!(text_width("≥", 12.0, false) < text_width("www", 12.0, false));
    }

    #[test]
    fn boxes_are_where_the_text_is() {
        let svg = r#"<svg width="200" height="50" xmlns="http://www.w3.org/2000/svg">
<text x="10" y="20" font-family="sans-serif" font-size="12">Age</text>
<text x="100" y="20" font-family="sans-serif" font-size="12" text-anchor="end">Sex</text>
</svg>"#;
        let boxes = text_boxes(svg).unwrap();
        assert_eq!(boxes.len(), 2);
        assert_eq!(boxes[0].text, "Age");
        assert!((boxes[0].left - 10.0).abs() < 0.5);
        assert!((boxes[1].right - 100.0).abs() < 0.5);
        assert!(boxes[0].top < 20.0 && boxes[0].bottom > 20.0);
        assert!(!boxes[0].overlaps(&boxes[1]));
    }
}
