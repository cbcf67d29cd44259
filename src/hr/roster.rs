//! The HR roster as commands look people up in it: every record with where it came from (file
//! and line of a CSV export, URL and item of an HTTP listing), indexed by the keys an employee is
//! named by (employee id, username) and by email, the key connectors find accounts by. It owns
//! the one lookup rule: a key that could mean two rows, or a person whose username or email is
//! also another row's, is an error naming both rows, never a silent first match. It reads
//! nothing itself: a CSV export is streamed into it row by row ([`super::CsvSource::roster`]),
//! records of other sources are handed to it.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::OnceLock;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::fields::HrRow;
use super::row_store::{RowStore, TextFields};
use super::{HrError, HrRecord};

/// One HR record and where it was read.
#[derive(Clone, Debug)]
pub struct Located {
    /// `PATH:LINE` for a CSV export, `URL#/json/pointer` for an HTTP listing.
    pub location: String,
    /// The record.
    pub record: HrRecord,
}

/// Where each record was read.
#[derive(Debug)]
enum Places {
    /// Lines of one file, shown as `PATH:LINE`.
    Lines { path: String, lines: Vec<u32> },
    /// One text per record.
    Texts(Vec<String>),
}

impl Default for Places {
    fn default() -> Self {
        Places::Texts(Vec::new())
    }
}

/// HR records indexed for lookup by employee id or username.
///
/// Records are kept compactly ([`RowStore`]) and indexed by row number, so that a roster of a
/// million rows takes about the memory of its file; a record is rebuilt once, when first found.
#[derive(Debug, Default)]
pub struct Roster {
    rows: RowStore,
    places: Places,
    /// Entries are [`entry`]s: a row number and its key's hash.
    by_id: HashTable<u64>,
    /// The first row holding each username.
    by_username: HashTable<u64>,
    /// The first row holding each email, compared in ASCII lower case: mail systems do not tell
    /// case apart.
    by_email: HashTable<u64>,
    /// First holder -> the second row holding the same username, when one does.
    second_username: HashMap<u32, u32>,
    /// The same for emails.
    second_email: HashMap<u32, u32>,
    hasher: DefaultHashBuilder,
    /// The size of the file the rows are read from, if any (to reserve room).
    file_size: u64,
    /// Each record, once rebuilt.
    built: Vec<OnceLock<Box<HrRecord>>>,
}

/// The first row holding a value, and the second one if another row holds it too.
#[derive(Clone, Copy, Debug)]
struct Holders {
    first: usize,
    second: Option<usize>,
}

/// Which index a key is looked up in.
#[derive(Clone, Copy)]
enum Key {
    Id,
    Username,
    Email,
}

impl Roster {
    /// Index `records` (employee ids are unique: the sources reject duplicates when loading).
    pub fn new(records: Vec<Located>) -> Roster {
        let mut roster = Roster::default();
        let mut texts = Vec::with_capacity(records.len());
        for located in records {
            let r = &located.record;
            roster.rows.push_record(r);
            roster.index_last([&r.id, &r.username, &r.email]);
            texts.push(located.location);
        }
        roster.places = Places::Texts(texts);
        roster.finish()
    }

    /// An empty roster of the rows of the file `path` (as shown in messages) of `file_size`
    /// bytes, to [`push`]
    /// rows to, then [`finish`].
    ///
    /// [`push`]: Roster::push_row
    /// [`finish`]: Roster::finish
    pub(super) fn of_file(path: String, file_size: u64) -> Roster {
        Roster {
            places: Places::Lines {
                path,
                lines: Vec::new(),
            },
            file_size,
            ..Roster::default()
        }
    }

    /// Add the row read at `line` of the file; `Err` with the line of the row already holding
    /// its employee id, if any (the row is not added then).
    pub(super) fn push_row(&mut self, row: &HrRow<'_>, line: u64) -> Result<(), u64> {
        if let Some(first) = self.holder(Key::Id, row.id()) {
            return Err(self.line_of(first));
        }
        let fields: TextFields<'_> = row.text_fields();
        if self.rows.len() == 0 {
            let sample = fields.iter().flatten().map(|f| f.len() + 1).sum();
            self.reserve_for(self.file_size, sample);
        }
        self.rows
            .push(fields, row.effective_at, row.employment, row.legal_hold);
        if let Places::Lines { lines, .. } = &mut self.places {
            lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        }
        self.index_last([row.id(), row.username(), row.email()]);
        Ok(())
    }

