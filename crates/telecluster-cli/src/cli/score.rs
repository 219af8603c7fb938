//! `telecluster score`: new telemetry against a saved model, for cron and CI.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use telecluster::format::human;
use telecluster::io::csv::write_table;
use telecluster::model::{Method, Model, Scored};
use telecluster::{Error, Table, TextColumn};

use super::input::InputArgs;
use super::Notices;

/// The exit code of `--fail-on-anomaly` when a row is anomalous.
pub const EXIT_ANOMALY: u8 = 3;

/// Flags of `score`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model, as written by `--save-model`.
    #[arg(long, value_name = "MODEL.json")]
    model: PathBuf,

    #[command(flatten)]
    input: InputArgs,

    /// Write the input rows with `cluster` (-1 = none), `score`, `anomalous` and `reasons`.
    #[arg(short, long, value_name = "OUT.csv")]
    output: Option<PathBuf>,

    /// Print every row's result as JSON instead of the summary.
    #[arg(long)]
    json: bool,

    /// Exit with code 3 when any row is anomalous (0 otherwise), for cron and CI.
    #[arg(long)]
    fail_on_anomaly: bool,
}

#[derive(serde::Serialize)]
struct Row<'a> {
    id: String,
    #[serde(flatten)]
    scored: &'a Scored,
}

/// Scores the rows; the exit code says whether any is anomalous (with `--fail-on-anomaly`).
pub fn run(args: Args, notices: Notices) -> anyhow::Result<ExitCode> {
    let name = args.model.display().to_string();
    let text = std::fs::read_to_string(&args.model).map_err(|e| Error::io(name.clone(), e))?;
    let model = Model::from_json(&text, &name)?;
    let table = args.input.load(notices)?;
    // A feature the file lacks is the data's fault, not a flag's: an error (exit 1) naming it.
    let scored = model.score(&table).map_err(|e| match e {
        Error::UnknownColumn {
            path,
            name: feature,
            available,
        } => Error::Model {
            path: name.clone(),
            detail: format!(
                "the model's feature \"{feature}\" is not in {path} (its features: {})",
                available.join(", ")
            ),
        },
        other => other,
    })?;
    if let Some(path) = &args.output {
        super::write_output(Some(path), |w| write_table(&table, &columns(&scored), w))?;
    }
    let n_anomalous = scored.iter().filter(|s| s.anomalous).count();
    super::write_output(None, |w| {
        if args.json {
            let rows: Vec<Row<'_>> = scored
                .iter()
                .enumerate()
                .map(|(i, s)| Row {
                    id: table.label(i),
                    scored: s,
                })
                .collect();
            super::write_json(w, &rows)
        } else {
            summary(&model, &table, &scored, n_anomalous, w)
        }
    })?;
    Ok(if args.fail_on_anomaly && n_anomalous > 0 {
        ExitCode::from(EXIT_ANOMALY)
    } else {
        ExitCode::SUCCESS
    })
}

fn columns(scored: &[Scored]) -> Vec<TextColumn> {
    let text = |name: &str, f: &dyn Fn(&Scored) -> String| TextColumn {
        name: name.into(),
        values: scored.iter().map(f).collect(),
    };
    vec![
        text("cluster", &|s| s.cluster.map_or("-1".into(), |c| c.to_string())),
        text("score", &|s| format!("{}", s.score)),
        text("anomalous", &|s| s.anomalous.to_string()),
        text("reasons", &|s| {
            s.reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        }),
    ]
}

fn summary(
    model: &Model,
    table: &Table,
    scored: &[Scored],
    n_anomalous: usize,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let method = match model.method {
        Method::Kmeans(_) => "K-Means",
        Method::Dbscan(_) => "DBSCAN",
    };
    writeln!(
        w,
        "{}: {} rows scored against a {method} model: {n_anomalous} anomalous",
        table.source(),
        scored.len()
    )?;
    let mut order: Vec<usize> = (0..scored.len()).filter(|&i| scored[i].anomalous).collect();
    order.sort_by(|&a, &b| scored[b].score.total_cmp(&scored[a].score).then(a.cmp(&b)));
    for &i in order.iter().take(20) {
        let why = scored[i].reasons.first().map(ToString::to_string).unwrap_or_default();
        writeln!(w, "  {}  score {}  {why}", table.label(i), human(scored[i].score))?;
    }
    if order.len() > 20 {
        writeln!(w, "  ... and {} more (-o or --json for all)", order.len() - 20)?;
    }
    Ok(())
}
