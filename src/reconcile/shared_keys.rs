//! Whether two rows of an HR export share a username or an email, for reconciliation, which
//! judges everyone and so refuses such an export, as `run` and `plan` refuse to pick one of two
//! people (the accounts a connector finds by the key could be either's). Emails are compared in
//! ASCII lower case, as mail systems do.
//!
//! A million-row read must stay cheap, so the first read keeps only a 64-bit fingerprint of each
//! key (no text, no table probed per row) and looks for a repeated one once, at the end: equal
//! keys have equal fingerprints, so no repeated fingerprint means no shared key, for certain.
//! Only when one repeats (a shared key, or very rarely two keys with one fingerprint) is the
//! export read again, keeping the text of just those keys, to name both rows or find that
//! nothing is shared after all. It decides nothing else.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

use hashbrown::DefaultHashBuilder;

/// A key two rows share, as the later row gives it, and the earlier row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Shared {
    /// `username` or `email`.
    pub field: &'static str,
    /// The value, as the later row gives it.
    pub value: String,
    /// The earlier row's line and employee id.
    pub first: (u64, String),
}

/// How keys are fingerprinted: one hasher per kind, so that a username and an email that read
/// alike are different keys.
#[derive(Default)]
struct Fingerprints {
    username: DefaultHashBuilder,
    email: DefaultHashBuilder,
    /// The email in lower case, reused from row to row.
    lowered: Vec<u8>,
}

impl Fingerprints {
    #[inline]
    fn of(&mut self, username: &str, email: &str) -> [u64; 2] {
        // Most addresses are in lower case already: only the others are copied to be lowered.
        let upper = email
            .bytes()
            .fold(false, |upper, b| upper | b.is_ascii_uppercase());
        let email = if upper {
            self.lowered.clear();
            self.lowered
                .extend(email.bytes().map(|b| b.to_ascii_lowercase()));
            self.lowered.as_slice()
        } else {
            email.as_bytes()
        };
        [
            fingerprint(&self.username, username.as_bytes()),
            fingerprint(&self.email, email),
        ]
    }
}

/// Fingerprints are kept apart by their top byte, so that each part is checked within the
/// processor's caches.
const PARTS: usize = 256;

/// The 64-bit fingerprint of `bytes`: their hash alone, without the length a `Hash` impl adds
/// (two keys with one fingerprint only cost a second read).
#[inline]
fn fingerprint(hasher: &DefaultHashBuilder, bytes: &[u8]) -> u64 {
    let mut state = hasher.build_hasher();
    state.write(bytes);
    state.finish()
}

/// The fingerprints of the keys of the rows read so far (the first read).
pub(super) struct SharedKeys {
    fingerprints: Fingerprints,
    /// Every fingerprint, in the part its top byte names.
    seen: Vec<Vec<u64>>,
}

impl Default for SharedKeys {
    fn default() -> Self {
        SharedKeys {
            fingerprints: Fingerprints::default(),
            seen: vec![Vec::new(); PARTS],
        }
    }
}

impl SharedKeys {
    /// Note one row's `username` and `email`.
    #[inline]
    pub fn add(&mut self, username: &str, email: &str) {
        for fingerprint in self.fingerprints.of(username, email) {
            self.seen[(fingerprint >> 56) as usize].push(fingerprint);
        }
    }

    /// After the last row: `None` when no two rows share a key; otherwise what a second read
    /// must check, row by row in the same order, to find the rows that do.
    pub fn repeated(self) -> Option<Recheck> {
        let mut repeated = HashSet::new();
        // Each part is checked in a small open-addressing set that stays in the processor's
        // caches, indexed by the fingerprint's low bits (a part shares its top byte); 0 marks an
        // empty slot, so the fingerprint 0 is counted apart.
        let mut slots: Vec<u64> = Vec::new();
        let mut zeros = 0;
        for part in &self.seen {
            let size = (part.len() * 2).next_power_of_two();
            slots.clear();
            slots.resize(size, 0);
            for &fingerprint in part {
                if fingerprint == 0 {
                    zeros += 1;
                    continue;
                }
                let mut at = fingerprint as usize & (size - 1);
                loop {
                    match slots[at] {
                        0 => slots[at] = fingerprint,
                        held if held == fingerprint => {
                            repeated.insert(fingerprint);
                        }
                        _ => {
                            at = (at + 1) & (size - 1);
                            continue;
                        }
                    }
                    break;
                }
            }
        }
        if zeros > 1 {
            repeated.insert(0);
        }
        (!repeated.is_empty()).then(|| Recheck {
            fingerprints: self.fingerprints,
            repeated,
            held: HashMap::new(),
        })
    }
}

