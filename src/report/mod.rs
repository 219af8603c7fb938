//! Pictures and the HTML report of an [`Analysis`], rendered only: the engines compute, this
//! layer draws.
//!
//! Every picture is hand-written SVG with fixed-precision numbers and escaped text, so the same
//! result gives the same bytes and names taken from the data cannot inject markup.

pub mod html;
pub mod plot;
pub mod png;
pub mod svg;

use crate::analysis::Analysis;
use plot::curve::{elbow_svg, kdist_svg};
use plot::dendrogram::{dendrogram_svg, DendrogramPlot, Truncate};
use plot::scatter::{scatter_svg, ScatterPlot};

/// Anomalies named on the DBSCAN picture.
pub const CALLOUTS: usize = 5;

/// Every picture of the report, as SVG documents.
#[derive(Clone, Debug, PartialEq)]
pub struct Pictures {
    /// The raw telemetry.
    pub raw: String,
    /// The elbow curve (when K was chosen).
    pub elbow: Option<String>,
    /// K-Means groups with centroids.
    pub kmeans: String,
    /// The k-distance curve with eps.
    pub kdist: String,
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
        out.extend([
            ("kmeans.svg", self.kmeans.as_str()),
            ("kdist.svg", self.kdist.as_str()),
            ("dbscan.svg", self.dbscan.as_str()),
            ("dendrogram.svg", self.dendrogram.as_str()),
        ]);
        out
    }
}

/// Draws every picture of `a`.
pub fn pictures(a: &Analysis) -> Pictures {
    let v = &a.view;
    let base = |title: &str| ScatterPlot {
        title: title.to_string(),
        x_label: v.x_label.clone(),
        y_label: v.y_label.clone(),
        points: Some(&v.points),
        hover: Some(&a.ids),
        ..ScatterPlot::default()
    };
    let raw = scatter_svg(&base(&format!("{}: {} rows", a.source, a.rows)));
    let km_groups: Vec<Option<u32>> = a.kmeans.labels.iter().map(|&l| Some(l)).collect();
    let km_names: Vec<String> = a
        .kmeans
        .profiles
        .iter()
        .map(|p| format!("{} {} ({})", p.cluster, p.name, p.size))
        .collect();
    let kmeans = scatter_svg(&ScatterPlot {
        groups: Some(&km_groups),
        group_names: km_names,
        centres: Some(&v.centroids),
        ..base(&format!("K-Means: {} groups", a.kmeans.k))
    });
    let db_groups: Vec<Option<u32>> = a.dbscan.labels.iter().map(|&l| u32::try_from(l).ok()).collect();
    let db_names: Vec<String> = a
        .dbscan
        .profiles
        .iter()
        .map(|p| format!("{} {} ({})", p.cluster, p.name, p.size))
        .collect();
    let callouts = a
        .dbscan
        .anomalies
        .iter()
        .take(CALLOUTS)
        .map(|an| (an.row, an.id.clone()))
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
    let kdist = kdist_svg(&a.dbscan.kdist, a.dbscan.eps, "k-distance curve: choosing eps");
    let h = &a.hierarchy;
    let labels: Vec<String> = match &h.sample {
        Some(rows) => rows.iter().map(|&r| a.ids[r].clone()).collect(),
        None => a.ids.clone(),
    };
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
