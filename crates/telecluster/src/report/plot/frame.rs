//! The frame every x/y plot shares: data ranges mapped to pixels, axes with round ticks, and
//! axis titles with the units read from column names ([`crate::format::axis_label`]).

use crate::format::human;
use crate::report::svg::{ticks, Anchor, Svg};

/// Plot area and data ranges.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// Left edge of the plot area (pixels).
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width of the plot area.
    pub width: f64,
    /// Height of the plot area.
    pub height: f64,
    /// Data range shown along x.
    pub x: (f64, f64),
    /// Data range shown along y.
    pub y: (f64, f64),
}

/// A range that covers `values` with 4 % to spare on each side (a unit around a single value).
pub fn padded(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi <= lo {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = 0.04 * (hi - lo);
    (lo - pad, hi + pad)
}

impl Frame {
    /// The standard frame of a `width × height` picture with room for titles and ticks.
    pub fn standard(width: f64, height: f64, x: (f64, f64), y: (f64, f64), right_axis: bool) -> Frame {
        let right = if right_axis { 64.0 } else { 24.0 };
        Frame {
            left: 76.0,
            top: 40.0,
            width: width - 76.0 - right,
            height: height - 40.0 - 56.0,
            x,
            y,
        }
    }

    /// Pixel column of data x.
    pub fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x.0) / (self.x.1 - self.x.0) * self.width
    }

    /// Pixel row of data y.
    pub fn py(&self, y: f64) -> f64 {
        self.top + self.height - (y - self.y.0) / (self.y.1 - self.y.0) * self.height
    }

    /// Pixel row of `y` on a right axis spanning `range`.
    pub fn py_right(&self, y: f64, range: (f64, f64)) -> f64 {
        self.top + self.height - (y - range.0) / (range.1 - range.0) * self.height
    }

    /// The box, the ticks and the axis titles.
    pub fn axes(&self, svg: &mut Svg, title: &str, x_label: &str, y_label: &str) {
        let (l, t, w, h) = (self.left, self.top, self.width, self.height);
        svg.rect((l, t), (w, h), "#fafafa", None);
        svg.polyline(&[(l, t), (l, t + h), (l + w, t + h)], "#333333", 1.0, None);
        svg.text((l + w / 2.0, 24.0), title, 14.0, Anchor::Middle, 0.0, "#000000", None);
        for v in ticks(self.x.0, self.x.1, 6) {
            let x = self.px(v);
            svg.line((x, t + h), (x, t + h + 4.0), "#333333", 1.0);
            svg.text((x, t + h + 16.0), &human(v), 10.0, Anchor::Middle, 0.0, "#000000", None);
        }
        for v in ticks(self.y.0, self.y.1, 5) {
            let y = self.py(v);
            svg.line((l - 4.0, y), (l, y), "#333333", 1.0);
            svg.line((l, y), (l + w, y), "#e6e6e6", 1.0);
            svg.text((l - 6.0, y + 3.5), &human(v), 10.0, Anchor::End, 0.0, "#000000", None);
        }
        svg.text(
            (l + w / 2.0, t + h + 38.0),
            x_label,
            12.0,
            Anchor::Middle,
            0.0,
            "#000000",
            None,
        );
        svg.text(
            (18.0, t + h / 2.0),
            y_label,
            12.0,
            Anchor::Middle,
            -90.0,
            "#000000",
            None,
        );
    }

    /// A second y axis on the right, for a series on another scale.
    pub fn right_axis(&self, svg: &mut Svg, range: (f64, f64), label: &str, colour: &str) {
        let x = self.left + self.width;
        svg.line((x, self.top), (x, self.top + self.height), colour, 1.0);
        for v in ticks(range.0, range.1, 5) {
            let y = self.py_right(v, range);
            svg.line((x, y), (x + 4.0, y), colour, 1.0);
            svg.text((x + 6.0, y + 3.5), &human(v), 10.0, Anchor::Start, 0.0, colour, None);
        }
        svg.text(
            (x + 50.0, self.top + self.height / 2.0),
            label,
            12.0,
            Anchor::Middle,
            -90.0,
            colour,
            None,
        );
    }
}
