//! `telecluster hierarchy`: how rows relate, as a dendrogram, with optional flat clusters.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use telecluster::analysis::{hierarchy_part, Header, HierarchyPart, HierarchyPartParams};
use telecluster::cluster::linkage::{condensed_bytes, default_memory_limit, Cut, Dendrogram, Method};
use telecluster::format::{bytes, human, parse_bytes};
use telecluster::io::csv::write_table;
use telecluster::prep::Scaling;
use telecluster::report::plot::dendrogram::{dendrogram_svg, DendrogramPlot, Truncate};
use telecluster::TextColumn;

use super::input::{InputArgs, ScaleArgs};
use super::Notices;

/// The hierarchy flags `hierarchy`, `report` and `demo` share.
#[derive(Debug, clap::Args)]
pub struct HierarchyArgs {
    /// Linkage: ward, single, complete, average, weighted, centroid or median (scipy's).
    #[arg(long, default_value = "ward", value_parser = parse_method, value_name = "METHOD")]
    method: Method,

    /// Cluster a reproducible random sample of N rows when there are more [hierarchy default:
    /// every row; report default: 2000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    sample: Option<u64>,

    /// Cut the tree into at most K flat clusters (scipy's fcluster maxclust) [report default:
    /// K-Means' k].
    #[arg(long, value_name = "K", group = "cut", value_parser = clap::value_parser!(u64).range(1..))]
    cut_k: Option<u64>,

    /// Cut the tree at height D: rows joined at or below D share a cluster (fcluster distance).
    #[arg(long, value_name = "D", group = "cut", allow_hyphen_values = true, value_parser = parse_height)]
    cut_distance: Option<f64>,

    /// Memory the run may use, e.g. 8G or 500M [default: 75% of RAM]: bounds the condensed
    /// distance matrix of complete, average and weighted linkage (in `report`, also DBSCAN and
    /// K-Means); estimated before the run and refused when above.
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    max_memory: Option<u64>,
}

impl HierarchyArgs {
    /// The hierarchy part's parameters; `default_sample` applies without `--sample`.
    pub fn part(&self, seed: u64, default_sample: Option<usize>) -> HierarchyPartParams {
        HierarchyPartParams {
            method: self.method,
            sample: self.sample.map(|s| s as usize).or(default_sample),
            cut: match (self.cut_k, self.cut_distance) {
                (Some(k), _) => Some(Cut::MaxClusters(k as usize)),
                (None, Some(d)) => Some(Cut::Height(d)),
                (None, None) => None,
            },
            max_memory: self.max_memory,
            seed,
        }
    }
}

fn parse_height(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(h) if !h.is_nan() => Ok(h),
        _ => Err(format!("expected a number, got {s:?}")),
    }
}

/// Flags of `hierarchy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    scale: ScaleArgs,

    #[command(flatten)]
    hierarchy: HierarchyArgs,

    /// Seed of the samples.
    #[arg(long, default_value_t = 0, value_name = "S")]
    seed: u64,

    /// Colour the dendrogram's links below this height by group [default: 0.7 x the top height].
    #[arg(long, value_name = "T")]
    color_threshold: Option<f64>,

    /// Leaves drawn: `lastp:P` (the last P clusters, with their row counts), `none` (every
    /// row) or `auto` (every row up to 60, else lastp:30).
    #[arg(long, default_value = "auto", value_parser = parse_truncate, value_name = "lastp:P|none|auto")]
    truncate: Truncate,

    /// Write the linkage matrix (scipy's Z) as CSV with the header `a,b,height,size`.
    #[arg(long, value_name = "Z.csv")]
    linkage_out: Option<PathBuf>,

    /// Draw the dendrogram: SVG, or PNG when the name ends in `.png`.
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    plot: Option<PathBuf>,

    /// Write the (sampled) input rows with a `cluster` column (needs --cut-k or --cut-distance).
    #[arg(short, long, value_name = "OUT.csv", requires = "cut")]
    output: Option<PathBuf>,

    /// Print the hierarchy part as JSON (the `hierarchy` object of `report --json`) instead of text.
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

