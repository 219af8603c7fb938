//! CSV/TSV input and output.
//!
//! Reading streams the file once. Column roles are decided by the schema step
//! ([`crate::data::schema`]) from the header and the first rows: only the rows needed to see
//! one non-missing value per column are held back while deciding; usually that is one row.
//!
//! Every error names `path:line:column`, the column and the text, and says what was expected.

use std::io::{self, Read, Write};
use std::path::Path;

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
    let (mut rdr, schema, held) = begin(input, source, delimiter, opts)?;
    // Splitting records and converting numbers take about as long as each other: this thread
    // splits, a second one checks and converts, batch by batch and in order, so the first
    // error in the input is still the one reported.
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<csv::ByteRecord>, usize)>(PIPELINE_DEPTH);
    // Batches come back once converted and are filled again: no allocation per record.
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<csv::ByteRecord>>();
    std::thread::scope(|scope| {
        let convert = scope.spawn(move || -> Result<Rows<'_>> {
            let mut rows = Rows::new(source, schema, opts.drop_missing);
            for rec in &held {
                rows.push(rec)?;
            }
            drop(held);
            for (batch, len) in rx {
                for rec in &batch[..len] {
                    rows.push(&Utf8Checked::new(rec, source)?)?;
                }
                let _ = back_tx.send(batch);
            }
            Ok(rows)
        });
        let mut split_error = None;
        let fresh = || (0..BATCH_RECORDS).map(|_| csv::ByteRecord::new()).collect::<Vec<_>>();
        let mut batch = fresh();
        let mut len = 0;
        loop {
            match rdr.read_byte_record(&mut batch[len]) {
                Ok(true) => len += 1,
                Ok(false) => break,
                Err(e) => {
                    split_error = Some(csv_error(e, source));
                    break;
                }
            }
            if len == BATCH_RECORDS {
                let next = back_rx.try_recv().unwrap_or_else(|_| fresh());
                // A closed channel means the converter met an error: it is reported below.
                if tx.send((std::mem::replace(&mut batch, next), len)).is_err() {
                    break;
                }
                len = 0;
            }
        }
        if len > 0 {
            let _ = tx.send((batch, len));
        }
        drop(tx);
        // Every record the converter saw comes before the one the splitter stopped at.
        let rows = convert
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        match split_error {
            Some(e) => Err(e),
            None => rows.finish(),
        }
    })
}

/// Records per batch handed from the splitting thread to the converting one.
const BATCH_RECORDS: usize = 4096;
/// Batches in flight between them.
const PIPELINE_DEPTH: usize = 4;

/// A record's fields as text: the record's bytes checked as UTF-8 once, each field a slice of
/// that text.
struct Utf8Checked<'r> {
    rec: &'r csv::ByteRecord,
    text: &'r str,
}

impl<'r> Utf8Checked<'r> {
    /// Checks the record as the text reader would: every field UTF-8, the error naming the first
    /// bad one. The whole record is checked in one pass; fields are looked at one by one only to
    /// name the bad one, or when a field boundary splits a character of otherwise valid text.
    fn new(rec: &'r csv::ByteRecord, source: &str) -> Result<Self> {
        if let Ok(text) = std::str::from_utf8(rec.as_slice()) {
            let whole_fields = (0..rec.len()).all(|j| {
                rec.range(j)
                    .is_some_and(|r| text.is_char_boundary(r.start) && text.is_char_boundary(r.end))
            });
            if whole_fields {
                return Ok(Utf8Checked { rec, text });
            }
        }
        let bad = rec
            .iter()
            .position(|field| std::str::from_utf8(field).is_err())
            .unwrap_or(0);
        Err(Error::Malformed {
            at: Location::line(source, rec.position().map_or(0, |p| p.line())).at_column(bad + 1),
            detail: "the text is not valid UTF-8".into(),
        })
    }
}

/// What [`Rows::push`] reads of a record: its width, its line and its fields as text.
trait Record {
    fn width(&self) -> usize;
    fn line(&self) -> u64;
    fn text(&self, j: usize) -> &str;
}

impl Record for csv::StringRecord {
    fn width(&self) -> usize {
        self.len()
    }
    fn line(&self) -> u64 {
        line_of(self)
    }
    fn text(&self, j: usize) -> &str {
        &self[j]
    }
}

