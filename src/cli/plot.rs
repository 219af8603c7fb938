//! `--plot FILE.svg` and the axes flags that every clustering subcommand shares.

use std::path::PathBuf;

use anyhow::Context;
use telecluster::analysis::{plane, View};
use telecluster::prep::Prep;
use telecluster::{Matrix, Table};

/// Flags of a subcommand's picture.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// Draw the result as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,

    /// Feature on the picture's x axis, with --y [default: the two features, or the first two
    /// principal components of wider data].
    #[arg(long, value_name = "COLUMN", requires = "y")]
    pub x: Option<String>,

    /// Feature on the picture's y axis, with --x.
    #[arg(long, value_name = "COLUMN", requires = "x")]
    pub y: Option<String>,
}

impl PlotArgs {
    /// The plane the rows are drawn on (`centroids` in original units, possibly none).
    pub fn plane(&self, table: &Table, z: &Matrix, prep: &Prep, centroids: &Matrix) -> anyhow::Result<View> {
        let axes = self.x.clone().zip(self.y.clone());
        plane(table, z, prep, centroids, axes.as_ref()).context("choosing the picture's axes")
    }

    /// Writes the picture `draw` makes, when asked for one (atomically).
    pub fn write(&self, draw: impl FnOnce() -> anyhow::Result<String>) -> anyhow::Result<()> {
        if let Some(path) = &self.plot {
            let svg = draw()?;
            super::write_output(Some(path), |w| w.write_all(svg.as_bytes()))?;
        }
        Ok(())
    }
}
