//! The dendrogram picture: scipy's `dendrogram` drawn as SVG, laid out without recursion.
//!
//! Leaves are in scipy's order (each merge's `a` side left of its `b` side). Links lower than
//! the colour threshold take the colour of their subtree (one colour per group under the
//! threshold, left to right); links at or above it are grey, as in scipy. Above
//! [`AUTO_TRUNCATE_ABOVE`] rows the picture shows only the last [`AUTO_LASTP`] clusters
//! (scipy's `truncate_mode='lastp'`), each contracted leaf labelled with its row count.

use crate::cluster::linkage::Dendrogram;
use crate::format::human;
use crate::report::svg::{ticks, Anchor, Svg, NEUTRAL, PALETTE};

/// Rows above which [`Truncate::Auto`] contracts the tree.
pub const AUTO_TRUNCATE_ABOVE: usize = 60;
/// Leaves shown by [`Truncate::Auto`] when it contracts.
pub const AUTO_LASTP: usize = 30;

/// How much of the tree to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truncate {
    /// Every leaf up to [`AUTO_TRUNCATE_ABOVE`] rows, else the last [`AUTO_LASTP`] clusters.
    Auto,
    /// Every leaf.
    Off,
    /// The last `p` clusters formed (scipy's `lastp`).
    LastP(usize),
}

/// What to draw besides the tree.
#[derive(Clone, Debug)]
pub struct DendrogramPlot<'a> {
    /// A label per row (entity ids); row numbers when `None`.
    pub labels: Option<&'a [String]>,
    /// Links below this height are coloured by subtree; `None` is scipy's default, 0.7 × the
    /// largest height; zero or less colours nothing.
    pub color_threshold: Option<f64>,
    /// How much of the tree to draw.
    pub truncate: Truncate,
    /// The picture's title.
    pub title: String,
}

impl Default for DendrogramPlot<'_> {
    fn default() -> Self {
        DendrogramPlot {
            labels: None,
            color_threshold: None,
            truncate: Truncate::Auto,
            title: "Dendrogram".into(),
        }
    }
}

/// The visible leaves, left to right: row numbers (< n) and contracted clusters (≥ n).
pub fn visible_leaves(tree: &Dendrogram, truncate: Truncate) -> Vec<usize> {
    let n = tree.n_observations();
    let cutoff = cutoff(n, truncate);
    if n == 1 {
        return vec![0];
    }
    let mut out = Vec::new();
    let mut stack = vec![2 * n - 2];
    while let Some(id) = stack.pop() {
        if id < cutoff {
            out.push(id);
        } else {
            let m = tree.merges()[id - n];
            stack.push(m.b);
            stack.push(m.a);
        }
    }
    out
}

/// Cluster ids below this are drawn as leaves.
fn cutoff(n: usize, truncate: Truncate) -> usize {
    let p = match truncate {
        Truncate::Off => n,
        Truncate::Auto if n > AUTO_TRUNCATE_ABOVE => AUTO_LASTP,
        Truncate::Auto => n,
        Truncate::LastP(p) => p.max(1),
    };
    if p >= n {
        n
    } else {
        2 * n - p
    }
}

/// The colour threshold that applies: the given one, or 0.7 × the largest height.
pub fn color_threshold(tree: &Dendrogram, given: Option<f64>) -> f64 {
    given.unwrap_or_else(|| 0.7 * tree.merges().iter().map(|m| m.height).fold(0.0, f64::max))
}

/// scipy's label font sizes by leaf count.
fn font_size(leaves: usize) -> f64 {
    match leaves {
        0..=20 => 12.0,
        21..=30 => 10.0,
        31..=50 => 8.0,
        51..=85 => 6.0,
        _ => 5.0,
    }
}

