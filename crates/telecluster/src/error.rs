//! The one error type of the library, with the locations users need to fix their input.
//!
//! Messages put the position first (`path:line:column`, the form editors jump to), then what
//! happened, then what was expected. Tests match on variants, not on text.

use std::fmt;

/// A result whose error is the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A position in an input file: 1-based line and, where known, 1-based field (column) number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (`<stdin>` for standard input).
    pub path: String,
    /// 1-based line number.
    pub line: u64,
    /// 1-based field number within the line (or byte column, for log lines), when the problem
    /// is in one place.
    pub column: Option<usize>,
}

impl Location {
    /// A location at a whole line.
    pub fn line(path: impl Into<String>, line: u64) -> Self {
        Location {
            path: path.into(),
            line,
            column: None,
        }
    }

    /// The same line, narrowed to one 1-based field number.
    pub fn at_column(mut self, column: usize) -> Self {
        self.column = Some(column);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)?;
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        Ok(())
    }
}

/// Where a value sits: an input position when the row came from a file, the series' labels
/// when it came from one, else its 0-based row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A row of an in-memory matrix (0-based index; shown 1-based).
    Row(usize),
    /// A position in an input file.
    At(Location),
    /// A row computed from a labelled series.
    Series {
        /// Where the series came from (a server's address, a saved response).
        source: String,
        /// The series' labels.
        labels: String,
    },
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Row(r) => write!(f, "row {}", r + 1),
            Place::At(loc) => loc.fmt(f),
            Place::Series { source, labels } => write!(f, "{source}: series {labels}"),
        }
    }
}

/// What is wrong with a header line (see [`Error::BadHeader`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// Every field is a number.
    AllNumbers {
        /// The first field.
        first: String,
    },
    /// A single field holding this delimiter.
    OtherDelimiter {
        /// The delimiter found.
        found: char,
    },
}

