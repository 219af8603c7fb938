//! Progress on standard error for the long steps, when a person is watching: drawn only when
//! standard error is a terminal and `--quiet` is not given, so pipes, files and CI logs get
//! nothing.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

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
