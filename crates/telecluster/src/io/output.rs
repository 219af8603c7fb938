//! Writing output files so that a failure never leaves half a file behind.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `path` through `write`: the bytes go to a temporary file in the same directory, which
/// replaces `path` only once everything was written and flushed. On any error `path` is left as
/// it was (absent or with its old content).
///
/// # Errors
/// [`Error::Io`] naming `path`, for the temporary file, for `write`'s error, or for the rename.
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let name = path.display().to_string();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let err = |e| Error::io(name.clone(), e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".telecluster-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(err)?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        write(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    #[cfg(unix)]
    {
        // The temporary file is private (0600); an output file is an ordinary one.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).map_err(err)?;
    }
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
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

    #[test]
    fn missing_directory_is_an_io_error_naming_the_file() {
        let r = write_atomic(Path::new("/nonexistent-dir/x.csv"), |w| w.write_all(b"x"));
        match r {
            Err(Error::Io { path, .. }) => assert_eq!(path, "/nonexistent-dir/x.csv"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
