//! `telecluster report`: the notebook's whole analysis as one self-contained HTML page.

use std::io::Write;
use std::path::{Path, PathBuf};

use telecluster::analysis::{analyse, Analysis, AnalysisParams};
use telecluster::cluster::linkage::Method;
use telecluster::format::human;
use telecluster::report::html::html;
use telecluster::report::{pictures, Pictures};
use telecluster::Table;

use super::input::{InputArgs, ScaleKind};
use super::progress::Progress;
use super::Notices;

/// Flags of the analysis, shared by `report` and `demo`.
#[derive(Debug, clap::Args)]
pub struct AnalysisArgs {
    /// Scaling of the features [default: standard].
    #[arg(long, value_enum, value_name = "KIND")]
    scale: Option<ScaleKind>,

    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// K-Means groups [default: chosen by the elbow and silhouette].
    #[arg(long, value_name = "N")]
    k: Option<usize>,

    /// Largest k of the elbow sweep.
    #[arg(long, default_value_t = 10, value_name = "N")]
    k_max: usize,

    /// K-Means runs per k.
    #[arg(long, default_value_t = 10, value_name = "N")]
    n_init: usize,

    /// DBSCAN radius in scaled units [default: the k-distance knee].
    #[arg(long, value_name = "E")]
    eps: Option<f64>,

    /// DBSCAN min_samples [default: 2 x features].
    #[arg(long, value_name = "M")]
    min_samples: Option<usize>,

    /// Hierarchical linkage.
    #[arg(long, default_value = "ward", value_parser = super::hierarchy::parse_method, value_name = "METHOD")]
    method: Method,

    /// Rows above which the hierarchy runs on a seeded sample of this many.
    #[arg(long, default_value_t = 2000, value_name = "N")]
    sample: usize,

    /// Feature on the pictures' x axis (with --y) [default: the first, or principal components].
    #[arg(long, value_name = "COLUMN", requires = "y")]
    x: Option<String>,

    /// Feature on the pictures' y axis (with --x).
    #[arg(long, value_name = "COLUMN", requires = "x")]
    y: Option<String>,
}

impl AnalysisArgs {
    pub fn params(&self) -> AnalysisParams {
        AnalysisParams {
            scaling: self.scale.map_or(telecluster::prep::Scaling::Standard, Into::into),
            seed: self.seed,
            k: self.k,
            k_max: self.k_max,
            n_init: self.n_init,
            eps: self.eps,
            min_samples: self.min_samples,
            method: self.method,
            hierarchy_rows: self.sample,
            axes: self.x.clone().zip(self.y.clone()),
        }
    }
}

/// Flags of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    analysis: AnalysisArgs,

    /// The report file.
    #[arg(short, long, default_value = "report.html", value_name = "FILE.html")]
    output: PathBuf,

    /// Also write the analysis as JSON beside the report (same name, `.json`).
    #[arg(long)]
    json: bool,
}

/// Runs the analysis and writes the report.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let (a, pics) = analyse_and_draw(&table, &args.analysis.params(), notices)?;
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
    let bar = Progress::steps(notices, 3, "analysis");
    let mut done = 0;
    let a = analyse(table, params, |step| {
        bar.at(done, step);
        done += 1;
    })?;
    drop(bar);
    let pics = pictures(&a);
    Ok((a, pics))
}

/// Writes the HTML (and the JSON beside it) atomically.
pub fn write_report(a: &Analysis, pics: &Pictures, path: &Path, json: bool) -> anyhow::Result<()> {
    let page = html(a, pics);
    super::write_output(Some(path), |w| w.write_all(page.as_bytes()))?;
    if json {
        let json_path = path.with_extension("json");
        super::write_output(Some(&json_path), |w| {
            serde_json::to_writer_pretty(&mut *w, a)?;
            writeln!(w)
        })?;
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
        a.source,
        a.rows,
        a.kmeans.k,
        groups.join(", ")
    )?;
    writeln!(
        w,
        "{} anomalies (rows that fit no group), highest score first:",
        a.dbscan.n_noise
    )?;
    for an in a.dbscan.anomalies.iter().take(3) {
        let why = an.reasons.first().cloned().unwrap_or_default();
        writeln!(w, "  {}  score {}  {}", an.id, human(an.score), why)?;
    }
    if a.dbscan.n_noise > 3 {
        writeln!(w, "  ... and {} more in the report", a.dbscan.n_noise - 3)?;
    }
    writeln!(w, "report: {}", path.display())
}