    /// Make room for the rows of a file of `bytes`, guessing from the first row (`sample`,
    /// its text bytes): room only, which the rows fill as they come.
    pub(super) fn reserve_for(&mut self, bytes: u64, sample: usize) {
        let bytes = usize::try_from(bytes).unwrap_or(0);
        let rows = bytes / sample.max(16);
        self.rows.reserve(bytes, rows);
        if let Places::Lines { lines, .. } = &mut self.places {
            lines.reserve(rows);
        }
    }

    /// Make the roster ready for lookups, once every row is in.
    pub(super) fn finish(mut self) -> Roster {
        self.built = (0..self.rows.len()).map(|_| OnceLock::new()).collect();
        self
    }

    fn line_of(&self, i: usize) -> u64 {
        match &self.places {
            Places::Lines { lines, .. } => u64::from(lines[i]),
            Places::Texts(_) => i as u64 + 1,
        }
    }

    fn location(&self, i: usize) -> String {
        match &self.places {
            Places::Lines { path, lines } => format!("{path}:{}", lines[i]),
            Places::Texts(texts) => texts[i].clone(),
        }
    }

    fn key_of(&self, key: Key, i: usize) -> &str {
        match key {
            Key::Id => self.rows.id(i),
            Key::Username => self.rows.username(i),
            Key::Email => self.rows.email(i),
        }
    }

    fn hash(&self, key: Key, value: &str) -> u32 {
        hash_key(&self.hasher, key, value)
    }

    fn table(&self, key: Key) -> &HashTable<u64> {
        match key {
            Key::Id => &self.by_id,
            Key::Username => &self.by_username,
            Key::Email => &self.by_email,
        }
    }

    /// The first row holding `value` as its `key`.
    fn holder(&self, key: Key, value: &str) -> Option<usize> {
        self.holder_hashed(key, value, self.hash(key, value))
    }

    fn holder_hashed(&self, key: Key, value: &str, hash: u32) -> Option<usize> {
        // The hash is compared first: a row's text is read only when it is likely the one.
        let same = |&e: &u64| {
            if (e >> 32) as u32 != hash {
                return false;
            }
            let held = self.key_of(key, e as u32 as usize);
            match key {
                Key::Email => held.eq_ignore_ascii_case(value),
                _ => held == value,
            }
        };
        self.table(key)
            .find(widen(hash), same)
            .map(|&e| e as u32 as usize)
    }

    /// Both holders of `value` as its `key` (username or email).
    fn holders(&self, key: Key, value: &str) -> Option<Holders> {
        let first = self.holder(key, value)?;
        let seconds = match key {
            Key::Email => &self.second_email,
            _ => &self.second_username,
        };
        Some(Holders {
            first,
            second: seconds.get(&(first as u32)).map(|&s| s as usize),
        })
    }

    /// Index the last row pushed by its id, username and email, `values`.
    fn index_last(&mut self, values: [&str; 3]) {
        let i = self.rows.len() - 1;
        for (k, key) in [Key::Id, Key::Username, Key::Email].into_iter().enumerate() {
            let value = values[k];
            let hash = self.hash(key, value);
            let first = self.holder_hashed(key, value, hash);
            let (table, seconds) = match key {
                Key::Id => (&mut self.by_id, None),
                Key::Username => (&mut self.by_username, Some(&mut self.second_username)),
                Key::Email => (&mut self.by_email, Some(&mut self.second_email)),
            };
            match (first, seconds) {
                (None, _) => {
                    let rehash = |&e: &u64| widen((e >> 32) as u32);
                    table.insert_unique(widen(hash), entry(i, hash), rehash);
                }
                (Some(first), Some(seconds)) => {
                    seconds.entry(first as u32).or_insert(i as u32);
                }
                // A repeated id keeps its first row (sources refuse them before).
                (Some(_), None) => {}
            }
        }
    }

