//! `telecluster kmeans`: which endpoints behave alike. Computes the analysis' K-Means part and
//! renders it.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use clap::ValueEnum;
use telecluster::analysis::{
    kmeans_part, kmeans_stream, KChoice, KMeansPart, KMeansPartParams, Prepared, StreamParams,
};
use telecluster::cluster::Algorithm;
use telecluster::explain::profile::Profile;
use telecluster::format::human;
use telecluster::io::csv::{write_rows, write_table};
use telecluster::prep::Scaling;
use telecluster::report::plot::scatter::{scatter_svg, ScatterPlot};
use telecluster::report::words;
use telecluster::select::elbow::{Choice, Elbow};
use telecluster::{Matrix, TextColumn};

use super::input::{InputArgs, ScaleArgs};
use super::plot::PlotArgs;
use super::Notices;

/// The K-Means flags `kmeans`, `elbow`, `report` and `demo` share.
#[derive(Debug, clap::Args)]
pub struct KMeansArgs {
    /// Runs from different k-means++ starts, at most; the best is kept. Large inputs stop once two runs reach the same best inertia
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    n_init: u64,

    /// Iteration limit per run.
    #[arg(long, default_value_t = 300, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_iter: u64,

    /// Convergence tolerance, relative to the mean feature variance.
    #[arg(long, default_value_t = 1e-4, value_name = "X", value_parser = parse_tol)]
    tol: f64,

    /// Random seed of every random choice; the same seed gives the same result.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// Iteration scheme (all give the same labels): lloyd, hamerly (distance bounds), kdtree
    /// (kd-tree filtering, up to 4 features), auto.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Auto)]
    algorithm: AlgorithmArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum AlgorithmArg {
    Lloyd,
    Hamerly,
    Kdtree,
    Auto,
}

fn parse_tol(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t >= 0.0 && t.is_finite() => Ok(t),
        _ => Err(format!("expected a finite number >= 0, got {s:?}")),
    }
}

impl KMeansArgs {
    /// The K-Means part's parameters for `n_clusters`.
    pub fn part(&self, n_clusters: KChoice) -> KMeansPartParams {
        KMeansPartParams {
            n_clusters,
            n_init: self.n_init as usize,
            max_iter: self.max_iter as usize,
            tol: self.tol,
            algorithm: match self.algorithm {
                AlgorithmArg::Lloyd => Algorithm::Lloyd,
                AlgorithmArg::Hamerly => Algorithm::Hamerly,
                AlgorithmArg::Kdtree => Algorithm::KdTree,
                AlgorithmArg::Auto => Algorithm::Auto,
            },
            seed: self.seed,
            max_memory: None,
        }
    }
}

/// `--k`: a number, or `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KArg {
    Fixed(usize),
    Auto,
}

impl FromStr for KArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(KArg::Auto);
        }
        match s.parse::<usize>() {
            Ok(k) if k >= 1 => Ok(KArg::Fixed(k)),
            _ => Err(format!("expected a whole number >= 1 or `auto`, got {s:?}")),
        }
    }
}

/// `--k` and `--k-max`, as `kmeans`, `report` and `demo` take them.
#[derive(Debug, clap::Args)]
pub struct KArgs {
    /// Number of clusters, or `auto` to choose it from an elbow sweep and the silhouette.
    #[arg(long, default_value = "auto", value_name = "N|auto", allow_hyphen_values = true)]
    k: KArg,

    /// Largest k `--k auto` tries.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    k_max: u64,

    #[command(flatten)]
    pub kmeans: KMeansArgs,
}

impl KArgs {
    /// The K-Means part's parameters.
    pub fn part(&self) -> KMeansPartParams {
        self.kmeans.part(match self.k {
            KArg::Fixed(k) => KChoice::Given(k),
            KArg::Auto => KChoice::Auto {
                k_max: self.k_max as usize,
            },
        })
    }
}

