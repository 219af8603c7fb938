//! Writing output files so that a failure never leaves half a file behind.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `path` through `write` without ever leaving half a file, or replacing what is not a
/// file:
///
/// - a regular file (or a new one) is written to a temporary file in the same directory, which
///   replaces it only once everything was written and flushed; on any error it is left as it
///   was (absent or with its old content), and its permissions are kept;
/// - a symbolic link is followed: its target is written (atomically, as above), the link stays;
/// - anything else that exists (`/dev/stdout`, `/dev/null`, a FIFO, a terminal) is opened and
///   streamed to, never replaced;
/// - a directory is an error.
///
/// # Errors
/// [`Error::Io`] naming `path`, for the temporary file, for `write`'s error, or for the rename.
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let name = path.display().to_string();
    let err = |e| Error::io(name.clone(), e);
    let target = resolve_links(path).map_err(err)?;
    let existing = std::fs::metadata(&target).ok();
    if let Some(m) = &existing {
        if m.is_dir() {
            return Err(err(io::Error::new(io::ErrorKind::IsADirectory, "is a directory")));
        }
        if !m.is_file() {
            // A device, FIFO or socket: stream to it.
            let file = std::fs::OpenOptions::new().write(true).open(&target).map_err(err)?;
            let mut w = BufWriter::new(file);
            write(&mut w).map_err(err)?;
            return w.flush().map_err(err);
        }
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".telecluster-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(err)?;
    let _pending = Pending::register(tmp.path());
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        write(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    // The temporary file is private (0600); the output keeps the old file's permissions, or
    // is an ordinary file.
    if let Some(permissions) = existing.map(|m| m.permissions()).or_else(default_permissions) {
        std::fs::set_permissions(tmp.path(), permissions).map_err(err)?;
    }
    tmp.persist(&target).map_err(|e| err(e.error))?;
    Ok(())
}

/// Temporary files being written now, for [`remove_partial_files`].
static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A temporary file listed in [`PENDING`] while it is written.
struct Pending(PathBuf);

impl Pending {
    fn register(path: &Path) -> Pending {
        if let Ok(mut p) = PENDING.lock() {
            p.push(path.to_path_buf());
        }
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut p) = PENDING.lock() {
            p.retain(|q| *q != self.0);
        }
    }
}

/// Removes the temporary files of every [`write_atomic`] in progress: for a front end about to
/// exit on an interrupt (Ctrl-C), which would otherwise leave them behind. The outputs
/// themselves are untouched: each keeps its old content, or stays absent.
pub fn remove_partial_files() {
    let paths = match PENDING.lock() {
        Ok(p) => p.clone(),
        Err(p) => p.into_inner().clone(),
    };
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

/// `path` with symbolic links followed to what they finally name (which need not exist yet).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    // As the kernel does: a bounded number of hops, so a loop of links is an error.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let r = write_atomic(&target, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert!(!target.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "temporary file left behind"
        );
    }

    #[test]
    fn success_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        write_atomic(&target, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_written_through_and_devices_streamed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.csv");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write_atomic(&link, |w| w.write_all(b"new")).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
        // A dangling link: its target is created.
        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink(dir.path().join("made.csv"), &dangling).unwrap();
        write_atomic(&dangling, |w| w.write_all(b"x")).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("made.csv")).unwrap(), "x");
        // A device is streamed to, never replaced.
        write_atomic(Path::new("/dev/null"), |w| w.write_all(b"gone")).unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
        // A loop of links and a directory are errors.
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(write_atomic(&a, |w| w.write_all(b"x")).is_err());
        assert!(write_atomic(dir.path(), |w| w.write_all(b"x")).is_err());
    }

    #[test]
    fn missing_directory_is_an_io_error_naming_the_file() {
        let r = write_atomic(Path::new("/nonexistent-dir/x.csv"), |w| w.write_all(b"x"));
        match r {
            Err(Error::Io { path, .. }) => assert_eq!(path, "/nonexistent-dir/x.csv"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
