//! The OpenSSH `allowed_signers` file (see ssh-keygen(1), ALLOWED SIGNERS): which principal may
//! sign with which key, and for which namespaces. It owns parsing the file and answering "may
//! this principal sign with this key?"; it never verifies a signature itself.
//!
//! Each key is decoded once, at load time, so verification never re-parses keys. Only
//! `ssh-ed25519` keys can sign journal records; lines with other key types and `cert-authority`
//! lines are kept out of the decision and reported as [`AllowedSigners::notes`].
//!
//! `valid-after` and `valid-before` bound when a line's key may sign, as in ssh-keygen: both
//! bounds are inclusive, and a line outside its window at the time asked is passed over (another
//! line may still allow the key). Their timestamps (`YYYYMMDD` or `YYYYMMDDHHMM[SS]`, optionally
//! ending in `Z`) are read as UTC whether or not they end in `Z`; ssh-keygen reads a time without
//! `Z` as local time, so such a value is also reported as a note.

use std::collections::HashMap;
use std::path::Path;

use base64ct::{Base64, Encoding};
use ed25519_dalek::VerifyingKey;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::error::{JournalError, Result};
use super::record::NAMESPACE;
use super::sshsig;
use crate::fsio;

/// The parsed allowed-signers file.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    entries: Vec<Entry>,
    by_key: HashMap<[u8; 32], Vec<usize>>,
    notes: Vec<String>,
}

#[derive(Debug, Clone)]
struct Entry {
    principals: String,
    namespaces: Option<String>,
    valid_after: Option<Bound>,
    valid_before: Option<Bound>,
    key: VerifyingKey,
}

/// A `valid-after` or `valid-before` time: its instant, and the value as written (for messages).
#[derive(Debug, Clone)]
struct Bound {
    at: OffsetDateTime,
    text: String,
}

