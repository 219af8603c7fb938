//! `telecluster dbscan`: which rows fit no group (the alert candidates), and why. Computes the
//! analysis' DBSCAN part and renders it.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use clap::ValueEnum;
use telecluster::analysis::{dbscan_part, DbscanPart, DbscanPartParams, EpsChoice, EpsChosenBy, Header, Prepared};
use telecluster::cluster::dbscan::Index;
use telecluster::explain::profile::Profile;
use telecluster::format::human;
use telecluster::io::csv::write_table;
use telecluster::prep::Scaling;
use telecluster::report::plot::scatter::{scatter_svg, ScatterPlot};
use telecluster::report::{words, CALLOUTS};
use telecluster::select::kdist::KDistance;
use telecluster::{Matrix, TextColumn};

use super::input::{InputArgs, ScaleArgs};
use super::plot::PlotArgs;
use super::Notices;

/// `--eps`: a radius, or `auto`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EpsArg {
    Fixed(f64),
    Auto,
}

impl FromStr for EpsArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(EpsArg::Auto);
        }
        match s.parse::<f64>() {
            Ok(e) if e > 0.0 && e.is_finite() => Ok(EpsArg::Fixed(e)),
            _ => Err(format!("expected a number > 0 or `auto`, got {s:?}")),
        }
    }
}

/// The DBSCAN flags `dbscan`, `report` and `demo` share.
#[derive(Debug, clap::Args)]
pub struct DbscanArgs {
    /// Neighbourhood radius in scaled units (distance <= eps), or `auto` for the knee of the
    /// k-distance curve (see `telecluster kdist`).
    #[arg(long, default_value = "auto", value_name = "E|auto", allow_hyphen_values = true)]
    eps: EpsArg,

    /// Rows within eps, the row itself included, that make a row core [default: 2 x features].
    #[arg(long, value_name = "M", value_parser = parse_min_samples)]
    min_samples: Option<usize>,

    /// Spatial index (every choice gives the same labels): auto, grid (up to 3 features), kdtree.
    #[arg(long, value_enum, default_value_t = IndexArg::Auto)]
    index: IndexArg,
}

/// `--min-samples`: a whole number >= 1 (it counts the row itself).
pub fn parse_min_samples(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(m) if m >= 1 => Ok(m),
        _ => Err(format!(
            "expected a whole number >= 1 (it counts the row itself), got {s:?}"
        )),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum IndexArg {
    Auto,
    Grid,
    Kdtree,
}

impl DbscanArgs {
    /// The DBSCAN part's parameters, with `seed` for its samples.
    pub fn part(&self, seed: u64) -> DbscanPartParams {
        DbscanPartParams {
            eps: match self.eps {
                EpsArg::Fixed(e) => EpsChoice::Given(e),
                EpsArg::Auto => EpsChoice::Auto,
            },
            min_samples: self.min_samples,
            index: match self.index {
                IndexArg::Auto => Index::Auto,
                IndexArg::Grid => Index::Grid,
                IndexArg::Kdtree => Index::KdTree,
            },
            seed,
            max_memory: None,
        }
    }
}

/// Flags of `dbscan`.
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
    dbscan: DbscanArgs,

    /// Seed of the samples behind `--eps auto` on many rows; the same seed gives the same result.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Anomalies listed in the text output (all of them with --json).
    #[arg(long, default_value_t = 20, value_name = "N")]
    top: usize,

    /// Write the input rows with `cluster` (-1 = noise), `core` and `score` columns.
    #[arg(short, long, value_name = "OUT.csv")]
    output: Option<PathBuf>,

    /// Print the DBSCAN part as JSON (the `dbscan` object of `report --json`) instead of tables.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    plot: PlotArgs,

    /// Save the fitted model (versioned JSON) for `telecluster score`.
    #[arg(long, value_name = "MODEL.json")]
    save_model: Option<PathBuf>,
}

/// Chooses eps when asked, fits DBSCAN, scores the rows and writes the results.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let data = args.scale.prepare(&table, Scaling::Standard)?;
    super::say_memory(
        notices,
        "DBSCAN",
        telecluster::analysis::dbscan_memory(data.z().n_rows(), data.z().n_cols()),
        args.max_memory,
    );
    let part = super::with_steps(notices, |steps| {
        dbscan_part(
            &data,
            &DbscanPartParams {
                max_memory: args.max_memory,
                ..args.dbscan.part(args.seed)
            },
            steps,
        )
    })?;
    tell(&part, notices);
    args.plot.write(|| draw(&data, &part, &args.plot))?;
    super::save_model(args.save_model.as_deref(), || {
        telecluster::model::Model::from_dbscan(&data, &part)
    })?;
    if let Some(path) = &args.output {
        let columns = output_columns(&part);
        super::write_output(Some(path), |w| write_table(&table, &columns, w))?;
    }
    let header = data.header();
    super::print_part(args.json, &header, "dbscan", &part, |w| {
        write_text(&header, &part, args.top, w)
    })
}

