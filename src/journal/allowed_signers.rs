//! The OpenSSH `allowed_signers` file (see ssh-keygen(1), ALLOWED SIGNERS): which principal may
//! sign with which key, and for which namespaces. It owns parsing the file and answering "may
//! this principal sign with this key?"; it never verifies a signature itself.
//!
//! Each key is decoded once, at load time, so verification never re-parses keys. Only
//! `ssh-ed25519` keys can sign journal records; lines with other key types, `cert-authority`
//! lines and `valid-after`/`valid-before` options are kept out of the decision and reported as
//! [`AllowedSigners::notes`].

use std::collections::HashMap;
use std::path::Path;

use base64ct::{Base64, Encoding};
use ed25519_dalek::VerifyingKey;

use super::error::{JournalError, Result};
use super::record::NAMESPACE;
use super::sshsig;

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
    key: VerifyingKey,
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
}

impl AllowedSigners {
    /// Read and parse the allowed-signers file at `path`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
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
        let at = format!("{}:{number}", path.display());

        let mut namespaces = None;
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
                ("valid-after" | "valid-before", Some(_)) => self.notes.push(format!(
                    "{at}: option {name} is not enforced by offboard verify"
                )),
                _ => return Err(format!("unknown or malformed option {option:?}")),
            }
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
            key,
        });
        Ok(())
    }

    /// Lines that were read but play no part in verification (certificate authorities, other key
    /// types, unenforced options), each prefixed with `file:line`.
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

    /// May `principal` sign journal records (namespace `offboard`) with `key`?
    pub fn lookup(&self, principal: &str, key: &[u8; 32]) -> Lookup<'_> {
        let mut namespace_refused = false;
        for &index in self.by_key.get(key).map(Vec::as_slice).unwrap_or_default() {
            let entry = &self.entries[index];
            if !match_pattern_list(principal, &entry.principals) {
                continue;
            }
            match &entry.namespaces {
                Some(list) if !match_pattern_list(NAMESPACE, list) => namespace_refused = true,
                _ => return Lookup::Allowed(&entry.key),
            }
        }
        if namespace_refused {
            Lookup::NamespaceNotAllowed
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

        assert!(matches!(
            signers.lookup("it@acme", &a.public_key()),
            Lookup::Allowed(_)
        ));
        assert!(matches!(
            signers.lookup("ops@acme", &a.public_key()),
            Lookup::Allowed(_)
        ));
        assert!(matches!(
            signers.lookup("fin@acme", &b.public_key()),
            Lookup::Allowed(_)
        ));
        assert!(matches!(
            signers.lookup("it@acme", &b.public_key()),
            Lookup::KeyNotForPrincipal
        ));
        assert!(matches!(
            signers.lookup("hr@acme", &c.public_key()),
            Lookup::NamespaceNotAllowed
        ));
        assert!(matches!(
            signers.lookup("nobody", &a.public_key()),
            Lookup::UnknownPrincipal
        ));
        assert!(matches!(
            signers.lookup("anna@team", &c.public_key()),
            Lookup::Allowed(_)
        ));
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
}
