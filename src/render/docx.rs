//! `manuscript.docx`: the rendered Markdown as a Word document, written
//! with docx-rs (bokuweb; the most used and most recently released DOCX
//! writer for Rust, MIT, pure Rust, and it writes real tables with merged
//! cells, inline images and styles, which is all a manuscript needs).
//!
//! The Markdown is the same text the HTML page is made from, so the two
//! cannot disagree: headings take Word's heading styles, every table is a
//! Word table (header row bold, cell alignment from the Markdown column
//! alignment, a three-line journal layout), `<sup>` footnote marks stay
//! superscript, and each figure is its PNG at the configured resolution and
//! printed width, with its caption below.
//!
//! docx-rs numbers paragraphs and images from process-wide counters, so
//! two documents of one process would differ; the ids are set here (images)
//! or renumbered after the build (paragraphs), and the archive's dates are
//! the zip format's fixed default, so the bytes depend on the content only.

use crate::error::{Error, Result};
use docx_rs::{
    AlignmentType, BreakType, Docx, PageMargin, Paragraph, Pic, Run, RunFonts, Style, StyleType,
    Table, TableBorder, TableBorderPosition, TableBorders, TableCell, TableCellBorder,
    TableCellBorderPosition, TableCellBorders, TableCellMargins, TableRow, VertAlignType,
    WidthType,
};
use pulldown_cmark::{Alignment, Event, HeadingLevel, Options, Tag, TagEnd};

/// EMU (English metric units) per millimetre: Word sizes drawings in EMU.
const EMU_PER_MM: f64 = 36_000.0;

/// A figure for the document: its PNG and printed width.
#[derive(Debug, Clone, Copy)]
pub struct DocxFigure<'a> {
    /// File stem; the Markdown links `figures/NAME.svg`.
    pub name: &'a str,
    /// PNG bytes.
    pub png: &'a [u8],
    /// Pixel size of the PNG.
    pub pixels: (u32, u32),
    /// Printed width in mm.
    pub width_mm: f64,
}

/// Builds the DOCX of `markdown`; with `line_numbers`, every line is
/// numbered in the margin (the review copy).
pub fn docx(
    name: &str,
    markdown: &str,
    figures: &[DocxFigure<'_>],
    line_numbers: bool,
) -> Result<Vec<u8>> {
    let mut writer = Writer::new(figures);
    let parser = pulldown_cmark::Parser::new_ext(markdown, Options::ENABLE_TABLES);
    for event in parser {
        writer.event(event);
    }
    let mut xml = writer.docx.build();
    xml.document = renumber_paragraphs(&xml.document);
    if line_numbers {
        xml.document = number_lines(&xml.document);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| Error::Output {
        file: name.into(),
        message: e.to_string(),
    })?;
    Ok(out.into_inner())
}

/// Character formatting in force.
#[derive(Debug, Clone, Copy, Default)]
struct Format {
    bold: bool,
    italic: bool,
    code: bool,
    vertical: Option<VertAlignType>,
}

impl Format {
    fn run(&self, text: &str) -> Run {
        let mut run = Run::new().add_text(text);
        if self.bold {
            run = run.bold();
        }
        if self.italic {
            run = run.italic();
        }
        if self.code {
            run = run.fonts(RunFonts::new().ascii("Courier New").hi_ansi("Courier New"));
        }
        if let Some(v) = self.vertical {
            run.run_property = run.run_property.vert_align(v);
        }
        run
    }
}

/// A table being collected: column alignments, rows of cells of runs.
#[derive(Debug, Default)]
struct TableState {
    alignments: Vec<Alignment>,
    header: Vec<Vec<Run>>,
    rows: Vec<Vec<Vec<Run>>>,
    row: Vec<Vec<Run>>,
    in_head: bool,
}

/// The event walker: the document so far and what is open.
struct Writer<'a> {
    docx: Docx,
    figures: &'a [DocxFigure<'a>],
    format: Format,
    /// Runs of the open paragraph (or table cell).
    runs: Vec<Run>,
    /// The open paragraph's style and indent.
    style: Option<&'static str>,
    indent: Option<i32>,
    table: Option<TableState>,
    /// Open lists: the next number of each ordered list, `None` bullets.
    lists: Vec<Option<u64>>,
    /// Inside an image: its alt text is skipped (the caption follows).
    in_image: bool,
    images: usize,
}

