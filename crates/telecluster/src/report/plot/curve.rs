//! Line plots: the elbow curve (inertia and silhouette by k, the knee and the chosen k) and the
//! k-distance curve (with the eps it suggests).

use crate::format::human;
use crate::report::plot::frame::{padded, Frame};
use crate::report::svg::{Anchor, Shape, Svg, PALETTE};
use crate::select::elbow::Elbow;
use crate::select::kdist::KDistance;

/// The elbow curve: inertia (left axis) and mean silhouette (right axis) for every k, the knee
/// and the chosen k marked.
pub fn elbow_svg(e: &Elbow, title: &str) -> String {
    let (width, height) = (720.0, 420.0);
    let ks: Vec<f64> = e.k.iter().map(|&k| k as f64).collect();
    let frame = Frame::standard(
        width,
        height,
        padded(ks.iter().copied()),
        padded(e.inertia.iter().copied().chain([0.0])),
        true,
    );
    let mut svg = Svg::new(width, height, title);
    frame.axes(
        &mut svg,
        title,
        "k (number of groups)",
        "inertia (sum of squared distances)",
    );
    let sil_range = (0.0, 1.0);
    let (c_in, c_sil) = (PALETTE[0], PALETTE[5]);
    frame.right_axis(&mut svg, sil_range, "mean silhouette", c_sil);
    let mark = |svg: &mut Svg, k: usize, text: &str, dy: f64| {
        let x = frame.px(k as f64);
        svg.dashed((x, frame.top), (x, frame.top + frame.height), "#555555", 1.0);
        svg.text(
            (x + 4.0, frame.top + 12.0 + dy),
            text,
            10.5,
            Anchor::Start,
            0.0,
            "#000000",
            None,
        );
    };
    if let Some(k) = e.knee {
        mark(&mut svg, k, &format!("knee: k = {k}"), 0.0);
    }
    if e.knee != Some(e.chosen) {
        mark(&mut svg, e.chosen, &format!("chosen: k = {}", e.chosen), 14.0);
    } else {
        svg.text(
            (frame.px(e.chosen as f64) + 4.0, frame.top + 26.0),
            "(chosen)",
            10.5,
            Anchor::Start,
            0.0,
            "#000000",
            None,
        );
    }
    inertia_curve(&mut svg, &frame, &ks, &e.inertia, c_in);
    silhouette_curve(&mut svg, &frame, &ks, &e.silhouette, (c_sil, sil_range));
    svg.finish()
}

/// The inertia of each k, as a line with a marker per k.
fn inertia_curve(svg: &mut Svg, frame: &Frame, ks: &[f64], inertia: &[f64], c_in: &str) {
    let line: Vec<(f64, f64)> = ks
        .iter()
        .zip(inertia)
        .map(|(&k, &v)| (frame.px(k), frame.py(v)))
        .collect();
    svg.polyline(&line, c_in, 2.0, Some("inertia"));
    for (&k, &v) in ks.iter().zip(inertia) {
        svg.marker(
            Shape::Circle,
            (frame.px(k), frame.py(v)),
            3.5,
            c_in,
            "#ffffff",
            0.8,
            Some(&format!("k = {k}: inertia {}", human(v))),
        );
    }
}

/// The mean silhouette of each k (from k = 2) on the right axis.
fn silhouette_curve(svg: &mut Svg, frame: &Frame, ks: &[f64], silhouette: &[Option<f64>], style: (&str, (f64, f64))) {
    let (c_sil, sil_range) = style;
    let sil: Vec<(f64, f64, f64)> = ks
        .iter()
        .zip(silhouette)
        .filter_map(|(&k, s)| s.map(|s| (k, s)))
        .map(|(k, s)| (k, s, frame.py_right(s.clamp(0.0, 1.0), sil_range)))
        .collect();
    if sil.len() > 1 {
        let pts: Vec<(f64, f64)> = sil.iter().map(|&(k, _, y)| (frame.px(k), y)).collect();
        svg.polyline(&pts, c_sil, 2.0, Some("mean silhouette"));
    }
    for &(k, s, y) in &sil {
        svg.marker(
            Shape::Square,
            (frame.px(k), y),
            3.5,
            c_sil,
            "#ffffff",
            0.8,
            Some(&format!("k = {k}: silhouette {s:.3}")),
        );
    }
}

/// The k-distance curve: every row's distance to its k-th nearest other row, ascending, with
/// the knee and the chosen eps marked.
pub fn kdist_svg(c: &KDistance, eps: f64, title: &str) -> String {
    let (width, height) = (720.0, 420.0);
    let n = c.sorted.len();
    let frame = Frame::standard(
        width,
        height,
        padded([0.0, n.saturating_sub(1) as f64]),
        padded(c.sorted.iter().copied().chain([0.0, eps])),
        false,
    );
    let mut svg = Svg::new(width, height, title);
    let y_label = format!("distance to the {}-th nearest row (scaled units)", c.k);
    frame.axes(&mut svg, title, "rows, sorted by that distance", &y_label);
    // At most ~600 points on the line: neighbours closer than a pixel add nothing.
    let step = (n / 600).max(1);
    let mut pts: Vec<(f64, f64)> = (0..n)
        .step_by(step)
        .map(|i| (frame.px(i as f64), frame.py(c.sorted[i])))
        .collect();
    if n > 0 && !(n - 1).is_multiple_of(step) {
        pts.push((frame.px((n - 1) as f64), frame.py(c.sorted[n - 1])));
    }
    svg.polyline(&pts, PALETTE[0], 2.0, Some("k-distance"));
    let y = frame.py(eps);
    svg.dashed((frame.left, y), (frame.left + frame.width, y), PALETTE[5], 1.5);
    svg.text(
        (frame.left + 6.0, y - 5.0),
        &format!("eps = {}", human(eps)),
        11.0,
        Anchor::Start,
        0.0,
        PALETTE[5],
        None,
    );
    if let Some(i) = c.knee {
        let at = (frame.px(i as f64), frame.py(c.sorted[i]));
        svg.marker(
            Shape::Circle,
            at,
            5.0,
            PALETTE[5],
            "#ffffff",
            1.0,
            Some(&format!("knee: row {} of {n}", i + 1)),
        );
        svg.text(
            (at.0 - 8.0, at.1 - 8.0),
            "knee",
            11.0,
            Anchor::End,
            0.0,
            "#000000",
            None,
        );
    }
    svg.finish()
}
