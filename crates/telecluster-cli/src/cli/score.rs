//! `telecluster score`: new telemetry against a saved model, for cron and CI.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use telecluster::io::csv::write_rows;
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

    /// Write the input rows with `cluster` (-1 = none), `score`, `anomalous`, `confidence` (views
    /// agreeing, of `views_looked`), `views` and `why`.
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

/// Rows read, scored and written at a time: memory stays flat whatever the input's length.
const BATCH: usize = 1 << 16;

/// Views that must agree for a row to be listed as flagged by several.
const AGREED: usize = telecluster::analysis::LIST_FROM;

/// Anomalies listed in the summary.
const TOP: usize = 20;

/// What the summary needs of the rows scored so far.
#[derive(Default)]
struct Tally {
    source: String,
    rows: usize,
    anomalous: usize,
    /// Rows flagged by several views.
    agreed: usize,
    /// Rows in no group or flagged by several views.
    top_candidates: usize,
    /// The most agreed, then highest-scoring rows in no group or flagged by several views:
    /// (confidence, score, row, label, why).
    top: Vec<(usize, f64, usize, String, String)>,
}

/// A feature the scored file lacks is the data's fault, not a flag's (exit 1): said as the
/// model's feature missing from the file. `model` names the model.
pub fn feature_missing(model: &str, e: Error) -> Error {
    match e {
        Error::UnknownColumn {
            path,
            name: feature,
            available,
        } => Error::Model {
            path: model.to_string(),
            detail: format!(
                "the model's feature \"{feature}\" is not in {path} (its features: {})",
                available.join(", ")
            ),
        },
        other => other,
    }
}

/// Scores the rows batch by batch; the exit code says whether any is anomalous (with
/// `--fail-on-anomaly`).
pub fn run(args: Args, notices: Notices) -> anyhow::Result<ExitCode> {
    let name = args.model.display().to_string();
    let text = std::fs::read_to_string(&args.model).map_err(|e| Error::io(name.clone(), e))?;
    let model = Model::from_json(&text, &name)?;
    let tally = with_file(args.output.as_deref(), |mut file| {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut tally = Tally::default();
        let mut each = |table: Table| -> telecluster::Result<()> {
            // A feature the file lacks is the data's fault, not a flag's: exit 1, naming it.
            let scored = model.score(&table).map_err(|e| feature_missing(&name, e))?;
            let io = |e: std::io::Error| Error::io("<output>", e);
            if let Some(w) = file.as_deref_mut() {
                write_rows(&table, &columns(&scored), tally.rows == 0, w).map_err(io)?;
            }
            if args.json {
                for (i, s) in scored.iter().enumerate() {
                    out.write_all(if tally.rows + i == 0 { b"[\n" } else { b",\n" })
                        .map_err(io)?;
                    serde_json::to_writer(
                        &mut out,
                        &Row {
                            id: table.label(i),
                            scored: s,
                        },
                    )
                    .map_err(|e| io(e.into()))?;
                }
            }
            tally.add(&table, &scored);
            Ok(())
        };
        args.input
            .columns
            .for_each_batch(&args.input.file, notices, BATCH, &mut each)?;
        if args.json {
            out.write_all(b"\n]\n")?;
        } else {
            summary(&model, &tally, &mut out)?;
        }
        out.flush()?;
        Ok(tally)
    })?;
    Ok(if args.fail_on_anomaly && tally.anomalous > 0 {
        ExitCode::from(EXIT_ANOMALY)
    } else {
        ExitCode::SUCCESS
    })
}

impl Tally {
    fn add(&mut self, table: &Table, scored: &[Scored]) {
        self.source = table.source().to_string();
        for (i, s) in scored.iter().enumerate() {
            self.anomalous += usize::from(s.anomalous);
            self.agreed += usize::from(s.confidence >= AGREED);
            if s.anomalous || s.confidence >= AGREED {
                self.top_candidates += 1;
                self.top
                    .push((s.confidence, s.score, self.rows + i, table.label(i), s.to_string()));
            }
        }
        self.top
            .sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
        self.top.truncate(TOP);
        self.rows += scored.len();
    }
}

/// Runs `body` with the `-o` file (written atomically: nothing is left if `body` fails), or
/// with standard output for `-`, or with none.
fn with_file<T>(
    path: Option<&Path>,
    body: impl FnOnce(Option<&mut dyn Write>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    match path {
        None => body(None),
        Some(p) if p.as_os_str() == "-" => body(Some(&mut std::io::stdout().lock())),
        Some(p) => {
            let mut outcome = None;
            let written = telecluster::io::write_atomic(p, |w| {
                let r = body(Some(w));
                let failed = r.is_err();
                outcome = Some(r);
                if failed {
                    Err(std::io::Error::other("scoring stopped"))
                } else {
                    Ok(())
                }
            });
            match outcome {
                Some(Err(e)) => Err(e),
                Some(Ok(v)) => written.map(|()| v).map_err(Into::into),
                None => Err(written.expect_err("the body ran unless writing failed first").into()),
            }
        }
    }
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
        text("confidence", &|s| s.confidence.to_string()),
        text("views_looked", &|s| s.of.to_string()),
        text("views", &|s| {
            s.views.iter().map(|v| v.name()).collect::<Vec<_>>().join("+")
        }),
        text("why", &|s| {
            if s.anomalous || s.confidence > 0 {
                s.to_string()
            } else {
                String::new()
            }
        }),
    ]
}

fn summary(model: &Model, tally: &Tally, w: &mut dyn Write) -> std::io::Result<()> {
    let method = match model.method {
        Method::Kmeans(_) => "K-Means",
        Method::Dbscan(_) => "DBSCAN",
    };
    writeln!(
        w,
        "{}: {} rows scored against a {method} model: {} anomalous (in no group), {} flagged by several views",
        tally.source, tally.rows, tally.anomalous, tally.agreed
    )?;
    for (_, _, _, label, why) in &tally.top {
        writeln!(w, "  {label}  {why}")?;
    }
    let listed = tally.top.len();
    let flagged = tally.top_candidates;
    if flagged > listed {
        writeln!(w, "  ... and {} more (-o or --json for all)", flagged - listed)?;
    }
    Ok(())
}
