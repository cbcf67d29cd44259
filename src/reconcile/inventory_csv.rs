//! Inventory exports as an entitlement source: a CSV file with one entitlement per row (columns
//! `system,account,employee_id,entitlement_type,entitlement,monthly_cost_cents`, and optionally
//! `last_sign_in`, any order, other columns ignored). Large files are read by several threads at once, each over a byte
//! range that starts at a line boundary, with reused buffers. It only reads the file.
//!
//! A line boundary is a record boundary unless a quoted field spans lines across it. Each range
//! counts the quote characters it reads; a boundary preceded by an odd number of quotes lies
//! inside a quoted field (RFC 4180 escapes a quote as `""`, keeping the count even). When that
//! happens, or when any range fails, the whole file is read again on one thread, so results and
//! error lines are always those of a plain sequential read.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::entitlement::{Entitlement, EntitlementKind};
use super::error::ReconcileError;
use super::source::EntitlementSource;
use super::tally::Tally;
use crate::fsio::{self, CSV_ROW, CsvGuard, Links, csv_limit_error};

/// The columns of an inventory export, in documented order.
pub const INVENTORY_COLUMNS: [&str; 6] = [
    "system",
    "account",
    "employee_id",
    "entitlement_type",
    "entitlement",
    "monthly_cost_cents",
];

/// Files smaller than this are read on one thread.
const DEFAULT_MIN_SPLIT: u64 = 4 << 20;

/// Buffer size of each reading thread.
const BUFFER: usize = 1 << 20;

/// An inventory CSV export.
#[derive(Clone, Debug)]
pub struct InventoryCsv {
    path: PathBuf,
    default_system: String,
    min_split: u64,
}

/// Where the fields are, and where the data starts.
#[derive(Clone, Copy, Debug)]
struct Layout {
    system: Option<usize>,
    account: usize,
    employee_id: usize,
    kind: usize,
    name: usize,
    cost: Option<usize>,
    last_sign_in: Option<usize>,
    width: usize,
    data_start: u64,
    /// The line number of the first data line.
    data_line: u64,
}

/// How a range read ended.
struct RangeEnd {
    tally: Tally,
    quotes: u64,
}

impl InventoryCsv {
    /// The export at `path`. Rows without a `system` column are reported under the file's stem.
    pub fn new(path: impl Into<PathBuf>) -> InventoryCsv {
        let path = path.into();
        let default_system = path.file_stem().map_or_else(
            || "inventory".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        );
        InventoryCsv {
            path,
            default_system,
            min_split: DEFAULT_MIN_SPLIT,
        }
    }

    /// Read files of at least `bytes` with several threads (default 4 MiB).
    pub fn with_min_split(mut self, bytes: u64) -> InventoryCsv {
        self.min_split = bytes.max(1);
        self
    }

