//! The streaming driver: one thread reads (and decompresses) each input in blocks cut at line
//! ends; every core parses blocks into its own [`Aggregate`]; the states merge exactly at the
//! end. Memory is a few blocks per thread plus the per-endpoint state, whatever the log's size.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use super::aggregate::Aggregate;
use super::route::endpoint_into;
use super::{LogFormat, LogOptions};
use crate::data::table::Table;
use crate::error::{Error, Location, Result};
use crate::io::STDIN_NAME;

/// Bytes read at a time.
const BLOCK: usize = 1 << 20;
/// Lines longer than this are bad lines, skipped without being held in memory.
pub const MAX_LINE: usize = 1 << 16;
/// Lines of a file looked at to recognise its format.
const DETECT_LINES: usize = 64;

/// A line that could not be read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// Where: file, line and (1-based byte) column.
    pub at: Location,
    /// What was wrong.
    pub reason: String,
}

/// What reading the logs found besides the features.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogSummary {
    /// Lines read (empty ones included).
    pub lines: u64,
    /// Requests counted.
    pub requests: u64,
    /// Lines that did not parse.
    pub bad: u64,
    /// The first of them, in input order.
    pub bad_shown: Vec<BadLine>,
    /// Each input and the format it was read with.
    pub formats: Vec<(String, String)>,
    /// Endpoints (or endpoint windows) left out for having no duration.
    pub untimed: usize,
}

/// Features from logs, with the summary of reading them.
#[derive(Clone, Debug)]
pub struct Ingested {
    /// One row per endpoint (and window).
    pub table: Table,
    /// The per-endpoint state the table was computed from (mergeable with other logs').
    pub aggregate: Aggregate,
    /// Counts, bad lines, formats.
    pub summary: LogSummary,
}

struct Chunk {
    file: usize,
    seq: u64,
    /// Whole lines; empty with `too_long` for one over-long line.
    data: Vec<u8>,
    too_long: bool,
    format: Arc<LogFormat>,
}

/// A bad line by position: (file, block, line within block).
type Pos = (usize, u64, u64);

#[derive(Default)]
struct WorkerOut {
    agg: Aggregate,
    requests: u64,
    lines: HashMap<(usize, u64), u64>,
    bad: u64,
    shown: Vec<(Pos, usize, String)>,
}

fn fill(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn lines_of(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    data.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

fn parse_chunk(chunk: &Chunk, opts: &LogOptions, out: &mut WorkerOut, stop: &AtomicBool) {
    let mut endpoint = String::new();
    let mut n = 0u64;
    let bad = |out: &mut WorkerOut, line: u64, column: usize, reason: String| {
        out.bad += 1;
        if out.shown.len() < opts.show_bad.max(1) {
            out.shown.push(((chunk.file, chunk.seq, line), column, reason));
        }
        if opts.strict {
            stop.store(true, Ordering::Relaxed);
        }
    };
    if chunk.too_long {
        out.lines.insert((chunk.file, chunk.seq), 1);
        bad(out, 0, 0, format!("line longer than {MAX_LINE} bytes"));
        return;
    }
    for line in lines_of(&chunk.data) {
        let k = n;
        n += 1;
        match count_line(line, &chunk.format, opts, &mut endpoint, &mut out.agg) {
            Ok(counted) => out.requests += u64::from(counted),
            Err((column, reason)) => {
                bad(out, k, column, reason);
                if opts.strict {
                    break;
                }
            }
        }
    }
    out.lines.insert((chunk.file, chunk.seq), n);
}

/// Counts one line into `agg`: `Ok(true)` for a request, `Ok(false)` for a blank line, else
/// the bad line's column and reason.
fn count_line(
    line: &[u8],
    format: &LogFormat,
    opts: &LogOptions,
    endpoint: &mut String,
    agg: &mut Aggregate,
) -> Result<bool, (usize, String)> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(false);
    }
    let rec = format.parse(line).map_err(|e| (e.column, e.reason))?;
    let window = match (opts.window, rec.time) {
        (Some(w), Some(t)) => t.div_euclid(w as i64),
        (Some(_), None) => return Err((0, "no time on the line (needed for the window)".into())),
        (None, _) => 0,
    };
    endpoint.clear();
    endpoint_into(endpoint, &rec.method, &rec.target, &opts.routes);
    agg.add(
        endpoint,
        window,
        rec.time,
        opts.errors.is_error(rec.status),
        rec.duration_us,
    );
    Ok(true)
}