/// The second read: the keys whose fingerprint repeats, with the first row holding each.
pub(super) struct Recheck {
    fingerprints: Fingerprints,
    repeated: HashSet<u64>,
    /// `(field, key)` -> the first row holding it (line, employee id).
    held: HashMap<(&'static str, String), (u64, String)>,
}

impl Recheck {
    /// Look at the next row (rows in the order of the first read): the key it shares with an
    /// earlier row, the username first, if any.
    pub fn check(
        &mut self,
        username: &str,
        email: &str,
        line: u64,
        id: &str,
    ) -> Result<(), Shared> {
        let [by_username, by_email] = self.fingerprints.of(username, email);
        let keys = [
            ("username", by_username, username),
            ("email", by_email, email),
        ];
        for (field, fingerprint, value) in keys {
            if !self.repeated.contains(&fingerprint) {
                continue;
            }
            let key = match field {
                "email" => value.to_ascii_lowercase(),
                _ => value.to_owned(),
            };
            if let Some(first) = self.held.get(&(field, key.clone())) {
                return Err(Shared {
                    field,
                    value: value.to_owned(),
                    first: first.clone(),
                });
            }
            self.held.insert((field, key), (line, id.to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first key `rows` share, read as reconcile reads them: fingerprints, then a second
    /// read only when one repeats.
    fn shared(rows: &[(&str, &str)]) -> Option<Shared> {
        let mut keys = SharedKeys::default();
        for (username, email) in rows {
            keys.add(username, email);
        }
        let mut recheck = keys.repeated()?;
        for (i, (username, email)) in rows.iter().enumerate() {
            let line = i as u64 + 2;
            if let Err(shared) = recheck.check(username, email, line, &format!("E{line}")) {
                return Some(shared);
            }
        }
        None
    }

    #[test]
    fn a_username_or_an_email_two_rows_share_names_the_first_row() {
        let rows = [
            ("alice", "alice@x.example"),
            ("bob", "bob@x.example"),
            ("carol", "Carol@X.example"),
            // `bob` the username and `bob` the email are different keys.
            ("dave", "bob"),
        ];
        let with = |extra: (&'static str, &'static str)| {
            let mut all = rows.to_vec();
            all.push(extra);
            shared(&all)
        };
        let named = |field, value: &str, line: u64| {
            Some(Shared {
                field,
                value: value.to_owned(),
                first: (line, format!("E{line}")),
            })
        };
        assert_eq!(shared(&rows), None);
        assert_eq!(with(("erin", "erin@x.example")), None);
        assert_eq!(with(("bob", "bob2@x.example")), named("username", "bob", 3));
        assert_eq!(
            with(("carla", "CAROL@x.EXAMPLE")),
            named("email", "CAROL@x.EXAMPLE", 4)
        );
        assert_eq!(
            with(("alice", "carol@x.example")),
            named("username", "alice", 2)
        );
        // Usernames are told apart by case, emails are not.
        assert_eq!(with(("Alice", "alice@x.example.org")), None);
    }

    #[test]
    fn repeated_fingerprints_are_found_in_every_part_zero_included() {
        let mut keys = SharedKeys::default();
        let top = |part: u64, low: u64| (part << 56) | low;
        keys.seen[0] = vec![0, 7, 0, 9];
        keys.seen[3] = (0..5000).map(|i| top(3, i)).collect();
        keys.seen[3].push(top(3, 4321));
        keys.seen[255] = vec![top(255, 1), top(255, 1 + (1 << 20))];
        let recheck = keys.repeated().unwrap();
        let mut repeated: Vec<u64> = recheck.repeated.into_iter().collect();
        repeated.sort_unstable();
        assert_eq!(repeated, [0, top(3, 4321)]);
        assert!(SharedKeys::default().repeated().is_none());
    }

    #[test]
    fn a_repeated_fingerprint_of_different_keys_is_no_shared_key() {
        // As if two different keys had one fingerprint: the second read finds nothing shared.
        let mut recheck = Recheck {
            fingerprints: Fingerprints::default(),
            repeated: HashSet::new(),
            held: HashMap::new(),
        };
        let rows = [("alice", "a@x.example"), ("bob", "b@x.example")];
        for (username, email) in rows {
            let [u, e] = recheck.fingerprints.of(username, email);
            recheck.repeated.extend([u, e]);
        }
        for (i, (username, email)) in rows.iter().enumerate() {
            assert_eq!(recheck.check(username, email, i as u64 + 2, "E"), Ok(()));
        }
    }
}