impl<'a> Writer<'a> {
    fn new(figures: &'a [DocxFigure<'a>]) -> Self {
        Writer {
            docx: document(),
            figures,
            format: Format::default(),
            runs: Vec::new(),
            style: None,
            indent: None,
            table: None,
            lists: Vec::new(),
            in_image: false,
            images: 0,
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) if !self.in_image => self.text(&t),
            Event::Code(t) => {
                let code = Format {
                    code: true,
                    ..self.format
                };
                self.runs.push(code.run(&t));
            }
            Event::InlineHtml(html) => self.inline_html(&html),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self
                .runs
                .push(Run::new().add_break(BreakType::TextWrapping)),
            Event::Rule => self.flush(),
            // Block HTML (the audit's <details>, <div>) carries no text of
            // its own; the Markdown inside it is converted as usual.
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush();
                self.style = Some(heading_style(level));
            }
            Tag::Paragraph if !self.lists.is_empty() => {}
            Tag::Paragraph => self.flush(),
            Tag::BlockQuote(_) => self.indent = Some(720),
            Tag::CodeBlock(_) => {
                self.flush();
                self.format.code = true;
            }
            Tag::List(start) => {
                self.flush();
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len() as i32;
                self.indent = Some(360 * depth);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "\u{2022} ".into(),
                };
                self.runs.push(Run::new().add_text(marker));
            }
            Tag::Emphasis => self.format.italic = true,
            Tag::Strong => self.format.bold = true,
            Tag::Table(alignments) => {
                self.flush();
                self.table = Some(TableState {
                    alignments,
                    ..TableState::default()
                });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                }
            }
            Tag::TableRow | Tag::TableCell => self.runs.clear(),
            Tag::Image { dest_url, .. } => {
                self.in_image = true;
                self.image(&dest_url);
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => self.flush(),
            TagEnd::Paragraph if !self.lists.is_empty() => {}
            TagEnd::Paragraph => self.flush(),
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.indent = None;
            }
            TagEnd::CodeBlock => {
                self.flush();
                self.format.code = false;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                self.indent = None;
            }
            TagEnd::Item => self.flush(),
            TagEnd::Emphasis => self.format.italic = false,
            TagEnd::Strong => self.format.bold = false,
            TagEnd::TableCell => {
                let runs = std::mem::take(&mut self.runs);
                if let Some(t) = &mut self.table {
                    t.row.push(runs);
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.header = std::mem::take(&mut t.row);
                    t.in_head = false;
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    let docx = std::mem::take(&mut self.docx);
                    self.docx = docx.add_table(word_table(t));
                }
            }
            TagEnd::Image => self.in_image = false,
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        let bold_header = self.table.as_ref().is_some_and(|t| t.in_head);
        let format = Format {
            bold: self.format.bold || bold_header,
            ..self.format
        };
        // A code block's lines are separate lines in Word too.
        if format.code && text.contains('\n') {
            for line in text.lines() {
                self.runs.push(format.run(line));
                self.flush();
            }
            return;
        }
        self.runs.push(format.run(text));
    }

    /// The inline HTML the templates write: superscript and subscript
    /// marks, line breaks. Other tags are dropped, their text kept.
    fn inline_html(&mut self, html: &str) {
        match html.trim().to_ascii_lowercase().as_str() {
            "<sup>" => self.format.vertical = Some(VertAlignType::SuperScript),
            "<sub>" => self.format.vertical = Some(VertAlignType::SubScript),
            "</sup>" | "</sub>" => self.format.vertical = None,
            "<br>" | "<br/>" | "<br />" => self
                .runs
                .push(Run::new().add_break(BreakType::TextWrapping)),
            _ => {}
        }
    }

    /// The figure's PNG at its printed width, or its file name when the
    /// figure was not rasterized.
    fn image(&mut self, url: &str) {
        self.flush();
        let figure = self
            .figures
            .iter()
            .find(|f| url == format!("figures/{}.svg", f.name));
        let Some(f) = figure else {
            self.runs.push(Run::new().add_text(format!("[{url}]")));
            return;
        };
        self.images += 1;
        let width = (f.width_mm * EMU_PER_MM).round();
        let height = width * f64::from(f.pixels.1) / f64::from(f.pixels.0.max(1));
        let pic = Pic::new_with_dimensions(f.png.to_vec(), f.pixels.0, f.pixels.1)
            .id(format!("rIdImage{}", self.images))
            .size(width as u32, height.round() as u32);
        self.runs.push(Run::new().add_image(pic));
        self.style = Some("Figure");
    }

    /// Ends the open paragraph (or list item, heading) and adds it.
    fn flush(&mut self) {
        if self.runs.is_empty() || self.table.is_some() {
            return;
        }
        let mut p = Paragraph::new();
        if let Some(style) = self.style.take() {
            p = p.style(style);
        }
        if let Some(left) = self.indent {
            p = p.indent(Some(left), None, None, None);
        }
        for run in self.runs.drain(..) {
            p = p.add_run(run);
        }
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_paragraph(p);
    }
}