/// The answer to "may `principal` sign journal records with this key?".
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    /// Yes; verify with this key.
    Allowed(&'a VerifyingKey),
    /// No line of the file names this principal.
    UnknownPrincipal,
    /// The principal is listed, but not with this key.
    KeyNotForPrincipal,
    /// The principal is listed with this key, but its `namespaces` exclude `offboard`.
    NamespaceNotAllowed,
    /// The principal is listed with this key, but not yet valid at the time asked: its
    /// `valid-after` value as written.
    NotYetValid(&'a str),
    /// The principal is listed with this key, but it expired before the time asked: its
    /// `valid-before` value as written.
    Expired(&'a str),
}

impl AllowedSigners {
    /// Read and parse the allowed-signers file at `path`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = fsio::read_to_string(path, fsio::TEXT, fsio::Links::Follow)
            .map_err(|source| JournalError::io("cannot read allowed signers", path, source))?;
        Self::parse(&text, path)
    }

    /// Parse allowed-signers text; `path` only names the file in errors and notes.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut signers = AllowedSigners::default();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let number = index + 1;
            let error = |message: String| JournalError::AllowedSigners {
                path: path.to_owned(),
                line: number,
                message,
            };
            signers.parse_line(line, path, number).map_err(error)?;
        }
        Ok(signers)
    }

    fn parse_line(
        &mut self,
        line: &str,
        path: &Path,
        number: usize,
    ) -> std::result::Result<(), String> {
        let mut tokens = Tokens(line);
        let principals = unquote(tokens.next().ok_or("missing principals")?);
        let mut token = tokens.next().ok_or("missing key type")?;
        let mut options = Vec::new();
        if !is_key_type(token) {
            options = split_options(token);
            token = tokens.next().ok_or("missing key type")?;
        }
        let key_type = token;
        let key_text = tokens.next().ok_or("missing key")?;
        let at = format!("{}:{number}", crate::human::path(path));

        let mut namespaces = None;
        let mut valid_after = None;
        let mut valid_before = None;
        for option in &options {
            let (name, value) = match option.split_once('=') {
                Some((name, value)) => (name.to_ascii_lowercase(), Some(unquote(value))),
                None => (option.to_ascii_lowercase(), None),
            };
            match (name.as_str(), value) {
                ("cert-authority", None) => {
                    self.notes.push(format!(
                        "{at}: cert-authority line ignored (certificates cannot sign journal records)"
                    ));
                    return Ok(());
                }
                ("namespaces", Some(value)) => namespaces = Some(value),
                ("valid-after" | "valid-before", Some(value)) => {
                    let slot = match name.as_str() {
                        "valid-after" => &mut valid_after,
                        _ => &mut valid_before,
                    };
                    if slot.is_some() {
                        return Err(format!("option {name} given twice"));
                    }
                    let (instant, utc) = parse_time(&value)
                        .ok_or_else(|| format!("{name}={value:?} is not YYYYMMDD[HHMM[SS]][Z]"))?;
                    if !utc {
                        self.notes.push(format!(
                            "{at}: {name}={value:?} has no trailing Z; offboard reads it as UTC, \
                             ssh-keygen as local time"
                        ));
                    }
                    *slot = Some(Bound {
                        at: instant,
                        text: value,
                    });
                }
                _ => return Err(format!("unknown or malformed option {option:?}")),
            }
        }
        if let (Some(after), Some(before)) = (&valid_after, &valid_before)
            && before.at <= after.at
        {
            return Err(format!(
                "valid-before {:?} is not after valid-after {:?}",
                before.text, after.text
            ));
        }
        if key_type != "ssh-ed25519" {
            self.notes.push(format!(
                "{at}: {key_type} key ignored (journal records are signed with ssh-ed25519)"
            ));
            return Ok(());
        }
        let blob =
            Base64::decode_vec(key_text).map_err(|_| "key is not valid base64".to_owned())?;
        let key_bytes =
            sshsig::parse_public_key_blob(&blob).map_err(|e| format!("bad key: {e}"))?;
        let key = VerifyingKey::from_bytes(&key_bytes)
            .map_err(|_| "key is not a valid Ed25519 point".to_owned())?;
        self.by_key
            .entry(key_bytes)
            .or_default()
            .push(self.entries.len());
        self.entries.push(Entry {
            principals,
            namespaces,
            valid_after,
            valid_before,
            key,
        });
        Ok(())
    }

    /// Lines that were read but play no part in verification (certificate authorities, other key
    /// types) and validity times read differently from ssh-keygen (no trailing `Z`), each
    /// prefixed with `file:line`.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The number of usable (Ed25519) signer lines.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no line can sign journal records.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// May `principal` sign journal records (namespace `offboard`) with `key` at time `at`? The
    /// time is compared in whole seconds, as ssh-keygen does.
    pub fn lookup(&self, principal: &str, key: &[u8; 32], at: OffsetDateTime) -> Lookup<'_> {
        let at = at.replace_nanosecond(0).unwrap_or(at);
        let mut refused = None;
        for &index in self.by_key.get(key).map(Vec::as_slice).unwrap_or_default() {
            let entry = &self.entries[index];
            if !match_pattern_list(principal, &entry.principals) {
                continue;
            }
            let refusal = match (&entry.namespaces, &entry.valid_after, &entry.valid_before) {
                (Some(list), _, _) if !match_pattern_list(NAMESPACE, list) => {
                    Lookup::NamespaceNotAllowed
                }
                (_, Some(after), _) if at < after.at => Lookup::NotYetValid(&after.text),
                (_, _, Some(before)) if at > before.at => Lookup::Expired(&before.text),
                _ => return Lookup::Allowed(&entry.key),
            };
            // A validity window is the more telling refusal: the key is right for the namespace.
            if matches!(refused, None | Some(Lookup::NamespaceNotAllowed)) {
                refused = Some(refusal);
            }
        }
        if let Some(refusal) = refused {
            refusal
        } else if self
            .entries
            .iter()
            .any(|entry| match_pattern_list(principal, &entry.principals))
        {
            Lookup::KeyNotForPrincipal
        } else {
            Lookup::UnknownPrincipal
        }
    }
}