    /// The export file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_err(&self, source: std::io::Error) -> ReconcileError {
        ReconcileError::Read {
            path: self.path.clone(),
            source,
        }
    }

    /// The export, opened for reading (a regular file within [`fsio::EXPORT`]).
    fn open(&self) -> Result<File, ReconcileError> {
        fsio::open_regular(&self.path, fsio::EXPORT, Links::Follow).map_err(|e| self.read_err(e))
    }

    /// A CSV error as a row error at its line (`line_of` maps the reader's line to the file's).
    fn csv_err(&self, error: csv::Error, line_of: impl Fn(u64) -> u64) -> ReconcileError {
        let (line, message) = match csv_limit_error(&error) {
            Some(limit) => (limit.line, limit.message.clone()),
            None => (error.position().map_or(0, |p| p.line()), error.to_string()),
        };
        ReconcileError::Row {
            path: self.path.clone(),
            line: line_of(line),
            message,
        }
    }

    fn layout(&self) -> Result<Layout, ReconcileError> {
        let mut reader = csv::ReaderBuilder::new().from_reader(CsvGuard::new(self.open()?));
        let headers = reader
            .byte_headers()
            .map_err(|e| self.csv_err(e, |line| line))?
            .clone();
        let find = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim_ascii() == name.as_bytes())
        };
        let required = |name: &str| {
            find(name).ok_or_else(|| ReconcileError::MissingColumn {
                path: self.path.clone(),
                column: name.to_owned(),
                found: headers
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        };
        let position = reader.position();
        Ok(Layout {
            system: find("system"),
            account: required("account")?,
            employee_id: required("employee_id")?,
            kind: required("entitlement_type")?,
            name: required("entitlement")?,
            cost: find("monthly_cost_cents"),
            last_sign_in: find("last_sign_in"),
            width: headers.len(),
            data_start: position.byte(),
            data_line: position.line(),
        })
    }

    /// Byte ranges of about equal size, each starting at a line start.
    fn ranges(&self, layout: &Layout, threads: usize) -> Result<Vec<(u64, u64)>, ReconcileError> {
        let len = std::fs::metadata(&self.path)
            .map_err(|e| self.read_err(e))?
            .len();
        let data = len.saturating_sub(layout.data_start);
        let threads = threads.max(1) as u64;
        if threads == 1 || data < self.min_split {
            return Ok(vec![(layout.data_start, len)]);
        }
        let mut file = BufReader::new(self.open()?);
        let mut starts = vec![layout.data_start];
        for k in 1..threads {
            let target = layout.data_start + data * k / threads;
            file.seek(SeekFrom::Start(target))
                .map_err(|e| self.read_err(e))?;
            let (n, newline) = skip_line(&mut file).map_err(|e| self.read_err(e))?;
            let start = target + n;
            if newline && start < len && start > starts[starts.len() - 1] {
                starts.push(start);
            }
        }
        let ends = starts.iter().skip(1).copied().chain([len]);
        Ok(starts.iter().copied().zip(ends).collect())
    }

    /// Read the rows of `[start, end)`; `first` tells whether it is the first range (whose
    /// line numbers are exact).
    fn scan_range(
        &self,
        layout: &Layout,
        (start, end): (u64, u64),
        mut visit: impl FnMut(&mut Tally, &Entitlement<'_>),
    ) -> Result<RangeEnd, ReconcileError> {
        let mut file = self.open()?;
        file.seek(SeekFrom::Start(start))
            .map_err(|e| self.read_err(e))?;
        let counted = QuoteCounter {
            inner: file.take(end - start),
            quotes: 0,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(BUFFER)
            .from_reader(CsvGuard::new(counted));
        let mut tally = Tally::default();
        let mut row = csv::ByteRecord::new();
        let line_of = |relative: u64| layout.data_line + relative.saturating_sub(1);
        loop {
            match reader.read_byte_record(&mut row) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(self.csv_err(e, line_of)),
            }
            let entitlement =
                self.entitlement(layout, &row)
                    .map_err(|message| ReconcileError::Row {
                        path: self.path.clone(),
                        line: line_of(row.position().map_or(0, |p| p.line())),
                        message,
                    })?;
            visit(&mut tally, &entitlement);
        }
        let quotes = reader.into_inner().into_inner().quotes;
        Ok(RangeEnd { tally, quotes })
    }

    fn entitlement<'r>(
        &'r self,
        layout: &Layout,
        row: &'r csv::ByteRecord,
    ) -> Result<Entitlement<'r>, String> {
        if row.len() != layout.width {
            return Err(format!(
                "{} fields where the header has {}",
                row.len(),
                layout.width
            ));
        }
        let field = |i: usize| row.get(i).map_or(&b""[..], <[u8]>::trim_ascii);
        let text = |i: usize, column: &str| {
            std::str::from_utf8(field(i)).map_err(|_| format!("`{column}` is not UTF-8"))
        };
        let system = match layout.system {
            Some(i) => text(i, "system")?,
            None => self.default_system.as_str(),
        };
        let account = text(layout.account, "account")?;
        if account.is_empty() {
            return Err("`account` is empty".to_owned());
        }
        let kind = match field(layout.kind) {
            b"account" => EntitlementKind::Account,
            b"group" => EntitlementKind::Group,
            b"license" => EntitlementKind::License,
            other => {
                return Err(format!(
                    "entitlement_type `{}` must be `account`, `group` or `license`",
                    String::from_utf8_lossy(other).escape_debug()
                ));
            }
        };
        let name = text(layout.name, "entitlement")?;
        if name.is_empty() {
            return Err("`entitlement` is empty".to_owned());
        }
        let monthly_cost_cents = match layout.cost.map(field) {
            None | Some(b"") => 0,
            Some(digits) => parse_cents(digits).ok_or_else(|| {
                format!(
                    "monthly_cost_cents `{}` is not a whole number of cents",
                    String::from_utf8_lossy(digits).escape_debug()
                )
            })?,
        };
        let last_sign_in = match layout.last_sign_in.map(field) {
            None | Some(b"") => None,
            Some(value) => Some(parse_sign_in(value)?),
        };
        Ok(Entitlement {
            system,
            account,
            employee_id: text(layout.employee_id, "employee_id")?,
            kind,
            name,
            monthly_cost_cents,
            last_sign_in,
        })
    }
}

