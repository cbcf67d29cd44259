//! The OpenSSH signature format (PROTOCOL.sshsig) for Ed25519 with SHA-512: the signed-data blob,
//! the signature blob and its ASCII armor, byte-compatible with `ssh-keygen -Y sign`. It owns
//! encoding and decoding only; it never loads keys or decides who may sign.

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha512};

const MAGIC: &[u8; 6] = b"SSHSIG";
const SIG_VERSION: u32 = 1;
const KEY_TYPE: &str = "ssh-ed25519";
const HASH_ALG: &str = "sha512";
const HEADER: &str = "-----BEGIN SSH SIGNATURE-----";
const FOOTER: &str = "-----END SSH SIGNATURE-----";
const LINE_LEN: usize = 70;

/// A decoded SSHSIG signature of an Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSig {
    /// The signer's Ed25519 public key.
    pub public_key: [u8; 32],
    /// The namespace the signature was made for.
    pub namespace: String,
    /// The message hash algorithm (`sha512` or `sha256`).
    pub hash_alg: String,
    /// The raw Ed25519 signature over [`signed_data`].
    pub signature: [u8; 64],
}

/// Why an armored signature could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigFormatError {
    /// The text is not `-----BEGIN SSH SIGNATURE-----` ... `-----END SSH SIGNATURE-----`.
    #[error("not an armored SSH signature")]
    Armor,
    /// The armored body is not valid base64.
    #[error("signature body is not valid base64")]
    Base64,
    /// The blob does not follow PROTOCOL.sshsig.
    #[error("malformed SSHSIG blob: {0}")]
    Blob(&'static str),
    /// The key or signature is not Ed25519.
    #[error("unsupported key type {0:?} (only ssh-ed25519)")]
    KeyType(String),
}

/// The data an SSHSIG signature signs: magic, namespace, reserved, hash algorithm, and the
/// SHA-512 of `message`.
pub fn signed_data(namespace: &str, message: &[u8]) -> Vec<u8> {
    let digest = Sha512::digest(message);
    let mut out = Vec::with_capacity(6 + 4 + namespace.len() + 4 + 4 + HASH_ALG.len() + 4 + 64);
    out.extend_from_slice(MAGIC);
    put_string(&mut out, namespace.as_bytes());
    put_string(&mut out, b"");
    put_string(&mut out, HASH_ALG.as_bytes());
    put_string(&mut out, &digest);
    out
}

/// The SSH wire encoding of an Ed25519 public key (`string "ssh-ed25519" || string key`).
pub fn public_key_blob(public_key: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + KEY_TYPE.len() + 4 + 32);
    put_string(&mut out, KEY_TYPE.as_bytes());
    put_string(&mut out, public_key);
    out
}

/// Decode an SSH wire-encoded public key blob; `Err` names the key type when it is not Ed25519.
pub fn parse_public_key_blob(blob: &[u8]) -> Result<[u8; 32], SigFormatError> {
    let mut reader = Reader(blob);
    let key_type = reader.string()?;
    if key_type != KEY_TYPE.as_bytes() {
        return Err(SigFormatError::KeyType(
            String::from_utf8_lossy(key_type).into_owned(),
        ));
    }
    let key = reader
        .string()?
        .try_into()
        .map_err(|_| SigFormatError::Blob("Ed25519 key is not 32 bytes"))?;
    reader.end()?;
    Ok(key)
}

/// The armored SSHSIG signature, exactly as `ssh-keygen -Y sign` writes it (70-column base64,
/// trailing newline).
pub fn armor(public_key: &[u8; 32], namespace: &str, signature: &[u8; 64]) -> String {
    let mut sig_blob = Vec::with_capacity(4 + KEY_TYPE.len() + 4 + 64);
    put_string(&mut sig_blob, KEY_TYPE.as_bytes());
    put_string(&mut sig_blob, signature);

    let mut blob = Vec::with_capacity(160);
    blob.extend_from_slice(MAGIC);
    blob.extend_from_slice(&SIG_VERSION.to_be_bytes());
    put_string(&mut blob, &public_key_blob(public_key));
    put_string(&mut blob, namespace.as_bytes());
    put_string(&mut blob, b"");
    put_string(&mut blob, HASH_ALG.as_bytes());
    put_string(&mut blob, &sig_blob);

    let body = Base64::encode_string(&blob);
    let mut out = String::with_capacity(body.len() + body.len() / LINE_LEN + 64);
    out.push_str(HEADER);
    out.push('\n');
    for chunk in body.as_bytes().chunks(LINE_LEN) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(FOOTER);
    out.push('\n');
    out
}

