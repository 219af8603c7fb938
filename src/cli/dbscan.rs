//! `telecluster dbscan`: which rows fit no group (the alert candidates), and why.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use clap::ValueEnum;
use serde::Serialize;
use telecluster::cluster::dbscan::{estimate_work, Index};
use telecluster::cluster::{Dbscan, DbscanParams};
use telecluster::explain::anomaly::{explain, Explanation};
use telecluster::explain::profile::{profiles, Profile};
use telecluster::format::human;
use telecluster::io::csv::write_table;
use telecluster::prep::Prep;
use telecluster::prep::Scaling;
use telecluster::report::plot::scatter::{scatter_svg, ScatterPlot};
use telecluster::report::CALLOUTS;
use telecluster::select::kdist::{curve, KDistance, MAX_CURVE_ROWS};
use telecluster::{Matrix, Table, TextColumn};

use super::input::{InputArgs, ScaleArgs};
use super::kmeans::Named;
use super::plot::PlotArgs;
use super::progress::Progress;
use super::Notices;

/// Rows from which the work estimate is printed before fitting.
const ESTIMATE_FROM_ROWS: usize = 100_000;

/// `--eps`: a radius, or `auto`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EpsChoice {
    Fixed(f64),
    Auto,
}

impl FromStr for EpsChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(EpsChoice::Auto);
        }
        match s.parse::<f64>() {
            Ok(e) if e > 0.0 && e.is_finite() => Ok(EpsChoice::Fixed(e)),
            _ => Err(format!("expected a number > 0 or `auto`, got {s:?}")),
        }
    }
}

/// Flags of `dbscan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    scale: ScaleArgs,

    /// Neighbourhood radius in scaled units (distance <= eps), or `auto` for the knee of the
    /// k-distance curve (see `telecluster kdist`).
    #[arg(long, default_value = "auto", value_name = "E|auto")]
    eps: EpsChoice,

    /// Rows within eps, the row itself included, that make a row core [default: 2 x features].
    #[arg(long, value_name = "M")]
    min_samples: Option<usize>,

    /// Spatial index (every choice gives the same labels): auto, grid (up to 3 features), kdtree.
    #[arg(long, value_enum, default_value_t = IndexArg::Auto)]
    index: IndexArg,

    /// Anomalies listed in the text output (all of them with --json).
    #[arg(long, default_value_t = 20, value_name = "N")]
    top: usize,

    /// Write the input rows with `cluster` (-1 = noise), `core` and `score` columns.
    #[arg(short, long, value_name = "OUT.csv")]
    output: Option<PathBuf>,

    /// Print a JSON summary instead of tables.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    plot: PlotArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum IndexArg {
    Auto,
    Grid,
    Kdtree,
}

