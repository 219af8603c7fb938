//! K-Means on input larger than memory: the rows are read in batches, several times, and only
//! a seeded sample and per-centre statistics are kept.
//!
//! 1. One pass gathers the column moments (for the scaling and `tol`) and a uniform reservoir
//!    sample of `sample_rows` rows (Vitter's algorithm R, seeded).
//! 2. The K-Means part runs on the sample, prepared with the scaling of every row: it chooses
//!    k when asked and gives the starting centres.
//! 3. Lloyd's iterations run over every row, one pass each, from those centres: each pass adds
//!    each batch's rows to mergeable [`CentroidStats`], and the means are the next centres;
//!    scikit-learn's stopping rule (squared centre shift at most `tol` times the mean feature
//!    variance), and a last pass assigns every row to the final centres for the inertia and
//!    the sizes.
//!
//! Clusters are numbered by first appearance in the input, as the in-memory fit numbers them.
//! Memory: the sample, one batch and k × d statistics, whatever the input's length.

use super::{kmeans_part, KMeansPart, KMeansPartParams, Prepared, Step};
use crate::cluster::kmeans::{assign, center_shift, CentroidStats};
use crate::data::table::Table;
use crate::error::{Error, Param, Result};
use crate::explain::profile::profiles;
use crate::matrix::Matrix;
use crate::prep::{Prep, PrepParams, Scaler, Scaling};
use crate::rng::Rng;
use crate::stats::Moments;

/// Parameters of a streamed K-Means fit.
#[derive(Clone, Debug)]
pub struct StreamParams {
    /// The K-Means part's parameters (k or how to choose it, `n_init` on the sample,
    /// `max_iter` and `tol` of the passes over every row, the seed).
    pub kmeans: KMeansPartParams,
    /// Standard, min-max or no scaling (robust scaling needs every row at once).
    pub scaling: Scaling,
    /// Features, by name, that get `log1p` before scaling.
    pub log1p: Vec<String>,
    /// Rows in the seeded sample that chooses k and the starting centres.
    pub sample_rows: usize,
}

/// A streamed fit.
#[derive(Clone, Debug)]
pub struct StreamFit {
    /// Rows read (per pass).
    pub rows: u64,
    /// The seeded sample, in input order.
    pub sample: Table,
    /// The preparation, fitted on every row.
    pub prep: Prep,
    /// The K-Means part: centroids, sizes, inertia and convergence are over every row; labels
    /// and profiles are the sample's.
    pub part: KMeansPart,
    /// Passes over every row (the first one included).
    pub passes: usize,
}

/// Reads the input from its start, handing each batch to the callback; called once per pass.
pub type Source<'a> = dyn FnMut(&mut dyn FnMut(Table) -> Result<()>) -> Result<()> + 'a;

