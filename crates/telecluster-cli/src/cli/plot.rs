//! `--plot FILE.svg` and the axes flags that every clustering subcommand shares.

use std::path::{Path, PathBuf};

use anyhow::Context;
use telecluster::analysis::{plane, View};
use telecluster::prep::Prep;
use telecluster::report::png::svg_to_png;
use telecluster::{Matrix, Table};

/// Flags of a subcommand's picture.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// Draw the result: SVG, or PNG when the name ends in `.png`.
    #[arg(long, value_name = "FILE.svg|FILE.png")]
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
            write_picture(path, &draw()?)?;
        }
        Ok(())
    }
}

/// Writes a picture atomically: the SVG, or rendered to PNG (twice the SVG's size) when the
/// file name ends in `.png`.
pub fn write_picture(path: &Path, svg: &str) -> anyhow::Result<()> {
    let png = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if png {
        let bytes = svg_to_png(svg, 2.0).with_context(|| format!("drawing {}", path.display()))?;
        super::write_output(Some(path), |w| w.write_all(&bytes))
    } else {
        super::write_output(Some(path), |w| w.write_all(svg.as_bytes()))
    }
}