/// Flags of `kmeans`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Memory the run may use, e.g. 8G or 500M [default: 75% of RAM]; estimated before it
    /// starts, and refused (with what to do) when above.
    #[arg(long, value_parser = super::hierarchy::parse_size, value_name = "SIZE")]
    max_memory: Option<u64>,

    #[command(flatten)]
    scale: ScaleArgs,

    #[command(flatten)]
    k: KArgs,

    /// Write the input rows with a `cluster` column (0-based, numbered by first appearance).
    #[arg(short, long, value_name = "OUT.csv")]
    output: Option<PathBuf>,

    /// Print the K-Means part as JSON (the `kmeans` object of `report --json`) instead of a table.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    plot: PlotArgs,

    /// Save the fitted model (versioned JSON) for `telecluster score`.
    #[arg(long, value_name = "MODEL.json")]
    save_model: Option<PathBuf>,

    /// Fit a file larger than memory: read it in batches, once per iteration, keeping only a
    /// seeded sample (which chooses k and the starting centres) and per-centre sums. Scaling:
    /// standard, minmax or none.
    #[arg(long)]
    stream: bool,

    /// With --stream: rows in the seeded sample.
    #[arg(long, default_value_t = 100_000, value_name = "N", requires = "stream",
          value_parser = clap::value_parser!(u64).range(1..))]
    sample_rows: u64,
}

/// Rows per batch of a streamed fit: a few megabytes of features at most.
const STREAM_BATCH: usize = 1 << 16;

/// Fits K-Means (choosing K when asked), then writes the labelled rows and the summary.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    if args.stream {
        return run_stream(args, notices);
    }
    let table = args.input.load(notices)?;
    let data = args.scale.prepare(&table, Scaling::Standard)?;
    super::say_memory(
        notices,
        "K-Means",
        telecluster::analysis::kmeans_memory(data.z().n_rows(), data.z().n_cols()),
        args.max_memory,
    );
    let part = super::with_steps(notices, |steps| {
        kmeans_part(
            &data,
            &KMeansPartParams {
                max_memory: args.max_memory,
                ..args.k.part()
            },
            steps,
        )
    })?;
    tell(&part, notices);
    args.plot.write(|| draw(&data, &part, &args.plot))?;
    super::save_model(args.save_model.as_deref(), || {
        telecluster::model::Model::from_kmeans(&data, &part)
    })?;
    if let Some(path) = &args.output {
        let column = TextColumn {
            name: "cluster".into(),
            values: part.labels.iter().map(u32::to_string).collect(),
        };
        super::write_output(Some(path), |w| write_table(&table, &[column], w))?;
    }
    let header = data.header();
    super::print_part(args.json, &header, "kmeans", &part, |w| write_text(&header, &part, w))
}

/// `--stream`: the fit over batches, then the same outputs (labels by one more pass).
fn run_stream(args: Args, notices: Notices) -> anyhow::Result<()> {
    let file = &args.input.file;
    if file.as_os_str() == "-" {
        anyhow::bail!("--stream reads the input several times: give a file, not standard input");
    }
    let params = StreamParams {
        kmeans: args.k.part(),
        scaling: args.scale.scale.map_or(Scaling::Standard, Scaling::from),
        log1p: args.scale.log1p.clone(),
        sample_rows: args.sample_rows as usize,
    };
    let columns = &args.input.columns;
    let mut quiet = true;
    let fit = super::with_steps(notices, |steps| {
        kmeans_stream(
            &params,
            &mut |each| {
                // Dropped rows are told once, on the first pass.
                let n = if std::mem::take(&mut quiet) {
                    notices
                } else {
                    Notices::silent()
                };
                columns.for_each_batch(file, n, STREAM_BATCH, each).map_err(|e| {
                    match e.downcast::<telecluster::Error>() {
                        Ok(e) => e,
                        Err(e) => telecluster::Error::Render(format!("{e:#}")),
                    }
                })
            },
            steps,
        )
    })?;
    tell(&fit.part, notices);
    notices.say(format_args!(
        "note: streamed {} rows in {} passes; k and the starting centres came from a seeded sample of {} rows",
        fit.rows,
        fit.passes,
        fit.sample.n_rows()
    ));
    let sample = Prepared::with_prep(&fit.sample, fit.prep.clone())?;
    // The picture shows the sample's rows (every row would not fit), with the final centres.
    args.plot.write(|| draw(&sample, &fit.part, &args.plot))?;
    super::save_model(args.save_model.as_deref(), || {
        telecluster::model::Model::from_kmeans(&sample, &fit.part)
    })?;
    if let Some(path) = &args.output {
        let centres = &fit.part.centroids_prepared;
        super::write_output(Some(path), |w| {
            let mut first = true;
            let mut each = |table: telecluster::Table| -> telecluster::Result<()> {
                let z = fit.prep.transform(table.x()).map_err(|e| table.locate(e))?;
                let (labels, _) = telecluster::cluster::kmeans::assign(centres, &z)?;
                let column = TextColumn {
                    name: "cluster".into(),
                    values: labels.iter().map(u32::to_string).collect(),
                };
                write_rows(&table, &[column], std::mem::take(&mut first), w)
                    .map_err(|e| telecluster::Error::io("<output>", e))
            };
            columns
                .for_each_batch(file, Notices::silent(), STREAM_BATCH, &mut each)
                .map_err(std::io::Error::other)
        })?;
    }
    let mut header = sample.header();
    header.rows = fit.rows as usize;
    /// The streamed part: the labels are left empty (they were the sample's; `--output` has
    /// every row's), and the passes are told.
    #[derive(serde::Serialize)]
    struct Streamed<'a> {
        #[serde(flatten)]
        part: &'a KMeansPart,
        rows: u64,
        passes: usize,
        sample_rows: usize,
    }
    let mut part = fit.part;
    part.labels = Vec::new();
    let streamed = Streamed {
        part: &part,
        rows: fit.rows,
        passes: fit.passes,
        sample_rows: fit.sample.n_rows(),
    };
    super::print_part(args.json, &header, "kmeans", &streamed, |w| {
        write_text(&header, &part, w)
    })
}

