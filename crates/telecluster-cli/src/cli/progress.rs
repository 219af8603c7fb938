//! Progress on standard error for the long steps, when a person is watching: drawn only when
//! standard error is a terminal and `--quiet` is not given, so pipes, files and CI logs get
//! nothing.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use telecluster::analysis::Step;
use telecluster::format::human;

use super::Notices;

/// A progress bar or spinner, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    fn shown(notices: Notices) -> bool {
        !notices.is_quiet() && std::io::stderr().is_terminal()
    }

    /// A bar over `len` steps.
    pub fn steps(notices: Notices, len: u64, what: &str) -> Progress {
        if !Self::shown(notices) {
            return Progress(None);
        }
        let bar = ProgressBar::new(len);
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what.to_string());
        Progress(Some(bar))
    }

    /// A spinner for a step without a count, when `big` (small inputs finish before it shows).
    pub fn spinner(notices: Notices, big: bool, what: &str) -> Progress {
        if !big || !Self::shown(notices) {
            return Progress(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// Moves to step `pos` with a message.
    pub fn at(&self, pos: u64, msg: impl Into<String>) {
        if let Some(b) = &self.0 {
            b.set_position(pos);
            b.set_message(msg.into());
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// Shows the library's steps as they start: a bar over the elbow sweep, a spinner for each
/// long step of a large input, and the DBSCAN work estimate as a notice.
pub struct Steps {
    notices: Notices,
    current: Progress,
}

/// Rows from which DBSCAN, its scoring and a linkage get a spinner.
const BIG_ROWS: usize = 100_000;
/// Rows from which a linkage gets a spinner.
const BIG_LINKAGE_ROWS: usize = 20_000;

impl Steps {
    /// Nothing shown yet.
    pub fn new(notices: Notices) -> Steps {
        Steps {
            notices,
            current: Progress(None),
        }
    }

    /// Called by the library as each long step starts.
    pub fn on(&mut self, step: Step) {
        match step {
            Step::Elbow { k, k_max } => {
                if k == 1 {
                    self.current = Progress::steps(self.notices, k_max as u64, "elbow sweep");
                }
                self.current.at(k as u64 - 1, format!("k = {k}"));
            }
            Step::Dbscan { rows, estimate } => {
                if let Some(w) = estimate {
                    self.notices.say(format_args!(
                        "{rows} rows: about {} neighbours per row within eps and {:.0}% core rows (from a {}-row sample)",
                        human(w.mean_neighbours),
                        w.core_fraction * 100.0,
                        w.sample
                    ));
                }
                self.current = Progress::spinner(self.notices, rows >= BIG_ROWS, &format!("DBSCAN on {rows} rows"));
            }
            Step::Explain { rows } => {
                self.current = Progress::spinner(self.notices, rows >= BIG_ROWS, "scoring the rows");
            }
            Step::Hierarchy { method, rows } => {
                self.current = Progress::spinner(
                    self.notices,
                    rows >= BIG_LINKAGE_ROWS,
                    &format!("{method} linkage of {rows} rows"),
                );
            }
            _ => self.current = Progress(None),
        }
    }
}
