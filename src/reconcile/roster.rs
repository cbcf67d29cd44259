//! The HR roster in the compact form a million-person scan needs: employee id -> status, role
//! ids and effective time, read from the CSV export in one streaming pass (or built from the
//! records another HR source has read), kept in a [`PersonTable`] of 32-byte slots, so a million
//! people take tens of megabytes and a lookup reads one slot. It only reads; it never writes
//! back to HR.

use time::OffsetDateTime;

use super::error::ReconcileError;
pub use super::person_table::Person;
use super::person_table::PersonTable;
use super::role_index::{RoleId, RoleIndex};
use super::shared_keys::{Recheck, SharedKeys};
use crate::hr::{CsvSource, FieldProblem, HrError, HrRecord, Problem, Visit, validate_identifier};
use crate::playbook::{Glossary, Status};

/// The HR roster, keyed by employee id.
#[derive(Clone, Debug)]
pub struct Roster {
    table: PersonTable,
}

impl Roster {
    /// Read the CSV export `csv` in one pass, by the rules every command applies to HR rows
    /// ([`crate::hr::CsvRows`]); every raw status must be in `glossary`. A duplicate id is an
    /// error, and so is a username or an email two rows share, naming both rows as `run` and
    /// `plan` do ([`HrError::Ambiguous`]).
    pub fn from_csv(
        csv: &CsvSource,
        glossary: &Glossary,
        roles: &RoleIndex,
    ) -> Result<Roster, ReconcileError> {
        let codes: Vec<(&str, Status)> = glossary
            .statuses
            .iter()
            .flat_map(|(status, codes)| codes.iter().map(|c| (c.as_str(), *status)))
            .collect();
        let path = csv.path();
        let mut roster = Roster::empty();
        let mut keys = SharedKeys::default();
        csv.rows()?.for_each(|row, line| {
            let raw = row.raw_status();
            let Some(status) = codes.iter().find(|(code, _)| *code == raw).map(|(_, s)| *s) else {
                return Err(Visit::Refuse(FieldProblem {
                    field: "status",
                    problem: Problem::Invalid(format!(
                        "`{}` is not in the glossary",
                        raw.escape_debug()
                    )),
                }));
            };
            let pushed = roster.push(
                row.id().as_bytes(),
                status,
                roles.id(row.role().unwrap_or_default().as_bytes()),
                roles.id(row.new_role().unwrap_or_default().as_bytes()),
                row.effective_at.map(OffsetDateTime::unix_timestamp),
                line,
            );
            pushed.map_err(|problem| {
                Visit::Stop(match problem {
                    RowProblem::Invalid(message) => ReconcileError::Row {
                        path: path.to_path_buf(),
                        line,
                        message,
                    },
                    RowProblem::Duplicate { id, first_line } => HrError::DuplicateId {
                        path: path.to_path_buf(),
                        line,
                        first_line,
                        id,
                    }
                    .into(),
                })
            })?;
            keys.add(row.username(), row.email());
            Ok(())
        })?;
        // Only when a key's fingerprint repeats is the export read again, to name both rows.
        if let Some(recheck) = keys.repeated() {
            name_shared_keys(csv, recheck)?;
        }
        Ok(roster)
    }

