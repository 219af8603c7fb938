//! CSV/TSV input and output.
//!
//! Reading streams the file once. Column roles are decided by the schema step
//! ([`crate::data::schema`]) from the header and the first rows: only the rows needed to see
//! one non-missing value per column are held back while deciding; usually that is one row.
//!
//! The rest is cut into blocks of about 1 MiB at record ends (a '\n' outside quotes), and the
//! blocks are converted on all threads and joined in input order: the table, and the error
//! reported, are those of one pass. A block without quotes or carriage returns is split at its
//! line ends and delimiters directly, which is several times faster than the csv reader and
//! gives the same records; any other block goes through the csv reader.
//!
//! Every error names `path:line:column`, the column and the text, and says what was expected.
//! A record's line is the one its first character is on (blank lines and CRLF line ends
//! counted).

use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

use super::{ReadOptions, ReadReport};
use crate::data::schema::{is_missing, Sample, Schema};
use crate::data::table::{Provenance, Role, Table, TextColumn};
use crate::error::{Error, HeaderProblem, Location, Result};
use crate::matrix::Matrix;

/// The delimiter a file's extension implies: tab for `.tsv` and `.tab` (also compressed:
/// `.tsv.gz`, `.tsv.zst`), else comma.
pub fn delimiter_for(path: &Path) -> u8 {
    let compressed = matches!(path.extension().and_then(|e| e.to_str()), Some("gz" | "zst"));
    let path = if compressed {
        Path::new(path.file_stem().unwrap_or_default())
    } else {
        path
    };
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("tsv" | "tab") => b'\t',
        _ => b',',
    }
}

/// Reads delimited text with a header line from `input`, which messages call `source`.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NoRows`], [`Error::Ragged`], [`Error::NotANumber`],
/// [`Error::NonFinite`], [`Error::Missing`], [`Error::Malformed`] and [`Error::Io`], each with
/// its position, and the schema step's errors ([`Schema::resolve`]).
pub fn read<R: Read>(input: R, source: &str, delimiter: u8, opts: &ReadOptions) -> Result<ReadReport> {
    read_in_blocks(input, source, delimiter, opts, CUTTING)
}

/// [`read`], cutting the input as `cutting` says.
fn read_in_blocks<R: Read>(
    input: R,
    source: &str,
    delimiter: u8,
    opts: &ReadOptions,
    cutting: Cutting,
) -> Result<ReadReport> {
    let Begun {
        schema,
        held,
        mut blocks,
    } = begin(input, source, delimiter, opts, cutting)?;
    let mut rows = Rows::new(source, schema.clone(), opts.drop_missing);
    for rec in &held {
        rows.push(rec)?;
    }
    drop(held);
    let parse = |block: &Block| {
        let mut rows = Rows::new(source, schema.clone(), opts.drop_missing);
        block.each_record(source, delimiter, &mut rows)?;
        Ok(rows)
    };
    let threads = rayon::current_num_threads();
    if threads <= 1 {
        while let Some(block) = blocks.next_block(source)? {
            block.each_record(source, delimiter, &mut rows)?;
        }
        return rows.finish();
    }
    // Cutting the text into blocks at record ends is far cheaper than converting it: this
    // thread cuts, the workers convert, a block each. Blocks are joined in input order, so the
    // table, and the first error reported, are those of reading in one pass.
    let first_error = AtomicUsize::new(usize::MAX);
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Block)>(2 * threads);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Rows<'_>>)>();
    let mut cut_error = None;
    let mut n_blocks = 0;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (work_rx, first_error, parse) = (&work_rx, &first_error, &parse);
            scope.spawn(move || loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => break,
                };
                let Ok((i, block)) = next else { break };
                // Blocks after one that failed are not converted: its error is the one reported.
                if i > first_error.load(Ordering::Relaxed) {
                    continue;
                }
                let parsed = parse(&block);
                if parsed.is_err() {
                    first_error.fetch_min(i, Ordering::Relaxed);
                }
                if done_tx.send((i, parsed)).is_err() {
                    break;
                }
            });
        }
        while n_blocks <= first_error.load(Ordering::Relaxed) {
            match blocks.next_block(source) {
                Ok(Some(block)) => {
                    if work_tx.send((n_blocks, block)).is_err() {
                        break;
                    }
                    n_blocks += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    cut_error = Some(e);
                    break;
                }
            }
        }
        drop(work_tx);
    });
    drop(done_tx);
    let mut done: Vec<Option<Result<Rows<'_>>>> = (0..n_blocks).map(|_| None).collect();
    for (i, parsed) in done_rx {
        done[i] = Some(parsed);
    }
    let mut parts = Vec::with_capacity(done.len());
    for parsed in done {
        // A block is missing only after one that failed, whose error returns first.
        let Some(parsed) = parsed else { break };
        parts.push(parsed?);
    }
    rows.append_all(parts);
    match cut_error {
        Some(e) => Err(e),
        None => rows.finish(),
    }
}