/// Draws the dendrogram as an SVG document.
///
/// ```
/// use telecluster::cluster::linkage::{LinkageParams, Method};
/// use telecluster::report::plot::dendrogram::{dendrogram_svg, DendrogramPlot};
/// use telecluster::Matrix;
/// let x = Matrix::from_rows(&[[0.0], [1.0], [10.0], [12.0]]).unwrap();
/// let tree = LinkageParams::new(Method::Ward).check().unwrap().fit(&x).unwrap();
/// let svg = dendrogram_svg(&tree, &DendrogramPlot::default());
/// assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
/// ```
pub fn dendrogram_svg(tree: &Dendrogram, opts: &DendrogramPlot<'_>) -> String {
    let frame = Frame::new(tree, opts);
    let mut svg = Svg::new(frame.width, frame.height, &opts.title);
    svg.text(
        (frame.width / 2.0, 22.0),
        &opts.title,
        14.0,
        Anchor::Middle,
        0.0,
        "#000000",
        None,
    );
    frame.axis(&mut svg, tree);
    let x = frame.positions(tree);
    let colour = link_colours(tree, frame.cut, color_threshold(tree, opts.color_threshold));
    frame.links(&mut svg, tree, opts.labels, &x, &colour);
    if frame.show_labels {
        frame.leaf_labels(&mut svg, tree, opts.labels, &x);
    }
    svg.finish()
}

/// Where everything goes: the visible leaves, their spacing, and the scales.
struct Frame {
    n: usize,
    /// Clusters below this id are not drawn (contracted into leaves).
    cut: usize,
    leaves: Vec<usize>,
    font: f64,
    spacing: f64,
    show_labels: bool,
    left: f64,
    top: f64,
    plot_h: f64,
    scale_h: f64,
    offset: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn new(tree: &Dendrogram, opts: &DendrogramPlot<'_>) -> Frame {
        let n = tree.n_observations();
        let leaves = visible_leaves(tree, opts.truncate);
        let font = font_size(leaves.len());
        let spacing = (2400.0 / leaves.len() as f64).clamp(1.0, 16.0);
        let show_labels = spacing >= 5.0;
        let longest = if show_labels {
            leaves
                .iter()
                .map(|&l| leaf_label(tree, l, opts.labels).chars().count())
                .max()
                .unwrap_or(1)
                .min(40)
        } else {
            0
        };
        let (left, right, top) = (72.0, 24.0, 36.0);
        let bottom = 24.0 + longest as f64 * font * 0.62;
        let plot_w = (leaves.len() as f64 * spacing).max(360.0);
        let plot_h = 300.0;
        let top_h = tree.merges().iter().map(|m| m.height).fold(0.0, f64::max);
        Frame {
            n,
            cut: cutoff(n, opts.truncate),
            offset: left + (plot_w - leaves.len() as f64 * spacing) / 2.0 + spacing / 2.0,
            leaves,
            font,
            spacing,
            show_labels,
            left,
            top,
            plot_h,
            scale_h: if top_h > 0.0 { top_h * 1.05 } else { 1.0 },
            width: left + plot_w + right,
            height: top + plot_h + bottom,
        }
    }

    fn y_of(&self, h: f64) -> f64 {
        self.top + self.plot_h - h / self.scale_h * self.plot_h
    }

    /// The height axis, with ticks and its title.
    fn axis(&self, svg: &mut Svg, tree: &Dendrogram) {
        let (left, top, plot_h) = (self.left, self.top, self.plot_h);
        svg.line((left - 6.0, top), (left - 6.0, top + plot_h), "#000000", 1.0);
        for t in ticks(0.0, self.scale_h, 5) {
            let y = self.y_of(t);
            svg.line((left - 10.0, y), (left - 6.0, y), "#000000", 1.0);
            svg.text(
                (left - 12.0, y + 4.0),
                &human(t),
                10.0,
                Anchor::End,
                0.0,
                "#000000",
                None,
            );
        }
        let y_label = format!("height ({} linkage)", tree.method());
        svg.text(
            (16.0, top + plot_h / 2.0),
            &y_label,
            11.0,
            Anchor::Middle,
            -90.0,
            "#000000",
            None,
        );
    }

