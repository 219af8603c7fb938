//! What changed between two windows of telemetry: "what changed after the deploy".
//!
//! Both windows are scored against one model (fitted on the before window, or loaded), and
//! their rows are matched by entity id. An entity **changed** when it moved to another cluster,
//! became anomalous, stopped being anomalous, appeared or disappeared. Each change carries the
//! per-feature deltas that explain it: the values before and after in original units and the
//! move in prepared units (the model's scaling: standard deviations of the before window with
//! the default scaling), strongest first.
//!
//! **Ranking.** Entities present in both windows come first, by how far they moved: the
//! Euclidean length of their move in prepared units (`significance`). Then entities that
//! appeared (anomalous ones first, then by score), then those that disappeared.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::Named;
use crate::data::table::Table;
use crate::error::{Error, Result};
use crate::model::{Model, Scored};

/// One kind of change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// In a group before, in none after.
    BecameAnomalous,
    /// In no group before, in one after.
    Recovered,
    /// In one group before, another after.
    ChangedCluster,
    /// Only in the after window.
    Appeared,
    /// Only in the before window.
    Disappeared,
}

/// An entity in one window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// Its cluster (`None`: in no group).
    pub cluster: Option<u32>,
    /// The cluster's name (`healthy`, `slow`, ...).
    pub cluster_name: Option<String>,
    /// Whether it falls outside every group.
    pub anomalous: bool,
    /// Its outlier score.
    pub score: f64,
    /// Its values, original units.
    pub values: Named,
}

/// One feature's move.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delta {
    /// The feature.
    pub feature: String,
    /// Before, original units.
    pub before: f64,
    /// After, original units.
    pub after: f64,
    /// `after − before`, original units.
    pub delta: f64,
    /// The move in prepared units.
    pub prepared: f64,
}

/// One changed entity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The entity's id.
    pub id: String,
    /// What changed.
    pub what: Vec<ChangeKind>,
    /// How far it moved (prepared units); 0 for an entity in one window only.
    pub significance: f64,
    /// The entity before (absent when it appeared).
    pub before: Option<Side>,
    /// The entity after (absent when it disappeared).
    pub after: Option<Side>,
    /// Per feature, the move; largest prepared move first.
    pub deltas: Vec<Delta>,
}

/// The changes between two windows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// Entities in the before window.
    pub before_rows: usize,
    /// Entities in the after window.
    pub after_rows: usize,
    /// Entities in both.
    pub matched: usize,
    /// Entities in both that did not change.
    pub unchanged: usize,
    /// The changes, most significant first.
    pub changes: Vec<Change>,
}

/// Rows of `table` by id, refusing an id that appears twice.
fn by_id(table: &Table) -> Result<HashMap<String, usize>> {
    let mut m = HashMap::with_capacity(table.n_rows());
    for i in 0..table.n_rows() {
        if let Some(&first) = m.get(&table.label(i)) {
            return Err(Error::DuplicateId {
                at: table.place(i),
                id: table.label(i),
                first: Box::new(table.place(first)),
            });
        }
        m.insert(table.label(i), i);
    }
    Ok(m)
}

