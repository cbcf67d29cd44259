//! The webhook connector against a local receiver that records every request: the signature is
//! checked here with the hmac crate, independently of the connector, and so are the body hash,
//! the idempotency key across retries and the delivery record.

use std::time::{Duration, SystemTime};

use crate::support::hex;
use crate::support::peers::script::{Reply, ScriptServer};
use hmac::{Hmac, Mac};
use offboard::connector::webhook::{WebhookConnector, WebhookOptions};
use offboard::connector::{ConnectorError, Message, Messenger};
use offboard::retry::RetryPolicy;
use secrecy::SecretString;
use serde_json::json;
use sha2::{Digest, Sha256};

const SECRET: &str = "whsec-0123456789abcdef";

fn connector(url: &str, deliveries: &std::path::Path, timeout: Duration) -> WebhookConnector {
    WebhookConnector::new(
        "finance",
        WebhookOptions {
            url: url.to_owned(),
            secret: Some(SecretString::from(SECRET)),
            timeout,
            deliveries: deliveries.join("webhooks/finance.jsonl"),
        },
    )
    .unwrap()
}

fn message() -> Message {
    Message {
        key: "run-20260101-e1001/notify-finance".into(),
        topic: "finance.notify_reclamation".into(),
        body: json!({
            "employee": {"id": "E1001", "name": "Zoë \"Z\" Ândré"},
            "seats": [{"product": "github", "monthly_cost_cents": 2100}],
            "monthly_cost_cents": 2100,
        }),
    }
}

fn expected_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

#[test]
fn delivers_a_signed_message_and_records_the_receipt() {
    let receiver = ScriptServer::script(vec![Reply::new(202, "")]);
    let dir = tempfile::tempdir().unwrap();
    let finance = connector(
        &format!("{}/hooks/finance", receiver.url),
        dir.path(),
        Duration::from_secs(5),
    );
    assert_eq!(finance.receipt(&message().key).unwrap(), None);

    let receipt = finance.deliver(&message()).unwrap();
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/hooks/finance");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("x-offboard-signature"),
        Some(expected_signature(&request.body).as_str())
    );
    assert_eq!(
        request.header("idempotency-key"),
        Some(message().key.as_str())
    );
    assert_eq!(
        request.header("x-offboard-topic"),
        Some("finance.notify_reclamation")
    );
    let sent_at: u64 = request
        .header("x-offboard-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(sent_at) < 60);
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, message().body);

    assert_eq!(receipt.key, message().key);
    assert_eq!(receipt.delivered_to, "202 /hooks/finance");
    assert_eq!(receipt.body_sha256, hex(&Sha256::digest(&request.body)));
    assert_eq!(
        finance.receipt(&message().key).unwrap(),
        Some(receipt.clone())
    );
    assert_eq!(finance.receipt("another-key").unwrap(), None);

    // The delivery record on disk, read as plain JSON lines.
    let text = std::fs::read_to_string(dir.path().join("webhooks/finance.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["key"], message().key);
    assert_eq!(lines[0]["status"], 202);
    assert_eq!(lines[0]["body_sha256"], receipt.body_sha256);

    // Delivering the same key again, even from a fresh connector (a resumed run), sends nothing.
    let resumed = connector(
        &format!("{}/hooks/finance", receiver.url),
        dir.path(),
        Duration::from_secs(5),
    );
    assert_eq!(
        resumed.receipt(&message().key).unwrap(),
        Some(receipt.clone())
    );
    assert_eq!(resumed.deliver(&message()).unwrap(), receipt);
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn retries_send_the_same_key_body_and_signature() {
    let receiver = ScriptServer::script(vec![
        Reply::new(503, "").header("Retry-After", "0"),
        Reply::new(500, "oops"),
        Reply::new(429, "").header("Retry-After", "0"),
        Reply::new(200, r#"{"ok":true}"#),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let finance = connector(
        &format!("{}/hook", receiver.url),
        dir.path(),
        Duration::from_secs(5),
    );
    let policy = RetryPolicy {
        attempts: 5,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(1),
    };
    let mut errors = Vec::new();
    let receipt = policy
        .call(
            || finance.deliver(&message()),
            |_, e, _| errors.push(e.to_string()),
        )
        .unwrap();
    assert_eq!(
        errors,
        [
            "webhook `finance` POST /hook: 503 Service Unavailable",
            "webhook `finance` POST /hook: 500 Internal Server Error: oops",
            "webhook `finance` POST /hook: 429 Too Many Requests",
        ]
    );
    let requests = receiver.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert_eq!(
            request.header("idempotency-key"),
            Some(message().key.as_str())
        );
        assert_eq!(request.body, requests[0].body);
        assert_eq!(
            request.header("x-offboard-signature"),
            Some(expected_signature(&requests[0].body).as_str())
        );
    }
    assert_eq!(receipt.delivered_to, "200 /hook");
}

#[test]
fn refusals_are_permanent_and_never_show_the_secret_or_the_query() {
    let receiver = ScriptServer::script(vec![Reply::new(
        403,
        format!("bad signature for secret {SECRET} and token=q-secret-77"),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let finance = connector(
        &format!("{}/hook?token=q-secret-77", receiver.url),
        dir.path(),
        Duration::from_secs(5),
    );
    match finance.deliver(&message()) {
        Err(ConnectorError::Permanent { message }) => {
            assert_eq!(
                message,
                "webhook `finance` POST /hook: 403 Forbidden: bad signature for secret [redacted] and [redacted]"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(finance.receipt(&message().key).unwrap(), None);
    assert!(!dir.path().join("webhooks/finance.jsonl").exists());

    let receiver = ScriptServer::script(vec![Reply::new(302, "").header("Location", "/elsewhere")]);
    let finance = connector(
        &format!("{}/hook", receiver.url),
        dir.path(),
        Duration::from_secs(5),
    );
    let error = finance.deliver(&message()).unwrap_err().to_string();
    assert!(
        error.contains("302") && error.contains("redirects are not followed"),
        "{error}"
    );
}

#[test]
fn timeouts_and_missing_receivers_are_transient() {
    let receiver = ScriptServer::script(vec![Reply::new(200, "").delay(Duration::from_secs(3))]);
    let dir = tempfile::tempdir().unwrap();
    let finance = connector(
        &format!("{}/hook", receiver.url),
        dir.path(),
        Duration::from_millis(250),
    );
    match finance.deliver(&message()) {
        Err(ConnectorError::Transient { message, .. }) => {
            assert_eq!(
                message,
                "webhook `finance` POST /hook: no answer within 250ms"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(finance.receipt(&message().key).unwrap(), None);

    let port = crate::support::peers::free_port();
    let finance = connector(
        &format!("http://127.0.0.1:{port}/hook"),
        dir.path(),
        Duration::from_secs(2),
    );
    let error = finance.deliver(&message()).unwrap_err();
    assert!(
        matches!(error, ConnectorError::Transient { .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains(SECRET));
}
