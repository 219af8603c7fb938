//! The `telecluster` command: parse, dispatch, print the error chain, choose the exit code.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// The exit code of a run stopped by Ctrl-C (or SIGTERM): 128 + SIGINT, as shells report it.
const EXIT_INTERRUPTED: i32 = 130;

/// glibc raises its mmap threshold each time a large block is freed; blocks of up to 32 MiB
/// then come from the heap and stay with the process after they are freed. On a million rows a
/// `report` held about 50 MiB it no longer used (309 MiB peak against 255 MiB with this). A
/// fixed threshold sends large blocks back to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks() {
    // SAFETY: mallopt only sets an allocator parameter, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks() {}

fn main() -> ExitCode {
    return_large_blocks();
    // Stop at once on Ctrl-C: computations hold no state worth saving, and an output being
    // written is a temporary file, removed here, so the old output (or none) stays.
    let _ = ctrlc::set_handler(|| {
        telecluster::io::output::remove_partial_files();
        let _ = writeln!(std::io::stderr(), "telecluster: interrupted");
        std::process::exit(EXIT_INTERRUPTED);
    });
    // Usage errors exit 2 inside `parse` (clap's convention); --help and --version exit 0.
    let matches = negative_values(cli::Cli::command()).get_matches();
    let args = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli::run(args) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // The chain as anyhow's `{:#}` prints it, each library error worded with flags.
            let mut text: Vec<String> = Vec::new();
            for cause in err.chain().map(cli::flags::word) {
                // An error that already quotes its source (`file: Is a directory`) is not
                // followed by that source again.
                if !text.last().is_some_and(|t| t.ends_with(&cause)) {
                    text.push(cause);
                }
            }
            let _ = writeln!(std::io::stderr(), "telecluster: error: {}", text.join(": "));
            ExitCode::from(if cli::flags::is_usage(&err) { 2 } else { 1 })
        }
    }
}

/// Every flag that takes a value takes `-1` as that value, so `--k -1` is refused as out of
/// range; without this clap reads `-1` as an unknown flag and advises `-- -1`, which would
/// make it a file name.
fn negative_values(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| {
        if a.get_action().takes_values() && !a.is_positional() {
            a.allow_negative_numbers(true)
        } else {
            a
        }
    })
    .mut_subcommands(negative_values)
}

/// A reader that closes our stdout early (`| head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
