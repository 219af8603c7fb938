//! The hierarchy part: how the rows (or a seeded sample of them) relate, as scipy's linkage
//! matrix, with the dendrogram's leaf order and, when asked, a flat cut.

use serde::Serialize;

use super::{Named, Prepared, Step};
use crate::cluster::linkage::{Cut, Dendrogram, LinkageParams, Merge, Method};
use crate::error::{Error, Param, Result};
use crate::matrix::Matrix;
use crate::rng::Rng;
use crate::stats::median;

/// Rows above which the cophenetic correlation is computed over a seeded sample of rows (its
/// cost grows with the square of the rows).
pub const COPHENET_MAX_ROWS: usize = 20_000;

/// Parameters of the hierarchy part.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HierarchyPartParams {
    /// The linkage.
    pub method: Method,
    /// Above this many rows, cluster a seeded sample of this many; `None` clusters every row.
    pub sample: Option<usize>,
    /// The flat cut, if any.
    pub cut: Option<Cut>,
    /// Bytes the condensed distance matrix may use; `None` is 75 % of the memory.
    pub max_memory: Option<u64>,
    /// Seed of the samples.
    pub seed: u64,
}

impl Default for HierarchyPartParams {
    fn default() -> Self {
        HierarchyPartParams {
            method: Method::Ward,
            sample: None,
            cut: None,
            max_memory: None,
            seed: 0,
        }
    }
}

/// One flat cluster of a cut.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CutCluster {
    /// The cluster's number (scipy's `fcluster` label minus one).
    pub id: u32,
    /// Rows in the cluster.
    pub size: usize,
    /// Per feature, the median in original units.
    pub median: Named,
    /// The ids of its rows, in row order.
    pub members: Vec<String>,
}

/// A flat cut through the dendrogram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CutSummary {
    /// Where the tree was cut.
    pub criterion: Cut,
    /// Clusters formed.
    pub n_clusters: usize,
    /// Flat cluster of each clustered row.
    pub labels: Vec<u32>,
    /// The clusters, by number.
    pub clusters: Vec<CutCluster>,
}

/// The hierarchy part.
#[derive(Clone, Debug, Serialize)]
pub struct HierarchyPart {
    /// The parameters used (`sample` as applied: `None` when the rows were no more).
    pub params: HierarchyPartParams,
    /// The linkage.
    pub method: Method,
    /// Rows clustered.
    pub n_observations: usize,
    /// The rows clustered (0-based rows of the input), when a sample.
    pub sample: Option<Vec<usize>>,
    /// Cophenetic correlation coefficient (`None` when undefined: fewer than 3 rows, or all
    /// distances or heights equal).
    pub cophenetic_correlation: Option<f64>,
    /// Rows the coefficient was computed over, when a sample.
    pub cophenetic_sampled_rows: Option<usize>,
    /// The five highest merge heights, highest first.
    pub top_heights: Vec<f64>,
    /// scipy's linkage matrix Z.
    pub merges: Vec<Merge>,
    /// Leaf order of the dendrogram (positions among the clustered rows), as scipy's
    /// `dendrogram(Z)['leaves']`.
    pub leaves: Vec<usize>,
    /// The flat cut, when asked for.
    pub cut: Option<CutSummary>,
    /// The dendrogram itself.
    #[serde(skip)]
    pub tree: Dendrogram,
}

impl HierarchyPart {
    /// The input row of each clustered row.
    pub fn rows(&self) -> Vec<usize> {
        self.sample
            .clone()
            .unwrap_or_else(|| (0..self.n_observations).collect())
    }
}

/// Clusters the prepared rows (or a seeded sample) hierarchically.
///
/// # Errors
/// The engine's errors (no rows, a condensed matrix over the memory limit), and those of the cut.
pub fn hierarchy_part(
    data: &Prepared<'_>,
    p: &HierarchyPartParams,
    progress: &mut dyn FnMut(Step),
) -> Result<HierarchyPart> {
    let params = LinkageParams::new(p.method).max_memory(p.max_memory).check()?;
    if p.sample == Some(0) {
        return Err(Error::invalid(Param::Sample, 0, "must be >= 1"));
    }
    let n = data.z().n_rows();
    let sample = p
        .sample
        .filter(|&s| s < n)
        .map(|s| Rng::new(p.seed).sample_indices(n, s));
    let z = sample
        .as_ref()
        .map_or_else(|| data.z().clone(), |s| data.z().select_rows(s));
    progress(Step::Hierarchy {
        method: p.method,
        rows: z.n_rows(),
    });
    let tree = params.fit(&z)?;
    let (cophenetic_correlation, cophenetic_sampled_rows) = cophenet(&tree, &z, p.seed)?;
    let cut = match p.cut {
        Some(c) => {
            let labels = tree.cut(c)?;
            let rows: Vec<usize> = sample.clone().unwrap_or_else(|| (0..n).collect());
            Some(summarize_cut(data, c, labels, &rows))
        }
        None => None,
    };
    Ok(HierarchyPart {
        // The sample applied: none when the rows were fewer.
        params: HierarchyPartParams {
            sample: p.sample.filter(|&s| s < n),
            ..*p
        },
        method: p.method,
        n_observations: tree.n_observations(),
        sample,
        cophenetic_correlation,
        cophenetic_sampled_rows,
        top_heights: tree.merges().iter().rev().take(5).map(|m| m.height).collect(),
        merges: tree.merges().to_vec(),
        leaves: tree.leaves(),
        cut,
        tree,
    })
}

/// The cophenetic correlation, over a seeded sample of rows above [`COPHENET_MAX_ROWS`].
fn cophenet(tree: &Dendrogram, z: &Matrix, seed: u64) -> Result<(Option<f64>, Option<usize>)> {
    let n = tree.n_observations();
    let (keep, sampled) = if n > COPHENET_MAX_ROWS {
        let mut keep = vec![false; n];
        for i in Rng::new(seed).sample_indices(n, COPHENET_MAX_ROWS) {
            keep[i] = true;
        }
        (Some(keep), Some(COPHENET_MAX_ROWS))
    } else {
        (None, None)
    };
    let c = tree.cophenetic_correlation_over(z, keep.as_deref())?;
    Ok((c.is_finite().then_some(c), sampled))
}

/// The clusters of a cut; `rows` maps clustered rows to input rows.
fn summarize_cut(data: &Prepared<'_>, criterion: Cut, labels: Vec<u32>, rows: &[usize]) -> CutSummary {
    let table = data.table();
    let k = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(rows[i]);
    }
    let features = table.features();
    let clusters = members
        .iter()
        .enumerate()
        .map(|(c, rs)| {
            let median: Vec<f64> = (0..features.len())
                .map(|f| median(&mut rs.iter().map(|&r| table.x().get(r, f)).collect::<Vec<_>>()))
                .collect();
            CutCluster {
                id: c as u32,
                size: rs.len(),
                median: Named::new(features, &median),
                members: rs.iter().map(|&r| table.label(r)).collect(),
            }
        })
        .collect();
    CutSummary {
        criterion,
        n_clusters: k,
        labels,
        clusters,
    }
}