/// What [`aggregate_lines`] read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinesRead {
    /// Lines given (blank ones included).
    pub lines: u64,
    /// Requests counted.
    pub requests: u64,
    /// Lines that did not parse.
    pub bad: u64,
    /// The first of them: its index among the lines given (0-based), its byte column (0-based)
    /// and why.
    pub first_bad: Option<(u64, usize, String)>,
    /// The format the lines were read with.
    pub format: String,
}

/// Counts lines held in memory (one log line each, without its line end) into a state that
/// merges with others': the piece of [`ingest`] that runs where the lines are, such as a Spark
/// partition. [`LogFormat::Auto`] recognises the format from the first lines given.
///
/// # Errors
/// [`Error::UnknownLogFormat`] when `Auto` recognises nothing; [`Error::BadLine`] for the first
/// bad line with `strict` (its line is the index among `lines`, 1-based).
///
/// ```
/// use telecluster::io::logs::{aggregate_lines, LogOptions};
/// let lines: [&[u8]; 2] = [
///     br#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /users/1 HTTP/1.1" 200 5 "-" "curl" 0.010 0.009"#,
///     b"not a log line",
/// ];
/// let (agg, read) = aggregate_lines(lines, "part-0", &LogOptions::default())?;
/// assert_eq!((read.requests, read.bad), (1, 1));
/// assert_eq!(agg.n_endpoints(), 1);
/// # Ok::<(), telecluster::Error>(())
/// ```
pub fn aggregate_lines<'a>(
    lines: impl IntoIterator<Item = &'a [u8]>,
    source: &str,
    opts: &LogOptions,
) -> Result<(Aggregate, LinesRead)> {
    let mut lines = lines.into_iter().peekable();
    let mut head: Vec<&[u8]> = Vec::new();
    let (format, name) = match &opts.format {
        LogFormat::Auto => {
            while head.len() < DETECT_LINES {
                match lines.next() {
                    Some(l) => head.push(l),
                    None => break,
                }
            }
            let sample: Vec<&[u8]> = head
                .iter()
                .copied()
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .collect();
            if sample.is_empty() {
                return Ok((
                    Aggregate::default(),
                    LinesRead {
                        lines: head.len() as u64,
                        format: "empty".into(),
                        ..LinesRead::default()
                    },
                ));
            }
            let (f, name) = LogFormat::detect(&sample).ok_or_else(|| Error::UnknownLogFormat {
                path: source.to_string(),
                first_line: String::from_utf8_lossy(&sample[0][..sample[0].len().min(120)]).into_owned(),
            })?;
            (std::borrow::Cow::Owned(f), name.to_string())
        }
        f => (std::borrow::Cow::Borrowed(f), format_name(f).to_string()),
    };
    let mut agg = Aggregate::default();
    let mut read = LinesRead {
        format: name,
        ..LinesRead::default()
    };
    let mut endpoint = String::new();
    for line in head.into_iter().chain(lines) {
        let i = read.lines;
        read.lines += 1;
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match count_line(line, &format, opts, &mut endpoint, &mut agg) {
            Ok(counted) => read.requests += u64::from(counted),
            Err((column, reason)) => {
                if opts.strict {
                    return Err(Error::BadLine {
                        at: Location::line(source, i + 1).at_column(column + 1),
                        reason,
                    });
                }
                read.bad += 1;
                read.first_bad.get_or_insert((i, column, reason));
            }
        }
    }
    Ok((agg, read))
}