/// Decode an armored SSHSIG signature.
pub fn parse_armored(text: &str) -> Result<SshSig, SigFormatError> {
    let body = text
        .trim_end()
        .strip_prefix(HEADER)
        .and_then(|rest| rest.strip_suffix(FOOTER))
        .ok_or(SigFormatError::Armor)?;
    let mut compact = String::with_capacity(body.len());
    compact.extend(body.chars().filter(|c| !matches!(c, '\n' | '\r')));
    let blob = Base64::decode_vec(&compact).map_err(|_| SigFormatError::Base64)?;
    parse_blob(&blob)
}

fn parse_blob(blob: &[u8]) -> Result<SshSig, SigFormatError> {
    let mut reader = Reader(blob);
    if reader.take(6)? != MAGIC {
        return Err(SigFormatError::Blob("missing SSHSIG magic"));
    }
    if reader.u32()? != SIG_VERSION {
        return Err(SigFormatError::Blob("unsupported SSHSIG version"));
    }
    let public_key = parse_public_key_blob(reader.string()?)?;
    let namespace = String::from_utf8(reader.string()?.to_vec())
        .map_err(|_| SigFormatError::Blob("namespace is not UTF-8"))?;
    let _reserved = reader.string()?;
    let hash_alg = String::from_utf8(reader.string()?.to_vec())
        .map_err(|_| SigFormatError::Blob("hash algorithm is not UTF-8"))?;
    let mut sig_reader = Reader(reader.string()?);
    reader.end()?;
    let sig_type = sig_reader.string()?;
    if sig_type != KEY_TYPE.as_bytes() {
        return Err(SigFormatError::KeyType(
            String::from_utf8_lossy(sig_type).into_owned(),
        ));
    }
    let signature = sig_reader
        .string()?
        .try_into()
        .map_err(|_| SigFormatError::Blob("Ed25519 signature is not 64 bytes"))?;
    sig_reader.end()?;
    Ok(SshSig {
        public_key,
        namespace,
        hash_alg,
        signature,
    })
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    // Every string written here is far below 4 GiB.
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SigFormatError> {
        if self.0.len() < n {
            return Err(SigFormatError::Blob("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, SigFormatError> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn string(&mut self) -> Result<&'a [u8], SigFormatError> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    fn end(&self) -> Result<(), SigFormatError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(SigFormatError::Blob("trailing bytes"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armor_round_trips() {
        let key = [7u8; 32];
        let sig = [9u8; 64];
        let text = armor(&key, "offboard", &sig);
        assert!(text.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
        assert!(text.ends_with("\n-----END SSH SIGNATURE-----\n"));
        assert!(text.lines().all(|l| l.len() <= 70));
        let parsed = parse_armored(&text).unwrap();
        assert_eq!(parsed.public_key, key);
        assert_eq!(parsed.signature, sig);
        assert_eq!(parsed.namespace, "offboard");
        assert_eq!(parsed.hash_alg, "sha512");
    }

    #[test]
    fn malformed_signatures_are_rejected() {
        assert_eq!(parse_armored("hello"), Err(SigFormatError::Armor));
        let bad = "-----BEGIN SSH SIGNATURE-----\n!!!\n-----END SSH SIGNATURE-----\n";
        assert_eq!(parse_armored(bad), Err(SigFormatError::Base64));
        let short = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n";
        assert_eq!(parse_armored(short), Err(SigFormatError::Blob("truncated")));
    }

    #[test]
    fn signed_data_layout() {
        let data = signed_data("offboard", b"msg");
        assert_eq!(&data[..6], b"SSHSIG");
        assert_eq!(&data[6..10], &8u32.to_be_bytes());
        assert_eq!(&data[10..18], b"offboard");
        assert_eq!(data.len(), 6 + 12 + 4 + 10 + 68);
    }
}
