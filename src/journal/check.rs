//! The per-line half of verification, run in parallel: envelope, payload, signature format,
//! signer lookup (including the key's `valid-after`/`valid-before` window, at the record's own
//! `time`: when it was signed) and the Ed25519 signature itself (checked in batches, falling
//! back to single verification to find which signature of a failed batch is bad). It knows
//! nothing of chains, runs or roles; [`verify`](super::verify) applies those in order.
//!
//! Batch verification accepts exactly the signatures single verification accepts for keys and
//! signatures made honestly; it may differ only on crafted small-order components, which only
//! the key's holder could produce.

use ed25519_dalek::{Signature, VerifyingKey};
use serde::de::DeserializeOwned;

use super::allowed_signers::{AllowedSigners, Lookup};
use super::detached::refusal;
use super::reader::parse_envelope;
use super::record::{FORMAT_VERSION, LedgerPayload, NAMESPACE, Payload, payload_hash};
use super::report::Reason;
use super::sshsig;

/// Signatures verified together.
const BATCH: usize = 64;

/// A payload type that carries the signing fields.
pub(crate) trait Signed: DeserializeOwned + Send {
    fn signer(&self) -> &str;
    fn version(&self) -> u32;
    fn time(&self) -> &str;
}

impl Signed for Payload {
    fn signer(&self) -> &str {
        &self.signer
    }
    fn version(&self) -> u32 {
        self.v
    }
    fn time(&self) -> &str {
        &self.time
    }
}

impl Signed for LedgerPayload {
    fn signer(&self) -> &str {
        &self.signer
    }
    fn version(&self) -> u32 {
        self.v
    }
    fn time(&self) -> &str {
        &self.time
    }
}

/// A line whose signature is valid.
#[derive(Debug)]
pub(crate) struct Checked<T> {
    pub payload: T,
    /// `sha256:<hex>` of the payload string.
    pub hash: String,
}

/// What a line was found to be: checked, or the payload (when readable) and why it is bad.
pub(crate) type LineResult<T> = Result<Checked<T>, (Option<T>, Reason)>;

/// Check every line, using all available cores.
pub(crate) fn check_lines<T: Signed>(
    lines: &[&[u8]],
    allowed: &AllowedSigners,
) -> Vec<LineResult<T>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(lines.len().div_ceil(BATCH * 4))
        .max(1);
    if threads == 1 {
        return check_chunk(lines, allowed);
    }
    let chunk = lines.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| scope.spawn(move || check_chunk(part, allowed)))
            .collect();
        let mut out = Vec::with_capacity(lines.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// Check one line completely, signature included (no batching): for the few records a resume
/// relies on in the ledger.
pub(crate) fn check_line<T: Signed>(line: &[u8], allowed: &AllowedSigners) -> LineResult<T> {
    let (checked, data, signature, key) = pre_check::<T>(line, allowed)?;
    match key.verify_strict(&data, &signature) {
        Ok(()) => Ok(checked),
        Err(_) => Err((Some(checked.payload), Reason::BadSignature)),
    }
}

struct Pending {
    index: usize,
    data: Vec<u8>,
    signature: Signature,
    key: VerifyingKey,
}

fn check_chunk<T: Signed>(lines: &[&[u8]], allowed: &AllowedSigners) -> Vec<LineResult<T>> {
    let mut out: Vec<LineResult<T>> = Vec::with_capacity(lines.len());
    let mut pending: Vec<Pending> = Vec::with_capacity(BATCH);
    for line in lines {
        match pre_check::<T>(line, allowed) {
            Ok((checked, data, signature, key)) => {
                pending.push(Pending {
                    index: out.len(),
                    data,
                    signature,
                    key,
                });
                out.push(Ok(checked));
                if pending.len() == BATCH {
                    flush(&mut pending, &mut out);
                }
            }
            Err(bad) => out.push(Err(bad)),
        }
    }
    flush(&mut pending, &mut out);
    out
}

fn flush<T>(pending: &mut Vec<Pending>, out: &mut [LineResult<T>]) {
    if pending.is_empty() {
        return;
    }
    let messages: Vec<&[u8]> = pending.iter().map(|p| p.data.as_slice()).collect();
    let signatures: Vec<Signature> = pending.iter().map(|p| p.signature).collect();
    let keys: Vec<VerifyingKey> = pending.iter().map(|p| p.key).collect();
    if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_err() {
        for p in pending.iter() {
            if p.key.verify_strict(&p.data, &p.signature).is_err() {
                let slot = &mut out[p.index];
                let payload = match std::mem::replace(slot, Err((None, Reason::BadSignature))) {
                    Ok(checked) => Some(checked.payload),
                    Err((payload, _)) => payload,
                };
                *slot = Err((payload, Reason::BadSignature));
            }
        }
    }
    pending.clear();
}

type PreChecked<T> = (Checked<T>, Vec<u8>, Signature, VerifyingKey);

fn pre_check<T: Signed>(
    line: &[u8],
    allowed: &AllowedSigners,
) -> Result<PreChecked<T>, (Option<T>, Reason)> {
    let envelope = parse_envelope(line).map_err(|detail| (None, Reason::Envelope { detail }))?;
    let payload: T = serde_json::from_str(&envelope.payload).map_err(|e| {
        (
            None,
            Reason::Payload {
                detail: e.to_string(),
            },
        )
    })?;
    if payload.version() != FORMAT_VERSION {
        let found = payload.version();
        return Err((Some(payload), Reason::Version { found }));
    }
    let Some(signed_at) = parse_utc_rfc3339(payload.time()) else {
        let found = payload.time().to_owned();
        return Err((Some(payload), Reason::Time { found }));
    };
    let sig = match sshsig::parse_armored(&envelope.sig) {
        Ok(sig) => sig,
        Err(e) => {
            let detail = e.to_string();
            return Err((Some(payload), Reason::SignatureFormat { detail }));
        }
    };
    if sshsig::armor(&sig.public_key, &sig.namespace, &sig.signature) != envelope.sig {
        let detail = "not in canonical armor".to_owned();
        return Err((Some(payload), Reason::SignatureFormat { detail }));
    }
    if sig.namespace != NAMESPACE {
        return Err((
            Some(payload),
            Reason::WrongNamespace {
                found: sig.namespace,
            },
        ));
    }
    if sig.hash_alg != "sha512" {
        let detail = format!("hash algorithm {:?}, expected \"sha512\"", sig.hash_alg);
        return Err((Some(payload), Reason::SignatureFormat { detail }));
    }
    let key = match allowed.lookup(payload.signer(), &sig.public_key, signed_at) {
        Lookup::Allowed(key) => *key,
        other => {
            let reason = refusal(other, payload.signer(), payload.time()).unwrap_or_else(|| {
                Reason::KeyNotAllowed {
                    principal: payload.signer().to_owned(),
                }
            });
            return Err((Some(payload), reason));
        }
    };
    let data = sshsig::signed_data(NAMESPACE, envelope.payload.as_bytes());
    let hash = payload_hash(&envelope.payload);
    Ok((
        Checked { payload, hash },
        data,
        Signature::from_bytes(&sig.signature),
        key,
    ))
}

/// `text` as a time, if it is RFC 3339 in UTC (`Z`).
fn parse_utc_rfc3339(text: &str) -> Option<time::OffsetDateTime> {
    if !text.ends_with('Z') {
        return None;
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}
