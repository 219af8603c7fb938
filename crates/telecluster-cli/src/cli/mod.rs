//! Command-line interface: one module per subcommand, each with its `Args` and `run`.

mod dbscan;
mod demo;
mod describe;
mod diff;
mod elbow;
pub mod flags;
mod generate;
mod hierarchy;
mod ingest;
mod input;
mod kdist;
mod kmeans;
mod plot;
mod progress;
mod report;
mod score;

use std::io::{self, BufWriter, Write};
use std::path::Path;

use clap::{Parser, Subcommand};
use telecluster::analysis::{Header, PartReport, Step};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (also when the reader of standard output stops early, as `| head` does)
  1  error: unreadable or invalid input, failed write
  2  usage error: unknown subcommand or flag, a flag value of the wrong form or outside its
     range (also when the range depends on the data, as --k above the row count), or a flag
     naming a column the input does not have
  3  score --fail-on-anomaly: some row is anomalous; diff --fail-on-change: something changed
  130  interrupted (Ctrl-C or SIGTERM): partial outputs removed, earlier ones kept";

/// Finds structure in operations telemetry: groups of endpoints that behave alike, the ones that
/// fit no group, and how they relate.
#[derive(Debug, Parser)]
#[command(name = "telecluster", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    /// Print no notices on standard error (errors are still printed).
    #[arg(short, long, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Turn access logs or Prometheus queries into the per-endpoint features the engines read.
    #[command(subcommand)]
    Ingest(ingest::Command),
    /// Generate the seed notebook's synthetic API telemetry as CSV.
    #[command(after_help = EXIT_CODES)]
    Generate(generate::Args),
    /// Show what telecluster sees in a file: column roles and feature statistics.
    #[command(after_help = EXIT_CODES)]
    Describe(describe::Args),
    /// Group rows that behave alike with K-Means (choosing K when not told).
    #[command(after_help = EXIT_CODES)]
    Kmeans(kmeans::Args),
    /// Sweep K-Means over k = 1..k_max: inertia, silhouette, the knee and the chosen k.
    #[command(after_help = EXIT_CODES)]
    Elbow(elbow::Args),
    /// Find rows that fit no group with DBSCAN, ranked by outlier score with their reasons.
    #[command(after_help = EXIT_CODES)]
    Dbscan(dbscan::Args),
    /// The k-distance curve and the eps it suggests for DBSCAN.
    #[command(after_help = EXIT_CODES)]
    Kdist(kdist::Args),
    /// Show how rows relate: hierarchical clustering, its dendrogram and flat cuts.
    #[command(after_help = EXIT_CODES)]
    Hierarchy(hierarchy::Args),
    /// The whole analysis as one self-contained HTML report with every picture.
    #[command(after_help = EXIT_CODES)]
    Report(Box<report::Args>),
    /// Score new telemetry against a saved model (--save-model): clusters, scores, anomalies.
    #[command(after_help = EXIT_CODES)]
    Score(score::Args),
    /// What changed between two windows: entities that moved group, became anomalous, appeared
    /// or disappeared, ranked, with the feature deltas that explain them.
    #[command(after_help = EXIT_CODES)]
    Diff(diff::Args),
    /// Generate the seed telemetry and write its report, pictures and data to a directory.
    #[command(after_help = EXIT_CODES)]
    Demo(demo::Args),
}

/// Where a subcommand reports notices (dropped rows and the like).
#[derive(Clone, Copy, Debug)]
pub struct Notices {
    quiet: bool,
}

impl Notices {
    /// Notices that say nothing (for a step already told, such as a second read of a file).
    pub fn silent() -> Self {
        Notices { quiet: true }
    }

    /// Whether `--quiet` was given.
    pub fn is_quiet(self) -> bool {
        self.quiet
    }

    /// Prints a notice on standard error unless `--quiet`.
    pub fn say(self, message: impl std::fmt::Display) {
        if !self.quiet {
            let _ = writeln!(io::stderr(), "telecluster: {message}");
        }
    }
}