/// Reads like [`read`], handing the rows to `each` in tables of at most `batch` rows, in input
/// order, so that memory stays bounded whatever the input's length. Returns the rows dropped
/// for missing values.
///
/// # Errors
/// As [`read`], and `each`'s errors; [`Error::NoRows`] only when no batch had a row.
pub fn read_batches<R: Read>(
    input: R,
    source: &str,
    delimiter: u8,
    opts: &ReadOptions,
    batch: usize,
    each: &mut dyn FnMut(Table) -> Result<()>,
) -> Result<usize> {
    let Begun {
        schema,
        held,
        mut blocks,
    } = begin(input, source, delimiter, opts, CUTTING)?;
    let mut out = Batches {
        fresh: Rows::new(source, schema, opts.drop_missing),
        rows: None,
        batch: batch.max(1),
        sent: 0,
        dropped: 0,
        each,
    };
    for rec in &held {
        out.push(rec)?;
    }
    drop(held);
    while let Some(block) = blocks.next_block(source)? {
        block.each_record(source, delimiter, &mut out)?;
    }
    out.flush()?;
    if out.sent == 0 {
        return Err(Error::NoRows {
            path: source.into(),
            dropped: out.dropped,
        });
    }
    Ok(out.dropped)
}

/// Rows gathered into tables of `batch` rows for [`read_batches`].
struct Batches<'a, 'e> {
    /// An empty table, cloned to start each batch.
    fresh: Rows<'a>,
    rows: Option<Rows<'a>>,
    batch: usize,
    sent: usize,
    dropped: usize,
    each: &'e mut dyn FnMut(Table) -> Result<()>,
}

impl Batches<'_, '_> {
    fn push(&mut self, rec: &impl Record) -> Result<()> {
        let rows = self.rows.get_or_insert_with(|| self.fresh.clone());
        rows.push(rec)?;
        if rows.lines.len() >= self.batch {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let Some(rows) = self.rows.take() else { return Ok(()) };
        self.dropped += rows.dropped;
        if rows.lines.is_empty() {
            return Ok(());
        }
        let table = rows.finish()?.table;
        self.sent += table.n_rows();
        (self.each)(table)
    }
}

/// Bytes per block of text: big enough that handing a block to a thread costs nothing, small
/// enough that the blocks in flight take little memory and the threads share the work evenly.
const BLOCK_BYTES: usize = 1 << 20;

/// Text holding whole records, and the line its first byte is on.
struct Block {
    text: Vec<u8>,
    first_line: u64,
    /// Whether a block without quotes may be split as plain lines.
    plain_lines: bool,
}

impl Block {
    /// Calls `push` with each record of the block, as text, in order.
    fn each_record(&self, source: &str, delimiter: u8, push: &mut dyn RecordSink) -> Result<()> {
        // Without quotes or carriage returns a record is a line and a field ends at each
        // delimiter: split that way, the text is read several times faster than by the csv
        // reader, with the same records.
        if self.plain_lines && memchr::memchr2(b'"', b'\r', &self.text).is_none() {
            return self.each_line(source, delimiter, push);
        }
        self.each_csv_record(source, delimiter, push)
    }

    fn each_line(&self, source: &str, delimiter: u8, push: &mut dyn RecordSink) -> Result<()> {
        let mut ends = Vec::new();
        let mut start = 0;
        let text = &self.text[..];
        let line_ends = memchr::memchr_iter(b'\n', text).chain(std::iter::once(text.len()));
        for (line, end) in (self.first_line..).zip(line_ends) {
            let bytes = &text[start..end];
            // The csv reader skips empty lines.
            if !bytes.is_empty() {
                ends.clear();
                ends.extend(memchr::memchr_iter(delimiter, bytes));
                ends.push(bytes.len());
                let Ok(text) = std::str::from_utf8(bytes) else {
                    let mut from = 0;
                    let bad = ends
                        .iter()
                        .position(|&to| {
                            let bad = std::str::from_utf8(&bytes[from..to]).is_err();
                            from = to + 1;
                            bad
                        })
                        .unwrap_or(0);
                    return Err(Error::Malformed {
                        at: Location::line(source, line).at_column(bad + 1),
                        detail: "the text is not valid UTF-8".into(),
                    });
                };
                push.line(&Line {
                    text,
                    ends: &ends,
                    line,
                })?;
            }
            start = end + 1;
        }
        Ok(())
    }