impl Record for Utf8Checked<'_> {
    fn width(&self) -> usize {
        self.rec.len()
    }
    fn line(&self) -> u64 {
        self.rec.position().map_or(0, |p| p.line())
    }
    fn text(&self, j: usize) -> &str {
        // `new` checked that every field's range lies on character boundaries.
        self.rec.range(j).map_or("", |r| &self.text[r])
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
    let (mut rdr, schema, held) = begin(input, source, delimiter, opts)?;
    let fresh = || Rows::new(source, schema.clone(), opts.drop_missing);
    let mut rows = fresh();
    let (mut sent, mut dropped) = (0usize, 0usize);
    let mut held = held.into_iter();
    let mut record = csv::StringRecord::new();
    loop {
        let more = match held.next() {
            Some(r) => {
                record = r;
                true
            }
            None => next_record(&mut rdr, &mut record, source)?,
        };
        if more {
            rows.push(&record)?;
        }
        if rows.lines.len() >= batch.max(1) || (!more && !rows.lines.is_empty()) {
            let full = std::mem::replace(&mut rows, fresh());
            dropped += full.dropped;
            let table = full.finish()?.table;
            sent += table.n_rows();
            each(table)?;
        }
        if !more {
            break;
        }
    }
    dropped += rows.dropped;
    if sent == 0 {
        return Err(Error::NoRows {
            path: source.into(),
            dropped,
        });
    }
    Ok(dropped)
}

/// The header, the schema it resolves to, and the rows read to resolve it (still to be read as
/// data).
fn begin<R: Read>(
    input: R,
    source: &str,
    delimiter: u8,
    opts: &ReadOptions,
) -> Result<(csv::Reader<R>, Schema, Vec<csv::StringRecord>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::StringRecord::new();
    if !next_record(&mut rdr, &mut record, source)? {
        return Err(Error::EmptyInput { path: source.into() });
    }
    let header_line = line_of(&record);
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
    Ok((rdr, schema, held))
}

/// Reads rows until every column has shown a value (or the input ends): what they show, and the
/// rows, to be read again as data.
fn sample_rows<R: Read>(
    rdr: &mut csv::Reader<R>,
    width: usize,
    source: &str,
) -> Result<(Sample, Vec<csv::StringRecord>)> {
    let mut sample = Sample::new(width);
    let mut held = Vec::new();
    while !sample.is_complete() {
        let mut rec = csv::StringRecord::new();
        if !next_record(rdr, &mut rec, source)? {
            break;
        }
        check_width(&rec, width, source)?;
        for (j, cell) in rec.iter().enumerate() {
            sample.observe(j, cell);
        }
        held.push(rec);
    }
    Ok((sample, held))
}

/// The growing columns of a table being read.
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
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => self.scratch.push(v),
                Ok(_) => {
                    return Err(Error::NonFinite {
                        at: at(),
                        column: schema.names[j].clone(),
                        text: cell.into(),
                    })
                }
                Err(_) => {
                    return Err(Error::NotANumber {
                        at: at(),
                        column: schema.names[j].clone(),
                        text: cell.into(),
                        hint: number_hint(cell),
                    })
                }
            }
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

fn next_record<R: Read>(rdr: &mut csv::Reader<R>, rec: &mut csv::StringRecord, source: &str) -> Result<bool> {
    rdr.read_record(rec).map_err(|e| csv_error(e, source))
}

fn csv_error(err: csv::Error, source: &str) -> Error {
    let line = err.position().map_or(0, |p| p.line());
    match err.into_kind() {
        csv::ErrorKind::Io(e) => Error::io(source, e),
        csv::ErrorKind::Utf8 { pos, err } => Error::Malformed {
            at: Location::line(source, pos.map_or(line, |p| p.line())).at_column(err.field() + 1),
            detail: "the text is not valid UTF-8".into(),
        },
        other => Error::Malformed {
            at: Location::line(source, line),
            detail: format!("{other:?}"),
        },
    }
}

fn line_of(rec: &csv::StringRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

fn check_width(rec: &csv::StringRecord, width: usize, source: &str) -> Result<()> {
    if rec.len() != width {
        return Err(Error::Ragged {
            at: Location::line(source, line_of(rec)),
            expected: width,
            got: rec.len(),
        });
    }
    Ok(())
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

    proptest::proptest! {
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