impl EntitlementSource for InventoryCsv {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn for_each(&self, visit: &mut dyn FnMut(&Entitlement<'_>)) -> Result<(), ReconcileError> {
        let layout = self.layout()?;
        let len = std::fs::metadata(&self.path)
            .map_err(|e| self.read_err(e))?
            .len();
        self.scan_range(&layout, (layout.data_start, len), |_, e| visit(e))?;
        Ok(())
    }

    fn scan(
        &self,
        threads: usize,
        visit: &(dyn Fn(&mut Tally, &Entitlement<'_>) + Sync),
    ) -> Result<Vec<Tally>, ReconcileError> {
        let layout = self.layout()?;
        let ranges = self.ranges(&layout, threads)?;
        let whole = (
            layout.data_start,
            ranges.last().map_or(layout.data_start, |r| r.1),
        );
        if ranges.len() > 1 {
            let results: Vec<Option<Result<RangeEnd, ReconcileError>>> =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = ranges
                        .iter()
                        .map(|&range| scope.spawn(move || self.scan_range(&layout, range, visit)))
                        .collect();
                    handles.into_iter().map(|h| h.join().ok()).collect()
                });
            let mut tallies = Vec::new();
            let mut quotes = 0u64;
            let mut aligned = true;
            for result in results {
                match result {
                    Some(Ok(end)) if quotes.is_multiple_of(2) => {
                        quotes += end.quotes;
                        tallies.push(end.tally);
                    }
                    _ => {
                        aligned = false;
                        break;
                    }
                }
            }
            if aligned {
                return Ok(tallies);
            }
        }
        Ok(vec![self.scan_range(&layout, whole, visit)?.tally])
    }
}

/// Skip past the next newline, reading no more than a row may hold ([`CSV_ROW`]) and keeping
/// nothing: the bytes skipped, and whether a newline ended them.
fn skip_line(file: &mut impl BufRead) -> std::io::Result<(u64, bool)> {
    let mut skipped = 0u64;
    loop {
        let buf = file.fill_buf()?;
        if buf.is_empty() {
            return Ok((skipped, false));
        }
        if let Some(at) = memchr::memchr(b'\n', buf) {
            file.consume(at + 1);
            return Ok((skipped + at as u64 + 1, true));
        }
        let n = buf.len();
        file.consume(n);
        skipped += n as u64;
        if skipped > CSV_ROW.bytes {
            return Ok((skipped, false));
        }
    }
}

/// A reader that counts the `"` bytes passing through it.
struct QuoteCounter<R> {
    inner: R,
    quotes: u64,
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.quotes += buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        Ok(n)
    }
}

/// A non-negative whole number of cents.
/// A `last_sign_in` value, `YYYY-MM-DD` or RFC 3339, as Unix seconds.
fn parse_sign_in(value: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(value)
        .ok()
        .and_then(crate::hr::parse_time)
        .map(time::OffsetDateTime::unix_timestamp)
        .ok_or_else(|| {
            format!(
                "last_sign_in `{}` is not a date (YYYY-MM-DD) or an RFC 3339 time",
                String::from_utf8_lossy(value).escape_debug()
            )
        })
}

