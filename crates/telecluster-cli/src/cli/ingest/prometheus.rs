//! `telecluster ingest prometheus`, and the query flags `report --prometheus` shares.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::ValueEnum;
use telecluster::io::prometheus::{ingest, Auth, PromOptions, Range, Reduce, Source};
use telecluster::io::time::parse_duration;
use telecluster::{Error, Param, Table};

use crate::cli::Notices;

/// `--reduce` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReduceArg {
    /// The mean of the samples.
    Mean,
    /// The 95th percentile of the samples.
    P95,
    /// The largest sample.
    Max,
}

/// What to ask Prometheus.
#[derive(Debug, clap::Args)]
pub struct PromArgs {
    /// A feature and its PromQL query (repeat for each feature), e.g.
    /// p95_ms='1000 * histogram_quantile(0.95, sum by (handler, le) (rate(x_bucket[5m])))'.
    #[arg(long = "query", value_name = "NAME=PROMQL")]
    pub queries: Vec<String>,

    /// A feature read from a saved API response (the JSON of /api/v1/query or query_range).
    #[arg(long = "file", value_name = "NAME=RESPONSE.json")]
    pub files: Vec<String>,

    /// Labels that name a row, comma-separated [default: every label but __name__].
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub by: Option<Vec<String>>,

    /// Evaluation time: RFC 3339 or Unix seconds [default: now].
    #[arg(long, value_name = "T")]
    pub time: Option<String>,

    /// Run range queries over this span back from --time (e.g. 1h), reduced by --reduce.
    #[arg(long, value_name = "DURATION", requires = "step")]
    pub range: Option<String>,

    /// The resolution of range queries (e.g. 1m).
    #[arg(long, value_name = "DURATION", requires = "range")]
    pub step: Option<String>,

    /// How a range query's samples become one value.
    #[arg(long, value_enum, default_value_t = ReduceArg::Mean)]
    pub reduce: ReduceArg,

    /// Time allowed for each request.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub timeout: String,

    /// Environment variable holding a bearer token (the token itself is never printed).
    #[arg(long, value_name = "VAR", conflicts_with = "basic_auth_env")]
    pub bearer_token_env: Option<String>,

    /// Environment variable holding `user:password` for basic authentication.
    #[arg(long, value_name = "VAR")]
    pub basic_auth_env: Option<String>,
}

fn named(spec: &str, param: Param) -> anyhow::Result<(String, String)> {
    match spec.split_once('=') {
        Some((n, q)) if !n.trim().is_empty() && !q.trim().is_empty() => Ok((n.trim().to_string(), q.to_string())),
        _ => Err(Error::invalid(param, spec, "must be NAME=VALUE").into()),
    }
}

fn duration(s: &str, param: Param) -> anyhow::Result<u64> {
    parse_duration(s)
        .ok_or_else(|| Error::invalid(param, s, "must be a positive duration such as 30s, 5m or 1h").into())
}

fn env(var: &str) -> anyhow::Result<String> {
    std::env::var(var).with_context(|| format!("reading the credentials: environment variable {var} is not set"))
}

impl PromArgs {
    /// The library's options for these flags and `url`.
    pub fn options(&self, url: Option<&str>) -> anyhow::Result<PromOptions> {
        let mut features = Vec::new();
        for q in &self.queries {
            let (n, q) = named(q, Param::Query)?;
            features.push((n, Source::Query(q)));
        }
        for f in &self.files {
            let (n, p) = named(f, Param::Query)?;
            features.push((n, Source::File(PathBuf::from(p))));
        }
        let range = match (&self.range, &self.step) {
            (Some(r), Some(s)) => Some(Range {
                range: duration(r, Param::Range)?,
                step: duration(s, Param::Step)?,
            }),
            _ => None,
        };
        let auth = match (&self.bearer_token_env, &self.basic_auth_env) {
            (Some(v), _) => Auth::Bearer(env(v)?.trim().to_string()),
            (None, Some(v)) => {
                let s = env(v)?;
                let (user, password) = s
                    .trim_end_matches(['\r', '\n'])
                    .split_once(':')
                    .ok_or_else(|| anyhow::anyhow!("environment variable {v}: expected user:password"))?;
                Auth::Basic {
                    user: user.into(),
                    password: password.into(),
                }
            }
            (None, None) => Auth::None,
        };
        Ok(PromOptions {
            url: url.map(str::to_string),
            features,
            by: self.by.clone(),
            time: self.time.clone(),
            range,
            reduce: match self.reduce {
                ReduceArg::Mean => Reduce::Mean,
                ReduceArg::P95 => Reduce::P95,
                ReduceArg::Max => Reduce::Max,
            },
            timeout: Some(Duration::from_secs(duration(&self.timeout, Param::Timeout)?)),
            auth,
        })
    }

    /// Runs the queries into the feature table, telling what was left out and why.
    pub fn load(&self, url: Option<&str>, notices: Notices) -> anyhow::Result<Table> {
        let opts = self.options(url)?;
        let (table, summary) = ingest(&opts).context("querying Prometheus")?;
        for w in &summary.warnings {
            notices.say(format_args!("Prometheus warning: {w}"));
        }
        notices.say(format_args!(
            "{}: {} series with every feature",
            table.source(),
            table.n_rows()
        ));
        if !summary.incomplete.is_empty() {
            notices.say(format_args!(
                "left out {} series missing a feature:",
                summary.incomplete.len()
            ));
            for (row, why) in summary.incomplete.iter().take(10) {
                notices.say(format_args!("  {row}: {}", why.join("; ")));
            }
            if summary.incomplete.len() > 10 {
                notices.say(format_args!("  ... and {} more", summary.incomplete.len() - 10));
            }
        }
        Ok(table)
    }
}

/// Flags of `ingest prometheus`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Prometheus server (http://host:9090 or https://...); not needed with --file alone.
    #[arg(long, value_name = "URL", required_unless_present = "files")]
    pub url: Option<String>,

    #[command(flatten)]
    pub prom: PromArgs,

    /// Where to write the features (CSV) [default: standard output].
    #[arg(short, long, value_name = "FEATURES.csv")]
    pub output: Option<PathBuf>,
}
