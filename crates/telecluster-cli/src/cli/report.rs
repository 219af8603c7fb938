//! `telecluster report`: the notebook's whole analysis as one self-contained HTML page.

use std::io::Write;
use std::path::{Path, PathBuf};

use telecluster::analysis::{analyse, Analysis, AnalysisParams, REPORT_HIERARCHY_ROWS};
use telecluster::format::human;
use telecluster::report::html::html;
use telecluster::report::{pictures, Pictures};
use telecluster::Table;

use super::dbscan::DbscanArgs;
use super::hierarchy::HierarchyArgs;
use super::ingest::logs::LogArgs;
use super::ingest::prometheus::PromArgs;
use super::input::{ColumnArgs, ScaleArgs};
use super::kmeans::KArgs;
use super::Notices;

/// Flags of the analysis, shared by `report` and `demo`: every part's flags, named as the
/// subcommand that computes that part names them.
#[derive(Debug, clap::Args)]
pub struct AnalysisArgs {
    #[command(flatten)]
    scale: ScaleArgs,

    #[command(flatten)]
    k: KArgs,

    #[command(flatten)]
    dbscan: DbscanArgs,

    #[command(flatten)]
    hierarchy: HierarchyArgs,

    /// Feature on the pictures' x axis (with --y) [default: the first, or principal components].
    #[arg(long, value_name = "COLUMN", requires = "y")]
    x: Option<String>,

    /// Feature on the pictures' y axis (with --x).
    #[arg(long, value_name = "COLUMN", requires = "x")]
    y: Option<String>,
}

impl AnalysisArgs {
    /// The analysis' parameters for `table`: `--seed` seeds every part.
    pub fn params(&self, table: &Table) -> anyhow::Result<AnalysisParams> {
        let seed = self.k.kmeans.seed;
        let hierarchy = self.hierarchy.part(seed, Some(REPORT_HIERARCHY_ROWS));
        // One --max-memory for every part.
        let max_memory = hierarchy.max_memory;
        Ok(AnalysisParams {
            prep: self.scale.params(table, telecluster::prep::Scaling::Standard)?,
            kmeans: telecluster::analysis::KMeansPartParams {
                max_memory,
                ..self.k.part()
            },
            dbscan: telecluster::analysis::DbscanPartParams {
                max_memory,
                ..self.dbscan.part(seed)
            },
            hierarchy,
            axes: self.x.clone().zip(self.y.clone()),
        })
    }
}

/// Where `report` reads telemetry: a feature file, access logs or Prometheus.
#[derive(Debug, clap::Args)]
pub struct ReportInput {
    /// CSV or TSV file with a header line, or `-` for standard input (or use --logs or
    /// --prometheus).
    #[arg(required_unless_present_any = ["logs", "prometheus", "files"], conflicts_with_all = ["logs", "prometheus"])]
    file: Option<PathBuf>,

    #[command(flatten)]
    columns: ColumnArgs,

    /// Access logs to read and aggregate per endpoint first (see `telecluster ingest logs`).
    #[arg(long, num_args = 1.., value_name = "LOG", conflicts_with = "prometheus")]
    logs: Vec<PathBuf>,

    #[command(flatten)]
    log: LogArgs,

    /// A Prometheus server to query for the features first (see `telecluster ingest
    /// prometheus`; the features are the --query flags).
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,

    #[command(flatten)]
    prom: PromArgs,
}

impl ReportInput {
    /// The table from whichever source was given.
    pub fn load(&self, notices: Notices) -> anyhow::Result<Table> {
        if !self.logs.is_empty() {
            self.log.load(&self.logs, notices)
        } else if self.prometheus.is_some() || !self.prom.files.is_empty() {
            self.prom.load(self.prometheus.as_deref(), notices)
        } else {
            let file = self
                .file
                .as_deref()
                .expect("clap requires a file without --logs or --prometheus");
            self.columns.load(file, notices)
        }
    }
}

