//! `telecluster elbow`: the K-Means sweep behind `--k auto`, for a person to judge.

use serde::Serialize;
use telecluster::analysis::KChoice;
use telecluster::format::human;
use telecluster::prep::Scaling;
use telecluster::select::elbow::{sweep, Choice, ElbowParams};

use super::input::{InputArgs, ScaleArgs};
use super::kmeans::{explain_choice, KMeansArgs};
use super::progress::Progress;
use super::Notices;

/// Flags of `elbow`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    scale: ScaleArgs,

    /// Largest k tried (from 1).
    #[arg(long, default_value_t = 10, value_name = "N")]
    k_max: usize,

    #[command(flatten)]
    kmeans: KMeansArgs,

    /// Print JSON: {"k": [...], "inertia": [...], "silhouette": [...], "knee": K, ...}.
    #[arg(long)]
    json: bool,

    /// Draw the curve (inertia and silhouette by k, the knee and the chosen k) as SVG (PNG when the name ends in `.png`).
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    plot: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Report {
    k: Vec<usize>,
    inertia: Vec<f64>,
    silhouette: Vec<Option<f64>>,
    calinski_harabasz: Vec<Option<f64>>,
    davies_bouldin: Vec<Option<f64>>,
    knee: Option<usize>,
    best_silhouette: Option<usize>,
    votes: Vec<telecluster::select::elbow::Vote>,
    chosen: usize,
    choice: Choice,
    weak_structure: bool,
    silhouette_sampled: Option<usize>,
    sampled: Option<usize>,
}

/// Sweeps k = 1..k_max and prints inertia, silhouette, the knee and the chosen k.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let data = args.scale.prepare(&table, Scaling::Standard)?;
    let z = data.z();
    let e = {
        let bar = Progress::steps(notices, args.k_max as u64, "elbow sweep");
        sweep(
            z,
            &ElbowParams::new(args.k_max, args.kmeans.part(KChoice::Given(1)).engine(1)),
            |k| bar.at(k as u64 - 1, format!("k = {k}")),
        )?
    };
    if let Some(path) = &args.plot {
        let svg = telecluster::report::plot::curve::elbow_svg(&e, &format!("Elbow: {}", table.source()));
        super::plot::write_picture(path, &svg)?;
    }
    explain_choice(&e, notices);
    let report = Report {
        k: e.k.clone(),
        inertia: e.inertia.clone(),
        silhouette: e.silhouette.clone(),
        calinski_harabasz: e.calinski_harabasz.clone(),
        davies_bouldin: e.davies_bouldin.clone(),
        knee: e.knee,
        best_silhouette: e.best_silhouette,
        votes: e.votes.clone(),
        chosen: e.chosen,
        choice: e.choice,
        weak_structure: e.weak_structure,
        silhouette_sampled: e.silhouette_sampled,
        sampled: e.sampled,
    };
    super::write_output(None, |w| {
        if args.json {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            return writeln!(w);
        }
        writeln!(w, "Elbow sweep on {}: {} rows", table.source(), table.n_rows())?;
        let mut rows = vec![vec![
            "k".to_string(),
            "inertia".into(),
            "silhouette".into(),
            "calinski-harabasz".into(),
            "davies-bouldin".into(),
            String::new(),
        ]];
        for (i, &k) in report.k.iter().enumerate() {
            let mut marks: Vec<String> = report
                .votes
                .iter()
                .filter(|v| v.k == k)
                .map(|v| format!("best {}", v.criterion))
                .collect();
            if report.chosen == k {
                marks.push("<- chosen".into());
            }
            rows.push(vec![
                k.to_string(),
                human(report.inertia[i]),
                report.silhouette[i].map_or("-".into(), human),
                report.calinski_harabasz[i].map_or("-".into(), human),
                report.davies_bouldin[i].map_or("-".into(), human),
                marks.join(", ").replace("best elbow knee", "knee"),
            ]);
        }
        super::write_columns(&rows, 0, w)
    })
}
