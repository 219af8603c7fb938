//! The before/after picture of `telecluster diff`: every entity of the after window as a grey
//! dot, and each changed entity as an arrow from where it was to where it is.

use crate::diff::{Change, Diff};
use crate::matrix::Matrix;
use crate::report::plot::frame::{padded, Frame};
use crate::report::plot::scatter::ANOMALY;
use crate::report::svg::{Anchor, Shape, Svg, NEUTRAL, PALETTE};

/// Changes drawn as arrows (the most significant); the table lists them all.
pub const MAX_ARROWS: usize = 50;
/// A change drawn: the change, where it was and where it is (the two axes' values).
type Arrow<'a> = (&'a Change, (f64, f64), (f64, f64));

/// Arrows named on the picture.
const NAMED: usize = 5;

/// The two features the changes moved most along (summed |prepared move|), as indices into
/// `features`; one feature is drawn against itself.
pub fn axes(d: &Diff, features: &[String]) -> (usize, usize) {
    let mut total = vec![0.0; features.len()];
    for c in &d.changes {
        for delta in &c.deltas {
            if let Some(f) = features.iter().position(|n| *n == delta.feature) {
                total[f] += delta.prepared.abs();
            }
        }
    }
    let mut order: Vec<usize> = (0..features.len()).collect();
    order.sort_by(|&a, &b| total[b].total_cmp(&total[a]).then(a.cmp(&b)));
    let x = order.first().copied().unwrap_or(0);
    let y = order.get(1).copied().unwrap_or(x);
    let (x, y) = if y < x { (y, x) } else { (x, y) };
    (x, y)
}

/// The picture: `after` holds the after window's rows in `features`' order, original units.
pub fn moves_svg(d: &Diff, after: &Matrix, features: &[String]) -> String {
    let (fx, fy) = axes(d, features);
    let value = |v: &crate::analysis::Named, f: usize| v.0.get(f).map_or(f64::NAN, |(_, x)| *x);
    let arrows: Vec<Arrow<'_>> = d
        .changes
        .iter()
        .filter_map(|c| {
            let (b, a) = (c.before.as_ref()?, c.after.as_ref()?);
            Some((
                c,
                (value(&b.values, fx), value(&b.values, fy)),
                (value(&a.values, fx), value(&a.values, fy)),
            ))
        })
        .take(MAX_ARROWS)
        .collect();
    let finite = |v: &f64| v.is_finite();
    let xs = after
        .column(fx)
        .chain(arrows.iter().flat_map(|(_, b, a)| [b.0, a.0]))
        .filter(finite);
    let ys = after
        .column(fy)
        .chain(arrows.iter().flat_map(|(_, b, a)| [b.1, a.1]))
        .filter(finite);
    let (xr, yr) = (padded(xs), padded(ys));
    let title = "Before and after: each changed entity moves from its hollow mark to its filled one";
    let (width, height) = (860.0, 520.0);
    let frame = Frame::standard(width, height, xr, yr, false);
    let mut svg = Svg::new(width, height, title);
    frame.axes(&mut svg, title, &features[fx], &features[fy]);
    for i in 0..after.n_rows() {
        let p = (frame.px(after.get(i, fx)), frame.py(after.get(i, fy)));
        if p.0.is_finite() && p.1.is_finite() {
            svg.marker(Shape::Circle, p, 2.5, NEUTRAL, "none", 0.0, None);
        }
    }
    for (k, (c, b, a)) in arrows.iter().enumerate() {
        let colour = if c.after.as_ref().is_some_and(|s| s.anomalous) {
            ANOMALY
        } else {
            PALETTE[0]
        };
        let (pb, pa) = ((frame.px(b.0), frame.py(b.1)), (frame.px(a.0), frame.py(a.1)));
        let hover = format!("{}: {}", c.id, c.summary());
        svg.line(pb, pa, colour, 1.5);
        svg.marker(Shape::Circle, pb, 5.0, "#ffffff", colour, 1.5, Some(&hover));
        svg.marker(Shape::Circle, pa, 5.0, colour, colour, 1.0, Some(&hover));
        if k < NAMED {
            svg.text(
                (pa.0 + 8.0, pa.1 - 6.0),
                &c.id,
                12.0,
                Anchor::Start,
                0.0,
                "#111111",
                Some(&hover),
            );
        }
    }
    svg.finish()
}
