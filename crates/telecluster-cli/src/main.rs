//! The `telecluster` command: parse, dispatch, print the error chain, choose the exit code.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit 2 inside `parse` (clap's convention); --help and --version exit 0.
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // The chain as anyhow's `{:#}` prints it, each library error worded with flags.
            let text: Vec<String> = err.chain().map(cli::flags::word).collect();
            let _ = writeln!(std::io::stderr(), "telecluster: error: {}", text.join(": "));
            ExitCode::from(if cli::flags::is_usage(&err) { 2 } else { 1 })
        }
    }
}

/// A reader that closes our stdout early (`| head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