/// An empty A4 document with the manuscript's styles: Times New Roman
/// 12 pt, headings bold, tables 9 pt.
fn document() -> Docx {
    let heading = |id: &str, name: &str, size: usize| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .size(size)
            .bold()
    };
    Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(1440)
                .bottom(1440)
                .left(1440)
                .right(1440),
        )
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman"),
        )
        .default_size(24)
        .add_style(heading("Heading1", "heading 1", 32))
        .add_style(heading("Heading2", "heading 2", 28))
        .add_style(heading("Heading3", "heading 3", 26))
        .add_style(heading("Heading4", "heading 4", 24))
        .add_style(
            Style::new("Figure", StyleType::Paragraph)
                .name("Figure")
                .based_on("Normal"),
        )
        .add_style(
            Style::new("TableText", StyleType::Paragraph)
                .name("Table Text")
                .size(18),
        )
}

fn heading_style(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "Heading1",
        HeadingLevel::H2 => "Heading2",
        HeadingLevel::H3 => "Heading3",
        _ => "Heading4",
    }
}

/// Text width of an A4 page with 2.54 cm margins, in twentieths of a point.
const TEXT_WIDTH: usize = 11906 - 2 * 1440;

/// Left and right cell margins, in twips (twentieths of a point).
const CELL_MARGIN: usize = 57;

/// Table text sizes tried, in half-points (9 pt, then 8 pt for a table
/// that does not fit the page at 9 pt).
const TABLE_SIZES: [usize; 2] = [18, 16];

/// Column widths (twips) from each column's longest cell, filling the text
/// width: Word and LibreOffice otherwise give every column the same width,
/// and numbers wrap digit by digit. When the columns need more than the
/// page, the first (label) column gives way and wraps, then all shrink.
fn column_widths(t: &TableState, size: usize) -> Vec<usize> {
    // Times digits are half an em: a 9-point digit is 4.5 pt, 90 twips.
    let char_width = size * 5 + 2;
    let columns = t.alignments.len().max(t.header.len()).max(1);
    let chars = |runs: &Vec<Run>| -> usize {
        runs.iter()
            .flat_map(|r| r.children.iter())
            .map(|c| match c {
                docx_rs::RunChild::Text(t) => t.text.chars().count(),
                _ => 0,
            })
            .sum()
    };
    let mut longest = vec![3usize; columns];
    for (i, cell) in t.header.iter().enumerate().take(columns) {
        // A header may wrap onto three lines, but not inside a word; a
        // number should not wrap.
        let text: String = cell
            .iter()
            .flat_map(|r| r.children.iter())
            .filter_map(|c| match c {
                docx_rs::RunChild::Text(t) => Some(t.text.as_str()),
                _ => None,
            })
            .collect();
        let word = text
            .split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        longest[i] = longest[i].max(word.max(chars(cell).div_ceil(3)));
    }
    for row in &t.rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            longest[i] = longest[i].max(chars(cell));
        }
    }
    let mut need: Vec<usize> = longest
        .iter()
        .map(|&n| n.min(60) * char_width + 2 * CELL_MARGIN)
        .collect();
    let others: usize = need[1..].iter().sum();
    if need[0] + others > TEXT_WIDTH {
        need[0] = need[0].min(TEXT_WIDTH.saturating_sub(others).max(1300));
    }
    need
}

