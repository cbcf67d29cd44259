//! The seed files' tables: reading one CSV file, checking its header against the expected
//! columns, and typed access to its values with problems reported at file, line and column. It
//! knows nothing of what the tables mean or how they refer to each other (the seed loader does).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use time::Date;
use time::macros::format_description;

use super::csv::{self, Record};
use super::error::{SeedError, SeedErrorKind};
use crate::fsio;

/// One parsed file: its path, the column positions (in expected-column order) and its records.
pub(crate) struct Table {
    file: PathBuf,
    positions: Vec<usize>,
    names: &'static [&'static str],
    records: Vec<Record>,
}

/// Collects problems as they are found.
pub(crate) struct Problems(pub(crate) Vec<SeedError>);

impl Problems {
    pub(crate) fn file(&mut self, file: &Path, kind: SeedErrorKind) {
        self.push(file, None, None, kind);
    }

    pub(crate) fn push(
        &mut self,
        file: &Path,
        line: Option<usize>,
        column: Option<&str>,
        kind: SeedErrorKind,
    ) {
        self.0.push(SeedError {
            file: file.to_path_buf(),
            line,
            column: column.map(str::to_owned),
            kind,
        });
    }
}

/// A record of a [`Table`], with typed accessors that report problems at its line.
pub(crate) struct Row<'a> {
    table: &'a Table,
    record: &'a Record,
}

impl<'a> Row<'a> {
    pub(crate) fn line(&self) -> usize {
        self.record.line
    }

    pub(crate) fn raw(&self, column: usize) -> &'a str {
        &self.record.fields[self.table.positions[column]]
    }

    pub(crate) fn problem(&self, problems: &mut Problems, column: usize, kind: SeedErrorKind) {
        problems.push(
            &self.table.file,
            Some(self.line()),
            Some(self.table.names[column]),
            kind,
        );
    }

    pub(crate) fn required(&self, problems: &mut Problems, column: usize) -> Option<&'a str> {
        let value = self.raw(column);
        if value.is_empty() {
            self.problem(problems, column, SeedErrorKind::EmptyValue);
            None
        } else {
            Some(value)
        }
    }

    pub(crate) fn optional(&self, column: usize) -> Option<&'a str> {
        Some(self.raw(column)).filter(|v| !v.is_empty())
    }

    pub(crate) fn boolean(&self, problems: &mut Problems, column: usize) -> Option<bool> {
        match self.raw(column).trim() {
            "true" => Some(true),
            "false" => Some(false),
            other => {
                let value = other.to_owned();
                self.problem(problems, column, SeedErrorKind::BadBoolean { value });
                None
            }
        }
    }

    pub(crate) fn integer<T: std::str::FromStr>(
        &self,
        problems: &mut Problems,
        column: usize,
    ) -> Option<T> {
        let text = self.raw(column).trim();
        // `+5` parses as an integer in Rust; a seed value is plain digits.
        match text.bytes().all(|b| b.is_ascii_digit()) {
            true if !text.is_empty() => text.parse().ok(),
            _ => None,
        }
        .or_else(|| {
            let value = text.to_owned();
            self.problem(problems, column, SeedErrorKind::BadInteger { value });
            None
        })
    }

    pub(crate) fn date(&self, problems: &mut Problems, column: usize) -> Option<String> {
        let text = self.raw(column).trim();
        let format = format_description!("[year]-[month]-[day]");
        match Date::parse(text, &format) {
            Ok(_) if text.len() == 10 => Some(text.to_owned()),
            _ => {
                let value = text.to_owned();
                self.problem(problems, column, SeedErrorKind::BadDate { value });
                None
            }
        }
    }
}

/// Read and check the header of one seed file.
pub(crate) fn read_table(
    dir: &Path,
    name: &str,
    names: &'static [&'static str],
    problems: &mut Problems,
) -> Option<Table> {
    let file = dir.join(name);
    let bytes = match fsio::read(&file, fsio::STATE, fsio::Links::Follow) {
        Ok(bytes) => bytes,
        Err(error) => {
            let reason = error.to_string();
            problems.file(&file, SeedErrorKind::Unreadable { reason });
            return None;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        problems.file(&file, SeedErrorKind::NotUtf8);
        return None;
    };
    let mut records = match csv::parse(&text) {
        Ok(records) => records.into_iter(),
        Err(error) => {
            problems.push(&file, Some(error.line), None, error.kind);
            return None;
        }
    };
    let Some(header) = records.next() else {
        problems.file(&file, SeedErrorKind::Empty);
        return None;
    };
    let before = problems.0.len();
    let header_line = Some(header.line);
    for (index, column) in header.fields.iter().enumerate() {
        if !names.contains(&column.as_str()) {
            problems.push(
                &file,
                header_line,
                Some(column),
                SeedErrorKind::UnknownColumn,
            );
        } else if header.fields[..index].contains(column) {
            problems.push(
                &file,
                header_line,
                Some(column),
                SeedErrorKind::DuplicateColumn,
            );
        }
    }
    let mut positions = Vec::with_capacity(names.len());
    for name in names {
        match header.fields.iter().position(|c| c == name) {
            Some(position) => positions.push(position),
            None => problems.push(&file, header_line, Some(name), SeedErrorKind::MissingColumn),
        }
    }
    if problems.0.len() > before {
        return None;
    }
    let expected = header.fields.len();
    let records = records
        .filter(|record| {
            let found = record.fields.len();
            if found != expected {
                let kind = SeedErrorKind::FieldCount { expected, found };
                problems.push(&file, Some(record.line), None, kind);
            }
            found == expected
        })
        .collect();
    Some(Table {
        file,
        positions,
        names,
        records,
    })
}

impl Table {
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(|record| Row {
            table: self,
            record,
        })
    }
}

/// Remember `value` as seen on `line`; report it when a row before already had it.
pub(crate) fn unique(
    seen: &mut HashMap<String, usize>,
    value: &str,
    row: &Row<'_>,
    column: usize,
    problems: &mut Problems,
) -> bool {
    if let Some(&first_line) = seen.get(value) {
        let value = value.to_owned();
        row.problem(
            problems,
            column,
            SeedErrorKind::Duplicate { value, first_line },
        );
        false
    } else {
        seen.insert(value.to_owned(), row.line());
        true
    }
}