/// Notices on standard error: the automatic eps, and the red flags.
pub fn tell(part: &DbscanPart, notices: Notices) {
    match (part.eps_chosen_by, &part.kdist) {
        (EpsChosenBy::DuplicatesOnly, _) if part.n_clusters == 1 && part.n_noise == 0 => {
            notices.say("eps auto: every row is the same point: one cluster, nothing to rank")
        }
        (EpsChosenBy::DuplicatesOnly, _) => notices.say(format_args!(
            "eps auto: every row has {} exact duplicate(s) or more, so every k-distance is 0; using {}, \
             half the smallest gap between distinct rows: each set of duplicates is a cluster",
            part.min_samples.saturating_sub(1),
            human(part.eps)
        )),
        (EpsChosenBy::Given, _) | (_, None) => {}
        (_, Some(c)) => notices.say(describe_choice(c)),
    }
    for f in &part.red_flags {
        notices.say(format_args!("warning: {}", f.worded(&super::flags::flag)));
    }
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
fn draw(data: &Prepared<'_>, part: &DbscanPart, plot: &PlotArgs) -> anyhow::Result<String> {
    let table = data.table();
    let groups: Vec<Option<u32>> = part.labels.iter().map(|l| l.cluster()).collect();
    let names: Vec<String> = part.profiles.iter().map(Profile::legend).collect();
    let view = plot.plane(table, data.z(), data.prep(), &Matrix::zeros(0, data.z().n_cols()))?;
    let hover: Vec<String> = (0..table.n_rows()).map(|i| table.label(i)).collect();
    let callouts = part
        .anomalies
        .iter()
        .take(CALLOUTS)
        .map(|a| (a.row, a.id.clone()))
        .collect();
    Ok(scatter_svg(&ScatterPlot {
        title: format!(
            "DBSCAN: {} groups, {} anomalies in {}",
            part.n_clusters,
            part.n_noise,
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

fn output_columns(part: &DbscanPart) -> Vec<TextColumn> {
    let mut core = vec![false; part.labels.len()];
    for &i in &part.core_sample_indices {
        core[i] = true;
    }
    vec![
        TextColumn {
            name: "cluster".into(),
            values: part.labels.iter().map(|l| l.as_i64().to_string()).collect(),
        },
        TextColumn {
            name: "core".into(),
            values: core.iter().map(bool::to_string).collect(),
        },
        TextColumn {
            name: "score".into(),
            values: part.scores.iter().map(|s| format!("{s:.4}")).collect(),
        },
    ]
}

fn write_text(h: &Header, p: &DbscanPart, top: usize, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        "{}: {} rows, eps {} ({}), min_samples {}: {} cluster(s), {} noise row(s), {} core",
        h.source,
        h.rows,
        human(p.eps),
        words::eps_chosen_by(p.eps_chosen_by),
        p.min_samples,
        p.n_clusters,
        p.n_noise,
        p.n_core
    )?;
    writeln!(w)?;
    let mut rows = vec![["cluster".to_string(), "size".to_string()]
        .into_iter()
        .chain(h.features.iter().map(|f| format!("median {f}")))
        .collect::<Vec<_>>()];
    for c in &p.clusters {
        rows.push(
            [c.id.to_string(), c.size.to_string()]
                .into_iter()
                .chain(c.median.values().map(human))
                .collect(),
        );
    }
    super::write_columns(&rows, 0, w)?;
    if p.anomalies.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    let shown = p.anomalies.len().min(top);
    writeln!(w, "anomalies, highest score first ({shown} of {}):", p.anomalies.len())?;
    let mut rows = vec![vec!["id".to_string(), "score".into(), "why".into()]];
    for a in p.anomalies.iter().take(top) {
        rows.push(vec![
            a.id.clone(),
            format!("{:.2}", a.score),
            words::reasons(&a.reasons),
        ]);
    }
    super::write_columns(&rows, 1, w)
}