/// The text size and column widths of a table: 9 pt when its columns fit
/// the page, else 8 pt, the widths stretched or shrunk to the text width.
fn layout(t: &TableState) -> (usize, Vec<usize>) {
    let fits = |size: usize| column_widths(t, size).iter().sum::<usize>() <= TEXT_WIDTH;
    let size = TABLE_SIZES
        .into_iter()
        .find(|&s| fits(s))
        .unwrap_or(TABLE_SIZES[TABLE_SIZES.len() - 1]);
    let need = column_widths(t, size);
    let total: usize = need.iter().sum::<usize>().max(1);
    (size, need.iter().map(|n| TEXT_WIDTH * n / total).collect())
}

/// A Word table in the three-line layout journals print: rules above and
/// below the table and under the header row, none between columns.
fn word_table(t: TableState) -> Table {
    let (size, widths) = layout(&t);
    let rule = |p| TableBorder::new(p).size(8);
    let borders = TableBorders::with_empty()
        .set(rule(TableBorderPosition::Top))
        .set(rule(TableBorderPosition::Bottom));
    let cell = |runs: Vec<Run>, column: usize, header: bool| {
        let align = match t.alignments.get(column) {
            Some(Alignment::Right) => AlignmentType::Right,
            Some(Alignment::Center) => AlignmentType::Center,
            _ => AlignmentType::Left,
        };
        let mut p = Paragraph::new().style("TableText").align(align);
        for run in runs {
            p = p.add_run(run.size(size));
        }
        let width = widths.get(column).copied().unwrap_or(TEXT_WIDTH);
        let cell = TableCell::new()
            .add_paragraph(p)
            .width(width, WidthType::Dxa);
        if header {
            cell.set_borders(
                TableCellBorders::with_empty()
                    .set(TableCellBorder::new(TableCellBorderPosition::Bottom).size(4)),
            )
        } else {
            cell
        }
    };
    let header = TableRow::new(
        t.header
            .into_iter()
            .enumerate()
            .map(|(i, runs)| cell(runs, i, true))
            .collect(),
    )
    .cant_split();
    let mut rows = vec![header];
    for row in t.rows {
        let cells = row
            .into_iter()
            .enumerate()
            .map(|(i, runs)| cell(runs, i, false))
            .collect();
        rows.push(TableRow::new(cells).cant_split());
    }
    let margins = TableCellMargins::new()
        .margin_left(CELL_MARGIN, WidthType::Dxa)
        .margin_right(CELL_MARGIN, WidthType::Dxa);
    Table::new(rows)
        .margins(margins)
        .set_grid(widths.clone())
        .width(TEXT_WIDTH, WidthType::Dxa)
        .set_borders(borders)
}

/// Gives the paragraphs ids 1, 2, ... in document order: docx-rs takes
/// them from a counter that lives as long as the thread.
fn renumber_paragraphs(xml: &[u8]) -> Vec<u8> {
    const KEY: &[u8] = b"w14:paraId=\"";
    let mut out = Vec::with_capacity(xml.len());
    let mut rest = xml;
    let mut n = 0u32;
    while let Some(at) = find(rest, KEY) {
        let end = at + KEY.len();
        out.extend_from_slice(&rest[..end]);
        n += 1;
        out.extend_from_slice(format!("{n:08X}").as_bytes());
        let close = find(&rest[end..], b"\"").map_or(rest.len(), |c| end + c);
        rest = &rest[close..];
    }
    out.extend_from_slice(rest);
    out
}

/// Turns on Word's line numbering (every line, continuous) in the body's
/// section properties; docx-rs has no setting for it. The element goes
/// before `<w:cols`, its place in the schema's order.
fn number_lines(xml: &[u8]) -> Vec<u8> {
    let Some(at) = rfind(xml, b"<w:cols") else {
        return xml.to_vec();
    };
    let mut out = xml[..at].to_vec();
    out.extend_from_slice(br#"<w:lnNumType w:countBy="1" w:restart="continuous" />"#);
    out.extend_from_slice(&xml[at..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}
