//! Stopping a long fit from outside, for hosts that must live on after Ctrl-C.
//!
//! The command-line tool ends the process on Ctrl-C. A notebook kernel cannot: the user expects
//! the cell to stop and the kernel to stay. The Python package therefore watches for the signal
//! while a fit runs and calls [`request`]; K-Means runs (and so the elbow sweep) and the
//! DBSCAN and eps passes look at the flag between iterations or stages and return
//! [`Error::Interrupted`]. The flag is process-wide, as a signal is: it stops every fit in
//! progress, and the host [`clear`]s it once they have returned.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every fit in progress to stop.
pub fn request() {
    STOP.store(true, Ordering::Relaxed);
}

/// Lets fits run again after a [`request`].
pub fn clear() {
    STOP.store(false, Ordering::Relaxed);
}

/// Whether a stop was requested and not cleared.
pub fn requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// [`Error::Interrupted`] once a stop was requested.
pub(crate) fn check() -> Result<()> {
    if requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}
