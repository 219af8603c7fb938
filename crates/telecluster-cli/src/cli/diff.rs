//! `telecluster diff`: what changed between two windows of telemetry ("after the deploy").

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use telecluster::analysis::{dbscan_part, kmeans_part};
use telecluster::diff::{diff, Diff};
use telecluster::format::human;
use telecluster::model::Model;
use telecluster::prep::Scaling;
use telecluster::Error;

use super::dbscan::DbscanArgs;
use super::input::{ColumnArgs, ScaleArgs};
use super::kmeans::KArgs;
use super::report::ModelMethod;
use super::Notices;

/// The exit code of `--fail-on-change` when something changed.
pub const EXIT_CHANGED: u8 = 3;

/// Changes printed in the terminal summary.
const TOP: usize = 20;

/// Flags of `diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The window before (CSV or TSV with a header line; `-` for standard input).
    before: PathBuf,

    /// The window after, with the same entity ids and features.
    after: PathBuf,

    /// Score both windows against this saved model instead of fitting one on BEFORE.
    #[arg(long, value_name = "MODEL.json")]
    model: Option<PathBuf>,

    /// The model fitted on BEFORE (without --model): dbscan (in no dense group = anomalous) or
    /// kmeans (beyond every member of its group = anomalous).
    #[arg(
        long,
        value_enum,
        default_value = "dbscan",
        conflicts_with = "model",
        value_name = "METHOD"
    )]
    method: ModelMethod,

    #[command(flatten)]
    columns: ColumnArgs,

    #[command(flatten)]
    scale: ScaleArgs,

    #[command(flatten)]
    k: KArgs,

    #[command(flatten)]
    dbscan: DbscanArgs,

    /// Write every change as CSV: rank, id, what, significance, clusters, scores, deltas.
    #[arg(short, long, value_name = "OUT.csv")]
    output: Option<PathBuf>,

    /// Print the changes as JSON (`changes`: most significant first) instead of the summary.
    #[arg(long)]
    json: bool,

    /// Write a self-contained HTML page with the before/after picture and the changes.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,

    /// Exit with code 3 when anything changed (0 otherwise), for CI after a deploy.
    #[arg(long)]
    fail_on_change: bool,
}

/// Fits (or loads) the model, scores both windows and writes the changes.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<ExitCode> {
    if args.before.as_os_str() == "-" && args.after.as_os_str() == "-" {
        use clap::CommandFactory;
        super::Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "BEFORE and AFTER cannot both be standard input (-)",
            )
            .exit();
    }
    let before = args.columns.load(&args.before, notices)?;
    let after = args.columns.load(&args.after, notices)?;
    let (model, model_name) = match &args.model {
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(name.clone(), e))?;
            (Model::from_json(&text, &name)?, name)
        }
        None => {
            let data = args.scale.prepare(&before, Scaling::Standard)?;
            let model = match args.method {
                ModelMethod::Dbscan => {
                    let seed = args.k.kmeans.seed;
                    let part = super::with_steps(notices, |s| dbscan_part(&data, &args.dbscan.part(seed), s))?;
                    Model::from_dbscan(&data, &part)?
                }
                ModelMethod::Kmeans => {
                    let part = super::with_steps(notices, |s| kmeans_part(&data, &args.k.part(), s))?;
                    Model::from_kmeans(&data, &part)?
                }
            };
            (model, format!("the model fitted on {}", before.source()))
        }
    };
    let d = diff(&model, &before, &after).map_err(|e| super::score::feature_missing(&model_name, e))?;
    if let Some(path) = &args.output {
        super::write_output(Some(path), |w| write_csv(&d, w))?;
    }
    if let Some(path) = &args.report {
        let (x, _) = model.prepare(&after)?;
        let features: Vec<String> = model.features.iter().map(|f| f.name.clone()).collect();
        let page = telecluster::report::html::diff_html(&d, before.source(), after.source(), &x, &features);
        super::write_output(Some(path), |w| w.write_all(page.as_bytes()))?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        super::write_json(&mut out, &d)?;
    } else {
        summary(&d, before.source(), after.source(), &mut out)?;
    }
    Ok(if args.fail_on_change && !d.changes.is_empty() {
        ExitCode::from(EXIT_CHANGED)
    } else {
        ExitCode::SUCCESS
    })
}

fn summary(d: &Diff, before: &str, after: &str, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        "{before} -> {after}: {} entities before, {} after, {} in both: {} changed, {} unchanged",
        d.before_rows,
        d.after_rows,
        d.matched,
        d.changes.len(),
        d.unchanged
    )?;
    for (i, c) in d.changes.iter().take(TOP).enumerate() {
        writeln!(w, "{:>3}. {}  {}", i + 1, c.id, c.summary())?;
    }
    if d.changes.len() > TOP {
        writeln!(
            w,
            "  ... and {} more (-o, --json or --report for all)",
            d.changes.len() - TOP
        )?;
    }
    Ok(())
}

fn write_csv(d: &Diff, w: &mut dyn Write) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let features: Vec<String> = d
        .changes
        .iter()
        .find(|c| !c.deltas.is_empty())
        .map(|c| {
            let mut f: Vec<String> = c.deltas.iter().map(|x| x.feature.clone()).collect();
            f.sort();
            f
        })
        .unwrap_or_default();
    let mut header: Vec<String> = [
        "rank",
        "id",
        "what",
        "significance",
        "cluster_before",
        "cluster_after",
        "score_before",
        "score_after",
    ]
    .map(String::from)
    .to_vec();
    for f in &features {
        header.extend([format!("{f}_before"), format!("{f}_after"), format!("{f}_delta")]);
    }
    out.write_record(&header)?;
    let name = |s: Option<&telecluster::diff::Side>| {
        s.map_or(String::new(), |s| {
            s.cluster_name.clone().unwrap_or_else(|| "none".into())
        })
    };
    let score = |s: Option<&telecluster::diff::Side>| s.map_or(String::new(), |s| s.score.to_string());
    for (i, c) in d.changes.iter().enumerate() {
        let what: Vec<String> = c.what.iter().map(|k| format!("{k:?}")).collect();
        let mut rec = vec![
            (i + 1).to_string(),
            c.id.clone(),
            what.join("+"),
            human(c.significance),
            name(c.before.as_ref()),
            name(c.after.as_ref()),
            score(c.before.as_ref()),
            score(c.after.as_ref()),
        ];
        for f in &features {
            match c.deltas.iter().find(|x| &x.feature == f) {
                Some(x) => rec.extend([x.before.to_string(), x.after.to_string(), x.delta.to_string()]),
                None => rec.extend([String::new(), String::new(), String::new()]),
            }
        }
        out.write_record(&rec)?;
    }
    out.flush()
}
