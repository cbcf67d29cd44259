//! The HR roster in the compact form a million-person scan needs: employee id -> status, role
//! ids and effective time, read from the CSV export in one streaming pass (or built from the
//! records another HR source has read). Ids live in one byte arena and the hash table holds only
//! `u32` indexes into it, so a million people take tens of megabytes. It only reads; it never
//! writes back to HR.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime};

use super::error::ReconcileError;
use super::role_index::{RoleId, RoleIndex};
use crate::fsio::{self, CsvGuard, Links, csv_limit_error};
use crate::hr::{HrRecord, validate_identifier};
use crate::playbook::{Glossary, Status};

/// What reconciliation needs to know of one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Person {
    id_start: u32,
    id_len: u32,
    line: u32,
    /// The HR status the raw code maps to.
    pub status: Status,
    /// The job role, as a role id.
    pub role: RoleId,
    /// For movers, the role after the transfer.
    pub new_role: RoleId,
    /// When the status takes effect, in Unix seconds; `None` when HR gives no time (then it
    /// is in force).
    pub effective_at: Option<i64>,
}

/// The HR roster, keyed by employee id.
#[derive(Clone, Debug)]
pub struct Roster {
    arena: Vec<u8>,
    people: Vec<Person>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

/// Column indexes of the fields reconciliation reads.
struct Columns {
    id: usize,
    status: usize,
    role: Option<usize>,
    new_role: Option<usize>,
    effective_at: Option<usize>,
}

impl Roster {
    /// Read the CSV export at `path`. `columns` renames record fields to CSV columns as
    /// `hr.columns` in the configuration does (`id` may stand for `employee_id`). Every raw
    /// status must be in `glossary`; duplicate ids are an error.
    pub fn load_csv(
        path: &Path,
        columns: &BTreeMap<String, String>,
        glossary: &Glossary,
        roles: &RoleIndex,
    ) -> Result<Roster, ReconcileError> {
        let read_err = |e: csv::Error| match csv_limit_error(&e) {
            Some(limit) => ReconcileError::Row {
                path: path.to_path_buf(),
                line: limit.line,
                message: limit.message.clone(),
            },
            None => ReconcileError::Read {
                path: path.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            },
        };
        let file = fsio::open_regular(path, fsio::EXPORT, Links::Follow).map_err(|source| {
            ReconcileError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .buffer_capacity(1 << 18)
            .from_reader(CsvGuard::new(file));
        let headers = reader.byte_headers().map_err(read_err)?.clone();
        let cols = resolve_columns(path, &headers, columns)?;
        let codes: Vec<(Vec<u8>, Status)> = glossary
            .statuses
            .iter()
            .flat_map(|(status, codes)| codes.iter().map(|c| (c.as_bytes().to_vec(), *status)))
            .collect();
        let mut roster = Roster::empty();
        let mut row = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut row) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) if csv_limit_error(&e).is_some() => return Err(read_err(e)),
                Err(e) => {
                    return Err(ReconcileError::Row {
                        path: path.to_path_buf(),
                        line: e.position().map_or(0, |p| p.line()),
                        message: e.to_string(),
                    });
                }
            }
            let line = row.position().map_or(0, |p| p.line());
            roster
                .add_row(&row, &cols, &codes, roles, line)
                .map_err(|message| match message {
                    RowProblem::Invalid(message) => ReconcileError::Row {
                        path: path.to_path_buf(),
                        line,
                        message,
                    },
                    RowProblem::Duplicate { id, first_line } => ReconcileError::DuplicateId {
                        path: path.to_path_buf(),
                        line,
                        first_line,
                        id,
                    },
                })?;
        }
        Ok(roster)
    }

    /// Build the roster from records an HR source has already read and validated (the HTTP
    /// source), `origin` naming that source in errors. Every raw status must be in `glossary`;
    /// duplicate ids are an error.
    pub fn from_records(
        origin: &str,
        records: &[HrRecord],
        glossary: &Glossary,
        roles: &RoleIndex,
    ) -> Result<Roster, ReconcileError> {
        let mut roster = Roster::empty();
        for (index, record) in records.iter().enumerate() {
            let problem = |message: String| ReconcileError::Source {
                source_name: origin.to_owned(),
                message: format!("employee `{}`: {message}", record.id),
            };
            validate_identifier(&record.id).map_err(|e| problem(format!("employee_id {e}")))?;
            let status = glossary.status_of(&record.raw_status).ok_or_else(|| {
                problem(format!(
                    "status `{}` is not in the glossary",
                    record.raw_status.escape_debug()
                ))
            })?;
            let role_id =
                |role: &Option<String>| roles.id(role.as_deref().unwrap_or("").as_bytes());
            roster
                .push(
                    record.id.as_bytes(),
                    status,
                    role_id(&record.role),
                    role_id(&record.new_role),
                    record.effective_at.map(OffsetDateTime::unix_timestamp),
                    index as u64 + 1,
                )
                .map_err(|p| match p {
                    RowProblem::Invalid(message) => problem(message),
                    RowProblem::Duplicate { first_line, .. } => problem(format!(
                        "the id appears twice (first as record {first_line})"
                    )),
                })?;
        }
        Ok(roster)
    }

    fn empty() -> Roster {
        Roster {
            arena: Vec::new(),
            people: Vec::new(),
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Number of people.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// True when the roster lists nobody.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The person whose employee id is `id`.
    pub fn get(&self, id: &str) -> Option<&Person> {
        let id = id.as_bytes();
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&i| self.id_bytes(i) == id)
            .map(|&i| &self.people[i as usize])
    }

    fn id_bytes(&self, index: u32) -> &[u8] {
        let p = &self.people[index as usize];
        let start = p.id_start as usize;
        &self.arena[start..start + p.id_len as usize]
    }

    fn add_row(
        &mut self,
        row: &csv::ByteRecord,
        cols: &Columns,
        codes: &[(Vec<u8>, Status)],
        roles: &RoleIndex,
        line: u64,
    ) -> Result<(), RowProblem> {
        let get = |i: usize| row.get(i).map_or(&b""[..], <[u8]>::trim_ascii);
        let opt = |i: Option<usize>| i.map_or(&b""[..], get);
        let id = get(cols.id);
        let id_text = std::str::from_utf8(id)
            .map_err(|_| RowProblem::Invalid("employee_id is not UTF-8".to_owned()))?;
        validate_identifier(id_text)
            .map_err(|e| RowProblem::Invalid(format!("employee_id {e}")))?;
        let raw = get(cols.status);
        if raw.is_empty() {
            return Err(RowProblem::Invalid("`status` is empty".to_owned()));
        }
        let status = codes
            .iter()
            .find(|(code, _)| code.as_slice() == raw)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                RowProblem::Invalid(format!(
                    "status `{}` is not in the glossary",
                    String::from_utf8_lossy(raw).escape_debug()
                ))
            })?;
        let effective = opt(cols.effective_at);
        let effective_at = if effective.is_empty() {
            None
        } else {
            Some(parse_effective(effective).ok_or_else(|| {
                RowProblem::Invalid(format!(
                    "effective_at `{}` is neither RFC 3339 nor YYYY-MM-DD",
                    String::from_utf8_lossy(effective).escape_debug()
                ))
            })?)
        };
        self.push(
            id,
            status,
            roles.id(opt(cols.role)),
            roles.id(opt(cols.new_role)),
            effective_at,
            line,
        )
    }

    /// Add one person; `line` is where they are in the source (a line, or 1 + an index).
    fn push(
        &mut self,
        id: &[u8],
        status: Status,
        role: RoleId,
        new_role: RoleId,
        effective_at: Option<i64>,
        line: u64,
    ) -> Result<(), RowProblem> {
        let hash = self.hasher.hash_one(id);
        if let Some(&first) = self.table.find(hash, |&i| self.id_bytes(i) == id) {
            return Err(RowProblem::Duplicate {
                id: String::from_utf8_lossy(id).into_owned(),
                first_line: u64::from(self.people[first as usize].line),
            });
        }
        let too_big =
            || RowProblem::Invalid("the HR export is too large (over 4 GiB of ids)".into());
        let index = u32::try_from(self.people.len()).map_err(|_| too_big())?;
        let id_start = u32::try_from(self.arena.len()).map_err(|_| too_big())?;
        self.arena.extend_from_slice(id);
        self.people.push(Person {
            id_start,
            // validate_identifier caps ids at 64 bytes.
            id_len: id.len() as u32,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            status,
            role,
            new_role,
            effective_at,
        });
        let (arena, people, hasher) = (&self.arena, &self.people, &self.hasher);
        self.table.insert_unique(hash, index, |&i| {
            let p = &people[i as usize];
            let start = p.id_start as usize;
            hasher.hash_one(&arena[start..start + p.id_len as usize])
        });
        Ok(())
    }
}