#[derive(Serialize)]
struct Summary {
    source: String,
    rows: usize,
    features: Vec<String>,
    scaling: Scaling,
    eps: f64,
    eps_chosen_by: &'static str,
    min_samples: usize,
    n_clusters: usize,
    n_noise: usize,
    n_core: usize,
    clusters: Vec<ClusterSummary>,
    anomalies: Vec<AnomalyOut>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct ClusterSummary {
    id: u32,
    size: usize,
    median: Named,
}

#[derive(Serialize)]
struct AnomalyOut {
    id: String,
    row: usize,
    values: Named,
    score: f64,
    nearest_cluster: Option<u32>,
    reasons: Vec<ReasonOut>,
}

#[derive(Serialize)]
struct ReasonOut {
    feature: String,
    value: f64,
    cluster_median: f64,
    mad_z: Option<f64>,
    text: String,
}

/// Chooses eps when asked, fits DBSCAN, scores the rows and writes the results.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let (prep, z) = args.scale.prepare(&table, Scaling::Standard)?;
    let min_samples = args.min_samples.unwrap_or(2 * z.n_cols());
    let (eps, chosen_by) = match args.eps {
        EpsChoice::Fixed(e) => (e, "given"),
        EpsChoice::Auto => {
            let c = curve(&z, min_samples, MAX_CURVE_ROWS, 0)?;
            notices.say(describe_choice(&c));
            if c.eps <= 0.0 {
                anyhow::bail!(
                    "eps auto: every row has {} exact duplicate(s) or more, so every k-distance is 0 and \
                     there is no scale to choose eps from; give --eps",
                    c.k
                );
            }
            (c.eps, "k-distance knee")
        }
    };
    let params = DbscanParams::new(eps, min_samples)
        .index(match args.index {
            IndexArg::Auto => Index::Auto,
            IndexArg::Grid => Index::Grid,
            IndexArg::Kdtree => Index::KdTree,
        })
        .check()?;
    if z.n_rows() >= ESTIMATE_FROM_ROWS {
        let w = estimate_work(&z, eps, min_samples, 2000, 0);
        notices.say(format_args!(
            "{} rows: about {} neighbours per row within eps and {:.0}% core rows (from a {}-row sample)",
            z.n_rows(),
            human(w.mean_neighbours),
            w.core_fraction * 100.0,
            w.sample
        ));
    }
    let big = z.n_rows() >= ESTIMATE_FROM_ROWS;
    let spinner = Progress::spinner(notices, big, &format!("DBSCAN on {} rows", z.n_rows()));
    let model = params.fit(&z)?;
    drop(spinner);
    let warnings: Vec<String> = model.red_flags().iter().map(ToString::to_string).collect();
    for w in &warnings {
        notices.say(format_args!("warning: {w}"));
    }
    let spinner = Progress::spinner(notices, big, "scoring the rows");
    let explanation = explain(&model, &z, table.x(), table.features());
    drop(spinner);
    args.plot
        .write(|| draw(&table, &z, &prep, &model, &explanation, &args.plot))?;
    if let Some(path) = &args.output {
        let columns = output_columns(&model, &explanation);
        super::write_output(Some(path), |w| write_table(&table, &columns, w))?;
    }
    let summary = summarize(&table, prep.scaler().kind(), &model, &explanation, chosen_by, warnings);
    super::write_output(None, |w| {
        if args.json {
            serde_json::to_writer_pretty(&mut *w, &summary)?;
            writeln!(w)
        } else {
            write_text(&summary, args.top, w)
        }
    })
}

/// The notice for an automatic eps.
pub fn describe_choice(c: &KDistance) -> String {
    let sampled = if c.is_sampled() {
        format!(" (a sample of {} of {} rows)", c.sampled_rows, c.n_rows)
    } else {
        String::new()
    };
    match c.knee {
        Some(i) => format!(
            "eps auto: {} at the knee of the {}-distance curve, row {} of {}{sampled}",
            human(c.eps),
            c.k,
            i + 1,
            c.sorted.len()
        ),
        None => format!(
            "eps auto: the {}-distance curve has no knee{sampled}; using its median, {}",
            c.k,
            human(c.eps)
        ),
    }
}

/// The groups and the anomalies, the highest-scoring named.
fn draw(
    table: &Table,
    z: &Matrix,
    prep: &Prep,
    model: &Dbscan,
    e: &Explanation,
    plot: &PlotArgs,
) -> anyhow::Result<String> {
    let groups: Vec<Option<u32>> = model.labels().iter().map(|l| l.cluster()).collect();
    let names: Vec<String> = profiles(table.x(), &groups, model.n_clusters(), table.features())
        .iter()
        .map(Profile::legend)
        .collect();
    let view = plot.plane(table, z, prep, &Matrix::zeros(0, z.n_cols()))?;
    let hover: Vec<String> = (0..table.n_rows()).map(|i| table.label(i)).collect();
    let callouts = e
        .anomalies
        .iter()
        .take(CALLOUTS)
        .map(|a| (a.row, table.label(a.row)))
        .collect();
    Ok(scatter_svg(&ScatterPlot {
        title: format!(
            "DBSCAN: {} groups, {} anomalies in {}",
            model.n_clusters(),
            model.n_noise(),
            table.source()
        ),
        x_label: view.x_label,
        y_label: view.y_label,
        points: Some(&view.points),
        groups: Some(&groups),
        group_names: names,
        callouts,
        hover: Some(&hover),
        ..ScatterPlot::default()
    }))
}

