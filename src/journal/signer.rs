//! The signing identity: an OpenSSH Ed25519 private key and the principal it signs as. It owns
//! producing SSHSIG signatures; it never prints, logs or returns key material.

use std::path::Path;

use base64ct::{Base64, Encoding};
use ed25519_dalek::{Signer as _, SigningKey};

use super::error::{JournalError, Result};
use super::record::NAMESPACE;
use super::sshsig;
use crate::fsio;

/// A principal with its Ed25519 signing key.
#[derive(Clone)]
pub struct Signer {
    principal: String,
    key: SigningKey,
    public: [u8; 32],
}

impl Signer {
    /// Load an unencrypted OpenSSH Ed25519 private key (as written by `ssh-keygen -t ed25519
    /// -N ""`) to sign as `principal`.
    pub fn from_openssh_file(path: impl AsRef<Path>, principal: impl Into<String>) -> Result<Self> {
        let path = path.as_ref();
        let text = fsio::read_to_string(path, fsio::TEXT, fsio::Links::Follow)
            .map_err(|source| JournalError::io("cannot read signing key", path, source))?;
        Self::from_openssh(&text, principal).map_err(|message| JournalError::Key {
            path: path.to_owned(),
            message,
        })
    }

    /// Parse an OpenSSH private key from its text; `Err` says what is wrong, without key material.
    fn from_openssh(text: &str, principal: impl Into<String>) -> std::result::Result<Self, String> {
        let key = ssh_key::PrivateKey::from_openssh(text)
            .map_err(|e| format!("not a readable OpenSSH private key ({e})"))?;
        if key.is_encrypted() {
            return Err(
                "the key is encrypted with a passphrase; use an unencrypted key (ssh-keygen -N \"\")"
                    .to_owned(),
            );
        }
        let pair = key.key_data().ed25519().ok_or_else(|| {
            format!(
                "the key is {}, but journal signing needs ssh-ed25519",
                key.algorithm()
            )
        })?;
        let signer = Self::from_seed(pair.private.to_bytes(), principal);
        if signer.public != pair.public.0 {
            return Err("the private and public halves of the key do not match".to_owned());
        }
        Ok(signer)
    }

    /// A signer from a raw 32-byte Ed25519 seed (tests, benchmarks, key generation).
    pub fn from_seed(seed: [u8; 32], principal: impl Into<String>) -> Self {
        let key = SigningKey::from_bytes(&seed);
        let public = key.verifying_key().to_bytes();
        Signer {
            principal: principal.into(),
            key,
            public,
        }
    }

    /// The principal this signer signs as.
    pub fn principal(&self) -> &str {
        &self.principal
    }

    /// The raw Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.public
    }

    /// The public key in OpenSSH form, `ssh-ed25519 AAAA...`, for an `allowed_signers` line.
    pub fn public_key_openssh(&self) -> String {
        format!(
            "ssh-ed25519 {}",
            Base64::encode_string(&sshsig::public_key_blob(&self.public))
        )
    }

    /// The armored SSHSIG signature of `message` under namespace `offboard`, byte-identical to
    /// `ssh-keygen -Y sign -n offboard`.
    pub fn sign(&self, message: &[u8]) -> String {
        let data = sshsig::signed_data(NAMESPACE, message);
        let signature = self.key.sign(&data).to_bytes();
        sshsig::armor(&self.public, NAMESPACE, &signature)
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("principal", &self.principal)
            .field("public_key", &self.public_key_openssh())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_private_key() {
        let signer = Signer::from_seed([42u8; 32], "it@acme");
        let debug = format!("{signer:?}");
        assert!(debug.contains("it@acme"));
        assert!(!debug.contains("42, 42"));
        assert!(debug.contains("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
    }

    #[test]
    fn signature_decodes_to_our_key_and_namespace() {
        let signer = Signer::from_seed([1u8; 32], "p");
        let sig = sshsig::parse_armored(&signer.sign(b"hello")).unwrap();
        assert_eq!(sig.public_key, signer.public_key());
        assert_eq!(sig.namespace, "offboard");
        let key = ed25519_dalek::VerifyingKey::from_bytes(&sig.public_key).unwrap();
        let data = sshsig::signed_data("offboard", b"hello");
        let signature = ed25519_dalek::Signature::from_bytes(&sig.signature);
        assert!(key.verify_strict(&data, &signature).is_ok());
        let other = sshsig::signed_data("offboard", b"hellp");
        assert!(key.verify_strict(&other, &signature).is_err());
    }

    #[test]
    fn garbage_key_is_a_clear_error() {
        let err = Signer::from_openssh("not a key", "p").unwrap_err();
        assert!(err.contains("not a readable OpenSSH private key"), "{err}");
    }
}