/// Everything that can go wrong in telecluster's library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening, reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The input is not well-formed CSV (for example, invalid UTF-8).
    #[error("{at}: malformed input: {detail}")]
    Malformed {
        /// Where the reader stopped.
        at: Location,
        /// What the CSV reader reported.
        detail: String,
    },

    /// The input has no header line at all.
    #[error("{path}: the file is empty: expected a header line naming the columns")]
    EmptyInput {
        /// The file involved.
        path: String,
    },

    /// The input has a header but no data rows (or none left after dropping missing values).
    #[error("{path}: no data rows{}", if *.dropped > 0 { format!(" left after dropping {} with missing values", .dropped) } else { " below the header".to_string() })]
    NoRows {
        /// The file involved.
        path: String,
        /// How many rows were dropped for missing values.
        dropped: usize,
    },

    /// The header line does not look like one: all numbers (a file without a header), or one
    /// column holding another delimiter (a TSV or `;`-separated file read as CSV).
    #[error("{}", self.worded(&Param::name))]
    BadHeader {
        /// The header line.
        at: Location,
        /// What is wrong with it.
        problem: HeaderProblem,
    },

    /// The input has too few rows for the method.
    #[error("{path}: {rows} row(s): {what} needs at least {needed}")]
    TooFewRows {
        /// The input.
        path: String,
        /// Rows in it.
        rows: usize,
        /// Rows needed.
        needed: usize,
        /// What needs them.
        what: &'static str,
    },

    /// An entity's id appears twice in one window (`telecluster diff` matches rows by id).
    #[error("{at}: id \"{id}\" appears again (first at {first}): each entity must appear once per window")]
    DuplicateId {
        /// The second occurrence.
        at: Place,
        /// The id.
        id: String,
        /// The first occurrence (boxed: two places would make every error large).
        first: Box<Place>,
    },

    /// A row has a different number of fields from the header.
    #[error("{at}: found {got} fields, expected {expected} as in the header")]
    Ragged {
        /// The offending line.
        at: Location,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        got: usize,
    },

    /// A feature cell does not parse as a number.
    #[error("{at}: column \"{column}\": cannot parse \"{text}\" as a number{}", hint.map(|h| format!(" ({h})")).unwrap_or_default())]
    NotANumber {
        /// The offending cell.
        at: Location,
        /// The column's header name.
        column: String,
        /// The cell's text.
        text: String,
        /// A likely fix, when one is recognisable.
        hint: Option<&'static str>,
    },

    /// A feature cell parses as infinity.
    #[error("{at}: column \"{column}\": \"{text}\" is not a finite number (features must be finite)")]
    NonFinite {
        /// The offending cell.
        at: Location,
        /// The column's header name.
        column: String,
        /// The cell's text.
        text: String,
    },

    /// A feature cell is empty or holds a missing-value marker such as `NA` or `NaN`.
    #[error("{}", self.worded(&Param::name))]
    Missing {
        /// The offending cell.
        at: Location,
        /// The column's header name.
        column: String,
        /// The cell's text (empty for an empty cell).
        text: String,
    },

    /// The header names the same column twice.
    #[error("{at}: column \"{name}\" appears twice in the header")]
    DuplicateColumn {
        /// The header line.
        at: Location,
        /// The repeated name.
        name: String,
    },

    /// A column named by the user does not exist.
    #[error("{path}: no column named \"{name}\" (the columns are: {})", available.join(", "))]
    UnknownColumn {
        /// The file involved.
        path: String,
        /// The name asked for.
        name: String,
        /// The header's column names.
        available: Vec<String>,
    },

    /// The same column was given two roles (for example both id and feature).
    #[error("{path}: column \"{name}\" cannot be both the {first} and a {second}")]
    ConflictingRoles {
        /// The file involved.
        path: String,
        /// The column.
        name: String,
        /// Its first role.
        first: &'static str,
        /// The role it was also given.
        second: &'static str,
    },

    /// The input has no numeric column to cluster on.
    #[error("{}", self.worded(&Param::name))]
    NoFeatures {
        /// The file involved.
        path: String,
        /// Columns taken as text, each with its first value (what made it text).
        text_columns: Vec<(String, String)>,
    },

    /// A parameter is outside its valid range.
    #[error("{}", self.worded(&Param::name))]
    InvalidParam {
        /// The parameter (its name is scikit-learn's where there is one).
        param: Param,
        /// The value given.
        value: String,
        /// The rule it breaks, e.g. "must be >= 1".
        rule: String,
    },

    /// Data given to a fitted model has a different width from the training data.
    #[error("expected {expected} features, got {got}")]
    FeatureMismatch {
        /// Features of the training data.
        expected: usize,
        /// Features given.
        got: usize,
    },

    /// A matrix was built from a buffer of the wrong length.
    #[error("matrix data has {got} values, expected {rows} x {cols} = {}", rows * cols)]
    Shape {
        /// Rows requested.
        rows: usize,
        /// Columns requested.
        cols: usize,
        /// Values supplied.
        got: usize,
    },

    /// Rows of different widths were given to a matrix constructor.
    #[error("row {} has {got} values, expected {expected} like the first row", row + 1)]
    RaggedRows {
        /// 0-based index of the offending row.
        row: usize,
        /// Width of the first row.
        expected: usize,
        /// Width of this row.
        got: usize,
    },

    /// A value is NaN or infinite where finite numbers are required.
    #[error("row {}, column {}: {value} is not a finite number", row + 1, column + 1)]
    NotFinite {
        /// 0-based row.
        row: usize,
        /// 0-based column.
        column: usize,
        /// The value.
        value: f64,
    },

    /// A computation would need more memory than allowed (e.g. a condensed distance matrix).
    #[error("{}", self.worded(&Param::name))]
    TooMuchMemory {
        /// What would be allocated.
        what: &'static str,
        /// Rows involved.
        n: usize,
        /// Bytes needed.
        needed: u64,
        /// Bytes allowed.
        limit: u64,
        /// Whether the allocation itself failed (below the limit).
        allocation_failed: bool,
    },

    /// An engine would need more memory than the budget allows.
    #[error("{}", self.worded(&Param::name))]
    OverBudget {
        /// The engine.
        what: &'static str,
        /// Rows.
        n: usize,
        /// Features.
        d: usize,
        /// Bytes it would need (an estimate).
        needed: u64,
        /// Bytes allowed.
        limit: u64,
    },

    /// A picture could not be rendered (for PNG output).
    #[error("cannot render the picture: {0}")]
    Render(String),

    /// A log line does not fit its format (the first such line, in strict mode).
    #[error("{at}: {reason}")]
    BadLine {
        /// The line, and the byte column where reading stopped.
        at: Location,
        /// What was wrong.
        reason: String,
    },

    /// No known access log format fits a file's first lines.
    #[error("{path}: not a log format telecluster recognises (nginx's combined and timed formats, Envoy's default, JSON lines); give the format that wrote it. First line: {first_line:?}")]
    UnknownLogFormat {
        /// The file.
        path: String,
        /// Its first line (cut to 120 bytes).
        first_line: String,
    },

    /// Logs held no request that could be read.
    #[error("{path}: no request could be read ({lines} lines, {bad} of them bad)")]
    NoRequests {
        /// The input(s).
        path: String,
        /// Lines read.
        lines: u64,
        /// Lines that did not parse.
        bad: u64,
    },

    /// A Prometheus request failed, or its answer cannot become features.
    #[error("{at}: {detail}")]
    Prometheus {
        /// The request (URL and feature) or saved response.
        at: String,
        /// What went wrong.
        detail: String,
    },

    /// The fit was stopped by [`crate::interrupt::request`] (Ctrl-C in a notebook).
    #[error("interrupted")]
    Interrupted,

    /// Bytes given as a saved partial state (log aggregate, sketch, K-Means statistics) are not
    /// one, or states of different shapes were merged.
    #[error("cannot read the {what} state: {detail}")]
    State {
        /// Which kind of state.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },

    /// A saved model cannot be read.
    #[error("{path}: {detail}")]
    Model {
        /// The model file.
        path: String,
        /// What is wrong with it.
        detail: String,
    },

    /// A value lies outside the domain of a transformation (e.g. `log1p` of -2).
    #[error("{at}: column \"{column}\": {value} {rule}")]
    Domain {
        /// Where the value is.
        at: Place,
        /// The column's name.
        column: String,
        /// The value.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
}

/// A parameter of the library, named as scikit-learn names it where it has one.
///
/// Errors, warnings and advice carry the parameter, not its text, so each front end words it in
/// its own terms: the library's messages say `n_clusters`, the command line's `--k` (see
/// [`Error::worded`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Param {
    /// The number of K-Means clusters (or of flat clusters in a cut).
    NClusters,
    /// The largest k of an elbow sweep.
    KMax,
    /// K-Means runs from different starts.
    NInit,
    /// The iteration limit of one K-Means run.
    MaxIter,
    /// K-Means' convergence tolerance.
    Tol,
    /// K-Means' initial centres.
    Init,
    /// DBSCAN's neighbourhood radius.
    Eps,
    /// DBSCAN's core-point threshold.
    MinSamples,
    /// The linkage method.
    Method,
    /// The memory the condensed distance matrix may use.
    MaxMemory,
    /// Rows of a seeded sample (hierarchical clustering on many rows).
    Sample,
    /// The height of a cut through a dendrogram.
    Height,
    /// A linkage matrix given as input.
    Linkage,
    /// Rows of data (a model needs some).
    NSamples,
    /// The feature scaling.
    Scaling,
    /// Columns transformed with `ln(1 + x)`.
    Log1p,
    /// The feature columns chosen by name.
    Features,
    /// Skipping rows with missing feature values.
    DropMissing,
    /// The size of generated telemetry.
    Size,
    /// An access log's format string.
    LogFormat,
    /// The JSON field names of an access log.
    JsonFields,
    /// The status classes counted as errors.
    ErrorStatuses,
    /// The length of a time window.
    Window,
    /// A Prometheus query (or saved response) of a feature.
    Query,
    /// A Prometheus server's URL.
    Url,
    /// A Prometheus evaluation time.
    Time,
    /// The span of a Prometheus range query.
    Range,
    /// The resolution of a Prometheus range query.
    Step,
    /// The time allowed for a request.
    Timeout,
    /// The field delimiter of a CSV input.
    Delimiter,
}

