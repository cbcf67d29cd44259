//! A detached SSHSIG signature over a whole file (the evidence pack's `manifest.sig` over
//! `manifest.json`), checked as `ssh-keygen -Y verify` checks it: a well-formed Ed25519 SSHSIG
//! in namespace `offboard` that holds for the key it carries, and that key listed in
//! `allowed_signers` for the principal claimed, at the time claimed. It never picks the
//! principal or the time; the caller reads them from what was signed.

use ed25519_dalek::{Signature, VerifyingKey};

use super::allowed_signers::{AllowedSigners, Lookup};
use super::record::NAMESPACE;
use super::report::Reason;
use super::sshsig;

/// Check that `armored` is an SSHSIG of `message` in namespace `offboard`, made by the key it
/// carries; returns that key. Whether the key may sign is [`signer_allowed`]'s question.
pub fn check_detached(armored: &str, message: &[u8]) -> Result<[u8; 32], Reason> {
    check_signature(armored, message, NAMESPACE)
}

/// Check that `armored` is an SSHSIG of `message` in `namespace` (`git` for a signed commit),
/// made by the key it carries; returns that key.
pub fn check_signature(armored: &str, message: &[u8], namespace: &str) -> Result<[u8; 32], Reason> {
    let sig = sshsig::parse_armored(armored).map_err(|e| Reason::SignatureFormat {
        detail: e.to_string(),
    })?;
    if sig.namespace != namespace {
        return Err(Reason::WrongNamespace {
            found: sig.namespace,
        });
    }
    if sig.hash_alg != "sha512" {
        let detail = format!("hash algorithm {:?}, expected \"sha512\"", sig.hash_alg);
        return Err(Reason::SignatureFormat { detail });
    }
    let key = VerifyingKey::from_bytes(&sig.public_key).map_err(|_| Reason::SignatureFormat {
        detail: "not a valid Ed25519 public key".to_owned(),
    })?;
    let data = sshsig::signed_data(namespace, message);
    key.verify_strict(&data, &Signature::from_bytes(&sig.signature))
        .map_err(|_| Reason::BadSignature)?;
    Ok(sig.public_key)
}

/// Check that `allowed` lets `principal` sign with `key` in namespace `offboard` at `time`
/// (RFC 3339 UTC, as the signed content states it).
pub fn signer_allowed(
    allowed: &AllowedSigners,
    principal: &str,
    key: &[u8; 32],
    time: &str,
) -> Result<(), Reason> {
    let at = time
        .ends_with('Z')
        .then(|| {
            time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).ok()
        })
        .flatten()
        .ok_or_else(|| Reason::Time {
            found: time.to_owned(),
        })?;
    match refusal(allowed.lookup(principal, key, at), principal, time) {
        Some(reason) => Err(reason),
        None => Ok(()),
    }
}

/// Why `lookup` refuses `principal` at `time`, or `None` when it allows it.
pub(crate) fn refusal(lookup: Lookup<'_>, principal: &str, time: &str) -> Option<Reason> {
    let principal = principal.to_owned();
    Some(match lookup {
        Lookup::Allowed(_) => return None,
        Lookup::UnknownPrincipal => Reason::UnknownSigner { principal },
        Lookup::KeyNotForPrincipal => Reason::KeyNotAllowed { principal },
        Lookup::NamespaceNotAllowed => Reason::NamespaceNotAllowed { principal },
        Lookup::NotYetValid(valid_after) => Reason::KeyNotYetValid {
            principal,
            time: time.to_owned(),
            valid_after: valid_after.to_owned(),
        },
        Lookup::Expired(valid_before) => Reason::KeyExpired {
            principal,
            time: time.to_owned(),
            valid_before: valid_before.to_owned(),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::journal::Signer;

    fn allowed(signer: &Signer, options: &str) -> AllowedSigners {
        let line = format!(
            "{} {options}{}\n",
            signer.principal(),
            signer.public_key_openssh()
        );
        AllowedSigners::parse(&line, Path::new("allowed_signers")).unwrap()
    }

    #[test]
    fn a_signature_holds_only_for_its_bytes() {
        let signer = Signer::from_seed([7; 32], "it-ops@example.com");
        let sig = signer.sign(b"manifest");
        assert_eq!(check_detached(&sig, b"manifest"), Ok(signer.public_key()));
        assert_eq!(check_detached(&sig, b"manifesT"), Err(Reason::BadSignature));
        assert!(matches!(
            check_detached("not a signature", b"manifest"),
            Err(Reason::SignatureFormat { .. })
        ));
    }

    #[test]
    fn the_key_must_be_listed_for_the_principal_at_the_time() {
        let signer = Signer::from_seed([7; 32], "it-ops@example.com");
        let rogue = Signer::from_seed([8; 32], "it-ops@example.com");
        let time = "2026-12-01T00:00:00Z";
        let list = allowed(&signer, "");
        let key = signer.public_key();
        assert_eq!(
            signer_allowed(&list, "it-ops@example.com", &key, time),
            Ok(())
        );
        assert!(matches!(
            signer_allowed(&list, "it-ops@example.com", &rogue.public_key(), time),
            Err(Reason::KeyNotAllowed { .. })
        ));
        assert!(matches!(
            signer_allowed(&list, "someone@example.com", &key, time),
            Err(Reason::UnknownSigner { .. })
        ));
        assert!(matches!(
            signer_allowed(&list, "it-ops@example.com", &key, "yesterday"),
            Err(Reason::Time { .. })
        ));
        let expired = allowed(&signer, "valid-before=\"20261101Z\" ");
        assert!(matches!(
            signer_allowed(&expired, "it-ops@example.com", &key, time),
            Err(Reason::KeyExpired { .. })
        ));
    }
}