    /// Build the roster from records an HR source has already read and validated (the HTTP
    /// source), `origin` naming that source in errors. Every raw status must be in `glossary`;
    /// duplicate ids are an error. A username or email two records share is the caller's check,
    /// where the records' places are known ([`crate::hr::Roster::check_unique`]).
    pub fn from_records<'a>(
        origin: &str,
        records: impl IntoIterator<Item = &'a HrRecord>,
        glossary: &Glossary,
        roles: &RoleIndex,
    ) -> Result<Roster, ReconcileError> {
        let mut roster = Roster::empty();
        for (index, record) in records.into_iter().enumerate() {
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
            table: PersonTable::new(),
        }
    }

    /// Number of people.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when the roster lists nobody.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// The person whose employee id is `id`.
    #[inline]
    pub fn get(&self, id: &str) -> Option<Person> {
        self.table.get(id.as_bytes())
    }

    /// Start fetching the memory a lookup of `id` reads first, without waiting for it.
    #[inline]
    pub fn prefetch(&self, id: &str) {
        self.table.prefetch(id.as_bytes());
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
        if let Some(first_line) = self.table.line(id) {
            return Err(RowProblem::Duplicate {
                id: String::from_utf8_lossy(id).into_owned(),
                first_line: u64::from(first_line),
            });
        }
        let person = Person {
            status,
            role,
            new_role,
            effective_at,
        };
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        self.table.insert(id, person, line).map_err(|_| {
            RowProblem::Invalid("the HR export is too large (over 4 GiB of ids)".into())
        })
    }
}

/// Read `csv` again to name the first two rows sharing a username or an email, if any (the
/// fingerprints of the first read only said that some might).
#[cold]
#[inline(never)]
fn name_shared_keys(csv: &CsvSource, mut recheck: Recheck) -> Result<(), HrError> {
    let place =
        |line: u64, id: &str| format!("{}:{line} (employee {id})", crate::human::path(csv.path()));
    csv.rows()?.for_each(|row, line| {
        recheck
            .check(row.username(), row.email(), line, row.id())
            .map_err(|shared| {
                Visit::Stop(HrError::Ambiguous {
                    field: shared.field,
                    value: shared.value,
                    first: place(shared.first.0, &shared.first.1),
                    second: place(line, row.id()),
                })
            })
    })
}

enum RowProblem {
    Invalid(String),
    Duplicate { id: String, first_line: u64 },
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

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
        let columns = crate::hr::ColumnMap::new(renames).unwrap();
        Roster::from_csv(&CsvSource::new(path, columns), &glossary(), &roles())
    }

    #[test]
    fn reads_people_with_renamed_columns() {
        let roster = load(
            "EmpNo,username,email,status,role,effective_at\nE1,e1,e1@x, TERM ,engineer,2026-09-30\nE2,e2,e2@x,ACT,pilot,2026-09-30T10:00:00+02:00\nE3,e3,e3@x,ACT,,\n",
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
        const HEAD: &str = "employee_id,username,email,status,effective_at,employment,legal_hold\n";
        let cases = [
            ("employee_id,status\n", "no column `username`".to_owned()),
            (
                "employee_id,username,status\n",
                "no column `email`".to_owned(),
            ),
            (
                &format!("{HEAD}E1,a,a@x,TERM,,,\nE1,b,b@x,ACT,,,\n") as &str,
                ":3: duplicate employee id `E1` (first on line 2)".to_owned(),
            ),
            (
                &format!("{HEAD}E1,a,a@x,GONE,,,\n"),
                ":2: column `status`: `GONE` is not in the glossary".to_owned(),
            ),
            (
                &format!("{HEAD}E 1,a,a@x,ACT,,,\n"),
                ":2: column `employee_id`: `E 1` contains ` `".to_owned(),
            ),
            (
                &format!("{HEAD}E1,a,a@x,ACT,2026-02-30,,\n"),
                ":2: column `effective_at`: `2026-02-30` is neither".to_owned(),
            ),
            (
                &format!("{HEAD}E1,a,a@x,,,,\n"),
                ":2: column `status` is empty".to_owned(),
            ),
            (
                &format!("{HEAD}E1,a,a@x,ACT,,,maybe\n"),
                ":2: column `legal_hold`: `maybe` must be `true` or `false`".to_owned(),
            ),
            (
                &format!("{HEAD}E1,a,a@x,ACT,,pirate,\n"),
                ":2: column `employment`: `pirate` must be `employee` or `contractor`".to_owned(),
            ),
        ];
        for (csv, expected) in cases {
            let err = load(csv, &[]).err().unwrap().to_string();
            assert!(err.contains(&expected), "{err} should contain {expected}");
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
}