impl Param {
    /// The library's name of the parameter (`n_clusters`, `eps`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Param::NClusters => "n_clusters",
            Param::KMax => "k_max",
            Param::NInit => "n_init",
            Param::MaxIter => "max_iter",
            Param::Tol => "tol",
            Param::Init => "init",
            Param::Eps => "eps",
            Param::MinSamples => "min_samples",
            Param::Method => "method",
            Param::MaxMemory => "max_memory",
            Param::Sample => "sample",
            Param::Height => "height",
            Param::Linkage => "linkage",
            Param::NSamples => "n_samples",
            Param::Scaling => "scaling",
            Param::Log1p => "log1p",
            Param::Features => "features",
            Param::Delimiter => "delimiter",
            Param::DropMissing => "drop_missing",
            Param::Size => "size",
            Param::LogFormat => "log_format",
            Param::JsonFields => "json_fields",
            Param::ErrorStatuses => "errors",
            Param::Window => "window",
            Param::Query => "query",
            Param::Url => "url",
            Param::Time => "time",
            Param::Range => "range",
            Param::Step => "step",
            Param::Timeout => "timeout",
        }
    }
}

/// How a front end names a parameter in messages: the library's [`Param::name`], or a flag.
pub type Namer<'a> = &'a dyn Fn(Param) -> &'static str;