pub fn parse_size(s: &str) -> Result<u64, String> {
    match parse_bytes(s) {
        Some(b) if b > 0 => Ok(b),
        _ => Err(format!("expected a size such as 8G, 500M or 1073741824, got {s:?}")),
    }
}

/// Clusters the rows hierarchically and writes what was asked for.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let data = args.scale.prepare(&table, Scaling::Standard)?;
    let params = args.hierarchy.part(args.seed, None);
    if let Some(s) = params.sample.filter(|&s| s < table.n_rows()) {
        notices.say(format_args!(
            "clustering a sample of {s} of {} rows (seed {})",
            table.n_rows(),
            args.seed
        ));
    }
    if params.method.needs_matrix() {
        let rows = params.sample.map_or(table.n_rows(), |s| s.min(table.n_rows()));
        notices.say(format_args!(
            "{} linkage holds the condensed distance matrix: {} for {rows} rows (limit {})",
            params.method,
            bytes(condensed_bytes(rows)),
            bytes(params.max_memory.unwrap_or_else(default_memory_limit))
        ));
    }
    let part =
        super::with_steps(notices, |steps| hierarchy_part(&data, &params, steps)).context("hierarchical clustering")?;
    if let Some(path) = &args.linkage_out {
        super::write_output(Some(path), |w| write_linkage(&part.tree, w))?;
    }
    let rows = part.rows();
    if let Some(path) = &args.plot {
        let labels: Vec<String> = rows.iter().map(|&i| table.label(i)).collect();
        let opts = DendrogramPlot {
            labels: Some(&labels),
            color_threshold: args.color_threshold,
            truncate: args.truncate,
            title: format!(
                "{} linkage of {} rows: {}",
                part.method,
                part.n_observations,
                table.source()
            ),
        };
        super::plot::write_picture(path, &dendrogram_svg(&part.tree, &opts))?;
    }
    if let (Some(path), Some(cut)) = (&args.output, &part.cut) {
        let column = TextColumn {
            name: "cluster".into(),
            values: cut.labels.iter().map(u32::to_string).collect(),
        };
        let clustered = table.select_rows(&rows);
        super::write_output(Some(path), |w| write_table(&clustered, &[column], w))?;
    }
    let header = data.header();
    super::print_part(args.json, &header, "hierarchy", &part, |w| {
        write_text(&header, &part, w)
    })
}

fn write_linkage(tree: &Dendrogram, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "a,b,height,size")?;
    for m in tree.merges() {
        // `{}` writes the shortest text that reads back to the same f64.
        writeln!(w, "{},{},{},{}", m.a, m.b, m.height, m.size)?;
    }
    Ok(())
}

fn write_text(h: &Header, p: &HierarchyPart, w: &mut dyn Write) -> std::io::Result<()> {
    let sampled = if p.sample.is_some() {
        format!(" (sampled from {})", h.rows)
    } else {
        String::new()
    };
    let coph = match (p.cophenetic_correlation, p.cophenetic_sampled_rows) {
        (Some(c), None) => format!("cophenetic correlation {c:.4}"),
        (Some(c), Some(r)) => format!("cophenetic correlation {c:.4} (over {r} sampled rows)"),
        (None, _) => "cophenetic correlation undefined".into(),
    };
    writeln!(
        w,
        "{}: {} rows{sampled}, {} linkage, {coph}",
        h.source, p.n_observations, p.method
    )?;
    let tops: Vec<String> = p.top_heights.iter().map(|h| human(*h)).collect();
    writeln!(w, "highest merges: {}", tops.join(", "))?;
    let Some(cut) = &p.cut else {
        return Ok(());
    };
    writeln!(w)?;
    let (criterion, value) = match cut.criterion {
        Cut::MaxClusters(k) => ("maxclust", k as f64),
        Cut::Height(d) => ("distance", d),
    };
    writeln!(w, "cut by {criterion} {}: {} cluster(s)", human(value), cut.n_clusters)?;
    let mut rows = vec![["cluster".to_string(), "size".to_string()]
        .into_iter()
        .chain(h.features.iter().map(|f| format!("median {f}")))
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
                .chain(c.median.values().map(human))
                .chain(std::iter::once(shown.join(", ")))
                .collect(),
        );
    }
    super::write_columns(&rows, 0, w)
}
