//! `telecluster hierarchy`: how rows relate, as a dendrogram, with optional flat clusters.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use serde::Serialize;
use telecluster::cluster::linkage::{default_memory_limit, Cut, Dendrogram, LinkageParams, Method};
use telecluster::format::{bytes, human, parse_bytes};
use telecluster::io::csv::write_table;
use telecluster::prep::Scaling;
use telecluster::report::plot::dendrogram::{color_threshold, dendrogram_svg, DendrogramPlot, Truncate};
use telecluster::rng::Rng;
use telecluster::stats::{quantile_sorted, sorted};
use telecluster::{Table, TextColumn};

use super::input::{InputArgs, ScaleArgs};
use super::kmeans::Named;
use super::progress::Progress;
use super::Notices;

/// Rows above which the cophenetic correlation is computed over a sample of pairs' rows.
const COPHENET_MAX_ROWS: usize = 20_000;

/// Flags of `hierarchy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    scale: ScaleArgs,

    /// Linkage: ward, single, complete, average, weighted, centroid or median (scipy's).
    #[arg(long, default_value = "ward", value_parser = parse_method, value_name = "METHOD")]
    method: Method,

    /// Cluster a reproducible random sample of N rows instead of all of them.
    #[arg(long, value_name = "N")]
    sample: Option<usize>,

    /// Seed of the sample.
    #[arg(long, default_value_t = 0, value_name = "S")]
    seed: u64,

    /// Cut the tree into at most K flat clusters (scipy's fcluster maxclust).
    #[arg(long, value_name = "K", group = "cut")]
    cut_k: Option<usize>,

    /// Cut the tree at height D: rows joined at or below D share a cluster (fcluster distance).
    #[arg(long, value_name = "D", group = "cut")]
    cut_distance: Option<f64>,

    /// Colour the dendrogram's links below this height by group [default: 0.7 x the top height].
    #[arg(long, value_name = "T")]
    color_threshold: Option<f64>,

    /// Leaves drawn: `lastp:P` (the last P clusters, with their row counts), `none` (every
    /// row) or `auto` (every row up to 60, else lastp:30).
    #[arg(long, default_value = "auto", value_parser = parse_truncate, value_name = "lastp:P|none|auto")]
    truncate: Truncate,

    /// Memory the condensed distance matrix of complete, average and weighted linkage may use,
    /// e.g. 8G or 500M [default: 75% of RAM].
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    max_memory: Option<u64>,

    /// Write the linkage matrix (scipy's Z) as CSV with the header `a,b,height,size`.
    #[arg(long, value_name = "Z.csv")]
    linkage_out: Option<PathBuf>,

    /// Draw the dendrogram: SVG, or PNG when the name ends in `.png`.
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    plot: Option<PathBuf>,

    /// Write the (sampled) input rows with a `cluster` column (needs --cut-k or --cut-distance).
    #[arg(short, long, value_name = "OUT.csv", requires = "cut")]
    output: Option<PathBuf>,

    /// Print a JSON summary instead of text.
    #[arg(long)]
    json: bool,
}

pub fn parse_method(s: &str) -> Result<Method, String> {
    Method::from_str(s).map_err(|_| {
        format!(
            "expected one of {}, got {s:?}",
            Method::ALL.map(Method::name).join(", ")
        )
    })
}

