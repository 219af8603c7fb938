//! `telecluster describe`: what telecluster sees in a file, the first command to run on new data.

use std::io::Write;

use serde::Serialize;
use telecluster::data::describe::{describe, Description};
use telecluster::format::human;
use telecluster::prep::Scaling;

use super::input::{InputArgs, ScaleArgs};
use super::Notices;

/// Flags of `describe`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    scale: ScaleArgs,

    /// Print JSON: {"rows": N, "columns": [{"name", "role", and for features "n", "mean",
    /// "std", "min", "median", "p95", "max"}]}.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    source: &'a str,
    scaling: Scaling,
    log1p: &'a [String],
    #[serde(flatten)]
    description: Description,
}

/// Describes the file: in original units, or after `--scale`/`--log1p` when given.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let data = args.scale.prepare(&table, Scaling::None)?;
    let (prep, z) = (data.prep(), data.z());
    let report = Report {
        source: table.source(),
        scaling: prep.scaler().kind(),
        log1p: &args.scale.log1p,
        description: describe(&table, z),
    };
    super::write_output(None, |w| {
        if args.json {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)
        } else {
            write_text(&report, w)
        }
    })
}

fn write_text(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let d = &r.description;
    let space = match (r.scaling, r.log1p.is_empty()) {
        (Scaling::None, true) => "features in original units".to_string(),
        (s, true) => format!("features after {s} scaling"),
        (s, false) => format!("features after log1p({}) and {s} scaling", r.log1p.join(", ")),
    };
    writeln!(w, "{}: {} rows, {} columns; {space}", r.source, d.rows, d.columns.len())?;
    let head = ["column", "role", "n", "mean", "std", "min", "median", "p95", "max"];
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    for c in &d.columns {
        let mut row = vec![c.name.clone(), c.role.as_str().to_string()];
        if let Some(s) = &c.stats {
            row.push(s.n.to_string());
            row.extend([s.mean, s.std, s.min, s.median, s.p95, s.max].map(human));
        }
        rows.push(row);
    }
    super::write_columns(&rows, 2, w)
}