fn parse_cents(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    digits.iter().try_fold(0i64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "system,account,employee_id,entitlement_type,entitlement,monthly_cost_cents\n";

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("saas.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn collect(source: &InventoryCsv, threads: usize) -> Result<Vec<String>, ReconcileError> {
        let visit = |tally: &mut Tally, e: &Entitlement<'_>| {
            tally.entitlements += 1;
            tally.findings.push(crate::reconcile::Finding {
                kind: crate::reconcile::FindingKind::Excess,
                system: e.system.to_owned(),
                account: e.account.to_owned(),
                employee_id: Some(e.employee_id.to_owned()),
                hr_status: None,
                role: None,
                entitlement_type: e.kind,
                entitlement: e.name.to_owned(),
                monthly_cost_cents: e.monthly_cost_cents,
                days_orphaned: None,
                last_sign_in: None,
                days_dormant: None,
            });
        };
        let tallies = source.scan(threads, &visit)?;
        Ok(tallies
            .into_iter()
            .flat_map(|t| t.findings)
            .map(|f| {
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    f.system,
                    f.account,
                    f.employee_id.unwrap_or_default(),
                    f.entitlement_type,
                    f.entitlement,
                    f.monthly_cost_cents
                )
            })
            .collect())
    }

    #[test]
    fn reads_rows_in_any_column_order_with_defaults() {
        let (_d, path) = write(
            "entitlement,account,note,employee_id,entitlement_type\nfigma,judy,\"x, y\",E1,license\nvpn,svc,,,group\n",
        );
        let rows = collect(&InventoryCsv::new(&path), 1).unwrap();
        assert_eq!(
            rows,
            ["saas|judy|E1|license|figma|0", "saas|svc||group|vpn|0"]
        );
    }

    #[test]
    fn several_threads_read_exactly_what_one_reads() {
        let mut text = HEADER.to_owned();
        for i in 0..5000 {
            text.push_str(&format!("sso,u{i},E{i},license,p{},{}\n", i % 7, i));
        }
        let (_d, path) = write(&text);
        let source = InventoryCsv::new(&path).with_min_split(1);
        let one = collect(&source, 1).unwrap();
        assert_eq!(one.len(), 5000);
        for threads in [2, 3, 8] {
            let mut many = collect(&source, threads).unwrap();
            many.sort();
            let mut sorted = one.clone();
            sorted.sort();
            assert_eq!(many, sorted, "{threads} threads");
        }
        assert!(source.ranges(&source.layout().unwrap(), 2).unwrap().len() == 2);
    }

    #[test]
    fn a_quoted_line_break_across_a_split_falls_back_to_one_thread() {
        // One long quoted entitlement name (within the field limit) full of line breaks
        // straddles every split point.
        let mut text = HEADER.to_owned();
        text.push_str("sso,a,E1,group,\"");
        for i in 0..1500 {
            text.push_str(&format!("line {i}\nsso,fake{i},E9,group,g,1\n"));
        }
        text.push_str("\",0\nsso,b,E2,group,g,5\n");
        let (_d, path) = write(&text);
        let source = InventoryCsv::new(&path).with_min_split(1);
        let rows = collect(&source, 2).unwrap();
        assert_eq!(rows.len(), 2, "{:?}", &rows[..rows.len().min(3)]);
        assert!(rows[1].ends_with("|b|E2|group|g|5"));
    }

    #[test]
    fn last_sign_in_is_a_date_or_a_time_and_may_be_empty() {
        let (_d, path) = write(
            "account,employee_id,entitlement_type,entitlement,last_sign_in\n\
             ann,E1,license,github,2026-09-01\nbo,E2,license,github,2026-09-01T10:00:00+02:00\n\
             cy,E3,license,github,\n",
        );
        let mut seen = Vec::new();
        InventoryCsv::new(&path)
            .for_each(&mut |e| seen.push((e.account.to_owned(), e.last_sign_in)))
            .unwrap();
        let day = 1_788_220_800;
        assert_eq!(
            seen,
            [
                ("ann".to_owned(), Some(day)),
                ("bo".to_owned(), Some(day + 8 * 3600)),
                ("cy".to_owned(), None)
            ]
        );
        let (_d, path) = write(
            "account,employee_id,entitlement_type,entitlement,last_sign_in\nann,E1,license,x,yesterday\n",
        );
        let err = collect(&InventoryCsv::new(&path), 1)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                ":2: last_sign_in `yesterday` is not a date (YYYY-MM-DD) or an RFC 3339 time"
            ),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_line_even_in_a_later_range() {
        let mut text = HEADER.to_owned();
        for i in 0..3000 {
            text.push_str(&format!("sso,u{i},E{i},group,g,0\n"));
        }
        text.push_str("sso,bad,E1,role,admin,0\n");
        let (_d, path) = write(&text);
        let source = InventoryCsv::new(&path).with_min_split(1);
        for threads in [1, 2] {
            let err = collect(&source, threads).unwrap_err().to_string();
            assert!(
                err.ends_with(
                    ":3002: entitlement_type `role` must be `account`, `group` or `license`"
                ),
                "{err}"
            );
        }
        let (_d, path) = write(&format!("{HEADER}sso,a,E1,license,x,-5\nsso,a,E1\n"));
        let err = collect(&InventoryCsv::new(&path), 1)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(":2: monthly_cost_cents `-5` is not a whole number of cents"),
            "{err}"
        );
        let (_d, path) = write("account,entitlement\n");
        let err = collect(&InventoryCsv::new(&path), 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains(":1: no column `employee_id`"), "{err}");
    }
}