enum RowProblem {
    Invalid(String),
    Duplicate { id: String, first_line: u64 },
}

/// Find the columns of `headers`, honouring the `hr.columns` renames.
fn resolve_columns(
    path: &Path,
    headers: &csv::ByteRecord,
    renames: &BTreeMap<String, String>,
) -> Result<Columns, ReconcileError> {
    let column = |field: &str| -> String {
        renames
            .get(field)
            .or_else(|| {
                (field == "employee_id")
                    .then(|| renames.get("id"))
                    .flatten()
            })
            .cloned()
            .unwrap_or_else(|| field.to_owned())
    };
    let find = |field: &str| {
        let name = column(field);
        headers
            .iter()
            .position(|h| h.trim_ascii() == name.as_bytes())
    };
    let required = |field: &str| {
        find(field).ok_or_else(|| ReconcileError::MissingColumn {
            path: PathBuf::from(path),
            column: column(field),
            found: headers
                .iter()
                .map(|h| String::from_utf8_lossy(h).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
        })
    };
    Ok(Columns {
        id: required("employee_id")?,
        status: required("status")?,
        role: find("role"),
        new_role: find("new_role"),
        effective_at: find("effective_at"),
    })
}

/// Unix seconds of an RFC 3339 time or a `YYYY-MM-DD` date (midnight UTC).
pub(crate) fn parse_effective(value: &[u8]) -> Option<i64> {
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *value {
        let digit = |b: u8| b.is_ascii_digit().then(|| i32::from(b - b'0'));
        let year = digit(y0)? * 1000 + digit(y1)? * 100 + digit(y2)? * 10 + digit(y3)?;
        let month = u8::try_from(digit(m0)? * 10 + digit(m1)?).ok()?;
        let day = u8::try_from(digit(d0)? * 10 + digit(d1)?).ok()?;
        let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
        return Some(date.midnight().assume_utc().unix_timestamp());
    }
    let text = std::str::from_utf8(value).ok()?;
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::{Role, RoleMatrix};

    fn glossary() -> Glossary {
        let mut statuses = BTreeMap::new();
        statuses.insert(Status::Active, vec!["ACT".to_owned()]);
        statuses.insert(Status::Terminated, vec!["TERM".to_owned()]);
        Glossary::new(statuses, BTreeMap::new())
    }

    fn roles() -> RoleIndex {
        let mut matrix = RoleMatrix::default();
        matrix.roles.insert("engineer".into(), Role::default());
        RoleIndex::new(&matrix)
    }

    fn load(csv: &str, renames: &[(&str, &str)]) -> Result<Roster, ReconcileError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hr.csv");
        std::fs::write(&path, csv).unwrap();
        let renames = renames
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        Roster::load_csv(&path, &renames, &glossary(), &roles())
    }

    #[test]
    fn reads_people_with_renamed_columns() {
        let roster = load(
            "EmpNo,status,role,effective_at\nE1, TERM ,engineer,2026-09-30\nE2,ACT,pilot,2026-09-30T10:00:00+02:00\nE3,ACT,,\n",
            &[("id", "EmpNo")],
        )
        .unwrap();
        assert_eq!(roster.len(), 3);
        let e1 = roster.get("E1").unwrap();
        assert_eq!(e1.status, Status::Terminated);
        assert_eq!(e1.role, 0);
        assert_eq!(e1.effective_at, Some(1_790_726_400));
        let e2 = roster.get("E2").unwrap();
        assert_eq!(e2.role, super::super::role_index::UNKNOWN_ROLE);
        assert_eq!(e2.effective_at, Some(1_790_726_400 + 8 * 3600));
        let e3 = roster.get("E3").unwrap();
        assert_eq!(e3.role, super::super::role_index::NO_ROLE);
        assert_eq!(e3.effective_at, None);
        assert!(roster.get("E4").is_none());
        assert!(roster.get("e1").is_none());
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let cases = [
            ("employee_id,role\n", "no column `status`"),
            (
                "employee_id,status\nE1,TERM\nE1,ACT\n",
                ":3: duplicate employee id `E1` (first on line 2)",
            ),
            (
                "employee_id,status\nE1,GONE\n",
                ":2: status `GONE` is not in the glossary",
            ),
            (
                "employee_id,status\nE 1,ACT\n",
                ":2: employee_id `E 1` contains ` `",
            ),
            (
                "employee_id,status,effective_at\nE1,ACT,2026-02-30\n",
                ":2: effective_at `2026-02-30` is neither",
            ),
            ("employee_id,status\nE1,\n", ":2: `status` is empty"),
        ];
        for (csv, expected) in cases {
            let err = load(csv, &[]).err().unwrap().to_string();
            assert!(err.contains(expected), "{err} should contain {expected}");
        }
    }

    fn record(id: &str, status: &str, role: Option<&str>) -> HrRecord {
        HrRecord {
            id: id.to_owned(),
            username: id.to_lowercase(),
            email: format!("{id}@x.example"),
            display_name: id.to_owned(),
            manager_id: None,
            manager_email: None,
            department: None,
            cost_centre: None,
            role: role.map(str::to_owned),
            new_role: None,
            raw_status: status.to_owned(),
            effective_at: Some(OffsetDateTime::from_unix_timestamp(1_790_726_400).unwrap()),
            employment: crate::hr::Employment::Employee,
            legal_hold: false,
        }
    }

    #[test]
    fn builds_from_records_of_another_source() {
        let records = [
            record("E1", "TERM", Some("engineer")),
            record("E2", "ACT", Some("pilot")),
            record("E3", "ACT", None),
        ];
        let roster =
            Roster::from_records("http://hr.test/e", &records, &glossary(), &roles()).unwrap();
        assert_eq!(roster.len(), 3);
        let e1 = roster.get("E1").unwrap();
        assert_eq!(e1.status, Status::Terminated);
        assert_eq!(e1.role, 0);
        assert_eq!(e1.effective_at, Some(1_790_726_400));
        assert_eq!(
            roster.get("E2").unwrap().role,
            super::super::role_index::UNKNOWN_ROLE
        );
        assert_eq!(
            roster.get("E3").unwrap().role,
            super::super::role_index::NO_ROLE
        );

        let err = Roster::from_records(
            "http://hr.test/e",
            &[record("E1", "GONE", None)],
            &glossary(),
            &roles(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "http://hr.test/e: employee `E1`: status `GONE` is not in the glossary"
        );
        let twice = [record("E1", "ACT", None), record("E1", "TERM", None)];
        let err = Roster::from_records("http://hr.test/e", &twice, &glossary(), &roles())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("employee `E1`: the id appears twice (first as record 1)"),
            "{err}"
        );
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(parse_effective(b"1970-01-02"), Some(86_400));
        assert_eq!(parse_effective(b"1970-01-01T00:01:00Z"), Some(60));
        for bad in [&b"1970-13-01"[..], b"19x0-01-01", b"yesterday", b""] {
            assert_eq!(parse_effective(bad), None, "{bad:?}");
        }
    }
}