/// The changes from `before` to `after`, both scored against `model` (features matched by
/// name).
///
/// # Errors
/// As [`Model::score`] for either window; [`Error::DuplicateId`] when a window names an entity
/// twice.
pub fn diff(model: &Model, before: &Table, after: &Table) -> Result<Diff> {
    let names: Vec<String> = model.features.iter().map(|f| f.name.clone()).collect();
    let (xb, zb) = model.prepare(before)?;
    let (xa, za) = model.prepare(after)?;
    let (sb, sa) = (model.score_prepared(&xb, &zb), model.score_prepared(&xa, &za));
    let (ib, ia) = (by_id(before)?, by_id(after)?);
    let side = |s: &Scored, values: &[f64]| Side {
        cluster: s.cluster,
        cluster_name: s
            .cluster
            .and_then(|c| model.clusters.iter().find(|k| k.id == c))
            .map(|k| k.name.clone()),
        anomalous: s.anomalous,
        score: s.score,
        values: Named::new(&names, values),
    };
    let mut moved = Vec::new();
    let mut appeared = Vec::new();
    let mut matched = 0;
    for (i, scored) in sa.iter().enumerate() {
        let id = after.label(i);
        let a = side(scored, xa.row(i));
        let Some(&j) = ib.get(&id) else {
            appeared.push(Change {
                id,
                what: vec![ChangeKind::Appeared],
                significance: 0.0,
                before: None,
                after: Some(a),
                deltas: Vec::new(),
            });
            continue;
        };
        matched += 1;
        let b = side(&sb[j], xb.row(j));
        let mut what = Vec::new();
        match (b.anomalous, a.anomalous) {
            (false, true) => what.push(ChangeKind::BecameAnomalous),
            (true, false) => what.push(ChangeKind::Recovered),
            _ => {}
        }
        if b.cluster.is_some() && a.cluster.is_some() && b.cluster != a.cluster {
            what.push(ChangeKind::ChangedCluster);
        }
        if what.is_empty() {
            continue;
        }
        let mut deltas: Vec<Delta> = (0..names.len())
            .map(|f| Delta {
                feature: names[f].clone(),
                before: xb.get(j, f),
                after: xa.get(i, f),
                delta: xa.get(i, f) - xb.get(j, f),
                prepared: za.get(i, f) - zb.get(j, f),
            })
            .collect();
        let significance = deltas.iter().map(|d| d.prepared * d.prepared).sum::<f64>().sqrt();
        deltas.sort_by(|x, y| y.prepared.abs().total_cmp(&x.prepared.abs()));
        moved.push(Change {
            id,
            what,
            significance,
            before: Some(b),
            after: Some(a),
            deltas,
        });
    }
    let ia_ids = &ia;
    let mut gone: Vec<Change> = (0..before.n_rows())
        .filter(|&j| !ia_ids.contains_key(&before.label(j)))
        .map(|j| Change {
            id: before.label(j),
            what: vec![ChangeKind::Disappeared],
            significance: 0.0,
            before: Some(side(&sb[j], xb.row(j))),
            after: None,
            deltas: Vec::new(),
        })
        .collect();
    moved.sort_by(|x, y| y.significance.total_cmp(&x.significance).then(x.id.cmp(&y.id)));
    let key = |c: &Change| c.after.as_ref().map_or((false, 0.0), |a| (a.anomalous, a.score));
    appeared.sort_by(|x, y| {
        let (kx, ky) = (key(x), key(y));
        ky.0.cmp(&kx.0).then(ky.1.total_cmp(&kx.1)).then(x.id.cmp(&y.id))
    });
    gone.sort_by(|x, y| x.id.cmp(&y.id));
    let unchanged = matched - moved.len();
    let mut changes = moved;
    changes.extend(appeared);
    changes.extend(gone);
    Ok(Diff {
        before_rows: before.n_rows(),
        after_rows: after.n_rows(),
        matched,
        unchanged,
        changes,
    })
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChangeKind::BecameAnomalous => "became anomalous",
            ChangeKind::Recovered => "no longer anomalous",
            ChangeKind::ChangedCluster => "changed group",
            ChangeKind::Appeared => "appeared",
            ChangeKind::Disappeared => "disappeared",
        })
    }
}

impl Change {
    /// One line: `healthy → slow (changed group): latency_ms 48 → 520 (+472); error_rate_pct ...`,
    /// with the deltas whose prepared move is at least a tenth of the largest.
    pub fn summary(&self) -> String {
        let place = |s: &Option<Side>| match s {
            None => "absent".to_string(),
            Some(s) => {
                s.cluster_name.clone().unwrap_or_else(|| "no group".to_string())
                    + if s.anomalous && s.cluster.is_some() {
                        " (anomalous)"
                    } else {
                        ""
                    }
            }
        };
        let what: Vec<String> = self.what.iter().map(ToString::to_string).collect();
        let mut out = format!("{} → {} ({})", place(&self.before), place(&self.after), what.join(", "));
        let top = self.deltas.first().map_or(0.0, |d| d.prepared.abs());
        let shown: Vec<String> = self
            .deltas
            .iter()
            .filter(|d| d.prepared.abs() >= 0.1 * top && d.prepared != 0.0)
            .take(3)
            .map(|d| {
                let (b, a) = (crate::format::human(d.before), crate::format::human(d.after));
                let sign = if d.delta >= 0.0 { "+" } else { "" };
                format!("{} {b} → {a} ({sign}{})", d.feature, crate::format::human(d.delta))
            })
            .collect();
        if !shown.is_empty() {
            out.push_str(": ");
            out.push_str(&shown.join("; "));
        }
        out
    }
}