fn parse_truncate(s: &str) -> Result<Truncate, String> {
    match s {
        "auto" => Ok(Truncate::Auto),
        "none" => Ok(Truncate::Off),
        _ => match s.strip_prefix("lastp:").map(str::parse::<usize>) {
            Some(Ok(p)) if p >= 1 => Ok(Truncate::LastP(p)),
            _ => Err(format!("expected lastp:P (P >= 1), none or auto, got {s:?}")),
        },
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    match parse_bytes(s) {
        Some(b) if b > 0 => Ok(b),
        _ => Err(format!("expected a size such as 8G, 500M or 1073741824, got {s:?}")),
    }
}

#[derive(Serialize)]
struct Summary {
    source: String,
    rows: usize,
    sampled_from: Option<usize>,
    features: Vec<String>,
    scaling: Scaling,
    method: Method,
    n_observations: usize,
    cophenetic_correlation: Option<f64>,
    cophenetic_sampled_rows: Option<usize>,
    color_threshold: f64,
    top_heights: Vec<f64>,
    /// The leaf order of the dendrogram (rows of the clustered set, 0-based), as scipy's
    /// `dendrogram(Z)['leaves']`.
    leaves: Vec<usize>,
    cut: Option<CutOut>,
}

#[derive(Serialize)]
struct CutOut {
    criterion: &'static str,
    value: f64,
    n_clusters: usize,
    clusters: Vec<ClusterOut>,
}

#[derive(Serialize)]
struct ClusterOut {
    id: u32,
    size: usize,
    median: Named,
    members: Vec<String>,
}

/// Clusters the rows hierarchically and writes what was asked for.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let full = args.input.load(notices)?;
    let (prep, z_full) = args.scale.prepare(&full, Scaling::Standard)?;
    let (table, z, sampled_from) = match args.sample {
        Some(0) => anyhow::bail!("--sample 0: expected at least 1 row"),
        Some(k) if k < full.n_rows() => {
            let rows = Rng::new(args.seed).sample_indices(full.n_rows(), k);
            notices.say(format_args!(
                "clustering a sample of {k} of {} rows (seed {})",
                full.n_rows(),
                args.seed
            ));
            (full.select_rows(&rows), z_full.select_rows(&rows), Some(full.n_rows()))
        }
        _ => (full, z_full, None),
    };
    let params = LinkageParams::new(args.method).max_memory(args.max_memory).check()?;
    if args.method.needs_matrix() {
        notices.say(format_args!(
            "{} linkage holds the condensed distance matrix: {} for {} rows (limit {})",
            args.method,
            bytes(telecluster::cluster::linkage::condensed_bytes(z.n_rows())),
            z.n_rows(),
            bytes(args.max_memory.unwrap_or_else(default_memory_limit))
        ));
    }
    let spinner = Progress::spinner(
        notices,
        z.n_rows() >= 20_000,
        &format!("{} linkage of {} rows", args.method, z.n_rows()),
    );
    let tree = params.fit(&z).context("hierarchical clustering")?;
    drop(spinner);
    let cut = match (args.cut_k, args.cut_distance) {
        (Some(k), _) => Some(("maxclust", k as f64, tree.cut(Cut::MaxClusters(k))?)),
        (None, Some(d)) => Some(("distance", d, tree.cut(Cut::Height(d))?)),
        (None, None) => None,
    };
    if let Some(path) = &args.linkage_out {
        super::write_output(Some(path), |w| write_linkage(&tree, w))?;
    }
    if let Some(path) = &args.plot {
        let labels: Vec<String> = (0..table.n_rows()).map(|i| table.label(i)).collect();
        let opts = DendrogramPlot {
            labels: Some(&labels),
            color_threshold: args.color_threshold,
            truncate: args.truncate,
            title: format!(
                "{} linkage of {} rows: {}",
                args.method,
                tree.n_observations(),
                table.source()
            ),
        };
        super::plot::write_picture(path, &dendrogram_svg(&tree, &opts))?;
    }
    if let (Some(path), Some((_, _, labels))) = (&args.output, &cut) {
        let column = TextColumn {
            name: "cluster".into(),
            values: labels.iter().map(u32::to_string).collect(),
        };
        super::write_output(Some(path), |w| write_table(&table, &[column], w))?;
    }
    let (coph, coph_rows) = cophenet(&tree, &z, args.seed)?;
    let summary = Summary {
        source: table.source().to_string(),
        rows: table.n_rows(),
        sampled_from,
        features: table.features().to_vec(),
        scaling: prep.scaler().kind(),
        method: args.method,
        n_observations: tree.n_observations(),
        cophenetic_correlation: coph,
        cophenetic_sampled_rows: coph_rows,
        color_threshold: color_threshold(&tree, args.color_threshold),
        top_heights: tree.merges().iter().rev().take(5).map(|m| m.height).collect(),
        leaves: tree.leaves(),
        cut: cut.map(|(criterion, value, labels)| summarize_cut(&table, criterion, value, &labels)),
    };
    super::write_output(None, |w| {
        if args.json {
            serde_json::to_writer_pretty(&mut *w, &summary)?;
            writeln!(w)
        } else {
            write_text(&summary, w)
        }
    })
}