    fn each_csv_record(&self, source: &str, delimiter: u8, push: &mut dyn RecordSink) -> Result<()> {
        let mut rdr = reader_builder(delimiter).from_reader(&self.text[..]);
        let lines_before = self.first_line - 1;
        let line_at = |pos: &csv::Position| lines_before + start_line(&self.text, pos);
        let mut rec = csv::ByteRecord::new();
        while rdr
            .read_byte_record(&mut rec)
            .map_err(|e| csv_error(e, source, line_at))?
        {
            let line = rec.position().map_or(self.first_line, line_at);
            push.csv(&Utf8Checked::new(&rec, line, source)?)?;
        }
        Ok(())
    }
}

/// The line a record starts on, from the position the csv reader gives it (in `text`, which
/// holds the bytes read). That position is where the reader stood when it began the record:
/// before the blank lines it skips, and before the '\n' of a CRLF ending the record before.
fn start_line(text: &[u8], pos: &csv::Position) -> u64 {
    let from = usize::try_from(pos.byte()).unwrap_or(usize::MAX);
    let skipped = text.get(from..).unwrap_or_default();
    let ends = skipped
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .filter(|&&b| b == b'\n')
        .count();
    pos.line() + ends as u64
}

/// Cuts the input into [`Block`]s at record ends.
struct Blocks<R> {
    /// Read and not yet in a block.
    carry: Vec<u8>,
    input: R,
    /// The line `carry` starts on.
    line: u64,
    delimiter: u8,
    cutting: Cutting,
    end: bool,
}

/// How the input is cut into blocks and split into records.
#[derive(Clone, Copy)]
struct Cutting {
    /// About how many bytes a block holds.
    block_bytes: usize,
    /// Whether blocks without quotes are split as plain lines (else always by the csv reader).
    plain_lines: bool,
}

const CUTTING: Cutting = Cutting {
    block_bytes: BLOCK_BYTES,
    plain_lines: true,
};

impl<R: Read> Blocks<R> {
    fn next_block(&mut self, source: &str) -> Result<Option<Block>> {
        let mut want = self.cutting.block_bytes.max(1);
        loop {
            while !self.end && self.carry.len() < want {
                let have = self.carry.len();
                let got = (&mut self.input)
                    .take((want - have) as u64)
                    .read_to_end(&mut self.carry)
                    .map_err(|e| Error::io(source, e))?;
                self.end = got == 0;
            }
            if self.carry.is_empty() {
                return Ok(None);
            }
            // What the reader buffered while the schema was decided may exceed a block.
            let window = want.min(self.carry.len());
            let cut = if self.end && window == self.carry.len() {
                Some(window)
            } else {
                last_record_end(&self.carry[..window], self.delimiter)
            };
            match cut {
                Some(cut) => {
                    let rest = self.carry.split_off(cut);
                    let text = std::mem::replace(&mut self.carry, rest);
                    let first_line = self.line;
                    // Lines are counted as the csv reader counts them: one per '\n'.
                    self.line += memchr::memchr_iter(b'\n', &text).count() as u64;
                    return Ok(Some(Block {
                        text,
                        first_line,
                        plain_lines: self.cutting.plain_lines,
                    }));
                }
                // One record longer than a block: read on until it ends.
                None => want = window * 2,
            }
        }
    }
}

/// Where the last whole record in `text` ends, given that `text` starts a record; `None` when
/// no record ends in it.
fn last_record_end(text: &[u8], delimiter: u8) -> Option<usize> {
    // Outside quotes every '\n' ends a record; without a quote character, that is every '\n'.
    if !text.contains(&b'"') {
        return text.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
    }
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    // Only where records end matters, not their fields: the output is overwritten.
    let (mut out, mut ends) = ([0u8; 4096], [0usize; 256]);
    let (mut at, mut last) = (0, None);
    loop {
        let (res, nin, _, _) = rdr.read_record(&text[at..], &mut out, &mut ends);
        at += nin;
        match res {
            csv_core::ReadRecordResult::Record => last = Some(at),
            csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {}
            csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => return last,
        }
    }
}

/// Passes reads through and keeps a copy of every byte read.
struct Recording<R> {
    seen: Vec<u8>,
    inner: R,
}

impl<R: Read> Read for Recording<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// A record's fields as text: the record's bytes checked as UTF-8 once, each field a slice of
/// that text.
struct Utf8Checked<'r> {
    rec: &'r csv::ByteRecord,
    text: &'r str,
    line: u64,
}

impl<'r> Utf8Checked<'r> {
    /// Checks the record, which starts on `line`, as the text reader would: every field UTF-8,
    /// the error naming the first bad one. The whole record is checked in one pass; fields are
    /// looked at one by one only to name the bad one, or when a field boundary splits a
    /// character of otherwise valid text.
    fn new(rec: &'r csv::ByteRecord, line: u64, source: &str) -> Result<Self> {
        if let Ok(text) = std::str::from_utf8(rec.as_slice()) {
            let whole_fields = (0..rec.len()).all(|j| {
                rec.range(j)
                    .is_some_and(|r| text.is_char_boundary(r.start) && text.is_char_boundary(r.end))
            });
            if whole_fields {
                return Ok(Utf8Checked { rec, text, line });
            }
        }
        let bad = rec
            .iter()
            .position(|field| std::str::from_utf8(field).is_err())
            .unwrap_or(0);
        Err(Error::Malformed {
            at: Location::line(source, line).at_column(bad + 1),
            detail: "the text is not valid UTF-8".into(),
        })
    }
}

/// A record that is one line of text without quotes.
struct Line<'t> {
    text: &'t str,
    /// Where each field ends; the next starts one byte later, after the delimiter.
    ends: &'t [usize],
    line: u64,
}

impl Record for Line<'_> {
    fn width(&self) -> usize {
        self.ends.len()
    }
    fn line(&self) -> u64 {
        self.line
    }
    fn text(&self, j: usize) -> &str {
        let start = if j == 0 { 0 } else { self.ends[j - 1] + 1 };
        // Fields end at the delimiter, an ASCII byte: always a character boundary.
        &self.text[start..self.ends[j]]
    }
}

