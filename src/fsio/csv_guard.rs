//! Bounded CSV input: a reader placed between a file and the `csv` crate that follows the same
//! quoting rules (RFC 4180, as the `csv` crate reads by default: `,` between fields, `"` to
//! quote, `""` for a quote inside quotes, `\n`, `\r` or `\r\n` between rows) and stops the read
//! with a [`CsvLimitError`] naming the line as soon as a field exceeds [`CSV_FIELD`], a row
//! exceeds [`CSV_ROW`], or the input ends inside a quoted field (which the `csv` crate would
//! otherwise accept, taking the rest of the file as one field). Memory stays bounded whatever the
//! input; it never parses values.

use std::io::{self, Read};

use super::limits::{CSV_FIELD, CSV_ROW};

/// Why CSV input was refused, and on which line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CsvLimitError {
    /// The 1-based line where the offending field or row starts.
    pub line: u64,
    /// What is wrong, without the location.
    pub message: String,
}

/// The [`CsvLimitError`] behind a `csv` error, if the guard caused it.
pub fn csv_limit_error(error: &csv::Error) -> Option<&CsvLimitError> {
    match error.kind() {
        csv::ErrorKind::Io(io) => io.get_ref()?.downcast_ref(),
        _ => None,
    }
}

/// Where the scanner is in the CSV grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a field (a `"` here opens a quoted field).
    StartField,
    /// Inside an unquoted field.
    InField,
    /// Inside a quoted field.
    Quoted,
    /// Just after a `"` inside a quoted field: `"` again is an escaped quote, anything else
    /// closes the quotes.
    QuoteInQuoted,
}

/// A reader that enforces the CSV limits on what passes through it.
#[derive(Debug)]
pub struct CsvGuard<R> {
    inner: R,
    state: State,
    /// The line the scanner is on.
    line: u64,
    /// The line where the current field and row started.
    field_line: u64,
    row_line: u64,
    /// Bytes of the current field and row so far.
    field: u64,
    row: u64,
    /// The error already returned: every later read returns it again.
    failed: Option<CsvLimitError>,
}

impl<R: Read> CsvGuard<R> {
    /// Guard `inner`, whose first byte starts a row on line 1.
    pub fn new(inner: R) -> Self {
        CsvGuard {
            inner,
            state: State::StartField,
            line: 1,
            field_line: 1,
            row_line: 1,
            field: 0,
            row: 0,
            failed: None,
        }
    }