    /// Record `i`, rebuilt on first use.
    fn record(&self, i: usize) -> &HrRecord {
        self.built[i].get_or_init(|| Box::new(self.rows.record(i)))
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when HR lists nobody.
    pub fn is_empty(&self) -> bool {
        self.rows.len() == 0
    }

    /// An error naming both rows when two rows share a username or an email (case aside): for
    /// commands that judge everyone at once, which cannot leave the two people out. The first
    /// row, in the source's order, that repeats a value is the one reported.
    pub fn check_unique(&self) -> Result<(), HrError> {
        for i in 0..self.rows.len() {
            for (field, key) in [("username", Key::Username), ("email", Key::Email)] {
                let value = self.key_of(key, i);
                if let Some(Holders {
                    first,
                    second: Some(_),
                }) = self.holders(key, value)
                    && first != i
                {
                    return Err(self.ambiguous(field, value, first, i));
                }
            }
        }
        Ok(())
    }

    /// Every record, in the source's order.
    pub fn records(&self) -> impl Iterator<Item = &HrRecord> {
        (0..self.rows.len()).map(|i| self.record(i))
    }

    /// The one record whose employee id or username is `key`; `None` when no row has it.
    ///
    /// An error when `key` is the username of two rows, the id of one row and the username of
    /// another, or when the person found shares a username or email with another row (every
    /// connector finds accounts by one of them, so a run could act on the other person).
    pub fn find(&self, key: &str) -> Result<Option<&HrRecord>, HrError> {
        let by_username = self.holders(Key::Username, key);
        if let Some(Holders {
            first,
            second: Some(second),
        }) = by_username
        {
            return Err(self.ambiguous("username", key, first, second));
        }
        let index = match (self.holder(Key::Id, key), by_username.map(|h| h.first)) {
            (Some(a), Some(b)) if a != b => {
                return Err(self.ambiguous("employee id or username", key, a.min(b), a.max(b)));
            }
            (Some(i), _) | (None, Some(i)) => i,
            (None, None) => return Ok(None),
        };
        let username = self.rows.username(index);
        if let Some(other) = other_holder(self.holders(Key::Username, username), index) {
            return Err(self.ambiguous("username", username, index, other));
        }
        let email = self.rows.email(index);
        if let Some(other) = other_holder(self.holders(Key::Email, email), index) {
            return Err(self.ambiguous("email", email, index, other));
        }
        Ok(Some(self.record(index)))
    }

    fn ambiguous(&self, field: &'static str, value: &str, a: usize, b: usize) -> HrError {
        let row = |i: usize| format!("{} (employee {})", self.location(i), self.rows.id(i));
        HrError::Ambiguous {
            field,
            value: value.to_owned(),
            first: row(a.min(b)),
            second: row(a.max(b)),
        }
    }
}

/// The 32-bit hash of `value` as a `key`: emails in ASCII lower case.
fn hash_key(hasher: &DefaultHashBuilder, key: Key, value: &str) -> u32 {
    let hash = match key {
        Key::Email => {
            let mut state = hasher.build_hasher();
            for b in value.bytes() {
                std::hash::Hasher::write_u8(&mut state, b.to_ascii_lowercase());
            }
            std::hash::Hasher::finish(&state)
        }
        Key::Id | Key::Username => hasher.hash_one(value.as_bytes()),
    };
    (hash ^ (hash >> 32)) as u32
}

/// A table entry: row `i` (under 2^32: a file within the 4 GiB limit has fewer rows) whose key
/// hashes to `hash`.
#[inline]
fn entry(i: usize, hash: u32) -> u64 {
    (u64::from(hash) << 32) | u64::from(i as u32)
}

/// A 32-bit hash spread over the 64 bits a table uses (its top bits tag slots, its low bits
/// place them).
#[inline]
fn widen(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(hash)
}

/// Another row than `index` holding the value `holders` are of, if any.
fn other_holder(holders: Option<Holders>, index: usize) -> Option<usize> {
    let holders = holders?;
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
