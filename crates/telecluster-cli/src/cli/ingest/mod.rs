//! `telecluster ingest`: real telemetry to the per-endpoint feature table every engine reads.

pub mod logs;
pub mod prometheus;

use clap::Subcommand;
use telecluster::io::csv::write_table;
use telecluster::Table;

use super::Notices;

/// The sources `ingest` reads.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Access logs (nginx, Envoy, JSON lines; plain, .gz or .zst) to one row per endpoint.
    #[command(after_help = super::EXIT_CODES)]
    Logs(logs::Args),
    /// Prometheus queries (HTTP API or saved responses) to one row per series.
    #[command(after_help = super::EXIT_CODES)]
    Prometheus(prometheus::Args),
}

/// Runs `ingest`.
pub fn run(cmd: Command, notices: Notices) -> anyhow::Result<()> {
    match cmd {
        Command::Logs(args) => {
            let table = args.log.load(&args.files, notices)?;
            write(&table, args.output.as_deref())
        }
        Command::Prometheus(args) => {
            let table = args.prom.load(args.url.as_deref(), notices)?;
            write(&table, args.output.as_deref())
        }
    }
}

fn write(table: &Table, output: Option<&std::path::Path>) -> anyhow::Result<()> {
    super::write_output(output, |w| write_table(table, &[], w))
}
