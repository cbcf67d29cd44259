//! The recipients an evidence pack is encrypted to (`report --encrypt-to`): age X25519 public
//! keys (`age1...`) and SSH public keys (`ssh-ed25519 ...`, `ssh-rsa ...`), the kinds the
//! `age` command decrypts with `age -d -i KEY`. It parses and names what is wrong; it never
//! encrypts.

use std::str::FromStr;

use super::error::ReportError;

/// One parsed `--encrypt-to` value.
pub struct Recipient {
    key: Box<dyn age::Recipient + Send + Sync>,
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recipient")
    }
}

impl Recipient {
    /// The key the `age` crate encrypts to.
    pub fn key(&self) -> &dyn age::Recipient {
        self.key.as_ref()
    }
}

/// Parse every `--encrypt-to` value; the first bad one is a usage error naming it.
pub fn parse_recipients(values: &[String]) -> Result<Vec<Recipient>, ReportError> {
    values.iter().map(|v| parse_recipient(v)).collect()
}

/// Parse one `--encrypt-to` value. The `age` crate marks X25519 and SSH keys deprecated in
/// favour of post-quantum keys, which the `age` command of today's distributions cannot
/// decrypt: auditors hold X25519 and SSH keys.
#[allow(deprecated)]
pub fn parse_recipient(value: &str) -> Result<Recipient, ReportError> {
    let bad = |reason: String| ReportError::Recipient {
        value: crate::human::printable(value),
        reason,
    };
    let text = value.trim();
    if text.starts_with("age1pq1") {
        return Err(bad(
            "post-quantum age keys are not supported yet; give an X25519 key".to_owned(),
        ));
    }
    if text.starts_with("age1") {
        let key = age::x25519::Recipient::from_str(text).map_err(|e| bad(e.to_owned()))?;
        return Ok(Recipient { key: Box::new(key) });
    }
    if text.starts_with("ssh-") {
        let key = {
            use age::ssh::ParseRecipientKeyError as E;
            age::ssh::Recipient::from_str(text).map_err(|e| {
                bad(match e {
                    E::Invalid(reason) => reason.to_owned(),
                    E::RsaModulusTooLarge => "the RSA key is larger than 4096 bits".to_owned(),
                    E::RsaModulusTooSmall => "the RSA key is smaller than 2048 bits".to_owned(),
                    E::Unsupported(kind) => format!("SSH key type {kind} is not supported"),
                    _ => "this SSH key type is not supported".to_owned(),
                })
            })?
        };
        return Ok(Recipient { key: Box::new(key) });
    }
    Err(bad(
        "neither an age public key nor an SSH public key".to_owned()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(deprecated)] // the X25519 keys auditors hold today
    fn age_and_ssh_keys_parse_and_others_are_named() {
        let identity = age::x25519::Identity::generate();
        let public = identity.to_public().to_string();
        parse_recipient(&public).unwrap();
        parse_recipient(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID07+9SRiFjEKYPPaWIGY2XPrV9Lw0Xb1ZwRsZ9eSOjN a@b",
        )
        .unwrap();
        for (value, reason) in [
            ("age1nope", "invalid Bech32"),
            ("ssh-ed25519 AAAA", "invalid SSH recipient"),
            ("alice@example.com", "neither an age public key"),
            ("age1pq1abc", "post-quantum"),
        ] {
            let err = parse_recipient(value).unwrap_err().to_string();
            assert!(err.contains(&format!("`{value}`")), "{err}");
            assert!(err.contains(reason), "{value}: {err}");
        }
    }
}
