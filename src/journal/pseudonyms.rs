//! Personal data kept out of run journals (`policy.minimise_personal_data`): before a record is
//! signed, every occurrence of the employee's personal values (email addresses, display name)
//! in its evidence, note and target account is replaced by a salted digest,
//! `salted-sha256:<hex>`, the SHA-256 of the salt's 64 hex characters followed by the value's
//! UTF-8 bytes. Whoever holds the salt and a value can show that a record is about that value;
//! the journal and the evidence packs made from it do not carry the value itself.
//!
//! The salt is generated once into the journal directory (`personal-data.salt`, owner-only,
//! never copied into an evidence pack). Deleting it leaves the digests unlinkable to anyone.
//! This module owns the salt file and the rewriting; it never decides which values are personal.

use std::io::Write;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::{JournalError, Result};
use super::writer::RecordFields;
use crate::fsio::{self, Links};

/// The salt's file in the journal directory: 64 hex characters and a newline.
pub const SALT_FILE: &str = "personal-data.salt";

/// The prefix of a digest standing in for a personal value.
pub const DIGEST_PREFIX: &str = "salted-sha256:";

/// Values shorter than this are replaced only where a whole string is the value, never inside
/// a longer text, where they would match unrelated words.
const MIN_INNER_MATCH: usize = 4;

/// The salt and the values to replace, each with its digest.
#[derive(Clone, Debug)]
pub struct Pseudonyms {
    salt: String,
    /// (ASCII-lowercased value, digest), longest first.
    values: Vec<(String, String)>,
}

impl Pseudonyms {
    /// The journal directory's salt, created when there is none yet.
    pub fn for_journal(dir: &Path, values: &[&str]) -> Result<Self> {
        Ok(Self::new(load_or_create_salt(dir)?, values))
    }

    /// Replace `values` (empty ones are ignored; case does not matter) using `salt`.
    pub fn new(salt: String, values: &[&str]) -> Self {
        let mut pseudonyms = Pseudonyms {
            salt,
            values: Vec::new(),
        };
        for value in values.iter().filter(|v| !v.trim().is_empty()) {
            let digest = pseudonyms.digest(value);
            pseudonyms.values.push((value.to_ascii_lowercase(), digest));
        }
        pseudonyms
            .values
            .sort_by_key(|(value, _)| (std::cmp::Reverse(value.len()), value.clone()));
        pseudonyms.values.dedup_by(|a, b| a.0 == b.0);
        pseudonyms
    }

    /// `salted-sha256:` and the hex SHA-256 of the salt followed by `value`.
    pub fn digest(&self, value: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(self.salt.as_bytes());
        hash.update(value.as_bytes());
        let hex = crate::hex::hex(&hash.finalize());
        format!("{DIGEST_PREFIX}{hex}")
    }

    /// Rewrite the record's evidence, note and target account.
    pub fn apply(&self, fields: &mut RecordFields) {
        if let Some(evidence) = &mut fields.evidence {
            self.value(evidence);
        }
        if let Some(note) = &mut fields.note {
            *note = self.text(note);
        }
        if let Some(account) = fields.target.as_mut().and_then(|t| t.account.as_mut()) {
            *account = self.text(account);
        }
    }