impl Error {
    /// The message with every parameter named by `name`: `Display` uses [`Param::name`]; the
    /// command line passes its flags, so the user reads the flag they typed.
    ///
    /// ```
    /// use telecluster::{Error, Param};
    /// let e = Error::invalid(Param::NInit, 0, "must be >= 1");
    /// assert_eq!(e.to_string(), "n_init=0 must be >= 1");
    /// let flag = |p: Param| if p == Param::NInit { "--n-init" } else { p.name() };
    /// assert_eq!(e.worded(&flag), "--n-init=0 must be >= 1");
    /// ```
    pub fn worded(&self, name: Namer<'_>) -> String {
        match self {
            Error::InvalidParam { param, value, rule } => format!("{}={value} {rule}", name(*param)),
            Error::Missing { at, column, text } => format!(
                "{at}: column \"{column}\": missing value{}; expected a number ({} skips such rows)",
                if text.is_empty() {
                    String::new()
                } else {
                    format!(" \"{text}\"")
                },
                name(Param::DropMissing)
            ),
            Error::BadHeader { at, problem } => match problem {
                HeaderProblem::AllNumbers { first } => format!(
                    "{at}: the first line is all numbers (\"{first}\", ...): it looks like data, not a header; \
                     add a first line naming the columns"
                ),
                HeaderProblem::OtherDelimiter { found } => format!(
                    "{at}: the header is one column holding {}: the file looks {}-separated; set {} to {}",
                    if *found == '\t' {
                        "tabs".to_string()
                    } else {
                        format!("'{found}'")
                    },
                    if *found == '\t' {
                        "tab".to_string()
                    } else {
                        format!("'{found}'")
                    },
                    name(Param::Delimiter),
                    if *found == '\t' {
                        "tab".to_string()
                    } else {
                        found.to_string()
                    },
                ),
            },
            Error::NoFeatures { path, text_columns } => format!(
                "{path}: no numeric feature columns{}; name the features with {}",
                describe_text_columns(text_columns),
                name(Param::Features)
            ),
            Error::TooMuchMemory {
                what,
                n,
                needed,
                limit,
                allocation_failed,
            } => {
                let (method, sample) = (name(Param::Method), name(Param::Sample));
                if *allocation_failed {
                    format!(
                        "{what} needs {} for {n} rows and the allocation failed; use {sample} N or {method} ward or single",
                        crate::format::bytes(*needed)
                    )
                } else {
                    format!(
                        "{what} needs {} for {n} rows, above the limit of {}; use {method} ward or single (no matrix), {sample} N, or raise {}",
                        crate::format::bytes(*needed),
                        crate::format::bytes(*limit),
                        name(Param::MaxMemory)
                    )
                }
            }
            Error::OverBudget {
                what,
                n,
                d,
                needed,
                limit,
            } => format!(
                "{what} needs about {} for {n} rows of {d} features, above the limit of {}; raise {}, \
                 or give it a sample of the rows or fewer features",
                crate::format::bytes(*needed),
                crate::format::bytes(*limit),
                name(Param::MaxMemory)
            ),
            other => other.to_string(),
        }
    }

