//! `telecluster kmeans`: which endpoints behave alike.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use clap::ValueEnum;
use serde::Serialize;
use telecluster::cluster::{first_appearance, Algorithm, KMeans, KMeansParams};
use telecluster::explain::profile::{profiles, Profile};
use telecluster::format::human;
use telecluster::io::csv::write_table;
use telecluster::prep::{Prep, Scaling};
use telecluster::report::plot::scatter::{scatter_svg, ScatterPlot};
use telecluster::select::elbow::{sweep, Choice, Elbow, ElbowParams};
use telecluster::{Matrix, Table, TextColumn};

use super::input::{InputArgs, ScaleArgs};
use super::plot::PlotArgs;
use super::progress::Progress;
use super::Notices;

/// The K-Means flags `kmeans` and `elbow` share.
#[derive(Debug, clap::Args)]
pub struct KMeansArgs {
    /// Runs from different k-means++ starts; the best is kept.
    #[arg(long, default_value_t = 10, value_name = "N")]
    n_init: usize,

    /// Iteration limit per run.
    #[arg(long, default_value_t = 300, value_name = "N")]
    max_iter: usize,

    /// Convergence tolerance, relative to the mean feature variance.
    #[arg(long, default_value_t = 1e-4, value_name = "X")]
    tol: f64,

    /// Random seed; the same seed gives the same result.
    #[arg(long, default_value_t = 0)]
    seed: u64,

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

impl KMeansArgs {
    /// The library parameters for `k` clusters.
    pub fn params(&self, k: usize) -> KMeansParams {
        KMeansParams::new(k)
            .n_init(self.n_init)
            .max_iter(self.max_iter)
            .tol(self.tol)
            .seed(self.seed)
            .algorithm(match self.algorithm {
                AlgorithmArg::Lloyd => Algorithm::Lloyd,
                AlgorithmArg::Hamerly => Algorithm::Hamerly,
                AlgorithmArg::Kdtree => Algorithm::KdTree,
                AlgorithmArg::Auto => Algorithm::Auto,
            })
    }
}

/// `--k`: a number, or `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KChoice {
    Fixed(usize),
    Auto,
}

impl FromStr for KChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(KChoice::Auto);
        }
        match s.parse::<usize>() {
            Ok(k) if k >= 1 => Ok(KChoice::Fixed(k)),
            _ => Err(format!("expected a whole number >= 1 or `auto`, got {s:?}")),
        }
    }
}

/// Flags of `kmeans`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    scale: ScaleArgs,

    /// Number of clusters, or `auto` to choose it from an elbow sweep and the silhouette.
    #[arg(long, default_value = "auto", value_name = "N|auto")]
    k: KChoice,

    /// Largest k `--k auto` tries.
    #[arg(long, default_value_t = 10, value_name = "N")]
    k_max: usize,

    #[command(flatten)]
    kmeans: KMeansArgs,

    /// Write the input rows with a `cluster` column (0-based, numbered by first appearance).
    #[arg(short, long, value_name = "OUT.csv")]
    output: Option<PathBuf>,

    /// Print a JSON summary instead of a table.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    plot: PlotArgs,
}