/// Where a block's records go: [`Rows::push`] for both kinds of record.
trait RecordSink {
    fn line(&mut self, rec: &Line<'_>) -> Result<()>;
    fn csv(&mut self, rec: &Utf8Checked<'_>) -> Result<()>;
}

impl RecordSink for Rows<'_> {
    fn line(&mut self, rec: &Line<'_>) -> Result<()> {
        self.push(rec)
    }
    fn csv(&mut self, rec: &Utf8Checked<'_>) -> Result<()> {
        self.push(rec)
    }
}

impl RecordSink for Batches<'_, '_> {
    fn line(&mut self, rec: &Line<'_>) -> Result<()> {
        self.push(rec)
    }
    fn csv(&mut self, rec: &Utf8Checked<'_>) -> Result<()> {
        self.push(rec)
    }
}

/// A record read while the schema was decided, and the line it starts on.
struct Held {
    rec: csv::StringRecord,
    line: u64,
}

/// What [`Rows::push`] reads of a record: its width, its line and its fields as text.
trait Record {
    fn width(&self) -> usize;
    fn line(&self) -> u64;
    fn text(&self, j: usize) -> &str;
}

impl Record for Held {
    fn width(&self) -> usize {
        self.rec.len()
    }
    fn line(&self) -> u64 {
        self.line
    }
    fn text(&self, j: usize) -> &str {
        &self.rec[j]
    }
}

impl Record for Utf8Checked<'_> {
    fn width(&self) -> usize {
        self.rec.len()
    }
    fn line(&self) -> u64 {
        self.line
    }
    fn text(&self, j: usize) -> &str {
        // `new` checked that every field's range lies on character boundaries.
        self.rec.range(j).map_or("", |r| &self.text[r])
    }
}

/// What [`begin`] read: the schema, the rows read to decide it (still to be read as data), and
/// the rest of the input.
struct Begun<R> {
    schema: Schema,
    held: Vec<Held>,
    blocks: Blocks<R>,
}

/// Reads the header and resolves the schema.
fn begin<R: Read>(input: R, source: &str, delimiter: u8, opts: &ReadOptions, cutting: Cutting) -> Result<Begun<R>> {
    let mut rdr = reader_builder(delimiter).from_reader(Recording {
        seen: Vec::new(),
        inner: input,
    });
    let mut record = csv::StringRecord::new();
    let Some(header_line) = next_record(&mut rdr, &mut record, source)? else {
        return Err(Error::EmptyInput { path: source.into() });
    };
    let names = header_names(&record);
    check_header(&names, delimiter, source, header_line)?;
    let width = names.len();
    let (sample, held) = if opts.columns.needs_sample() {
        let (sample, held) = sample_rows(&mut rdr, width, source)?;
        // No row to learn the columns' roles from: say so, rather than that no column is numeric.
        if held.is_empty() {
            return Err(Error::NoRows {
                path: source.into(),
                dropped: 0,
            });
        }
        (Some(sample), held)
    } else {
        (None, Vec::new())
    };
    let schema = Schema::resolve(source, names, header_line, &opts.columns, sample.as_ref())?;
    // The csv reader buffers ahead: what it took from the input but did not parse starts the
    // first block.
    let next = rdr.position().clone();
    let Recording { seen, inner } = rdr.into_inner();
    let parsed = usize::try_from(next.byte()).unwrap_or(usize::MAX).min(seen.len());
    let blocks = Blocks {
        carry: seen[parsed..].to_vec(),
        input: inner,
        line: next.line(),
        delimiter,
        cutting,
        end: false,
    };
    Ok(Begun { schema, held, blocks })
}

/// The csv reader every read uses: the header is read as a record, and a record of the wrong
/// width is this crate's error, with its line.
fn reader_builder(delimiter: u8) -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder.delimiter(delimiter).has_headers(false).flexible(true);
    builder
}

/// Reads rows until every column has shown a value (or the input ends): what they show, and the
/// rows, to be read again as data.
fn sample_rows<R: Read>(
    rdr: &mut csv::Reader<Recording<R>>,
    width: usize,
    source: &str,
) -> Result<(Sample, Vec<Held>)> {
    let mut sample = Sample::new(width);
    let mut held = Vec::new();
    while !sample.is_complete() {
        let mut rec = csv::StringRecord::new();
        let Some(line) = next_record(rdr, &mut rec, source)? else {
            break;
        };
        if rec.len() != width {
            return Err(Error::Ragged {
                at: Location::line(source, line),
                expected: width,
                got: rec.len(),
            });
        }
        for (j, cell) in rec.iter().enumerate() {
            sample.observe(j, cell);
        }
        held.push(Held { rec, line });
    }
    Ok((sample, held))
}

/// The growing columns of a table being read.
#[derive(Clone)]
struct Rows<'a> {
    source: &'a str,
    schema: Schema,
    drop_missing: bool,
    values: Vec<f64>,
    ids: Vec<String>,
    carried_values: Vec<Vec<String>>,
    lines: Vec<u64>,
    dropped: usize,
    scratch: Vec<f64>,
}

impl<'a> Rows<'a> {
    fn new(source: &'a str, schema: Schema, drop_missing: bool) -> Self {
        Rows {
            source,
            carried_values: vec![Vec::new(); schema.carried.len()],
            scratch: Vec::with_capacity(schema.features.len()),
            schema,
            drop_missing,
            values: Vec::new(),
            ids: Vec::new(),
            lines: Vec::new(),
            dropped: 0,
        }
    }

    /// The table of the rows read.
    fn finish(self) -> Result<ReadReport> {
        let schema = self.schema;
        let n = self.lines.len();
        if n == 0 {
            return Err(Error::NoRows {
                path: self.source.into(),
                dropped: self.dropped,
            });
        }
        let x = Matrix::new(self.values, n, schema.features.len())?;
        let names = &schema.names;
        let ids = schema.id.map(|j| TextColumn {
            name: names[j].clone(),
            values: self.ids,
        });
        let carried = schema
            .carried
            .iter()
            .zip(self.carried_values)
            .map(|(&j, values)| TextColumn {
                name: names[j].clone(),
                values,
            })
            .collect();
        Ok(ReadReport {
            table: Table::from_source(
                self.source.into(),
                schema.layout,
                x,
                ids,
                carried,
                Provenance::Lines(self.lines),
            ),
            dropped_missing: self.dropped,
        })
    }