/// Flags of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: ReportInput,

    #[command(flatten)]
    analysis: AnalysisArgs,

    /// The report file.
    #[arg(short, long, default_value = "report.html", value_name = "FILE.html")]
    output: PathBuf,

    /// Also write the analysis as JSON beside the report (same name, `.json`).
    #[arg(long)]
    json: bool,

    /// Save a fitted model (versioned JSON) for `telecluster score` and `telecluster diff`.
    #[arg(long, value_name = "MODEL.json")]
    save_model: Option<PathBuf>,

    /// The part the saved model holds: dbscan (rows in no dense group are anomalous) or kmeans
    /// (rows beyond every member of their group are).
    #[arg(
        long,
        value_enum,
        default_value = "dbscan",
        requires = "save_model",
        value_name = "METHOD"
    )]
    model_method: ModelMethod,
}

/// The `--model-method` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelMethod {
    /// The DBSCAN part.
    Dbscan,
    /// The K-Means part.
    Kmeans,
}

/// Runs the analysis and writes the report.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let params = args.analysis.params(&table)?;
    let (a, pics) = analyse_and_draw(&table, &params, notices)?;
    super::save_model(args.save_model.as_deref(), || {
        // The same preparation the analysis fitted: deterministic, so refitting it is exact.
        let data = telecluster::analysis::Prepared::new(&table, &params.prep)?;
        match args.model_method {
            ModelMethod::Dbscan => telecluster::model::Model::from_dbscan(&data, &a.dbscan),
            ModelMethod::Kmeans => telecluster::model::Model::from_kmeans(&data, &a.kmeans),
        }
    })?;
    write_report(&a, &pics, &args.output, args.json)?;
    summary(&a, &args.output, &mut std::io::stdout().lock())?;
    Ok(())
}

/// The analysis and its pictures.
pub fn analyse_and_draw(
    table: &Table,
    params: &AnalysisParams,
    notices: Notices,
) -> anyhow::Result<(Analysis, Pictures)> {
    let a = super::with_steps(notices, |steps| analyse(table, params, steps))?;
    super::kmeans::tell(&a.kmeans, notices);
    super::dbscan::tell(&a.dbscan, notices);
    let pics = pictures(&a);
    Ok((a, pics))
}

/// Writes the HTML (and the JSON beside it) atomically.
pub fn write_report(a: &Analysis, pics: &Pictures, path: &Path, json: bool) -> anyhow::Result<()> {
    let page = html(a, pics);
    super::write_output(Some(path), |w| w.write_all(page.as_bytes()))?;
    if json {
        let json_path = path.with_extension("json");
        super::write_output(Some(&json_path), |w| super::write_json(w, a))?;
    }
    Ok(())
}

/// A few lines for the terminal: the groups, the top anomalies, where the report is.
pub fn summary(a: &Analysis, path: &Path, w: &mut dyn Write) -> std::io::Result<()> {
    let groups: Vec<String> = a
        .kmeans
        .profiles
        .iter()
        .map(|p| format!("{} ({})", p.name, p.size))
        .collect();
    writeln!(
        w,
        "{}: {} rows in {} groups: {}",
        a.header.source,
        a.header.rows,
        a.kmeans.k,
        groups.join(", ")
    )?;
    let agreed = &a.consensus.anomalies;
    if !agreed.is_empty() {
        writeln!(w, "{} rows flagged by several views, most agreed first:", agreed.len())?;
        for an in agreed.iter().take(3) {
            writeln!(w, "  {}  {an}", an.id)?;
        }
        if agreed.len() > 3 {
            writeln!(w, "  ... and {} more in the report", agreed.len() - 3)?;
        }
    }
    writeln!(
        w,
        "{} anomalies (rows that fit no group), highest score first:",
        a.dbscan.n_noise
    )?;
    for an in a.dbscan.anomalies.iter().take(3) {
        let why = an.reasons.first().map(ToString::to_string).unwrap_or_default();
        writeln!(w, "  {}  score {}  {}", an.id, human(an.score), why)?;
    }
    if a.dbscan.n_noise > 3 {
        writeln!(w, "  ... and {} more in the report", a.dbscan.n_noise - 3)?;
    }
    writeln!(w, "report: {}", path.display())
}