fn format_name(f: &LogFormat) -> &'static str {
    match f {
        LogFormat::Auto => "auto",
        LogFormat::Nginx(_) => "nginx log_format",
        LogFormat::Envoy(_) => "Envoy format",
        LogFormat::Json(_) => "JSON lines",
    }
}

fn worker(rx: &Mutex<Receiver<Chunk>>, opts: &LogOptions, stop: &AtomicBool) -> WorkerOut {
    let mut out = WorkerOut::default();
    loop {
        let chunk = match rx.lock().map(|r| r.recv()) {
            Ok(Ok(c)) => c,
            _ => return out,
        };
        // Blocks still queued after a strict failure all lie after it: they are not needed.
        if !stop.load(Ordering::Relaxed) {
            parse_chunk(&chunk, opts, &mut out, stop);
        }
    }
}

/// Reads one input, sending its blocks; returns its format's name.
fn send_file(
    path: &std::path::Path,
    file: usize,
    name: &str,
    opts: &LogOptions,
    tx: &std::sync::mpsc::SyncSender<Chunk>,
    stop: &AtomicBool,
) -> Result<String> {
    let mut r = crate::io::open_decompressed(path, name)?;
    let mut pending: Vec<u8> = Vec::with_capacity(BLOCK + MAX_LINE);
    let (mut seq, mut skipping) = (0u64, false);
    let mut format: Option<(Arc<LogFormat>, String)> = match &opts.format {
        LogFormat::Auto => None,
        f => Some((Arc::new(f.clone()), format_name(f).into())),
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let old = pending.len();
        pending.resize(old + BLOCK, 0);
        let n = fill(&mut r, &mut pending[old..]).map_err(|e| Error::io(name, e))?;
        pending.truncate(old + n);
        let eof = n == 0;
        if skipping {
            match pending.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    pending.drain(..=i);
                    skipping = false;
                }
                None => {
                    pending.clear();
                    if eof {
                        break;
                    }
                    continue;
                }
            }
        }
        let cut = if eof {
            pending.len()
        } else {
            pending.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
        };
        if cut > 0 {
            let rest = pending.split_off(cut);
            let fmt = match &format {
                Some((f, _)) => f.clone(),
                None => {
                    let sample: Vec<&[u8]> = lines_of(&pending)
                        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                        .take(DETECT_LINES)
                        .collect();
                    let (f, fname) = LogFormat::detect(&sample).ok_or_else(|| Error::UnknownLogFormat {
                        path: name.to_string(),
                        first_line: sample
                            .first()
                            .map(|l| String::from_utf8_lossy(&l[..l.len().min(120)]).into_owned())
                            .unwrap_or_default(),
                    })?;
                    let f = Arc::new(f);
                    format = Some((f.clone(), fname.to_string()));
                    f
                }
            };
            let data = std::mem::replace(&mut pending, rest);
            if tx
                .send(Chunk {
                    file,
                    seq,
                    data,
                    too_long: false,
                    format: fmt,
                })
                .is_err()
            {
                break;
            }
            seq += 1;
        }
        if !eof && pending.len() > MAX_LINE {
            let fmt = format
                .as_ref()
                .map_or_else(|| Arc::new(LogFormat::Auto), |f| f.0.clone());
            if tx
                .send(Chunk {
                    file,
                    seq,
                    data: Vec::new(),
                    too_long: true,
                    format: fmt,
                })
                .is_err()
            {
                break;
            }
            seq += 1;
            pending.clear();
            skipping = true;
        }
        if eof {
            break;
        }
    }
    Ok(format.map_or_else(|| "empty".to_string(), |f| f.1))
}