/// Runs the parsed command line; the exit code of a success (`score --fail-on-anomaly` has
/// its own).
pub fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let notices = Notices { quiet: cli.quiet };
    let done = match cli.command {
        Command::Score(args) => return score::run(args, notices),
        Command::Diff(args) => return diff::run(args, notices),
        Command::Ingest(cmd) => ingest::run(cmd, notices),
        Command::Generate(args) => generate::run(args),
        Command::Describe(args) => describe::run(args, notices),
        Command::Kmeans(args) => kmeans::run(args, notices),
        Command::Elbow(args) => elbow::run(args, notices),
        Command::Dbscan(args) => dbscan::run(args, notices),
        Command::Kdist(args) => kdist::run(args, notices),
        Command::Hierarchy(args) => hierarchy::run(args, notices),
        Command::Report(args) => report::run(*args, notices),
        Command::Demo(args) => demo::run(args, notices),
    };
    done.map(|()| std::process::ExitCode::SUCCESS)
}

/// Writes `rows` as aligned columns: the first `left` columns left-aligned (names), the rest
/// right-aligned (numbers); trailing spaces trimmed.
pub fn write_columns(rows: &[Vec<String>], left: usize, w: &mut dyn Write) -> io::Result<()> {
    let n_cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n_cols)
        .map(|j| {
            rows.iter()
                .filter_map(|r| r.get(j))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Padding by hand: format!'s width is limited to u16::MAX and panics past it, and a cell
    // can be longer than that.
    for row in rows {
        let mut line = String::new();
        for (j, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[j] - cell.chars().count());
            if j < left || j + 1 == n_cols && cell.chars().any(char::is_alphabetic) {
                line.push_str(cell);
                line.push_str(&pad);
            } else {
                line.push_str(&pad);
                line.push_str(cell);
            }
            line.push_str("  ");
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Sends what `write` produces to `path` (atomically) or, without a path or with `-`, to
/// standard output.
pub fn write_output(path: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    match path {
        Some(p) if p.as_os_str() != "-" => Ok(telecluster::io::write_atomic(p, write)?),
        _ => {
            let mut out = BufWriter::new(io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Before a big run (a gigabyte or more), its estimated memory and the budget.
pub fn say_memory(notices: Notices, what: &str, needed: u64, limit: Option<u64>) {
    if needed >= 1 << 30 {
        let limit = limit.unwrap_or_else(telecluster::cluster::linkage::default_memory_limit);
        notices.say(format_args!(
            "{what}: about {} of memory (limit {}, --max-memory)",
            telecluster::format::bytes(needed),
            telecluster::format::bytes(limit)
        ));
    }
}

/// Runs a library computation, showing its long steps as they start (see [`progress::Steps`]).
pub fn with_steps<T>(
    notices: Notices,
    compute: impl FnOnce(&mut dyn FnMut(Step)) -> telecluster::Result<T>,
) -> telecluster::Result<T> {
    let mut steps = progress::Steps::new(notices);
    compute(&mut |s| steps.on(s))
}

/// Prints an analysis part on standard output: as JSON with `json` (the report's JSON with
/// only this part, under `name`), else the text `text` writes.
pub fn print_part<T: serde::Serialize>(
    json: bool,
    header: &Header,
    name: &'static str,
    part: &T,
    text: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    write_output(None, |w| {
        if json {
            write_json(w, &PartReport::new(header, name, part))
        } else {
            text(w)
        }
    })
}

/// Writes the model `make` builds to `path` (atomically), when a path is given.
pub fn save_model(
    path: Option<&Path>,
    make: impl FnOnce() -> telecluster::Result<telecluster::model::Model>,
) -> anyhow::Result<()> {
    if let Some(p) = path {
        let json = make()?.to_json();
        write_output(Some(p), |w| writeln!(w, "{json}"))?;
    }
    Ok(())
}

/// Writes `value` as pretty JSON and a newline.
pub fn write_json(w: &mut dyn Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
