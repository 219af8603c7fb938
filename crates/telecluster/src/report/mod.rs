//! Pictures and the HTML report of an [`Analysis`], rendered only: the engines compute, this
//! layer draws.
//!
//! Every picture is hand-written SVG with fixed-precision numbers and escaped text, so the same
//! result gives the same bytes and names taken from the data cannot inject markup.

pub mod html;
pub mod plot;
#[cfg(feature = "png")]
pub mod png;
pub mod svg;
pub mod words;

use crate::analysis::Analysis;
use crate::cluster::dbscan::Label;
use crate::explain::profile::Profile;
use crate::rng::Rng;
use plot::curve::{elbow_svg, kdist_svg};
use plot::dendrogram::{dendrogram_svg, DendrogramPlot, Truncate};
use plot::scatter::{scatter_svg, ScatterPlot};

/// Anomalies named on the DBSCAN picture.
pub const CALLOUTS: usize = 5;

/// Rows above which the scatter plots draw every anomaly and a seeded sample of the others.
pub const MAX_DRAWN: usize = 5_000;

/// The rows the scatter plots draw, in row order.
fn drawn_rows(a: &Analysis) -> Vec<usize> {
    let n = a.header.rows;
    if n <= MAX_DRAWN {
        return (0..n).collect();
    }
    let noise: Vec<usize> = (0..n).filter(|&r| a.dbscan.labels[r] == Label::Noise).collect();
    let others: Vec<usize> = (0..n).filter(|&r| a.dbscan.labels[r] != Label::Noise).collect();
    let room = MAX_DRAWN.saturating_sub(noise.len()).max(MAX_DRAWN / 2);
    let mut rows: Vec<usize> = Rng::new(a.seed)
        .sample_indices(others.len(), room)
        .into_iter()
        .map(|i| others[i])
        .collect();
    // Every anomaly when they are few; otherwise a sample of them too.
    if noise.len() <= MAX_DRAWN / 2 {
        rows.extend(noise);
    } else {
        let keep = Rng::new(a.seed ^ 1).sample_indices(noise.len(), MAX_DRAWN / 2);
        rows.extend(keep.into_iter().map(|i| noise[i]));
    }
    // The named ones always.
    rows.extend(a.dbscan.anomalies.iter().take(CALLOUTS).map(|an| an.row));
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// Every picture of the report, as SVG documents.
#[derive(Clone, Debug, PartialEq)]
pub struct Pictures {
    /// The raw telemetry.
    pub raw: String,
    /// The elbow curve (when K was chosen).
    pub elbow: Option<String>,
    /// K-Means groups with centroids.
    pub kmeans: String,
    /// The k-distance curve with eps (when defined).
    pub kdist: Option<String>,
    /// DBSCAN groups and anomalies.
    pub dbscan: String,
    /// The dendrogram.
    pub dendrogram: String,
}

impl Pictures {
    /// The pictures with their file names, in report order.
    pub fn files(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("telemetry.svg", self.raw.as_str())];
        if let Some(e) = &self.elbow {
            out.push(("elbow.svg", e.as_str()));
        }
        out.push(("kmeans.svg", self.kmeans.as_str()));
        if let Some(k) = &self.kdist {
            out.push(("kdist.svg", k.as_str()));
        }
        out.extend([
            ("dbscan.svg", self.dbscan.as_str()),
            ("dendrogram.svg", self.dendrogram.as_str()),
        ]);
        out
    }
}

/// Draws every picture of `a`.
pub fn pictures(a: &Analysis) -> Pictures {
    let v = &a.view;
    // Rows drawn on the scatter plots: every row, or every anomaly and a seeded sample of the
    // rest (a picture of a million points helps no one and weighs hundreds of megabytes).
    let drawn: Vec<usize> = drawn_rows(a);
    let n = a.header.rows;
    let note = if drawn.len() < n {
        format!(" ({} of {n} rows drawn)", drawn.len())
    } else {
        String::new()
    };
    let points = v.points.select_rows(&drawn);
    let hover: Vec<String> = drawn.iter().map(|&r| a.ids.get(r)).collect();
    let position: std::collections::HashMap<usize, usize> = drawn.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    let base = |title: &str| ScatterPlot {
        title: format!("{title}{note}"),
        x_label: v.x_label.clone(),
        y_label: v.y_label.clone(),
        points: Some(&points),
        hover: Some(&hover),
        ..ScatterPlot::default()
    };
    let raw = scatter_svg(&base(&format!("{}: {n} rows", a.header.source)));
    let km_groups: Vec<Option<u32>> = drawn.iter().map(|&r| Some(a.kmeans.labels[r])).collect();
    let km_names: Vec<String> = a.kmeans.profiles.iter().map(Profile::legend).collect();
    let kmeans = scatter_svg(&ScatterPlot {
        groups: Some(&km_groups),
        group_names: km_names,
        centres: Some(&v.centroids),
        ..base(&format!("K-Means: {} groups", a.kmeans.k))
    });
    let db_groups: Vec<Option<u32>> = drawn.iter().map(|&r| a.dbscan.labels[r].cluster()).collect();
    let db_names: Vec<String> = a.dbscan.profiles.iter().map(Profile::legend).collect();
    let callouts = a
        .dbscan
        .anomalies
        .iter()
        .take(CALLOUTS)
        .filter_map(|an| position.get(&an.row).map(|&i| (i, an.id.clone())))
        .collect();
    let dbscan = scatter_svg(&ScatterPlot {
        groups: Some(&db_groups),
        group_names: db_names,
        callouts,
        ..base(&format!(
            "DBSCAN: {} groups, {} anomalies",
            a.dbscan.n_clusters, a.dbscan.n_noise
        ))
    });
    let elbow = a.kmeans.elbow.as_ref().map(|e| elbow_svg(e, "Elbow: choosing k"));
    let kdist = a
        .dbscan
        .kdist
        .as_ref()
        .map(|c| kdist_svg(c, a.dbscan.eps, "k-distance curve: choosing eps"));
    let h = &a.hierarchy;
    let labels: Vec<String> = h.rows().iter().map(|&r| a.ids.get(r)).collect();
    let dendrogram = dendrogram_svg(
        &h.tree,
        &DendrogramPlot {
            labels: Some(&labels),
            color_threshold: None,
            truncate: Truncate::Auto,
            title: format!("{} linkage of {} rows", h.method, h.tree.n_observations()),
        },
    );
    Pictures {
        raw,
        elbow,
        kmeans,
        kdist,
        dbscan,
        dendrogram,
    }
}
