//! `telecluster demo`: the seed telemetry, its whole analysis, the report and the pictures.

use std::path::PathBuf;

use anyhow::Context;
use telecluster::data::synth::{seed_telemetry, TelemetrySpec};
use telecluster::io::csv::{read, write_table};
use telecluster::io::ReadOptions;

use super::report::{analyse_and_draw, summary, write_report, AnalysisArgs};
use super::Notices;

/// Flags of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory for telemetry.csv, report.html, report.json and the pictures (created if
    /// missing).
    #[arg(short, long, default_value = "telecluster-demo", value_name = "DIR")]
    output: PathBuf,

    /// Seed of the generated telemetry.
    #[arg(long, default_value_t = 42)]
    data_seed: u64,

    #[command(flatten)]
    analysis: AnalysisArgs,
}

/// Generates the telemetry, analyses it and writes everything to the directory.
pub fn run(args: Args, notices: Notices) -> anyhow::Result<()> {
    let dir = &args.output;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let spec = TelemetrySpec {
        seed: args.data_seed,
        ..TelemetrySpec::default()
    };
    let generated = seed_telemetry(&spec)?;
    let mut csv = Vec::new();
    write_table(&generated, &[], &mut csv)?;
    let csv_path = dir.join("telemetry.csv");
    super::write_output(Some(&csv_path), |w| w.write_all(&csv))?;
    // Read back what was written, as a user's file would be: the id and carried columns found
    // the same way.
    let source = csv_path.display().to_string();
    let table = read(csv.as_slice(), &source, b',', &ReadOptions::default())?.table;
    let (a, pics) = analyse_and_draw(&table, &args.analysis.params(&table)?, notices)?;
    for (name, svg) in pics.files() {
        super::write_output(Some(&dir.join(name)), |w| w.write_all(svg.as_bytes()))?;
    }
    let report = dir.join("report.html");
    write_report(&a, &pics, &report, true)?;
    summary(&a, &report, &mut std::io::stdout().lock())?;
    Ok(())
}
