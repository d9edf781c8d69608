//! Print figures: each SVG rasterized at a physical width and resolution,
//! encoded as PNG and TIFF with the resolution recorded in the file, as
//! journals ask (300-1200 ppi, 84 mm one column, 174 mm two columns).
//!
//! The rasterizer is resvg (linebender; pure Rust, no system libraries)
//! with DejaVu Sans embedded in the binary and no system fonts loaded, so
//! the pixels are the same on every machine. The SVGs name the generic
//! `sans-serif` family, which is mapped to the embedded face.

use crate::error::{Error, Result};
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg;

/// A figure rasterized for print: its PNG (always: the DOCX embeds it) and,
/// when asked for, its TIFF.
#[derive(Debug, Clone)]
pub struct Printed {
    /// The figure's file stem.
    pub name: String,
    /// Pixel size.
    pub pixels: (u32, u32),
    /// PNG bytes.
    pub png: Vec<u8>,
    /// TIFF bytes, when `[output] figure-formats` lists "tiff".
    pub tiff: Option<Vec<u8>>,
}

/// Rasterizes every figure at `width_mm` and `dpi` (on all cores; each
/// figure's bytes depend on it alone).
pub fn print_all(
    figures: &[super::Figure],
    width_mm: f64,
    dpi: u32,
    tiff_too: bool,
) -> Result<Vec<Printed>> {
    use rayon::prelude::*;
    figures
        .par_iter()
        .map(|f| {
            let raster = rasterize(&f.name, &f.svg, width_mm, dpi)?;
            Ok(Printed {
                name: f.name.clone(),
                pixels: (raster.width, raster.height),
                png: png(&raster)?,
                tiff: if tiff_too { Some(tiff(&raster)?) } else { None },
            })
        })
        .collect()
}

/// Millimetres per inch.
const MM_PER_INCH: f64 = 25.4;

/// A figure's pixels at print size: opaque RGB, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Width in pixels (`width_mm / 25.4 * dpi`, rounded).
    pub width: u32,
    /// Height in pixels (the SVG's aspect ratio kept).
    pub height: u32,
    /// Pixels per inch, recorded in the PNG and TIFF.
    pub dpi: u32,
    /// `width * height * 3` bytes, RGB.
    pub rgb: Vec<u8>,
}

/// Pixel width of `width_mm` at `dpi`.
pub fn pixels(width_mm: f64, dpi: u32) -> u32 {
    (width_mm / MM_PER_INCH * f64::from(dpi)).round().max(1.0) as u32
}

/// Rasterizes the SVG `svg` of figure `name` to `width_mm` at `dpi`, on
/// white.
pub fn rasterize(name: &str, svg: &str, width_mm: f64, dpi: u32) -> Result<Raster> {
    let tree =
        usvg::Tree::from_str(svg, &super::metrics::options()).map_err(|e| Error::Output {
            file: format!("figures/{name}.svg"),
            message: e.to_string(),
        })?;
    let size = tree.size();
    let width = pixels(width_mm, dpi);
    let scale = width as f32 / size.width();
    let height = (size.height() * scale).round().max(1.0) as u32;
    let mut pixmap = Pixmap::new(width, height).ok_or_else(|| Error::Output {
        file: format!("figures/{name}.png"),
        message: format!("a {width} x {height} pixel image is too large; lower [output] dpi"),
    })?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // Drawn on opaque white, so the premultiplied colour is the colour.
    let data = pixmap.data();
    let mut rgb = vec![0u8; data.len() / 4 * 3];
    for (to, from) in rgb.chunks_exact_mut(3).zip(data.chunks_exact(4)) {
        to.copy_from_slice(&from[..3]);
    }
    Ok(Raster {
        width,
        height,
        dpi,
        rgb,
    })
}

