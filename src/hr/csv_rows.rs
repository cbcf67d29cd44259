//! Reading a CSV export row by row: the one reader behind `run`, `plan`, `status` and
//! `reconcile`. It finds the columns (renamed by `hr.columns`), refuses a header without a
//! required column, and checks each row by the rules every source shares ([`check_row`]),
//! handing a borrowed [`HrRow`] to a visitor so that a million-row scan neither allocates nor
//! copies rows. The file is opened and read through [`crate::fsio`]: a regular file within
//! [`EXPORT`], each field and row bounded and an unterminated quote refused by [`CsvGuard`]. It
//! never keeps rows and never checks duplicate ids (that needs memory; callers that keep rows do
//! it, with [`HrError::DuplicateId`]).

use std::fs::File;
use std::path::{Path, PathBuf};

use super::HrError;
use super::fields::{ColumnMap, FIELDS, FieldProblem, HrRow, check_row, trim};
use crate::fsio::{self, CsvGuard, EXPORT, Links, csv_limit_error};

/// Why a visitor of [`CsvRows::for_each`] did not accept a row.
#[derive(Debug)]
pub enum Visit<E> {
    /// A value breaks a rule of the caller's (e.g. a status the glossary lacks): reported like
    /// the shared rules, with the file, line and column.
    Refuse(FieldProblem),
    /// Stop with this error.
    Stop(E),
}

/// An open CSV export, positioned before its first row.
pub struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<CsvGuard<File>>,
    /// Column names, by field (renamed or not), for messages.
    names: [String; FIELDS.len()],
    /// The field each column holds, by column (`None`: a column no field reads).
    field_of: Vec<Option<usize>>,
    /// `(column, field)` for fields whose column already holds another field (two fields
    /// renamed to one column), read apart.
    shared: Vec<(usize, usize)>,
    row: csv::StringRecord,
}

impl CsvRows {
    /// Open the export at `path` and find its columns; a missing required column is an error
    /// naming it and the columns present.
    pub fn open(path: &Path, columns: &ColumnMap) -> Result<CsvRows, HrError> {
        let file =
            fsio::open_regular(path, EXPORT, Links::Follow).map_err(|source| HrError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .buffer_capacity(1 << 18)
            .from_reader(CsvGuard::new(file));
        let headers = reader
            .headers()
            .map_err(|e| match limit_error(path, &e) {
                Some(refused) => refused,
                None => HrError::Read {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(e.to_string()),
                },
            })?
            .clone();
        let names = FIELDS.map(|(field, _)| columns.column(field).to_owned());
        let mut index = [None; FIELDS.len()];
        for (i, (field, required)) in FIELDS.into_iter().enumerate() {
            index[i] = headers.iter().position(|h| h.trim() == names[i]);
            if index[i].is_none() && required {
                return Err(HrError::MissingColumn {
                    path: path.to_path_buf(),
                    field,
                    column: names[i].clone(),
                    found: headers.iter().collect::<Vec<_>>().join(", "),
                });
            }
        }
        let mut field_of = vec![None; headers.len()];
        let mut shared = Vec::new();
        for (field, column) in index.iter().enumerate() {
            if let Some(c) = *column {
                match field_of[c] {
                    None => field_of[c] = Some(field),
                    Some(_) => shared.push((c, field)),
                }
            }
        }
        Ok(CsvRows {
            path: path.to_path_buf(),
            reader,
            names,
            field_of,
            shared,
            row: csv::StringRecord::new(),
        })
    }

    /// Hand every row to `visit` with its line, in file order, each checked first; stop at the
    /// first error. A malformed row (bad CSV, not UTF-8, a value breaking a rule) is an error
    /// naming the file, line and column; `visit` may refuse a row for a check of its own
    /// ([`Visit::Refuse`], worded like the others) or stop with an error of its own.
    pub fn for_each<E: From<HrError>>(
        &mut self,
        mut visit: impl FnMut(&HrRow<'_>, u64) -> Result<(), Visit<E>>,
    ) -> Result<(), E> {
        loop {
            match self.reader.read_record(&mut self.row) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    let error = limit_error(&self.path, &e).unwrap_or_else(|| HrError::Row {
                        path: self.path.clone(),
                        line: e.position().map_or(0, |p| p.line()),
                        message: e.to_string(),
                    });
                    return Err(error.into());
                }
            }
            let line = self.row.position().map_or(0, |p| p.line());
            // Columns are walked in order (cheaper than looking each one up).
            let mut values = [None; FIELDS.len()];
            for (text, field) in self.row.iter().zip(&self.field_of) {
                let text = trim(text);
                if let (Some(field), false) = (*field, text.is_empty()) {
                    values[field] = Some(text);
                }
            }
            for &(column, field) in &self.shared {
                values[field] = self.row.get(column).map(trim).filter(|v| !v.is_empty());
            }
            // The row is visited where it is built: a million rows are never copied around.
            let outcome = match check_row(values) {
                Ok(row) => visit(&row, line),
                Err(problem) => Err(Visit::Refuse(problem)),
            };
            match outcome {
                Ok(()) => {}
                Err(Visit::Refuse(problem)) => return Err(self.refuse(line, problem).into()),
                Err(Visit::Stop(error)) => return Err(error),
            }
        }
    }

    /// The error for `problem` in the row at `line`, naming the column as the export does.
    fn refuse(&self, line: u64, problem: FieldProblem) -> HrError {
        let column = FIELDS
            .iter()
            .position(|(f, _)| *f == problem.field)
            .map_or_else(|| problem.field.to_owned(), |i| self.names[i].clone());
        HrError::Value {
            path: self.path.clone(),
            line,
            column,
            problem,
        }
    }
}

/// The row error for a read [`CsvGuard`] stopped (a field or row over its limit, a quote never
/// closed), at the line the guard names; `None` for any other error.
fn limit_error(path: &Path, error: &csv::Error) -> Option<HrError> {
    csv_limit_error(error).map(|limit| HrError::Row {
        path: path.to_path_buf(),
        line: limit.line,
        message: limit.message.clone(),
    })
}
