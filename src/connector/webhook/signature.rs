//! The webhook signature: `sha256=<hex HMAC-SHA256 of the exact body bytes with the secret>`,
//! sent in [`SIGNATURE_HEADER`]. It owns the header names and the signing; it never sends.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header carrying the body's signature.
pub const SIGNATURE_HEADER: &str = "X-Offboard-Signature";
/// Header carrying the sending time, in Unix seconds (informational: not signed).
pub const TIMESTAMP_HEADER: &str = "X-Offboard-Timestamp";
/// Header carrying the message's idempotency key, the same on every retry and resume.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// Header carrying the message's topic, e.g. `finance.notify_reclamation`.
pub const TOPIC_HEADER: &str = "X-Offboard-Topic";

/// The [`SIGNATURE_HEADER`] value for `body` signed with `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length; the error case cannot happen.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// True when `header` is the signature of `body` with `secret` (compared in constant time):
/// what a receiver checks.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Some(bytes) = unhex(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

use crate::hex::hex;
pub use crate::hex::sha256_hex;

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_test_case_2() {
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verify_accepts_only_the_right_signature() {
        let sig = sign(b"k", b"{}");
        assert!(verify(b"k", b"{}", &sig));
        assert!(!verify(b"k", b"{ }", &sig));
        assert!(!verify(b"other", b"{}", &sig));
        assert!(!verify(b"k", b"{}", sig.trim_start_matches("sha256=")));
        assert!(!verify(b"k", b"{}", "sha256=zz"));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
