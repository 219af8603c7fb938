//! Scatter plots: the raw telemetry, K-Means groups with their centroids, DBSCAN groups with
//! the anomalies drawn apart and the top ones named.

use crate::format::human;
use crate::matrix::Matrix;
use crate::report::plot::frame::{padded, Frame};
use crate::report::svg::{shape_of, Anchor, Shape, Svg, PALETTE};

/// Colour of anomalies (DBSCAN noise): Okabe–Ito vermillion-red, with a cross shape.
pub const ANOMALY: &str = "#C0392B";

/// What a scatter plot shows.
#[derive(Clone, Debug, Default)]
pub struct ScatterPlot<'a> {
    /// The picture's title.
    pub title: String,
    /// Title of the x axis.
    pub x_label: String,
    /// Title of the y axis.
    pub y_label: String,
    /// The points (n × 2).
    pub points: Option<&'a Matrix>,
    /// Group of each point: `Some(g)`, or `None` for an anomaly. One colour for all when unset.
    pub groups: Option<&'a [Option<u32>]>,
    /// Legend text of each group.
    pub group_names: Vec<String>,
    /// Group centres (k × 2), drawn as large crosses.
    pub centres: Option<&'a Matrix>,
    /// Points to name on the picture: (row, text).
    pub callouts: Vec<(usize, String)>,
    /// Hover text of each point.
    pub hover: Option<&'a [String]>,
}

/// Draws the scatter plot as an SVG document.
///
/// ```
/// use telecluster::report::plot::scatter::{scatter_svg, ScatterPlot};
/// use telecluster::Matrix;
/// let pts = Matrix::from_rows(&[[1.0, 2.0], [3.0, 1.0]]).unwrap();
/// let svg = scatter_svg(&ScatterPlot { points: Some(&pts), title: "t".into(), ..Default::default() });
/// assert_eq!(svg.matches("<circle").count(), 2);
/// ```
pub fn scatter_svg(p: &ScatterPlot<'_>) -> String {
    let empty = Matrix::zeros(0, 2);
    let pts = p.points.unwrap_or(&empty);
    let legend = !p.group_names.is_empty() || p.groups.is_some_and(|g| g.iter().any(Option::is_none));
    let (width, height) = (if legend { 860.0 } else { 720.0 }, 480.0);
    let centres = p
        .centres
        .map(|c| c.column(0).zip(c.column(1)).collect::<Vec<_>>())
        .unwrap_or_default();
    let xr = padded(pts.column(0).chain(centres.iter().map(|c| c.0)));
    let yr = padded(pts.column(1).chain(centres.iter().map(|c| c.1)));
    let mut frame = Frame::standard(width, height, xr, yr, false);
    if legend {
        frame.width -= 140.0;
    }
    let mut svg = Svg::new(width, height, &p.title);
    frame.axes(&mut svg, &p.title, &p.x_label, &p.y_label);
    points(&mut svg, &frame, p, pts);
    for (j, &(cx, cy)) in centres.iter().enumerate() {
        let at = (frame.px(cx), frame.py(cy));
        let title = format!("centre of group {j}: {}, {}", human(cx), human(cy));
        svg.marker(Shape::Cross, at, 9.0, "none", "#ffffff", 6.0, None);
        svg.marker(Shape::Cross, at, 9.0, "none", "#000000", 3.0, Some(&title));
    }
    for (i, text) in &p.callouts {
        if *i >= pts.n_rows() {
            continue;
        }
        let (x, y) = (frame.px(pts.get(*i, 0)), frame.py(pts.get(*i, 1)));
        let anchor = if x > frame.left + frame.width * 0.7 {
            Anchor::End
        } else {
            Anchor::Start
        };
        let dx = if anchor == Anchor::End { -7.0 } else { 7.0 };
        svg.text(
            (x + dx, y - 5.0),
            text,
            9.5,
            anchor,
            0.0,
            "#000000",
            Some(&hover(p, pts, *i)),
        );
    }
    if legend {
        draw_legend(&mut svg, &frame, p, !centres.is_empty());
    }
    svg.finish()
}

/// A point's hover title: its name, if any, and its coordinates.
fn hover(p: &ScatterPlot<'_>, pts: &Matrix, i: usize) -> String {
    let base = format!("{}, {}", human(pts.get(i, 0)), human(pts.get(i, 1)));
    match p.hover.and_then(|h| h.get(i)) {
        Some(h) => format!("{h}: {base}"),
        None => base,
    }
}

/// The points: groups first, anomalies on top so they are never hidden.
fn points(svg: &mut Svg, frame: &Frame, p: &ScatterPlot<'_>, pts: &Matrix) {
    for pass in [false, true] {
        for i in 0..pts.n_rows() {
            let g = p.groups.map_or(Some(0), |gs| gs[i]);
            if g.is_none() != pass {
                continue;
            }
            let at = (frame.px(pts.get(i, 0)), frame.py(pts.get(i, 1)));
            let title = hover(p, pts, i);
            match g {
                Some(g) => {
                    let colour = PALETTE[g as usize % PALETTE.len()];
                    svg.marker(shape_of(g as usize), at, 3.2, colour, "#ffffff", 0.6, Some(&title));
                }
                None => svg.marker(Shape::Cross, at, 4.0, "none", ANOMALY, 2.0, Some(&title)),
            }
        }
    }
}

/// The legend right of the plot: each group's marker and name, then the anomaly and centroid
/// markers when the picture has them.
fn draw_legend(svg: &mut Svg, frame: &Frame, p: &ScatterPlot<'_>, centroids: bool) {
    let x = frame.left + frame.width + 18.0;
    let mut y = frame.top + 8.0;
    for (g, name) in p.group_names.iter().enumerate() {
        svg.marker(
            shape_of(g),
            (x + 5.0, y),
            4.0,
            PALETTE[g % PALETTE.len()],
            "#ffffff",
            0.6,
            None,
        );
        svg.text((x + 16.0, y + 4.0), name, 11.0, Anchor::Start, 0.0, "#000000", None);
        y += 20.0;
    }
    if p.groups.is_some_and(|g| g.iter().any(Option::is_none)) {
        svg.marker(Shape::Cross, (x + 5.0, y), 4.0, "none", ANOMALY, 2.0, None);
        svg.text(
            (x + 16.0, y + 4.0),
            "anomaly",
            11.0,
            Anchor::Start,
            0.0,
            "#000000",
            None,
        );
        y += 20.0;
    }
    if centroids {
        svg.marker(Shape::Cross, (x + 5.0, y), 5.0, "none", "#000000", 2.5, None);
        svg.text(
            (x + 16.0, y + 4.0),
            "centroid",
            11.0,
            Anchor::Start,
            0.0,
            "#000000",
            None,
        );
    }
}
