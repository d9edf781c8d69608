//! `[output]`: which files a render writes besides `results.json`: the
//! manuscript's formats, print figures, the review copy and the reporting
//! checklist.

use serde::{Deserialize, Serialize};

/// A manuscript format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ManuscriptFormat {
    /// `manuscript.html`: one self-contained page.
    Html,
    /// `manuscript.md` (for mdBook) with SVG figures.
    Md,
    /// `manuscript.docx`: Word, with editable tables and PNG figures.
    Docx,
}

/// A figure file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureFormat {
    /// Vector, drawn by studybook (always written: the Markdown links it).
    Svg,
    /// Raster at `dpi`, resolution in the `pHYs` chunk.
    Png,
    /// LZW-compressed raster at `dpi`, resolution in its tags.
    Tiff,
}

/// `[output]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    deny_unknown_fields,
    rename_all(deserialize = "kebab-case", serialize = "snake_case")
)]
pub struct OutputSection {
    /// Manuscript formats (default `["html", "md"]`).
    #[serde(default = "default_formats")]
    pub formats: Vec<ManuscriptFormat>,
    /// Figure formats (default `["svg"]`; SVG is always written).
    #[serde(default = "default_figure_formats")]
    pub figure_formats: Vec<FigureFormat>,
    /// Print resolution in pixels per inch: 300, 600 or 1200 (default 600).
    /// Also the resolution of the figures embedded in the DOCX.
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    /// Printed figure width in mm (default 174, two columns; 84 is one).
    #[serde(default = "default_figure_width")]
    pub figure_width: f64,
    /// Also write the review copy: `manuscript-review.html` (and
    /// `manuscript-review.docx` with DOCX) with line numbers, tables and
    /// figures at the end.
    #[serde(default)]
    pub review: bool,
    /// Also write the reporting checklist (STROBE cohort and TARGET items):
    /// `checklist.html`, `.md` and, with DOCX, `.docx`.
    #[serde(default)]
    pub checklist: bool,
}

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection {
            formats: default_formats(),
            figure_formats: default_figure_formats(),
            dpi: default_dpi(),
            figure_width: default_figure_width(),
            review: false,
            checklist: false,
        }
    }
}

impl OutputSection {
    /// Whether the manuscript is written in `format`.
    pub fn writes(&self, format: ManuscriptFormat) -> bool {
        self.formats.contains(&format)
    }

    /// Whether figures are also written as `format`.
    pub fn figures_as(&self, format: FigureFormat) -> bool {
        self.figure_formats.contains(&format)
    }

    /// Whether any figure must be rasterized (print figures or the DOCX).
    pub fn rasterizes(&self) -> bool {
        self.figures_as(FigureFormat::Png)
            || self.figures_as(FigureFormat::Tiff)
            || self.writes(ManuscriptFormat::Docx)
    }
}

/// The print resolutions journals ask for.
pub const DPI_CHOICES: [u32; 3] = [300, 600, 1200];

fn default_formats() -> Vec<ManuscriptFormat> {
    vec![ManuscriptFormat::Html, ManuscriptFormat::Md]
}

fn default_figure_formats() -> Vec<FigureFormat> {
    vec![FigureFormat::Svg]
}

fn default_dpi() -> u32 {
    600
}

fn default_figure_width() -> f64 {
    174.0
}