    /// Adds the rows of `later`, read after these, in order.
    fn append_all(&mut self, later: Vec<Rows<'a>>) {
        // Reserved once: growing by doubling would copy the columns again and again.
        let rows: usize = later.iter().map(|r| r.lines.len()).sum();
        self.values.reserve_exact(rows * self.schema.features.len());
        self.lines.reserve_exact(rows);
        if self.schema.id.is_some() {
            self.ids.reserve_exact(rows);
        }
        for mut part in later {
            self.values.append(&mut part.values);
            self.ids.append(&mut part.ids);
            for (mine, theirs) in self.carried_values.iter_mut().zip(&mut part.carried_values) {
                mine.append(theirs);
            }
            self.lines.append(&mut part.lines);
            self.dropped += part.dropped;
        }
    }

    fn push(&mut self, rec: &impl Record) -> Result<()> {
        let schema = &self.schema;
        if rec.width() != schema.names.len() {
            return Err(Error::Ragged {
                at: Location::line(self.source, rec.line()),
                expected: schema.names.len(),
                got: rec.width(),
            });
        }
        let line = rec.line();
        self.scratch.clear();
        for &j in &schema.features {
            let at = || Location::line(self.source, line).at_column(j + 1);
            let cell = rec.text(j).trim();
            // Parsed first: most cells are numbers, and a marker of a missing value never is
            // a finite one.
            let parsed = cell.parse::<f64>();
            if let Ok(v) = parsed {
                if v.is_finite() {
                    self.scratch.push(v);
                    continue;
                }
            }
            if is_missing(cell) {
                if self.drop_missing {
                    self.dropped += 1;
                    return Ok(());
                }
                return Err(Error::Missing {
                    at: at(),
                    column: schema.names[j].clone(),
                    text: cell.into(),
                });
            }
            return Err(if parsed.is_ok() {
                Error::NonFinite {
                    at: at(),
                    column: schema.names[j].clone(),
                    text: cell.into(),
                }
            } else {
                Error::NotANumber {
                    at: at(),
                    column: schema.names[j].clone(),
                    text: cell.into(),
                    hint: number_hint(cell),
                }
            });
        }
        self.values.extend_from_slice(&self.scratch);
        if let Some(j) = schema.id {
            self.ids.push(rec.text(j).to_string());
        }
        for (k, &j) in schema.carried.iter().enumerate() {
            self.carried_values[k].push(rec.text(j).to_string());
        }
        self.lines.push(line);
        Ok(())
    }
}

/// Reads the next record; the line it starts on, or `None` at the end of the input.
fn next_record<R: Read>(
    rdr: &mut csv::Reader<Recording<R>>,
    rec: &mut csv::StringRecord,
    source: &str,
) -> Result<Option<u64>> {
    match rdr.read_record(rec) {
        Ok(true) => Ok(Some(rec.position().map_or(1, |p| start_line(&rdr.get_ref().seen, p)))),
        Ok(false) => Ok(None),
        Err(e) => Err(csv_error(e, source, |p| start_line(&rdr.get_ref().seen, p))),
    }
}

/// `err` as this crate's error; `line_at` gives the line a position of the reader starts.
fn csv_error(err: csv::Error, source: &str, line_at: impl Fn(&csv::Position) -> u64) -> Error {
    let line = err.position().map_or(0, &line_at);
    match err.into_kind() {
        csv::ErrorKind::Io(e) => Error::io(source, e),
        csv::ErrorKind::Utf8 { pos, err } => Error::Malformed {
            at: Location::line(source, pos.as_ref().map_or(line, &line_at)).at_column(err.field() + 1),
            detail: "the text is not valid UTF-8".into(),
        },
        other => Error::Malformed {
            at: Location::line(source, line),
            detail: format!("{other:?}"),
        },
    }
}

/// Header names, trimmed, without a byte-order mark; an empty name becomes `column_N`.
/// Refuses a header line that is data (every field a number: the file has no header) or one
/// field holding another common delimiter (a TSV or `;`-separated file read as CSV).
fn check_header(names: &[String], delimiter: u8, source: &str, line: u64) -> Result<()> {
    let at = || Location::line(source, line);
    if names.iter().all(|n| n.parse::<f64>().is_ok()) {
        return Err(Error::BadHeader {
            at: at(),
            problem: HeaderProblem::AllNumbers {
                first: names.first().cloned().unwrap_or_default(),
            },
        });
    }
    if let [only] = names {
        if let Some(found) = ['\t', ';', '|', ',']
            .into_iter()
            .find(|&c| c as u32 != u32::from(delimiter) && only.contains(c))
        {
            return Err(Error::BadHeader {
                at: at(),
                problem: HeaderProblem::OtherDelimiter { found },
            });
        }
    }
    Ok(())
}

fn header_names(rec: &csv::StringRecord) -> Vec<String> {
    rec.iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 { h.trim_start_matches('\u{feff}') } else { h }.trim();
            if h.is_empty() {
                format!("column_{}", i + 1)
            } else {
                h.to_string()
            }
        })
        .collect()
}