/// The cophenetic correlation, over a sample of rows above [`COPHENET_MAX_ROWS`] (its cost
/// grows with the square of the rows); `None` when undefined (fewer than 3 rows, or all
/// distances or heights equal).
fn cophenet(tree: &Dendrogram, z: &telecluster::Matrix, seed: u64) -> anyhow::Result<(Option<f64>, Option<usize>)> {
    let n = tree.n_observations();
    let (keep, sampled) = if n > COPHENET_MAX_ROWS {
        let mut keep = vec![false; n];
        for i in Rng::new(seed).sample_indices(n, COPHENET_MAX_ROWS) {
            keep[i] = true;
        }
        (Some(keep), Some(COPHENET_MAX_ROWS))
    } else {
        (None, None)
    };
    let c = tree.cophenetic_correlation_over(z, keep.as_deref())?;
    Ok((c.is_finite().then_some(c), sampled))
}

fn write_linkage(tree: &Dendrogram, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "a,b,height,size")?;
    for m in tree.merges() {
        // `{}` writes the shortest text that reads back to the same f64.
        writeln!(w, "{},{},{},{}", m.a, m.b, m.height, m.size)?;
    }
    Ok(())
}

fn summarize_cut(table: &Table, criterion: &'static str, value: f64, labels: &[u32]) -> CutOut {
    let k = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(i);
    }
    let features = table.features();
    let clusters = members
        .iter()
        .enumerate()
        .map(|(c, rows)| {
            let median = (0..features.len())
                .map(|f| {
                    let v = sorted(rows.iter().map(|&r| table.x().get(r, f)));
                    (features[f].clone(), quantile_sorted(&v, 0.5))
                })
                .collect();
            ClusterOut {
                id: c as u32,
                size: rows.len(),
                median: Named(median),
                members: rows.iter().map(|&r| table.label(r)).collect(),
            }
        })
        .collect();
    CutOut {
        criterion,
        value,
        n_clusters: k,
        clusters,
    }
}

fn write_text(s: &Summary, w: &mut dyn Write) -> std::io::Result<()> {
    let sampled = s
        .sampled_from
        .map(|m| format!(" (sampled from {m})"))
        .unwrap_or_default();
    let coph = match (s.cophenetic_correlation, s.cophenetic_sampled_rows) {
        (Some(c), None) => format!("cophenetic correlation {c:.4}"),
        (Some(c), Some(r)) => format!("cophenetic correlation {c:.4} (over {r} sampled rows)"),
        (None, _) => "cophenetic correlation undefined".into(),
    };
    writeln!(
        w,
        "{}: {} rows{sampled}, {} linkage, {coph}",
        s.source, s.rows, s.method
    )?;
    let tops: Vec<String> = s.top_heights.iter().map(|h| human(*h)).collect();
    writeln!(w, "highest merges: {}", tops.join(", "))?;
    let Some(cut) = &s.cut else {
        return Ok(());
    };
    writeln!(w)?;
    writeln!(
        w,
        "cut by {} {}: {} cluster(s)",
        cut.criterion,
        human(cut.value),
        cut.n_clusters
    )?;
    let mut rows = vec![["cluster".to_string(), "size".to_string()]
        .into_iter()
        .chain(s.features.iter().map(|f| format!("median {f}")))
        .chain(std::iter::once("members".to_string()))
        .collect::<Vec<_>>()];
    for c in &cut.clusters {
        let mut shown: Vec<&str> = c.members.iter().take(3).map(String::as_str).collect();
        if c.members.len() > 3 {
            shown.push("...");
        }
        rows.push(
            [c.id.to_string(), c.size.to_string()]
                .into_iter()
                .chain(c.median.0.iter().map(|(_, v)| human(*v)))
                .chain(std::iter::once(shown.join(", ")))
                .collect(),
        );
    }
    super::write_columns(&rows, 0, w)
}
