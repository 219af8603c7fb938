//! Input and output: one file per format, and the dispatch that picks the reader.
//!
//! Every reader fills a [`Table`] through the same schema step ([`crate::data::schema`]): a
//! new source is one new file here that turns its input into column names, a [`Sample`] and
//! rows, and one new [`Format`].
//!
//! [`Sample`]: crate::data::schema::Sample

pub mod csv;
pub mod logs;
pub mod output;
pub mod prometheus;
pub mod time;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

pub use output::write_atomic;

use crate::data::schema::Columns;
use crate::data::table::Table;
use crate::error::{Error, Result};

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// An input format telecluster reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Delimited text with a header line: CSV, or TSV with a tab delimiter.
    Csv,
}

impl Format {
    /// The format a path's name implies (every name is delimited text for now; `-` is
    /// standard input).
    pub fn of(_path: &Path) -> Format {
        Format::Csv
    }
}

/// How to read an input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format; by default the one the path implies ([`Format::of`]).
    pub format: Option<Format>,
    /// Field delimiter of delimited text; by default `\t` for `.tsv`/`.tab` files and `,`
    /// otherwise.
    pub delimiter: Option<u8>,
    /// Which columns are the id and the features.
    pub columns: Columns,
    /// Drop rows with a missing feature value instead of failing.
    pub drop_missing: bool,
}

impl ReadOptions {
    /// These feature columns (see [`Columns::features`]).
    pub fn features(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.columns.features = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// This id column (see [`Columns::id`]).
    pub fn id(mut self, name: impl Into<String>) -> Self {
        self.columns.id = Some(name.into());
        self
    }

    /// Drop rows with missing feature values.
    pub fn drop_missing(mut self, drop: bool) -> Self {
        self.drop_missing = drop;
        self
    }
}

/// What reading produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadReport {
    /// The table.
    pub table: Table,
    /// Rows dropped for missing feature values (only with `drop_missing`).
    pub dropped_missing: usize,
}

/// Reads `path` (`-` for standard input) with the reader of its format.
///
/// # Examples
/// ```
/// use telecluster::io::{read_path, ReadOptions};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("fleet.csv");
/// std::fs::write(&path, "endpoint,latency_ms\nGET /a,50\nGET /b,500\n")?;
/// let table = read_path(&path, &ReadOptions::default())?.table;
/// assert_eq!(table.features(), ["latency_ms"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Io`] if the input cannot be opened or read, and the format's reader's errors.
pub fn read_path(path: &Path, opts: &ReadOptions) -> Result<ReadReport> {
    with_input(path, opts, &mut |input, name, delimiter| {
        csv::read(input, name, delimiter, opts)
    })
}

/// Reads `path` (`-` for standard input) like [`read_path`], handing its rows to `each` in
/// tables of at most `batch` rows (see [`csv::read_batches`]): memory stays bounded whatever
/// the input's length. Returns the rows dropped for missing values.
///
/// # Errors
/// As [`read_path`], and `each`'s errors.
pub fn read_path_batches(
    path: &Path,
    opts: &ReadOptions,
    batch: usize,
    each: &mut dyn FnMut(Table) -> Result<()>,
) -> Result<usize> {
    with_input(path, opts, &mut |input, name, delimiter| {
        csv::read_batches(input, name, delimiter, opts, batch, each)
    })
}

/// Opens `path` (`-`: standard input), decompressing gzip and zstd by their magic bytes, so a
/// `.gz` export (or a compressed file under any name) reads as its text.
///
/// # Errors
/// [`Error::Io`] naming the input when it cannot be opened or its first bytes read.
pub fn open_decompressed(path: &Path, name: &str) -> Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).map_err(|e| Error::io(name, e))?)
    };
    let mut r = BufReader::with_capacity(1 << 16, raw);
    let magic = r.fill_buf().map_err(|e| Error::io(name, e))?;
    Ok(match magic {
        [0x1f, 0x8b, ..] => Box::new(flate2::read::MultiGzDecoder::new(r)),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => {
            Box::new(zstd::stream::read::Decoder::with_buffer(r).map_err(|e| Error::io(name, e))?)
        }
        _ => Box::new(r),
    })
}

/// Opens `path` (or standard input) and runs `read` on it with its name and delimiter.
fn with_input<T>(
    path: &Path,
    opts: &ReadOptions,
    read: &mut dyn FnMut(&mut dyn Read, &str, u8) -> Result<T>,
) -> Result<T> {
    let format = opts.format.unwrap_or_else(|| Format::of(path));
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    };
    match format {
        Format::Csv => {
            let delimiter = opts
                .delimiter
                .unwrap_or_else(|| if stdin { b',' } else { csv::delimiter_for(path) });
            let mut input = open_decompressed(path, &name)?;
            read(&mut input, &name, delimiter)
        }
    }
}
