//! The HR roster as commands look people up in it: every record with where it came from (file
//! and line of a CSV export, URL and item of an HTTP listing), indexed by the keys an employee is
//! named by (employee id, username) and by email, the key connectors find accounts by. It owns
//! the one lookup rule: a key that could mean two rows, or a person whose username or email is
//! also another row's, is an error naming both rows, never a silent first match. It reads
//! nothing itself.

use std::collections::HashMap;

use super::{HrError, HrRecord};

/// One HR record and where it was read.
#[derive(Clone, Debug)]
pub struct Located {
    /// `PATH:LINE` for a CSV export, `URL#/json/pointer` for an HTTP listing.
    pub location: String,
    /// The record.
    pub record: HrRecord,
}

/// The first row holding a value, and the second one if another row holds it too.
#[derive(Clone, Copy, Debug)]
struct Holders {
    first: usize,
    second: Option<usize>,
}

/// HR records indexed for lookup by employee id or username.
#[derive(Debug, Default)]
pub struct Roster {
    records: Vec<Located>,
    by_id: HashMap<String, usize>,
    by_username: HashMap<String, Holders>,
    /// Keyed by the address in ASCII lower case: mail systems do not tell case apart.
    by_email: HashMap<String, Holders>,
}

impl Roster {
    /// Index `records` (employee ids are unique: the sources reject duplicates when loading).
    pub fn new(records: Vec<Located>) -> Roster {
        let mut roster = Roster {
            by_id: HashMap::with_capacity(records.len()),
            by_username: HashMap::with_capacity(records.len()),
            by_email: HashMap::with_capacity(records.len()),
            records: Vec::new(),
        };
        let hold = |index: &mut HashMap<String, Holders>, key: String, i: usize| {
            index
                .entry(key)
                .and_modify(|h| {
                    h.second.get_or_insert(i);
                })
                .or_insert(Holders {
                    first: i,
                    second: None,
                });
        };
        for (i, located) in records.iter().enumerate() {
            let record = &located.record;
            roster.by_id.entry(record.id.clone()).or_insert(i);
            hold(&mut roster.by_username, record.username.clone(), i);
            hold(&mut roster.by_email, record.email.to_ascii_lowercase(), i);
        }
        roster.records = records;
        roster
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when HR lists nobody.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// An error naming both rows when two rows share a username or an email (case aside): for
    /// commands that judge everyone at once, which cannot leave the two people out. The first
    /// row, in the source's order, that repeats a value is the one reported.
    pub fn check_unique(&self) -> Result<(), HrError> {
        for (i, located) in self.records.iter().enumerate() {
            let record = &located.record;
            if let Some(Holders {
                first,
                second: Some(_),
            }) = self.by_username.get(&record.username).copied()
                && first != i
            {
                return Err(self.ambiguous("username", &record.username, first, i));
            }
            if let Some(Holders {
                first,
                second: Some(_),
            }) = self
                .by_email
                .get(&record.email.to_ascii_lowercase())
                .copied()
                && first != i
            {
                return Err(self.ambiguous("email", &record.email, first, i));
            }
        }
        Ok(())
    }

    /// Every record, in the source's order.
    pub fn records(&self) -> impl Iterator<Item = &HrRecord> {
        self.records.iter().map(|l| &l.record)
    }

    /// The one record whose employee id or username is `key`; `None` when no row has it.
    ///
    /// An error when `key` is the username of two rows, the id of one row and the username of
    /// another, or when the person found shares a username or email with another row (every
    /// connector finds accounts by one of them, so a run could act on the other person).
    pub fn find(&self, key: &str) -> Result<Option<&HrRecord>, HrError> {
        let by_username = self.by_username.get(key).copied();
        if let Some(Holders {
            first,
            second: Some(second),
        }) = by_username
        {
            return Err(self.ambiguous("username", key, first, second));
        }
        let index = match (self.by_id.get(key).copied(), by_username.map(|h| h.first)) {
            (Some(a), Some(b)) if a != b => {
                return Err(self.ambiguous("employee id or username", key, a.min(b), a.max(b)));
            }
            (Some(i), _) | (None, Some(i)) => i,
            (None, None) => return Ok(None),
        };
        let record = &self.records[index].record;
        if let Some(other) = other_holder(&self.by_username, &record.username, index) {
            return Err(self.ambiguous("username", &record.username, index, other));
        }
        let email = record.email.to_ascii_lowercase();
        if let Some(other) = other_holder(&self.by_email, &email, index) {
            return Err(self.ambiguous("email", &record.email, index, other));
        }
        Ok(Some(record))
    }

    fn ambiguous(&self, field: &'static str, value: &str, a: usize, b: usize) -> HrError {
        let row = |i: usize| {
            let row = &self.records[i];
            format!("{} (employee {})", row.location, row.record.id)
        };
        HrError::Ambiguous {
            field,
            value: value.to_owned(),
            first: row(a.min(b)),
            second: row(a.max(b)),
        }
    }
}

/// Another row than `index` holding `key` in `index_of`, if any.
fn other_holder(index_of: &HashMap<String, Holders>, key: &str, index: usize) -> Option<usize> {
    let holders = index_of.get(key)?;
    match holders.second {
        Some(second) if holders.first == index => Some(second),
        Some(_) => Some(holders.first),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hr::Employment;

    fn row(line: u32, id: &str, username: &str, email: &str) -> Located {
        Located {
            location: format!("hr.csv:{line}"),
            record: HrRecord {
                id: id.into(),
                username: username.into(),
                email: email.into(),
                display_name: username.into(),
                manager_id: None,
                manager_email: None,
                department: None,
                cost_centre: None,
                role: None,
                new_role: None,
                raw_status: "TERM".into(),
                effective_at: None,
                employment: Employment::Employee,
                legal_hold: false,
            },
        }
    }

    #[test]
    fn a_key_finds_one_row_or_names_both_rows() {
        let roster = Roster::new(vec![
            row(2, "E1", "alice", "alice@x.example"),
            row(3, "E2", "mallory", "m1@x.example"),
            row(4, "E3", "mallory", "m2@x.example"),
            row(5, "E4", "E5", "e4@x.example"),
            row(6, "E5", "eve", "eve@x.example"),
            row(7, "E6", "frank", "Shared@x.example"),
            row(8, "E7", "grace", "shared@X.example"),
        ]);
        assert_eq!(roster.find("alice").unwrap().unwrap().id, "E1");
        assert_eq!(roster.find("E1").unwrap().unwrap().username, "alice");
        assert!(roster.find("nobody").unwrap().is_none());
        let table = [
            (
                "mallory",
                "`mallory` is the username of two HR rows: hr.csv:3 (employee E2) and hr.csv:4 (employee E3)",
            ),
            (
                "E2",
                "`mallory` is the username of two HR rows: hr.csv:3 (employee E2) and hr.csv:4 (employee E3)",
            ),
            (
                "E5",
                "`E5` is the employee id or username of two HR rows: hr.csv:5 (employee E4) and hr.csv:6 (employee E5)",
            ),
            (
                "grace",
                "`shared@X.example` is the email of two HR rows: hr.csv:7 (employee E6) and hr.csv:8 (employee E7)",
            ),
        ];
        for (key, expected) in table {
            let error = roster.find(key).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{key}: {error}");
        }
    }

    #[test]
    fn check_unique_names_the_first_value_two_rows_share() {
        let unique = Roster::new(vec![
            row(2, "E1", "alice", "alice@x.example"),
            row(3, "E2", "bob", "bob@x.example"),
        ]);
        assert!(unique.check_unique().is_ok());
        let table = [
            (
                vec![
                    row(2, "E1", "alice", "a@x.example"),
                    row(3, "E2", "bob", "B@x.example"),
                    row(4, "E3", "alice", "c@x.example"),
                    row(5, "E4", "dave", "b@X.example"),
                ],
                "`alice` is the username of two HR rows: hr.csv:2 (employee E1) and hr.csv:4 (employee E3)",
            ),
            (
                vec![
                    row(2, "E1", "alice", "a@x.example"),
                    row(3, "E2", "bob", "B@x.example"),
                    row(4, "E3", "carol", "b@X.example"),
                    row(5, "E4", "alice", "d@x.example"),
                ],
                "`b@X.example` is the email of two HR rows: hr.csv:3 (employee E2) and hr.csv:4 (employee E3)",
            ),
        ];
        for (rows, expected) in table {
            let error = Roster::new(rows).check_unique().unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
        }
    }
}
