//! Reading a CSV export row by row: the one reader behind `run`, `plan`, `status` and
//! `reconcile`. It finds the columns (renamed by `hr.columns`), refuses a header without a
//! required column, and checks each row by the rules every source shares ([`check_row`]),
//! handing on a borrowed [`HrRow`] so that a million-row scan allocates nothing per row. It
//! never keeps rows and never checks duplicate ids (that needs memory; callers that keep rows
//! do it, with [`HrError::DuplicateId`]).

use std::fs::File;
use std::path::{Path, PathBuf};

use super::HrError;
use super::fields::{ColumnMap, FIELDS, FieldProblem, HrRow, check_row};

/// An open CSV export, positioned before its first row.
pub struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<File>,
    /// Column names, by field (renamed or not), for messages.
    names: [String; FIELDS.len()],
    /// Column index of each field, `None` when the export has no such (optional) column.
    index: [Option<usize>; FIELDS.len()],
    row: csv::StringRecord,
}

impl CsvRows {
    /// Open the export at `path` and find its columns; a missing required column is an error
    /// naming it and the columns present.
    pub fn open(path: &Path, columns: &ColumnMap) -> Result<CsvRows, HrError> {
        let read_err = |e: csv::Error| HrError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .buffer_capacity(1 << 18)
            .from_path(path)
            .map_err(read_err)?;
        let headers = reader.headers().map_err(read_err)?.clone();
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
        Ok(CsvRows {
            path: path.to_path_buf(),
            reader,
            names,
            index,
            row: csv::StringRecord::new(),
        })
    }

    /// The next row and its line, checked; `None` after the last. A malformed row (bad CSV,
    /// not UTF-8, a value breaking a rule) is an error naming the file, line and column.
    pub fn next_row(&mut self) -> Result<Option<(HrRow<'_>, u64)>, HrError> {
        match self.reader.read_record(&mut self.row) {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(e) => {
                return Err(HrError::Row {
                    path: self.path.clone(),
                    line: e.position().map_or(0, |p| p.line()),
                    message: e.to_string(),
                });
            }
        }
        let line = self.row.position().map_or(0, |p| p.line());
        let (row, index) = (&self.row, &self.index);
        let get = |i: usize| {
            index[i]
                .and_then(|c| row.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        match check_row(get) {
            Ok(checked) => Ok(Some((checked, line))),
            Err(problem) => Err(self.refuse(line, problem)),
        }
    }

    /// The error for `problem` in the row at `line`, naming the column as the export does:
    /// for checks a caller adds (e.g. a status the glossary lacks).
    pub fn refuse(&self, line: u64, problem: FieldProblem) -> HrError {
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

    /// The export file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