fn output_columns(model: &Dbscan, e: &Explanation) -> Vec<TextColumn> {
    vec![
        TextColumn {
            name: "cluster".into(),
            values: model.labels().iter().map(|l| l.as_i64().to_string()).collect(),
        },
        TextColumn {
            name: "core".into(),
            values: model.is_core().iter().map(|c| c.to_string()).collect(),
        },
        TextColumn {
            name: "score".into(),
            values: e.scores.iter().map(|s| format!("{s:.4}")).collect(),
        },
    ]
}

fn summarize(
    table: &Table,
    scaling: Scaling,
    model: &Dbscan,
    e: &Explanation,
    chosen_by: &'static str,
    warnings: Vec<String>,
) -> Summary {
    let features = table.features();
    let named = |values: &[f64]| Named(features.iter().cloned().zip(values.iter().copied()).collect());
    let clusters = model
        .cluster_sizes()
        .iter()
        .enumerate()
        .map(|(c, &size)| ClusterSummary {
            id: c as u32,
            size,
            median: named(&e.medians[c]),
        })
        .collect();
    let anomalies = e
        .anomalies
        .iter()
        .map(|a| AnomalyOut {
            id: table.label(a.row),
            row: a.row,
            values: named(table.x().row(a.row)),
            score: a.score,
            nearest_cluster: a.nearest_cluster,
            reasons: a
                .reasons
                .iter()
                .map(|r| ReasonOut {
                    feature: r.feature.clone(),
                    value: r.value,
                    cluster_median: r.median,
                    mad_z: r.mad_z,
                    text: r.to_string(),
                })
                .collect(),
        })
        .collect();
    Summary {
        source: table.source().to_string(),
        rows: table.n_rows(),
        features: features.to_vec(),
        scaling,
        eps: model.eps(),
        eps_chosen_by: chosen_by,
        min_samples: model.min_samples(),
        n_clusters: model.n_clusters(),
        n_noise: model.n_noise(),
        n_core: model.is_core().iter().filter(|&&c| c).count(),
        clusters,
        anomalies,
        warnings,
    }
}

fn write_text(s: &Summary, top: usize, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        "{}: {} rows, eps {} ({}), min_samples {}: {} cluster(s), {} noise row(s), {} core",
        s.source,
        s.rows,
        human(s.eps),
        s.eps_chosen_by,
        s.min_samples,
        s.n_clusters,
        s.n_noise,
        s.n_core
    )?;
    writeln!(w)?;
    let mut rows = vec![std::iter::once("cluster".to_string())
        .chain(std::iter::once("size".to_string()))
        .chain(s.features.iter().map(|f| format!("median {f}")))
        .collect::<Vec<_>>()];
    for c in &s.clusters {
        rows.push(
            [c.id.to_string(), c.size.to_string()]
                .into_iter()
                .chain(c.median.0.iter().map(|(_, v)| human(*v)))
                .collect(),
        );
    }
    super::write_columns(&rows, 0, w)?;
    if s.anomalies.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    let shown = s.anomalies.len().min(top);
    writeln!(w, "anomalies, highest score first ({shown} of {}):", s.anomalies.len())?;
    let mut rows = vec![vec!["id".to_string(), "score".into(), "why".into()]];
    for a in s.anomalies.iter().take(top) {
        let why: Vec<&str> = a.reasons.iter().map(|r| r.text.as_str()).collect();
        rows.push(vec![a.id.clone(), format!("{:.2}", a.score), why.join("; ")]);
    }
    super::write_columns(&rows, 1, w)
}