/// Notices on standard error: how K was chosen when it deserves a second look, and warnings.
pub fn tell(part: &KMeansPart, notices: Notices) {
    if let Some(e) = &part.elbow {
        explain_choice(e, notices);
    }
    for w in &part.warnings {
        notices.say(format_args!("warning: {}", w.worded(&super::flags::flag)));
    }
}

/// The groups, shaped and coloured, with their centroids and names from their profiles.
fn draw(data: &Prepared<'_>, part: &KMeansPart, plot: &PlotArgs) -> anyhow::Result<String> {
    let table = data.table();
    let rows: Vec<Vec<f64>> = part.clusters.iter().map(|c| c.centroid.values().collect()).collect();
    let centroids = Matrix::from_rows(&rows)?;
    let groups: Vec<Option<u32>> = part.labels.iter().map(|&l| Some(l)).collect();
    let names: Vec<String> = part.profiles.iter().map(Profile::legend).collect();
    let view = plot.plane(table, data.z(), data.prep(), &centroids)?;
    let hover: Vec<String> = (0..table.n_rows()).map(|i| table.label(i)).collect();
    Ok(scatter_svg(&ScatterPlot {
        title: format!("K-Means: {} groups in {}", part.k, table.source()),
        x_label: view.x_label,
        y_label: view.y_label,
        points: Some(&view.points),
        groups: Some(&groups),
        group_names: names,
        centres: Some(&view.centroids),
        hover: Some(&hover),
        ..ScatterPlot::default()
    }))
}

/// Says on stderr when the choice of K deserves a second look.
pub fn explain_choice(e: &Elbow, notices: Notices) {
    if e.disagree() {
        notices.say(format_args!(
            "note: the criteria differ ({}); chose k={} ({})",
            telecluster::report::words::k_votes(&e.votes),
            e.chosen,
            match e.choice {
                Choice::Tie => "a tie, broken by Calinski-Harabasz or the best silhouette",
                _ => "the k most of them name",
            }
        ));
    }
    if e.weak_structure {
        notices.say("note: the best mean silhouette is below 0.25: the data shows no substantial clusters");
    }
    if let Some(n) = e.sampled {
        notices.say(format_args!(
            "note: the sweep over k ran on a seeded sample of {n} rows; the chosen k was then fitted on every row"
        ));
    }
    if let Some(n) = e.silhouette_sampled {
        notices.say(format_args!(
            "note: silhouettes were computed on a stratified sample of {n} rows"
        ));
    }
}

fn write_text(h: &telecluster::analysis::Header, p: &KMeansPart, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        "K-Means on {}: {} rows, features {} ({} scaling)",
        h.source,
        h.rows,
        h.features.join(", "),
        h.scaling
    )?;
    writeln!(
        w,
        "k = {} ({}); inertia {} after {} iterations{}",
        p.k,
        words::k_chosen_by(p.chosen_by),
        human(p.inertia),
        p.n_iter,
        if p.converged { "" } else { " (not converged)" }
    )?;
    let mut head = vec!["cluster".to_string(), "size".to_string()];
    head.extend(h.features.iter().cloned());
    let mut rows = vec![head];
    for c in &p.clusters {
        let mut r = vec![c.id.to_string(), c.size.to_string()];
        r.extend(c.centroid.values().map(human));
        rows.push(r);
    }
    super::write_columns(&rows, 1, w)
}