/// A likely fix for a cell that is not a number.
fn number_hint(cell: &str) -> Option<&'static str> {
    let digits_and = |extra: &[char]| cell.chars().all(|c| c.is_ascii_digit() || extra.contains(&c));
    let commas = cell.matches(',').count();
    if commas == 1 && !cell.contains('.') && digits_and(&[',', '-', '+']) {
        Some("use '.' for decimals")
    } else if commas > 0 && digits_and(&[',', '.', '-', '+']) {
        Some("remove the thousands separators")
    } else if cell.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-')
        && cell
            .trim_end_matches(|c: char| c.is_alphabetic() || c == '%' || c == ' ')
            .parse::<f64>()
            .is_ok()
    {
        Some("write the bare number, without its unit")
    } else {
        None
    }
}

/// Writes `table` as CSV: its columns in input order (features in original units), then the
/// `extra` columns. Numbers are written in the shortest form that reads back to the same value.
///
/// # Errors
/// Whatever `out` reports.
///
/// # Panics
/// If an extra column does not have one value per row.
pub fn write_table(table: &Table, extra: &[TextColumn], out: &mut dyn Write) -> io::Result<()> {
    write_rows(table, extra, true, out)
}

/// Writes `table`'s rows like [`write_table`], with the header line only when `header` is set:
/// batches of one input written one after another make one file.
///
/// # Errors
/// As [`write_table`].
pub fn write_rows(table: &Table, extra: &[TextColumn], header: bool, out: &mut dyn Write) -> io::Result<()> {
    enum Cell {
        Id,
        Feature(usize),
        Carried(usize),
    }
    let mut wtr = csv::Writer::from_writer(out);
    let mut cells = Vec::new();
    let (mut f, mut c) = (0, 0);
    for (_, role) in table.layout() {
        cells.push(match role {
            Role::Id => Cell::Id,
            Role::Feature => {
                f += 1;
                Cell::Feature(f - 1)
            }
            Role::Carried => {
                c += 1;
                Cell::Carried(c - 1)
            }
        });
    }
    for col in extra {
        assert_eq!(
            col.values.len(),
            table.n_rows(),
            "extra column {} has the wrong length",
            col.name
        );
    }
    if header {
        wtr.write_record(
            table
                .layout()
                .iter()
                .map(|(n, _)| n.as_str())
                .chain(extra.iter().map(|c| c.name.as_str())),
        )
        .map_err(io_error)?;
    }
    let mut number = String::new();
    for i in 0..table.n_rows() {
        for cell in &cells {
            match *cell {
                Cell::Id => wtr.write_field(table.ids().map_or("", |c| c.values[i].as_str())),
                Cell::Feature(j) => {
                    use std::fmt::Write as _;
                    number.clear();
                    write!(number, "{}", table.x().get(i, j)).expect("writing to a String cannot fail");
                    wtr.write_field(&number)
                }
                Cell::Carried(k) => wtr.write_field(&table.carried()[k].values[i]),
            }
            .map_err(io_error)?;
        }
        for col in extra {
            wtr.write_field(&col.values[i]).map_err(io_error)?;
        }
        wtr.write_record(None::<&[u8]>).map_err(io_error)?;
    }
    wtr.flush()
}