    /// The reader inside.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn fail(&mut self, line: u64, message: String) -> io::Error {
        let error = CsvLimitError { line, message };
        self.failed = Some(error.clone());
        io::Error::new(io::ErrorKind::InvalidData, error)
    }

    /// Count `n` more bytes into the current field and row.
    fn grow(&mut self, n: usize) -> io::Result<()> {
        self.field += n as u64;
        self.row += n as u64;
        self.check()
    }

    /// An error when the current field or row is over its limit.
    fn check(&mut self) -> io::Result<()> {
        if self.field > CSV_FIELD.bytes {
            return Err(self.fail(
                self.field_line,
                format!("a field is longer than {CSV_FIELD}"),
            ));
        }
        if self.row > CSV_ROW.bytes {
            return Err(self.fail(self.row_line, format!("a row is longer than {CSV_ROW}")));
        }
        Ok(())
    }

    /// Account for `stretch`, bytes without a quote read outside quoted fields: rows end at
    /// `\n` or `\r`. It is the common case, so it is handled a row at a time, not a field at a
    /// time (see [`Self::within_row`]).
    fn unquoted(&mut self, stretch: &[u8]) -> io::Result<()> {
        let mut start = 0;
        for at in memchr::memchr2_iter(b'\n', b'\r', stretch) {
            self.within_row(&stretch[start..at])?;
            self.boundary(stretch[at])?;
            start = at + 1;
        }
        self.within_row(&stretch[start..])
    }

    /// Account for `part`, bytes of one row without quotes or row ends: the text up to its first
    /// `,` ends the current field, the text after its last `,` starts a new one, and the fields
    /// in between are looked at one by one only when they could be too long.
    fn within_row(&mut self, part: &[u8]) -> io::Result<()> {
        if part.is_empty() {
            return Ok(());
        }
        let Some(last) = memchr::memrchr(b',', part) else {
            self.state = State::InField;
            return self.grow(part.len());
        };
        let first = memchr::memchr(b',', part).unwrap_or(last);
        self.grow(first)?;
        let middle = part.get(first + 1..last).unwrap_or_default();
        if middle.len() as u64 > CSV_FIELD.bytes
            && middle
                .split(|&b| b == b',')
                .any(|field| field.len() as u64 > CSV_FIELD.bytes)
        {
            return Err(self.fail(self.line, format!("a field is longer than {CSV_FIELD}")));
        }
        self.field = 0;
        self.row += (last - first + 1) as u64;
        self.check()?;
        self.field_line = self.line;
        let tail = part.len() - last - 1;
        self.state = if tail == 0 {
            State::StartField
        } else {
            State::InField
        };
        self.grow(tail)
    }

    /// Handle a `,`, `\n` or `\r` outside quotes.
    fn boundary(&mut self, byte: u8) -> io::Result<()> {
        self.state = State::StartField;
        if byte == b',' {
            self.grow(1)?;
            self.field = 0;
            self.field_line = self.line;
            return Ok(());
        }
        if byte == b'\n' {
            self.line += 1;
        }
        self.field = 0;
        self.row = 0;
        self.field_line = self.line;
        self.row_line = self.line;
        Ok(())
    }

    fn scan(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut i = 0;
        while i < bytes.len() {
            match self.state {
                State::StartField | State::InField => {
                    let rest = &bytes[i..];
                    let quote = memchr::memchr(b'"', rest).unwrap_or(rest.len());
                    self.unquoted(&rest[..quote])?;
                    i += quote;
                    if i < bytes.len() {
                        // A quote opens a quoted field at the start of a field; inside an
                        // unquoted field it is an ordinary byte.
                        if self.state == State::StartField {
                            self.state = State::Quoted;
                        }
                        self.grow(1)?;
                        i += 1;
                    }
                }
                State::Quoted => {
                    let rest = &bytes[i..];
                    let at = memchr::memchr(b'"', rest);
                    let skipped = &rest[..at.unwrap_or(rest.len())];
                    self.line += memchr::memchr_iter(b'\n', skipped).count() as u64;
                    self.grow(skipped.len())?;
                    i += skipped.len();
                    if at.is_some() {
                        self.state = State::QuoteInQuoted;
                        self.grow(1)?;
                        i += 1;
                    }
                }
                State::QuoteInQuoted => match bytes[i] {
                    b'"' => {
                        self.state = State::Quoted;
                        self.grow(1)?;
                        i += 1;
                    }
                    b @ (b',' | b'\n' | b'\r') => {
                        self.boundary(b)?;
                        i += 1;
                    }
                    _ => self.state = State::InField,
                },
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for CsvGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(failed) = &self.failed {
            return Err(io::Error::new(io::ErrorKind::InvalidData, failed.clone()));
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            if self.state == State::Quoted {
                return Err(self.fail(
                    self.field_line,
                    "a quoted field opened on this line is never closed (a `\"` is missing)"
                        .to_owned(),
                ));
            }
            return Ok(0);
        }
        self.scan(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read `text` through the guard with the `csv` crate: the rows, or the guard's error.
    fn rows(text: &[u8]) -> Result<Vec<Vec<String>>, CsvLimitError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(64)
            .from_reader(CsvGuard::new(text));
        let mut out = Vec::new();
        for row in reader.records() {
            match row {
                Ok(row) => out.push(row.iter().map(str::to_owned).collect()),
                Err(e) => return Err(csv_limit_error(&e).cloned().expect("a guard error")),
            }
        }
        Ok(out)
    }

    #[test]
    fn ordinary_csv_passes_unchanged() {
        let text = b"a,b\r\n\"x, \"\"y\"\"\nz\",2\n\nO\"Brien,3\n\"q\"tail,4";
        assert_eq!(
            rows(text).unwrap(),
            [
                vec!["a", "b"],
                vec!["x, \"y\"\nz", "2"],
                vec!["O\"Brien", "3"],
                vec!["qtail", "4"],
            ]
        );
    }

    #[test]
    fn an_unterminated_quote_is_refused_with_its_line() {
        let err = rows(b"employee_id\nE1\n\"E2\nE3\nE4\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("never closed"), "{err}");
    }

    #[test]
    fn fields_and_rows_are_bounded() {
        let mut text = b"a,b\nc,".to_vec();
        text.extend(vec![b'x'; CSV_FIELD.bytes as usize + 1]);
        let err = rows(&text).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (2, "a field is longer than the 64 KiB limit for a field")
        );

        let long = "m".repeat(CSV_FIELD.bytes as usize + 1);
        for row in [
            format!("x,{long},y"),
            format!("{long},y"),
            format!("\"q\",{long}"),
        ] {
            let err = rows(format!("h\n\n{row}\n").as_bytes()).unwrap_err();
            assert_eq!(err.line, 3, "{row:.20}");
            assert!(err.message.contains("field"), "{err}");
        }
        let fits = "m".repeat(CSV_FIELD.bytes as usize);
        assert_eq!(
            rows(format!("{fits},{fits}\n").as_bytes()).unwrap().len(),
            1
        );

        let mut quoted = b"h\n\"".to_vec();
        quoted.extend(b"line\n".repeat(20_000));
        let err = rows(&quoted).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("field"), "{err}");

        let field = "y".repeat(60 * 1024);
        let row = vec![field.as_str(); 20].join(",");
        let err = rows(format!("h\n{row}\n").as_bytes()).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.message.contains("a row is longer than the 1 MiB limit"),
            "{err}"
        );
    }
}
