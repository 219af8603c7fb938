//! `telecluster generate`: the seed notebook's synthetic API telemetry.

use std::path::PathBuf;

use telecluster::data::synth::{seed_telemetry, TelemetrySpec};
use telecluster::io::csv::write_table;

/// Flags of `generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Normal endpoints, split evenly over the healthy, slow and failing groups.
    #[arg(long, default_value_t = 300, value_name = "N")]
    endpoints: usize,

    /// Anomalous endpoints, uniform over 100-800 ms and 1-8 % errors.
    #[arg(long, default_value_t = 20, value_name = "N")]
    anomalies: usize,

    /// Random seed; the same seed gives the same bytes.
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// Output file [default: standard output].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Writes `endpoint,latency_ms,error_rate_pct,group`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let spec = TelemetrySpec {
        endpoints: args.endpoints,
        anomalies: args.anomalies,
        seed: args.seed,
    };
    let table = seed_telemetry(&spec)?;
    super::write_output(args.output.as_deref(), |w| write_table(&table, &[], w))
}
