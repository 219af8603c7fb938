//! A minimal SVG writer: the few shapes the plots need, every string escaped, every number
//! written with a fixed precision so the same picture is the same bytes.

use std::fmt::Write;

/// Colours for clusters: the Okabe–Ito palette (black, kept for axes and text, replaced by
/// Tol's wine), distinct for the common colour-vision deficiencies, ordered so neighbours also
/// differ in lightness (grey-scale prints).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#882255",
];

/// Neutral grey for what belongs to no cluster (links above a threshold, noise).
pub const NEUTRAL: &str = "#7f7f7f";

/// Escapes text for SVG and HTML content and attribute values.
///
/// ```
/// use telecluster::report::svg::escape;
/// assert_eq!(escape("<script>\"a\" & 'b'</script>"), "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with two decimals, trailing zeros dropped (`-0` written as `0`).
pub fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// Points as an SVG `points` list: `x,y x,y ...`.
fn points(pts: &[(f64, f64)]) -> String {
    pts.iter()
        .map(|&(x, y)| format!("{},{}", num(x), num(y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where text sits relative to its anchor point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Text starts at the point.
    Start,
    /// Text is centred on the point.
    Middle,
    /// Text ends at the point.
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// Point marker shapes: one per cluster, so groups stay apart in grey-scale too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A disc.
    Circle,
    /// A square.
    Square,
    /// An upward triangle.
    Triangle,
    /// A diamond.
    Diamond,
    /// An ×, for centroids and noise.
    Cross,
}

/// The marker of cluster `i`: shapes cycle independently of the colours.
pub fn shape_of(i: usize) -> Shape {
    [Shape::Circle, Shape::Square, Shape::Triangle, Shape::Diamond][i % 4]
}

/// An SVG document being written.
pub struct Svg {
    out: String,
}

impl Svg {
    /// A `width × height` picture (pixels) with a white background and `title` for screen
    /// readers.
    pub fn new(width: f64, height: f64, title: &str) -> Svg {
        let mut out = String::new();
        let (w, h) = (num(width), num(height));
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             role=\"img\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n<title>{}</title>\n\
             <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
            escape(title)
        );
        Svg { out }
    }

    /// A straight line.
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, width: f64) {
        let _ = writeln!(
            self.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            num(width)
        );
    }

    /// An open path through `points`, with an optional hover title.
    pub fn polyline(&mut self, pts: &[(f64, f64)], stroke: &str, width: f64, title: Option<&str>) {
        let _ = write!(
            self.out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{}\"",
            points(pts),
            num(width)
        );
        self.close("polyline", title);
    }

    /// A rectangle, with an optional hover title.
    pub fn rect(&mut self, (x, y): (f64, f64), (w, h): (f64, f64), fill: &str, title: Option<&str>) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"",
            num(x),
            num(y),
            num(w),
            num(h)
        );
        self.close("rect", title);
    }

    /// Text at `(x, y)`, turned by `rotate` degrees about that point, with an optional hover
    /// title.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        (x, y): (f64, f64),
        text: &str,
        size: f64,
        anchor: Anchor,
        rotate: f64,
        fill: &str,
        title: Option<&str>,
    ) {
        let turn = if rotate == 0.0 {
            String::new()
        } else {
            format!(" transform=\"rotate({} {} {})\"", num(rotate), num(x), num(y))
        };
        let _ = write!(
            self.out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{}\" fill=\"{fill}\"{turn}>",
            num(x),
            num(y),
            num(size),
            anchor.as_str()
        );
        if let Some(t) = title {
            let _ = write!(self.out, "<title>{}</title>", escape(t));
        }
        let _ = writeln!(self.out, "{}</text>", escape(text));
    }

    /// A point marker of `shape` centred at `(x, y)`, `r` pixels in radius.
    #[allow(clippy::too_many_arguments)]
    pub fn marker(
        &mut self,
        shape: Shape,
        (x, y): (f64, f64),
        r: f64,
        fill: &str,
        stroke: &str,
        stroke_width: f64,
        title: Option<&str>,
    ) {
        let paint = format!("stroke=\"{stroke}\" stroke-width=\"{}\"", num(stroke_width));
        let polygon = |pts: &[(f64, f64)]| format!("points=\"{}\" fill=\"{fill}\"", points(pts));
        let (tag, shape_attrs) = match shape {
            Shape::Circle => (
                "circle",
                format!("cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\"", num(x), num(y), num(r)),
            ),
            Shape::Square => (
                "polygon",
                polygon(&[(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]),
            ),
            Shape::Triangle => (
                "polygon",
                polygon(&[(x, y - 1.2 * r), (x + 1.1 * r, y + 0.8 * r), (x - 1.1 * r, y + 0.8 * r)]),
            ),
            Shape::Diamond => (
                "polygon",
                polygon(&[(x, y - 1.3 * r), (x + 1.3 * r, y), (x, y + 1.3 * r), (x - 1.3 * r, y)]),
            ),
            Shape::Cross => (
                "path",
                format!(
                    "d=\"M{} {}L{} {}M{} {}L{} {}\" fill=\"none\"",
                    num(x - r),
                    num(y - r),
                    num(x + r),
                    num(y + r),
                    num(x - r),
                    num(y + r),
                    num(x + r),
                    num(y - r)
                ),
            ),
        };
        let _ = write!(self.out, "<{tag} {shape_attrs} {paint}");
        self.close(tag, title);
    }

    /// A dashed straight line.
    pub fn dashed(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, width: f64) {
        let _ = writeln!(
            self.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"{}\" stroke-dasharray=\"5 4\"/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            num(width)
        );
    }

    /// Ends the element `tag` opened last: empty, or holding a hover title.
    fn close(&mut self, tag: &str, title: Option<&str>) {
        match title {
            Some(t) => {
                let _ = writeln!(self.out, "><title>{}</title></{tag}>", escape(t));
            }
            None => self.out.push_str("/>\n"),
        }
    }

    /// Closes the document.
    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// About `target` round tick values covering `lo..=hi` (steps of 1, 2 or 5 × 10^k).
///
/// ```
/// use telecluster::report::svg::ticks;
/// assert_eq!(ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
/// assert_eq!(ticks(0.0, 0.0, 5), vec![0.0]);
/// ```
pub fn ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}
