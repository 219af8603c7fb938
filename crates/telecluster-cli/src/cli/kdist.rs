//! `telecluster kdist`: the k-distance curve behind `dbscan --eps auto`, for a person to judge.

use serde::Serialize;
use telecluster::format::human;
use telecluster::prep::Scaling;
use telecluster::select::kdist::{curve, MAX_CURVE_ROWS};
use telecluster::stats::quantile_sorted;

use super::dbscan::describe_choice;
use super::input::{InputArgs, ScaleArgs};
use super::Notices;

/// Points of the curve in the JSON output at most (evenly spaced along it).
const CURVE_POINTS: usize = 500;

/// Flags of `kdist`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    scale: ScaleArgs,

    /// The DBSCAN min_samples the curve is for: k = min_samples - 1 neighbours [default: 2 x
    /// features].
    #[arg(long, value_name = "M")]
    min_samples: Option<usize>,

    /// Rows on the curve at most; above, a seeded random sample (distances still to every row).
    #[arg(long, default_value_t = MAX_CURVE_ROWS, value_name = "N")]
    max_rows: usize,

    /// Seed of the row sample above --max-rows (as `dbscan --seed`).
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Print JSON: the suggested eps, the knee, quantiles and the curve (at most 500 points).
    #[arg(long)]
    json: bool,

    /// Draw the curve with the suggested eps as SVG (PNG when the name ends in `.png`).
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    plot: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Report {
    min_samples: usize,
    k: usize,
    rows: usize,
    sampled_rows: usize,
    knee_index: Option<usize>,
    eps: f64,
    quantiles: Vec<(f64, f64)>,
    curve: Vec<(usize, f64)>,
}

const QUANTILES: [f64; 9] = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0];

/// Computes the curve and prints its summary and the suggested eps.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let table = args.input.load(notices)?;
    let data = args.scale.prepare(&table, Scaling::Standard)?;
    let z = data.z();
    if z.n_rows() < 2 {
        return Err(telecluster::Error::TooFewRows {
            path: table.source().to_string(),
            rows: z.n_rows(),
            needed: 2,
            what: "a k-distance curve",
        }
        .into());
    }
    let min_samples = match args.min_samples {
        Some(m) => m,
        None => {
            let (m, lowered) = telecluster::analysis::default_min_samples(z.n_rows(), z.n_cols());
            if let Some(flag) = lowered {
                notices.say(format!("warning: {}", flag.worded(&super::flags::flag)));
            }
            m
        }
    };
    let c = curve(z, min_samples, args.max_rows, args.seed)?;
    if let Some(path) = &args.plot {
        let svg =
            telecluster::report::plot::curve::kdist_svg(&c, c.eps, &format!("k-distance curve: {}", table.source()));
        super::plot::write_picture(path, &svg)?;
    }
    let n = c.sorted.len();
    let step = n.div_ceil(CURVE_POINTS).max(1);
    let mut points: Vec<(usize, f64)> = (0..n).step_by(step).map(|i| (i, c.sorted[i])).collect();
    if let Some(k) = c.knee {
        if !points.iter().any(|p| p.0 == k) {
            points.push((k, c.sorted[k]));
            points.sort_by_key(|p| p.0);
        }
    }
    if points.last().map(|p| p.0) != Some(n - 1) {
        points.push((n - 1, c.sorted[n - 1]));
    }
    let report = Report {
        min_samples,
        k: c.k,
        rows: c.n_rows,
        sampled_rows: c.sampled_rows,
        knee_index: c.knee,
        eps: c.eps,
        quantiles: QUANTILES.iter().map(|&q| (q, quantile_sorted(&c.sorted, q))).collect(),
        curve: points,
    };
    super::write_output(None, |w| {
        if args.json {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)
        } else {
            writeln!(w, "{}", describe_choice(&c))?;
            writeln!(w)?;
            let mut rows = vec![vec![format!("quantile"), format!("{}-distance", c.k)]];
            for (q, v) in &report.quantiles {
                rows.push(vec![format!("{:.0}%", q * 100.0), human(*v)]);
            }
            super::write_columns(&rows, 0, w)?;
            writeln!(w)?;
            if c.eps > 0.0 {
                writeln!(
                    w,
                    "suggested: telecluster dbscan FILE --eps {} --min-samples {min_samples}",
                    human(c.eps)
                )
            } else {
                writeln!(
                    w,
                    "no eps to suggest: every k-distance is 0 (each row has {} exact duplicate(s) or more); \
                     dbscan --eps auto then uses half the smallest gap between distinct rows",
                    min_samples - 1
                )
            }
        }
    })
}
