//! Pictures as PNG: the same SVG rendered with resvg, text set in DejaVu Sans embedded in the
//! binary, so no system font is needed and every machine draws the same pixels.

use std::sync::Arc;

use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/DejaVuSans-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Renders an SVG document to PNG bytes at `scale` × its size (2 gives sharp pictures on
/// high-density screens and in documents).
///
/// # Errors
/// [`Error::Render`] when the SVG cannot be parsed or the picture has no area.
///
/// ```
/// use telecluster::report::png::svg_to_png;
/// let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="2" y="15">ok</text></svg>"#;
/// let png = svg_to_png(svg, 1.0).unwrap();
/// assert!(png.starts_with(b"\x89PNG"));
/// ```
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>> {
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(FONT.to_vec());
    let options = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: Arc::new(fonts),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| Error::Render(e.to_string()))?;
    let size = tree.size();
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap =
        tiny_skia::Pixmap::new(w, h).ok_or_else(|| Error::Render(format!("a {w} x {h} picture has no area")))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| Error::Render(e.to_string()))
}