#[derive(Serialize)]
struct Summary {
    source: String,
    rows: usize,
    features: Vec<String>,
    scaling: Scaling,
    k: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    chosen_by: Option<ChosenBy>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
    clusters: Vec<ClusterSummary>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct ChosenBy {
    rule: Choice,
    knee: Option<usize>,
    best_silhouette: Option<usize>,
    silhouette: Option<f64>,
    weak_structure: bool,
}

#[derive(Serialize)]
struct ClusterSummary {
    id: u32,
    size: usize,
    centroid: Named,
}

/// Values keyed by feature name, serialised as a JSON object in feature order.
pub struct Named(pub Vec<(String, f64)>);

impl Serialize for Named {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Fits K-Means (choosing K when asked), then writes the labelled rows and the summary.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let (prep, z) = args.scale.prepare(&table, Scaling::Standard)?;
    let (elbow, model) = match args.k {
        KChoice::Fixed(k) => (None, args.kmeans.params(k).check()?.fit(&z)?),
        KChoice::Auto => {
            let e = {
                let bar = Progress::steps(notices, args.k_max as u64, "elbow sweep");
                sweep(&z, &ElbowParams::new(args.k_max, args.kmeans.params(1)), |k| {
                    bar.at(k as u64 - 1, format!("k = {k}"))
                })?
            };
            let m = e.chosen_model().clone();
            (Some(e), m)
        }
    };
    if let Some(e) = &elbow {
        explain_choice(e, notices);
    }
    for w in model.warnings() {
        notices.say(format_args!("warning: {w}"));
    }
    let summary = summarize(&table, &prep, &model, elbow.as_ref())?;
    args.plot.write(|| draw(&table, &z, &prep, &model, &args.plot))?;
    if let Some(path) = &args.output {
        let ids = relabel(&model);
        let column = TextColumn {
            name: "cluster".into(),
            values: model.labels().iter().map(|&l| ids[l as usize].to_string()).collect(),
        };
        super::write_output(Some(path), |w| write_table(&table, &[column], w))?;
    }
    super::write_output(None, |w| {
        if args.json {
            serde_json::to_writer_pretty(&mut *w, &summary)?;
            writeln!(w)
        } else {
            write_text(&summary, w)
        }
    })
}

/// The groups, shaped and coloured, with their centroids and names from their profiles.
fn draw(table: &Table, z: &Matrix, prep: &Prep, model: &KMeans, plot: &PlotArgs) -> anyhow::Result<String> {
    let ids = relabel(model);
    let k = model.n_clusters();
    let centroids = prep.inverse_transform(model.centroids())?;
    let mut order = vec![0; k];
    for (j, &id) in ids.iter().enumerate() {
        order[id as usize] = j;
    }
    let centroids = centroids.select_rows(&order);
    let groups: Vec<Option<u32>> = model.labels().iter().map(|&l| Some(ids[l as usize])).collect();
    let names: Vec<String> = profiles(table.x(), &groups, k, table.features())
        .iter()
        .map(Profile::legend)
        .collect();
    let view = plot.plane(table, z, prep, &centroids)?;
    let hover: Vec<String> = (0..table.n_rows()).map(|i| table.label(i)).collect();
    Ok(scatter_svg(&ScatterPlot {
        title: format!("K-Means: {k} groups in {}", table.source()),
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

/// Old label -> id by first appearance (every cluster of a fitted model has rows, except with
/// duplicate points; those empty ones are numbered after the rest).
fn relabel(model: &KMeans) -> Vec<u32> {
    let map = first_appearance(model.labels(), model.n_clusters());
    let mut next = map.iter().flatten().count() as u32;
    map.into_iter()
        .map(|m| {
            m.unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

fn summarize(table: &Table, prep: &Prep, model: &KMeans, elbow: Option<&Elbow>) -> anyhow::Result<Summary> {
    let centroids = prep.inverse_transform(model.centroids())?;
    let ids = relabel(model);
    let mut clusters: Vec<ClusterSummary> = (0..model.n_clusters())
        .map(|j| ClusterSummary {
            id: ids[j],
            size: model.sizes()[j],
            centroid: Named(
                table
                    .features()
                    .iter()
                    .zip(centroids.row(j))
                    .map(|(f, &v)| (f.clone(), v))
                    .collect(),
            ),
        })
        .collect();
    clusters.sort_by_key(|c| c.id);
    Ok(Summary {
        source: table.source().to_string(),
        rows: table.n_rows(),
        features: table.features().to_vec(),
        scaling: prep.scaler().kind(),
        k: model.n_clusters(),
        chosen_by: elbow.map(|e| ChosenBy {
            rule: e.choice,
            knee: e.knee,
            best_silhouette: e.best_silhouette,
            silhouette: e.silhouette[e.chosen - 1],
            weak_structure: e.weak_structure,
        }),
        inertia: model.inertia(),
        n_iter: model.n_iter(),
        converged: model.converged(),
        clusters,
        warnings: model.warnings().iter().map(ToString::to_string).collect(),
    })
}

/// Says on stderr when the choice of K deserves a second look.
pub fn explain_choice(e: &Elbow, notices: Notices) {
    if e.disagree() {
        notices.say(format_args!(
            "note: the elbow's knee is k={} but the best silhouette is at k={}; chose k={} ({})",
            e.knee.map_or("none".into(), |k| k.to_string()),
            e.best_silhouette.map_or("none".into(), |k| k.to_string()),
            e.chosen,
            match e.choice {
                Choice::Knee => "the knee's silhouette is within 10% of the best",
                _ => "the silhouette decided",
            }
        ));
    }
    if e.weak_structure {
        notices.say("note: the best mean silhouette is below 0.25: the data shows no substantial clusters");
    }
    if let Some(n) = e.silhouette_sampled {
        notices.say(format_args!(
            "note: silhouettes were computed on a stratified sample of {n} rows"
        ));
    }
}

fn write_text(s: &Summary, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        "K-Means on {}: {} rows, features {} ({} scaling)",
        s.source,
        s.rows,
        s.features.join(", "),
        s.scaling
    )?;
    let how = match &s.chosen_by {
        None => "as asked".to_string(),
        Some(c) => match c.rule {
            Choice::Agree => "chosen: elbow knee and best silhouette agree".into(),
            Choice::Knee => "chosen: elbow knee (silhouette prefers another k)".into(),
            Choice::Silhouette => "chosen: best silhouette (the knee differs)".into(),
            Choice::Default => "chosen: too few rows to compare".into(),
        },
    };
    writeln!(
        w,
        "k = {} ({how}); inertia {} after {} iterations{}",
        s.k,
        human(s.inertia),
        s.n_iter,
        if s.converged { "" } else { " (not converged)" }
    )?;
    let mut head = vec!["cluster".to_string(), "size".to_string()];
    head.extend(s.features.iter().cloned());
    let mut rows = vec![head];
    for c in &s.clusters {
        let mut r = vec![c.id.to_string(), c.size.to_string()];
        r.extend(c.centroid.0.iter().map(|(_, v)| human(*v)));
        rows.push(r);
    }
    super::write_columns(&rows, 1, w)
}