impl AllowedSigners {
    /// The principals (as the file writes them) that may sign with `key` in `namespace` at `at`,
    /// as `ssh-keygen -Y find-principals` finds them: the first line listing the key whose
    /// namespaces and validity window admit it. `Err` says why none does:
    /// [`Lookup::KeyNotForPrincipal`] when no line lists the key at all.
    pub fn find_principal(
        &self,
        key: &[u8; 32],
        namespace: &str,
        at: OffsetDateTime,
    ) -> std::result::Result<&str, Lookup<'_>> {
        let at = at.replace_nanosecond(0).unwrap_or(at);
        let mut refused = Lookup::KeyNotForPrincipal;
        for &index in self.by_key.get(key).map(Vec::as_slice).unwrap_or_default() {
            let entry = &self.entries[index];
            refused = match (&entry.namespaces, &entry.valid_after, &entry.valid_before) {
                (Some(list), _, _) if !match_pattern_list(namespace, list) => {
                    Lookup::NamespaceNotAllowed
                }
                (_, Some(after), _) if at < after.at => Lookup::NotYetValid(&after.text),
                (_, _, Some(before)) if at > before.at => Lookup::Expired(&before.text),
                _ => return Ok(&entry.principals),
            };
        }
        Err(refused)
    }
}

/// An allowed-signers timestamp (`YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally
/// ending in `Z`), read as UTC, and whether it ended in `Z`.
fn parse_time(text: &str) -> Option<(OffsetDateTime, bool)> {
    let (digits, utc) = match text.strip_suffix(['Z', 'z']) {
        Some(digits) => (digits, true),
        None => (text, false),
    };
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let field = |range: std::ops::Range<usize>| digits.get(range)?.parse::<u16>().ok();
    let month = Month::try_from(u8::try_from(field(4..6)?).ok()?).ok()?;
    let date = Date::from_calendar_date(i32::from(field(0..4)?), month, field(6..8)? as u8).ok()?;
    let (hour, minute, second) = match digits.len() {
        8 => (0, 0, 0),
        12 => (field(8..10)?, field(10..12)?, 0),
        _ => (field(8..10)?, field(10..12)?, field(12..14)?),
    };
    let time = Time::from_hms(hour as u8, minute as u8, second as u8).ok()?;
    Some((PrimitiveDateTime::new(date, time).assume_utc(), utc))
}

fn is_key_type(token: &str) -> bool {
    token.starts_with("ssh-") || token.starts_with("ecdsa-") || token.starts_with("sk-")
}

/// Whitespace-separated tokens, where double quotes protect whitespace.
struct Tokens<'a>(&'a str);

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.0.trim_start();
        if rest.is_empty() {
            return None;
        }
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c.is_whitespace() && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        self.0 = &rest[end..];
        Some(&rest[..end])
    }
}

/// Split `a,b="x,y",c` at commas outside quotes.
fn split_options(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out
}

fn unquote(text: &str) -> String {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .to_owned()
}

/// OpenSSH `match_pattern_list`: comma-separated `*`/`?` patterns, a `!` prefix negates and a
/// negated match refuses outright.
fn match_pattern_list(name: &str, list: &str) -> bool {
    let mut matched = false;
    for pattern in list.split(',') {
        if let Some(negated) = pattern.strip_prefix('!') {
            if glob(name.as_bytes(), negated.as_bytes()) {
                return false;
            }
        } else if glob(name.as_bytes(), pattern.as_bytes()) {
            matched = true;
        }
    }
    matched
}