/// PNG with the resolution in its `pHYs` chunk (pixels per metre).
pub fn png(raster: &Raster) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let fail = |e: png::EncodingError| Error::Output {
        file: "PNG figure".into(),
        message: e.to_string(),
    };
    {
        let mut encoder = png::Encoder::new(&mut out, raster.width, raster.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let per_metre = (f64::from(raster.dpi) / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder.write_header().map_err(fail)?;
        writer.write_image_data(&raster.rgb).map_err(fail)?;
        writer.finish().map_err(fail)?;
    }
    Ok(out)
}

/// LZW-compressed RGB TIFF with `XResolution`/`YResolution` in pixels per
/// inch (LZW is the compression every journal system reads).
pub fn tiff(raster: &Raster) -> Result<Vec<u8>> {
    use tiff::encoder::{Compression, Rational, TiffEncoder, colortype::RGB8};
    use tiff::tags::ResolutionUnit;
    let fail = |e: tiff::TiffError| Error::Output {
        file: "TIFF figure".into(),
        message: e.to_string(),
    };
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut encoder = TiffEncoder::new(&mut out)
            .map_err(fail)?
            .with_compression(Compression::Lzw);
        let mut image = encoder
            .new_image::<RGB8>(raster.width, raster.height)
            .map_err(fail)?;
        let dpi = Rational {
            n: raster.dpi,
            d: 1,
        };
        image.resolution_unit(ResolutionUnit::Inch);
        image.x_resolution(dpi.clone());
        image.y_resolution(dpi);
        image.write_data(&raster.rgb).map_err(fail)?;
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r##"<svg width="100" height="50" viewBox="0 0 100 50" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="50" height="50" fill="#000000"/><text x="75" y="30" font-family="sans-serif" font-size="13">Ab</text></svg>"##;

    #[test]
    fn pixel_size_is_width_in_inches_times_dpi() {
        // 84 mm at 600 ppi: 84 / 25.4 * 600 = 1984.25 -> 1984.
        assert_eq!(pixels(84.0, 600), 1984);
        assert_eq!(pixels(174.0, 300), 2055);
        let r = rasterize("square", SQUARE, 25.4, 300).unwrap();
        assert_eq!((r.width, r.height), (300, 150));
        assert_eq!(r.rgb.len(), 300 * 150 * 3);
        // The left half is the black square, the far right corner white.
        assert_eq!(&r.rgb[..3], &[0, 0, 0]);
        assert_eq!(&r.rgb[(300 * 3 - 3)..(300 * 3)], &[255, 255, 255]);
    }

    #[test]
    fn text_is_drawn_with_the_embedded_font() {
        let r = rasterize("square", SQUARE, 25.4, 300).unwrap();
        let right_half_dark = (0..150u32)
            .flat_map(|y| (160..300u32).map(move |x| (x, y)))
            .filter(|&(x, y)| r.rgb[((y * 300 + x) * 3) as usize] < 128)
            .count();
        assert!(right_half_dark > 50, "no glyph pixels: {right_half_dark}");
    }

    #[test]
    fn png_records_the_resolution() {
        let r = rasterize("square", SQUARE, 25.4, 600).unwrap();
        let bytes = png(&r).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (600, 300));
        let dims = info.pixel_dims.unwrap();
        // 600 ppi = 23622 pixels per metre.
        assert_eq!((dims.xppu, dims.unit), (23622, png::Unit::Meter));
    }

    #[test]
    fn tiff_records_the_resolution() {
        let r = rasterize("square", SQUARE, 25.4, 1200).unwrap();
        let bytes = tiff(&r).unwrap();
        let mut decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(decoder.dimensions().unwrap(), (1200, 600));
        let x = decoder.get_tag(tiff::tags::Tag::XResolution).unwrap();
        assert_eq!(x, tiff::decoder::ifd::Value::Rational(1200, 1));
        let unit = decoder
            .get_tag_u32(tiff::tags::Tag::ResolutionUnit)
            .unwrap();
        assert_eq!(unit, 2, "2 = inch");
    }

    #[test]
    fn rasters_are_identical_across_runs() {
        let a = png(&rasterize("square", SQUARE, 84.0, 300).unwrap()).unwrap();
        let b = png(&rasterize("square", SQUARE, 84.0, 300).unwrap()).unwrap();
        assert_eq!(a, b);
    }
}
