//! `telecluster ingest logs`, and the log flags `report --logs` shares.

use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;
use telecluster::io::logs::route::RouteMap;
use telecluster::io::logs::{ingest, ErrorClasses, LogFormat, LogKind, LogOptions};
use telecluster::{Error, Table};

use crate::cli::progress::Progress;
use crate::cli::Notices;

/// `--format` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Recognise each file from its first lines (nginx's combined and timed formats, Envoy's
    /// default, JSON lines).
    Auto,
    /// nginx, with --log-format (default: combined).
    Nginx,
    /// Envoy text, with --log-format (default: Envoy's default format).
    Envoy,
    /// One JSON object a line (nginx escape=json, Envoy json_format), with --json-fields.
    Json,
}

/// How to read access logs.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Log format.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,

    /// The format string that wrote the log: nginx's log_format (as in nginx.conf, quoted pieces
    /// are joined; `combined` is nginx's default) or Envoy's format string. Implies nginx unless
    /// --format says envoy.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,

    /// JSON field names, where they are not the usual ones:
    /// method=F,path=F,status=F,duration=F:s|ms|us,time=F.
    #[arg(long, value_name = "ROLE=FIELD,...")]
    pub json_fields: Option<String>,

    /// One row per endpoint and window of this length (30s, 5m, 1h, 1d) instead of one per
    /// endpoint.
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,

    /// Status classes counted as errors.
    #[arg(long, default_value = "5xx", value_name = "CLASSES")]
    pub errors: String,

    /// The user's route templates (`[METHOD] /orders/{id}/items`, `*` one segment, a final `**`
    /// the rest), tried before the default id folding.
    #[arg(long, value_name = "FILE")]
    pub route_map: Option<PathBuf>,

    /// Fail on the first line that does not parse (by default bad lines are counted and the
    /// first few shown).
    #[arg(long)]
    pub strict: bool,
}

impl LogArgs {
    /// The library's options for these flags.
    pub fn options(&self) -> anyhow::Result<LogOptions> {
        let kind = match self.format {
            FormatArg::Auto => LogKind::Auto,
            FormatArg::Nginx => LogKind::Nginx,
            FormatArg::Envoy => LogKind::Envoy,
            FormatArg::Json => LogKind::Json,
        };
        let format = LogFormat::from_parts(kind, self.log_format.as_deref(), self.json_fields.as_deref())?;
        let window = self.window.as_deref().map(|w| format.window_seconds(w)).transpose()?;
        let routes = match &self.route_map {
            Some(p) => {
                let name = p.display().to_string();
                let text = std::fs::read_to_string(p).map_err(|e| Error::io(name.clone(), e))?;
                RouteMap::parse(&text, &name)?
            }
            None => RouteMap::default(),
        };
        Ok(LogOptions {
            format,
            window,
            errors: ErrorClasses::parse(&self.errors)?,
            routes,
            strict: self.strict,
            ..LogOptions::default()
        })
    }

    /// Reads the logs into the feature table, telling what was read and what was not.
    pub fn load(&self, files: &[PathBuf], notices: Notices) -> anyhow::Result<Table> {
        let opts = self.options()?;
        if !opts.format.has_duration() {
            notices.say("the log format has no duration ($request_time, $upstream_response_time, %DURATION%): no latency features");
        }
        let big = files
            .iter()
            .any(|f| std::fs::metadata(f).is_ok_and(|m| m.len() >= 32 << 20));
        let spinner = Progress::spinner(notices, big, "reading logs");
        let got = ingest(files, &opts).context("reading access logs")?;
        drop(spinner);
        let s = &got.summary;
        let formats: Vec<String> = s.formats.iter().map(|(f, n)| format!("{f} ({n})")).collect();
        notices.say(format_args!(
            "{}: {} lines, {} requests, {} endpoint row(s), {} bad line(s)",
            formats.join(", "),
            s.lines,
            s.requests,
            got.table.n_rows(),
            s.bad
        ));
        for b in &s.bad_shown {
            notices.say(format_args!("  {}: {}", b.at, b.reason));
        }
        if s.bad > s.bad_shown.len() as u64 {
            notices.say(format_args!(
                "  ... and {} more bad line(s) (--strict stops at the first)",
                s.bad - s.bad_shown.len() as u64
            ));
        }
        if s.untimed > 0 {
            notices.say(format_args!(
                "left out {} endpoint row(s) with no timed request",
                s.untimed
            ));
        }
        Ok(got.table)
    }
}

/// Flags of `ingest logs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Access logs: plain, gzip or zstd; `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub log: LogArgs,

    /// Where to write the features (CSV) [default: standard output].
    #[arg(short, long, value_name = "FEATURES.csv")]
    pub output: Option<PathBuf>,
}