fn glob(name: &[u8], pattern: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| glob(&name[skip..], rest)),
        Some((b'?', rest)) => !name.is_empty() && glob(&name[1..], rest),
        Some((c, rest)) => name.first() == Some(c) && glob(&name[1..], rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Signer;

    impl AllowedSigners {
        fn lookup_now(&self, principal: &str, key: &[u8; 32]) -> Lookup<'_> {
            self.lookup(principal, key, OffsetDateTime::now_utc())
        }
    }

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    }

    fn key(seed: u8) -> (Signer, String) {
        let signer = Signer::from_seed([seed; 32], "x");
        let text = signer.public_key_openssh();
        (signer, text)
    }

    #[test]
    fn parses_principals_options_and_notes() {
        let (a, a_key) = key(1);
        let (b, b_key) = key(2);
        let (c, c_key) = key(3);
        let text = format!(
            "# comment\n\
             it@acme,ops@acme {a_key} laptop\n\
             \"fin@acme\" namespaces=\"git,offboard\" {b_key}\n\
             hr@acme namespaces=\"git\" {c_key}\n\
             *@ca cert-authority {a_key}\n\
             x@acme ecdsa-sha2-nistp256 AAAA\n\
             *@team valid-after=\"20240101\" {c_key}\n"
        );
        let signers = AllowedSigners::parse(&text, Path::new("allowed_signers")).unwrap();
        assert_eq!(signers.len(), 4);
        assert_eq!(signers.notes().len(), 3, "{:?}", signers.notes());
        assert!(signers.notes()[0].starts_with("allowed_signers:5: cert-authority"));
        assert_eq!(
            signers.notes()[2],
            "allowed_signers:7: valid-after=\"20240101\" has no trailing Z; offboard reads it as \
             UTC, ssh-keygen as local time"
        );

        assert!(matches!(
            signers.lookup_now("it@acme", &a.public_key()),
            Lookup::Allowed(_)
        ));
        assert!(matches!(
            signers.lookup_now("ops@acme", &a.public_key()),
            Lookup::Allowed(_)
        ));
        assert!(matches!(
            signers.lookup_now("fin@acme", &b.public_key()),
            Lookup::Allowed(_)
        ));
        assert!(matches!(
            signers.lookup_now("it@acme", &b.public_key()),
            Lookup::KeyNotForPrincipal
        ));
        assert!(matches!(
            signers.lookup_now("hr@acme", &c.public_key()),
            Lookup::NamespaceNotAllowed
        ));
        assert!(matches!(
            signers.lookup_now("nobody", &a.public_key()),
            Lookup::UnknownPrincipal
        ));
        assert!(matches!(
            signers.lookup_now("anna@team", &c.public_key()),
            Lookup::Allowed(_)
        ));
    }

    #[test]
    fn validity_windows_bound_when_a_key_may_sign() {
        let (a, a_key) = key(1);
        let (b, b_key) = key(2);
        let text = format!(
            "it@acme namespaces=\"offboard\",valid-after=\"20240101Z\",valid-before=\"202412311200Z\" {a_key}\n\
             ops@acme valid-before=\"20200101000000Z\" {b_key}\n\
             ops@acme namespaces=\"git\" {b_key}\n"
        );
        let signers = AllowedSigners::parse(&text, Path::new("as")).unwrap();
        assert!(signers.notes().is_empty(), "{:?}", signers.notes());
        let it = |time: &str| signers.lookup("it@acme", &a.public_key(), at(time));
        assert!(matches!(
            it("2023-12-31T23:59:59Z"),
            Lookup::NotYetValid("20240101Z")
        ));
        // Both bounds are inclusive, to the second.
        assert!(matches!(it("2024-01-01T00:00:00Z"), Lookup::Allowed(_)));
        assert!(matches!(it("2024-12-31T12:00:00.900Z"), Lookup::Allowed(_)));
        assert!(matches!(
            it("2024-12-31T12:00:01Z"),
            Lookup::Expired("202412311200Z")
        ));
        // An expired line is a better answer than another line's namespace refusal.
        let ops = signers.lookup("ops@acme", &b.public_key(), at("2021-01-01T00:00:00Z"));
        assert!(matches!(ops, Lookup::Expired("20200101000000Z")));
        let ops = signers.lookup("ops@acme", &b.public_key(), at("2019-01-01T00:00:00Z"));
        assert!(matches!(ops, Lookup::Allowed(_)));
    }

    #[test]
    fn a_later_line_can_allow_a_key_an_expired_line_refuses() {
        let (a, a_key) = key(1);
        let text = format!(
            "it@acme valid-before=\"20200101Z\" {a_key}\nit@acme valid-after=\"20200101Z\" {a_key}\n"
        );
        let signers = AllowedSigners::parse(&text, Path::new("as")).unwrap();
        let found = signers.lookup("it@acme", &a.public_key(), at("2025-06-01T00:00:00Z"));
        assert!(matches!(found, Lookup::Allowed(_)));
    }

    #[test]
    fn timestamps_follow_ssh_keygen_formats() {
        let utc = |text| parse_time(text).map(|(t, z)| (t.to_string(), z));
        assert_eq!(
            utc("20240229"),
            Some(("2024-02-29 0:00:00.0 +00:00:00".to_owned(), false))
        );
        assert_eq!(
            utc("202402291530z"),
            Some(("2024-02-29 15:30:00.0 +00:00:00".to_owned(), true))
        );
        assert_eq!(
            utc("20240229153045Z"),
            Some(("2024-02-29 15:30:45.0 +00:00:00".to_owned(), true))
        );
        for bad in [
            "2024",
            "20230229",
            "202401011",
            "2024010124",
            "20240101T0000Z",
            "Z",
            "",
        ] {
            assert_eq!(utc(bad), None, "{bad}");
        }
        let (_, a_key) = key(1);
        let err = |options: &str| {
            AllowedSigners::parse(&format!("it@acme {options} {a_key}\n"), Path::new("as"))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("valid-before=\"2024-01-01\""),
            "as:1: valid-before=\"2024-01-01\" is not YYYYMMDD[HHMM[SS]][Z]"
        );
        assert_eq!(
            err("valid-after=\"20240101Z\",valid-after=\"20250101Z\""),
            "as:1: option valid-after given twice"
        );
        assert_eq!(
            err("valid-after=\"20250101Z\",valid-before=\"20240101Z\""),
            "as:1: valid-before \"20240101Z\" is not after valid-after \"20250101Z\""
        );
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let err = AllowedSigners::parse("\nit@acme ssh-ed25519 !!!\n", Path::new("as"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "as:2: key is not valid base64");
        let err = AllowedSigners::parse("it@acme\n", Path::new("as"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "as:1: missing key type");
    }

    #[test]
    fn pattern_lists_follow_openssh() {
        assert!(match_pattern_list("a@x", "*@x"));
        assert!(!match_pattern_list("a@x", "*@x,!a@x"));
        assert!(match_pattern_list("ab", "a?"));
        assert!(!match_pattern_list("abc", "a?"));
    }

    #[test]
    fn finds_the_principal_of_a_key_for_a_namespace_and_time() {
        let (a, a_key) = key(1);
        let (b, b_key) = key(2);
        let (c, _) = key(3);
        let text = format!(
            "docs@acme namespaces=\"offboard\" {a_key}\n\
             it@acme namespaces=\"git\",valid-before=\"20260101Z\" {b_key}\n\
             ops@acme {a_key}\n"
        );
        let signers = AllowedSigners::parse(&text, Path::new("allowed_signers")).unwrap();
        let now = at("2026-06-01T00:00:00Z");
        assert_eq!(
            signers.find_principal(&a.public_key(), "git", now).ok(),
            Some("ops@acme"),
            "the first line that admits the key for `git`"
        );
        assert!(matches!(
            signers.find_principal(&b.public_key(), "git", now),
            Err(Lookup::Expired("20260101Z"))
        ));
        assert_eq!(
            signers
                .find_principal(&b.public_key(), "git", at("2025-06-01T00:00:00Z"))
                .ok(),
            Some("it@acme")
        );
        assert!(matches!(
            signers.find_principal(&b.public_key(), "offboard", at("2025-06-01T00:00:00Z")),
            Err(Lookup::NamespaceNotAllowed)
        ));
        assert!(matches!(
            signers.find_principal(&c.public_key(), "git", now),
            Err(Lookup::KeyNotForPrincipal)
        ));
    }
}