    /// The merges drawn: those above the truncation.
    fn visible_merges(&self) -> impl Iterator<Item = usize> + Clone {
        let n = self.n;
        (self.cut.max(n)..2 * n - 1).filter(move |&id| n > 1 && id >= n)
    }

    /// Horizontal positions: leaves left to right, merges at the middle of their children.
    /// Children have lower ids than their parent, so increasing ids meet them first.
    fn positions(&self, tree: &Dendrogram) -> Vec<f64> {
        let n = self.n;
        let mut x = vec![0.0; 2 * n - 1];
        for (i, &l) in self.leaves.iter().enumerate() {
            x[l] = self.offset + i as f64 * self.spacing;
        }
        for id in self.visible_merges() {
            let m = tree.merges()[id - n];
            x[id] = 0.5 * (x[m.a] + x[m.b]);
        }
        x
    }

    /// Each merge as a bracket from its children up to its height, with a hover title.
    fn links(&self, svg: &mut Svg, tree: &Dendrogram, labels: Option<&[String]>, x: &[f64], colour: &[Option<usize>]) {
        let n = self.n;
        let child_y = |id: usize| {
            if id < self.cut {
                self.y_of(0.0)
            } else {
                self.y_of(tree.merges()[id - n].height)
            }
        };
        for id in self.visible_merges() {
            let m = tree.merges()[id - n];
            let y = self.y_of(m.height);
            let stroke = colour[id].map_or(NEUTRAL, |c| PALETTE[c % PALETTE.len()]);
            let title = format!(
                "{} + {}: height {}, {} rows",
                describe(tree, m.a, labels),
                describe(tree, m.b, labels),
                human(m.height),
                m.size
            );
            svg.polyline(
                &[(x[m.a], child_y(m.a)), (x[m.a], y), (x[m.b], y), (x[m.b], child_y(m.b))],
                stroke,
                1.5,
                Some(&title),
            );
        }
    }

    /// The leaves' labels, vertical, under the axis.
    fn leaf_labels(&self, svg: &mut Svg, tree: &Dendrogram, labels: Option<&[String]>, x: &[f64]) {
        for &l in &self.leaves {
            let text = leaf_label(tree, l, labels);
            let shown: String = text.chars().take(40).collect();
            let title = describe(tree, l, labels);
            svg.text(
                (x[l] + self.font * 0.35, self.y_of(0.0) + 8.0),
                &shown,
                self.font,
                Anchor::End,
                -90.0,
                "#000000",
                Some(&title),
            );
        }
    }
}

/// A leaf's label: the row's label (its number without labels), or a contracted cluster's size.
fn leaf_label(tree: &Dendrogram, id: usize, labels: Option<&[String]>) -> String {
    if id < tree.n_observations() {
        labels
            .and_then(|l| l.get(id))
            .cloned()
            .unwrap_or_else(|| id.to_string())
    } else {
        format!("({})", tree.size_of(id))
    }
}

/// Link colours: each highest link under the threshold starts a group, numbered left to right;
/// the links above it have none.
fn link_colours(tree: &Dendrogram, cut: usize, threshold: f64) -> Vec<Option<usize>> {
    let n = tree.n_observations();
    let mut colour: Vec<Option<usize>> = vec![None; 2 * n - 1];
    let mut next = 0;
    if n > 1 {
        let mut stack = vec![(2 * n - 2, None::<usize>)];
        while let Some((id, inherited)) = stack.pop() {
            if id < cut {
                continue;
            }
            let m = tree.merges()[id - n];
            let c = if m.height < threshold && threshold > 0.0 {
                inherited.or_else(|| {
                    next += 1;
                    Some(next - 1)
                })
            } else {
                None
            };
            colour[id] = c;
            stack.push((m.b, c));
            stack.push((m.a, c));
        }
    }
    colour
}

