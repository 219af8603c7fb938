//! The flags every subcommand that reads telemetry shares, turned into a `Table` and a prepared
//! feature matrix.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use telecluster::analysis::Prepared;
use telecluster::data::schema::Columns;
use telecluster::io::{read_path, read_path_batches, ReadOptions};
use telecluster::prep::{PrepParams, Scaling};
use telecluster::{Error, Table};

use super::progress::Progress;
use super::Notices;

/// Where the telemetry is and which columns mean what.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// CSV or TSV file with a header line, or `-` for standard input.
    pub file: PathBuf,

    #[command(flatten)]
    pub columns: ColumnArgs,
}

/// Which columns of a CSV mean what.
#[derive(Debug, Args)]
pub struct ColumnArgs {
    /// Feature columns to cluster on, comma-separated [default: every numeric column but the id].
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub features: Option<Vec<String>>,

    /// Column naming each row's entity (endpoint, host) [default: the first non-numeric column].
    #[arg(long, value_name = "COLUMN")]
    pub id: Option<String>,

    /// Field delimiter: one character, or `tab` [default: tab for .tsv/.tab, else comma].
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: Option<u8>,

    /// Skip rows with a missing feature value (empty, NA, NaN, null) instead of failing.
    #[arg(long)]
    pub drop_missing: bool,
}

/// How features are transformed before clustering.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// Feature scaling: standard (mean 0, std 1), robust (median 0, IQR 1), minmax ([0, 1]), none.
    #[arg(long, value_enum, value_name = "KIND")]
    pub scale: Option<ScaleKind>,

    /// Apply ln(1 + x) to these features before scaling (for heavy-tailed ones such as latency).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub log1p: Vec<String>,
}

/// The `--scale` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScaleKind {
    /// Zero mean, unit population variance (scikit-learn's StandardScaler).
    Standard,
    /// Zero median, unit interquartile range (RobustScaler).
    Robust,
    /// Onto [0, 1] (MinMaxScaler).
    Minmax,
    /// Leave features as they are.
    None,
}

impl From<ScaleKind> for Scaling {
    fn from(k: ScaleKind) -> Scaling {
        match k {
            ScaleKind::Standard => Scaling::Standard,
            ScaleKind::Robust => Scaling::Robust,
            ScaleKind::Minmax => Scaling::MinMax,
            ScaleKind::None => Scaling::None,
        }
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!("expected one ASCII character or `tab`, got {s:?}")),
    }
}

impl InputArgs {
    /// Reads the table, reporting dropped rows.
    pub fn load(&self, notices: Notices) -> anyhow::Result<Table> {
        self.columns.load(&self.file, notices)
    }
}

impl ColumnArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            format: None,
            delimiter: self.delimiter,
            columns: Columns {
                features: self.features.clone(),
                id: self.id.clone(),
            },
            drop_missing: self.drop_missing,
        }
    }

    /// Reads `file` in tables of at most `batch` rows, handing each to `each` (constant memory
    /// whatever the input's length), reporting dropped rows.
    pub fn for_each_batch(
        &self,
        file: &Path,
        notices: Notices,
        batch: usize,
        each: &mut dyn FnMut(Table) -> telecluster::Result<()>,
    ) -> anyhow::Result<()> {
        let dropped = read_path_batches(file, &self.options(), batch, each).context("reading telemetry")?;
        if dropped > 0 {
            notices.say(format_args!(
                "{}: dropped {dropped} row(s) with missing feature values",
                file.display()
            ));
        }
        Ok(())
    }

    /// Reads the table at `file`, reporting dropped rows.
    pub fn load(&self, file: &Path, notices: Notices) -> anyhow::Result<Table> {
        let opts = self.options();
        let big = std::fs::metadata(file).is_ok_and(|m| m.len() >= 32 << 20);
        let spinner = Progress::spinner(notices, big, &format!("reading {}", file.display()));
        let report = read_path(file, &opts).context("reading telemetry")?;
        drop(spinner);
        if report.dropped_missing > 0 {
            notices.say(format_args!(
                "{}: dropped {} row(s) with missing feature values",
                report.table.source(),
                report.dropped_missing
            ));
        }
        Ok(report.table)
    }
}

impl ScaleArgs {
    /// The preparation the flags ask for (`default` scaling unless `--scale` says otherwise).
    pub fn params(&self, table: &Table, default: Scaling) -> anyhow::Result<PrepParams> {
        let mut log1p = Vec::with_capacity(self.log1p.len());
        for name in &self.log1p {
            let j = table.feature_index(name).ok_or_else(|| Error::UnknownColumn {
                path: table.source().into(),
                name: name.clone(),
                available: table.features().to_vec(),
            })?;
            log1p.push(j);
        }
        let scaling = self.scale.map_or(default, Scaling::from);
        Ok(PrepParams::new(scaling).log1p(log1p))
    }

    /// Fits the preparation on `table` and prepares its features.
    pub fn prepare<'a>(&self, table: &'a Table, default: Scaling) -> anyhow::Result<Prepared<'a>> {
        Prepared::new(table, &self.params(table, default)?).context("preparing features")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert!(parse_delimiter(";;").is_err());
        assert!(parse_delimiter("é").is_err());
    }
}