/// Reads access logs (`-` for standard input) into per-endpoint features.
///
/// Inputs may be plain, gzip or zstd (recognised by their first bytes). The result does not
/// depend on the number of threads (rayon's pool size).
///
/// # Errors
/// [`Error::Io`] for an input that cannot be read; [`Error::UnknownLogFormat`] when
/// [`LogFormat::Auto`] recognises nothing in a file's first lines; [`Error::BadLine`] for the
/// first bad line with `strict`; [`Error::NoRequests`] when no line could be read.
///
/// ```
/// use telecluster::io::logs::{ingest, LogOptions};
/// let dir = tempfile::tempdir()?;
/// let log = dir.path().join("access.log");
/// std::fs::write(&log, concat!(
///     "10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /users/1 HTTP/1.1\" 200 5 \"-\" \"curl\" 0.010 0.009\n",
///     "10.0.0.2 - - [10/Oct/2000:13:55:37 -0700] \"GET /users/2 HTTP/1.1\" 503 5 \"-\" \"curl\" 0.500 0.499\n",
/// ))?;
/// let got = ingest(&[log], &LogOptions::default())?;
/// assert_eq!(got.table.label(0), "GET /users/{id}");
/// assert_eq!(got.table.x().get(0, 2), 50.0); // error_rate_pct
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ingest(paths: &[PathBuf], opts: &LogOptions) -> Result<Ingested> {
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                STDIN_NAME.to_string()
            } else {
                p.display().to_string()
            }
        })
        .collect();
    let threads = rayon::current_num_threads().max(1);
    let stop = AtomicBool::new(false);
    let (tx, rx) = sync_channel::<Chunk>(threads * 2);
    let rx = Mutex::new(rx);
    let (outs, formats) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| worker(&rx, opts, &stop))).collect();
        let mut formats = Vec::new();
        let mut failed = None;
        for (i, path) in paths.iter().enumerate() {
            match send_file(path, i, &names[i], opts, &tx, &stop) {
                Ok(f) => formats.push((names[i].clone(), f)),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        let outs: Vec<WorkerOut> = handles
            .into_iter()
            .map(|h| h.join().expect("log workers do not panic"))
            .collect();
        match failed {
            Some(e) => Err(e),
            None => Ok((outs, formats)),
        }
    })?;

    let mut agg = Aggregate::default();
    let mut lines: HashMap<(usize, u64), u64> = HashMap::new();
    let mut summary = LogSummary {
        formats,
        ..LogSummary::default()
    };
    let mut shown = Vec::new();
    for o in outs {
        agg.merge(o.agg);
        lines.extend(o.lines);
        summary.requests += o.requests;
        summary.bad += o.bad;
        shown.extend(o.shown);
    }
    summary.lines = lines.values().sum();
    shown.sort_by_key(|s| s.0);
    // Line numbers: the lines of every earlier block of the same file, plus one.
    let line_no = |(file, seq, k): Pos| -> u64 {
        (0..seq)
            .map(|s| lines.get(&(file, s)).copied().unwrap_or(0))
            .sum::<u64>()
            + k
            + 1
    };
    let mut bad_lines = shown.into_iter().map(|(pos, col, reason)| BadLine {
        at: Location::line(names[pos.0].clone(), line_no(pos)).at_column(col + 1),
        reason,
    });
    if opts.strict {
        if let Some(b) = bad_lines.next() {
            return Err(Error::BadLine {
                at: b.at,
                reason: b.reason,
            });
        }
    }
    summary.bad_shown = bad_lines.take(opts.show_bad).collect();
    let source = match names.len() {
        1 => names[0].clone(),
        n => format!("{} (+{} more)", names[0], n - 1),
    };
    if summary.requests == 0 {
        return Err(Error::NoRequests {
            path: source,
            lines: summary.lines,
            bad: summary.bad,
        });
    }
    let (table, untimed) = agg.to_table(&source, opts.window)?;
    summary.untimed = untimed;
    Ok(Ingested {
        table,
        aggregate: agg,
        summary,
    })
}
