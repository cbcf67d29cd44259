//! HR records kept compactly, for a roster of a million people that one command may look up
//! only once: the text fields of every record, each a length and its bytes, one after the other
//! in one buffer, and the few other fields beside them. No string is allocated per record; a
//! record is rebuilt ([`RowStore::record`]) only when asked for. It only stores; indexing and
//! the lookup rules are the roster's.

use time::OffsetDateTime;

use super::{Employment, HrRecord};

/// The text fields of a record, in the order they are stored.
mod text {
    pub const ID: usize = 0;
    pub const USERNAME: usize = 1;
    pub const EMAIL: usize = 2;
    pub const DISPLAY_NAME: usize = 3;
    pub const MANAGER_ID: usize = 4;
    pub const MANAGER_EMAIL: usize = 5;
    pub const DEPARTMENT: usize = 6;
    pub const COST_CENTRE: usize = 7;
    pub const ROLE: usize = 8;
    pub const NEW_ROLE: usize = 9;
    pub const RAW_STATUS: usize = 10;
    pub const COUNT: usize = 11;
}

/// The text fields of one record, by the indexes of [`text`]: `None` for an absent optional
/// field.
pub(super) type TextFields<'a> = [Option<&'a str>; text::COUNT];

/// One record's place in the buffer and its other fields.
#[derive(Clone, Copy, Debug)]
struct Meta {
    start: usize,
    effective_at: Option<OffsetDateTime>,
    employment: Employment,
    legal_hold: bool,
}

/// Records, in the order pushed.
#[derive(Debug, Default)]
pub(super) struct RowStore {
    /// Per record, per text field: a length (LEB128; 0 for absent, else 1 + the byte length),
    /// then the bytes.
    text: Vec<u8>,
    meta: Vec<Meta>,
}

impl RowStore {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    /// Make room for `bytes` more of text and `rows` more records.
    pub fn reserve(&mut self, bytes: usize, rows: usize) {
        self.text.reserve(bytes);
        self.meta.reserve(rows);
    }

    /// Add a record; its index is the number of records before it.
    pub fn push(
        &mut self,
        fields: TextFields<'_>,
        effective_at: Option<OffsetDateTime>,
        employment: Employment,
        legal_hold: bool,
    ) {
        self.meta.push(Meta {
            start: self.text.len(),
            effective_at,
            employment,
            legal_hold,
        });
        for field in fields {
            let mut n = field.map_or(0, |f| f.len() + 1);
            loop {
                let more = n >= 0x80;
                self.text
                    .push((n & 0x7F) as u8 | if more { 0x80 } else { 0 });
                n >>= 7;
                if !more {
                    break;
                }
            }
            if let Some(field) = field {
                self.text.extend_from_slice(field.as_bytes());
            }
        }
    }

    /// Push `record`.
    pub fn push_record(&mut self, r: &HrRecord) {
        let mut fields: TextFields<'_> = [None; text::COUNT];
        fields[text::ID] = Some(&r.id);
        fields[text::USERNAME] = Some(&r.username);
        fields[text::EMAIL] = Some(&r.email);
        fields[text::DISPLAY_NAME] = Some(&r.display_name);
        fields[text::MANAGER_ID] = r.manager_id.as_deref();
        fields[text::MANAGER_EMAIL] = r.manager_email.as_deref();
        fields[text::DEPARTMENT] = r.department.as_deref();
        fields[text::COST_CENTRE] = r.cost_centre.as_deref();
        fields[text::ROLE] = r.role.as_deref();
        fields[text::NEW_ROLE] = r.new_role.as_deref();
        fields[text::RAW_STATUS] = Some(&r.raw_status);
        self.push(fields, r.effective_at, r.employment, r.legal_hold);
    }

    /// The text fields of record `i`, up to and including field `last`.
    fn fields(&self, i: usize, last: usize) -> TextFields<'_> {
        let mut fields: TextFields<'_> = [None; text::COUNT];
        let mut at = self.meta[i].start;
        for field in fields.iter_mut().take(last + 1) {
            let (mut n, mut shift) = (0usize, 0);
            loop {
                let byte = self.text[at];
                at += 1;
                n |= usize::from(byte & 0x7F) << shift;
                shift += 7;
                if byte < 0x80 {
                    break;
                }
            }
            if n > 0 {
                let bytes = &self.text[at..at + n - 1];
                at += n - 1;
                // Only whole `str`s were pushed.
                *field = Some(std::str::from_utf8(bytes).unwrap_or_default());
            }
        }
        fields
    }

    /// The employee id of record `i`.
    pub fn id(&self, i: usize) -> &str {
        self.fields(i, text::ID)[text::ID].unwrap_or_default()
    }

    /// The username of record `i`.
    pub fn username(&self, i: usize) -> &str {
        self.fields(i, text::USERNAME)[text::USERNAME].unwrap_or_default()
    }

    /// The email of record `i`, as given.
    pub fn email(&self, i: usize) -> &str {
        self.fields(i, text::EMAIL)[text::EMAIL].unwrap_or_default()
    }

    /// Record `i`, rebuilt.
    pub fn record(&self, i: usize) -> HrRecord {
        let f = self.fields(i, text::COUNT - 1);
        let meta = &self.meta[i];
        let owned = |i: usize| f[i].map(str::to_owned);
        HrRecord {
            id: owned(text::ID).unwrap_or_default(),
            username: owned(text::USERNAME).unwrap_or_default(),
            email: owned(text::EMAIL).unwrap_or_default(),
            display_name: owned(text::DISPLAY_NAME).unwrap_or_default(),
            manager_id: owned(text::MANAGER_ID),
            manager_email: owned(text::MANAGER_EMAIL),
            department: owned(text::DEPARTMENT),
            cost_centre: owned(text::COST_CENTRE),
            role: owned(text::ROLE),
            new_role: owned(text::NEW_ROLE),
            raw_status: owned(text::RAW_STATUS).unwrap_or_default(),
            effective_at: meta.effective_at,
            employment: meta.employment,
            legal_hold: meta.legal_hold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> HrRecord {
        HrRecord {
            id: format!("E{i}"),
            username: format!("user{i}"),
            email: format!("User{i}@x.example"),
            display_name: "é".repeat(i * 40),
            manager_id: (i % 2 == 1).then(|| "E0".to_owned()),
            manager_email: None,
            department: Some(String::new()),
            cost_centre: Some("x".repeat(70_000 * (i % 3 / 2))),
            role: Some("engineer".into()),
            new_role: None,
            raw_status: "TERM".into(),
            effective_at: i
                .is_multiple_of(2)
                .then(|| OffsetDateTime::from_unix_timestamp(1_790_726_400).unwrap()),
            employment: if i.is_multiple_of(2) {
                Employment::Employee
            } else {
                Employment::Contractor
            },
            legal_hold: i == 3,
        }
    }

    #[test]
    fn gives_back_every_record_exactly() {
        let mut store = RowStore::default();
        for i in 0..6 {
            store.push_record(&record(i));
        }
        assert_eq!(store.len(), 6);
        for i in 0..6 {
            assert_eq!(store.record(i), record(i), "record {i}");
            assert_eq!(store.id(i), format!("E{i}"));
            assert_eq!(store.username(i), format!("user{i}"));
            assert_eq!(store.email(i), format!("User{i}@x.example"));
        }
    }
}