    /// Whether the error is about a parameter's value rather than the data or the system (a
    /// front end's usage error).
    pub fn is_invalid_param(&self) -> bool {
        matches!(self, Error::InvalidParam { .. })
    }
}

fn describe_text_columns(cols: &[(String, String)]) -> String {
    if cols.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = cols
        .iter()
        .take(4)
        .map(|(n, v)| format!("\"{n}\" starts with \"{v}\""))
        .collect();
    format!(
        " (text columns: {}{})",
        shown.join(", "),
        if cols.len() > 4 { ", ..." } else { "" }
    )
}

impl Error {
    /// Builds an [`Error::InvalidParam`].
    pub fn invalid(param: Param, value: impl fmt::Display, rule: impl Into<String>) -> Self {
        Error::InvalidParam {
            param,
            value: value.to_string(),
            rule: rule.into(),
        }
    }

    /// Builds an [`Error::Io`] naming the file involved.
    pub fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// A soft problem with a result: the result stands, but the user should know.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// An iterative fit stopped at its iteration limit before converging.
    NotConverged {
        /// The limit that was reached.
        max_iter: usize,
    },
    /// Clusters that lost all their points were re-seeded with the farthest points.
    EmptyClustersRelocated {
        /// How many re-seedings happened over the best run.
        count: usize,
    },
    /// The data has fewer distinct groups than clusters asked for (duplicate points).
    FewerDistinctClusters {
        /// Clusters with at least one point.
        found: usize,
        /// Clusters asked for.
        requested: usize,
    },
}

impl Warning {
    /// The warning with every parameter named by `name` (see [`Error::worded`]).
    pub fn worded(&self, name: Namer<'_>) -> String {
        match self {
            Warning::NotConverged { max_iter } => format!(
                "did not converge within {}={max_iter} iterations; raise {} or {}",
                name(Param::MaxIter),
                name(Param::MaxIter),
                name(Param::Tol)
            ),
            Warning::EmptyClustersRelocated { count } => {
                format!("{count} empty cluster(s) were re-seeded with the farthest point")
            }
            Warning::FewerDistinctClusters { found, requested } => format!(
                "only {found} distinct clusters found for {}={requested} (duplicate points); use a smaller k",
                name(Param::NClusters)
            ),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.worded(&Param::name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_prints_editor_form() {
        let loc = Location::line("api.csv", 14).at_column(3);
        assert_eq!(loc.to_string(), "api.csv:14:3");
        assert_eq!(Location::line("api.csv", 2).to_string(), "api.csv:2");
    }

    #[test]
    fn messages_quote_values_and_rules() {
        let e = Error::NotANumber {
            at: Location::line("api.csv", 14).at_column(3),
            column: "latency_ms".into(),
            text: "12,5".into(),
            hint: Some("use '.' for decimals"),
        };
        assert_eq!(
            e.to_string(),
            "api.csv:14:3: column \"latency_ms\": cannot parse \"12,5\" as a number (use '.' for decimals)"
        );
        let e = Error::invalid(Param::NClusters, 8, "must be <= n_samples=5");
        assert_eq!(e.to_string(), "n_clusters=8 must be <= n_samples=5");
        let e = Error::NoRows {
            path: "a.csv".into(),
            dropped: 2,
        };
        assert_eq!(
            e.to_string(),
            "a.csv: no data rows left after dropping 2 with missing values"
        );
    }

    #[test]
    fn errors_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }
}