    fn value(&self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (key, mut item) in old {
                    self.value(&mut item);
                    map.insert(self.text(&key), item);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// `text` with every value in it replaced by its digest, scanning once from the left and
    /// taking the longest value that matches at each place.
    fn text(&self, text: &str) -> String {
        let lower = text.to_ascii_lowercase();
        if let Some((_, digest)) = self.values.iter().find(|(v, _)| *v == lower) {
            return digest.clone();
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut at = 0;
        while at < text.len() {
            let found = self
                .values
                .iter()
                .filter(|(v, _)| v.len() >= MIN_INNER_MATCH)
                .find(|(v, _)| lower[at..].starts_with(v.as_str()));
            if let Some((value, digest)) = found {
                out.push_str(&text[copied..at]);
                out.push_str(digest);
                at += value.len();
                copied = at;
            } else {
                at += text[at..].chars().next().map_or(1, char::len_utf8);
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// The salt of `dir`: read, or generated (32 random bytes as hex) and written once, so runs
/// started at the same time agree on it.
fn load_or_create_salt(dir: &Path) -> Result<String> {
    let path = dir.join(SALT_FILE);
    if std::fs::symlink_metadata(&path).is_err() {
        let mut bytes = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).map_err(
            |_| {
                JournalError::io(
                    "cannot generate",
                    &path,
                    std::io::Error::other("no randomness"),
                )
            },
        )?;
        let hex = crate::hex::hex(&bytes);
        let tmp = dir.join(format!(
            ".{SALT_FILE}.{}.{:08x}.tmp",
            std::process::id(),
            fastrand::u32(..)
        ));
        let written = fsio::create_new(&tmp, fsio::PRIVATE_FILE)
            .and_then(|mut file| {
                file.write_all(format!("{hex}\n").as_bytes())
                    .and_then(|()| file.sync_all())
            })
            // A link fails where another run created the salt first: theirs stands.
            .and_then(|()| match std::fs::hard_link(&tmp, &path) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
                _ => Ok(()),
            });
        let _ = std::fs::remove_file(&tmp);
        written.map_err(|e| JournalError::io("cannot create", &path, e))?;
    }
    let text = fsio::read(&path, fsio::KEY, Links::Refuse)
        .map_err(|e| JournalError::io("cannot read", &path, e))?;
    let salt = String::from_utf8_lossy(&text).trim().to_owned();
    if salt.len() != 64 || !salt.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(JournalError::io(
            "not a salt (64 hex characters):",
            &path,
            std::io::Error::other("edit it back or restore it from a backup"),
        ));
    }
    Ok(salt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pseudonyms() -> Pseudonyms {
        Pseudonyms::new(
            "ab".repeat(32),
            &["Grace.Hopper@example.com", "Grace Hopper", "Al", ""],
        )
    }

    #[test]
    fn values_are_replaced_whole_and_inside_texts_in_any_case() {
        let p = pseudonyms();
        let email = p.digest("Grace.Hopper@example.com");
        let name = p.digest("Grace Hopper");
        let mut fields = RecordFields::new(crate::journal::Event::StepConfirmed)
            .note("asked grace hopper")
            .target("scim", Some("grace.hopper@EXAMPLE.com".to_owned()))
            .evidence(json!({
                "hr_record": {"email": "grace.hopper@example.com", "display_name": "Grace Hopper",
                              "id": "E1", "n": 3},
                "text": "Grace Hopper <grace.hopper@example.com> left; Alice stays",
                "short": "Al",
                "list": ["Grace Hopper"],
                "Grace Hopper": true,
            }));
        p.apply(&mut fields);
        let evidence = fields.evidence.unwrap();
        assert_eq!(evidence["hr_record"]["email"], email.as_str());
        assert_eq!(evidence["hr_record"]["display_name"], name.as_str());
        assert_eq!(evidence["hr_record"]["id"], "E1");
        assert_eq!(
            evidence["text"],
            format!("{name} <{email}> left; Alice stays")
        );
        assert_eq!(evidence["short"], p.digest("Al").as_str());
        assert_eq!(evidence["list"][0], name.as_str());
        assert_eq!(evidence[name.as_str()], true);
        assert_eq!(fields.note.unwrap(), format!("asked {name}"));
        assert_eq!(fields.target.unwrap().account.unwrap(), email);
    }

    #[test]
    fn the_digest_is_sha256_of_salt_then_value() {
        let p = Pseudonyms::new("00".repeat(32), &[]);
        let expected = Sha256::digest(format!("{}x", "00".repeat(32)).as_bytes());
        let hex = crate::hex::hex(&expected);
        assert_eq!(p.digest("x"), format!("salted-sha256:{hex}"));
    }

    #[test]
    fn the_salt_is_made_once_owner_only_and_checked() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_salt(dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create_salt(dir.path()).unwrap(), first);
        let path = dir.path().join(SALT_FILE);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        std::fs::write(&path, "short\n").unwrap();
        let err = load_or_create_salt(dir.path()).unwrap_err().to_string();
        assert!(err.contains("personal-data.salt"), "{err}");
    }
}