/// Fits K-Means on every row of a source read in batches (see the module docs).
///
/// # Errors
/// The source's errors (located in its file); [`Error::InvalidParam`] for robust scaling or a
/// `sample_rows` of 0; the K-Means part's errors on the sample.
pub fn kmeans_stream(p: &StreamParams, source: &mut Source<'_>, progress: &mut dyn FnMut(Step)) -> Result<StreamFit> {
    if p.sample_rows == 0 {
        return Err(Error::invalid(Param::Sample, 0, "must be at least 1"));
    }
    // Pass 1: moments after log1p, and the reservoir.
    progress(Step::Pass { pass: 1 });
    let mut rng = Rng::stream(p.kmeans.seed, u64::MAX);
    let mut logger: Option<Prep> = None;
    let mut moments: Option<Moments> = None;
    let mut sample = Reservoir::default();
    let mut seen = 0u64;
    source(&mut |batch: Table| {
        let log = match &logger {
            Some(l) => l,
            None => logger.insert(log1p_of(p, &batch)?),
        };
        let logged = log.transform(batch.x()).map_err(|e| batch.locate(e))?;
        let m = Moments::of(&logged);
        match &mut moments {
            Some(all) => all.merge(&m)?,
            None => moments = Some(m),
        }
        for i in 0..batch.n_rows() {
            let slot = if sample.len() < p.sample_rows {
                Some(sample.len())
            } else {
                Some(rng.below(seen as usize + 1)).filter(|&j| j < p.sample_rows)
            };
            if let Some(j) = slot {
                sample.put(j, seen, &batch, i);
            }
            seen += 1;
        }
        crate::interrupt::check()
    })?;
    let (Some(logger), Some(moments)) = (logger, moments) else {
        return Err(Error::EmptyInput {
            path: "the stream".into(),
        });
    };
    let scaler = Scaler::from_moments(p.scaling, &moments)?;
    let prep = logger.with_scaler(scaler)?;
    let sample = sample.into_table()?;

    // The sample: k and the starting centres.
    let data = Prepared::with_prep(&sample, prep.clone())?;
    let mut part = kmeans_part(&data, &p.kmeans, progress)?;
    let k = part.k;
    let d = sample.x().n_cols();
    // tol is relative to the prepared data's mean variance, over every row.
    let scale = prep.scaler().scale();
    let mean_var = moments
        .variance()
        .iter()
        .zip(scale)
        .map(|(v, s)| v / (s * s))
        .sum::<f64>()
        / d as f64;
    let tol = if p.kmeans.tol == 0.0 {
        0.0
    } else {
        p.kmeans.tol * mean_var
    };

    let mut centres = part.centroids_prepared.clone();
    let mut passes = 1;
    let mut n_iter = 0;
    let mut converged = false;
    // Each pass also notes the order in which the centres first get a row, reading labels
    // only until every centre has one (usually within the first batch): the last pass's order
    // numbers the clusters as the in-memory fit numbers them, by first appearance in the file.
    let mut pass = |centres: &Matrix, passes: &mut usize| -> Result<(CentroidStats, Vec<usize>)> {
        *passes += 1;
        progress(Step::Pass { pass: *passes });
        let mut stats = CentroidStats::new(k, d);
        let mut order: Vec<usize> = Vec::with_capacity(k);
        let mut seen = vec![false; k];
        source(&mut |batch: Table| {
            let z = prep.transform(batch.x()).map_err(|e| batch.locate(e))?;
            stats.add(centres, &z)?;
            if order.len() < k {
                for l in assign(centres, &z)?.0 {
                    if !std::mem::replace(&mut seen[l as usize], true) {
                        order.push(l as usize);
                    }
                }
            }
            crate::interrupt::check()
        })?;
        // Centres without a row come last, in their own order.
        order.extend((0..k).filter(|&j| !seen[j]));
        Ok((stats, order))
    };
    let mut last = None;
    while n_iter < p.kmeans.max_iter {
        let (stats, order) = pass(&centres, &mut passes)?;
        n_iter += 1;
        let next = stats.means(&centres)?;
        let shift = center_shift(&centres, &next)?;
        if shift == 0.0 {
            // The rows' assignment to `next` is the one just made: no pass is needed.
            last = Some((stats, order));
            converged = true;
            break;
        }
        centres = next;
        if shift <= tol {
            converged = true;
            break;
        }
    }
    let (stats, order) = match last {
        Some(s) => s,
        None => pass(&centres, &mut passes)?,
    };

    // The part, over every row: centres (cluster i is centre order[i]), sizes, inertia; the
    // sample's labels and profiles.
    let centres = centres.select_rows(&order);
    let original = prep.inverse_transform(&centres)?;
    let features = sample.features();
    part.clusters = order
        .iter()
        .enumerate()
        .map(|(id, &j)| super::KMeansCluster {
            id: id as u32,
            size: stats.counts()[j] as usize,
            centroid: super::Named::new(features, original.row(id)),
        })
        .collect();
    let (labels, _) = assign(&centres, data.z())?;
    let groups: Vec<Option<u32>> = labels.iter().map(|&l| Some(l)).collect();
    part.profiles = profiles(sample.x(), &groups, k, features);
    part.labels = labels;
    part.inertia = stats.inertia();
    part.n_iter = n_iter;
    part.converged = converged;
    part.centroids_prepared = centres;
    Ok(StreamFit {
        rows: seen,
        sample,
        prep,
        part,
        passes,
    })
}

/// The `log1p` part of the preparation, its columns named in the first batch.
fn log1p_of(p: &StreamParams, batch: &Table) -> Result<Prep> {
    let columns = p
        .log1p
        .iter()
        .map(|name| {
            batch.feature_index(name).ok_or_else(|| Error::UnknownColumn {
                path: batch.source().into(),
                name: name.clone(),
                available: batch.features().to_vec(),
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    Prep::log1p_only(&PrepParams::new(p.scaling).log1p(columns), batch.x().n_cols())
}

/// The reservoir: rows copied out of their batches (a batch is not kept alive by the few rows
/// sampled from it), with their input position to restore input order.
#[derive(Default)]
struct Reservoir {
    order: Vec<u64>,
    values: Vec<f64>,
    ids: Vec<String>,
    d: usize,
    features: Vec<String>,
    id_name: Option<String>,
    source: String,
}

impl Reservoir {
    fn len(&self) -> usize {
        self.order.len()
    }

    fn put(&mut self, slot: usize, position: u64, batch: &Table, i: usize) {
        if self.order.is_empty() {
            self.d = batch.x().n_cols();
            self.features = batch.features().to_vec();
            self.id_name = batch.ids().map(|c| c.name.clone());
            self.source = batch.source().to_string();
        }
        let row = batch.x().row(i);
        if slot == self.order.len() {
            self.order.push(position);
            self.values.extend_from_slice(row);
            self.ids.push(batch.label(i));
        } else {
            self.order[slot] = position;
            self.values[slot * self.d..(slot + 1) * self.d].copy_from_slice(row);
            self.ids[slot] = batch.label(i);
        }
    }

    fn into_table(self) -> Result<Table> {
        let mut by_position: Vec<usize> = (0..self.order.len()).collect();
        by_position.sort_unstable_by_key(|&s| self.order[s]);
        let d = self.d;
        let values = by_position
            .iter()
            .flat_map(|&s| self.values[s * d..(s + 1) * d].iter().copied())
            .collect();
        let ids = by_position.iter().map(|&s| self.ids[s].clone()).collect();
        let x = Matrix::new(values, by_position.len(), d)?;
        Ok(Table::from_matrix(self.features, x)?
            .with_ids(self.id_name.unwrap_or_else(|| "row".into()), ids)?
            .with_source(self.source))
    }
}
