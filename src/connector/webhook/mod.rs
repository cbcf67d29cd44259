//! The signed JSON webhook connector (`type: webhook`) for finance, ticketing and chat. It owns
//! the request format, the signature and the local delivery record; it never retries, journals
//! or reads the playbook (the engine does).
//!
//! # The request
//!
//! `POST <url>` with the message body as JSON, serialised once, and these headers:
//!
//! | header | value |
//! |---|---|
//! | `Content-Type` | `application/json` |
//! | `X-Offboard-Signature` | `sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the secret>` (absent when no `secret_env` is configured) |
//! | `X-Offboard-Timestamp` | sending time in Unix seconds (not signed: it changes between retries) |
//! | `Idempotency-Key` | the message key, `<run id>/<step id>`: the same on every retry and resume, so a receiver can drop duplicates |
//! | `X-Offboard-Topic` | the step kind, e.g. `finance.notify_reclamation` |
//!
//! A 2xx answer is a delivery; 408, 429 (with `Retry-After`), 5xx, timeouts and dropped
//! connections are transient; any other status is permanent. Redirects are not followed.
//!
//! # The evidence
//!
//! A webhook cannot be read back. On each 2xx the connector appends a [`DeliveryRecord`] to
//! `<journal>/webhooks/<connector>.jsonl` and fsyncs it before returning the receipt; `receipt`
//! and a second `deliver` of the same key read that file, so a resumed run never sends twice.
//! The receiver's 2xx, this record and the signed journal record quoting the receipt (status,
//! URL path and the body's SHA-256) are the evidence of delivery.

mod connector;
mod deliveries;
mod signature;

pub use connector::{DEFAULT_TIMEOUT, WebhookConnector, WebhookOptions, WebhookSetupError};
pub use deliveries::{DeliveryLog, DeliveryLogError, DeliveryRecord};
pub use signature::{
    IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, TOPIC_HEADER, sha256_hex, sign, verify,
};
