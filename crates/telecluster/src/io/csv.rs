//! CSV/TSV input and output.
//!
//! Reading streams the file once. Column roles are decided from the first rows: numeric columns
//! become features (unless `features` names them), the first non-numeric column is the entity
//! id (unless `id` names it), and the rest are carried. Only the rows needed to see one
//! non-missing value per column are held back while deciding; usually that is one row.
//!
//! Every error names `path:line:column`, the column and the text, and says what was expected.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::data::table::{Role, Table, TextColumn};
use crate::error::{Error, Location, Param, Result};
use crate::matrix::Matrix;

/// How to read a delimited file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter; by default `\t` for `.tsv`/`.tab` files and `,` otherwise.
    pub delimiter: Option<u8>,
    /// The feature columns, in this order; by default every numeric column but the id.
    pub features: Option<Vec<String>>,
    /// The entity id column; by default the first non-numeric, non-feature column.
    pub id: Option<String>,
    /// Drop rows with a missing feature value instead of failing.
    pub drop_missing: bool,
}

/// What reading produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadReport {
    /// The table.
    pub table: Table,
    /// Rows dropped for missing feature values (only with `drop_missing`).
    pub dropped_missing: usize,
}

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads `path` (`-` for standard input).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, and every error of [`read`].
pub fn read_path(path: &Path, opts: &CsvOptions) -> Result<ReadReport> {
    if path.as_os_str() == "-" {
        let delimiter = opts.delimiter.unwrap_or(b',');
        return read(io::stdin().lock(), STDIN_NAME, delimiter, opts);
    }
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| Error::io(name.clone(), e))?;
    let delimiter = opts.delimiter.unwrap_or_else(|| delimiter_for(path));
    read(io::BufReader::with_capacity(1 << 16, file), &name, delimiter, opts)
}