/// The I/O error inside a CSV writer's error, with its kind intact (a broken pipe must stay one).
fn io_error(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str, opts: &ReadOptions) -> Result<ReadReport> {
        read(text.as_bytes(), "t.csv", b',', opts)
    }

    #[test]
    fn infers_roles_id_features_carried() {
        let r = read_str("host,lat,err,dc\na,1.5,0.1,eu\nb,2,0.2,us\n", &ReadOptions::default()).unwrap();
        let t = r.table;
        assert_eq!(t.features(), ["lat", "err"]);
        assert_eq!(t.ids().unwrap().name, "host");
        assert_eq!(t.carried()[0].name, "dc");
        assert_eq!(t.x().as_slice(), &[1.5, 0.1, 2.0, 0.2]);
        assert_eq!(t.place(1).to_string(), "t.csv:3");
    }

    #[test]
    fn explicit_features_and_id() {
        let opts = ReadOptions::default().features(["err", "lat"]).id("n");
        let t = read_str("n,lat,err\n1,10,0.5\n2,20,0.7\n", &opts).unwrap().table;
        // matrix columns follow the file's order; the id may be numeric
        assert_eq!(t.features(), ["lat", "err"]);
        assert_eq!(t.ids().unwrap().values, ["1", "2"]);
    }

    #[test]
    fn role_inference_skips_leading_missing_values() {
        let opts = ReadOptions::default().drop_missing(true);
        let r = read_str("name,lat\na,\nb,3\n", &opts).unwrap();
        assert_eq!(r.table.features(), ["lat"]);
        assert_eq!(r.dropped_missing, 1);
        assert_eq!(r.table.n_rows(), 1);
    }

    #[test]
    fn errors_carry_positions() {
        let o = ReadOptions::default();
        let e = read_str("id,lat\na,1\nb,12,5\n", &o).unwrap_err();
        assert_eq!(e.to_string(), "t.csv:3: found 3 fields, expected 2 as in the header");
        let e = read_str("id,lat\na,1\nb,\"12,5\"\n", &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:3:2: column \"lat\": cannot parse \"12,5\" as a number (use '.' for decimals)"
        );
        assert!(matches!(read_str("id,lat\na,inf\n", &o), Err(Error::NonFinite { .. })));
        let e = read_str("id,lat\na,NaN\nb,1\n", &o).unwrap_err();
        assert!(matches!(e, Error::Missing { .. }), "{e}");
        assert!(e.to_string().starts_with("t.csv:2:2:"));
        assert!(matches!(read_str("", &o), Err(Error::EmptyInput { .. })));
        assert!(matches!(read_str("id,lat\n", &o), Err(Error::NoRows { .. })));
        let only_header = ReadOptions::default().features(["lat"]);
        assert!(matches!(read_str("id,lat\n", &only_header), Err(Error::NoRows { .. })));
        assert!(matches!(read_str("a,a\n1,2\n", &o), Err(Error::DuplicateColumn { .. })));
        let unknown = ReadOptions::default().features(["p99"]);
        assert!(matches!(
            read_str("id,lat\na,1\n", &unknown),
            Err(Error::UnknownColumn { .. })
        ));
        let e = read(&b"id,lat\na,\xff\n"[..], "t.csv", b',', &o).unwrap_err();
        assert!(matches!(e, Error::Malformed { .. }), "{e}");
    }

    #[test]
    fn errors_deep_in_the_file_keep_their_line_across_batches() {
        let rows = |n: usize| (0..n).map(|i| format!("{i},{}\n", i % 7)).collect::<String>();
        let body = format!("a,b\n{}9000,x\n{}", rows(9_000), rows(100));
        let e = read_str(&body, &ReadOptions::default()).unwrap_err().to_string();
        assert!(e.starts_with("t.csv:9002:2:"), "{e}");
        // Invalid UTF-8 before a later ragged row: the earlier one is reported.
        let mut bytes = format!("a,b\n{}", rows(5_000)).into_bytes();
        bytes.extend_from_slice(b"1,\xff\n");
        bytes.extend_from_slice(format!("{}1,2,3\n", rows(9_000)).as_bytes());
        let e = read(&bytes[..], "t.csv", b',', &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.csv:5002:2:") && e.contains("UTF-8"), "{e}");
        // The fields' bytes together are valid ("1é"), the second field alone is not.
        let split = b"a,b,c\n1,\xc3,\xa9\n";
        let e = read(&split[..], "t.csv", b',', &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.csv:2:2:") && e.contains("UTF-8"), "{e}");
        let ok = read_str(&format!("a,b\n{}", rows(20_000)), &ReadOptions::default()).unwrap();
        assert_eq!(ok.table.n_rows(), 20_000);
        assert_eq!(ok.table.x().row(19_999), [19_999.0, (19_999 % 7) as f64]);
    }

    #[test]
    fn hints_recognise_common_mistakes() {
        assert_eq!(number_hint("12,5"), Some("use '.' for decimals"));
        assert_eq!(number_hint("1,234.5"), Some("remove the thousands separators"));
        assert_eq!(number_hint("12ms"), Some("write the bare number, without its unit"));
        assert_eq!(number_hint("5%"), Some("write the bare number, without its unit"));
        assert_eq!(number_hint("GET /x"), None);
    }

    #[test]
    fn tsv_and_bom() {
        let t = read(
            "\u{feff}id\tlat\nx\t3\n".as_bytes(),
            "t.tsv",
            b'\t',
            &ReadOptions::default(),
        )
        .unwrap()
        .table;
        assert_eq!(t.ids().unwrap().name, "id");
        assert_eq!(delimiter_for(Path::new("a.TSV")), b'\t');
        assert_eq!(delimiter_for(Path::new("a.csv")), b',');
    }

    #[test]
    fn batches_make_up_the_whole_table() {
        let mut text = String::from("host,cpu_pct,note\n");
        for i in 0..23 {
            text.push_str(&format!("h{i},{},{}\n", i * 3, if i == 5 { "NA" } else { "ok" }));
        }
        text.push_str("h23,,x\n");
        let opts = ReadOptions::default().drop_missing(true);
        let whole = read(text.as_bytes(), "m.csv", b',', &opts).unwrap();
        let mut parts: Vec<Table> = Vec::new();
        let dropped = read_batches(text.as_bytes(), "m.csv", b',', &opts, 7, &mut |t| {
            parts.push(t);
            Ok(())
        })
        .unwrap();
        assert_eq!(dropped, whole.dropped_missing);
        assert_eq!(parts.iter().map(Table::n_rows).collect::<Vec<_>>(), [7, 7, 7, 2]);
        let values: Vec<f64> = parts.iter().flat_map(|t| t.x().as_slice().to_vec()).collect();
        assert_eq!(values, whole.table.x().as_slice());
        assert_eq!(parts[3].place(1), whole.table.place(22));
        // Header only, or every row dropped: the same error as reading it whole.
        for text in ["a,b\n", "a,b\nx,NA\n"] {
            let mut none = |_| Ok(());
            let batched = read_batches(text.as_bytes(), "e.csv", b',', &opts, 7, &mut none).unwrap_err();
            let whole = read(text.as_bytes(), "e.csv", b',', &opts).unwrap_err();
            assert_eq!(batched.to_string(), whole.to_string());
        }
    }

    #[test]
    fn write_then_read_round_trips() {
        let text = "endpoint,lat,err,group\n\"GET /a,b\",1.25,0.1,x\nGET /c,300,5,y\n";
        let t = read_str(text, &ReadOptions::default()).unwrap().table;
        let mut out = Vec::new();
        let extra = [TextColumn {
            name: "cluster".into(),
            values: vec!["0".into(), "1".into()],
        }];
        write_table(&t, &extra, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "endpoint,lat,err,group,cluster\n\"GET /a,b\",1.25,0.1,x,0\nGET /c,300,5,y,1\n"
        );
    }

    /// The input read as one block: what reading in blocks of any size must give.
    /// By the csv reader alone: quotes or not, no line is split by hand.
    fn read_in_one_pass(bytes: &[u8], opts: &ReadOptions) -> std::result::Result<ReadReport, String> {
        let one = Cutting {
            block_bytes: usize::MAX / 2,
            plain_lines: false,
        };
        read_in_blocks(bytes, "t.csv", b',', opts, one).map_err(|e| e.to_string())
    }

    fn in_blocks(bytes: &[u8], opts: &ReadOptions, block: usize) -> std::result::Result<ReadReport, String> {
        let cutting = Cutting {
            block_bytes: block,
            plain_lines: true,
        };
        read_in_blocks(bytes, "t.csv", b',', opts, cutting).map_err(|e| e.to_string())
    }

    #[test]
    fn blocks_cut_at_record_ends_whatever_the_quoting() {
        // Quoted fields holding line ends, CRLF and bare CR ends, blank lines, a last record
        // without its line end: every block size gives the one-pass table.
        let text = "id,a,b\r\n\"x\ny\",1,2\r\n\r\n\"q\"\"r\",3,4\rz,5,6\n\n\"m\r\nn\",7,8\nw,9,10";
        let want = read_in_one_pass(text.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(want.table.n_rows(), 5);
        // Each record's line is the one its first character is on, counting '\n's as the csv
        // reader does (a bare CR ends a record, not a line).
        assert_eq!(want.table.provenance(), &Provenance::Lines(vec![2, 5, 5, 7, 9]));
        let mut batches = Vec::new();
        read_batches(text.as_bytes(), "t.csv", b',', &ReadOptions::default(), 2, &mut |t| {
            batches.push(t);
            Ok(())
        })
        .unwrap();
        let lines: Vec<_> = batches.iter().map(|t| t.provenance().clone()).collect();
        let want_lines = [vec![2, 5], vec![5, 7], vec![9]].map(Provenance::Lines);
        assert_eq!(lines, want_lines);
        for block in 1..=text.len() + 1 {
            assert_eq!(
                in_blocks(text.as_bytes(), &ReadOptions::default(), block),
                Ok(want.clone()),
                "block {block}"
            );
        }
        // One worker: the blocks are converted on the calling thread.
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        for block in [1, 7, 1 << 20] {
            assert_eq!(
                one.install(|| in_blocks(text.as_bytes(), &ReadOptions::default(), block)),
                Ok(want.clone())
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn blocks_read_like_one_pass(
            body in "([a-c0-9,.\r\n\"é -]|NA){0,300}",
            block in 1usize..64,
            drop_missing in proptest::bool::ANY,
        ) {
            let text = format!("id,a,b\n{body}");
            let opts = ReadOptions::default().drop_missing(drop_missing);
            proptest::prop_assert_eq!(in_blocks(text.as_bytes(), &opts, block), read_in_one_pass(text.as_bytes(), &opts));
        }

        #[test]
        fn blocks_read_records_like_one_pass(
            records in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["h", "\"q,1\"", "\"a\nb\"", "\"c\r\nd\"", "\"e\"\"f\"", "é"]),
                    proptest::sample::select(vec!["1", "-2.5", "NA", "", "3e2"]),
                    proptest::sample::select(vec!["\n", "\r\n", "\r", "\n\n", "\r\n\r\n"]),
                ),
                0..60,
            ),
            bad in proptest::option::of(0usize..60),
            block in 1usize..48,
        ) {
            let mut text = String::from("id,a,b\n");
            for (i, (id, a, end)) in records.iter().enumerate() {
                let b = if bad == Some(i) { "x" } else { "7" };
                text.push_str(&format!("{id},{a},{b}{end}"));
            }
            let opts = ReadOptions::default().drop_missing(true);
            let want = read_in_one_pass(text.as_bytes(), &opts);
            proptest::prop_assert_eq!(in_blocks(text.as_bytes(), &opts, block), want.clone());
            let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
            proptest::prop_assert_eq!(one.install(|| in_blocks(text.as_bytes(), &opts, block)), want);
        }

        #[test]
        fn blocks_read_bytes_like_one_pass(
            bytes in proptest::collection::vec(proptest::sample::select(b"ab1,.\r\n\"\xc3\xa9\xff".to_vec()), 0..300),
            block in 1usize..64,
        ) {
            let mut text = b"a,b\n".to_vec();
            text.extend_from_slice(&bytes);
            let opts = ReadOptions::default();
            proptest::prop_assert_eq!(in_blocks(&text, &opts, block), read_in_one_pass(&text, &opts));
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = read(&bytes[..], "fuzz.csv", b',', &ReadOptions::default());
            let _ = read(&bytes[..], "fuzz.csv", b',', &ReadOptions::default().drop_missing(true));
        }

        #[test]
        fn never_panics_on_csv_like_text(text in "[a-c0-9,.\\n\"-]{0,200}") {
            let _ = read(text.as_bytes(), "fuzz.csv", b',', &ReadOptions::default());
        }
    }
}