/// A node as a person reads it: a row's label, or a cluster's size.
fn describe(tree: &Dendrogram, id: usize, labels: Option<&[String]>) -> String {
    let n = tree.n_observations();
    if id < n {
        match labels.and_then(|l| l.get(id)) {
            Some(name) => format!("{name} (row {})", id + 1),
            None => format!("row {}", id + 1),
        }
    } else {
        format!("cluster of {} rows", tree.size_of(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::linkage::{LinkageParams, Method};
    use crate::rng::Rng;
    use crate::Matrix;

    fn tree(n: usize, method: Method) -> Dendrogram {
        let mut rng = Rng::new(n as u64);
        let x = Matrix::new((0..2 * n).map(|_| rng.normal()).collect(), n, 2).unwrap();
        LinkageParams::new(method).check().unwrap().fit(&x).unwrap()
    }

    #[test]
    fn untruncated_leaves_are_scipys_order() {
        let t = tree(40, Method::Average);
        assert_eq!(visible_leaves(&t, Truncate::Auto), t.leaves());
        assert_eq!(visible_leaves(&t, Truncate::Off), t.leaves());
    }

    #[test]
    fn lastp_keeps_p_leaves_that_cover_every_row() {
        let t = tree(500, Method::Ward);
        for p in [2, 7, 30, 499, 500, 900] {
            let leaves = visible_leaves(&t, Truncate::LastP(p));
            assert_eq!(leaves.len(), p.min(500), "p={p}");
            assert_eq!(leaves.iter().map(|&l| t.size_of(l)).sum::<usize>(), 500);
        }
        assert_eq!(visible_leaves(&t, Truncate::Auto).len(), AUTO_LASTP);
    }

    #[test]
    fn same_tree_same_bytes_with_escaped_labels() {
        let t = tree(12, Method::Single);
        let labels: Vec<String> = (0..12).map(|i| format!("<script>alert({i})</script>&")).collect();
        let opts = DendrogramPlot {
            labels: Some(&labels),
            ..DendrogramPlot::default()
        };
        let a = dendrogram_svg(&t, &opts);
        assert_eq!(a, dendrogram_svg(&t, &opts));
        assert!(!a.contains("<script>"));
        assert!(a.contains("&lt;script&gt;alert(3)&lt;/script&gt;&amp;"));
        // One link per merge and one label per leaf.
        assert_eq!(a.matches("<polyline").count(), 11);
        assert_eq!(a.matches("rotate(-90").count(), 12 + 1);
    }

    #[test]
    fn colours_follow_the_threshold() {
        let t = tree(30, Method::Ward);
        let grey = dendrogram_svg(
            &t,
            &DendrogramPlot {
                color_threshold: Some(0.0),
                ..DendrogramPlot::default()
            },
        );
        assert!(!PALETTE.iter().any(|c| grey.contains(&format!("stroke=\"{c}\""))));
        let coloured = dendrogram_svg(&t, &DendrogramPlot::default());
        assert!(coloured.contains(&format!("stroke=\"{}\"", PALETTE[0])));
        // The top merge is above 0.7 x the largest height: grey.
        assert!(coloured.contains(&format!("stroke=\"{NEUTRAL}\"")));
    }

    #[test]
    fn a_long_chain_draws_without_recursion() {
        // Points on a line: single linkage is a 20,000-deep chain.
        let n = 20_000;
        let x = Matrix::new((0..n).map(|i| (i as f64).powf(1.01)).collect(), n, 1).unwrap();
        let t = LinkageParams::new(Method::Single).check().unwrap().fit(&x).unwrap();
        let svg = dendrogram_svg(
            &t,
            &DendrogramPlot {
                truncate: Truncate::Off,
                ..DendrogramPlot::default()
            },
        );
        assert_eq!(svg.matches("<polyline").count(), n - 1);
        let one = LinkageParams::new(Method::Single)
            .check()
            .unwrap()
            .fit(&Matrix::from_rows(&[[1.0]]).unwrap())
            .unwrap();
        assert!(dendrogram_svg(&one, &DendrogramPlot::default()).ends_with("</svg>\n"));
    }
}