/// The delimiter a file's extension implies: tab for `.tsv` and `.tab`, else comma.
pub fn delimiter_for(path: &Path) -> u8 {
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
/// [`Error::EmptyInput`], [`Error::NoRows`], [`Error::DuplicateColumn`],
/// [`Error::UnknownColumn`], [`Error::ConflictingRoles`], [`Error::NoFeatures`],
/// [`Error::Ragged`], [`Error::NotANumber`], [`Error::NonFinite`], [`Error::Missing`],
/// [`Error::Malformed`] and [`Error::Io`], each with its position.
pub fn read<R: Read>(input: R, source: &str, delimiter: u8, opts: &CsvOptions) -> Result<ReadReport> {
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
    let header = header_names(&record);
    for (i, name) in header.iter().enumerate() {
        if header[..i].contains(name) {
            return Err(Error::DuplicateColumn {
                at: Location::line(source, header_line).at_column(i + 1),
                name: name.clone(),
            });
        }
    }
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::UnknownColumn {
                path: source.into(),
                name: name.into(),
                available: header.clone(),
            })
    };
    let explicit_features = match &opts.features {
        Some(names) => {
            let mut idx = Vec::with_capacity(names.len());
            for name in names {
                let j = find(name)?;
                if idx.contains(&j) {
                    return Err(Error::invalid(
                        Param::Features,
                        names.join(","),
                        format!("names \"{name}\" twice"),
                    ));
                }
                idx.push(j);
            }
            Some(idx)
        }
        None => None,
    };
    let explicit_id = opts.id.as_deref().map(find).transpose()?;
    if let (Some(id), Some(features)) = (explicit_id, &explicit_features) {
        if features.contains(&id) {
            return Err(Error::ConflictingRoles {
                path: source.into(),
                name: header[id].clone(),
                first: "id",
                second: "feature",
            });
        }
    }

    // Hold rows back until every column has shown a value, to tell numbers from text.
    let width = header.len();
    let mut numeric: Vec<Option<bool>> = vec![None; width];
    let mut first_text: Vec<Option<String>> = vec![None; width];
    let mut held = Vec::new();
    if explicit_features.is_none() || explicit_id.is_none() {
        while numeric.iter().any(Option::is_none) {
            let mut rec = csv::StringRecord::new();
            if !next_record(&mut rdr, &mut rec, source)? {
                break;
            }
            check_width(&rec, width, source)?;
            for (j, kind) in numeric.iter_mut().enumerate() {
                let cell = rec[j].trim();
                if kind.is_none() && !is_missing(cell) {
                    *kind = Some(cell.parse::<f64>().is_ok());
                    if *kind == Some(false) {
                        first_text[j] = Some(cell.chars().take(40).collect());
                    }
                }
            }
            held.push(rec);
        }
    }
    let is_numeric = |j: usize| numeric[j].unwrap_or(false);
    let features: Vec<usize> = explicit_features.unwrap_or_else(|| {
        (0..width)
            .filter(|&j| is_numeric(j) && Some(j) != explicit_id)
            .collect()
    });
    if features.is_empty() {
        return Err(Error::NoFeatures {
            path: source.into(),
            text_columns: (0..width)
                .filter_map(|j| first_text[j].take().map(|v| (header[j].clone(), v)))
                .collect(),
        });
    }
    let id = explicit_id.or_else(|| (0..width).find(|&j| !features.contains(&j) && !is_numeric(j)));

    let mut layout = Vec::with_capacity(width);
    let mut carried_cols = Vec::new();
    for (j, name) in header.iter().enumerate() {
        let role = if Some(j) == id {
            Role::Id
        } else if features.contains(&j) {
            Role::Feature
        } else {
            carried_cols.push(j);
            Role::Carried
        };
        if role != Role::Feature {
            layout.push((name.clone(), role));
        }
    }
    // Features take the order the user gave; put them where they stand in the file otherwise.
    let mut feature_slots: Vec<(usize, usize)> = features.iter().enumerate().map(|(k, &j)| (j, k)).collect();
    feature_slots.sort_unstable();
    for &(j, k) in &feature_slots {
        let pos = layout
            .iter()
            .position(|(n, _)| header.iter().position(|h| h == n).is_some_and(|p| p > j))
            .unwrap_or(layout.len());
        layout.insert(pos, (header[features[k]].clone(), Role::Feature));
    }
    // The matrix columns follow the layout order of the features.
    let matrix_order: Vec<usize> = layout
        .iter()
        .filter(|(_, r)| *r == Role::Feature)
        .map(|(n, _)| header.iter().position(|h| h == n).expect("feature is in header"))
        .collect();

    let mut rows = Rows {
        source,
        header: &header,
        width,
        features: &matrix_order,
        id,
        carried: &carried_cols,
        drop_missing: opts.drop_missing,
        values: Vec::new(),
        ids: Vec::new(),
        carried_values: vec![Vec::new(); carried_cols.len()],
        lines: Vec::new(),
        dropped: 0,
        scratch: Vec::with_capacity(matrix_order.len()),
    };
    for rec in &held {
        rows.push(rec)?;
    }
    drop(held);
    while next_record(&mut rdr, &mut record, source)? {
        rows.push(&record)?;
    }

    let n = rows.lines.len();
    if n == 0 {
        return Err(Error::NoRows {
            path: source.into(),
            dropped: rows.dropped,
        });
    }
    let x = Matrix::new(rows.values, n, matrix_order.len())?;
    let ids = id.map(|j| TextColumn {
        name: header[j].clone(),
        values: rows.ids,
    });
    let carried = carried_cols
        .iter()
        .zip(rows.carried_values)
        .map(|(&j, values)| TextColumn {
            name: header[j].clone(),
            values,
        })
        .collect();
    Ok(ReadReport {
        table: Table::from_source(source.into(), layout, x, ids, carried, rows.lines),
        dropped_missing: rows.dropped,
    })
}

/// The growing columns of a table being read.
struct Rows<'a> {
    source: &'a str,
    header: &'a [String],
    width: usize,
    features: &'a [usize],
    id: Option<usize>,
    carried: &'a [usize],
    drop_missing: bool,
    values: Vec<f64>,
    ids: Vec<String>,
    carried_values: Vec<Vec<String>>,
    lines: Vec<u64>,
    dropped: usize,
    scratch: Vec<f64>,
}

impl Rows<'_> {
    fn push(&mut self, rec: &csv::StringRecord) -> Result<()> {
        check_width(rec, self.width, self.source)?;
        let line = line_of(rec);
        self.scratch.clear();
        for &j in self.features {
            let at = || Location::line(self.source, line).at_column(j + 1);
            let cell = rec[j].trim();
            if is_missing(cell) {
                if self.drop_missing {
                    self.dropped += 1;
                    return Ok(());
                }
                return Err(Error::Missing {
                    at: at(),
                    column: self.header[j].clone(),
                    text: cell.into(),
                });
            }
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => self.scratch.push(v),
                Ok(_) => {
                    return Err(Error::NonFinite {
                        at: at(),
                        column: self.header[j].clone(),
                        text: cell.into(),
                    })
                }
                Err(_) => {
                    return Err(Error::NotANumber {
                        at: at(),
                        column: self.header[j].clone(),
                        text: cell.into(),
                        hint: number_hint(cell),
                    })
                }
            }
        }
        self.values.extend_from_slice(&self.scratch);
        if let Some(j) = self.id {
            self.ids.push(rec[j].to_string());
        }
        for (k, &j) in self.carried.iter().enumerate() {
            self.carried_values[k].push(rec[j].to_string());
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

/// The markers that mean "no value" (pandas' defaults, case-insensitive).
fn is_missing(cell: &str) -> bool {
    cell.is_empty()
        || ["na", "n/a", "nan", "-nan", "null", "none", "<na>", "#n/a", "#na"]
            .iter()
            .any(|m| cell.eq_ignore_ascii_case(m))
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
    wtr.write_record(
        table
            .layout()
            .iter()
            .map(|(n, _)| n.as_str())
            .chain(extra.iter().map(|c| c.name.as_str())),
    )
    .map_err(io_error)?;
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

    fn read_str(text: &str, opts: &CsvOptions) -> Result<ReadReport> {
        read(text.as_bytes(), "t.csv", b',', opts)
    }

    #[test]
    fn infers_roles_id_features_carried() {
        let r = read_str("host,lat,err,dc\na,1.5,0.1,eu\nb,2,0.2,us\n", &CsvOptions::default()).unwrap();
        let t = r.table;
        assert_eq!(t.features(), ["lat", "err"]);
        assert_eq!(t.ids().unwrap().name, "host");
        assert_eq!(t.carried()[0].name, "dc");
        assert_eq!(t.x().as_slice(), &[1.5, 0.1, 2.0, 0.2]);
        assert_eq!(t.place(1).to_string(), "t.csv:3");
    }

    #[test]
    fn explicit_features_and_id() {
        let opts = CsvOptions {
            features: Some(vec!["err".into(), "lat".into()]),
            id: Some("n".into()),
            ..Default::default()
        };
        let t = read_str("n,lat,err\n1,10,0.5\n2,20,0.7\n", &opts).unwrap().table;
        // matrix columns follow the file's order; the id may be numeric
        assert_eq!(t.features(), ["lat", "err"]);
        assert_eq!(t.ids().unwrap().values, ["1", "2"]);
    }

    #[test]
    fn role_inference_skips_leading_missing_values() {
        let opts = CsvOptions {
            drop_missing: true,
            ..Default::default()
        };
        let r = read_str("name,lat\na,\nb,3\n", &opts).unwrap();
        assert_eq!(r.table.features(), ["lat"]);
        assert_eq!(r.dropped_missing, 1);
        assert_eq!(r.table.n_rows(), 1);
    }

    #[test]
    fn errors_carry_positions() {
        let o = CsvOptions::default();
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
        assert!(matches!(read_str("id,lat\n", &o), Err(Error::NoFeatures { .. })));
        let only_header = CsvOptions {
            features: Some(vec!["lat".into()]),
            ..Default::default()
        };
        assert!(matches!(read_str("id,lat\n", &only_header), Err(Error::NoRows { .. })));
        assert!(matches!(read_str("a,a\n1,2\n", &o), Err(Error::DuplicateColumn { .. })));
        let unknown = CsvOptions {
            features: Some(vec!["p99".into()]),
            ..Default::default()
        };
        assert!(matches!(
            read_str("id,lat\na,1\n", &unknown),
            Err(Error::UnknownColumn { .. })
        ));
        let e = read(&b"id,lat\na,\xff\n"[..], "t.csv", b',', &o).unwrap_err();
        assert!(matches!(e, Error::Malformed { .. }), "{e}");
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
            &CsvOptions::default(),
        )
        .unwrap()
        .table;
        assert_eq!(t.ids().unwrap().name, "id");
        assert_eq!(delimiter_for(Path::new("a.TSV")), b'\t');
        assert_eq!(delimiter_for(Path::new("a.csv")), b',');
    }

    #[test]
    fn write_then_read_round_trips() {
        let text = "endpoint,lat,err,group\n\"GET /a,b\",1.25,0.1,x\nGET /c,300,5,y\n";
        let t = read_str(text, &CsvOptions::default()).unwrap().table;
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
            let _ = read(&bytes[..], "fuzz.csv", b',', &CsvOptions::default());
            let _ = read(&bytes[..], "fuzz.csv", b',', &CsvOptions { drop_missing: true, ..Default::default() });
        }

        #[test]
        fn never_panics_on_csv_like_text(text in "[a-c0-9,.\\n\"-]{0,200}") {
            let _ = read(text.as_bytes(), "fuzz.csv", b',', &CsvOptions::default());
        }
    }
}
